package sim

import (
	"math"
	"slices"
)

// GroupCost is the summed loss and gradient of a group of identical
// examples.
type GroupCost struct {
	Loss     float64 // count * per-example loss, in nats
	Gradient float64 // count * |d loss / d logit|
}

// GroupTotals returns the cost of count examples that all have probability
// pt for their true class, under focal loss with class weight alphaT (the
// weight of the example's own class, or NoAlpha) and gamma. Gamma 0 with
// NoAlpha is plain cross-entropy and gamma 0 with a weight is α-balanced
// cross-entropy. pt must be in (0, 1).
//
// The per-example values come from EvalPoint at the logit log(pt/(1-pt)),
// so the gradient is the magnitude of the derivative the training uses:
// alpha_t (1-pt)^gamma (1 - pt - gamma pt log pt).
func GroupTotals(count, pt, alphaT, gamma float64) GroupCost {
	z := math.Log(pt) - math.Log1p(-pt)
	p := EvalPoint(z, 1, alphaT, gamma)
	return GroupCost{Loss: count * p.Focal, Gradient: count * math.Abs(p.DFocalDz)}
}

// Share returns a / (a + b), or 0 when both are 0.
func Share(a, b float64) float64 {
	if a+b == 0 {
		return 0
	}
	return a / (a + b)
}

// ExampleLosses returns the focal loss of each logit z[i] with label[i]
// under alpha (NoAlpha for none) and gamma, split into the positives' and
// the negatives' losses, each in index order.
func ExampleLosses(z []float64, label []uint8, alpha, gamma float64) (pos, neg []float64) {
	for i, v := range z {
		loss, _ := FocalLoss(v, int(label[i]), alpha, gamma)
		if label[i] != 0 {
			pos = append(pos, loss)
		} else {
			neg = append(neg, loss)
		}
	}
	return pos, neg
}

// CumulativeLoss is the curve of Lin et al. 2017, Figure 4: the losses of
// one class normalised to sum to 1 and sorted in increasing order, with the
// cumulative sum plotted against the fraction of examples. Fraction[k] =
// k/points and Share[k] is the normalised loss of the Fraction[k]·n easiest
// examples, interpolated linearly between whole examples, so both run from
// 0 to 1 in points+1 steps.
type CumulativeLoss struct {
	Fraction, Share []float64
}

// CumulativeLossCurve returns the CumulativeLoss of losses at points+1
// evenly spaced fractions. It returns ok = false when the losses sum to 0,
// or when there are none, because the normalisation is then undefined.
// losses is not modified.
func CumulativeLossCurve(losses []float64, points int) (c CumulativeLoss, ok bool) {
	cum, ok := cumulativeShares(losses)
	if !ok {
		return CumulativeLoss{}, false
	}
	points = max(points, 1)
	n := float64(len(losses))
	c.Fraction = make([]float64, points+1)
	c.Share = make([]float64, points+1)
	for k := range points + 1 {
		f := float64(k) / float64(points)
		c.Fraction[k] = f
		// cum[i] is the share of the i easiest examples, so the share at
		// fraction f lies between cum[floor(f n)] and the next entry.
		x := f * n
		i := min(int(x), len(losses))
		share := cum[i]
		if i < len(losses) {
			share += (x - float64(i)) * (cum[i+1] - cum[i])
		}
		c.Share[k] = share
	}
	return c, true
}

// HardestShare returns the share of the summed loss that the hardest
// (largest-loss) ceil(fraction·n) examples carry, and ok = false when the
// losses sum to 0 or there are none. losses is not modified.
func HardestShare(losses []float64, fraction float64) (share float64, ok bool) {
	cum, ok := cumulativeShares(losses)
	if !ok {
		return 0, false
	}
	n := len(losses)
	// The 1e-9 keeps a product such as 0.1*20000 that rounds up past a
	// whole number from taking one example more.
	k := min(n, int(math.Ceil(fraction*float64(n)-1e-9)))
	return 1 - cum[n-k], true
}

