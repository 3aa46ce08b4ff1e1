package e2e

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeScript is axe-core 4.14.1 from the npm registry (MPL-2.0, see testdata/axe-core/LICENSE).
//
//go:embed testdata/axe-core/axe.min.js
var axeScript string

// shortRun keeps training tests fast: 60 steps on 2,000 examples, one frame per step.
const shortRun = "n=2000&steps=60"

// open navigates the tab to a path of the app and waits until the page script has drawn
// the given number of charts.
func (s *session) open(ctx context.Context, path string, charts int) {
	s.t.Helper()
	s.do(ctx, chromedp.Navigate(s.server.URL+path))
	waitFor(s.t, ctx, fmt.Sprintf(`window.focalLab && Object.keys(window.focalLab.charts).length === %d && document.readyState === 'complete'`, charts), 20*time.Second)
}

// press sends one key to the page with nothing focused, as a presenter would.
func (s *session) press(ctx context.Context, key string) {
	s.t.Helper()
	_ = eval[bool](s.t, ctx, `(document.activeElement && document.activeElement.blur(), true)`)
	s.do(ctx, chromedp.KeyEvent(key))
}

// waitReload waits for a condition on a page that a key or click is replacing. Polls
// do not survive a navigation, so a failed poll is retried until the timeout. The page
// must also lack the marker that markPage sets, so that the old page cannot pass.
func waitReload(t *testing.T, ctx context.Context, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	full := `!window.oldPage && document.readyState === 'complete' && (` + expr + `)`
	var err error
	for time.Now().Before(deadline) {
		_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](full, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for a new page with %s: %v", expr, err)
}

// markPage marks the current page, so waitReload can tell it from the next one.
func markPage(t *testing.T, ctx context.Context) {
	t.Helper()
	_ = eval[bool](t, ctx, `window.oldPage = true`)
}

func query(t *testing.T, ctx context.Context) url.Values {
	t.Helper()
	q, err := url.ParseQuery(strings.TrimPrefix(eval[string](t, ctx, `location.search`), "?"))
	if err != nil {
		t.Fatalf("parse address bar query: %v", err)
	}
	return q
}

func TestClassroomPresenterMode(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&present=1", 4)

	if !eval[bool](t, ctx, `document.documentElement.classList.contains('presenting')`) {
		t.Fatalf("present=1 did not turn presenter mode on")
	}
	if size := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.body).fontSize)`); size < 22 {
		t.Errorf("presenter body font size = %vpx, want large type (≥ 22px)", size)
	}
	if shown := eval[bool](t, ctx, `getComputedStyle(document.getElementById('controls-data')).display !== 'none'`); shown {
		t.Errorf("secondary controls are shown in presenter mode, want them folded away")
	}
	// Thick lines in projector colours: FL is drawn at 8 px (twice its 4 px) in dark blue.
	fl := eval[string](t, ctx, `(function () {
	  var s = window.focalLab.charts['chart-loss'].getOption().series;
	  var f = s[s.length - 1];
	  return f.lineStyle.width + ' ' + f.lineStyle.color;
	})()`)
	if fl != "8 #003f7f" {
		t.Errorf("FL curve in presenter mode = %q, want \"8 #003f7f\"", fl)
	}
	if title := eval[float64](t, ctx, `window.focalLab.charts['chart-loss'].getOption().title[0].textStyle.fontSize`); title < 24 {
		t.Errorf("chart title font size = %v, want ≥ 24 in presenter mode", title)
	}
	// The haystack's colour scale grows with the legend's 17 px type and stays off the plot.
	scale := colourScale(t, ctx)
	if scale.ItemHeight < 20 || scale.FontSize < 16 {
		t.Errorf("colour scale in presenter mode: swatches %v px tall, labels %v px; want ≥ 20 and ≥ 16", scale.ItemHeight, scale.FontSize)
	}
	if scale.overlapsPlot() {
		t.Errorf("colour scale %v overlaps the plot %v", scale.Scale, scale.Plot)
	}
	if !eval[bool](t, ctx, `document.getElementById('btn-share').getClientRects().length > 0`) {
		t.Errorf("Share with class is folded away in presenter mode, want it in the header")
	}

	// The More settings button unfolds the secondary controls.
	s.do(ctx, chromedp.Click(chromedp.ID("btn-more")))
	if hidden := eval[bool](t, ctx, `getComputedStyle(document.getElementById('controls-data')).display === 'none'`); hidden {
		t.Errorf("More settings did not show the data controls")
	}

	// P leaves presenter mode and the link follows; P again returns.
	s.press(ctx, "p")
	waitFor(t, ctx, `!document.documentElement.classList.contains('presenting')`, 5*time.Second)
	if q := query(t, ctx); q.Has("present") {
		t.Errorf("link %v still carries present after leaving presenter mode", q)
	}
	if fl := eval[float64](t, ctx, `window.focalLab.charts['chart-loss'].getOption().series.slice(-1)[0].lineStyle.width`); fl != 4 {
		t.Errorf("FL width after leaving presenter mode = %v, want the normal 4", fl)
	}
	s.press(ctx, "P")
	waitFor(t, ctx, `document.documentElement.classList.contains('presenting')`, 5*time.Second)
	if got := query(t, ctx).Get("present"); got != "1" {
		t.Errorf("link present = %q after pressing P, want 1", got)
	}
	if pressed := eval[string](t, ctx, `document.getElementById('btn-present').getAttribute('aria-pressed')`); pressed != "true" {
		t.Errorf("presenter button aria-pressed = %q, want true", pressed)
	}
	s.checkClean()
}

func TestClassroomShortcuts(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&"+shortRun, 4)

	// ? opens the help, listing every shortcut; Escape closes it.
	s.press(ctx, "?")
	waitFor(t, ctx, `document.getElementById('help-dialog').open`, 5*time.Second)
	help := eval[string](t, ctx, `document.getElementById('help-dialog').innerText`)
	for _, want := range []string{"Space", "Play or pause", "→", "R", "[", "]", "1", "5", "P", "?", "Esc"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	s.do(ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, `!document.getElementById('help-dialog').open`, 5*time.Second)

	// ] and [ move γ by its step, like the slider's own keys.
	s.press(ctx, "]")
	waitFor(t, ctx, `document.getElementById('in-gamma').value === '2.1' && location.search.includes('gamma=2.1')`, 5*time.Second)
	s.press(ctx, "[")
	s.press(ctx, "[")
	waitFor(t, ctx, `document.getElementById('in-gamma').value === '1.9' && location.search.includes('gamma=1.9')`, 5*time.Second)

	// Typing in a field never triggers a shortcut.
	s.do(ctx, chromedp.Focus(chromedp.ID("in-seed")), chromedp.KeyEvent("]"), chromedp.KeyEvent(" "), chromedp.KeyEvent("p"))
	if g := eval[string](t, ctx, `document.getElementById('in-gamma').value`); g != "1.9" {
		t.Errorf("] typed in the seed field moved γ to %s", g)
	}
	if eval[bool](t, ctx, `window.focalLab.playing() || document.documentElement.classList.contains('presenting')`) {
		t.Errorf("Space or P typed in the seed field started training or presenter mode")
	}

	// → trains one step.
	s.press(ctx, kb.ArrowRight)
	waitFor(t, ctx, `location.search.includes('step=1') && !window.focalLab.playing()`, 15*time.Second)

	// Space plays, Space pauses.
	s.press(ctx, " ")
	waitFor(t, ctx, `window.focalLab.frames >= 4`, 15*time.Second)
	s.press(ctx, " ")
	waitFor(t, ctx, `!window.focalLab.playing() && !document.getElementById('btn-play').disabled`, 5*time.Second)
	paused := eval[int](t, ctx, `window.focalLab.frames`)
	time.Sleep(300 * time.Millisecond)
	if now := eval[int](t, ctx, `window.focalLab.frames`); now != paused {
		t.Errorf("frames went from %d to %d after Space paused", paused, now)
	}

	// R resets to step 0: the page reloads without step or changes.
	markPage(t, ctx)
	s.press(ctx, "r")
	waitReload(t, ctx, `!location.search.includes('step=') && window.focalLab && Object.keys(window.focalLab.charts).length === 4`, 20*time.Second)
	s.checkClean()
}

func TestClassroomHelpLanguage(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=zh-CN", 4)
	s.press(ctx, "?")
	waitFor(t, ctx, `document.getElementById('help-dialog').open`, 5*time.Second)
	help := eval[string](t, ctx, `document.getElementById('help-dialog').innerText`)
	for _, want := range []string{"键盘快捷键", "空格", "开始或暂停训练", "打开第 1 到第 5 个预设"} {
		if !strings.Contains(help, want) {
			t.Errorf("Chinese help lacks %q:\n%s", want, help)
		}
	}
	s.checkClean()
}

func TestClassroomPresets(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&present=1&seed=3", 4)
	tests := []struct {
		key               string
		alpha, gamma      string
		ratio, size, logy string // "" where the preset keeps the value of the link
	}{
		{"2", "0.75", "0", "", "", ""},
		{"3", "0.5", "0", "", "", ""},
		{"4", "0.25", "5", "", "", ""},
		{"5", "0.25", "2", "10000", "200000", "1"},
		{"1", "0.25", "2", "10000", "200000", "1"}, // presets 1 to 4 keep the haystack data
	}
	for _, tt := range tests {
		markPage(t, ctx)
		s.press(ctx, tt.key)
		waitReload(t, ctx, fmt.Sprintf(`document.querySelector('#preset-%s[aria-current=page]') !== null && window.focalLab && Object.keys(window.focalLab.charts).length === 4`, tt.key), 20*time.Second)
		if got := eval[string](t, ctx, `document.getElementById('in-alpha').value + ' ' + document.getElementById('in-gamma').value`); got != tt.alpha+" "+tt.gamma {
			t.Errorf("preset %s: α γ = %s, want %s %s", tt.key, got, tt.alpha, tt.gamma)
		}
		q := query(t, ctx)
		if q.Get("seed") != "3" || q.Get("present") != "1" || q.Get("lang") != "en" {
			t.Errorf("preset %s: link %v lost the view's seed, presenter mode or language", tt.key, q)
		}
		if q.Get("ratio") != tt.ratio || q.Get("n") != tt.size || q.Get("logy") != tt.logy {
			t.Errorf("preset %s: ratio %q n %q logy %q, want %q %q %q", tt.key, q.Get("ratio"), q.Get("n"), q.Get("logy"), tt.ratio, tt.size, tt.logy)
		}
		if !eval[bool](t, ctx, `document.documentElement.classList.contains('presenting')`) {
			t.Errorf("preset %s left presenter mode", tt.key)
		}
	}
	s.checkClean()
}

func TestClassroomTeacherLink(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&alpha=0.5", 4)

	s.do(ctx, chromedp.Click(chromedp.ID("btn-share")))
	waitFor(t, ctx, `document.getElementById('share-dialog').open && document.getElementById('share-link').textContent !== ''`, 10*time.Second)
	for _, choice := range []string{`share-alpha"][value="hide`, `share-lr"][value="hide`, `share-gamma"][value="lock`, `share-presets"][value="lock`} {
		s.do(ctx, chromedp.Click(chromedp.CSS(`input[name="`+choice+`"]`)))
	}
	want := s.server.URL + "/?lang=en&alpha=0.5&hide=alpha,lr&lock=gamma,presets"
	waitFor(t, ctx, fmt.Sprintf(`document.getElementById('share-link').textContent === %q`, want), 10*time.Second)
	waitFor(t, ctx, `document.getElementById('share-qr').complete && document.getElementById('share-qr').naturalWidth > 0`, 10*time.Second)
	if src := eval[string](t, ctx, `document.getElementById('share-qr').getAttribute('src')`); src != "/qr.svg?lang=en&alpha=0.5&hide=alpha,lr&lock=gamma,presets" {
		t.Errorf("QR code source = %q", src)
	}
	s.do(ctx, chromedp.Click(chromedp.ID("share-copy")))
	waitFor(t, ctx, `document.getElementById('share-status').textContent !== ''`, 5*time.Second)
	if status := eval[string](t, ctx, `document.getElementById('share-status').textContent`); status != "Link copied." {
		t.Errorf("copy status = %q, want Link copied.", status)
	}

	// A student opens the link fresh in a new tab.
	tab, cancel := chromedp.NewContext(s.ctx)
	defer cancel()
	s.watch(tab)
	tabCtx := withTimeout(t, tab)
	s.do(tabCtx, chromedp.Navigate(want))
	waitFor(t, tabCtx, pageReady, 20*time.Second)
	for _, id := range []string{"in-alpha", "in-lr"} {
		if visible := eval[bool](t, tabCtx, `document.getElementById('`+id+`').getClientRects().length > 0`); visible {
			t.Errorf("%s is visible, want hidden", id)
		}
	}
	if !eval[bool](t, tabCtx, `document.getElementById('in-gamma').disabled && document.getElementById('in-gamma').getClientRects().length > 0`) {
		t.Errorf("γ is not shown locked")
	}
	if n := eval[int](t, tabCtx, `document.querySelectorAll('#presets a').length`); n != 0 {
		t.Errorf("%d preset links, want none when presets are locked", n)
	}
	s.press(tabCtx, "]")
	s.press(tabCtx, "2")
	time.Sleep(300 * time.Millisecond)
	if got := eval[string](t, tabCtx, `document.getElementById('in-gamma').value + ' ' + location.search`); got != "2 ?lang=en&alpha=0.5&hide=alpha,lr&lock=gamma,presets" {
		t.Errorf("after ] and 2 on a locked page: γ and link = %q, want them unchanged", got)
	}
	if msg := eval[string](t, tabCtx, `document.getElementById('classroom-status').textContent`); msg == "" {
		t.Errorf("no message says that the preset or γ is locked")
	}
	// Sighted users see the same message for a few seconds.
	toast := eval[string](t, tabCtx, `(function () {
	  var el = document.getElementById('classroom-toast');
	  return el.getClientRects().length > 0 && getComputedStyle(el).visibility === 'visible' ? el.textContent : '';
	})()`)
	if toast != "This preset would change a locked setting." {
		t.Errorf("visible message after ] and 2 on a locked page = %q, want the locked-preset message", toast)
	}
	waitFor(t, tabCtx, `document.getElementById('classroom-toast').getClientRects().length === 0`, 8*time.Second)
	// Unlocked controls still work.
	s.do(tabCtx, chromedp.Click(chromedp.ID("in-logy")))
	waitFor(t, tabCtx, `location.search.includes('logy=1') && location.search.includes('hide=alpha,lr')`, 5*time.Second)
	s.checkClean()
}

// downloads makes the browser save downloads into a new directory and returns it.
func downloads(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	return dir
}

// waitDownload waits until the file is fully downloaded and returns its contents.
func waitDownload(t *testing.T, dir, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			if _, partial := os.Stat(filepath.Join(dir, name+".crdownload")); os.IsNotExist(partial) && len(data) > 0 {
				return data
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Fatalf("download %s did not arrive; the directory holds %v", name, names)
	return nil
}

func TestClassroomExports(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	dir := downloads(t, ctx)
	s.open(ctx, "/?lang=en&seed=4&"+shortRun+"&step=20", 4)
	stem := "_a0.25_g2_r1000_s4_step20"

	s.do(ctx, chromedp.Click(chromedp.ID("export-history")))
	history, err := csv.NewReader(bytes.NewReader(waitDownload(t, dir, "focal-lab-history"+stem+".csv"))).ReadAll()
	if err != nil {
		t.Fatalf("parse history CSV: %v", err)
	}
	if len(history) != 22 || history[0][0] != "step" || history[21][0] != "20" {
		t.Errorf("history CSV has %d rows, from %v to %v; want a header and steps 0 to 20", len(history), history[0], history[len(history)-1])
	}

	s.do(ctx, chromedp.Click(chromedp.ID("export-data")))
	data, err := csv.NewReader(bytes.NewReader(waitDownload(t, dir, "focal-lab-data_r1000_n2000_s4.csv"))).ReadAll()
	if err != nil {
		t.Fatalf("parse data CSV: %v", err)
	}
	if len(data) != 2001 || strings.Join(data[0], ",") != "x,y,label,hard,weight" {
		t.Errorf("data CSV has %d rows with header %v, want 2,001 with x,y,label,hard,weight", len(data), data[0])
	}

	s.do(ctx, chromedp.Click(chromedp.ID("export-run")))
	var run struct {
		Step   int               `json:"step"`
		Config map[string]string `json:"config"`
		Final  struct {
			CE struct{ Loss float64 } `json:"ce"`
		} `json:"final"`
	}
	if err := json.Unmarshal(waitDownload(t, dir, "focal-lab-run"+stem+".json"), &run); err != nil {
		t.Fatalf("parse run JSON: %v", err)
	}
	if run.Step != 20 || run.Config["seed"] != "4" || run.Final.CE.Loss <= 0 {
		t.Errorf("run JSON: step %d, seed %q, final CE loss %v", run.Step, run.Config["seed"], run.Final.CE.Loss)
	}

	for id, figure := range map[string]string{"chart-loss": "loss", "chart-mod": "modulating", "chart-haystack": "haystack", "chart-train": "training"} {
		s.do(ctx, chromedp.Click(chromedp.ID("png-"+id)))
		img, err := png.Decode(bytes.NewReader(waitDownload(t, dir, "focal-lab-"+figure+stem+".png")))
		if err != nil {
			t.Errorf("%s PNG: %v", figure, err)
			continue
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
			t.Errorf("%s PNG is %v, want a full chart", figure, b)
		}
	}

	// After more training the download links follow the link on screen.
	s.do(ctx, chromedp.Click(chromedp.ID("btn-step")))
	waitFor(t, ctx, `location.search.includes('step=21') && !window.focalLab.playing()`, 15*time.Second)
	s.do(ctx, chromedp.Click(chromedp.ID("export-history")))
	waitDownload(t, dir, "focal-lab-history_a0.25_g2_r1000_s4_step21.csv")
	s.checkClean()
}

func TestClassroomDataTables(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&"+shortRun+"&step=10", 4)
	for _, id := range []string{"chart-loss", "chart-mod", "chart-haystack", "chart-train"} {
		s.do(ctx, chromedp.Click(chromedp.CSS(`details[data-chart="`+id+`"] summary`)))
		// The toggle event that fills the table comes a task after the click.
		waitFor(t, ctx, `document.querySelector('details[data-chart="`+id+`"] table') !== null`, 5*time.Second)
		rows := eval[int](t, ctx, `document.querySelectorAll('details[data-chart="`+id+`"] tbody tr').length`)
		if rows < 8 {
			t.Errorf("%s data table has %d rows, want the chart's data", id, rows)
		}
		label := eval[string](t, ctx, `document.getElementById('`+id+`').getAttribute('aria-label') || ''`)
		if len(label) < 40 {
			t.Errorf("%s has aria-label %q, want ECharts' description of the chart", id, label)
		}
	}
	// The loss table follows γ.
	s.do(ctx, chromedp.Focus(chromedp.ID("in-gamma")), chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, ctx, `Array.from(document.querySelectorAll('details[data-chart="chart-loss"] thead th')).some(th => th.textContent.includes('γ=2.1'))`, 10*time.Second)
	s.checkClean()
}

func TestClassroomSpeed(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&"+shortRun+"&speed=0.25", 4)
	if got := eval[string](t, ctx, `document.getElementById('in-speed').value + ' ' + document.getElementById('out-speed').textContent`); got != "0.25 0.25×" {
		t.Errorf("speed control = %q, want 0.25 0.25×", got)
	}
	s.do(ctx, chromedp.Focus(chromedp.ID("in-speed")))
	for range 15 { // 0.25 + 15 × 0.25 = 4, fast-forward
		s.do(ctx, chromedp.KeyEvent(kb.ArrowRight))
	}
	waitFor(t, ctx, `location.search.includes('speed=4')`, 5*time.Second)
	if vt := eval[string](t, ctx, `document.getElementById('in-speed').getAttribute('aria-valuetext')`); vt != "4 times normal speed" {
		t.Errorf("speed aria-valuetext = %q", vt)
	}
	start := time.Now()
	s.do(ctx, chromedp.Click(chromedp.ID("btn-play")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`location.search.includes('step=60') && !window.focalLab.playing()`,
		chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the run did not finish: %v; status %q, %d frames, link %s", err,
			eval[string](t, ctx, `document.getElementById('run-status').textContent`), eval[int](t, ctx, `window.focalLab.frames`), eval[string](t, ctx, `location.search`))
	}
	// 60 frames at 4 × 20 frames per second take 0.75 s; at speed 1 they would take 3 s.
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("a 60-frame run at speed 4 took %v, want well under the 3 s of speed 1", took)
	}
	s.checkClean()
}

func TestClassroomEmbedInIframe(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	// The article: another local origin whose page frames the figures.
	article := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		figure := strings.TrimPrefix(r.URL.Path, "/")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><title>Article</title><h1>Article</h1>
<iframe id="figure" src="%s/embed/%s?lang=en&gamma=1&%s" width="700" height="620" title="Focal Lab figure"></iframe>`, s.server.URL, figure, shortRun)
	}))
	t.Cleanup(article.Close)

	for figure, chartID := range map[string]string{"loss": "chart-loss", "modulating": "chart-mod", "haystack": "chart-haystack", "training": "chart-train"} {
		s.do(ctx, chromedp.Navigate(article.URL+"/"+figure))
		frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.ID("figure")))
		if err != nil || len(frames) == 0 {
			t.Fatalf("%s: find the iframe: %v", figure, err)
		}
		inFrame := chromedp.WithPollingInFrame(frames[0])
		ready := fmt.Sprintf(`window.focalLab && window.focalLab.charts[%q] && document.getElementById(%q).querySelector('canvas') ? location.href : false`, chartID, chartID)
		href, err := chromedp.Run(ctx, chromedp.Poll[string](ready, inFrame, chromedp.WithPollingTimeout(20*time.Second)))
		if err != nil {
			t.Fatalf("%s: the embedded figure did not draw: %v", figure, err)
		}
		if !strings.HasPrefix(href, s.server.URL+"/embed/"+figure) {
			t.Errorf("%s: iframe shows %s", figure, href)
		}
		back, err := chromedp.Run(ctx, chromedp.Poll[string](`document.querySelector('.embed-back a').href`, inFrame))
		if err != nil || back != s.server.URL+"/?lang=en&gamma=1&"+shortRun {
			t.Errorf("%s: link back = %q (%v)", figure, back, err)
		}
		switch figure {
		case "loss":
			// The figure's own γ slider redraws it inside the frame.
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function () {
			  var g = document.getElementById('in-gamma');
			  if (!window.moved) { g.stepUp(); g.dispatchEvent(new Event('input', { bubbles: true })); window.moved = true; }
			  return window.focalLab.curveUpdates > 0;
			})()`, inFrame, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				t.Errorf("loss: moving γ did not redraw the embedded chart: %v", err)
			}
		case "training":
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function () {
			  if (!window.started) { document.getElementById('btn-play').click(); window.started = true; }
			  return window.focalLab.frames >= 3;
			})()`, inFrame, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
				t.Errorf("training: the embedded figure did not train: %v", err)
			}
		}
	}
	s.checkCleanWith(article.URL)
}

