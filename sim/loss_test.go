package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestFocalLossFiniteDifferences(t *testing.T) {
	// Central differences with step h have truncation error h²/6 |f'''|,
	// which is below (γ+1)² h²/6 |f'| ≈ 6e-10 |f'| for these losses, and
	// rounding error of about ε |f| / h ≤ 1e-11 |f/f'| |f'|. |f/f'| stays
	// below 25 on the grid, so the total is below 1e-9 relative; 1e-7
	// leaves a wide margin without hiding a wrong formula.
	const (
		h      = 1e-5
		relTol = 1e-7
	)
	for _, alpha := range []float64{0.25, 0.5, NoAlpha} {
		for _, gamma := range []float64{0, 0.5, 1, 2, 5} {
			for y := range 2 {
				t.Run(fmt.Sprintf("alpha=%g gamma=%g y=%d", alpha, gamma, y), func(t *testing.T) {
					for i := -80; i <= 80; i++ {
						z := float64(i) / 4 // [-20, 20] in steps of 0.25
						_, dz := FocalLoss(z, y, alpha, gamma)
						up, _ := FocalLoss(z+h, y, alpha, gamma)
						down, _ := FocalLoss(z-h, y, alpha, gamma)
						numeric := (up - down) / (2 * h)
						if diff := math.Abs(numeric - dz); diff > relTol*math.Abs(dz) {
							t.Errorf("z=%g: dz = %.12g, central difference %.12g (rel diff %.2g)", z, dz, numeric, diff/math.Abs(dz))
						}
					}
				})
			}
		}
	}
}

func TestFocalLossGradientSign(t *testing.T) {
	for _, z := range []float64{-50, -3, 0, 3, 50} {
		for _, gamma := range []float64{0, 0.5, 2} {
			if _, dz := FocalLoss(z, 1, 0.25, gamma); !(dz < 0) {
				t.Errorf("FocalLoss(z=%g, y=1, gamma=%g) dz = %g, want < 0", z, gamma, dz)
			}
			if _, dz := FocalLoss(z, 0, 0.25, gamma); !(dz > 0) {
				t.Errorf("FocalLoss(z=%g, y=0, gamma=%g) dz = %g, want > 0", z, gamma, dz)
			}
		}
	}
}

func TestGammaZeroIsBalancedCE(t *testing.T) {
	// The alpha-balanced cross-entropy gradient is alpha_t (p - y). The
	// tolerance covers a few roundings in p and in the focal form.
	const gradTol = 1e-15
	for _, alpha := range []float64{0.1, 0.25, 0.5, 0.75, NoAlpha} {
		for y := range 2 {
			for i := -40; i <= 40; i++ {
				z := float64(i) / 2
				p := EvalPoint(z, y, alpha, 0)
				if want := p.AlphaT * p.CE; p.Focal != want {
					t.Errorf("alpha=%g y=%d z=%g: Focal = %.17g, want alpha_t*CE = %.17g exactly", alpha, y, z, p.Focal, want)
				}
				if p.Modulating != 1 {
					t.Errorf("alpha=%g y=%d z=%g: Modulating = %g, want 1", alpha, y, z, p.Modulating)
				}
				wantDz := p.AlphaT * (p.P - float64(y))
				if diff := math.Abs(p.DFocalDz - wantDz); diff > gradTol {
					t.Errorf("alpha=%g y=%d z=%g: DFocalDz = %.17g, want alpha_t*(p-y) = %.17g", alpha, y, z, p.DFocalDz, wantDz)
				}
			}
		}
	}
}

