package sim

import (
	"cmp"
	"math"
	"slices"
)

// Metrics of one model on the held-out split (and the training loss). Any of
// Precision, AP and AUC can be undefined. The *OK flags report that, and the
// value is then 0, never NaN.
type Metrics struct {
	Loss        float64 // loss of this model's own objective over the whole training set, sum / max(1, numPos)
	Recall      float64 // weighted share of positives with score >= threshold, 0 without positives
	Precision   float64 // weighted share of positives among examples with score >= threshold
	PrecisionOK bool    // false when nothing is predicted positive
	AP          float64 // average precision, the step sum over distinct thresholds
	APOK        bool    // false with no positives
	AUC         float64 // area under the ROC curve, ties counted 1/2
	AUCOK       bool    // false with one class only
}

// Evaluate returns recall and precision at threshold, average precision and
// ROC AUC of scores against label (non-zero is positive). Any monotone score
// works for AP and AUC. An example counts as predicted positive when its
// score is >= threshold, so threshold 0 on logits means probability 0.5.
// Weight gives each example's weight, 1 each when nil, and a weight of k
// counts like k copies of the example. Weights must be finite and >= 0. A NaN
// score ranks below every other score. Loss is left 0.
//
// Evaluate panics if len(label) != len(scores), or if weight is not nil and
// len(weight) != len(scores).
//
// It runs in O(N log P) time for P positives among N examples: only the
// positive scores are sorted, and each negative is binary-searched into them.
func Evaluate(scores []float64, label []uint8, weight []float64, threshold float64) Metrics {
	var e rankEvaluator
	e.evaluateScores(scores, label, weight, threshold)
	return e.metrics()
}

// ROCAUC returns the area under the ROC curve, the probability that a random
// positive scores above a random negative, with ties counted 1/2 (rank
// averaging). It returns ok = false when either class has zero total weight.
// Scores, labels and weights are read as by Evaluate.
func ROCAUC(scores []float64, label []uint8, weight []float64) (auc float64, ok bool) {
	m := Evaluate(scores, label, weight, 0)
	return m.AUC, m.AUCOK
}

// AveragePrecision returns AP = sum over thresholds t of
// (R(t) - R(t')) P(t), where t runs over the distinct scores in decreasing
// order, t' is the previous threshold, and R and P are recall and precision
// of "score >= t". A block of tied scores is one threshold, as in
// scikit-learn's average_precision_score, and the sum is a step sum, not a
// trapezoidal one. It returns ok = false when there are no positives, and 1
// when every example is positive. Scores, labels and weights are read as by
// Evaluate.
func AveragePrecision(scores []float64, label []uint8, weight []float64) (ap float64, ok bool) {
	m := Evaluate(scores, label, weight, 0)
	return m.AP, m.APOK
}

// positiveEntry is one positive example's score and weight.
type positiveEntry struct {
	score, weight float64
}

// rankEvaluator accumulates the counts behind Metrics. Its buffers are reused
// between evaluations, so a Run evaluates every frame without allocating once
// the buffers have grown.
//
// Use: reset, addPositive for every positive, finishPositives, addNegative
// for every negative, then metrics.
type rankEvaluator struct {
	threshold float64

	// entries collects the positives before finishPositives sorts them.
	entries []positiveEntry
	// distinct contains the distinct positive scores in increasing order,
	// and distinctWeight the total weight of the positives at each.
	distinct       []float64
	distinctWeight []float64
	// negBucket[c] is the weight of the negatives whose score is >= exactly
	// c distinct positive scores. negTie[c] is the part of negBucket[c]
	// whose score equals distinct[c-1].
	negBucket []float64
	negTie    []float64

	posTotal, negTotal float64
	truePos, falsePos  float64 // weights at or above threshold
}

func (e *rankEvaluator) reset(threshold float64) {
	e.threshold = threshold
	e.entries = e.entries[:0]
	e.posTotal, e.negTotal = 0, 0
	e.truePos, e.falsePos = 0, 0
}

// rankScore maps NaN to -Inf so that NaN ranks below every other score.
func rankScore(s float64) float64 {
	if s != s {
		return math.Inf(-1)
	}
	return s
}

func (e *rankEvaluator) addPositive(score, weight float64) {
	score = rankScore(score)
	e.entries = append(e.entries, positiveEntry{score, weight})
	e.posTotal += weight
	if score >= e.threshold {
		e.truePos += weight
	}
}

