package live

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"focallab/config"
)

// HubConfig bounds the work a Hub does. Zero fields take the defaults of NewHub.
type HubConfig struct {
	// MaxRunning is how many runs compute at once; further runs wait in a queue.
	// Default: 4 per core (4 × GOMAXPROCS). A default run paced at 20 frames per second
	// uses about 10% of a core (BENCHMARKS.md, "Classroom load"), so 4 per core keep the
	// cores under half load at speed 1 and leave room for page renders and faster playback.
	MaxRunning int
	// MaxQueued is how many runs may wait; a run beyond it ends at once with reason "busy".
	// Default: 64.
	MaxQueued int
	// MaxRunTime ends a run that computes longer than this with reason "limit".
	// Default: 5 minutes, about 7 times the slowest run (5,000 steps at speed 0.25 takes 40 s).
	MaxRunTime time.Duration
}

// Message is one event for a subscriber.
type Message struct {
	Kind string // "frame", "queued", "end" or "heartbeat"
	Data []byte // the JSON payload; nil for a heartbeat
	// Wire is the whole Server-Sent Events message, built once per event and shared
	// by every subscriber, so fanning a frame out to a class costs one write each.
	Wire []byte
}

// wire builds the Server-Sent Events form of one event.
func wire(kind string, data []byte) []byte {
	if data == nil {
		return []byte(": heartbeat\n\n")
	}
	b := make([]byte, 0, len(kind)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, kind...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

var heartbeatWire = wire("heartbeat", nil)

// End reasons of a run, sent as the "reason" of the final event.
const (
	EndDone     = "done"     // the run reached its last step
	EndShutdown = "shutdown" // the server is stopping
	EndBusy     = "busy"     // the queue was full
	EndLimit    = "limit"    // the run exceeded MaxRunTime
	EndError    = "error"    // the computation failed
)

// Encoder turns an event of a run into the JSON payload of a "frame" message. It must
// not depend on the subscriber, since one payload goes to every subscriber of a run.
type Encoder func(Event) ([]byte, error)

// EndEncoder returns the JSON payload of the final event and of queue updates.
type EndEncoder func(reason string, step int) []byte

// QueueEncoder returns the JSON payload of a "queued" message.
type QueueEncoder func(position int) []byte

// Hub runs each distinct stream once and fans its frames out to every subscriber,
// including subscribers that join late, who first receive the frames already sent.
// It bounds the runs computing at once and queues the rest in arrival order.
type Hub struct {
	svc         *Service
	cfg         HubConfig
	encodeFrame Encoder
	encodeEnd   EndEncoder
	encodeQueue QueueEncoder

	mu      sync.Mutex
	runs    map[string]*broadcast
	waiting []*broadcast
	running int
	closed  bool

	framesSent atomic.Uint64
}

// NewHub returns a Hub that computes with svc and encodes payloads with the given functions.
func NewHub(svc *Service, cfg HubConfig, frame Encoder, end EndEncoder, queue QueueEncoder) *Hub {
	if cfg.MaxRunning <= 0 {
		cfg.MaxRunning = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 64
	}
	if cfg.MaxRunTime <= 0 {
		cfg.MaxRunTime = 5 * time.Minute
	}
	return &Hub{svc: svc, cfg: cfg, encodeFrame: frame, encodeEnd: end, encodeQueue: queue, runs: map[string]*broadcast{}}
}

// broadcast is one computing (or queued) run and what it has produced so far.
// All fields but key, cfg, from, to, ctx and cancel are guarded by Hub.mu.
type broadcast struct {
	key      string
	cfg      config.Config
	from, to int

	frames   [][]byte // each frame's Server-Sent Events message
	position int      // 1-based place in the queue, 0 once computing
	end      []byte   // the final payload, set when the run is over
	subs     int
	changed  chan struct{} // closed and replaced whenever the fields above change
	ready    chan struct{} // closed when the run leaves the queue
	ctx      context.Context
	cancel   context.CancelFunc
	lastStep int
}

// notify wakes every subscriber waiting on b. The caller holds Hub.mu.
func (b *broadcast) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// ErrClosed is returned by Subscribe after Close.
var ErrClosed = errors.New("live: hub is shut down")

// StreamKey identifies a stream: the run's parameters, the step range and the pace.
func StreamKey(cfg config.Config, from, to int) string {
	return cfg.RunQuery() + "&from=" + strconv.Itoa(from) + "&to=" + strconv.Itoa(to) + "&speed=" + strconv.FormatFloat(cfg.Speed, 'f', -1, 64)
}

// Subscribe joins the stream of cfg from step `from` to step `to`, starting it if no
// other client is watching it. The caller must Close the subscription.
func (h *Hub) Subscribe(cfg config.Config, from, to int) (*Subscription, error) {
	key := StreamKey(cfg, from, to)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	b, ok := h.runs[key]
	if !ok {
		ctx, cancel := context.WithCancel(context.Background())
		b = &broadcast{key: key, cfg: cfg, from: from, to: to, changed: make(chan struct{}), ready: make(chan struct{}), ctx: ctx, cancel: cancel, lastStep: from}
		h.runs[key] = b
		go h.produce(b)
	}
	b.subs++
	return &Subscription{hub: h, b: b}, nil
}

// produce waits for a computing slot, then streams the run into b.
func (h *Hub) produce(b *broadcast) {
	if !h.acquire(b) {
		return
	}
	defer h.release()

	ctx, cancel := context.WithTimeout(b.ctx, h.cfg.MaxRunTime)
	defer cancel()
	interval := time.Duration(float64(FrameInterval) / max(b.cfg.Speed, 0.25))
	err := h.svc.Stream(ctx, b.cfg, b.from, b.to, interval, func(ev Event) error {
		data, err := h.encodeFrame(ev)
		if err != nil {
			return err
		}
		message := wire("frame", data)
		h.mu.Lock()
		b.frames = append(b.frames, message)
		b.lastStep = ev.Frame.Step
		b.notify()
		h.mu.Unlock()
		return nil
	})

	reason := EndDone
	switch {
	case err == nil:
	case b.ctx.Err() != nil:
		h.mu.Lock()
		closed := h.closed
		h.mu.Unlock()
		if !closed {
			return // every subscriber left; finish already removed the run
		}
		reason = EndShutdown
	case errors.Is(err, context.DeadlineExceeded):
		reason = EndLimit
	default:
		reason = EndError
	}
	h.finish(b, reason)
}

// acquire takes a computing slot for b, queueing it when all are busy. It returns
// false when b ended while waiting (no subscribers left, queue full, or shutdown).
func (h *Hub) acquire(b *broadcast) bool {
	h.mu.Lock()
	if h.running < h.cfg.MaxRunning && len(h.waiting) == 0 {
		h.running++
		h.mu.Unlock()
		return true
	}
	if len(h.waiting) >= h.cfg.MaxQueued {
		h.mu.Unlock()
		h.finish(b, EndBusy)
		return false
	}
	h.waiting = append(h.waiting, b)
	h.renumberLocked()
	h.mu.Unlock()

	select {
	case <-b.ready:
		return true
	case <-b.ctx.Done():
		h.mu.Lock()
		handed := !h.removeWaitingLocked(b)
		closed := h.closed
		h.mu.Unlock()
		if handed {
			// release gave b a slot just as b was cancelled; pass the slot on.
			h.release()
		}
		if closed {
			h.finish(b, EndShutdown)
		}
		return false
	}
}

// release frees a computing slot and hands it to the first queued run.
func (h *Hub) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running--
	for len(h.waiting) > 0 && h.running < h.cfg.MaxRunning {
		next := h.waiting[0]
		h.waiting = h.waiting[1:]
		h.running++
		next.position = 0
		close(next.ready)
		next.notify()
	}
	h.renumberLocked()
}

// removeWaitingLocked takes b out of the queue and reports whether it was still there.
func (h *Hub) removeWaitingLocked(b *broadcast) bool {
	found := false
	for i, w := range h.waiting {
		if w == b {
			h.waiting = append(h.waiting[:i], h.waiting[i+1:]...)
			found = true
			break
		}
	}
	h.renumberLocked()
	return found
}

// renumberLocked gives every queued run its current place and wakes its subscribers.
func (h *Hub) renumberLocked() {
	for i, w := range h.waiting {
		if w.position != i+1 {
			w.position = i + 1
			w.notify()
		}
	}
}

// finish records the final event of b and stops sharing it with new subscribers.
func (h *Hub) finish(b *broadcast, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if b.end != nil {
		return
	}
	b.end = h.encodeEnd(reason, b.lastStep)
	if h.runs[b.key] == b {
		delete(h.runs, b.key)
	}
	b.notify()
}

// Close ends every run with reason "shutdown" and rejects new subscriptions.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	runs := make([]*broadcast, 0, len(h.runs))
	for _, b := range h.runs {
		runs = append(runs, b)
	}
	h.mu.Unlock()
	for _, b := range runs {
		b.cancel()
	}
}

