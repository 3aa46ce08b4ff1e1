package sim

import (
	"math"
	"math/rand/v2"
)

// Trainer trains one model the way Run trains its FL model. It uses the same
// minibatch stream of the data seed, the same Adam settings, the same
// reduction (sum / max(1, positives in the batch)) and the same moving
// average of the weights. So a Trainer with a TrainConfig's Alpha and Gamma
// follows Run's FL model step for step, unless the config has Changes, which
// a Trainer ignores. A step costs half a Run step because it skips the CE
// model, and a Trainer exposes the raw weights as well as the average.
//
// A Trainer is deterministic and not safe for concurrent use.
type Trainer struct {
	train        *Dataset
	lr           float64
	alpha, gamma float64

	model, avg Model
	opt        adam
	steps      int
	batchRNG   *rand.Rand

	batchFeatures [][NumFeatures]float64
	batchLabel    []uint8
	batchLogit    []float64
	batchGrad     []float64
}

// NewTrainer returns a Trainer at step 0 on the training split train, which
// it reads but never modifies. It takes the learning rate, batch size, prior
// and data seed from cfg, normalised as NewRunWithData normalises them, and
// trains with the given alpha (NoAlpha for plain cross-entropy) and gamma.
func NewTrainer(cfg TrainConfig, train *Dataset, alpha, gamma float64) *Trainer {
	batch := cfg.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	batch = min(batch, MaxBatch)
	lr := cfg.LR
	if !(lr > 0) || math.IsInf(lr, 1) {
		lr = DefaultLR
	}
	return &Trainer{
		train:         train,
		lr:            lr,
		alpha:         sanitizeAlpha(alpha),
		gamma:         sanitizeGamma(gamma),
		model:         NewModel(cfg.Prior),
		avg:           NewModel(cfg.Prior),
		opt:           newAdam(),
		batchRNG:      rand.New(rand.NewPCG(cfg.Data.Seed, streamBatches)),
		batchFeatures: make([][NumFeatures]float64, batch),
		batchLabel:    make([]uint8, batch),
		batchLogit:    make([]float64, batch),
		batchGrad:     make([]float64, batch),
	}
}

// Step draws one minibatch and takes one Adam step on it. With an empty
// training split only the step count advances.
func (t *Trainer) Step() {
	t.steps++
	n := t.train.Len()
	if n == 0 {
		return
	}
	for b := range t.batchFeatures {
		i := t.batchRNG.IntN(n)
		Features(t.train.X[i], t.train.Y[i], &t.batchFeatures[b])
		t.batchLabel[b] = t.train.Label[i]
	}
	for b := range t.batchFeatures {
		t.batchLogit[b] = t.model.dot(&t.batchFeatures[b])
	}
	_, numPos := BatchFocalLoss(t.batchLogit, t.batchLabel, t.alpha, t.gamma, t.batchGrad)

	var grad [NumFeatures]float64
	for b, dz := range t.batchGrad {
		phi := &t.batchFeatures[b]
		for k := range grad {
			grad[k] += dz * phi[k]
		}
	}
	norm := Normalizer(numPos)
	for k := range grad {
		grad[k] /= norm
	}
	t.opt.update(&t.model.W, &grad, t.lr)
	for k := range t.avg.W {
		t.avg.W[k] = AverageDecay*t.avg.W[k] + (1-AverageDecay)*t.model.W[k]
	}
}

// StepCount returns the number of steps taken.
func (t *Trainer) StepCount() int { return t.steps }

// Model returns a copy of the current (raw) weights.
func (t *Trainer) Model() Model { return t.model }

// Averaged returns a copy of the moving average of the weights, the model
// that Run.Frame would evaluate.
func (t *Trainer) Averaged() Model { return t.avg }

// Logits returns the logit of every example of d under m, in index order.
func Logits(m Model, d *Dataset) []float64 {
	z := make([]float64, d.Len())
	var phi [NumFeatures]float64
	for i := range z {
		Features(d.X[i], d.Y[i], &phi)
		z[i] = m.dot(&phi)
	}
	return z
}

// ClassLoss returns the focal loss of m summed separately over the positives
// and the negatives of d, with the given alpha (NoAlpha for none) and gamma.
// Dividing pos + neg by Normalizer(d.NumPos) gives the training objective.
// Metric weights of d are ignored: every example counts once.
func ClassLoss(m Model, d *Dataset, alpha, gamma float64) (pos, neg float64) {
	var phi [NumFeatures]float64
	for i, label := range d.Label {
		Features(d.X[i], d.Y[i], &phi)
		loss, _ := FocalLoss(m.dot(&phi), int(label), alpha, gamma)
		if label != 0 {
			pos += loss
		} else {
			neg += loss
		}
	}
	return pos, neg
}
