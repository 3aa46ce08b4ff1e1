package sim

import (
	"sync"
	"testing"
)

func TestRunCloneContinuesIdentically(t *testing.T) {
	cfg := defaultConfig()
	// One change before the clone point and two after it, so the clone must
	// carry both the applied values and the pending changes.
	cfg.Changes = []Change{{Step: 20, Param: 'g', Value: 1.5}, {Step: 50, Param: 'g', Value: 0.7}, {Step: 120, Param: 'a', Value: 0.5}}
	r := NewRun(cfg)
	stepTo(r, 40)
	r.Frame() // the clone must not depend on the original's evaluation buffers

	c := r.Clone()
	if c.StepCount() != 40 || c.Alpha() != r.Alpha() || c.Gamma() != r.Gamma() {
		t.Fatalf("clone at step %d with alpha %g gamma %g, want step 40 with alpha %g gamma %g",
			c.StepCount(), c.Alpha(), c.Gamma(), r.Alpha(), r.Gamma())
	}
	for step := 41; step <= 200; step++ {
		r.Step()
		c.Step()
		if step%20 != 0 {
			continue
		}
		if fr, fc := r.Frame(), c.Frame(); fr != fc {
			t.Fatalf("step %d: frames differ:\noriginal %+v\nclone    %+v", step, fr, fc)
		}
	}
	rCE, rFL := r.Models()
	cCE, cFL := c.Models()
	if rCE != cCE || rFL != cFL {
		t.Errorf("models differ after 200 steps")
	}
	if c.Alpha() != 0.5 || c.Gamma() != 0.7 {
		t.Errorf("clone alpha %g gamma %g after all changes, want 0.5 and 0.7", c.Alpha(), c.Gamma())
	}
}

func TestRunCloneIndependent(t *testing.T) {
	r := NewRun(defaultConfig())
	stepTo(r, 30)
	before := r.Frame()

	c := r.Clone()
	stepTo(c, 80)
	if r.StepCount() != 30 {
		t.Fatalf("original at step %d after stepping the clone, want 30", r.StepCount())
	}
	if after := r.Frame(); after != before {
		t.Errorf("original frame changed after stepping the clone:\nbefore %+v\nafter  %+v", before, after)
	}

	// The original, stepped on its own, reaches the clone's state.
	stepTo(r, 80)
	if fr, fc := r.Frame(), c.Frame(); fr != fc {
		t.Errorf("step 80: frames differ:\noriginal %+v\nclone    %+v", fr, fc)
	}
}

func TestRunCloneSharesData(t *testing.T) {
	r := NewRun(defaultConfig())
	c := r.Clone()
	rTrain, rHeld := r.Data()
	cTrain, cHeld := c.Data()
	if cTrain != rTrain || cHeld != rHeld {
		t.Errorf("clone has its own copy of the data, want the original's splits")
	}
	if &c.batchLogit[0] == &r.batchLogit[0] {
		t.Errorf("clone shares the minibatch buffers of the original")
	}
}

func TestRunCloneAllocations(t *testing.T) {
	r := NewRun(defaultConfig())
	c := r.Clone()
	c.Step()
	c.Frame() // grows the clone's evaluation buffers
	if allocs := testing.AllocsPerRun(20, c.Step); allocs != 0 {
		t.Errorf("clone Step allocates %g times, want 0", allocs)
	}
}

func TestRunCloneConcurrent(t *testing.T) {
	r := NewRun(defaultConfig())
	stepTo(r, 20)
	frames := make([]Frame, 4)
	var wg sync.WaitGroup
	for i := range frames {
		wg.Go(func() {
			c := r.Clone()
			stepTo(c, 40)
			frames[i] = c.Frame()
		})
	}
	wg.Wait()
	for i, f := range frames[1:] {
		if f != frames[0] {
			t.Errorf("clone %d frame %+v, clone 0 frame %+v; want equal", i+1, f, frames[0])
		}
	}
}
