package handlers

import (
	"encoding/json"
	"math"
	"math/big"
	"net/http"
	"testing"
)

// bigFocal computes the focal loss and its derivative with respect to z at 200-bit
// precision, directly from the definitions (Lin et al. 2017, eq. 5 and appendix B):
// FL = -α_t (1-p_t)^γ log p_t and dFL/dz = s α_t (1-p_t)^γ (γ p_t log p_t + p_t - 1).
// It shares no code with the server, so it checks the stable float64 form independently.
func bigFocal(z float64, y int, alpha, gamma float64) (loss, dz float64) {
	const prec = 200
	// With x_t = s z: p_t = 1/(1+e^{-x_t}) and 1-p_t = e^{-x_t}/(1+e^{-x_t}), both from
	// one exponential, so neither suffers cancellation.
	s := 1.0
	alphaT := alpha
	if y == 0 {
		s, alphaT = -1, 1-alpha
	}
	xt := s * z
	e := bigExp(new(big.Float).SetPrec(prec).SetFloat64(-xt), prec) // e^{-x_t}
	one := new(big.Float).SetPrec(prec).SetFloat64(1)
	pt := new(big.Float).Quo(one, new(big.Float).Add(one, e))
	q := new(big.Float).Quo(e, new(big.Float).Add(one, e)) // 1 - p_t without cancellation
	logPt := bigLog(pt, prec)
	logQ := bigLog(q, prec)
	mod := bigExp(new(big.Float).Mul(new(big.Float).SetFloat64(gamma), logQ), prec) // (1-p_t)^γ
	l := new(big.Float).Mul(mod, logPt)
	l.Mul(l, new(big.Float).SetFloat64(-alphaT))
	// γ p_t log p_t + p_t - 1 = γ p_t log p_t - q
	inner := new(big.Float).Mul(new(big.Float).SetFloat64(gamma), new(big.Float).Mul(pt, logPt))
	inner.Sub(inner, q)
	d := new(big.Float).Mul(mod, inner)
	d.Mul(d, new(big.Float).SetFloat64(s*alphaT))
	loss, _ = l.Float64()
	dz, _ = d.Float64()
	return loss, dz
}

// bigExp returns e^x by argument halving and a Taylor series.
func bigExp(x *big.Float, prec uint) *big.Float {
	halvings := 0
	r := new(big.Float).SetPrec(prec).Set(x)
	limit := new(big.Float).SetFloat64(0.5)
	for new(big.Float).Abs(r).Cmp(limit) > 0 {
		r.Quo(r, new(big.Float).SetFloat64(2))
		halvings++
	}
	sum := new(big.Float).SetPrec(prec).SetFloat64(1)
	term := new(big.Float).SetPrec(prec).SetFloat64(1)
	for k := 1; k < 80; k++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetFloat64(float64(k)))
		sum.Add(sum, term)
	}
	for ; halvings > 0; halvings-- {
		sum.Mul(sum, sum)
	}
	return sum
}

// bigLog returns ln x for x > 0 by Newton's method on e^y = x, started from float64.
func bigLog(x *big.Float, prec uint) *big.Float {
	mant := new(big.Float).SetPrec(prec)
	exp := x.MantExp(mant) // x = mant × 2^exp, mant in [0.5, 1)
	m, _ := mant.Float64()
	y := new(big.Float).SetPrec(prec).SetFloat64(math.Log(m))
	for i := 0; i < 8; i++ {
		ey := bigExp(y, prec)
		// y ← y + 2 (m - e^y) / (m + e^y)
		num := new(big.Float).Sub(mant, ey)
		den := new(big.Float).Add(mant, ey)
		y.Add(y, new(big.Float).Mul(new(big.Float).SetFloat64(2), new(big.Float).Quo(num, den)))
	}
	ln2 := new(big.Float).SetPrec(prec).SetFloat64(math.Ln2)
	// Refine ln 2 the same way so the exponent term keeps full precision.
	two := new(big.Float).SetPrec(prec).SetFloat64(2)
	for i := 0; i < 8; i++ {
		e := bigExp(ln2, prec)
		ln2.Add(ln2, new(big.Float).Mul(new(big.Float).SetFloat64(2), new(big.Float).Quo(new(big.Float).Sub(two, e), new(big.Float).Add(two, e))))
	}
	return y.Add(y, new(big.Float).Mul(ln2, new(big.Float).SetFloat64(float64(exp))))
}

func TestAPILossFractionalGamma(t *testing.T) {
	_, e := newTestServer(t)
	zs := []float64{-1000, -40, -5, -0.5, 0, 0.5, 5, 40, 1000}
	for _, gamma := range []float64{0.1, 0.5, 0.9} {
		for _, y := range []int{0, 1} {
			target := "/api/loss?alpha=0.25&gamma=" + formatList([]float64{gamma}) + "&z=" + formatList(zs) + "&y=" + formatList(repeatLabel(y, len(zs)))
			rec := serve(t, e, target)
			if rec.Code != http.StatusOK {
				t.Fatalf("γ %g y %d: status %d, body %s", gamma, y, rec.Code, rec.Body)
			}
			var resp lossResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("γ %g y %d: decode: %v", gamma, y, err)
			}
			for i, p := range resp.Points {
				wantLoss, wantDz := bigFocal(zs[i], y, 0.25, gamma)
				// The reference cases' rule: |got - want| <= max(1e-12 |want|, 1e-15).
				if !closeRef(p.Focal, wantLoss) {
					t.Errorf("γ %g y %d z %g: focal = %.17g, want %.17g", gamma, y, zs[i], p.Focal, wantLoss)
				}
				if !closeRef(p.DFocalDz, wantDz) {
					t.Errorf("γ %g y %d z %g: dfocal_dz = %.17g, want %.17g", gamma, y, zs[i], p.DFocalDz, wantDz)
				}
			}
		}
	}
}

func closeRef(got, want float64) bool {
	return math.Abs(got-want) <= math.Max(1e-12*math.Abs(want), 1e-15)
}

func repeatLabel(y, n int) []float64 {
	labels := make([]float64, n)
	for i := range labels {
		labels[i] = float64(y)
	}
	return labels
}
