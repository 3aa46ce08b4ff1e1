package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestGroupTotalsArticleArithmetic(t *testing.T) {
	// The haystack example: 999,999 easy negatives at p_t = 0.999 against
	// one hard positive at p_t = 0.1, under plain cross-entropy.
	easy := GroupTotals(999999, 0.999, NoAlpha, 0)
	hard := GroupTotals(1, 0.1, NoAlpha, 0)

	wantEasy := 999999 * -math.Log(0.999)
	wantHard := -math.Log(0.1)
	if math.Abs(easy.Loss-wantEasy) > 1e-9*wantEasy {
		t.Errorf("easy CE total = %.12g, want %.12g", easy.Loss, wantEasy)
	}
	if math.Abs(hard.Loss-wantHard) > 1e-12 {
		t.Errorf("hard CE total = %.15g, want %.15g", hard.Loss, wantHard)
	}
	// The article rounds these to about 1000 and 2.3.
	if math.Round(easy.Loss/100)*100 != 1000 {
		t.Errorf("easy CE total %.4g does not round to 1000", easy.Loss)
	}
	if math.Round(hard.Loss*10)/10 != 2.3 {
		t.Errorf("hard CE total %.4g does not round to 2.3", hard.Loss)
	}

	// The CE gradient with respect to the logit has magnitude 1 - p_t.
	if want := 999999 * (1 - 0.999); math.Abs(easy.Gradient-want) > 1e-9*want {
		t.Errorf("easy CE gradient = %.12g, want %.12g", easy.Gradient, want)
	}
	if math.Abs(hard.Gradient-0.9) > 1e-12 {
		t.Errorf("hard CE gradient = %.15g, want 0.9", hard.Gradient)
	}
}

func TestGroupTotalsFocal(t *testing.T) {
	tests := []struct {
		count, pt, alphaT, gamma float64
	}{
		{999999, 0.999, 0.75, 2},
		{1, 0.1, 0.25, 2},
		{10, 0.5, 0.5, 0.5},
		{3, 0.9, 0.25, 0},
	}
	for _, tc := range tests {
		got := GroupTotals(tc.count, tc.pt, tc.alphaT, tc.gamma)
		q := 1 - tc.pt
		wantLoss := tc.count * -tc.alphaT * math.Pow(q, tc.gamma) * math.Log(tc.pt)
		wantGrad := tc.count * tc.alphaT * math.Pow(q, tc.gamma) * (q - tc.gamma*tc.pt*math.Log(tc.pt))
		if math.Abs(got.Loss-wantLoss) > 1e-9*wantLoss {
			t.Errorf("%+v: loss %.12g, want %.12g", tc, got.Loss, wantLoss)
		}
		if math.Abs(got.Gradient-wantGrad) > 1e-9*wantGrad {
			t.Errorf("%+v: gradient %.12g, want %.12g", tc, got.Gradient, wantGrad)
		}
	}
}

func TestShare(t *testing.T) {
	if got := Share(3, 1); got != 0.75 {
		t.Errorf("Share(3, 1) = %g, want 0.75", got)
	}
	if got := Share(0, 0); got != 0 {
		t.Errorf("Share(0, 0) = %g, want 0", got)
	}
}

func TestCumulativeLossCurveHandComputed(t *testing.T) {
	// Losses 4, 1, 3, 2 sum to 10; sorted ascending the cumulative shares
	// are 0.1, 0.3, 0.6, 1.
	c, ok := CumulativeLossCurve([]float64{4, 1, 3, 2}, 8)
	if !ok {
		t.Fatal("ok = false, want true")
	}
	want := []float64{0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1}
	for k := range want {
		if math.Abs(c.Share[k]-want[k]) > 1e-15 || math.Abs(c.Fraction[k]-float64(k)/8) > 1e-15 {
			t.Errorf("point %d = (%g, %g), want (%g, %g)", k, c.Fraction[k], c.Share[k], float64(k)/8, want[k])
		}
	}
	if _, ok := CumulativeLossCurve([]float64{0, 0}, 4); ok {
		t.Error("all-zero losses: ok = true, want false")
	}
	if _, ok := CumulativeLossCurve(nil, 4); ok {
		t.Error("no losses: ok = true, want false")
	}
}

