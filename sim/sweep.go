package sim

// SweepGammas are the focusing parameters of a γ sweep.
var SweepGammas = []float64{0, 0.5, 1, 2, 3, 5}

// SweepAlphas are the class weights of an α × γ sweep. They are the values
// of Table 1a of Lin et al. 2017 that a link's α can take (0.999 cannot).
var SweepAlphas = []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.99}

// SweepFPR is the false-positive rate at which a sweep measures recall.
const SweepFPR = 0.001

// SweepCell is the held-out result of one focal-loss model of a sweep.
type SweepCell struct {
	Alpha, Gamma float64
	// Recall is the recall at false-positive rate SweepFPR, read from the
	// ROC curve (TPRAtFPR). It is 0 when the held-out split lacks a class.
	Recall float64
	// NegativeLoss is the weighted mean cross-entropy -log(1-p) of the
	// held-out negatives, the majority class, in nats: the lower, the more
	// confidently the model puts the haystack at p near 0.
	NegativeLoss float64
	AP           float64
	APOK         bool
}

// TrainSweepCell trains one model with alpha and gamma on train for steps
// steps with a Trainer (the learning rate, batch size, prior and seed of
// cfg) and evaluates its moving-average weights on heldOut. The same
// arguments always give the same cell.
func TrainSweepCell(cfg TrainConfig, train, heldOut *Dataset, alpha, gamma float64, steps int) SweepCell {
	t := NewTrainer(cfg, train, alpha, gamma)
	for t.StepCount() < steps {
		t.Step()
	}
	z := Logits(t.Averaged(), heldOut)
	cell := SweepCell{Alpha: alpha, Gamma: gamma}
	if roc, ok := ROC(z, heldOut.Label, heldOut.Weight); ok {
		cell.Recall = TPRAtFPR(roc, SweepFPR)
	}
	_, cell.AP, cell.APOK = PRCurve(z, heldOut.Label, heldOut.Weight)

	var sum, total float64
	for i, label := range heldOut.Label {
		if label != 0 {
			continue
		}
		loss, _ := FocalLoss(z[i], 0, NoAlpha, 0)
		w := heldOut.WeightAt(i)
		sum += w * loss
		total += w
	}
	if total > 0 {
		cell.NegativeLoss = sum / total
	}
	return cell
}

// EarlyPoint is the training objective of a model after Step steps.
type EarlyPoint struct {
	Step int
	// Loss is the focal loss summed over the training split and divided by
	// max(1, positives), the objective the model minimises.
	Loss float64
	// PositiveShare is the share of the summed loss that the positives carry.
	PositiveShare float64
}

// EarlyTraining trains one model with alpha and gamma from cfg's
// initialisation (cfg.Prior) and returns its objective on the whole training
// split at each checkpoint step, in increasing order. It evaluates the raw
// weights, not their moving average, because the first steps are the point.
func EarlyTraining(cfg TrainConfig, train *Dataset, alpha, gamma float64, checkpoints []int) []EarlyPoint {
	t := NewTrainer(cfg, train, alpha, gamma)
	out := make([]EarlyPoint, 0, len(checkpoints))
	for _, step := range checkpoints {
		for t.StepCount() < step {
			t.Step()
		}
		pos, neg := ClassLoss(t.Model(), train, alpha, gamma)
		out = append(out, EarlyPoint{Step: t.StepCount(), Loss: Reduce(pos+neg, train.NumPos), PositiveShare: Share(pos, neg)})
	}
	return out
}
