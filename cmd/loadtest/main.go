// Command loadtest starts Focal Lab on a loopback port in a child process and replays
// a classroom against it: many event streams on one link, many links at once, and
// clients that connect and drop. It prints, per scenario, frame delays and the server
// process's CPU seconds, peak resident memory and goroutines before and after, so the
// clients' own work is not counted.
//
// Usage:
//
//	go run ./cmd/loadtest [-scenario all] [-clients 200] [-links 50] [-churn 1000] [-steps 1000]
//
// It only ever connects to the server it started on 127.0.0.1. It reads the child's
// CPU time and memory from /proc, so it runs on Linux.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"focallab/handlers"
	"focallab/live"
)

func main() {
	scenario := flag.String("scenario", "all", "one-link, many-links, churn, single or all")
	clients := flag.Int("clients", 200, "clients on one link in the one-link scenario")
	links := flag.Int("links", 50, "distinct links in the many-links scenario")
	churn := flag.Int("churn", 1000, "connect-and-drop cycles in the churn scenario")
	steps := flag.Int("steps", 1000, "training steps of each run (the page's default is 1000)")
	stagger := flag.Duration("stagger", 2*time.Second, "clients of one scenario connect spread over this long")
	maxRuns := flag.Int("max-runs", 0, "the server's -max-runs (0: its default)")
	serve := flag.Bool("serve", false, "internal: run only the server and print its address")
	cpuProfile := flag.String("cpuprofile", "", "write the server process's CPU profile to this file")
	flag.Parse()

	if *serve {
		serveChild(*maxRuns, *cpuProfile)
		return
	}
	server, err := startChild(*maxRuns, *cpuProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	defer server.stop()
	fmt.Printf("server %s (pid %d), GOMAXPROCS %d, %s\n\n", server.base, server.cmd.Process.Pid, runtime.GOMAXPROCS(0), runtime.Version())

	t := &tester{base: server.base, steps: *steps, stagger: *stagger, server: server}
	run := func(name string, fn func() result) {
		if *scenario != "all" && *scenario != name {
			return
		}
		r := t.measure(name, fn)
		r.print()
	}
	run("single", func() result { return t.sameLink(1) })
	run("one-link", func() result { return t.sameLink(*clients) })
	run("many-links", func() result { return t.manyLinks(*links) })
	run("churn", func() result { return t.churn(*churn) })
}

// serveChild runs the server on a loopback port, prints "ADDR host:port" and serves
// until its standard input closes, which happens when the parent exits.
func serveChild(maxRuns int, cpuProfile string) {
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: create CPU profile:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: start CPU profile:", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close() // the profile is complete once StopCPUProfile returns
		}()
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := handlers.NewAppWithLimits(logger, live.HubConfig{MaxRunning: maxRuns})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: listen on loopback:", err)
		os.Exit(1)
	}
	srv := app.HTTPServer(listener.Addr().String())
	go func() { _ = srv.Serve(listener) }() // Serve returns when the process exits
	fmt.Printf("ADDR %s\n", listener.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	app.BeginShutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// child is the server process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	base  string
}

func startChild(maxRuns int, cpuProfile string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.Command(exe, "-serve", "-max-runs", strconv.Itoa(maxRuns), "-cpuprofile", cpuProfile)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server process: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("server process did not report its address (read %q: %v)", line, err)
	}
	return &child{cmd: cmd, stdin: stdin, base: "http://" + addr}, nil
}

func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
	}
}

// cpuTime returns the server process's user plus system CPU time from /proc/PID/stat,
// whose fields 14 and 15 count clock ticks of 1/100 s (USER_HZ on Linux).
func (c *child) cpuTime() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name in field 2 may contain spaces; the fields after it start past ")".
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// residentBytes reads the server process's resident set size from /proc/PID/status.
func (c *child) residentBytes() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// metric reads one unlabelled value from the server's /metrics.
func (c *child) metric(name string) int {
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		if rest, ok := strings.CutPrefix(scanner.Text(), name+" "); ok {
			v, _ := strconv.Atoi(rest)
			return v
		}
	}
	return -1
}

type tester struct {
	base    string
	steps   int
	stagger time.Duration
	server  *child
}

