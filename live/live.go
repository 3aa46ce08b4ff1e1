// Package live runs the side-by-side CE and FL training that the page shows: it
// replays a run to any step, lists the frames a run shows, and paces a stream of frames.
//
// A run is determined by its config.Config alone, so any server can recompute any
// step of any link. The only state kept here is caches: generated datasets and
// shared replays.
package live

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"time"

	"focallab/config"
	"focallab/sim"
)

// MaxFrames is how many frames one run shows at most; FrameEvery spaces them.
const MaxFrames = 200

// FrameInterval is the pause between streamed frames at speed 1: 20 frames per second.
const FrameInterval = 50 * time.Millisecond

// HeatEvery is how many streamed frames pass between two heatmap updates.
const HeatEvery = 10

// FrameEvery returns the number of training steps between two frames of a run of the given length.
func FrameEvery(steps int) int {
	return max(1, (steps+MaxFrames-1)/MaxFrames)
}

// IsFrameStep reports whether a frame is shown after the given step.
func IsFrameStep(step, steps int) bool {
	return step == 0 || step == steps || step%FrameEvery(steps) == 0
}

// Service replays and streams runs. Its zero value is not usable; call New.
type Service struct {
	mu      sync.Mutex
	cache   []cachedData // most recently used first
	results []*replayResult
	// slots bounds the replays computing at once; a request waits for a slot for as
	// long as its context lives.
	slots chan struct{}
}

// replayResult is a shared, cached replay. done is closed when run and frames are set.
type replayResult struct {
	key    string
	done   chan struct{}
	run    *sim.Run
	frames []sim.Frame
	// waiters counts the requests waiting for the result. When it drops to 0 before the
	// computation got a slot, abandon is closed and nothing is computed.
	waiters int
	started bool
	abandon chan struct{}
}

// resultCacheSize bounds the cached replays. A replay of the longest run holds at most
// MaxFrames frames and one run's small state, so the cache stays below a megabyte
// beside the datasets it points to.
const resultCacheSize = 32

type cachedData struct {
	key            sim.DataConfig
	train, heldOut *sim.Dataset
}

// dataCacheSize bounds the generated datasets kept in memory (each is a few MB at the largest size).
const dataCacheSize = 8