// checkCleanWith is checkClean for tests that also load pages from other local servers.
func (s *session) checkCleanWith(others ...string) {
	s.t.Helper()
	hosts := map[string]bool{}
	for _, raw := range append(others, s.server.URL) {
		u, _ := url.Parse(raw)
		hosts[u.Host] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		s.t.Errorf("browser reported a problem: %s", p)
	}
	for _, raw := range s.requests {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && !hosts[u.Host]) {
			s.t.Errorf("page requested %s, which is none of the test servers", raw)
		}
	}
}

// scaleLayout is where the haystack chart drew its colour scale (a piecewise visualMap)
// and its plot, in pixels from the chart's top left corner as [x, y, width, height].
type scaleLayout struct {
	Scale, Plot          [4]float64
	Width                float64 // of the chart
	ItemHeight, FontSize float64
}

func (l scaleLayout) overlapsPlot() bool {
	s, p := l.Scale, l.Plot
	return s[0] < p[0]+p[2] && p[0] < s[0]+s[2] && s[1] < p[1]+p[3] && p[1] < s[1]+s[3]
}

// colourScale reads the layout of the haystack chart's colour scale from ECharts' views.
func colourScale(t *testing.T, ctx context.Context) scaleLayout {
	t.Helper()
	raw := eval[string](t, ctx, `(function () {
	  var c = window.focalLab.charts['chart-haystack'];
	  var view = c.getViewOfComponentModel(c.getModel().getComponent('visualMap'));
	  var r = view.group.getBoundingRect().clone();
	  r.applyTransform(view.group.transform);
	  var g = c.getModel().getComponent('grid').coordinateSystem.getRect();
	  var o = c.getOption().visualMap[0];
	  return JSON.stringify({ Scale: [r.x, r.y, r.width, r.height], Plot: [g.x, g.y, g.width, g.height],
	    Width: c.getWidth(), ItemHeight: o.itemHeight, FontSize: o.textStyle.fontSize });
	})()`)
	var l scaleLayout
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		t.Fatalf("decode colour scale layout %s: %v", raw, err)
	}
	return l
}

