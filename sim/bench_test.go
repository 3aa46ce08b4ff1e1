package sim

import "testing"

// Benchmarks use fixed seeds and reset the timer after setup. Run them with
// go test ./sim/ -run xxx -bench .

func BenchmarkBatchFocalLoss1M(b *testing.B) {
	z, y := randomBatch(1_000_000, 1)
	grad := make([]float64, len(z))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		BatchFocalLoss(z, y, 0.25, 2, grad)
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
