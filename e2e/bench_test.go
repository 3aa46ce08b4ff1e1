package e2e

// Browser benchmarks for the budgets of BENCHMARKS.md. They are not part of
// go test ./..., which runs no benchmarks, and they skip without Chromium.
//
//	go test ./e2e/ -run xxx -bench SliderToChart -benchtime 200x
//	go test ./e2e/ -run xxx -bench PageLoad -benchtime 3x -v

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"focallab/handlers"
	"focallab/static"
)

// benchTimeout bounds one benchmark's browser work.
const benchTimeout = 5 * time.Minute

// transfer is what the browser reported about one request.
type transfer struct {
	url      string
	bytes    float64 // encodedDataLength: bytes received, headers included
	encoding string  // Content-Encoding of the response
	cached   bool    // served from the memory or disk cache
}

// benchBrowser is a headless Chromium with a fresh profile, and the app on
// loopback behind a handler that counts the requests reaching the server.
type benchBrowser struct {
	server *httptest.Server
	ctx    context.Context

	mu        sync.Mutex
	served    map[string]int // requests that reached the server, by path
	transfers map[network.RequestID]*transfer
}

func startBenchBrowser(b *testing.B) *benchBrowser {
	b.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		b.Skipf("skipping browser benchmark: %s not found (install the chromium package to run it)", chromiumPath)
	}
	bb := &benchBrowser{served: map[string]int{}, transfers: map[network.RequestID]*transfer{}}
	app := handlers.NewApp(slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := app.NewServer()
	bb.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bb.mu.Lock()
		bb.served[r.URL.Path]++
		bb.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	b.Cleanup(bb.server.Close)
	b.Cleanup(app.BeginShutdown)

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
		chromedp.UserDataDir(b.TempDir()), // an empty HTTP cache
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b.Cleanup(cancelCtx)
	// The first action starts the browser; it must not carry the timeout.
	if err := chromedp.Do(ctx); err != nil {
		b.Fatalf("start browser: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, benchTimeout)
	b.Cleanup(cancel)
	bb.ctx = tctx

	err := chromedp.Listen(tctx, func(ev any) {
		bb.mu.Lock()
		defer bb.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			bb.transfers[ev.RequestID] = &transfer{url: ev.Request.URL}
		case *network.EventResponseReceived:
			if tr := bb.transfers[ev.RequestID]; tr != nil {
				tr.cached = tr.cached || ev.Response.FromDiskCache || ev.Response.FromPrefetchCache
				for name, value := range ev.Response.Headers {
					if strings.EqualFold(name, "Content-Encoding") {
						tr.encoding, _ = value.(string)
					}
				}
			}
		case *network.EventRequestServedFromCache:
			if tr := bb.transfers[ev.RequestID]; tr != nil {
				tr.cached = true
			}
		case *network.EventLoadingFinished:
			if tr := bb.transfers[ev.RequestID]; tr != nil {
				tr.bytes = ev.EncodedDataLength
			}
		}
	})
	if err != nil {
		b.Fatalf("listen to browser events: %v", err)
	}
	if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
		b.Fatalf("enable network events: %v", err)
	}
	return bb
}

// reset clears the recorded transfers and server requests.
func (bb *benchBrowser) reset() {
	bb.mu.Lock()
	defer bb.mu.Unlock()
	bb.served = map[string]int{}
	bb.transfers = map[network.RequestID]*transfer{}
}

// snapshot returns the recorded transfers in URL order and the server requests.
func (bb *benchBrowser) snapshot() ([]transfer, map[string]int) {
	bb.mu.Lock()
	defer bb.mu.Unlock()
	list := make([]transfer, 0, len(bb.transfers))
	for _, tr := range bb.transfers {
		list = append(list, *tr)
	}
	slices.SortFunc(list, func(a, b transfer) int { return strings.Compare(a.url, b.url) })
	served := make(map[string]int, len(bb.served))
	for k, v := range bb.served {
		served[k] = v
	}
	return list, served
}

func (bb *benchBrowser) run(b *testing.B, actions ...chromedp.Action[chromedp.Void]) {
	b.Helper()
	if err := chromedp.Do(bb.ctx, actions...); err != nil {
		b.Fatalf("browser actions failed: %v", err)
	}
}

func (bb *benchBrowser) waitFor(b *testing.B, expr string, interval time.Duration) {
	b.Helper()
	poll := chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(interval))
	if _, err := chromedp.Run(bb.ctx, poll); err != nil {
		b.Fatalf("waiting for %s: %v", expr, err)
	}
}