func TestClassroomShareDialogLayout(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	// A projector's usual 1280 × 800, in presenter mode, with a teacher link long enough
	// to wrap over several lines.
	s.do(ctx, chromedp.EmulateViewport(1280, 800))
	for _, lang := range []string{"zh-CN", "en"} {
		s.open(ctx, "/?lang="+lang+"&present=1&ratio=10000&hide=alpha,lr,seed&lock=gamma,presets,speed,thr", 4)
		if !eval[bool](t, ctx, `document.getElementById('btn-share').getClientRects().length > 0`) {
			t.Fatalf("%s: Share with class is not shown in presenter mode", lang)
		}
		s.do(ctx, chromedp.Click(chromedp.ID("btn-share")))
		waitFor(t, ctx, `document.getElementById('share-dialog').open && document.getElementById('share-link').textContent !== ''
		  && document.getElementById('share-qr') && document.getElementById('share-qr').complete && document.getElementById('share-qr').naturalWidth > 0`, 10*time.Second)
		var box struct{ Link, QR [4]float64 }
		raw := eval[string](t, ctx, `(function () {
		  var rect = function (id) { var r = document.getElementById(id).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
		  return JSON.stringify({ Link: rect('share-link'), QR: rect('share-qr') });
		})()`)
		if err := json.Unmarshal([]byte(raw), &box); err != nil {
			t.Fatalf("decode rectangles %s: %v", raw, err)
		}
		for name, r := range map[string][4]float64{"link": box.Link, "QR code": box.QR} {
			if r[1] < 0 || r[3] > 800 {
				t.Errorf("%s: the %s spans y %v to %v, want it within the 800 px window", lang, name, r[1], r[3])
			}
		}
		if box.QR[0] < box.Link[2] {
			t.Errorf("%s: the QR code starts at x %v, left of the link's right edge %v; want it beside the link", lang, box.QR[0], box.Link[2])
		}
		// Each column header of the choices fits on one line.
		lines := eval[string](t, ctx, `Array.from(document.querySelectorAll('.share-table thead th')).map(function (th) {
		  var range = document.createRange();
		  range.selectNodeContents(th);
		  return th.textContent + ':' + new Set(Array.from(range.getClientRects()).map(function (r) { return Math.round(r.top); })).size;
		}).join(' ')`)
		for _, header := range strings.Fields(lines) {
			if !strings.HasSuffix(header, ":1") {
				t.Errorf("%s: column header wraps (text:lines): %s", lang, header)
			}
		}
		// The test server listens on 127.0.0.1, which students cannot open.
		warning := eval[string](t, ctx, `(function () {
		  var el = document.getElementById('share-warning');
		  return el && el.getClientRects().length > 0 ? el.innerText : '';
		})()`)
		if !strings.Contains(warning, "127.0.0.1") || !strings.Contains(warning, "go run . -addr 0.0.0.0:8080") {
			t.Errorf("%s: loopback warning = %q, want it to name 127.0.0.1 and the command that serves a class", lang, warning)
		}
		s.do(ctx, chromedp.KeyEvent(kb.Escape))
		waitFor(t, ctx, `!document.getElementById('share-dialog').open`, 5*time.Second)
	}
	s.checkClean()
}

