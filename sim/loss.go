// Package sim contains the numerics of Focal Lab. It computes the focal loss
// and its derivative and generates a synthetic "needle in a haystack" data
// set. On that data it trains a small logistic model with cross-entropy and
// with focal loss side by side, and it evaluates both on a held-out split by
// recall, precision, average precision and ROC AUC.
//
// The formulas follow T.-Y. Lin, P. Goyal, R. Girshick, K. He and P. Dollár,
// "Focal Loss for Dense Object Detection", ICCV 2017 (arXiv:1708.02002),
// cited below as Lin et al. 2017. The package uses the standard library only
// and does not depend on HTTP or HTML.
package sim

import (
	"math"
	"runtime"
	"sync"
)

// NoAlpha as Alpha disables class weighting (alpha_t = 1). Every negative
// alpha has the same effect.
const NoAlpha = -1.0

// Point contains every quantity of one example's loss.
type Point struct {
	Z          float64 // logit
	P          float64 // sigmoid(Z), the predicted probability of the positive class
	PT         float64 // probability of the true class: P for y = 1, 1-P for y = 0
	AlphaT     float64 // class weight: alpha for y = 1, 1-alpha for y = 0, 1 with NoAlpha
	Modulating float64 // (1-PT)^gamma with 0^0 = 1
	CE         float64 // unweighted cross-entropy -log PT in nats
	Focal      float64 // focal loss -AlphaT (1-PT)^gamma log PT in nats
	DFocalDz   float64 // derivative of Focal with respect to Z
}

// logTerms contains the stable intermediate values of one example: p_t,
// q = 1-p_t, log p_t and log q. It has four fields so that the compiler keeps
// it in registers, which it does not do for larger structs.
type logTerms struct {
	pt, q, logPT, logQ float64
}

// classSign returns s, the sign that turns a logit into x_t = s*z: 1 for
// positives and -1 for negatives.
func classSign(positive bool) float64 {
	if positive {
		return 1
	}
	return -1
}

// stableTerms computes p_t, 1-p_t, log p_t and log(1-p_t) from x_t = s*z
// without forming log(sigmoid(x_t)) and without clamping, using one exp and
// one log1p: log p_t = -softplus(-x_t), 1-p_t = sigmoid(-x_t) and
// log(1-p_t) = -softplus(x_t). All are finite for every finite x_t. For
// |x_t| beyond about 745, the smaller of p_t and 1-p_t underflows to 0, which
// is the correctly rounded value.
//
// For |x_t| <= 708, the exp and log1p are the table-driven expNeg and
// log1pUnit, and the results for x_t >= 0 and x_t < 0 are selected with bit
// masks instead of a branch, because the sign of x_t varies at random across
// a batch. Larger |x_t|, infinities and NaN take saturatedTerms.
func stableTerms(xt float64) logTerms {
	a := math.Abs(xt)
	if !(a <= expNegFastMax) {
		return saturatedTerms(xt)
	}
	e := expNegTable(a)
	return termsFromLog(xt, e, log1pUnit(e))
}

// termsFromLog finishes stableTerms for |x_t| <= 708 from e = e^-|x_t| and
// l = log(1 + e).
func termsFromLog(xt, e, l float64) logTerms {
	inv := 1 / (1 + e) // the larger of p_t and 1-p_t, so e*inv is the smaller

	// mask is all ones for x_t < 0 and zero otherwise. For x_t >= 0,
	// p_t = inv, q = e*inv, log p_t = -l and log q = -(x_t + l). For x_t < 0
	// the two probabilities swap, log p_t = x_t - l and log q = -l.
	var negative uint64
	if xt < 0 {
		negative = 1
	}
	mask := -negative
	small, large := math.Float64bits(e*inv), math.Float64bits(inv)
	swap := (small ^ large) & mask
	xtBits := math.Float64bits(xt)
	return logTerms{
		pt:    math.Float64frombits(large ^ swap),
		q:     math.Float64frombits(small ^ swap),
		logPT: -(l - math.Float64frombits(xtBits&mask)),
		logQ:  -(l + math.Float64frombits(xtBits&^mask)),
	}
}

