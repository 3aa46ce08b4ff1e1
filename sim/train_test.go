package sim

import (
	"fmt"
	"math"
	"runtime"
	"testing"
)

// defaultConfig is the app's default run: Size 20000, Ratio 1000, alpha
// 0.25, gamma 2 (the defaults of Lin et al. 2017), LR 0.05, prior on.
func defaultConfig() TrainConfig {
	return TrainConfig{
		Data:  DataConfig{Seed: 1, Size: 20000, Ratio: 1000},
		Alpha: 0.25,
		Gamma: 2,
		LR:    0.05,
		Prior: true,
	}
}

// stepTo advances r until it has taken n steps.
func stepTo(r *Run, n int) {
	for r.StepCount() < n {
		r.Step()
	}
}

func TestRunDeterministic(t *testing.T) {
	cfg := defaultConfig()
	cfg.Changes = []Change{{Step: 50, Param: 'g', Value: 1}, {Step: 120, Param: 'a', Value: 0.5}}
	a, b := NewRun(cfg), NewRun(cfg)
	for step := 1; step <= 200; step++ {
		a.Step()
		b.Step()
		if step%50 != 0 {
			continue
		}
		if fa, fb := a.Frame(), b.Frame(); fa != fb {
			t.Fatalf("step %d: frames differ:\n%+v\n%+v", step, fa, fb)
		}
	}
	aCE, aFL := a.Models()
	bCE, bFL := b.Models()
	if aCE != bCE || aFL != bFL {
		t.Errorf("models differ after 200 steps")
	}
}

func TestRunSharedDataMatchesNewRun(t *testing.T) {
	cfg := defaultConfig()
	train, heldOut := Generate(cfg.Data)
	a := NewRunWithData(cfg, train, heldOut)
	b := NewRun(cfg)
	stepTo(a, 30)
	stepTo(b, 30)
	if fa, fb := a.Frame(), b.Frame(); fa != fb {
		t.Errorf("NewRunWithData frame %+v, NewRun frame %+v; want equal", fa, fb)
	}
	if gotTrain, gotHeld := a.Data(); gotTrain != train || gotHeld != heldOut {
		t.Error("Data() does not return the splits passed to NewRunWithData")
	}
}

func TestRunChangesApplyAtStep(t *testing.T) {
	const changeStep = 40
	base := defaultConfig()
	withChange := base
	// Unsorted on purpose: Run sorts a copy.
	withChange.Changes = []Change{
		{Step: changeStep + 10, Param: 'a', Value: 0.5},
		{Step: changeStep, Param: 'g', Value: 0.5},
		{Step: changeStep + 20, Param: 'x', Value: 9}, // unknown, ignored
	}
	plain, changed := NewRun(base), NewRun(withChange)

	stepTo(plain, changeStep-1)
	stepTo(changed, changeStep-1)
	if changed.Gamma() != base.Gamma {
		t.Errorf("gamma after %d steps = %g, want the start value %g", changeStep-1, changed.Gamma(), base.Gamma)
	}
	_, plainFL := plain.Models()
	_, changedFL := changed.Models()
	if changedFL != plainFL {
		t.Errorf("FL models differ after %d steps, before the change is due", changeStep-1)
	}

	plain.Step()
	changed.Step()
	if changed.Gamma() != 0.5 {
		t.Errorf("gamma after %d steps = %g, want 0.5", changeStep, changed.Gamma())
	}
	pCE, pFL := plain.Models()
	cCE, cFL := changed.Models()
	if cFL == pFL {
		t.Errorf("FL models equal after step %d; want the change applied before its gradient", changeStep)
	}
	if cCE != pCE {
		t.Errorf("CE models differ; want changes to affect only the FL model")
	}
	if f := changed.Frame(); f.Step != changeStep || f.Gamma != 0.5 || f.Alpha != base.Alpha {
		t.Errorf("frame at step %d = {Step %d, Alpha %g, Gamma %g}, want {%d, %g, 0.5}", changeStep, f.Step, f.Alpha, f.Gamma, changeStep, base.Alpha)
	}

	stepTo(changed, changeStep+9)
	if changed.Alpha() != base.Alpha {
		t.Errorf("alpha after %d steps = %g, want %g", changeStep+9, changed.Alpha(), base.Alpha)
	}
	changed.Step()
	if changed.Alpha() != 0.5 {
		t.Errorf("alpha after %d steps = %g, want 0.5", changeStep+10, changed.Alpha())
	}
	stepTo(changed, changeStep+30)
	if changed.Alpha() != 0.5 || changed.Gamma() != 0.5 {
		t.Errorf("after the unknown change: alpha %g, gamma %g, want 0.5, 0.5", changed.Alpha(), changed.Gamma())
	}
}

