package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// equalDatasets reports the first column in which a and b differ, or "".
func equalDatasets(a, b *Dataset) string {
	switch {
	case !slices.Equal(a.X, b.X):
		return "X"
	case !slices.Equal(a.Y, b.Y):
		return "Y"
	case !slices.Equal(a.Label, b.Label):
		return "Label"
	case !slices.Equal(a.Weight, b.Weight) || (a.Weight == nil) != (b.Weight == nil):
		return "Weight"
	case !slices.Equal(a.Hard, b.Hard):
		return "Hard"
	case a.NumPos != b.NumPos || a.NumNeg != b.NumNeg:
		return "NumPos/NumNeg"
	}
	return ""
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := DataConfig{Seed: 42, Size: 5000, Ratio: 100}
	train1, heldOut1 := Generate(cfg)
	train2, heldOut2 := Generate(cfg)
	if col := equalDatasets(train1, train2); col != "" {
		t.Errorf("training splits of two calls differ in %s", col)
	}
	if col := equalDatasets(heldOut1, heldOut2); col != "" {
		t.Errorf("held-out splits of two calls differ in %s", col)
	}

	cfg.Seed = 43
	train3, heldOut3 := Generate(cfg)
	if slices.Equal(train1.X, train3.X) {
		t.Error("seeds 42 and 43 give the same training X")
	}
	if slices.Equal(heldOut1.X, heldOut3.X) {
		t.Error("seeds 42 and 43 give the same held-out X")
	}
	if slices.Equal(train1.X[:100], heldOut1.X[:100]) {
		t.Error("training and held-out splits share their first coordinates; want separate streams")
	}
}

func TestGenerateCounts(t *testing.T) {
	tests := []struct {
		cfg                DataConfig
		trainPos, trainNeg int
		heldHard, heldEasy int
		easyWeight         float64 // 0 when Weight is nil
	}{
		// round(20000/1001) = 20; held-out 100*1000 negatives fit the cap.
		{DataConfig{1, 20000, 1000}, 20, 19980, 1000, 99000, 0},
		// round(1000/11) = 91; held-out 100*10 negatives are all hard.
		{DataConfig{1, 1000, 10}, 91, 909, 1000, 0, 0},
		// round(200000/100001) = 2, raised to MinPositives; 100*100000
		// negatives are subsampled to 99000 easy ones of weight
		// (10^7 - 1000)/99000 = 101.
		{DataConfig{1, 200000, 100000}, 10, 199990, 1000, 99000, 101},
		// 100*5000 negatives: 499000 easy ones drawn as 99000.
		{DataConfig{1, 50000, 5000}, 10, 49990, 1000, 99000, 499000.0 / 99000},
		// round(100000/101) = 990.
		{DataConfig{1, 100000, 100}, 990, 99010, 1000, 9000, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("size=%d ratio=%d", tt.cfg.Size, tt.cfg.Ratio), func(t *testing.T) {
			train, heldOut := Generate(tt.cfg)
			checkSplit(t, "train", train, tt.trainPos, tt.trainNeg)
			if train.Weight != nil {
				t.Error("training Weight is not nil")
			}
			if hard := countTrue(train.Hard); hard != min(tt.trainNeg, 10*tt.trainPos) {
				t.Errorf("training hard negatives = %d, want %d", hard, min(tt.trainNeg, 10*tt.trainPos))
			}

			checkSplit(t, "held-out", heldOut, HeldOutPositives, tt.heldHard+tt.heldEasy)
			if hard := countTrue(heldOut.Hard); hard != tt.heldHard {
				t.Errorf("held-out hard negatives = %d, want %d", hard, tt.heldHard)
			}
			if heldOut.NumNeg > MaxHeldOutNegatives {
				t.Errorf("held-out negatives = %d, want <= %d", heldOut.NumNeg, MaxHeldOutNegatives)
			}
			checkWeights(t, heldOut, tt.easyWeight, tt.cfg.Ratio)
		})
	}
}

// checkSplit checks the counts and column lengths of one split.
func checkSplit(t *testing.T, name string, d *Dataset, numPos, numNeg int) {
	t.Helper()
	if d.NumPos != numPos || d.NumNeg != numNeg {
		t.Errorf("%s NumPos, NumNeg = %d, %d, want %d, %d", name, d.NumPos, d.NumNeg, numPos, numNeg)
	}
	n := numPos + numNeg
	if len(d.X) != n || len(d.Y) != n || len(d.Label) != n || len(d.Hard) != n {
		t.Errorf("%s column lengths X %d, Y %d, Label %d, Hard %d, want %d", name, len(d.X), len(d.Y), len(d.Label), len(d.Hard), n)
	}
	positives := 0
	for i, l := range d.Label {
		if l == 1 {
			positives++
			if d.Hard[i] {
				t.Errorf("%s example %d is a positive marked hard", name, i)
			}
		}
	}
	if positives != numPos {
		t.Errorf("%s labels have %d positives, want %d", name, positives, numPos)
	}
}