func TestClassroomCopyWithoutClipboardAPI(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.open(ctx, "/?lang=en&alpha=0.5", 4)
	// Plain http on a network address has no clipboard API; the copy command still works.
	_ = eval[bool](t, ctx, `(Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }), true)`)

	s.do(ctx, chromedp.Click(chromedp.ID("copy-link")))
	waitFor(t, ctx, `document.getElementById('copy-status').textContent !== ''`, 5*time.Second)
	if status := eval[string](t, ctx, `document.getElementById('copy-status').textContent`); status != "Link copied." {
		t.Errorf("header copy status = %q, want Link copied.", status)
	}
	if focused := eval[string](t, ctx, `document.activeElement.id`); focused != "copy-link" {
		t.Errorf("focus after copying is on %q, want the copy-link button", focused)
	}

	s.do(ctx, chromedp.Click(chromedp.ID("btn-share")))
	waitFor(t, ctx, `document.getElementById('share-dialog').open && document.getElementById('share-link').textContent !== ''`, 10*time.Second)
	s.do(ctx, chromedp.Click(chromedp.ID("share-copy")))
	waitFor(t, ctx, `document.getElementById('share-status').textContent !== ''`, 5*time.Second)
	if status := eval[string](t, ctx, `document.getElementById('share-status').textContent`); status != "Link copied." {
		t.Errorf("dialog copy status = %q, want Link copied.", status)
	}
	s.checkClean()
}