// figure4ByHand computes one curve of Lin et al. 2017, Figure 4, from its
// definition: the focal loss -(1-p_t)^gamma log p_t of each example, divided
// by the group's sum, sorted ascending and summed cumulatively. Entry i is
// the share of the i easiest examples.
func figure4ByHand(z []float64, positive bool, gamma float64) []float64 {
	var losses []float64
	for _, v := range z {
		p := 1 / (1 + math.Exp(-v))
		pt := p
		if !positive {
			pt = 1 - p
		}
		losses = append(losses, -math.Pow(1-pt, gamma)*math.Log(pt))
	}
	slices.Sort(losses)
	var total float64
	for _, l := range losses {
		total += l
	}
	cum := []float64{0}
	var run float64
	for _, l := range losses {
		run += l
		cum = append(cum, run/total)
	}
	return cum
}

func TestCumulativeLossMatchesFigure4Definition(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var z []float64
	var label []uint8
	for i := range 400 {
		y := uint8(0)
		if i%10 == 0 {
			y = 1
		}
		// Logits in about [-8, 4]: negatives mostly easy, positives mixed.
		z = append(z, rng.NormFloat64()*2+3*float64(y)-4)
		label = append(label, y)
	}
	for _, gamma := range []float64{0, 0.5, 1, 2} {
		// alpha_t is constant within a class, so it cancels in the
		// normalisation: 0.25 must give the same curves as no alpha.
		pos, neg := ExampleLosses(z, label, 0.25, gamma)
		for _, group := range []struct {
			name     string
			losses   []float64
			positive bool
		}{{"positives", pos, true}, {"negatives", neg, false}} {
			var logits []float64
			for i, v := range z {
				if (label[i] != 0) == group.positive {
					logits = append(logits, v)
				}
			}
			want := figure4ByHand(logits, group.positive, gamma)
			n := len(group.losses)
			got, ok := CumulativeLossCurve(group.losses, n)
			if !ok {
				t.Fatalf("gamma %g %s: ok = false", gamma, group.name)
			}
			for k := range want {
				if math.Abs(got.Share[k]-want[k]) > 1e-12 {
					t.Errorf("gamma %g %s: share at %d/%d = %.15g, want %.15g", gamma, group.name, k, n, got.Share[k], want[k])
					break
				}
			}
		}
	}
}

func TestHardestShare(t *testing.T) {
	losses := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 91} // sum 100
	tests := []struct {
		fraction, want float64
	}{
		{0.1, 0.91},  // the hardest example
		{0.2, 0.92},  // and one more
		{0.01, 0.91}, // ceil(0.1) = 1 example
		{1, 1},
	}
	for _, tc := range tests {
		got, ok := HardestShare(losses, tc.fraction)
		if !ok || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("HardestShare(%g) = %g, %v; want %g", tc.fraction, got, ok, tc.want)
		}
	}
	if losses[9] != 91 {
		t.Error("HardestShare modified its input")
	}
}

func TestEffectiveWeights(t *testing.T) {
	z := []float64{-3, 0.5, 2, -0.2}
	label := []uint8{0, 1, 1, 0}
	pos, neg := EffectiveWeights(z, label, 0.25, 2)
	sigmoid := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	wantPos := []float64{0.25 * math.Pow(1-sigmoid(0.5), 2), 0.25 * math.Pow(1-sigmoid(2), 2)}
	wantNeg := []float64{0.75 * math.Pow(sigmoid(-3), 2), 0.75 * math.Pow(sigmoid(-0.2), 2)}
	for i := range wantPos {
		if math.Abs(pos[i]-wantPos[i]) > 1e-15 {
			t.Errorf("positive weight %d = %.17g, want %.17g", i, pos[i], wantPos[i])
		}
	}
	for i := range wantNeg {
		if math.Abs(neg[i]-wantNeg[i]) > 1e-15 {
			t.Errorf("negative weight %d = %.17g, want %.17g", i, neg[i], wantNeg[i])
		}
	}
}