// cumulativeShares sorts a copy of losses in increasing order and returns
// cum with cum[i] the normalised sum of the i smallest losses, so cum[0] = 0
// and cum[n] = 1.
func cumulativeShares(losses []float64) ([]float64, bool) {
	sorted := slices.Clone(losses)
	slices.Sort(sorted)
	var total float64
	for _, l := range sorted {
		total += l
	}
	if !(total > 0) {
		return nil, false
	}
	cum := make([]float64, len(sorted)+1)
	var run float64
	for i, l := range sorted {
		run += l
		cum[i+1] = run / total
	}
	cum[len(sorted)] = 1
	return cum, true
}

// EffectiveWeights returns alpha_t (1-p_t)^gamma, the factor by which focal
// loss scales each example's cross-entropy, for every logit z[i] with label
// label[i], split into positives and negatives in index order. This is the
// per-example cost that focal loss assigns dynamically.
func EffectiveWeights(z []float64, label []uint8, alpha, gamma float64) (pos, neg []float64) {
	for i, v := range z {
		p := EvalPoint(v, int(label[i]), alpha, gamma)
		w := p.AlphaT * p.Modulating
		if label[i] != 0 {
			pos = append(pos, w)
		} else {
			neg = append(neg, w)
		}
	}
	return pos, neg
}

// FocalStar returns the loss FL* = -log(sigmoid(gamma x_t + beta)) / gamma
// of Lin et al. 2017, appendix A, and its derivative
// sigmoid(gamma x_t + beta) - 1 with respect to x_t, the logit signed by the
// label (x_t = z for y = 1, -z for y = 0). Gamma must be > 0.
func FocalStar(xt, gamma, beta float64) (loss, dxt float64) {
	u := gamma*xt + beta
	return softplus(-u) / gamma, -Sigmoid(-u)
}

// GradientRatioCrossing returns the p_t in (0, 1) at which the gradient
// ratio g(p_t, gamma) of GradientRatio equals 1. Below it, focal loss (without
// alpha) pushes the logit harder than cross-entropy. For gamma = 1 it is
// 1/e. It returns ok = false for gamma <= 0, where g = 1 everywhere. It
// bisects g - 1, which is positive near 0 and negative near 1.
func GradientRatioCrossing(gamma float64) (pt float64, ok bool) {
	if !(gamma > 0) {
		return 0, false
	}
	lo, hi := 1e-12, 1-1e-12
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if GradientRatio(mid, gamma) > 1 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2, true
}

// SuppressionPT returns the p_t at which (1-p_t)^gamma = 1/factor, that is
// where focal loss without alpha is factor times smaller than cross-entropy:
// 1 - factor^(-1/gamma). It returns ok = false for gamma <= 0 or factor <= 1,
// where no such p_t below 1 exists.
func SuppressionPT(gamma, factor float64) (pt float64, ok bool) {
	if !(gamma > 0) || !(factor > 1) {
		return 0, false
	}
	return -math.Expm1(-math.Log(factor) / gamma), true
}

// LogHistogram returns, for bins of equal width on the log10 scale from
// 10^lo to 10^hi, the share of values in each bin [10^(lo+i·w), 10^(lo+(i+1)·w))
// with w = (hi−lo)/bins. Values below 10^lo, 0 included, count in the first
// bin and values at or above 10^hi in the last. Empty input gives all zeros.
func LogHistogram(values []float64, lo, hi float64, bins int) []float64 {
	bins = max(bins, 1)
	shares := make([]float64, bins)
	if len(values) == 0 {
		return shares
	}
	width := (hi - lo) / float64(bins)
	for _, v := range values {
		k := 0
		if v > 0 {
			k = int(math.Floor((math.Log10(v) - lo) / width))
		}
		shares[min(max(k, 0), bins-1)]++
	}
	for i := range shares {
		shares[i] /= float64(len(values))
	}
	return shares
}