func TestClassroomPhoneWidth(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.do(ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, path := range []string{"/?lang=en&" + shortRun, "/?lang=zh-CN&present=1&" + shortRun, "/embed/training?lang=en&" + shortRun} {
		charts := 4
		if strings.HasPrefix(path, "/embed/") {
			charts = 1
		}
		s.open(ctx, path, charts)
		width := eval[int](t, ctx, `window.innerWidth`)
		if width != 375 {
			t.Fatalf("%s: viewport is %d px wide, want 375", path, width)
		}
		if scroll := eval[int](t, ctx, `document.documentElement.scrollWidth`); scroll > width {
			wide := eval[string](t, ctx, `Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ')`)
			t.Errorf("%s: page is %d px wide at 375 px, so it scrolls sideways; widest: %s", path, scroll, wide)
		}
		if wide := eval[int](t, ctx, `Object.values(window.focalLab.charts).filter(c => c.getWidth() > window.innerWidth).length`); wide != 0 {
			t.Errorf("%s: %d charts are wider than the screen", path, wide)
		}
		if legend := eval[string](t, ctx, `Object.values(window.focalLab.charts)[0].getOption().legend[0].type`); legend != "scroll" {
			t.Errorf("%s: legend type %q, want scroll on a narrow screen", path, legend)
		}
		if strings.HasPrefix(path, "/embed/") {
			continue
		}
		// Table captions wrap within the visible width, though their tables scroll sideways.
		cut := eval[string](t, ctx, `Array.from(document.querySelectorAll('#metrics caption, #readouts caption')).filter(function (c) {
		  return c.getBoundingClientRect().right > c.closest('table').getBoundingClientRect().right + 1 || c.scrollWidth > c.clientWidth + 1;
		}).map(function (c) { return c.closest('table').id; }).join(' ')`)
		if cut != "" {
			t.Errorf("%s: caption of %s runs past the visible width", path, cut)
		}
		// The colour scale moves below the haystack plot, which keeps most of the width.
		scale := colourScale(t, ctx)
		if scale.overlapsPlot() {
			t.Errorf("%s: colour scale %v overlaps the plot %v", path, scale.Scale, scale.Plot)
		}
		if scale.Plot[2] < 0.75*scale.Width {
			t.Errorf("%s: haystack plot is %v px wide in a %v px chart, want at least three quarters", path, scale.Plot[2], scale.Width)
		}
	}
	// A tap on One step trains a step.
	s.do(ctx, chromedp.Tap(chromedp.ID("btn-step")))
	waitFor(t, ctx, `location.search.includes('step=1')`, 15*time.Second)
	s.checkClean()
}

// axeViolations runs axe-core on the page and returns its serious and critical violations.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeScript)); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	report, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
	  return JSON.stringify(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
	    .map(function (v) { return v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 4).map(function (n) { return n.target.join(' '); }).join(' | '); }));
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var violations []string
	if err := json.Unmarshal([]byte(report), &violations); err != nil {
		t.Fatalf("decode axe-core report %q: %v", report, err)
	}
	return violations
}

