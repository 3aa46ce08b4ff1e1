package sim

import "math"

// Calibration of focal loss.
//
// Focal loss is not a proper scoring rule: when the true probability of the
// positive class is eta, the score q that minimises the expected loss is in
// general not eta. The first-order condition of the expected loss gives the
// inverse map in closed form (Charoenphakdee, Vongkulbhisal, Chairatanakul
// and Sugiyama, "On Focal Loss for Class-Posterior Probability Estimation: A
// Theoretical Perspective", CVPR 2021):
//
//	odds(eta) = (1-alpha)/alpha * (q/g(q)) / ((1-q)/g(1-q)),
//
// with g the gradient ratio of GradientRatio. For gamma > 0 the optimum lies
// between eta and 1/2, so focal loss makes scores less confident, not more.

// ExpectedFocal returns the expected focal loss of the score q when the
// label is positive with probability eta:
// eta * FL(q | y = 1) + (1-eta) * FL(q | y = 0), with alpha the weight of the
// positive class in [0, 1] and gamma >= 0.
func ExpectedFocal(q, eta, alpha, gamma float64) float64 {
	var pos, neg float64
	if eta > 0 {
		pos = eta * FocalPT(q, alpha, gamma)
	}
	if eta < 1 {
		neg = (1 - eta) * FocalPT(1-q, 1-alpha, gamma)
	}
	return pos + neg
}

// OptimalScore returns q*, the score that minimises ExpectedFocal for the
// true probability eta, alpha in [0, 1] and gamma >= 0. The derivative of the
// expected loss with respect to the logit, eta dFL(z, 1)/dz +
// (1-eta) dFL(z, 0)/dz from FocalLoss, is negative below the optimum and
// positive above it. OptimalScore bisects on its sign over z in [-60, 60]
// until the interval stops shrinking, so the logit of q* is exact to a few
// units in the last place.
//
// The limits are returned at the edges: eta 0 or alpha 0 gives 0, and eta 1
// or alpha 1 gives 1.
func OptimalScore(eta, alpha, gamma float64) float64 {
	switch {
	case eta <= 0 || alpha <= 0:
		return 0
	case eta >= 1 || alpha >= 1:
		return 1
	}
	slope := func(z float64) float64 {
		_, dPos := FocalLoss(z, 1, alpha, gamma)
		_, dNeg := FocalLoss(z, 0, alpha, gamma)
		return eta*dPos + (1-eta)*dNeg
	}
	lo, hi := -60.0, 60.0
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		s := slope(mid)
		if s == 0 {
			lo, hi = mid, mid
			break
		}
		if s < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return Sigmoid(lo + (hi-lo)/2)
}

// InverseFocalLogit maps the logit z of a focal-loss score q to the logit of
// the probability eta for which q is optimal, the closed-form inverse of
// OptimalScore:
//
//	logit(eta) = z + log g(1-q) - log g(q) + log((1-alpha)/alpha).
//
// It works in logits, so scores near 0 and 1 lose no precision. It returns
// ok = false when alpha is 0 or 1, where the inverse does not exist.
func InverseFocalLogit(z, alpha, gamma float64) (logit float64, ok bool) {
	if !(alpha > 0 && alpha < 1) {
		return 0, false
	}
	return z + logGradientRatio(-z, gamma) - logGradientRatio(z, gamma) + math.Log((1-alpha)/alpha), true
}

// InverseFocal returns the probability eta for which the score q in (0, 1)
// is the focal-loss optimum (see InverseFocalLogit). It returns ok = false
// when alpha is 0 or 1.
func InverseFocal(q, alpha, gamma float64) (eta float64, ok bool) {
	logit, ok := InverseFocalLogit(math.Log(q)-math.Log1p(-q), alpha, gamma)
	return Sigmoid(logit), ok
}