// Stats is a snapshot of the hub for /metrics.
type Stats struct {
	ActiveStreams     int    // subscribers
	ComputingRuns     int    // runs holding a computing slot
	QueuedRuns        int    // runs waiting for a slot
	SharedSubscribers int    // subscribers beyond the first of each run
	FramesSent        uint64 // frame messages delivered to subscribers
}

// Stats returns the hub's current counts.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Stats{ComputingRuns: h.running, QueuedRuns: len(h.waiting), FramesSent: h.framesSent.Load()}
	for _, b := range h.runs {
		s.ActiveStreams += b.subs
		s.SharedSubscribers += max(0, b.subs-1)
	}
	return s
}

// Subscription is one client's view of a broadcast.
type Subscription struct {
	hub          *Hub
	b            *broadcast
	next         int // index of the next frame to deliver
	sentPosition int // queue position last delivered
	ended        bool
	closed       bool
	timer        *time.Timer // heartbeat timer, reused across calls of Next
}

// Next returns the subscriber's next message: an undelivered frame, a changed queue
// position, or the final event, in that order. When nothing is new within heartbeat,
// it returns a "heartbeat" message. After the final event it returns io.EOF; when ctx
// ends it returns ctx.Err().
func (s *Subscription) Next(ctx context.Context, heartbeat time.Duration) (Message, error) {
	if s.timer == nil {
		s.timer = time.NewTimer(heartbeat)
	} else {
		s.timer.Reset(heartbeat)
	}
	for {
		msg, changed, err := s.ready()
		if err != nil || changed == nil {
			return msg, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		case <-s.timer.C:
			return Message{Kind: "heartbeat", Wire: heartbeatWire}, nil
		}
	}
}