// checkWeights checks that easy negatives carry easyWeight (or that Weight is
// nil when easyWeight is 0) and that the negative weights add up to the true
// number of negatives, HeldOutPositives*ratio.
func checkWeights(t *testing.T, d *Dataset, easyWeight float64, ratio int) {
	t.Helper()
	if easyWeight == 0 {
		if d.Weight != nil {
			t.Errorf("held-out Weight is set, want nil without subsampling")
		}
		return
	}
	if len(d.Weight) != d.Len() {
		t.Fatalf("held-out len(Weight) = %d, want %d", len(d.Weight), d.Len())
	}
	var negWeight float64
	for i, w := range d.Weight {
		want := 1.0
		if d.Label[i] == 0 && !d.Hard[i] {
			want = easyWeight
		}
		if math.Abs(w-want) > 1e-12*want {
			t.Fatalf("held-out Weight[%d] = %g, want %g", i, w, want)
		}
		if d.Label[i] == 0 {
			negWeight += w
		}
	}
	// 10^5 terms of size about 100 add rounding of about 1e-16 each.
	trueNeg := float64(HeldOutPositives * ratio)
	if math.Abs(negWeight-trueNeg) > 1e-9*trueNeg {
		t.Errorf("held-out negative weight = %.6f, want %g", negWeight, trueNeg)
	}
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func TestGenerateHeldOutPositives(t *testing.T) {
	_, heldOut := Generate(DataConfig{Seed: 1, Size: 20000, Ratio: 1000})
	if heldOut.NumPos < 100 {
		t.Errorf("held-out positives at Size 20000, Ratio 1000 = %d, want >= 100", heldOut.NumPos)
	}
}

func TestGenerateClampsInvalidConfig(t *testing.T) {
	tests := []struct {
		cfg, clamped DataConfig
	}{
		{DataConfig{Seed: 1}, DataConfig{Seed: 1, Size: MinSize, Ratio: MinRatio}},
		{DataConfig{Seed: 1, Size: -5, Ratio: -5}, DataConfig{Seed: 1, Size: MinSize, Ratio: MinRatio}},
		{DataConfig{Seed: 1, Size: 1 << 40, Ratio: 1 << 40}, DataConfig{Seed: 1, Size: MaxSize, Ratio: MaxRatio}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("size=%d ratio=%d", tt.cfg.Size, tt.cfg.Ratio), func(t *testing.T) {
			train, heldOut := Generate(tt.cfg)
			wantTrain, wantHeldOut := Generate(tt.clamped)
			if col := equalDatasets(train, wantTrain); col != "" {
				t.Errorf("training split differs from the clamped config's in %s", col)
			}
			if col := equalDatasets(heldOut, wantHeldOut); col != "" {
				t.Errorf("held-out split differs from the clamped config's in %s", col)
			}
		})
	}
}

func TestGenerateLayout(t *testing.T) {
	_, heldOut := Generate(DataConfig{Seed: 5, Size: 20000, Ratio: 1000})
	var posX, posY, ringR, easyXSum, easyYSum float64
	var numHard, numEasy int
	for i := range heldOut.Label {
		x, y := heldOut.X[i], heldOut.Y[i]
		switch {
		case heldOut.Label[i] == 1:
			posX += x
			posY += y
		case heldOut.Hard[i]:
			ringR += math.Hypot(x-positiveX, y-positiveY)
			numHard++
		default:
			easyXSum += x
			easyYSum += y
			numEasy++
		}
	}
	// Standard errors: 0.35/sqrt(100) = 0.035 for the positive mean,
	// 0.2/sqrt(1000) ≈ 0.006 for the ring radius and 0.9/sqrt(99000) ≈ 0.003
	// for the easy mean. The tolerances are about 3 standard errors.
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"positive mean x", posX / HeldOutPositives, 1.6, 0.1},
		{"positive mean y", posY / HeldOutPositives, 1.2, 0.1},
		{"hard ring radius", ringR / float64(numHard), 0.8, 0.02},
		{"easy mean x", easyXSum / float64(numEasy), -1.2, 0.01},
		{"easy mean y", easyYSum / float64(numEasy), -1.0, 0.01},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > tt.tol {
			t.Errorf("%s = %.4f, want %g ± %g", tt.name, tt.got, tt.want, tt.tol)
		}
	}
}

func TestGenerateShufflesTraining(t *testing.T) {
	train, _ := Generate(DataConfig{Seed: 1, Size: 20000, Ratio: 100})
	// Unshuffled, the 198 positives would fill the first 198 slots.
	firstPositives := 0
	for _, l := range train.Label[:train.NumPos] {
		firstPositives += int(l)
	}
	if firstPositives == train.NumPos {
		t.Errorf("all %d positives come first; want a shuffled order", train.NumPos)
	}
}