// saturatedTerms is stableTerms for |x_t| > 708, infinite x_t and NaN, with
// math.Exp and math.Log1p.
func saturatedTerms(xt float64) logTerms {
	e := math.Exp(-math.Abs(xt)) // in [0, 1] for finite x_t, so it cannot overflow
	l := math.Log1p(e)
	inv := 1 / (1 + e)
	if xt >= 0 {
		return logTerms{pt: inv, q: e * inv, logPT: -l, logQ: -(xt + l)}
	}
	return logTerms{pt: e * inv, q: inv, logPT: xt - l, logQ: -l}
}

// classWeight returns alpha_t: alpha for positives, 1-alpha for negatives,
// and 1 when alpha is negative (NoAlpha).
func classWeight(alpha float64, positive bool) float64 {
	switch {
	case alpha < 0:
		return 1
	case positive:
		return alpha
	default:
		return 1 - alpha
	}
}

// powGamma returns q^gamma with 0^0 = 1. The common integer values skip
// math.Pow, which is several times slower than a multiplication.
func powGamma(q, gamma float64) float64 {
	// gamma 0 (the CE model) and 2 (the default) are inlined at every call.
	switch gamma {
	case 0:
		return 1
	case 2:
		return q * q
	}
	return powGammaOther(q, gamma)
}

// powGammaOther is powGamma for gamma other than 0 and 2.
func powGammaOther(q, gamma float64) float64 {
	switch gamma {
	case 1:
		return q
	case 3:
		return q * q * q
	}
	return math.Pow(q, gamma)
}

// focalTerms returns the focal loss and its derivative with respect to the
// logit from the stable terms, the class sign s and the modulating factor
// q^gamma.
//
// The derivative is the one of Lin et al. 2017, appendix B:
// dFL/dz = s alpha_t (1-p_t)^gamma (gamma p_t log p_t + p_t - 1).
// It is evaluated as s alpha_t q^gamma (gamma p_t log p_t - q) with q = 1-p_t
// taken from sigmoid(-x_t), so p_t - 1 never cancels and the factor
// q^(gamma-1), which is infinite at q = 0 for gamma < 1, is never formed.
func focalTerms(t logTerms, sign, alphaT, gamma, modulating float64) (loss, dz float64) {
	weighted := alphaT * modulating
	loss = -weighted * t.logPT
	dz = sign * weighted * (gamma*t.pt*t.logPT - t.q)
	return loss, dz
}

// EvalPoint returns every loss term for logit z and label y. A label of 0 is
// the negative class and any other label the positive class. Alpha is the
// weight of the positive class in [0, 1] or NoAlpha, and gamma >= 0 is the
// focusing parameter (Lin et al. 2017, eqs. 1-5).
//
// The terms use the stable form log p_t = -softplus(-x_t) and
// 1-p_t = sigmoid(-x_t) with x_t = z for y = 1 and -z for y = 0, so every
// result is finite for finite z, including |z| = 1000 and gamma = 0 at
// saturated logits. The modulating factor uses 0^0 = 1.
func EvalPoint(z float64, y int, alpha, gamma float64) Point {
	positive := y != 0
	sign := classSign(positive)
	t := stableTerms(sign * z)
	alphaT := classWeight(alpha, positive)
	modulating := powGamma(t.q, gamma)
	loss, dz := focalTerms(t, sign, alphaT, gamma, modulating)

	p := t.pt
	if !positive {
		p = t.q
	}
	return Point{
		Z:          z,
		P:          p,
		PT:         t.pt,
		AlphaT:     alphaT,
		Modulating: modulating,
		CE:         -t.logPT,
		Focal:      loss,
		DFocalDz:   dz,
	}
}

// FocalLoss returns the focal loss of logit z with label y and its derivative
// with respect to z. It computes the same values as EvalPoint's Focal and
// DFocalDz without allocating.
func FocalLoss(z float64, y int, alpha, gamma float64) (loss, dz float64) {
	positive := y != 0
	sign := classSign(positive)
	t := stableTerms(sign * z)
	return focalTerms(t, sign, classWeight(alpha, positive), gamma, powGamma(t.q, gamma))
}

// ModulatingFactor returns (1-pt)^gamma with 0^0 = 1, the factor by which
// focal loss scales cross-entropy (Lin et al. 2017, eq. 4). For pt close to 1
// the subtraction 1-pt loses relative precision, so callers that start from a
// logit should use EvalPoint instead.
func ModulatingFactor(pt, gamma float64) float64 {
	return powGamma(1-pt, gamma)
}