// logGradientRatio returns log g(p, gamma) for p = sigmoid(z), with
// g = (1-p)^gamma (1 + gamma p r) and r = -log(p)/(1-p). Both log(1-p) =
// -softplus(z) and r are formed without cancellation, and r tends to 1 as
// p -> 1.
func logGradientRatio(z, gamma float64) float64 {
	if gamma == 0 {
		return 0
	}
	var p, r float64
	if z >= 0 {
		e := math.Exp(-z)
		p = 1 / (1 + e)
		r = 1
		if e > 0 {
			r = math.Log1p(e) * (1 + e) / e
		}
	} else {
		e := math.Exp(z)
		p = e / (1 + e)
		r = (-z + math.Log1p(e)) * (1 + e)
	}
	return -gamma*softplus(z) + math.Log1p(gamma*p*r)
}

// softplus returns log(1 + e^z) without overflow.
func softplus(z float64) float64 {
	return max(z, 0) + math.Log1p(math.Exp(-math.Abs(z)))
}

// Sigmoid returns 1/(1 + e^-z) without overflow for any finite z.
func Sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// ReliabilityBin is one bin of a reliability diagram.
type ReliabilityBin struct {
	Lo, Hi    float64 // the bin is [Lo, Hi), and the last bin includes 1
	Weight    float64 // total weight of the examples in the bin
	MeanScore float64 // weighted mean predicted probability
	Rate      float64 // weighted share of positives, the observed frequency
}

// Reliability sorts the predicted probabilities p of the positive class
// into bins of equal width on [0, 1] and returns the non-empty bins and the
// expected calibration error ECE = sum over bins of
// (bin weight / total weight) |MeanScore - Rate|. Bins are [k/n, (k+1)/n),
// so a probability of exactly 0 falls into the first bin, and the last bin
// includes 1. Values outside [0, 1] go to the nearest end bin, and NaN is
// not allowed. It returns ok = false when the total weight is 0. Labels and
// weights are read as by Evaluate.
func Reliability(p []float64, label []uint8, weight []float64, bins int) (out []ReliabilityBin, ece float64, ok bool) {
	if len(label) != len(p) || (weight != nil && len(weight) != len(p)) {
		panic("sim: Reliability: probabilities, labels and weights differ in length")
	}
	bins = max(bins, 1)
	sumW := make([]float64, bins)
	sumP := make([]float64, bins)
	sumPos := make([]float64, bins)
	var total float64
	for i, v := range p {
		w := 1.0
		if weight != nil {
			w = weight[i]
		}
		k := min(max(int(math.Floor(v*float64(bins))), 0), bins-1)
		sumW[k] += w
		sumP[k] += w * v
		if label[i] != 0 {
			sumPos[k] += w
		}
		total += w
	}
	if !(total > 0) {
		return nil, 0, false
	}
	for k := range bins {
		if sumW[k] == 0 {
			continue
		}
		b := ReliabilityBin{
			Lo: float64(k) / float64(bins), Hi: float64(k+1) / float64(bins),
			Weight: sumW[k], MeanScore: sumP[k] / sumW[k], Rate: sumPos[k] / sumW[k],
		}
		ece += sumW[k] / total * math.Abs(b.MeanScore-b.Rate)
		out = append(out, b)
	}
	return out, ece, true
}

// BrierScore returns the weighted mean of (p - y)^2 for probabilities p of
// the positive class, and ok = false when the total weight is 0.
func BrierScore(p []float64, label []uint8, weight []float64) (brier float64, ok bool) {
	var sum, total float64
	for i, v := range p {
		w := 1.0
		if weight != nil {
			w = weight[i]
		}
		y := 0.0
		if label[i] != 0 {
			y = 1
		}
		sum += w * (v - y) * (v - y)
		total += w
	}
	if !(total > 0) {
		return 0, false
	}
	return sum / total, true
}

// LogLoss returns the weighted mean cross-entropy of the logits z, in nats,
// computed as softplus(-x_t) so that no probability is rounded to 0 or 1
// first. It returns ok = false when the total weight is 0.
func LogLoss(z []float64, label []uint8, weight []float64) (loss float64, ok bool) {
	var sum, total float64
	for i, v := range z {
		w := 1.0
		if weight != nil {
			w = weight[i]
		}
		ce, _ := FocalLoss(v, int(label[i]), NoAlpha, 0)
		sum += w * ce
		total += w
	}
	if !(total > 0) {
		return 0, false
	}
	return sum / total, true
}