func TestFocalStarDerivativeMatchesDefinition(t *testing.T) {
	for _, params := range [][2]float64{{2, 1}, {4, 0}} {
		gamma, beta := params[0], params[1]
		for xt := -10.0; xt <= 10; xt += 0.5 {
			loss, dxt := FocalStar(xt, gamma, beta)
			u := gamma*xt + beta
			wantLoss := math.Log1p(math.Exp(-u)) / gamma // -log sigmoid(u) / gamma
			wantD := 1/(1+math.Exp(-u)) - 1
			if math.Abs(loss-wantLoss) > 1e-12*math.Max(1, wantLoss) {
				t.Errorf("FL*(%g; %g, %g) = %.15g, want %.15g", xt, gamma, beta, loss, wantLoss)
			}
			if math.Abs(dxt-wantD) > 1e-12 {
				t.Errorf("dFL*/dx_t(%g; %g, %g) = %.15g, want %.15g", xt, gamma, beta, dxt, wantD)
			}
			// The derivative is the slope of the loss (central difference).
			h := 1e-5
			lp, _ := FocalStar(xt+h, gamma, beta)
			lm, _ := FocalStar(xt-h, gamma, beta)
			if fd := (lp - lm) / (2 * h); math.Abs(fd-dxt) > 1e-7 {
				t.Errorf("dFL*/dx_t(%g; %g, %g) = %.10g, central difference %.10g", xt, gamma, beta, dxt, fd)
			}
		}
	}
}

// gradientRatioByHand is g(p, gamma) = (1-p)^gamma - gamma p (1-p)^(gamma-1) log p.
func gradientRatioByHand(p, gamma float64) float64 {
	return math.Pow(1-p, gamma) - gamma*p*math.Pow(1-p, gamma-1)*math.Log(p)
}

func TestGradientRatioCrossingSolvesGEqualsOne(t *testing.T) {
	pt, ok := GradientRatioCrossing(1)
	if !ok || math.Abs(pt-1/math.E) > 1e-12 {
		t.Errorf("crossing at gamma 1 = %.15g, %v; want 1/e = %.15g", pt, ok, 1/math.E)
	}
	for _, gamma := range []float64{0.5, 2, 3, 5} {
		pt, ok := GradientRatioCrossing(gamma)
		if !ok {
			t.Fatalf("gamma %g: ok = false", gamma)
		}
		if g := gradientRatioByHand(pt, gamma); math.Abs(g-1) > 1e-9 {
			t.Errorf("gamma %g: g(%.9f) = %.12g, want 1", gamma, pt, g)
		}
		// g > 1 just below the crossing and < 1 just above.
		if gradientRatioByHand(pt-1e-4, gamma) <= 1 || gradientRatioByHand(pt+1e-4, gamma) >= 1 {
			t.Errorf("gamma %g: g does not cross 1 downward at %.6f", gamma, pt)
		}
	}
	if _, ok := GradientRatioCrossing(0); ok {
		t.Error("gamma 0: ok = true, want false (g = 1 everywhere)")
	}
}

func TestSuppressionPT(t *testing.T) {
	pt, ok := SuppressionPT(2, 1000)
	if !ok {
		t.Fatal("ok = false")
	}
	if factor := 1 / math.Pow(1-pt, 2); math.Abs(factor-1000) > 1e-9 {
		t.Errorf("CE / FL at p_t %.6f = %.12g, want 1000", pt, factor)
	}
	if want := 1 - math.Sqrt(0.001); math.Abs(pt-want) > 1e-15 {
		t.Errorf("SuppressionPT(2, 1000) = %.17g, want %.17g", pt, want)
	}
	for _, bad := range [][2]float64{{0, 1000}, {2, 1}, {2, 0.5}} {
		if _, ok := SuppressionPT(bad[0], bad[1]); ok {
			t.Errorf("SuppressionPT(%g, %g): ok = true, want false", bad[0], bad[1])
		}
	}
}

func TestLogHistogram(t *testing.T) {
	// Bins of one decade from 1e-3 to 1: [1e-3, 1e-2), [1e-2, 1e-1), [1e-1, 1).
	values := []float64{0, 1e-5, 0.002, 0.05, 0.5, 0.9, 2}
	got := LogHistogram(values, -3, 0, 3)
	want := []float64{3.0 / 7, 1.0 / 7, 3.0 / 7}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("bin %d share = %g, want %g", i, got[i], want[i])
		}
	}
	if empty := LogHistogram(nil, -3, 0, 3); empty[0] != 0 || len(empty) != 3 {
		t.Errorf("LogHistogram(nil) = %v, want three zeros", empty)
	}
}
