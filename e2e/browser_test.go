// Package e2e drives the real page in headless Chromium (Debian's /usr/bin/chromium)
// through chromedp. The tests skip when Chromium is missing, and fail instead when the
// CI environment variable is set, so CI cannot pass without running them.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"focallab/handlers"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds one test's browser work, so a hung page fails instead of stalling CI.
const browserTimeout = 60 * time.Second

// session is one browser with the app served on loopback and a record of what the page did.
type session struct {
	t      *testing.T
	server *httptest.Server
	ctx    context.Context // the first tab

	mu       sync.Mutex
	requests []string // every URL the browser requested
	problems []string // console errors, exceptions, CSP violations
}

func newSession(t *testing.T) *session {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browser tests need %s, which is missing; .ci/run installs the chromium package", chromiumPath)
		}
		t.Skipf("skipping browser test: %s not found (install the chromium package to run it)", chromiumPath)
	}
	app := handlers.NewApp(slog.New(slog.NewTextHandler(io.Discard, nil)))
	server := httptest.NewServer(app.NewServer())
	t.Cleanup(server.Close)
	t.Cleanup(app.BeginShutdown) // ends open streams before server.Close waits for them

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1600),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)

	s := &session{t: t, server: server, ctx: ctx}
	s.watch(ctx)
	return s
}

