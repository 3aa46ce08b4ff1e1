package sim

import (
	"cmp"
	"slices"
	"sort"
)

// ROCPoint is one vertex of a ROC curve: the false-positive rate and the
// true-positive rate (recall) of the rule "score >= threshold".
type ROCPoint struct {
	FPR, TPR float64
}

// PRPoint is one point of a precision-recall curve.
type PRPoint struct {
	Recall, Precision float64
}

// Confusion contains the weighted counts of the rule "score >= threshold".
type Confusion struct {
	TP, FP, FN, TN float64
}

// scoreBlocks contains the positives of a scored set grouped by distinct
// score, in decreasing order, and the negatives placed between them. It is
// the common basis of ROC and PRCurve and takes O(N log P) time for P
// positives among N examples.
type scoreBlocks struct {
	scores []float64 // distinct positive scores, decreasing
	posW   []float64 // weight of the positives at scores[j]
	tieW   []float64 // weight of the negatives whose score equals scores[j]
	aboveW []float64 // weight of the negatives strictly between scores[j-1] and scores[j] (above scores[0] for j = 0)
	belowW float64   // weight of the negatives below every positive score
	posSum float64
	negSum float64
}

// newScoreBlocks groups scores by label. NaN scores rank below every other
// score, as in Evaluate. Weights are read as by Evaluate.
func newScoreBlocks(scores []float64, label []uint8, weight []float64) scoreBlocks {
	if len(label) != len(scores) || (weight != nil && len(weight) != len(scores)) {
		panic("sim: curve: scores, labels and weights differ in length")
	}
	weightAt := func(i int) float64 {
		if weight == nil {
			return 1
		}
		return weight[i]
	}

	var positives []positiveEntry
	var b scoreBlocks
	for i, s := range scores {
		if label[i] != 0 {
			positives = append(positives, positiveEntry{rankScore(s), weightAt(i)})
			b.posSum += weightAt(i)
		}
	}
	slices.SortFunc(positives, func(x, y positiveEntry) int { return cmp.Compare(y.score, x.score) })
	for _, p := range positives {
		last := len(b.scores) - 1
		if last >= 0 && b.scores[last] == p.score {
			b.posW[last] += p.weight
			continue
		}
		b.scores = append(b.scores, p.score)
		b.posW = append(b.posW, p.weight)
	}
	b.tieW = make([]float64, len(b.scores))
	b.aboveW = make([]float64, len(b.scores))

	for i, s := range scores {
		if label[i] != 0 {
			continue
		}
		w := weightAt(i)
		s = rankScore(s)
		b.negSum += w
		// j is the first distinct positive score <= s.
		j := sort.Search(len(b.scores), func(k int) bool { return b.scores[k] <= s })
		switch {
		case j == len(b.scores):
			b.belowW += w
		case b.scores[j] == s:
			b.tieW[j] += w
		default:
			b.aboveW[j] += w
		}
	}
	return b
}

// ROC returns the vertices of the ROC curve of scores against label (non-zero
// is positive), from (0, 0) to (1, 1), as "score >= t" sweeps t downward.
// A block of tied scores is one threshold, so a tie between positives and
// negatives is one diagonal segment, never a staircase that depends on the
// input order. Runs of thresholds that only add negatives merge into one
// horizontal segment, so the curve has at most 2P + 2 vertices for P
// distinct positive scores. The trapezoidal area under the vertices equals
// ROCAUC. It returns ok = false, and no points, when either class has zero
// total weight. Scores, labels and weights are read as by Evaluate.
func ROC(scores []float64, label []uint8, weight []float64) (points []ROCPoint, ok bool) {
	b := newScoreBlocks(scores, label, weight)
	if !(b.posSum > 0 && b.negSum > 0) {
		return nil, false
	}
	points = []ROCPoint{{0, 0}}
	add := func(fp, tp float64) {
		p := ROCPoint{FPR: fp / b.negSum, TPR: tp / b.posSum}
		if last := points[len(points)-1]; last != p {
			points = append(points, p)
		}
	}
	var tp, fp float64
	for j := range b.scores {
		fp += b.aboveW[j]
		add(fp, tp)
		fp += b.tieW[j]
		tp += b.posW[j]
		add(fp, tp)
	}
	points[len(points)-1].TPR = 1 // removes rounding in the last sum
	if last := points[len(points)-1]; last.FPR != 1 {
		points = append(points, ROCPoint{FPR: 1, TPR: 1})
	}
	return points, true
}

