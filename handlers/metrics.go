package handlers

import (
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// durationBuckets are the upper bounds, in seconds, of the request latency histogram.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// requestMetrics counts requests and their durations per route pattern. Routes are
// echo's patterns, not raw paths, so the number of series stays fixed.
type requestMetrics struct {
	mu     sync.Mutex
	routes map[string]*routeHistogram
}

type routeHistogram struct {
	buckets []uint64 // cumulative counts per durationBuckets entry
	count   uint64
	sum     float64
}

func (m *requestMetrics) observe(route string, d time.Duration) {
	seconds := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.routes == nil {
		m.routes = map[string]*routeHistogram{}
	}
	h, ok := m.routes[route]
	if !ok {
		h = &routeHistogram{buckets: make([]uint64, len(durationBuckets))}
		m.routes[route] = h
	}
	for i, le := range durationBuckets {
		if seconds <= le {
			h.buckets[i]++
		}
	}
	h.count++
	h.sum += seconds
}

// measure records the duration of every request but the event stream, whose
// duration is the length of a training run, not a latency.
func (a *App) measure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route != "/api/stream" && route != "/metrics" {
			if route == "" {
				route = "unmatched"
			}
			a.requests.observe(route, time.Since(start))
		}
		return err
	}
}

// metrics writes the server's counters in the Prometheus text format (version 0.0.4).
func (a *App) metrics(c echo.Context) error {
	var b strings.Builder
	gauge := func(name, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s %v\n", name, help, name, name, v)
	}
	s := a.Hub.Stats()
	gauge("focallab_active_streams", "Open training event streams.", s.ActiveStreams)
	gauge("focallab_computing_runs", "Training runs holding a computing slot.", s.ComputingRuns)
	gauge("focallab_queued_runs", "Training runs waiting for a computing slot.", s.QueuedRuns)
	gauge("focallab_shared_subscribers", "Stream subscribers served by a run another subscriber started.", s.SharedSubscribers)
	gauge("go_goroutines", "Goroutines that currently exist.", runtime.NumGoroutine())
	fmt.Fprintf(&b, "# HELP focallab_frames_sent_total Training frames delivered to stream subscribers.\n# TYPE focallab_frames_sent_total counter\nfocallab_frames_sent_total %d\n", s.FramesSent)

	name := "focallab_request_duration_seconds"
	fmt.Fprintf(&b, "# HELP %s Request latency by route, event streams excluded.\n# TYPE %s histogram\n", name, name)
	a.requests.mu.Lock()
	routes := make([]string, 0, len(a.requests.routes))
	for r := range a.requests.routes {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		h := a.requests.routes[r]
		label := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(r)
		for i, le := range durationBuckets {
			fmt.Fprintf(&b, "%s_bucket{route=\"%s\",le=\"%g\"} %d\n", name, label, le, h.buckets[i])
		}
		fmt.Fprintf(&b, "%s_bucket{route=\"%s\",le=\"+Inf\"} %d\n", name, label, h.count)
		fmt.Fprintf(&b, "%s_sum{route=\"%s\"} %g\n%s_count{route=\"%s\"} %d\n", name, label, h.sum, name, label, h.count)
	}
	a.requests.mu.Unlock()
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}
