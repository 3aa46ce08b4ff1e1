//go:build unix

package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user and system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStreamDefaultCPU plays the default run over /api/stream from
// step 0 to its end, at the live pace of one frame per 50 ms. It measures the
// CPU that the whole process spends on it, which covers training, frames,
// heatmaps, JSON and the writes. One iteration takes the run's full length,
// about 10 s for 200 frames. cpu-%-of-core is CPU time over the wall time of the
// request, in percent of one core; frames/s is the pace between the first
// and the last frame.
func BenchmarkStreamDefaultCPU(b *testing.B) {
	e := benchServer(b)
	benchGet(b, e, "/api/stream?from=0&to=1") // generates and caches the data set
	var wall, cpu, paced time.Duration
	frames := 0
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/stream?from=0", nil)
		rec := &frameRecorder{ResponseRecorder: httptest.NewRecorder()}
		startCPU, start := cpuTime(b), time.Now()
		e.ServeHTTP(rec, req)
		wall += time.Since(start)
		cpu += cpuTime(b) - startCPU
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"reason":"done"`)) || rec.frames < 2 {
			b.Fatalf("stream sent %d frames and did not end with reason done: %q", rec.frames, rec.Body.String()[max(0, rec.Body.Len()-300):])
		}
		frames += rec.frames - 1
		paced += rec.lastFrame.Sub(rec.firstFrame)
	}
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%-of-core")
	b.ReportMetric(float64(frames)/paced.Seconds(), "frames/s")
}
