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
// the first step. Changes affect only the FL model. A Param other than 'a'
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
	LR           float64  // Adam learning rate, DefaultLR when <= 0, NaN or +Inf
	Prior        bool     // prior initialisation of the output bias (pi = 0.01)
	Batch        int      // minibatch size, DefaultBatch when <= 0, capped at MaxBatch
	Changes      []Change // slider moves in any order, which Run sorts by Step in a copy
	// Threshold is the probability at or above which Frame counts a held-out
	// example as predicted positive, for recall and precision. Values outside
	// (0, 1), NaN included, select DefaultThreshold.
	Threshold float64
}

// Training defaults and limits.
const (
	DefaultBatch = 512
	MaxBatch     = 1 << 16
	DefaultLR    = 0.05
	// DefaultThreshold is the probability threshold of recall and precision.
	DefaultThreshold = 0.5
)

// AverageDecay is the decay of the moving average of the weights that Frame
// evaluates (Polyak averaging). A minibatch of 512 at 1:1000 holds half a
// positive on average, so the raw weights jump at every batch that has one and
// the held-out recall at a threshold flickers between frames; the average
// over about 1/(1-AverageDecay) = 33 steps keeps the trend and drops the jitter.
const AverageDecay = 0.97

// Adam hyperparameters, the usual defaults.
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
// because every sum adds its terms in a fixed order, whatever the goroutine
// scheduling. A Run is not safe for concurrent use.
type Run struct {
	cfg            TrainConfig
	train, heldOut *Dataset

	ce, fl Model
	// ceAvg and flAvg are exponential moving averages of the weights, which
	// Frame evaluates and Models returns (see AverageDecay).
	ceAvg, flAvg Model
	ceAdam       adam
	flAdam       adam
	alpha, gamma float64

	steps      int
	nextChange int
	batchPCG   *rand.PCG // the source of batchRNG, kept so that Clone can copy its state
	batchRNG   *rand.Rand

	// Scratch buffers, allocated once so that Step does not allocate and
	// Frame allocates only to start goroutines.
	batchFeatures [][NumFeatures]float64
	batchLabel    []uint8
	batchLogit    []float64
	batchGrad     []float64
	ceEval        rankEvaluator
	flEval        rankEvaluator
	lossChunks    []lossChunk
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
// Gamma values below 0, NaN or +Inf are taken as 0, alpha values above 1 as
// 1, and negative or NaN alpha values as NoAlpha, in the start values and in
// Changes, so that no loss term becomes NaN.
func NewRunWithData(cfg TrainConfig, train, heldOut *Dataset) *Run {
	if train == nil || heldOut == nil {
		train, heldOut = Generate(cfg.Data)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	cfg.Batch = min(cfg.Batch, MaxBatch)
	if !(cfg.LR > 0) || math.IsInf(cfg.LR, 1) {
		cfg.LR = DefaultLR
	}
	if !(cfg.Threshold > 0 && cfg.Threshold < 1) {
		cfg.Threshold = DefaultThreshold
	}
	cfg.Changes = slices.Clone(cfg.Changes)
	slices.SortStableFunc(cfg.Changes, func(a, b Change) int { return cmp.Compare(a.Step, b.Step) })

	batchPCG := rand.NewPCG(cfg.Data.Seed, streamBatches)
	r := &Run{
		cfg:      cfg,
		train:    train,
		heldOut:  heldOut,
		ce:       NewModel(cfg.Prior),
		fl:       NewModel(cfg.Prior),
		ceAvg:    NewModel(cfg.Prior),
		flAvg:    NewModel(cfg.Prior),
		ceAdam:   newAdam(),
		flAdam:   newAdam(),
		alpha:    sanitizeAlpha(cfg.Alpha),
		gamma:    sanitizeGamma(cfg.Gamma),
		batchPCG: batchPCG,
		batchRNG: rand.New(batchPCG),
	}
	r.allocScratch()
	r.applyChanges(0)
	return r
}

// allocScratch allocates the scratch buffers of Step and Frame.
func (r *Run) allocScratch() {
	r.batchFeatures = make([][NumFeatures]float64, r.cfg.Batch)
	r.batchLabel = make([]uint8, r.cfg.Batch)
	r.batchLogit = make([]float64, r.cfg.Batch)
	r.batchGrad = make([]float64, r.cfg.Batch)
	r.lossChunks = make([]lossChunk, numLossChunks(r.train.Len()))
}

// Clone returns an independent copy of r at the same step. It copies the
// models, the optimiser states, the minibatch stream and the changes still
// to come, and shares the training and held-out splits, which no Run
// modifies. Stepping the clone gives bit-identical Frames to stepping r, and
// neither affects the other. The clone gets its own scratch buffers, so its
// first Frame allocates them again. Clone only reads r, so several goroutines
// may clone one Run at once as long as none steps it or calls its Frame.
func (r *Run) Clone() *Run {
	c := *r
	c.cfg.Changes = slices.Clone(r.cfg.Changes)
	pcg := *r.batchPCG
	c.batchPCG = &pcg
	c.batchRNG = rand.New(c.batchPCG)
	c.ceEval, c.flEval = rankEvaluator{}, rankEvaluator{}
	c.allocScratch()
	return &c
}

func newAdam() adam {
	return adam{beta1Pow: 1, beta2Pow: 1}
}

func sanitizeAlpha(alpha float64) float64 {
	if math.IsNaN(alpha) || alpha < 0 {
		return NoAlpha
	}
	return min(alpha, 1)
}

func sanitizeGamma(gamma float64) float64 {
	if !(gamma > 0) || math.IsInf(gamma, 1) {
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
	for k := range r.ce.W {
		r.ceAvg.W[k] = AverageDecay*r.ceAvg.W[k] + (1-AverageDecay)*r.ce.W[k]
		r.flAvg.W[k] = AverageDecay*r.flAvg.W[k] + (1-AverageDecay)*r.fl.W[k]
	}
}

// stepModel computes the gradient of the minibatch loss of one model with
// respect to its weights and applies one Adam update.
func (r *Run) stepModel(m *Model, opt *adam, alpha, gamma float64) {
	for b := range r.batchFeatures {
		r.batchLogit[b] = m.dot(&r.batchFeatures[b])
	}
	_, numPos := BatchFocalLoss(r.batchLogit, r.batchLabel, alpha, gamma, r.batchGrad)

	// dLoss/dw = sum_b dLoss_b/dz_b * phi_b / max(1, numPos).
	grad := weightGradient(r.batchGrad, r.batchFeatures)
	norm := Normalizer(numPos)
	for k := range grad {
		grad[k] /= norm
	}
	opt.update(&m.W, &grad, r.cfg.LR)
}

// weightGradient returns sum_b dz[b] * phi[b], adding each weight's terms in
// batch order. The ten sums are local variables, which the compiler keeps in
// registers. A loop over an array would load and store a sum for every term.
func weightGradient(dz []float64, phi [][NumFeatures]float64) [NumFeatures]float64 {
	var g0, g1, g2, g3, g4, g5, g6, g7, g8, g9 float64
	phi = phi[:len(dz)]
	for b, d := range dz {
		p := &phi[b]
		g0 += d * p[0]
		g1 += d * p[1]
		g2 += d * p[2]
		g3 += d * p[3]
		g4 += d * p[4]
		g5 += d * p[5]
		g6 += d * p[6]
		g7 += d * p[7]
		g8 += d * p[8]
		g9 += d * p[9]
	}
	return [NumFeatures]float64{g0, g1, g2, g3, g4, g5, g6, g7, g8, g9}
}

// update applies one Adam step with bias-corrected moment estimates.
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

// Models returns copies of the moving averages of both models' weights, the models that Frame evaluates.
func (r *Run) Models() (ce, fl Model) { return r.ceAvg, r.flAvg }

// Data returns the training and held-out splits. Callers must not modify
// them.
func (r *Run) Data() (train, heldOut *Dataset) { return r.train, r.heldOut }