// TPRAtFPR returns the recall that the ROC curve reaches at false-positive
// rate fpr, the highest point of the curve at or left of fpr. The segment
// that crosses fpr is interpolated linearly, as a tie block or a threshold
// picked at random between two scores would give. Points must come from ROC.
func TPRAtFPR(points []ROCPoint, fpr float64) float64 {
	best := 0.0
	for i := 1; i < len(points); i++ {
		a, b := points[i-1], points[i]
		if a.FPR > fpr {
			break
		}
		if b.FPR <= fpr {
			best = max(best, b.TPR)
			continue
		}
		best = max(best, a.TPR+(fpr-a.FPR)/(b.FPR-a.FPR)*(b.TPR-a.TPR))
		break
	}
	return best
}

// PartialAUC returns the area under the ROC curve between FPR 0 and maxFPR,
// by the trapezoidal rule on the vertices, which is exact for the piecewise
// linear curve. Its largest possible value is maxFPR. Points must come from
// ROC.
func PartialAUC(points []ROCPoint, maxFPR float64) float64 {
	var area float64
	for i := 1; i < len(points); i++ {
		a, b := points[i-1], points[i]
		if a.FPR >= maxFPR {
			break
		}
		if b.FPR > maxFPR {
			tpr := a.TPR + (maxFPR-a.FPR)/(b.FPR-a.FPR)*(b.TPR-a.TPR)
			area += (maxFPR - a.FPR) * (a.TPR + tpr) / 2
			break
		}
		area += (b.FPR - a.FPR) * (a.TPR + b.TPR) / 2
	}
	return area
}

// SmallestFPR returns the smallest non-zero false-positive rate among the
// points, or 0 when there is none.
func SmallestFPR(points []ROCPoint) float64 {
	for _, p := range points {
		if p.FPR > 0 {
			return p.FPR
		}
	}
	return 0
}

// PRCurve returns the precision-recall curve of scores against label and its
// average precision. There is one point per distinct positive score, in
// decreasing order of the score, because only these thresholds change
// recall. Negatives tied with a positive count as predicted positive at its
// threshold. AP is the step sum of those points, the value AveragePrecision
// returns. It returns ok = false, and no points, when the positives have
// zero total weight. Scores, labels and weights are read as by Evaluate.
func PRCurve(scores []float64, label []uint8, weight []float64) (points []PRPoint, ap float64, ok bool) {
	b := newScoreBlocks(scores, label, weight)
	if !(b.posSum > 0) {
		return nil, 0, false
	}
	var tp, fp float64
	for j := range b.scores {
		fp += b.aboveW[j] + b.tieW[j]
		tp += b.posW[j]
		if b.posW[j] == 0 {
			continue
		}
		p := PRPoint{Recall: tp / b.posSum, Precision: tp / (tp + fp)}
		ap += b.posW[j] / b.posSum * p.Precision
		points = append(points, p)
	}
	return points, ap, true
}

// ConfusionAt returns the weighted confusion counts of the rule
// "score >= threshold". A NaN score counts as below every threshold.
// Scores, labels and weights are read as by Evaluate.
func ConfusionAt(scores []float64, label []uint8, weight []float64, threshold float64) Confusion {
	if len(label) != len(scores) || (weight != nil && len(weight) != len(scores)) {
		panic("sim: ConfusionAt: scores, labels and weights differ in length")
	}
	var c Confusion
	for i, s := range scores {
		w := 1.0
		if weight != nil {
			w = weight[i]
		}
		predicted := s >= threshold // false for NaN
		switch {
		case label[i] != 0 && predicted:
			c.TP += w
		case label[i] != 0:
			c.FN += w
		case predicted:
			c.FP += w
		default:
			c.TN += w
		}
	}
	return c
}
