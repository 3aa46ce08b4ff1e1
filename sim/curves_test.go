package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomScored returns n examples with scores rounded to one decimal, so
// that ties between and within the classes are common, about one positive
// in five, and weights in [0.5, 3) when weighted is true.
func randomScored(n int, seed uint64, weighted bool) (scores []float64, label []uint8, weight []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for range n {
		y := uint8(0)
		if rng.Float64() < 0.2 {
			y = 1
		}
		s := math.Round((rng.NormFloat64()+float64(y))*10) / 10
		scores = append(scores, s)
		label = append(label, y)
		if weighted {
			weight = append(weight, 0.5+2.5*rng.Float64())
		}
	}
	return scores, label, weight
}

// bruteROC returns (FPR, TPR) at every distinct score threshold, highest
// first, by counting all examples at each threshold: the textbook O(N^2)
// definition, for comparison.
func bruteROC(scores []float64, label []uint8, weight []float64) []ROCPoint {
	w := func(i int) float64 {
		if weight == nil {
			return 1
		}
		return weight[i]
	}
	var posSum, negSum float64
	for i := range scores {
		if label[i] != 0 {
			posSum += w(i)
		} else {
			negSum += w(i)
		}
	}
	thresholds := slices.Clone(scores)
	slices.Sort(thresholds)
	thresholds = slices.Compact(thresholds)
	slices.Reverse(thresholds)
	points := []ROCPoint{{0, 0}}
	for _, t := range thresholds {
		var tp, fp float64
		for i, s := range scores {
			if s >= t {
				if label[i] != 0 {
					tp += w(i)
				} else {
					fp += w(i)
				}
			}
		}
		points = append(points, ROCPoint{fp / negSum, tp / posSum})
	}
	return points
}

func TestROCReferenceC24(t *testing.T) {
	var in struct {
		Y     []int     `json:"y"`
		Score []float64 `json:"score"`
	}
	var want struct {
		FPR      []float64 `json:"roc_points_fpr"`
		TPR      []float64 `json:"roc_points_tpr"`
		AUC      float64   `json:"auc"`
		TPRAtFP0 float64   `json:"tpr_at_fpr_0"`
	}
	tol := getCase(t, loadCases(t), "C24", &in, &want)

	points, ok := ROC(in.Score, toLabels(in.Y), nil)
	if !ok {
		t.Fatal("ROC ok = false, want true")
	}
	if len(points) != len(want.FPR) {
		t.Fatalf("ROC has %d vertices %v, want %d (one per distinct threshold)", len(points), points, len(want.FPR))
	}
	for i, p := range points {
		checkClose(t, "FPR", p.FPR, want.FPR[i], tol)
		checkClose(t, "TPR", p.TPR, want.TPR[i], tol)
	}
	checkClose(t, "partial AUC up to FPR 1", PartialAUC(points, 1), want.AUC, tol)
	checkClose(t, "TPR at FPR 0", TPRAtFPR(points, 0), want.TPRAtFP0, tol)
}

func TestROCMatchesBruteForce(t *testing.T) {
	for _, weighted := range []bool{false, true} {
		for seed := range uint64(5) {
			scores, label, weight := randomScored(300, seed, weighted)
			points, ok := ROC(scores, label, weight)
			if !ok {
				t.Fatalf("seed %d: ROC ok = false", seed)
			}
			brute := bruteROC(scores, label, weight)

			// Every vertex of ROC is a brute-force point, and every
			// brute-force point lies on the ROC polyline.
			for _, p := range points {
				found := false
				for _, b := range brute {
					if math.Abs(b.FPR-p.FPR) < 1e-12 && math.Abs(b.TPR-p.TPR) < 1e-12 {
						found = true
						break
					}
				}
				if !found && p != (ROCPoint{1, 1}) {
					t.Errorf("seed %d weighted %v: vertex %+v is no threshold's point", seed, weighted, p)
				}
			}
			// The sums run in another order here, so the FPR is read 1e-12
			// to the right of the point: at a vertical step, a rounding
			// difference would otherwise read the bottom of the step.
			for _, b := range brute {
				if got := TPRAtFPR(points, b.FPR+1e-12); got < b.TPR-1e-12 {
					t.Errorf("seed %d weighted %v: TPRAtFPR(%g) = %g, below the threshold point's TPR %g", seed, weighted, b.FPR, got, b.TPR)
				}
			}

			auc, _ := ROCAUC(scores, label, weight)
			if got := PartialAUC(points, 1); math.Abs(got-auc) > metricTol {
				t.Errorf("seed %d weighted %v: area under ROC = %.15g, ROCAUC = %.15g", seed, weighted, got, auc)
			}
		}
	}
}