// CrossEntropyPT returns -log pt in nats for pt in (0, 1]. It returns +Inf at
// pt = 0.
func CrossEntropyPT(pt float64) float64 {
	return -math.Log(pt)
}

// FocalPT returns the focal loss -alpha (1-pt)^gamma log pt as a function of
// p_t (Lin et al. 2017, eq. 5). Here alpha is alpha_t itself, not the weight
// of the positive class, and a negative alpha (NoAlpha) means 1. The result is
// +Inf at pt = 0 and 0 at pt = 1.
func FocalPT(pt, alpha, gamma float64) float64 {
	if alpha < 0 {
		alpha = 1
	}
	if pt == 1 {
		return 0 // avoids -0 from -alpha*(1-pt)^0*log(1) when gamma = 0
	}
	return -alpha * powGamma(1-pt, gamma) * math.Log(pt)
}

// GradientRatio returns g = (1-pt)^gamma - gamma pt (1-pt)^(gamma-1) log pt,
// the factor by which the focal-loss gradient with respect to the logit
// differs from the cross-entropy gradient, so that dFL/dz = alpha_t g dCE/dz.
// Above g = 1 focal loss pushes harder than cross-entropy.
//
// It is evaluated as q^gamma (1 - gamma pt log(pt)/q) with q = 1-pt and
// log(pt)/q taken from log1p(-q)/q, which tends to -1 as q -> 0. So g stays
// finite for 0 < gamma < 1 as pt -> 1, where (1-pt)^(gamma-1) alone would be
// infinite. At pt = 0 the limit pt log pt = 0 gives g = 1.
func GradientRatio(pt, gamma float64) float64 {
	q := 1 - pt
	if pt == 0 {
		return 1
	}
	logOverQ := -1.0 // limit of log1p(-q)/q as q -> 0
	if q != 0 {
		logOverQ = math.Log1p(-q) / q
	}
	return powGamma(q, gamma) * (1 - gamma*pt*logOverQ)
}

// PriorBias returns the output-bias initialisation b = -log((1-pi)/pi) that
// makes sigmoid(b) = pi, so that the rare class starts at probability pi
// (Lin et al. 2017, section 3.3, with pi = 0.01 giving b ≈ -4.595).
// It returns -Inf at pi = 0 and +Inf at pi = 1.
func PriorBias(pi float64) float64 {
	return math.Log(pi) - math.Log1p(-pi)
}

// Normalizer returns max(1, numPos) as float64, the divisor of the summed
// focal loss in Lin et al. 2017 (the sum over all examples is divided by the
// number of positives). The floor of 1 keeps a batch without positives finite.
func Normalizer(numPos int) float64 {
	return float64(max(1, numPos))
}

// Reduce returns sum / Normalizer(numPos), the loss of a batch as Lin et al.
// 2017 reduce it. An empty batch gives 0.
func Reduce(sum float64, numPos int) float64 {
	return sum / Normalizer(numPos)
}

// batchChunk is the number of examples summed into one partial sum by
// BatchFocalLoss. The chunking is the same with and without goroutines, so
// the result does not depend on GOMAXPROCS.
const batchChunk = 16384

// parallelMin is the slice length from which BatchFocalLoss spreads the
// chunks over goroutines.
const parallelMin = 65536

