package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// Change is a mid-run slider move: from step Step on, Param ('a' for alpha or
// 'g' for gamma) takes Value. Steps are numbered from 1, so the k-th call of
// Run.Step computes step k, and a Change with Step k is applied at the start
// of that call, before its gradient. A Change with Step <= 0 applies before
// the first step. Changes affect only the FL model; a Param other than 'a'
// or 'g' is ignored.
type Change struct {
	Step  int
	Param byte
	Value float64
}

// TrainConfig configures a Run. Zero values of Batch and LR select the
// defaults.
type TrainConfig struct {
	Data         DataConfig
	Alpha, Gamma float64  // the FL model's start values
	LR           float64  // Adam learning rate; <= 0 or NaN means DefaultLR
	Prior        bool     // prior initialisation of the output bias (pi = 0.01)
	Batch        int      // minibatch size; <= 0 means DefaultBatch, capped at MaxBatch
	Changes      []Change // slider moves, in any order; Run sorts a copy by Step
}

// Training defaults and limits.
const (
	DefaultBatch = 512
	MaxBatch     = 1 << 16
	DefaultLR    = 0.05
)

// Adam hyperparameters (Kingma and Ba 2015, the values they recommend).
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	adamEpsilon = 1e-8
)

// Frame is the state of both models after Step steps.
type Frame struct {
	Step         int
	Alpha, Gamma float64 // FL values in force at this step
	CE, FL       Metrics
}

// Run trains two models side by side from the same data, seed, minibatches
// and initialisation: CE (alpha disabled, gamma 0, plain cross-entropy) and
// FL (alpha and gamma, with Changes). Both use Adam on the minibatch loss
// sum / max(1, positives in the minibatch), the reduction of Lin et al. 2017.
// Minibatch indices are drawn with replacement from a PCG stream derived from
// the data seed, and both models see the same indices.
//
// A Run is deterministic: the same TrainConfig gives bit-identical Frames,
// because every sum runs serially in a fixed order. A Run is not safe for
// concurrent use.
type Run struct {
	cfg            TrainConfig
	train, heldOut *Dataset

	ce, fl       Model
	ceAdam       adam
	flAdam       adam
	alpha, gamma float64

	steps      int
	nextChange int
	batchRNG   *rand.Rand

	// Scratch buffers, allocated once so that Step and Frame do not allocate.
	batchFeatures [][NumFeatures]float64
	batchLabel    []uint8
	batchLogit    []float64
	batchGrad     []float64
	ceEval        rankEvaluator
	flEval        rankEvaluator
}

// adam is the optimiser state of one model.
type adam struct {
	m, v               [NumFeatures]float64 // first and second moment estimates
	beta1Pow, beta2Pow float64              // beta1^t and beta2^t after t updates
}

// NewRun generates the data of cfg.Data and returns a Run at step 0. Use
// NewRunWithData to share one generated data set between runs.
func NewRun(cfg TrainConfig) *Run {
	train, heldOut := Generate(cfg.Data)
	return NewRunWithData(cfg, train, heldOut)
}