func TestClassroomAccessibility(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	pages := []struct {
		name, path string
		charts     int // charts to wait for; 0 for pages without the page script
	}{
		{"main page", "/", 4},
		{"presenter mode", "/?present=1", 4},
		{"teacher link", "/?hide=alpha,lr&lock=gamma,presets", 4},
		{"embedded loss figure", "/embed/loss", 1},
		{"embedded training figure", "/embed/training", 1},
		{"walkthrough", "/learn", 0},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p.path, "?") {
				sep = "&"
			}
			path := p.path + sep + "lang=" + lang
			if p.charts > 0 {
				s.open(ctx, path, p.charts)
			} else {
				s.do(ctx, chromedp.Navigate(s.server.URL+path))
				waitFor(t, ctx, `document.readyState === 'complete'`, 20*time.Second)
				time.Sleep(time.Second) // the walkthrough draws its figures after load
			}
			for _, v := range axeViolations(t, ctx) {
				t.Errorf("%s (%s): %s", p.name, lang, v)
			}
		}
		// The data tables and the dialogs, open.
		s.open(ctx, "/?lang="+lang, 4)
		_ = eval[bool](t, ctx, `(document.querySelectorAll('details.data-table').forEach(function (d) { d.open = true; }), true)`)
		waitFor(t, ctx, `document.querySelectorAll('details.data-table table').length >= 5`, 5*time.Second)
		for _, v := range axeViolations(t, ctx) {
			t.Errorf("data tables (%s): %s", lang, v)
		}
		s.do(ctx, chromedp.Click(chromedp.ID("btn-share")))
		waitFor(t, ctx, `document.getElementById('share-dialog').open && document.getElementById('share-link').textContent !== ''`, 10*time.Second)
		for _, v := range axeViolations(t, ctx) {
			t.Errorf("teacher-link dialog (%s): %s", lang, v)
		}
	}
	s.checkClean()
}

func TestClassroomReducedMotion(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatalf("emulate reduced motion: %v", err)
	}
	s.open(ctx, "/?lang=en", 4)
	got := eval[string](t, ctx, `Object.values(window.focalLab.charts).map(function (c) {
	  var o = c.getOption();
	  return o.animation + '/' + o.tooltip[0].transitionDuration + '/' + o.legend[0].animation;
	}).join(' ')`)
	if got != "false/0/false false/0/false false/0/false false/0/false" {
		t.Errorf("charts under reduced motion (animation/tooltip transition/legend animation): %s", got)
	}
	s.checkClean()
}