func TestEvalPointFields(t *testing.T) {
	// z = 0, y = 1: p = p_t = 1/2, CE = ln 2, FL = alpha (1/2)^gamma ln 2.
	p := EvalPoint(0, 1, 0.25, 2)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Z", p.Z, 0},
		{"P", p.P, 0.5},
		{"PT", p.PT, 0.5},
		{"AlphaT", p.AlphaT, 0.25},
		{"Modulating", p.Modulating, 0.25},
		{"CE", p.CE, math.Ln2},
		{"Focal", p.Focal, math.Ln2 / 16},
	} {
		if c.got != c.want {
			t.Errorf("EvalPoint(0, 1, 0.25, 2).%s = %g, want %g", c.name, c.got, c.want)
		}
	}

	// For a negative, P stays sigmoid(z) while PT is 1-P.
	n := EvalPoint(2, 0, 0.25, 2)
	wantP := 1 / (1 + math.Exp(-2))
	if math.Abs(n.P-wantP) > 1e-16 {
		t.Errorf("EvalPoint(2, 0).P = %.17g, want sigmoid(2) = %.17g", n.P, wantP)
	}
	wantPT := 1 / (1 + math.Exp(2)) // sigmoid(-2), more accurate than 1-sigmoid(2)
	if math.Abs(n.PT-wantPT) > 1e-17 {
		t.Errorf("EvalPoint(2, 0).PT = %.17g, want sigmoid(-2) = %.17g", n.PT, wantPT)
	}
	if n.AlphaT != 0.75 {
		t.Errorf("EvalPoint(2, 0, 0.25).AlphaT = %g, want 0.75", n.AlphaT)
	}
}

func TestEvalPointFiniteEverywhere(t *testing.T) {
	zs := []float64{
		0, math.SmallestNonzeroFloat64, 1e-300, 0.5, 18, 36.7, 40, 100,
		709, 710, 745, 746, 1000, 1e10, 1e300, math.MaxFloat64,
	}
	for _, z := range zs {
		for _, sign := range []float64{1, -1} {
			for _, gamma := range []float64{0, 0.3, 0.7, 2, 5} {
				for _, alpha := range []float64{0.25, NoAlpha} {
					for y := range 2 {
						p := EvalPoint(sign*z, y, alpha, gamma)
						fields := []float64{p.P, p.PT, p.AlphaT, p.Modulating, p.CE, p.Focal, p.DFocalDz}
						for i, v := range fields {
							if math.IsNaN(v) || math.IsInf(v, 0) {
								t.Errorf("EvalPoint(%g, %d, %g, %g) field %d = %v, want finite", sign*z, y, alpha, gamma, i, v)
							}
						}
						if p.Focal < 0 || p.CE < 0 {
							t.Errorf("EvalPoint(%g, %d, %g, %g): Focal %g, CE %g, want >= 0", sign*z, y, alpha, gamma, p.Focal, p.CE)
						}
					}
				}
			}
		}
	}
}

func TestSmallGammaGradientAtSaturation(t *testing.T) {
	// For 0 < gamma < 1 and p_t -> 1, dFL/dz ~ -alpha_t (gamma+1) q^(gamma+1)
	// with q = 1-p_t, which goes to 0. A form that builds q^(gamma-1) on its
	// own overflows to +Inf at q = 0 and turns the product into NaN.
	for _, gamma := range []float64{0.1, 0.3, 0.7} {
		for _, z := range []float64{30, 100, 700, 1000} {
			p := EvalPoint(z, 1, 0.25, gamma)
			if math.IsNaN(p.DFocalDz) || p.DFocalDz > 0 {
				t.Errorf("gamma=%g z=%g: DFocalDz = %g, want finite and <= 0", gamma, z, p.DFocalDz)
			}
			q := math.Exp(-z) // 1-p_t to within a relative 1e-13 for z >= 30
			want := -0.25 * (gamma + 1) * math.Pow(q, gamma+1)
			if diff := math.Abs(p.DFocalDz - want); diff > 1e-9*math.Abs(want) {
				t.Errorf("gamma=%g z=%g: DFocalDz = %g, want about %g", gamma, z, p.DFocalDz, want)
			}
		}
	}
}