// New returns a Service with empty caches that computes at most GOMAXPROCS replays at once.
func New() *Service {
	return &Service{slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// shared returns the cached result of (kind, cfg's run, to), computing it once with
// compute while holding a slot. Waiters give up when their ctx ends; the computation
// itself finishes and is cached, since it is bounded (at most config's steps ceiling).
func (s *Service) shared(ctx context.Context, kind string, cfg config.Config, to int, compute func() *replayResult) (*replayResult, error) {
	key := kind + ":" + cfg.RunQuery() + "@" + strconv.Itoa(to)
	s.mu.Lock()
	var r *replayResult
	for i, c := range s.results {
		if c.key == key {
			r = c
			copy(s.results[1:i+1], s.results[:i])
			s.results[0] = r
			break
		}
	}
	if r == nil {
		r = &replayResult{key: key, done: make(chan struct{}), abandon: make(chan struct{})}
		s.results = append([]*replayResult{r}, s.results...)
		if len(s.results) > resultCacheSize {
			s.results = s.results[:resultCacheSize]
		}
		go s.computeShared(r, compute)
	}
	r.waiters++
	s.mu.Unlock()

	select {
	case <-r.done:
		s.mu.Lock()
		r.waiters--
		s.mu.Unlock()
		return r, nil
	case <-ctx.Done():
		s.mu.Lock()
		r.waiters--
		if r.waiters == 0 && !r.started {
			close(r.abandon)
			s.removeResultLocked(r)
		}
		s.mu.Unlock()
		return nil, ctx.Err()
	}
}

// computeShared waits for a slot and fills r, unless every waiter left first.
func (s *Service) computeShared(r *replayResult, compute func() *replayResult) {
	select {
	case s.slots <- struct{}{}:
	case <-r.abandon:
		return
	}
	defer func() { <-s.slots }()
	s.mu.Lock()
	select {
	case <-r.abandon:
		s.mu.Unlock()
		return
	default:
	}
	r.started = true
	s.mu.Unlock()

	computed := compute()
	r.run, r.frames = computed.run, computed.frames
	close(r.done)
}

func (s *Service) removeResultLocked(r *replayResult) {
	for i, c := range s.results {
		if c == r {
			s.results = append(s.results[:i], s.results[i+1:]...)
			return
		}
	}
}

// Data returns the training and held-out splits of a config, generating them once.
func (s *Service) Data(dc sim.DataConfig) (train, heldOut *sim.Dataset) {
	s.mu.Lock()
	for i, c := range s.cache {
		if c.key == dc {
			copy(s.cache[1:i+1], s.cache[:i])
			s.cache[0] = c
			s.mu.Unlock()
			return c.train, c.heldOut
		}
	}
	s.mu.Unlock()

	// Generate outside the lock; two requests for the same new config may both generate,
	// which costs time but gives identical data.
	train, heldOut = sim.Generate(dc)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache = append([]cachedData{{key: dc, train: train, heldOut: heldOut}}, s.cache...)
	if len(s.cache) > dataCacheSize {
		s.cache = s.cache[:dataCacheSize]
	}
	return train, heldOut
}

// NewRun returns a run of the config at step 0.
func (s *Service) NewRun(cfg config.Config) *sim.Run {
	tc := cfg.TrainConfig()
	train, heldOut := s.Data(tc.Data)
	return sim.NewRunWithData(tc, train, heldOut)
}

// Replay returns cfg's run trained to step `to`, with every frame shown up to that
// step (always including step 0 and `to` itself). Identical requests share one
// computation and its cached result, so a class opening the same link costs one
// replay. The returned run is shared: callers may read it (Models, Data, Frame of a
// copy) but must not Step it. ctx ends the wait for a result, not the computation.
func (s *Service) Replay(ctx context.Context, cfg config.Config, to int) (*sim.Run, []sim.Frame, error) {
	r, err := s.shared(ctx, "replay", cfg, to, func() *replayResult {
		run := s.NewRun(cfg)
		frames := []sim.Frame{run.Frame()}
		for run.StepCount() < to {
			run.Step()
			if step := run.StepCount(); IsFrameStep(step, cfg.Steps) || step == to {
				frames = append(frames, run.Frame())
			}
		}
		return &replayResult{run: run, frames: frames}
	})
	if err != nil {
		return nil, nil, err
	}
	return r.run, r.frames, nil
}

// Train returns cfg's run trained to step `to` and its frame there, without evaluating
// the frames in between. Identical requests share one computation, as in Replay.
func (s *Service) Train(ctx context.Context, cfg config.Config, to int) (sim.Frame, error) {
	r, err := s.shared(ctx, "train", cfg, to, func() *replayResult {
		run := s.NewRun(cfg)
		for run.StepCount() < to {
			run.Step()
		}
		return &replayResult{run: run, frames: []sim.Frame{run.Frame()}}
	})
	if err != nil {
		return sim.Frame{}, err
	}
	return r.frames[0], nil
}

// fastForward trains a new run to step `to` without evaluating any frame, checking ctx
// every 64 steps (about 4 ms at the default batch).
func (s *Service) fastForward(ctx context.Context, cfg config.Config, to int) (*sim.Run, error) {
	run := s.NewRun(cfg)
	for run.StepCount() < to {
		if run.StepCount()%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		run.Step()
	}
	return run, nil
}

// Event is one message of a stream.
type Event struct {
	Frame *sim.Frame // set for a frame
	Heat  bool       // true when the heatmaps should be sent with this frame
	Run   *sim.Run   // the run, for reading the models of a heat event
}

// Stream continues cfg's run from step `from` to step `to` (at most cfg.Steps) and
// calls emit with each frame, one every interval. The frame at `to` is always sent.
// Stream returns nil when the run is complete, ctx.Err() when ctx ends, or emit's error.
func (s *Service) Stream(ctx context.Context, cfg config.Config, from, to int, interval time.Duration, emit func(Event) error) error {
	to = min(to, cfg.Steps)
	run, err := s.fastForward(ctx, cfg, from)
	if err != nil {
		return err
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	sent := 0
	for run.StepCount() < to {
		run.Step()
		last := run.StepCount() == to
		if !IsFrameStep(run.StepCount(), cfg.Steps) && !last {
			continue
		}
		frame := run.Frame()
		sent++
		if err := emit(Event{Frame: &frame, Heat: sent%HeatEvery == 0 || last, Run: run}); err != nil {
			return err
		}
		if last {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
	return nil
}
