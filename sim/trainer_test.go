package sim

import (
	"math"
	"testing"
)

// smallTrainConfig is a fast run for the Trainer tests: 2,000 examples at
// 1:100, so the training split has 20 positives.
func smallTrainConfig() TrainConfig {
	return TrainConfig{
		Data:  DataConfig{Seed: 3, Size: 2000, Ratio: 100},
		Alpha: 0.25, Gamma: 2, LR: 0.1, Prior: true,
	}
}

func TestTrainerFollowsRun(t *testing.T) {
	cfg := smallTrainConfig()
	train, heldOut := Generate(cfg.Data)
	run := NewRunWithData(cfg, train, heldOut)
	fl := NewTrainer(cfg, train, cfg.Alpha, cfg.Gamma)
	ce := NewTrainer(cfg, train, NoAlpha, 0)
	for range 150 {
		run.Step()
		fl.Step()
		ce.Step()
	}
	wantCE, wantFL := run.Models()
	for name, pair := range map[string][2]Model{"FL": {fl.Averaged(), wantFL}, "CE": {ce.Averaged(), wantCE}} {
		for k := range pair[0].W {
			got, want := pair[0].W[k], pair[1].W[k]
			// Both follow the same arithmetic; the tolerance only allows a
			// reordering of sums inside the training step.
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s weight %d after 150 steps = %.15g, Run's = %.15g", name, k, got, want)
			}
		}
	}
	if fl.StepCount() != 150 {
		t.Errorf("StepCount = %d, want 150", fl.StepCount())
	}
}

func TestTrainSweepCellDeterministic(t *testing.T) {
	cfg := smallTrainConfig()
	train, heldOut := Generate(cfg.Data)
	a := TrainSweepCell(cfg, train, heldOut, 0.5, 1, 60)
	b := TrainSweepCell(cfg, train, heldOut, 0.5, 1, 60)
	if a != b {
		t.Errorf("two sweep cells of the same arguments differ:\n%+v\n%+v", a, b)
	}
	if a.Alpha != 0.5 || a.Gamma != 1 {
		t.Errorf("cell is labelled alpha %g gamma %g, want 0.5 and 1", a.Alpha, a.Gamma)
	}
	if !(a.Recall >= 0 && a.Recall <= 1) || !(a.NegativeLoss > 0) || !a.APOK {
		t.Errorf("cell %+v: want recall in [0, 1], a positive negative-class loss and a defined AP", a)
	}
}

func TestEarlyTrainingStepZero(t *testing.T) {
	cfg := smallTrainConfig()
	train, _ := Generate(cfg.Data)
	numPos, numNeg := float64(train.NumPos), float64(train.NumNeg)

	// Without the prior every score starts at p = 1/2, so each example's
	// cross-entropy is log 2.
	cfg.Prior = false
	zero := EarlyTraining(cfg, train, NoAlpha, 0, []int{0, 5})
	if want := (numPos + numNeg) * math.Ln2 / numPos; math.Abs(zero[0].Loss-want) > 1e-9*want {
		t.Errorf("zero-bias CE at step 0 = %.12g, want %.12g", zero[0].Loss, want)
	}
	if want := numPos / (numPos + numNeg); math.Abs(zero[0].PositiveShare-want) > 1e-12 {
		t.Errorf("zero-bias positive share at step 0 = %.12g, want %.12g", zero[0].PositiveShare, want)
	}
	if zero[1].Step != 5 {
		t.Errorf("second checkpoint at step %d, want 5", zero[1].Step)
	}

	// With the prior every score starts at p = 0.01: a positive loses
	// alpha (0.99)^gamma (-log 0.01) and a negative
	// (1-alpha) (0.01)^gamma (-log 0.99).
	cfg.Prior = true
	prior := EarlyTraining(cfg, train, 0.25, 2, []int{0})
	pos := numPos * 0.25 * 0.99 * 0.99 * -math.Log(0.01)
	neg := numNeg * 0.75 * 0.01 * 0.01 * -math.Log(0.99)
	if want := (pos + neg) / numPos; math.Abs(prior[0].Loss-want) > 1e-9*want {
		t.Errorf("prior FL at step 0 = %.12g, want %.12g", prior[0].Loss, want)
	}
	if want := pos / (pos + neg); math.Abs(prior[0].PositiveShare-want) > 1e-9 {
		t.Errorf("prior FL positive share at step 0 = %.12g, want %.12g", prior[0].PositiveShare, want)
	}
}