// Ready returns the next message if one is due now, without waiting. A subscriber that
// fell behind (a late joiner) uses it to write several frames with one flush.
func (s *Subscription) Ready() (Message, bool) {
	msg, changed, err := s.ready()
	return msg, err == nil && changed == nil
}

// ready returns the next due message, or the channel to wait on when none is due.
func (s *Subscription) ready() (Message, chan struct{}, error) {
	h := s.hub
	h.mu.Lock()
	b := s.b
	switch {
	case s.ended:
		h.mu.Unlock()
		return Message{}, nil, io.EOF
	case s.next < len(b.frames):
		message := b.frames[s.next]
		s.next++
		h.mu.Unlock()
		h.framesSent.Add(1)
		return Message{Kind: "frame", Wire: message}, nil, nil
	case b.position != 0 && b.position != s.sentPosition:
		s.sentPosition = b.position
		h.mu.Unlock()
		data := h.encodeQueue(b.position)
		return Message{Kind: "queued", Data: data, Wire: wire("queued", data)}, nil, nil
	case b.end != nil:
		s.ended = true
		data := b.end
		h.mu.Unlock()
		return Message{Kind: "end", Data: data, Wire: wire("end", data)}, nil, nil
	}
	changed := b.changed
	h.mu.Unlock()
	return Message{}, changed, nil
}

// Close leaves the broadcast. When the last subscriber leaves a run that is still
// computing or queued, the run is cancelled, so it stops within one frame interval.
func (s *Subscription) Close() {
	if s.timer != nil {
		s.timer.Stop()
	}
	h := s.hub
	h.mu.Lock()
	if s.closed {
		h.mu.Unlock()
		return
	}
	s.closed = true
	b := s.b
	b.subs--
	last := b.subs == 0 && b.end == nil
	if last && h.runs[b.key] == b {
		delete(h.runs, b.key)
	}
	h.mu.Unlock()
	if last {
		b.cancel()
	}
}