// client is one simulated browser's record of a stream.
type client struct {
	joined   time.Time
	arrivals []time.Time // one per frame, in order
	queued   []int       // queue positions seen
	end      string      // the end event's payload
	err      error
}

type result struct {
	name       string
	detail     string
	wall       time.Duration
	cpu        time.Duration
	peakRSS    int64 // bytes
	goroutines [2]int
	delays     []time.Duration
	framesOK   string
	extra      []string
}

// measure runs fn and adds the server's CPU time, peak resident memory and goroutine
// counts, and the wall time.
func (t *tester) measure(name string, fn func() result) result {
	before := t.server.metric("go_goroutines")
	cpu0 := t.server.cpuTime()
	var peak int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		ticker := time.NewTicker(50 * time.Millisecond)
		defer ticker.Stop()
		for {
			peak = max(peak, t.server.residentBytes())
			select {
			case <-stop:
				return
			case <-ticker.C:
			}
		}
	})
	start := time.Now()
	r := fn()
	r.wall = time.Since(start)
	r.cpu = t.server.cpuTime() - cpu0
	close(stop)
	sampler.Wait()
	r.peakRSS = peak
	r.name = name
	// Goroutines of finished streams exit shortly after their last write; wait up to 3 s.
	deadline := time.Now().Add(3 * time.Second)
	after := t.server.metric("go_goroutines")
	for after > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		after = t.server.metric("go_goroutines")
	}
	r.goroutines = [2]int{before, after}
	return r
}

func (r result) print() {
	fmt.Printf("== %s: %s\n", r.name, r.detail)
	fmt.Printf("   wall %.1f s, server CPU %.2f s (%.0f%% of one core), server peak RSS %.0f MB, server goroutines %d before, %d after\n",
		r.wall.Seconds(), r.cpu.Seconds(), 100*r.cpu.Seconds()/r.wall.Seconds(), float64(r.peakRSS)/(1<<20), r.goroutines[0], r.goroutines[1])
	if r.framesOK != "" {
		fmt.Printf("   frames: %s\n", r.framesOK)
	}
	if len(r.delays) > 0 {
		fmt.Printf("   frame delay p50 %s, p95 %s, p99 %s, max %s (%d frames)\n",
			percentile(r.delays, 0.50), percentile(r.delays, 0.95), percentile(r.delays, 0.99), percentile(r.delays, 1), len(r.delays))
	}
	for _, line := range r.extra {
		fmt.Println("   " + line)
	}
	fmt.Println()
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := min(len(s)-1, int(p*float64(len(s)-1)+0.5))
	return s[i].Round(100 * time.Microsecond)
}

func (t *tester) link(seed int) string {
	return fmt.Sprintf("%s/api/stream?seed=%d&steps=%d&from=0", t.base, seed, t.steps)
}

// sameLink opens n streams of one link, spread over the stagger window. A frame's delay
// at a client is how much later it arrived there than at the first client to receive
// it, counted only for frames produced after the client joined.
func (t *tester) sameLink(n int) result {
	clients := t.openAll(n, func(int) string { return t.link(1) })
	want := frameCount(t.steps)
	complete := 0
	first := map[int]time.Time{}
	for _, c := range clients {
		for k, at := range c.arrivals {
			if f, ok := first[k]; !ok || at.Before(f) {
				first[k] = at
			}
		}
		if len(c.arrivals) == want && strings.Contains(c.end, `"done"`) {
			complete++
		}
	}
	var delays []time.Duration
	for _, c := range clients {
		for k, at := range c.arrivals {
			if first[k].After(c.joined) {
				delays = append(delays, at.Sub(first[k]))
			}
		}
	}
	r := result{
		detail:   fmt.Sprintf("%d clients on one link (%d steps, %d frames each)", n, t.steps, want),
		delays:   delays,
		framesOK: fmt.Sprintf("%d of %d clients received all %d frames and the final event", complete, n, want),
	}
	r.extra = append(r.extra, errorsOf(clients)...)
	return r
}

