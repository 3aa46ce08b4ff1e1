package sim

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigPrec is the precision of the reference values: far more than the 53
// bits of a float64, so the reference rounds to the correctly rounded result.
const bigPrec = 200

// bigLn2 returns ln 2 = 2 atanh(1/3) to bigPrec bits.
func bigLn2() *big.Float {
	third := new(big.Float).SetPrec(bigPrec).Quo(big.NewFloat(1), big.NewFloat(3))
	return bigAtanhTimes2(third)
}

// bigAtanhTimes2 returns 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...) for
// |s| <= 1/3, summed until the terms fall below 2^-bigPrec.
func bigAtanhTimes2(s *big.Float) *big.Float {
	s2 := new(big.Float).SetPrec(bigPrec).Mul(s, s)
	power := new(big.Float).SetPrec(bigPrec).Set(s)
	sum := new(big.Float).SetPrec(bigPrec)
	term := new(big.Float).SetPrec(bigPrec)
	for k := 0; ; k++ {
		term.Quo(power, new(big.Float).SetInt64(int64(2*k+1)))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -bigPrec {
			break
		}
		power.Mul(power, s2)
	}
	return sum.Mul(sum, big.NewFloat(2))
}

// bigExp returns e^x for float64 x to bigPrec bits: x = k ln 2 + r with
// |r| <= ln(2)/2, and e^r by its Taylor series.
func bigExp(x float64, ln2 *big.Float) *big.Float {
	k := math.Round(x / math.Ln2)
	r := new(big.Float).SetPrec(bigPrec).SetFloat64(x)
	r.Sub(r, new(big.Float).SetPrec(bigPrec).Mul(ln2, big.NewFloat(k)))
	sum := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	term := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for n := 1; n < 100; n++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(int64(n)))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil)-sum.MantExp(nil) < -bigPrec {
			break
		}
	}
	return sum.SetMantExp(sum, int(k))
}

// bigLog1p returns log(1 + e) = 2 atanh(e / (2 + e)) for float64 e >= 0.
func bigLog1p(e float64) *big.Float {
	num := new(big.Float).SetPrec(bigPrec).SetFloat64(e)
	den := new(big.Float).SetPrec(bigPrec).SetFloat64(e)
	den.Add(den, big.NewFloat(2))
	return bigAtanhTimes2(num.Quo(num, den))
}

// ulpError returns |got - want| in units of the last place of want rounded
// to float64.
func ulpError(got float64, want *big.Float) float64 {
	w, _ := want.Float64()
	ulp := math.Nextafter(w, math.Inf(1)) - w
	diff := new(big.Float).SetPrec(bigPrec).SetFloat64(got)
	diff.Sub(diff, want)
	d, _ := diff.Float64()
	return math.Abs(d) / ulp
}

// randomExpArguments returns n arguments in [0, 708], spread over the
// scales that the kernels meet: tiny, around 1, up to 40 and up to 708.
func randomExpArguments(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	args := make([]float64, n)
	for i := range args {
		switch i % 4 {
		case 0:
			args[i] = 1e-3 * rng.Float64()
		case 1:
			args[i] = 4 * rng.Float64()
		case 2:
			args[i] = 40 * rng.Float64()
		default:
			args[i] = expNegFastMax * rng.Float64()
		}
	}
	return args
}

func TestExpNegAccuracy(t *testing.T) {
	ln2 := bigLn2()
	worst, worstAt := 0.0, 0.0
	args := append(randomExpArguments(20000, 1), 0, 1, math.Ln2, 0.5, 2, 37, 700, expNegFastMax)
	for _, a := range args {
		if err := ulpError(expNeg(a), bigExp(-a, ln2)); err > worst {
			worst, worstAt = err, a
		}
	}
	// The table entries are correctly rounded and the polynomial error is
	// below 4e-17, so the rounding of the last two operations dominates.
	if worst > 1 {
		t.Errorf("expNeg(%g) is %.2f ulp from e^-a, want at most 1", worstAt, worst)
	}
	t.Logf("largest error %.3f ulp, at a = %g", worst, worstAt)
}

func TestLn2PartSplit(t *testing.T) {
	head := math.Float64frombits(math.Float64bits(ln2Part) &^ (1<<22 - 1))
	if ln2PartHi != head {
		t.Errorf("ln2PartHi = %x, want float64(ln2Part) with 22 low bits cleared, %x", ln2PartHi, head)
	}
	if ln2PartLo == 0 || math.Abs(ln2PartLo) > 0x1p-38 {
		t.Errorf("ln2PartLo = %g, want a non-zero rest below 2^-38", float64(ln2PartLo))
	}
}

