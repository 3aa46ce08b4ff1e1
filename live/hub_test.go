package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"focallab/config"
)

// shortRun returns a config whose stream is quick: 2,000 examples, 40 steps (one
// frame per step) at speed 4, so 40 frames take about half a second. extra, such as
// "&seed=2", overrides those values.
func shortRun(t *testing.T, extra string) config.Config {
	t.Helper()
	q, _ := url.ParseQuery("n=2000&steps=40&speed=4")
	overrides, err := url.ParseQuery(extra)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range overrides {
		q[name] = values
	}
	cfg, notices := config.Parse(q)
	if len(notices) > 0 {
		t.Fatalf("test config has notices: %+v", notices)
	}
	return cfg
}

func testHub(limits HubConfig) *Hub {
	frame := func(ev Event) ([]byte, error) {
		return json.Marshal(map[string]any{"step": ev.Frame.Step, "fl_ap": ev.Frame.FL.AP, "heat": ev.Heat})
	}
	end := func(reason string, step int) []byte {
		return []byte(fmt.Sprintf(`{"reason":%q,"step":%d}`, reason, step))
	}
	queue := func(position int) []byte { return []byte(fmt.Sprintf(`{"position":%d}`, position)) }
	return NewHub(New(), limits, frame, end, queue)
}

// drain reads a subscription to its end and returns its messages, heartbeats excluded.
func drain(t *testing.T, sub *Subscription) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var msgs []Message
	for {
		msg, err := sub.Next(ctx, time.Second)
		if errors.Is(err, io.EOF) {
			return msgs
		}
		if err != nil {
			t.Fatalf("reading stream: %v", err)
		}
		if msg.Kind != "heartbeat" {
			msgs = append(msgs, msg)
		}
	}
}

func frames(msgs []Message) []string {
	var out []string
	for _, m := range msgs {
		if m.Kind == "frame" {
			out = append(out, string(m.Wire))
		}
	}
	return out
}

func lastReason(t *testing.T, msgs []Message) string {
	t.Helper()
	if len(msgs) == 0 || msgs[len(msgs)-1].Kind != "end" {
		t.Fatalf("stream did not end with an end event: %d messages", len(msgs))
	}
	var end struct{ Reason string }
	if err := json.Unmarshal(msgs[len(msgs)-1].Data, &end); err != nil {
		t.Fatal(err)
	}
	return end.Reason
}

func TestHubSharesOneComputation(t *testing.T) {
	hub := testHub(HubConfig{})
	cfg := shortRun(t, "")
	const clients = 50
	subs := make([]*Subscription, clients)
	for i := range subs {
		sub, err := hub.Subscribe(cfg, 0, cfg.Steps)
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = sub
	}
	if s := hub.Stats(); s.ActiveStreams != clients || s.SharedSubscribers != clients-1 {
		t.Errorf("stats with %d subscribers = %+v, want %d active and %d shared", clients, s, clients, clients-1)
	}
	results := make([][]Message, clients)
	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Go(func() {
			defer sub.Close()
			results[i] = drain(t, sub)
		})
	}
	wg.Wait()
	want := frames(results[0])
	if len(want) != cfg.Steps {
		t.Fatalf("client 0 got %d frames, want %d", len(want), cfg.Steps)
	}
	for i := 1; i < clients; i++ {
		if got := frames(results[i]); !reflect.DeepEqual(got, want) {
			t.Fatalf("client %d got %d frames that differ from client 0's %d", i, len(got), len(want))
		}
		if r := lastReason(t, results[i]); r != EndDone {
			t.Errorf("client %d ended with %q, want done", i, r)
		}
	}
	if s := hub.Stats(); s.FramesSent != uint64(clients*cfg.Steps) {
		t.Errorf("frames sent = %d, want %d", s.FramesSent, clients*cfg.Steps)
	}
}