// finishPositives sorts the positives, merges equal scores and clears the
// negative buckets.
func (e *rankEvaluator) finishPositives() {
	slices.SortFunc(e.entries, func(a, b positiveEntry) int {
		return cmp.Compare(a.score, b.score)
	})
	e.distinct = e.distinct[:0]
	e.distinctWeight = e.distinctWeight[:0]
	for _, p := range e.entries {
		last := len(e.distinct) - 1
		if last >= 0 && e.distinct[last] == p.score {
			e.distinctWeight[last] += p.weight
			continue
		}
		e.distinct = append(e.distinct, p.score)
		e.distinctWeight = append(e.distinctWeight, p.weight)
	}

	buckets := len(e.distinct) + 1
	e.negBucket = slices.Grow(e.negBucket[:0], buckets)[:buckets]
	e.negTie = slices.Grow(e.negTie[:0], buckets)[:buckets]
	clear(e.negBucket)
	clear(e.negTie)
}

func (e *rankEvaluator) addNegative(score, weight float64) {
	score = rankScore(score)
	e.negTotal += weight
	if score >= e.threshold {
		e.falsePos += weight
	}

	c := countAtOrBelow(e.distinct, score)
	e.negBucket[c] += weight
	if c > 0 && e.distinct[c-1] == score {
		e.negTie[c] += weight
	}
}

// countAtOrBelow returns the number of values in the increasing slice sorted
// that are <= s. The first two tests settle the common cases in constant
// time: most negatives score below every positive, and few above all.
func countAtOrBelow(sorted []float64, s float64) int {
	n := len(sorted)
	if n == 0 || s < sorted[0] {
		return 0
	}
	if s >= sorted[n-1] {
		return n
	}
	// Invariant: sorted[lo] <= s < sorted[hi].
	lo, hi := 0, n-1
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if sorted[mid] <= s {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// evaluateScores runs the whole accumulation for a score slice.
func (e *rankEvaluator) evaluateScores(scores []float64, label []uint8, weight []float64, threshold float64) {
	if len(label) != len(scores) {
		panic("sim: Evaluate: len(label) != len(scores)")
	}
	if weight != nil && len(weight) != len(scores) {
		panic("sim: Evaluate: len(weight) != len(scores)")
	}
	weightAt := func(i int) float64 {
		if weight == nil {
			return 1
		}
		return weight[i]
	}

	e.reset(threshold)
	for i, s := range scores {
		if label[i] != 0 {
			e.addPositive(s, weightAt(i))
		}
	}
	e.finishPositives()
	for i, s := range scores {
		if label[i] == 0 {
			e.addNegative(s, weightAt(i))
		}
	}
}

// metrics turns the accumulated weights into Metrics.
func (e *rankEvaluator) metrics() Metrics {
	var m Metrics
	if e.posTotal > 0 {
		m.Recall = e.truePos / e.posTotal
	}
	if predicted := e.truePos + e.falsePos; predicted > 0 {
		m.Precision = e.truePos / predicted
		m.PrecisionOK = true
	}
	if e.posTotal > 0 {
		m.AP = e.averagePrecision()
		m.APOK = true
	}
	if e.posTotal > 0 && e.negTotal > 0 {
		m.AUC = e.rocAUC()
		m.AUCOK = true
	}
	return m
}

// averagePrecision walks the distinct positive scores from the highest down.
// Only these thresholds change recall, so only they contribute to the step
// sum. At threshold distinct[j], the true positives are the positives at or
// above it. The false positives are the negatives in buckets j+1 and up,
// which include the negatives tied with distinct[j].
func (e *rankEvaluator) averagePrecision() float64 {
	var ap, truePos, falsePos float64
	for j := len(e.distinct) - 1; j >= 0; j-- {
		truePos += e.distinctWeight[j]
		falsePos += e.negBucket[j+1]
		if e.distinctWeight[j] == 0 {
			continue
		}
		ap += e.distinctWeight[j] / e.posTotal * (truePos / (truePos + falsePos))
	}
	return ap
}

// rocAUC sums, over the negatives, the weight of positives scored above them
// plus half the weight of positives tied with them, and divides by
// posTotal*negTotal.
func (e *rankEvaluator) rocAUC() float64 {
	var pairs, above float64
	// Walk c from the top bucket down. At bucket c, above is the weight of
	// the positives strictly above its negatives, that is distinct[c:].
	for c := len(e.distinct); c >= 0; c-- {
		if c < len(e.distinct) {
			above += e.distinctWeight[c]
		}
		pairs += e.negBucket[c] * above
		if c > 0 {
			pairs += 0.5 * e.negTie[c] * e.distinctWeight[c-1]
		}
	}
	return pairs / (e.posTotal * e.negTotal)
}