func TestRunChangeAtStepZero(t *testing.T) {
	cfg := defaultConfig()
	cfg.Changes = []Change{{Step: 0, Param: 'g', Value: 3}}
	r := NewRun(cfg)
	if r.Gamma() != 3 {
		t.Errorf("gamma before the first step = %g, want 3", r.Gamma())
	}
}

func TestRunFocalBeatsCE(t *testing.T) {
	r := NewRun(defaultConfig())
	stepTo(r, 600)
	f := r.Frame()
	t.Logf("step 600: CE AP %.4f AUC %.4f loss %.4f; FL AP %.4f AUC %.4f loss %.4f",
		f.CE.AP, f.CE.AUC, f.CE.Loss, f.FL.AP, f.FL.AUC, f.FL.Loss)
	if !f.CE.APOK || !f.FL.APOK {
		t.Fatalf("AP undefined: CE ok %v, FL ok %v", f.CE.APOK, f.FL.APOK)
	}
	if f.FL.AP <= f.CE.AP {
		t.Errorf("held-out AP after 600 steps: FL %.4f, CE %.4f; want FL > CE", f.FL.AP, f.CE.AP)
	}
}

func TestRunInitialFrame(t *testing.T) {
	r := NewRun(defaultConfig())
	f := r.Frame()
	if f.Step != 0 {
		t.Errorf("Step = %d, want 0", f.Step)
	}

	// With the prior bias every logit is PriorBias(0.01), so both losses
	// are (numPos*loss(b, 1) + numNeg*loss(b, 0)) / numPos.
	train, _ := r.Data()
	b := PriorBias(PriorPi)
	for _, c := range []struct {
		name         string
		got          float64
		alpha, gamma float64
	}{
		{"CE", f.CE.Loss, NoAlpha, 0},
		{"FL", f.FL.Loss, 0.25, 2},
	} {
		pos, _ := FocalLoss(b, 1, c.alpha, c.gamma)
		neg, _ := FocalLoss(b, 0, c.alpha, c.gamma)
		want := (float64(train.NumPos)*pos + float64(train.NumNeg)*neg) / float64(train.NumPos)
		if math.Abs(c.got-want) > 1e-12*want {
			t.Errorf("%s initial loss = %.15g, want %.15g", c.name, c.got, want)
		}
	}

	// Every score ties, so AUC is 1/2 and AP is the share of positives,
	// 100/(100 + 99000) on the held-out split.
	_, heldOut := r.Data()
	wantAP := float64(heldOut.NumPos) / float64(heldOut.NumPos+heldOut.NumNeg)
	for _, m := range []Metrics{f.CE, f.FL} {
		if math.Abs(m.AUC-0.5) > 1e-12 {
			t.Errorf("initial AUC = %g, want 0.5", m.AUC)
		}
		if math.Abs(m.AP-wantAP) > 1e-12 {
			t.Errorf("initial AP = %g, want %g", m.AP, wantAP)
		}
	}
}