// visit opens path, waits until the page has drawn its charts and gives
// late requests (the favicon) half a second, and returns what was
// transferred.
func (bb *benchBrowser) visit(b *testing.B, actions ...chromedp.Action[chromedp.Void]) ([]transfer, map[string]int) {
	b.Helper()
	bb.reset()
	bb.run(b, actions...)
	bb.waitFor(b, pageReady, 20*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	return bb.snapshot()
}

func totalBytes(transfers []transfer) float64 {
	var sum float64
	for _, tr := range transfers {
		sum += tr.bytes
	}
	return sum
}

// BenchmarkPageLoad loads the default page in a browser with an empty cache,
// then visits it again (after about:blank) and reloads it. For each load it
// reports the bytes received, the encodedDataLength of every request summed,
// headers included. echarts-refetches counts the requests for ECharts that
// reached the server on the repeat visit and the reload. It must be 0,
// because the versioned, immutable file comes from the cache. With -v the
// benchmark logs every request of each load.
func BenchmarkPageLoad(b *testing.B) {
	echartsPath := static.Path("vendor/echarts/echarts.min.js")
	var first, repeat, reload, echartsFetches float64
	for b.Loop() {
		b.StopTimer()
		bb := startBenchBrowser(b)
		b.StartTimer()

		loads := []struct {
			name    string
			actions []chromedp.Action[chromedp.Void]
			total   *float64
		}{
			{"first visit", []chromedp.Action[chromedp.Void]{chromedp.Navigate(bb.server.URL + "/")}, &first},
			{"repeat visit", []chromedp.Action[chromedp.Void]{chromedp.Navigate("about:blank"), chromedp.Navigate(bb.server.URL + "/")}, &repeat},
			{"reload", []chromedp.Action[chromedp.Void]{chromedp.Reload()}, &reload},
		}
		for i, load := range loads {
			transfers, served := bb.visit(b, load.actions...)
			*load.total += totalBytes(transfers)
			if i > 0 {
				echartsFetches += float64(served[echartsPath])
			}
			for _, tr := range transfers {
				b.Logf("%s: %8.0f B  encoding %-4q cached %-5v  %s", load.name, tr.bytes, tr.encoding, tr.cached, tr.url)
			}
			b.Logf("%s: %.0f B in total, server requests %v", load.name, totalBytes(transfers), served)
		}
	}
	n := float64(b.N)
	b.ReportMetric(first/n, "first-load-B")
	b.ReportMetric(repeat/n, "repeat-visit-B")
	b.ReportMetric(reload/n, "reload-B")
	b.ReportMetric(echartsFetches/n, "echarts-refetches")
}

// percentile returns the p-th percentile (0 < p <= 1) of values by the
// nearest-rank method.
func percentile(values []float64, p float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// BenchmarkSliderToChart moves the γ slider by keyboard, one step per
// iteration, and waits for charts 1 and 2 to be redrawn. The page records,
// in window.focalLab.latencies, the time from the input event to the end of
// the redraw (request to /api/charts, JSON, and both setOption calls, which
// paint synchronously). ms-p50, ms-p95 and ms-max summarise those times;
// ns/op adds the round trips of the DevTools protocol.
func BenchmarkSliderToChart(b *testing.B) {
	bb := startBenchBrowser(b)
	bb.run(b, chromedp.Navigate(bb.server.URL+"/?lang=en"))
	bb.waitFor(b, pageReady, 20*time.Millisecond)
	bb.run(b, chromedp.Focus(chromedp.ID("in-gamma")))

	moves := 0
	b.ResetTimer()
	for b.Loop() {
		// γ goes 2 → 4 → 2 in steps of 0.1, inside the slider's range of 0 to 5.
		key := kb.ArrowRight
		if moves/20%2 == 1 {
			key = kb.ArrowLeft
		}
		moves++
		bb.run(b, chromedp.KeyEvent(key))
		bb.waitFor(b, "window.focalLab.latencies.length >= "+strconv.Itoa(moves), 2*time.Millisecond)
	}
	b.StopTimer()

	latencies, err := chromedp.Run(bb.ctx, chromedp.Evaluate[[]float64]("window.focalLab.latencies"))
	if err != nil {
		b.Fatalf("read latencies: %v", err)
	}
	if len(latencies) != moves {
		b.Fatalf("page recorded %d latencies for %d slider moves", len(latencies), moves)
	}
	b.ReportMetric(percentile(latencies, 0.5), "ms-p50")
	b.ReportMetric(percentile(latencies, 0.95), "ms-p95")
	b.ReportMetric(slices.Max(latencies), "ms-max")
}