func TestGradientRatioCrossesOne(t *testing.T) {
	// The crossing points of g = 1, given to three decimals.
	tests := []struct {
		gamma, want float64
	}{
		{1, 0.368},
		{2, 0.298},
		{3, 0.253},
		{5, 0.197},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("gamma=%g", tt.gamma), func(t *testing.T) {
			// g > 1 at p_t = 0.05 and g < 1 at p_t = 0.9 for these gammas,
			// and g - 1 changes sign once in between, so bisection finds it.
			lo, hi := 0.05, 0.9
			if !(GradientRatio(lo, tt.gamma) > 1 && GradientRatio(hi, tt.gamma) < 1) {
				t.Fatalf("no bracket: g(%g) = %g, g(%g) = %g", lo, GradientRatio(lo, tt.gamma), hi, GradientRatio(hi, tt.gamma))
			}
			for range 60 {
				mid := (lo + hi) / 2
				if GradientRatio(mid, tt.gamma) > 1 {
					lo = mid
				} else {
					hi = mid
				}
			}
			root := (lo + hi) / 2
			if math.Abs(root-tt.want) > 0.0005 {
				t.Errorf("g(p_t) = 1 at p_t = %.5f, want %.3f (to three decimals)", root, tt.want)
			}
		})
	}

	// gamma = 1 has the closed-form root p_t = 1/e.
	if g := GradientRatio(1/math.E, 1); math.Abs(g-1) > 1e-15 {
		t.Errorf("GradientRatio(1/e, 1) = %.17g, want 1", g)
	}
}

func TestGradientRatioMatchesDerivative(t *testing.T) {
	// dFL/dz = alpha_t g dCE/dz, and dCE/dz = p - y.
	for _, gamma := range []float64{0, 0.5, 2, 5} {
		for _, z := range []float64{-6, -1, 0, 1, 6} {
			p := EvalPoint(z, 1, 0.25, gamma)
			want := p.DFocalDz / (p.AlphaT * (p.P - 1))
			if got := GradientRatio(p.PT, gamma); math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("GradientRatio(%g, %g) = %.15g, want %.15g", p.PT, gamma, got, want)
			}
		}
	}
}

func TestGradientRatioEdges(t *testing.T) {
	tests := []struct {
		pt, gamma, want float64
	}{
		{0, 2, 1},   // limit pt log pt = 0
		{1, 0, 1},   // 0^0 = 1 and log(pt)/q -> -1
		{1, 0.5, 0}, // finite although (1-pt)^(gamma-1) is infinite
		{1, 2, 0},
		{0.5, 0, 1}, // gamma = 0 is cross-entropy
	}
	for _, tt := range tests {
		if got := GradientRatio(tt.pt, tt.gamma); got != tt.want {
			t.Errorf("GradientRatio(%g, %g) = %g, want %g", tt.pt, tt.gamma, got, tt.want)
		}
	}
	for _, gamma := range []float64{0.1, 0.5, 0.9} {
		for _, pt := range []float64{1 - 1e-16, 0.999999999, 0.9999} {
			if g := GradientRatio(pt, gamma); math.IsNaN(g) || math.IsInf(g, 0) || g < 0 {
				t.Errorf("GradientRatio(%g, %g) = %g, want finite and >= 0", pt, gamma, g)
			}
		}
	}
}

func TestFunctionsOfPT(t *testing.T) {
	// Worked numbers of the modulating factor at gamma = 2 and the loss
	// ratios of Lin et al. 2017, figure 1: p_t = 0.9 gives 100x less loss
	// than CE, and p_t ≈ 0.968 about 1000x less.
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"ModulatingFactor(0.99, 2)", ModulatingFactor(0.99, 2), 0.0001, 1e-15},
		{"ModulatingFactor(0.5, 2)", ModulatingFactor(0.5, 2), 0.25, 0},
		{"ModulatingFactor(0.1, 2)", ModulatingFactor(0.1, 2), 0.81, 1e-15},
		{"ModulatingFactor(1, 0)", ModulatingFactor(1, 0), 1, 0},
		{"CrossEntropyPT(0.99)", CrossEntropyPT(0.99), 0.01005033585350145, 1e-16},
		{"CrossEntropyPT(1)", CrossEntropyPT(1), 0, 0},
		{"CE/FL at p_t 0.9", CrossEntropyPT(0.9) / FocalPT(0.9, NoAlpha, 2), 100, 1e-12},
		{"CE/FL at p_t 0.968", CrossEntropyPT(0.968) / FocalPT(0.968, NoAlpha, 2), 1 / (0.032 * 0.032), 1e-9},
		{"FocalPT(0.5, 0.25, 2)", FocalPT(0.5, 0.25, 2), math.Ln2 / 16, 0},
		{"FocalPT(1, 0.25, 0)", FocalPT(1, 0.25, 0), 0, 0},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > tt.tol {
			t.Errorf("%s = %.17g, want %.17g", tt.name, tt.got, tt.want)
		}
	}
	if got := CrossEntropyPT(0); !math.IsInf(got, 1) {
		t.Errorf("CrossEntropyPT(0) = %g, want +Inf", got)
	}
	if got := Normalizer(0); got != 1 {
		t.Errorf("Normalizer(0) = %g, want 1", got)
	}
	if got := Normalizer(7); got != 7 {
		t.Errorf("Normalizer(7) = %g, want 7", got)
	}
}

