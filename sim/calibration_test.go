package sim

import (
	"math"
	"testing"
)

// calibrationTol is the agreement the walkthrough promises between q* and
// a direct minimisation of the expected loss, and between the inverse
// transform and eta.
const calibrationTol = 1e-6

// expectedFocalByHand is the expected focal loss of score q written out from
// the definition, without any function of this package:
// -eta alpha (1-q)^gamma log q - (1-eta)(1-alpha) q^gamma log(1-q).
func expectedFocalByHand(q, eta, alpha, gamma float64) float64 {
	return -eta*alpha*math.Pow(1-q, gamma)*math.Log(q) - (1-eta)*(1-alpha)*math.Pow(q, gamma)*math.Log(1-q)
}

// goldenSectionMin minimises f on [lo, hi] by golden-section search until
// the bracket is narrower than 1e-13.
func goldenSectionMin(f func(float64) float64, lo, hi float64) float64 {
	ratio := (math.Sqrt(5) - 1) / 2
	a, b := lo, hi
	c := b - ratio*(b-a)
	d := a + ratio*(b-a)
	fc, fd := f(c), f(d)
	for b-a > 1e-13 {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - ratio*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + ratio*(b-a)
			fd = f(d)
		}
	}
	return (a + b) / 2
}

var (
	calibrationEtas   = []float64{0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99}
	calibrationAlphas = []float64{0.1, 0.25, 0.5, 0.75}
	calibrationGammas = []float64{0, 0.5, 1, 2, 3, 5}
)

func TestOptimalScoreMatchesMinimisation(t *testing.T) {
	for _, alpha := range calibrationAlphas {
		for _, gamma := range calibrationGammas {
			for _, eta := range calibrationEtas {
				got := OptimalScore(eta, alpha, gamma)
				// Minimising over the logit keeps the search accurate for q
				// near 0 and near 1; the loss is written in q.
				zMin := goldenSectionMin(func(z float64) float64 {
					return expectedFocalByHand(1/(1+math.Exp(-z)), eta, alpha, gamma)
				}, -30, 30)
				want := 1 / (1 + math.Exp(-zMin))
				if math.Abs(got-want) > calibrationTol {
					t.Errorf("OptimalScore(eta %g, alpha %g, gamma %g) = %.9f, golden-section minimum %.9f", eta, alpha, gamma, got, want)
				}
			}
		}
	}
}

func TestOptimalScoreGammaZeroClosedForm(t *testing.T) {
	// With gamma = 0 the loss is alpha-weighted cross-entropy, whose
	// minimiser is alpha eta / (alpha eta + (1-alpha)(1-eta)).
	for _, alpha := range calibrationAlphas {
		for _, eta := range calibrationEtas {
			want := alpha * eta / (alpha*eta + (1-alpha)*(1-eta))
			if got := OptimalScore(eta, alpha, 0); math.Abs(got-want) > 1e-12 {
				t.Errorf("OptimalScore(%g, %g, 0) = %.15g, want %.15g", eta, alpha, got, want)
			}
		}
	}
}

func TestOptimalScorePulledTowardHalf(t *testing.T) {
	// With alpha = 1/2 only gamma acts: q* lies strictly between eta and
	// 1/2 for gamma > 0, and the map is symmetric about 1/2.
	for _, gamma := range calibrationGammas[1:] {
		for _, eta := range calibrationEtas {
			q := OptimalScore(eta, 0.5, gamma)
			if eta != 0.5 && !(math.Abs(q-0.5) < math.Abs(eta-0.5)) {
				t.Errorf("gamma %g: q*(%g) = %g is not closer to 1/2 than eta", gamma, eta, q)
			}
			if mirror := OptimalScore(1-eta, 0.5, gamma); math.Abs(q+mirror-1) > 1e-12 {
				t.Errorf("gamma %g: q*(%g) + q*(%g) = %.15g, want 1", gamma, eta, 1-eta, q+mirror)
			}
		}
	}
}

func TestOptimalScoreEdges(t *testing.T) {
	tests := []struct {
		eta, alpha, want float64
	}{
		{0, 0.25, 0}, {1, 0.25, 1}, {0.3, 0, 0}, {0.3, 1, 1},
	}
	for _, tc := range tests {
		if got := OptimalScore(tc.eta, tc.alpha, 2); got != tc.want {
			t.Errorf("OptimalScore(%g, %g, 2) = %g, want %g", tc.eta, tc.alpha, got, tc.want)
		}
	}
}

func TestInverseFocalRecoversEta(t *testing.T) {
	for _, alpha := range calibrationAlphas {
		for _, gamma := range calibrationGammas {
			for _, eta := range calibrationEtas {
				q := OptimalScore(eta, alpha, gamma)
				got, ok := InverseFocal(q, alpha, gamma)
				if !ok {
					t.Fatalf("InverseFocal ok = false for alpha %g", alpha)
				}
				if math.Abs(got-eta) > calibrationTol {
					t.Errorf("InverseFocal(q*(%g), alpha %g, gamma %g) = %.9f, want %g", eta, alpha, gamma, got, eta)
				}
			}
		}
	}
}