func TestExpNegOutsideTable(t *testing.T) {
	for _, a := range []float64{708.5, 745, 746, 1e300, math.Inf(1)} {
		if got, want := expNeg(a), math.Exp(-a); got != want {
			t.Errorf("expNeg(%g) = %g, want math.Exp(-a) = %g", a, got, want)
		}
	}
	if got := expNeg(math.NaN()); !math.IsNaN(got) {
		t.Errorf("expNeg(NaN) = %g, want NaN", got)
	}
	if got := expNeg(0); got != 1 {
		t.Errorf("expNeg(0) = %g, want 1", got)
	}
}

func TestLog1pUnitAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	args := []float64{0, 1, 0.5, 1.0 / 256, 1.0 / 512, 255.5 / 256, math.SmallestNonzeroFloat64, 1e-300, 3e-308}
	for i := range 20000 {
		switch i % 3 {
		case 0:
			args = append(args, rng.Float64())
		case 1:
			args = append(args, rng.Float64()/64)
		default:
			args = append(args, math.Exp(-40*rng.Float64())) // e^-|x_t| as the kernels produce it
		}
	}
	worst, worstAt := 0.0, 0.0
	for _, e := range args {
		if e == 0 {
			if got := log1pUnit(0); got != 0 {
				t.Errorf("log1pUnit(0) = %g, want 0", got)
			}
			continue
		}
		if err := ulpError(log1pUnit(e), bigLog1p(e)); err > worst {
			worst, worstAt = err, e
		}
	}
	// The table entries come from math.Log1p, within 1 ulp, and the final
	// addition rounds once more.
	if worst > 2 {
		t.Errorf("log1pUnit(%g) is %.2f ulp from log(1+e), want at most 2", worstAt, worst)
	}
	t.Logf("largest error %.3f ulp, at e = %g", worst, worstAt)
	if got, want := log1pUnit(1), math.Log1p(1); got != want {
		t.Errorf("log1pUnit(1) = %.17g, want math.Log1p(1) = %.17g", got, want)
	}
}

func TestBatchFocalLossExtremeLogits(t *testing.T) {
	// Logits on both sides of the table limit of 708, at the underflow of
	// e^-|z| near 745, infinite and NaN, for each label and the gammas that
	// take the integer paths.
	zs := []float64{0, -0.0, 1e-300, 707.9, 708, 708.1, 744, 746, 1000, math.MaxFloat64, math.Inf(1), math.NaN()}
	var z []float64
	var y []uint8
	for _, v := range zs {
		for _, label := range []uint8{0, 1} {
			z = append(z, v, -v)
			y = append(y, label, label)
		}
	}
	for _, gamma := range []float64{0, 1, 2, 3} {
		grad := make([]float64, len(z))
		BatchFocalLoss(z, y, 0.25, gamma, grad)
		for i := range z {
			_, dz := FocalLoss(z[i], int(y[i]), 0.25, gamma)
			if grad[i] != dz && !(math.IsNaN(grad[i]) && math.IsNaN(dz)) {
				t.Errorf("gamma %g, z %g, y %d: batch derivative %g, FocalLoss %g", gamma, z[i], y[i], grad[i], dz)
			}
		}
	}
}

func TestBatchFocalLossNonIntegerGamma(t *testing.T) {
	// For non-integer gamma the batch takes q^gamma = e^(gamma log q) while
	// FocalLoss uses math.Pow, so the two agree to rounding only. The bound
	// (gamma |log q| + 2) ulp of modulatingViaExp is at most about 5e-13 for
	// gamma 5 and |z| <= 40; 1e-12 leaves room for the loss arithmetic.
	const tol = 1e-12
	z, y := randomBatch(20000, 11)
	for i := range 2000 {
		z[i] *= 4 // logits up to |z| = 40
	}
	for _, gamma := range []float64{0.1, 0.5, 1.5, 2.5, 5} {
		grad := make([]float64, len(z))
		sum, _ := BatchFocalLoss(z, y, 0.25, gamma, grad)
		var want float64
		for i := range z {
			loss, dz := FocalLoss(z[i], int(y[i]), 0.25, gamma)
			want += loss
			if diff := math.Abs(grad[i] - dz); diff > tol*math.Abs(dz) {
				t.Fatalf("gamma %g, z %g, y %d: batch derivative %.17g, FocalLoss %.17g (rel diff %.2g)", gamma, z[i], y[i], grad[i], dz, diff/math.Abs(dz))
			}
		}
		if diff := math.Abs(sum - want); diff > tol*want {
			t.Errorf("gamma %g: batch sum %.17g, FocalLoss sum %.17g (rel diff %.2g)", gamma, sum, want, diff/want)
		}
	}
}