// NewRunWithData returns a Run at step 0 on the given splits, which it reads
// but never modifies, so several runs may share them. If either split is
// nil, both are generated from cfg.Data. The minibatch stream is still
// seeded from cfg.Data.Seed.
//
// Gamma values below 0 or NaN are taken as 0, alpha values above 1 as 1, and
// a NaN alpha as NoAlpha, in the start values and in Changes, so that no loss
// term becomes NaN.
func NewRunWithData(cfg TrainConfig, train, heldOut *Dataset) *Run {
	if train == nil || heldOut == nil {
		train, heldOut = Generate(cfg.Data)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	cfg.Batch = min(cfg.Batch, MaxBatch)
	if !(cfg.LR > 0) {
		cfg.LR = DefaultLR
	}
	cfg.Changes = slices.Clone(cfg.Changes)
	slices.SortStableFunc(cfg.Changes, func(a, b Change) int { return cmp.Compare(a.Step, b.Step) })

	r := &Run{
		cfg:           cfg,
		train:         train,
		heldOut:       heldOut,
		ce:            NewModel(cfg.Prior),
		fl:            NewModel(cfg.Prior),
		ceAdam:        newAdam(),
		flAdam:        newAdam(),
		alpha:         sanitizeAlpha(cfg.Alpha),
		gamma:         sanitizeGamma(cfg.Gamma),
		batchRNG:      rand.New(rand.NewPCG(cfg.Data.Seed, streamBatches)),
		batchFeatures: make([][NumFeatures]float64, cfg.Batch),
		batchLabel:    make([]uint8, cfg.Batch),
		batchLogit:    make([]float64, cfg.Batch),
		batchGrad:     make([]float64, cfg.Batch),
	}
	r.applyChanges(0)
	return r
}

func newAdam() adam {
	return adam{beta1Pow: 1, beta2Pow: 1}
}

func sanitizeAlpha(alpha float64) float64 {
	if math.IsNaN(alpha) {
		return NoAlpha
	}
	return min(alpha, 1)
}

func sanitizeGamma(gamma float64) float64 {
	if !(gamma > 0) {
		return 0
	}
	return gamma
}

// applyChanges applies every pending change with Step <= step, in order.
func (r *Run) applyChanges(step int) {
	for r.nextChange < len(r.cfg.Changes) && r.cfg.Changes[r.nextChange].Step <= step {
		c := r.cfg.Changes[r.nextChange]
		switch c.Param {
		case 'a':
			r.alpha = sanitizeAlpha(c.Value)
		case 'g':
			r.gamma = sanitizeGamma(c.Value)
		}
		r.nextChange++
	}
}

// Step takes one optimisation step of both models. It first applies the
// changes due at this step, then draws one minibatch and updates both models
// on it. With an empty training split only the step count advances.
func (r *Run) Step() {
	r.steps++
	r.applyChanges(r.steps)

	n := r.train.Len()
	if n == 0 {
		return
	}
	for b := range r.batchFeatures {
		i := r.batchRNG.IntN(n)
		Features(r.train.X[i], r.train.Y[i], &r.batchFeatures[b])
		r.batchLabel[b] = r.train.Label[i]
	}
	r.stepModel(&r.ce, &r.ceAdam, NoAlpha, 0)
	r.stepModel(&r.fl, &r.flAdam, r.alpha, r.gamma)
}

// stepModel computes the gradient of the minibatch loss of one model with
// respect to its weights and applies one Adam update.
func (r *Run) stepModel(m *Model, opt *adam, alpha, gamma float64) {
	for b := range r.batchFeatures {
		r.batchLogit[b] = m.dot(&r.batchFeatures[b])
	}
	_, numPos := BatchFocalLoss(r.batchLogit, r.batchLabel, alpha, gamma, r.batchGrad)

	// dLoss/dw = sum_b dLoss_b/dz_b * phi_b / max(1, numPos).
	var grad [NumFeatures]float64
	for b, dz := range r.batchGrad {
		phi := &r.batchFeatures[b]
		for k := range grad {
			grad[k] += dz * phi[k]
		}
	}
	norm := Normalizer(numPos)
	for k := range grad {
		grad[k] /= norm
	}
	opt.update(&m.W, &grad, r.cfg.LR)
}

// update applies one Adam step (Kingma and Ba 2015, algorithm 1) with
// bias-corrected moment estimates.
func (o *adam) update(w, grad *[NumFeatures]float64, lr float64) {
	o.beta1Pow *= adamBeta1
	o.beta2Pow *= adamBeta2
	for k, g := range grad {
		o.m[k] = adamBeta1*o.m[k] + (1-adamBeta1)*g
		o.v[k] = adamBeta2*o.v[k] + (1-adamBeta2)*g*g
		mHat := o.m[k] / (1 - o.beta1Pow)
		vHat := o.v[k] / (1 - o.beta2Pow)
		w[k] -= lr * mHat / (math.Sqrt(vHat) + adamEpsilon)
	}
}

// StepCount returns the number of steps taken.
func (r *Run) StepCount() int { return r.steps }

// Alpha returns the FL model's alpha in force (after the changes applied so
// far).
func (r *Run) Alpha() float64 { return r.alpha }

// Gamma returns the FL model's gamma in force.
func (r *Run) Gamma() float64 { return r.gamma }

// Models returns copies of both models.
func (r *Run) Models() (ce, fl Model) { return r.ce, r.fl }

// Data returns the training and held-out splits. Callers must not modify
// them.
func (r *Run) Data() (train, heldOut *Dataset) { return r.train, r.heldOut }

// Frame evaluates both models now: recall and precision at probability 0.5,
// AP and ROC AUC on the held-out split, and each model's own training
// objective over the whole training split. It computes features on the fly,
// once per example for both models, and does not allocate once its buffers
// have grown.
func (r *Run) Frame() Frame {
	f := Frame{Step: r.steps, Alpha: r.alpha, Gamma: r.gamma}
	f.CE, f.FL = r.evaluateHeldOut()
	f.CE.Loss, f.FL.Loss = r.trainingLoss()
	return f
}

// trainingLoss returns the CE objective of the CE model and the FL objective
// of the FL model over the whole training split, each sum / max(1, numPos).
func (r *Run) trainingLoss() (ce, fl float64) {
	d := r.train
	var phi [NumFeatures]float64
	var ceSum, flSum float64
	numPos := 0
	for i, label := range d.Label {
		Features(d.X[i], d.Y[i], &phi)
		y := int(label)
		if y != 0 {
			numPos++
		}
		ceLoss, _ := FocalLoss(r.ce.dot(&phi), y, NoAlpha, 0)
		flLoss, _ := FocalLoss(r.fl.dot(&phi), y, r.alpha, r.gamma)
		ceSum += ceLoss
		flSum += flLoss
	}
	return Reduce(ceSum, numPos), Reduce(flSum, numPos)
}

// evaluateHeldOut scores the held-out split with both models in two passes,
// positives first, so that each negative can be placed among the sorted
// positive scores right away.
func (r *Run) evaluateHeldOut() (ce, fl Metrics) {
	d := r.heldOut
	var phi [NumFeatures]float64
	r.ceEval.reset(0)
	r.flEval.reset(0)

	for i, label := range d.Label {
		if label == 0 {
			continue
		}
		Features(d.X[i], d.Y[i], &phi)
		w := d.WeightAt(i)
		r.ceEval.addPositive(r.ce.dot(&phi), w)
		r.flEval.addPositive(r.fl.dot(&phi), w)
	}
	r.ceEval.finishPositives()
	r.flEval.finishPositives()

	for i, label := range d.Label {
		if label != 0 {
			continue
		}
		Features(d.X[i], d.Y[i], &phi)
		w := d.WeightAt(i)
		r.ceEval.addNegative(r.ce.dot(&phi), w)
		r.flEval.addNegative(r.fl.dot(&phi), w)
	}
	return r.ceEval.metrics(), r.flEval.metrics()
}
