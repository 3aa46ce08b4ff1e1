// Package live runs the side-by-side CE and FL training that the page shows: it
// replays a run to any step, lists the frames a run shows, and paces a stream of frames.
//
// A run is determined by its config.Config alone, so any server can recompute any
// step of any link; the only state kept here is a small cache of generated datasets.
package live

import (
	"context"
	"sync"
	"time"

	"focallab/config"
	"focallab/sim"
)

// MaxFrames is how many frames one run shows at most; FrameEvery spaces them.
const MaxFrames = 200

// FrameInterval is the pause between streamed frames: 20 frames per second.
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
	mu    sync.Mutex
	cache []cachedData // most recently used first
}

type cachedData struct {
	key            sim.DataConfig
	train, heldOut *sim.Dataset
}

// dataCacheSize bounds the generated datasets kept in memory (each is a few MB at the largest size).
const dataCacheSize = 8

// New returns a Service with an empty dataset cache.
func New() *Service { return &Service{} }

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

// Replay trains a new run up to step `to` and returns it with every frame shown up to
// that step (always including step 0 and `to` itself). ctx cancellation stops it early
// with ctx.Err().
func (s *Service) Replay(ctx context.Context, cfg config.Config, to int) (*sim.Run, []sim.Frame, error) {
	run := s.NewRun(cfg)
	frames := []sim.Frame{run.Frame()}
	for run.StepCount() < to {
		if run.StepCount()%64 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		run.Step()
		if step := run.StepCount(); IsFrameStep(step, cfg.Steps) || step == to {
			frames = append(frames, run.Frame())
		}
	}
	return run, frames, nil
}

// FastForward trains a new run to step `to` without evaluating any frame.
func (s *Service) FastForward(ctx context.Context, cfg config.Config, to int) (*sim.Run, error) {
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

// Stream continues cfg's run from step `from` to step `to` (at most cfg.Steps), calling
// emit with each frame at FrameInterval pace; the frame at `to` is always sent. It returns nil when the run is complete, ctx.Err() when
// the client went away, or emit's error.
func (s *Service) Stream(ctx context.Context, cfg config.Config, from, to int, emit func(Event) error) error {
	to = min(to, cfg.Steps)
	run, err := s.FastForward(ctx, cfg, from)
	if err != nil {
		return err
	}
	ticker := time.NewTicker(FrameInterval)
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