func TestRunExtremeSettingsStayFinite(t *testing.T) {
	tests := []struct {
		name string
		cfg  TrainConfig
	}{
		{"LR 1 gamma 5", TrainConfig{Data: DataConfig{Seed: 3, Size: 5000, Ratio: 100}, Alpha: 0.25, Gamma: 5, LR: 1, Prior: true}},
		{"LR 1 no prior small gamma", TrainConfig{Data: DataConfig{Seed: 4, Size: 5000, Ratio: 10}, Alpha: NoAlpha, Gamma: 0.3, LR: 1}},
		{"invalid values", TrainConfig{Data: DataConfig{Seed: 5}, Alpha: math.NaN(), Gamma: -2, LR: math.NaN(), Batch: -1,
			Changes: []Change{{Step: 10, Param: 'g', Value: math.NaN()}, {Step: 20, Param: 'a', Value: 7}}}},
		{"infinite values", TrainConfig{Data: DataConfig{Seed: 6}, Alpha: 0.25, Gamma: math.Inf(1), LR: math.Inf(1),
			Changes: []Change{{Step: 10, Param: 'g', Value: math.Inf(1)}, {Step: 20, Param: 'a', Value: math.Inf(-1)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRun(tt.cfg)
			for step := 1; step <= 300; step++ {
				r.Step()
				if step%100 != 0 {
					continue
				}
				checkFiniteFrame(t, r.Frame())
				ce, fl := r.Models()
				for k := range NumFeatures {
					if !isFinite(ce.W[k]) || !isFinite(fl.W[k]) {
						t.Fatalf("step %d: weight %d not finite: CE %g, FL %g", step, k, ce.W[k], fl.W[k])
					}
				}
			}
		})
	}
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func checkFiniteFrame(t *testing.T, f Frame) {
	t.Helper()
	for _, m := range []struct {
		name string
		m    Metrics
	}{{"CE", f.CE}, {"FL", f.FL}} {
		values := []float64{m.m.Loss, m.m.Recall, m.m.Precision, m.m.AP, m.m.AUC}
		for i, v := range values {
			if !isFinite(v) {
				t.Errorf("step %d: %s metric %d = %v, want finite", f.Step, m.name, i, v)
			}
		}
	}
	if !isFinite(f.Alpha) || !isFinite(f.Gamma) {
		t.Errorf("step %d: alpha %v, gamma %v, want finite", f.Step, f.Alpha, f.Gamma)
	}
}

func TestRunEmptyData(t *testing.T) {
	empty := &Dataset{}
	r := NewRunWithData(defaultConfig(), empty, empty)
	r.Step()
	f := r.Frame()
	if f.Step != 1 {
		t.Errorf("Step = %d, want 1", f.Step)
	}
	if f.FL.APOK || f.FL.AUCOK || f.FL.PrecisionOK {
		t.Errorf("metrics on an empty split report defined values: %+v", f.FL)
	}
	if f.FL.Loss != 0 {
		t.Errorf("loss on an empty split = %g, want 0", f.FL.Loss)
	}
	if _, fl := r.Models(); fl != NewModel(true) {
		t.Errorf("FL model changed without data: %v", fl.W)
	}
}

func TestRunStepAndFrameAllocations(t *testing.T) {
	r := NewRun(defaultConfig())
	r.Step()
	r.Frame() // grows the evaluation buffers
	if allocs := testing.AllocsPerRun(20, r.Step); allocs != 0 {
		t.Errorf("Step allocates %g times, want 0", allocs)
	}
	// AllocsPerRun sets GOMAXPROCS to 1, so this checks the serial path,
	// which reuses every buffer. With more procs, starting the goroutines
	// costs a few small allocations per Frame.
	if allocs := testing.AllocsPerRun(3, func() { r.Frame() }); allocs != 0 {
		t.Errorf("Frame allocates %g times with GOMAXPROCS 1, want 0", allocs)
	}
}

func TestRunBatchDefaults(t *testing.T) {
	tests := []struct {
		batch, want int
	}{
		{0, DefaultBatch},
		{-3, DefaultBatch},
		{64, 64},
		{MaxBatch + 1, MaxBatch},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.batch), func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Batch = tt.batch
			train, heldOut := Generate(DataConfig{Seed: 1, Size: 1000, Ratio: 10})
			r := NewRunWithData(cfg, train, heldOut)
			if got := len(r.batchLabel); got != tt.want {
				t.Errorf("batch size = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFrameIndependentOfGOMAXPROCS(t *testing.T) {
	cfg := defaultConfig()
	cfg.Data.Size = 150000 // above 65536, so the training loss runs in chunks on goroutines
	r := NewRun(cfg)
	stepTo(r, 20)

	prev := runtime.GOMAXPROCS(1)
	single := r.Frame()
	runtime.GOMAXPROCS(max(2, prev))
	multi := r.Frame()
	runtime.GOMAXPROCS(prev)

	if single != multi {
		t.Errorf("frames differ:\nGOMAXPROCS 1: %+v\nGOMAXPROCS %d: %+v", single, max(2, prev), multi)
	}
}