func TestHubLateJoinerGetsEveryFrame(t *testing.T) {
	hub := testHub(HubConfig{})
	cfg := shortRun(t, "")
	first, err := hub.Subscribe(cfg, 0, cfg.Steps)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	ctx := context.Background()
	var early []Message
	for len(early) < 5 {
		msg, err := first.Next(ctx, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Kind == "frame" {
			early = append(early, msg)
		}
	}
	late, err := hub.Subscribe(cfg, 0, cfg.Steps)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	lateMsgs := drain(t, late)
	firstMsgs := append(early, drain(t, first)...)
	if got, want := frames(lateMsgs), frames(firstMsgs); !reflect.DeepEqual(got, want) {
		t.Errorf("late joiner got %d frames, first client %d; they differ", len(got), len(want))
	}
}

func TestHubLastLeaveStopsRun(t *testing.T) {
	hub := testHub(HubConfig{})
	cfg := shortRun(t, "&steps=5000&speed=1")
	sub, err := hub.Subscribe(cfg, 0, cfg.Steps)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 2; {
		msg, err := sub.Next(context.Background(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Kind == "frame" {
			n++
		}
	}
	sub.Close()
	deadline := time.Now().Add(time.Second)
	for hub.Stats().ComputingRuns != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("run still computing 1 s after its last subscriber left: %+v", hub.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHubQueuesBeyondLimit(t *testing.T) {
	hub := testHub(HubConfig{MaxRunning: 1, MaxQueued: 2})
	var subs []*Subscription
	for seed := 1; seed <= 4; seed++ {
		sub, err := hub.Subscribe(shortRun(t, fmt.Sprintf("&seed=%d", seed)), 0, 40)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		subs = append(subs, sub)
		time.Sleep(20 * time.Millisecond) // arrival order decides queue order
	}
	results := make([][]Message, len(subs))
	var wg sync.WaitGroup
	for i, sub := range subs {
		wg.Go(func() { results[i] = drain(t, sub) })
	}
	wg.Wait()

	wantFirstQueued := []int{0, 1, 2, 0} // run 1 computes, runs 2 and 3 wait, run 4 finds the queue full
	for i, msgs := range results {
		queued := 0
		for _, m := range msgs {
			if m.Kind == "queued" {
				var q struct{ Position int }
				if err := json.Unmarshal(m.Data, &q); err != nil {
					t.Fatal(err)
				}
				queued = q.Position
				break
			}
		}
		if queued != wantFirstQueued[i] {
			t.Errorf("run %d: first queue position %d, want %d", i+1, queued, wantFirstQueued[i])
		}
		wantReason := EndDone
		if i == 3 {
			wantReason = EndBusy
		}
		if r := lastReason(t, msgs); r != wantReason {
			t.Errorf("run %d ended with %q, want %q", i+1, r, wantReason)
		}
		if i < 3 && len(frames(msgs)) != 40 {
			t.Errorf("run %d got %d frames, want 40", i+1, len(frames(msgs)))
		}
	}
}

func TestHubCloseEndsStreams(t *testing.T) {
	hub := testHub(HubConfig{MaxRunning: 1})
	running, err := hub.Subscribe(shortRun(t, "&steps=5000&speed=1"), 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	queued, err := hub.Subscribe(shortRun(t, "&steps=5000&speed=1&seed=9"), 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer queued.Close()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	hub.Close()
	for name, sub := range map[string]*Subscription{"running": running, "queued": queued} {
		if r := lastReason(t, drain(t, sub)); r != EndShutdown {
			t.Errorf("%s stream ended with %q, want shutdown", name, r)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("streams took %v to end after Close", d)
	}
	if _, err := hub.Subscribe(shortRun(t, ""), 0, 40); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close: err = %v, want ErrClosed", err)
	}
}

func TestHubConnectAndDropLeaksNothing(t *testing.T) {
	hub := testHub(HubConfig{})
	cfg := shortRun(t, "&steps=5000&speed=1")
	before := runtime.NumGoroutine()
	for i := 0; i < 200; i++ {
		sub, err := hub.Subscribe(cfg, 0, cfg.Steps)
		if err != nil {
			t.Fatal(err)
		}
		sub.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := hub.Stats()
		after := runtime.NumGoroutine()
		if after <= before && s.ComputingRuns == 0 && s.ActiveStreams == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 200 connect-and-drop cycles: %d goroutines (started with %d), stats %+v", after, before, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplaySharedAndDeterministic(t *testing.T) {
	svc := New()
	cfg := shortRun(t, "")
	ctx := context.Background()
	run1, frames1, err := svc.Replay(ctx, cfg, 25)
	if err != nil {
		t.Fatal(err)
	}
	run2, frames2, err := svc.Replay(ctx, cfg, 25)
	if err != nil {
		t.Fatal(err)
	}
	if run1 != run2 {
		t.Errorf("identical replays computed twice; want one shared result")
	}
	// A fresh service recomputes: the result must be bit-identical.
	_, fresh, err := New().Replay(ctx, cfg, 25)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(frames1, fresh) || !reflect.DeepEqual(frames1, frames2) {
		t.Errorf("replays of one link differ")
	}
	if len(frames1) != 26 || frames1[len(frames1)-1].Step != 25 {
		t.Errorf("replay to 25 returned %d frames ending at step %d, want 26 ending at 25", len(frames1), frames1[len(frames1)-1].Step)
	}
	_, other, err := svc.Replay(ctx, shortRun(t, "&seed=2"), 25)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(other, frames1) {
		t.Errorf("a different seed gave identical frames")
	}
}

func TestReplayWaitEndsWithContext(t *testing.T) {
	svc := New()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := svc.Replay(ctx, shortRun(t, "&steps=5000"), 5000); !errors.Is(err, context.Canceled) {
		t.Errorf("Replay with a cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestFrameEvery(t *testing.T) {
	tests := []struct{ steps, want int }{{10, 1}, {200, 1}, {201, 2}, {1000, 5}, {5000, 25}}
	for _, tt := range tests {
		if got := FrameEvery(tt.steps); got != tt.want {
			t.Errorf("FrameEvery(%d) = %d, want %d", tt.steps, got, tt.want)
		}
		frames := 0
		for s := 0; s <= tt.steps; s++ {
			if IsFrameStep(s, tt.steps) {
				frames++
			}
		}
		if frames > MaxFrames+2 {
			t.Errorf("a run of %d steps shows %d frames, more than MaxFrames+2", tt.steps, frames)
		}
	}
}

func TestHubCancelWhileQueuedFreesSlot(t *testing.T) {
	// One slot and many queued runs whose clients leave at once: every slot handed to a
	// run that was cancelled in the same moment must come back.
	hub := testHub(HubConfig{MaxRunning: 1, MaxQueued: 64})
	for round := 0; round < 20; round++ {
		var subs []*Subscription
		for seed := 1; seed <= 6; seed++ {
			sub, err := hub.Subscribe(shortRun(t, fmt.Sprintf("&steps=5000&speed=1&seed=%d", 100*round+seed)), 0, 5000)
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, sub)
		}
		time.Sleep(5 * time.Millisecond)
		for _, sub := range subs {
			sub.Close()
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := hub.Stats()
		if s.ComputingRuns == 0 && s.QueuedRuns == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after every client left: %+v, want no computing or queued runs", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