// watch records requests and problems of one tab.
func (s *session) watch(ctx context.Context) {
	s.t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			s.requests = append(s.requests, ev.Request.URL)
		case *runtime.EventExceptionThrown:
			s.problems = append(s.problems, "exception: "+ev.ExceptionDetails.Text+describeException(ev.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				s.problems = append(s.problems, "console."+string(ev.Type)+": "+consoleText(ev))
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				s.problems = append(s.problems, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err != nil {
		s.t.Fatalf("listen to browser events: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		s.t.Fatalf("enable network events: %v", err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, struct{}{}); err != nil {
		s.t.Fatalf("enable log events: %v", err)
	}
}

func describeException(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return " " + d.Exception.Description
	}
	return ""
}

func consoleText(ev *runtime.EventConsoleAPICalled) string {
	parts := make([]string, 0, len(ev.Args))
	for _, a := range ev.Args {
		if a.Value != nil {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

// checkClean fails the test on any recorded problem or any request to another origin.
func (s *session) checkClean() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		s.t.Errorf("browser reported a problem: %s", p)
	}
	origin, _ := url.Parse(s.server.URL)
	if len(s.requests) == 0 {
		s.t.Errorf("no request was recorded; the network listener is not working")
	}
	for _, raw := range s.requests {
		u, err := url.Parse(raw)
		if err != nil {
			s.t.Errorf("unparsable request URL %q: %v", raw, err)
			continue
		}
		if u.Scheme == "data" || u.Scheme == "blob" {
			continue
		}
		if u.Host != origin.Host {
			s.t.Errorf("page requested %s, which is not the server %s", raw, origin.Host)
		}
	}
}

func (s *session) do(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		s.t.Fatalf("browser actions failed: %v", err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func waitFor(t *testing.T, ctx context.Context, expr string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
}

func withTimeout(t *testing.T, ctx context.Context) context.Context {
	// The first Run on a chromedp context starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(cancel)
	return tctx
}

// pageReady waits until the page script has drawn every chart.
const pageReady = `window.focalLab && Object.keys(window.focalLab.charts).length === 4`

func TestPageLanguages(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	cases := []struct {
		query, lang, title string
	}{
		{"?lang=zh-CN", "zh-CN", "焦点损失实验室"},
		{"?lang=en", "en", "Focal Lab"},
	}
	for _, tc := range cases {
		s.do(ctx, chromedp.Navigate(s.server.URL+"/"+tc.query))
		waitFor(t, ctx, pageReady, 20*time.Second)
		if got := eval[string](t, ctx, `document.documentElement.lang`); got != tc.lang {
			t.Errorf("%s: html lang = %q, want %q", tc.query, got, tc.lang)
		}
		if got := eval[string](t, ctx, `document.querySelector('h1').textContent`); got != tc.title {
			t.Errorf("%s: h1 = %q, want %q", tc.query, got, tc.title)
		}
		empty := eval[int](t, ctx, `Object.values(window.focalLab.charts).filter(c => c.getOption().series.length === 0).length`)
		if empty != 0 {
			t.Errorf("%s: %d charts have no series", tc.query, empty)
		}
		if nan := eval[bool](t, ctx, `document.body.innerText.includes('NaN')`); nan {
			t.Errorf("%s: the page shows NaN", tc.query)
		}
	}
	// Accept-Language picks English when the link names no language.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "en-GB,en;q=0.9"}}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}
	s.do(ctx, chromedp.Navigate(s.server.URL+"/"))
	waitFor(t, ctx, pageReady, 20*time.Second)
	if got := eval[string](t, ctx, `document.documentElement.lang`); got != "en" {
		t.Errorf("Accept-Language en-GB: html lang = %q, want en", got)
	}
	s.checkClean()
}

func TestGammaSliderByKeyboard(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.do(ctx, chromedp.Navigate(s.server.URL+"/?lang=en"))
	waitFor(t, ctx, pageReady, 20*time.Second)
	before := eval[string](t, ctx, `JSON.stringify(window.focalLab.charts['chart-loss'].getOption().series.map(s => s.name))`)

	s.do(ctx, chromedp.Focus(chromedp.ID("in-gamma")), chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, ctx, `window.focalLab.curveUpdates >= 1`, 10*time.Second)

	if got := eval[string](t, ctx, `document.getElementById('in-gamma').value`); got != "2.1" {
		t.Fatalf("γ slider value after ArrowRight = %q, want 2.1", got)
	}
	if got := eval[string](t, ctx, `location.search`); !strings.Contains(got, "gamma=2.1") {
		t.Errorf("address bar %q does not carry gamma=2.1", got)
	}
	after := eval[string](t, ctx, `JSON.stringify(window.focalLab.charts['chart-loss'].getOption().series.map(s => s.name))`)
	if after == before || !strings.Contains(after, "γ=2.1") {
		t.Errorf("loss chart series did not follow γ: before %s, after %s", before, after)
	}
	if got := eval[string](t, ctx, `document.querySelector('#readouts tbody tr:nth-child(2) [data-col=factor]').textContent`); got == "0.0100" {
		t.Errorf("readout at p_t 0.9 still shows the γ=2 value %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('out-gamma').textContent`); got != "2.1" {
		t.Errorf("shown γ = %q, want 2.1", got)
	}
	s.checkClean()
}

// trainingState is what a shared link must reproduce exactly.
type trainingState struct {
	Search  string `json:"search"`
	Metrics string `json:"metrics"`
	Series  string `json:"series"`
}

const readTraining = `JSON.stringify({
  search: location.search,
  metrics: document.getElementById('metrics').tBodies[0].innerText,
  series: JSON.stringify(window.focalLab.charts['chart-train'].getOption().series.map(s => s.data.map(d => d.value || d)))
})`

func readState(t *testing.T, ctx context.Context) trainingState {
	t.Helper()
	var st trainingState
	if err := json.Unmarshal([]byte(eval[string](t, ctx, readTraining)), &st); err != nil {
		t.Fatalf("decode training state: %v", err)
	}
	return st
}

func TestTrainingStreamAndSharedLink(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	// A short run keeps the test fast: 60 steps on 2,000 examples, one frame per step.
	s.do(ctx, chromedp.Navigate(s.server.URL+"/?lang=en&n=2000&steps=60"))
	waitFor(t, ctx, pageReady, 20*time.Second)
	startLen := eval[int](t, ctx, `window.focalLab.charts['chart-train'].getOption().series[0].data.length`)

	s.do(ctx, chromedp.Click(chromedp.ID("btn-play")))
	waitFor(t, ctx, `window.focalLab.frames >= 5`, 15*time.Second)
	if grown := eval[int](t, ctx, `window.focalLab.charts['chart-train'].getOption().series[0].data.length`); grown <= startLen {
		t.Errorf("loss series has %d points after 5 frames, started with %d", grown, startLen)
	}

	// Pause, move γ mid-run, and finish: the change must land in the link.
	s.do(ctx, chromedp.Click(chromedp.ID("btn-pause")))
	s.do(ctx, chromedp.Focus(chromedp.ID("in-gamma")), chromedp.KeyEvent(kb.ArrowLeft))
	waitFor(t, ctx, `location.search.includes('ch=')`, 10*time.Second)
	s.do(ctx, chromedp.Click(chromedp.ID("btn-play")))
	waitFor(t, ctx, `location.search.includes('step=60') && document.getElementById('btn-pause').disabled`, 30*time.Second)
	first := readState(t, ctx)
	if !strings.Contains(first.Search, "gamma=1.9") && !strings.Contains(first.Search, ":g1.9") {
		t.Errorf("link %q does not record the γ change to 1.9", first.Search)
	}

	// Open the copied link in a fresh tab: the same metrics and the same series, bit for bit.
	tab, cancel := chromedp.NewContext(s.ctx)
	defer cancel()
	s.watch(tab)
	tabCtx := withTimeout(t, tab)
	s.do(tabCtx, chromedp.Navigate(s.server.URL+"/"+first.Search))
	waitFor(t, tabCtx, pageReady, 20*time.Second)
	second := readState(t, tabCtx)
	if second.Metrics != first.Metrics {
		t.Errorf("shared link shows other metrics:\nstreamed: %s\nreopened: %s", first.Metrics, second.Metrics)
	}
	if second.Series != first.Series {
		t.Errorf("shared link draws other training series (len %d vs %d)", len(second.Series), len(first.Series))
	}
	if marks := eval[int](t, tabCtx, `(window.focalLab.charts['chart-train'].getOption().series[1].markLine || {data: []}).data.length`); marks != 1 {
		t.Errorf("reopened link shows %d change markers, want 1", marks)
	}
	s.checkClean()
}
