package handlers

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// Benchmarks of the server's side of the budgets in BENCHMARKS.md. Each
// request goes through echo's ServeHTTP, so routing, middleware (gzip
// included) and the error handler count. Run them with
// go test ./handlers/ -run xxx -bench . -count 6.

func benchServer(b *testing.B) *echo.Echo {
	b.Helper()
	app := NewApp(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(app.BeginShutdown)
	return app.NewServer()
}

// benchGet sends one GET through e and fails the benchmark unless the status is 200.
func benchGet(b *testing.B, e *echo.Echo, target string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: status %d, want 200", target, rec.Code)
	}
	return rec
}

// BenchmarkPageDefault renders the default page as a browser requests it,
// gzip included. The first request, outside the timer, generates the data
// and replays step 0, which later requests of the same link reuse.
func BenchmarkPageDefault(b *testing.B) {
	e := benchServer(b)
	rec := benchGet(b, e, "/", "Accept-Encoding", "gzip, deflate, br")
	b.ReportMetric(float64(rec.Body.Len()), "wire-B")
	b.ResetTimer()
	for b.Loop() {
		benchGet(b, e, "/", "Accept-Encoding", "gzip, deflate, br")
	}
}

// BenchmarkPageNewLink renders pages whose runs no earlier request computed.
// Each iteration requests another learning rate, so the page replays step 0
// (a new Run and its first Frame) on the cached data set.
func BenchmarkPageNewLink(b *testing.B) {
	e := benchServer(b)
	benchGet(b, e, "/", "Accept-Encoding", "gzip")
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		lr := float64(1+i%999) / 1000 // the 0.001 grid of the lr rule, 0.001 to 0.999
		benchGet(b, e, fmt.Sprintf("/?lr=%g", lr), "Accept-Encoding", "gzip")
	}
}

// BenchmarkChartsAPI is the server time of the request that a slider move
// sends: the options of charts 1 and 2 and the readouts, for α and γ on the
// sliders' grids.
func BenchmarkChartsAPI(b *testing.B) {
	e := benchServer(b)
	benchGet(b, e, "/api/charts?alpha=0.25&gamma=2", "Accept-Encoding", "gzip")
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		alpha := float64(i%101) / 100
		gamma := float64(i%51) / 10
		benchGet(b, e, fmt.Sprintf("/api/charts?alpha=%g&gamma=%g", alpha, gamma), "Accept-Encoding", "gzip")
	}
}

// frameRecorder records when frame events are written.
type frameRecorder struct {
	*httptest.ResponseRecorder
	firstFrame, lastFrame time.Time
	frames                int
}

func (r *frameRecorder) Write(p []byte) (int, error) {
	if n := bytes.Count(p, []byte("event: frame")); n > 0 {
		now := time.Now()
		if r.frames == 0 {
			r.firstFrame = now
		}
		r.lastFrame = now
		r.frames += n
	}
	return r.ResponseRecorder.Write(p)
}

// BenchmarkStreamResumeAt2000 resumes a 5,000-step run at step 2,000, where
// its link moves γ, as the page does after a slider move there. The stream
// ends at step 2,025, the first frame step after 2,000 (one frame every 25
// steps), so the request ends right after its first new frame. Each
// iteration moves γ to another value, so no two iterations share a stream.
// The data set stays cached, as it is after the page load.
// ns/first-frame is the time from the request to the first frame event.
func BenchmarkStreamResumeAt2000(b *testing.B) {
	e := benchServer(b)
	benchGet(b, e, "/api/stream?steps=5000&from=2000&to=2000")
	var toFirstFrame time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		gamma := float64(i%50) / 10 // 0 to 4.9 on the slider's grid, never the start value 2 twice in a row
		target := fmt.Sprintf("/api/stream?steps=5000&ch=2000:g%g&from=2000&to=2025", gamma)
		req := httptest.NewRequest(http.MethodGet, target, nil)
		rec := &frameRecorder{ResponseRecorder: httptest.NewRecorder()}
		start := time.Now()
		e.ServeHTTP(rec, req)
		if rec.frames == 0 {
			b.Fatalf("GET %s: no frame event in %q", target, rec.Body.String())
		}
		toFirstFrame += rec.firstFrame.Sub(start)
	}
	b.ReportMetric(float64(toFirstFrame.Nanoseconds())/float64(b.N), "ns/first-frame")
}