func TestROCOneClassUndefined(t *testing.T) {
	if points, ok := ROC([]float64{1, 2}, []uint8{1, 1}, nil); ok || points != nil {
		t.Errorf("ROC with positives only = %v, %v; want nil, false", points, ok)
	}
	if points, ok := ROC([]float64{1, 2}, []uint8{0, 0}, nil); ok || points != nil {
		t.Errorf("ROC with negatives only = %v, %v; want nil, false", points, ok)
	}
}

func TestTPRAtFPRAndPartialAUC(t *testing.T) {
	// Positives at 4 and 2, negatives at 3, 2 and 1: vertices (0, 0),
	// (0, 1/2), (1/3, 1/2), (2/3, 1), (1, 1). The tie at 2 is a diagonal.
	points, _ := ROC([]float64{4, 3, 2, 2, 1}, []uint8{1, 0, 1, 0, 0}, nil)
	want := []ROCPoint{{0, 0}, {0, 0.5}, {1.0 / 3, 0.5}, {2.0 / 3, 1}, {1, 1}}
	if len(points) != len(want) {
		t.Fatalf("ROC = %v, want %v", points, want)
	}
	for i := range want {
		if math.Abs(points[i].FPR-want[i].FPR) > 1e-15 || points[i].TPR != want[i].TPR {
			t.Errorf("vertex %d = %+v, want %+v", i, points[i], want[i])
		}
	}

	tests := []struct {
		fpr, want float64
	}{
		{0, 0.5},   // the vertical step at FPR 0 counts
		{0.2, 0.5}, // on the horizontal run
		{0.5, 0.75},
		{1, 1},
	}
	for _, tc := range tests {
		if got := TPRAtFPR(points, tc.fpr); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("TPRAtFPR(%g) = %g, want %g", tc.fpr, got, tc.want)
		}
	}

	// Area up to FPR 1/2: the rectangle 1/3 * 1/2 plus the trapezoid from
	// (1/3, 1/2) to (1/2, 3/4).
	wantArea := 1.0/3*0.5 + (0.5-1.0/3)*(0.5+0.75)/2
	if got := PartialAUC(points, 0.5); math.Abs(got-wantArea) > 1e-15 {
		t.Errorf("PartialAUC(0.5) = %.17g, want %.17g", got, wantArea)
	}
	if got, want := SmallestFPR(points), 1.0/3; math.Abs(got-want) > 1e-15 {
		t.Errorf("SmallestFPR = %g, want %g", got, want)
	}
}

func TestPRCurveMatchesAveragePrecision(t *testing.T) {
	for _, weighted := range []bool{false, true} {
		for seed := range uint64(5) {
			scores, label, weight := randomScored(300, seed, weighted)
			points, ap, ok := PRCurve(scores, label, weight)
			if !ok {
				t.Fatalf("seed %d: PRCurve ok = false", seed)
			}
			want, _ := AveragePrecision(scores, label, weight)
			if math.Abs(ap-want) > metricTol {
				t.Errorf("seed %d weighted %v: PRCurve AP = %.15g, AveragePrecision = %.15g", seed, weighted, ap, want)
			}
			if last := points[len(points)-1]; math.Abs(last.Recall-1) > 1e-12 {
				t.Errorf("seed %d: last recall = %g, want 1", seed, last.Recall)
			}
			for i := 1; i < len(points); i++ {
				if points[i].Recall <= points[i-1].Recall {
					t.Errorf("seed %d: recall not increasing at point %d: %v then %v", seed, i, points[i-1], points[i])
				}
			}
		}
	}
}

func TestPRCurveNoPositives(t *testing.T) {
	if points, ap, ok := PRCurve([]float64{1}, []uint8{0}, nil); ok || points != nil || ap != 0 {
		t.Errorf("PRCurve without positives = %v, %g, %v; want nil, 0, false", points, ap, ok)
	}
}

func TestConfusionAtCountsWeights(t *testing.T) {
	scores := []float64{0.9, 0.5, 0.5, 0.2, math.NaN()}
	label := []uint8{1, 0, 1, 1, 0}
	weight := []float64{1, 10, 2, 3, 4}
	// A score equal to the threshold counts as predicted positive, and NaN
	// as predicted negative.
	got := ConfusionAt(scores, label, weight, 0.5)
	want := Confusion{TP: 3, FP: 10, FN: 3, TN: 4}
	if got != want {
		t.Errorf("ConfusionAt = %+v, want %+v", got, want)
	}
}