// BatchFocalLoss returns the sum of the per-example focal losses of logits z
// with labels y (non-zero is positive) and the number of positives. It writes
// the derivative of each example's loss with respect to its logit into grad,
// unless grad is nil. The caller divides the sum and the gradient by
// Normalizer(numPos), see Reduce. Empty input gives 0, 0.
//
// The sum is accumulated per chunk of 16384 examples, and the chunk sums are
// added in order. From 65536 examples on, the chunks are spread over
// runtime.GOMAXPROCS(0) goroutines. Because the chunking is fixed, the result
// is bit-identical across calls and across GOMAXPROCS settings.
//
// BatchFocalLoss panics if len(y) != len(z), or if grad is not nil and
// len(grad) != len(z).
func BatchFocalLoss(z []float64, y []uint8, alpha, gamma float64, grad []float64) (sum float64, numPos int) {
	if len(y) != len(z) {
		panic("sim: BatchFocalLoss: len(y) != len(z)")
	}
	if grad != nil && len(grad) != len(z) {
		panic("sim: BatchFocalLoss: len(grad) != len(z)")
	}

	n := len(z)
	if n < parallelMin {
		for lo := 0; lo < n; lo += batchChunk {
			hi := min(lo+batchChunk, n)
			s, p := focalChunk(z[lo:hi], y[lo:hi], alpha, gamma, gradSlice(grad, lo, hi))
			sum += s
			numPos += p
		}
		return sum, numPos
	}

	numChunks := (n + batchChunk - 1) / batchChunk
	chunkSums := make([]float64, numChunks)
	chunkPos := make([]int, numChunks)
	workers := min(runtime.GOMAXPROCS(0), numChunks)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Worker w takes chunks w, w+workers, ... Each chunk sum lands
			// in its own slot, so the order of completion does not matter.
			for c := w; c < numChunks; c += workers {
				lo := c * batchChunk
				hi := min(lo+batchChunk, n)
				chunkSums[c], chunkPos[c] = focalChunk(z[lo:hi], y[lo:hi], alpha, gamma, gradSlice(grad, lo, hi))
			}
		})
	}
	wg.Wait()
	for c := range numChunks {
		sum += chunkSums[c]
		numPos += chunkPos[c]
	}
	return sum, numPos
}

// modulatingViaExp reports whether BatchFocalLoss computes the modulating
// factor q^gamma as e^(gamma log q) with expNeg rather than with powGamma.
// It does so for every finite gamma > 0 except 1, 2 and 3. The factor then
// differs from math.Pow by rounding only, within a relative
// (gamma |log q| + 2) * 2^-52, because the absolute error of gamma log q
// becomes a relative error of the exponential.
func modulatingViaExp(gamma float64) bool {
	return gamma > 0 && !math.IsInf(gamma, 1) && gamma != 1 && gamma != 2 && gamma != 3
}

// gradSlice returns grad[lo:hi], or nil when grad is nil.
func gradSlice(grad []float64, lo, hi int) []float64 {
	if grad == nil {
		return nil
	}
	return grad[lo:hi]
}

// termsBlock is the number of logits that focalChunk takes through each of
// its passes at a time.
const termsBlock = 128

// focalChunk sums the focal loss over one chunk in index order.
//
// The terms of one logit form a long chain of dependent operations (exp, then
// log1p, the division and the loss), and the processor overlaps the chains of
// only a few logits. So focalChunk works in blocks of termsBlock logits and
// three passes: e^-|z| for the whole block, then log(1 + e^-|z|), then the
// rest. The iterations of the first two passes are short and independent,
// so they overlap well. The arithmetic is that of stableTerms and
// focalTerms, so each loss and derivative equals FocalLoss's bit for bit
// unless modulatingViaExp(gamma) is true.
func focalChunk(z []float64, y []uint8, alpha, gamma float64, grad []float64) (sum float64, numPos int) {
	alphaPos := classWeight(alpha, true)
	alphaNeg := classWeight(alpha, false)
	viaExp := modulatingViaExp(gamma)
	var exps, logs [termsBlock]float64
	for lo := 0; lo < len(z); lo += termsBlock {
		block := z[lo:min(lo+termsBlock, len(z))]
		expNegAbsBlock(exps[:], block) // e^-|x_t|, since |x_t| = |z|
		log1pUnitBlock(logs[:], exps[:len(block)])

		for i, zi := range block {
			positive := y[lo+i] != 0
			alphaT, sign := alphaNeg, -1.0
			if positive {
				alphaT, sign = alphaPos, 1
				numPos++
			}
			var t logTerms
			if math.Abs(zi) <= expNegFastMax {
				t = termsFromLog(sign*zi, exps[i], logs[i])
			} else {
				t = saturatedTerms(sign * zi)
			}

			var modulating float64
			if viaExp {
				modulating = expNeg(-gamma * t.logQ)
			} else {
				modulating = powGamma(t.q, gamma)
			}
			loss, dz := focalTerms(t, sign, alphaT, gamma, modulating)
			sum += loss
			if grad != nil {
				grad[lo+i] = dz
			}
		}
	}
	return sum, numPos
}