func TestInverseFocalLogitIncreasing(t *testing.T) {
	for _, gamma := range calibrationGammas {
		prev := math.Inf(-1)
		for z := -40.0; z <= 40; z += 0.25 {
			got, _ := InverseFocalLogit(z, 0.25, gamma)
			if math.IsNaN(got) || math.IsInf(got, 0) || got <= prev {
				t.Fatalf("gamma %g: InverseFocalLogit(%g) = %g after %g; want finite and increasing", gamma, z, got, prev)
			}
			prev = got
		}
	}
}

func TestInverseFocalUndefinedAlpha(t *testing.T) {
	for _, alpha := range []float64{0, 1} {
		if _, ok := InverseFocal(0.3, alpha, 2); ok {
			t.Errorf("InverseFocal with alpha %g: ok = true, want false", alpha)
		}
	}
}

func TestLogGradientRatioMatchesGradientRatio(t *testing.T) {
	for _, gamma := range []float64{0.5, 1, 2, 5} {
		for _, pt := range []float64{1e-6, 0.01, 0.3, 0.5, 0.9, 0.999} {
			z := math.Log(pt) - math.Log1p(-pt)
			got := math.Exp(logGradientRatio(z, gamma))
			want := GradientRatio(pt, gamma)
			if math.Abs(got-want) > 1e-12*math.Max(1, want) {
				t.Errorf("exp(logGradientRatio) at p_t %g, gamma %g = %.15g, GradientRatio = %.15g", pt, gamma, got, want)
			}
		}
	}
}

func TestReliabilityReferenceC28(t *testing.T) {
	var in struct {
		P     []float64 `json:"p"`
		Y     []int     `json:"y"`
		NBins int       `json:"n_bins"`
	}
	var want struct {
		ECE float64 `json:"ece"`
	}
	tol := getCase(t, loadCases(t), "C28", &in, &want)
	_, ece, ok := Reliability(in.P, toLabels(in.Y), nil, in.NBins)
	if !ok {
		t.Fatal("Reliability ok = false, want true")
	}
	checkClose(t, "ECE", ece, want.ECE, tol)
}

func TestReliabilityWeightsAreCopies(t *testing.T) {
	// A weight of 3 must act like three copies of the example.
	p := []float64{0.05, 0.15, 0.95, 1}
	label := []uint8{0, 1, 1, 0}
	weighted, eceW, _ := Reliability(p, label, []float64{3, 1, 1, 2}, 10)
	copies, eceC, _ := Reliability(
		[]float64{0.05, 0.05, 0.05, 0.15, 0.95, 1, 1},
		[]uint8{0, 0, 0, 1, 1, 0, 0}, nil, 10)
	if math.Abs(eceW-eceC) > 1e-15 {
		t.Errorf("ECE with weights %.17g, with copies %.17g", eceW, eceC)
	}
	if len(weighted) != len(copies) {
		t.Fatalf("bins with weights %v, with copies %v", weighted, copies)
	}
	// The last bin holds 0.95 and 1: mean score 0.975 (one copy of 0.95
	// and two of 1 gives (0.95+2)/3), rate 1/3.
	last := weighted[len(weighted)-1]
	if last.Lo != 0.9 || last.Weight != 3 || math.Abs(last.MeanScore-(0.95+2)/3) > 1e-15 || math.Abs(last.Rate-1.0/3) > 1e-15 {
		t.Errorf("last bin = %+v, want [0.9, 1] with weight 3, mean %g, rate 1/3", last, (0.95+2)/3)
	}
}

func TestBrierScoreAndLogLoss(t *testing.T) {
	z := []float64{2, -1, 0}
	label := []uint8{1, 0, 1}
	weight := []float64{1, 2, 1}
	sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

	wantBrier := (math.Pow(sigmoid(2)-1, 2) + 2*math.Pow(sigmoid(-1), 2) + math.Pow(0.5-1, 2)) / 4
	p := []float64{sigmoid(2), sigmoid(-1), sigmoid(0)}
	if got, ok := BrierScore(p, label, weight); !ok || math.Abs(got-wantBrier) > 1e-15 {
		t.Errorf("BrierScore = %.17g, %v; want %.17g, true", got, ok, wantBrier)
	}

	wantLog := (-math.Log(sigmoid(2)) - 2*math.Log(1-sigmoid(-1)) - math.Log(0.5)) / 4
	if got, ok := LogLoss(z, label, weight); !ok || math.Abs(got-wantLog) > 1e-15 {
		t.Errorf("LogLoss = %.17g, %v; want %.17g, true", got, ok, wantLog)
	}

	if _, ok := BrierScore(nil, nil, nil); ok {
		t.Error("BrierScore of nothing: ok = true, want false")
	}
	if _, ok := LogLoss(nil, nil, nil); ok {
		t.Error("LogLoss of nothing: ok = true, want false")
	}
}
