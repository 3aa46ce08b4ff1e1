package sim

import "testing"

// Benchmarks use fixed seeds and reset the timer after setup. Run them with
// go test ./sim/ -run xxx -bench . -count 6, and compare runs with benchstat.
// BENCHMARKS.md at the repository root records the results and budgets.

func BenchmarkBatchFocalLoss1M(b *testing.B) {
	z, y := randomBatch(1_000_000, 1)
	grad := make([]float64, len(z))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		BatchFocalLoss(z, y, 0.25, 2, grad)
	}
}

// BenchmarkBatchFocalLoss1MNonIntegerGamma takes the e^(gamma log q) path of
// the modulating factor.
func BenchmarkBatchFocalLoss1MNonIntegerGamma(b *testing.B) {
	z, y := randomBatch(1_000_000, 1)
	grad := make([]float64, len(z))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		BatchFocalLoss(z, y, 0.25, 1.5, grad)
	}
}

func BenchmarkFocalLoss(b *testing.B) {
	var sink float64
	b.ReportAllocs()
	for b.Loop() {
		loss, dz := FocalLoss(-1.3, 1, 0.25, 2)
		sink += loss + dz
	}
	_ = sink
}

func BenchmarkRunStep(b *testing.B) {
	r := NewRun(defaultConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Step()
	}
}

func BenchmarkFrame(b *testing.B) {
	r := NewRun(defaultConfig())
	stepTo(r, 300)
	r.Frame() // grows the evaluation buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Frame()
	}
}

func BenchmarkEvaluate100k(b *testing.B) {
	_, heldOut := Generate(defaultConfig().Data)
	var m Model
	m.W = [NumFeatures]float64{-4, 1, 1, -2, 0.5, -2, 0.3, 0.1, 0.1, 0.3}
	scores := make([]float64, heldOut.Len())
	for i := range scores {
		scores[i] = m.Logit(heldOut.X[i], heldOut.Y[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Evaluate(scores, heldOut.Label, heldOut.Weight, 0)
	}
}

// BenchmarkFrameHeldOut is the held-out part of Frame: scores, recall,
// precision, ROC AUC and AP of both models on the default held-out split of
// 100 positives and 100,000 negatives.
func BenchmarkFrameHeldOut(b *testing.B) {
	r := NewRun(defaultConfig())
	stepTo(r, 300)
	r.evaluateHeldOut() // grows the evaluation buffers
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.evaluateHeldOut()
	}
}

// BenchmarkFrameTrainingLoss is the other part of Frame: both models'
// objectives over the 20,000 training examples.
func BenchmarkFrameTrainingLoss(b *testing.B) {
	r := NewRun(defaultConfig())
	stepTo(r, 300)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.trainingLoss()
	}
}

// resumeConfig is a 5,000-step default run whose link moves gamma at step
// 2,000, the run that a stream resumes at step 2,000.
func resumeConfig() TrainConfig {
	cfg := defaultConfig()
	cfg.Changes = []Change{{Step: 2000, Param: 'g', Value: 1.5}}
	return cfg
}

// BenchmarkResumeAt2000 replays what a stream does today before its first
// frame when it resumes at step 2,000: a new Run on the cached data, 2,000
// steps and a Frame.
func BenchmarkResumeAt2000(b *testing.B) {
	cfg := resumeConfig()
	train, heldOut := Generate(cfg.Data)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := NewRunWithData(cfg, train, heldOut)
		stepTo(r, 2000)
		r.Frame()
	}
}

// BenchmarkResumeFromClone is the same resume from a Run checkpointed at
// step 2,000: a Clone and a Frame.
func BenchmarkResumeFromClone(b *testing.B) {
	cfg := resumeConfig()
	checkpoint := NewRun(cfg)
	stepTo(checkpoint, 2000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		checkpoint.Clone().Frame()
	}
}