// randomBatch returns n logits in [-10, 10] with about 1% positives.
func randomBatch(n int, seed uint64) ([]float64, []uint8) {
	rng := rand.New(rand.NewPCG(seed, 1))
	z := make([]float64, n)
	y := make([]uint8, n)
	for i := range z {
		z[i] = 20*rng.Float64() - 10
		if rng.Float64() < 0.01 {
			y[i] = 1
		}
	}
	return z, y
}

func TestBatchFocalLossLargeSlice(t *testing.T) {
	const n = 300_000 // above the parallel threshold of 65536
	z, y := randomBatch(n, 7)

	var serial float64
	serialPos := 0
	for i := range z {
		loss, _ := FocalLoss(z[i], int(y[i]), 0.25, 2)
		serial += loss
		if y[i] != 0 {
			serialPos++
		}
	}

	grad := make([]float64, n)
	sum, numPos := BatchFocalLoss(z, y, 0.25, 2, grad)
	if numPos != serialPos {
		t.Errorf("numPos = %d, want %d", numPos, serialPos)
	}
	// The chunked sum adds the same terms in a different grouping, so it
	// differs from the plain running sum only by rounding.
	if diff := math.Abs(sum - serial); diff > 1e-12*math.Abs(serial) {
		t.Errorf("sum = %.17g, serial sum %.17g (rel diff %.2g), want within 1e-12", sum, serial, diff/serial)
	}
	for i := range grad {
		if _, dz := FocalLoss(z[i], int(y[i]), 0.25, 2); grad[i] != dz {
			t.Fatalf("grad[%d] = %g, want FocalLoss dz %g", i, grad[i], dz)
		}
	}

	again, _ := BatchFocalLoss(z, y, 0.25, 2, grad)
	if again != sum {
		t.Errorf("second call sum = %.17g, first %.17g; want bit-identical", again, sum)
	}

	prev := runtime.GOMAXPROCS(1)
	single, _ := BatchFocalLoss(z, y, 0.25, 2, nil)
	runtime.GOMAXPROCS(prev)
	if single != sum {
		t.Errorf("sum with GOMAXPROCS=1 = %.17g, with %d = %.17g; want bit-identical", single, prev, sum)
	}
}

func TestBatchFocalLossPanics(t *testing.T) {
	tests := []struct {
		name string
		z    []float64
		y    []uint8
		grad []float64
	}{
		{"short labels", make([]float64, 3), make([]uint8, 2), nil},
		{"short grad", make([]float64, 3), make([]uint8, 3), make([]float64, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("BatchFocalLoss did not panic")
				}
			}()
			BatchFocalLoss(tt.z, tt.y, 0.25, 2, tt.grad)
		})
	}
}

func TestFocalLossAllocations(t *testing.T) {
	var sink float64
	allocs := testing.AllocsPerRun(100, func() {
		loss, dz := FocalLoss(1.5, 1, 0.25, 2)
		sink += loss + dz
	})
	if allocs != 0 {
		t.Errorf("FocalLoss allocates %g times per call, want 0", allocs)
	}
	_ = sink
}