// manyLinks opens one stream on each of n links (seeds 1..n). The delay of a frame is
// its lateness against a 50 ms schedule counted from the stream's first frame.
func (t *tester) manyLinks(n int) result {
	clients := t.openAll(n, func(i int) string { return t.link(1000 + i) })
	want := frameCount(t.steps)
	complete, queuedClients, maxPosition := 0, 0, 0
	var delays []time.Duration
	for _, c := range clients {
		if len(c.arrivals) == want && strings.Contains(c.end, `"done"`) {
			complete++
		}
		if len(c.queued) > 0 {
			queuedClients++
			maxPosition = max(maxPosition, slices.Max(c.queued))
		}
		for k := 1; k < len(c.arrivals); k++ {
			due := c.arrivals[0].Add(time.Duration(k) * live.FrameInterval)
			delays = append(delays, max(0, c.arrivals[k].Sub(due)))
		}
	}
	r := result{
		detail:   fmt.Sprintf("%d clients on %d different links (%d steps each)", n, n, t.steps),
		delays:   delays,
		framesOK: fmt.Sprintf("%d of %d clients received all %d frames and the final event", complete, n, want),
		extra:    []string{fmt.Sprintf("%d clients were queued first, at positions up to %d", queuedClients, maxPosition)},
	}
	r.extra = append(r.extra, errorsOf(clients)...)
	return r
}

// churn connects n times, reads the first event (or nothing), and drops the connection.
func (t *tester) churn(n int) result {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	sem := make(chan struct{}, 50)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.link(2000+i%20), nil) // a constant URL cannot fail to parse
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				mu.Lock()
				failures++
				mu.Unlock()
				return
			}
			if i%2 == 0 { // half read one line before dropping
				_, _ = bufio.NewReader(resp.Body).ReadString('\n')
			}
			cancel()
			resp.Body.Close()
		})
	}
	wg.Wait()
	// Give the server a moment to notice the dropped connections.
	deadline := time.Now().Add(3 * time.Second)
	for (t.server.metric("focallab_active_streams") > 0 || t.server.metric("focallab_computing_runs") > 0) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	return result{
		detail: fmt.Sprintf("%d connect-and-drop cycles on 20 links", n),
		extra: []string{
			fmt.Sprintf("%d connections failed; afterwards the server has %d streams, %d computing and %d queued runs", failures,
				t.server.metric("focallab_active_streams"), t.server.metric("focallab_computing_runs"), t.server.metric("focallab_queued_runs")),
		},
	}
}

// openAll opens n streams, spread evenly over the stagger window, and reads each to its end.
func (t *tester) openAll(n int, url func(i int) string) []*client {
	clients := make([]*client, n)
	var wg sync.WaitGroup
	for i := range clients {
		clients[i] = &client{}
		delay := time.Duration(0)
		if n > 1 {
			delay = t.stagger * time.Duration(i) / time.Duration(n-1)
		}
		wg.Go(func() {
			time.Sleep(delay)
			clients[i].read(url(i))
		})
	}
	wg.Wait()
	return clients
}

// read consumes one event stream until its end event.
func (c *client) read(url string) {
	c.joined = time.Now()
	resp, err := http.Get(url)
	if err != nil {
		c.err = err
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.err = fmt.Errorf("status %d", resp.StatusCode)
		return
	}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 0, 64<<10), 1<<20)
	event := ""
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := strings.TrimPrefix(line, "data: ")
			switch event {
			case "frame":
				c.arrivals = append(c.arrivals, time.Now())
			case "queued":
				if i := strings.Index(data, `"position":`); i >= 0 {
					p, _ := strconv.Atoi(strings.Trim(data[i+len(`"position":`):], "} "))
					c.queued = append(c.queued, p)
				}
			case "end":
				c.end = data
				return
			}
		}
	}
	if err := scanner.Err(); err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
}

func errorsOf(clients []*client) []string {
	var out []string
	for i, c := range clients {
		if c.err != nil {
			out = append(out, fmt.Sprintf("client %d: %v", i, c.err))
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("… and %d more errors", len(out)-5))
	}
	return out
}

// frameCount is the number of frames a stream from step 0 sends: every frame step after 0.
func frameCount(steps int) int {
	n := 0
	for s := 1; s <= steps; s++ {
		if live.IsFrameStep(s, steps) {
			n++
		}
	}
	return n
}
