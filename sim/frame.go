package sim

import (
	"math"
	"runtime"
	"sync"
)

// Frame evaluates the moving averages of both models' weights (see
// AverageDecay): recall and precision at the probability threshold of the
// TrainConfig, AP and ROC AUC on the held-out split, and each model's own
// training objective over the whole training split. It computes features on
// the fly, once per example for both models.
//
// With GOMAXPROCS > 1 the held-out evaluation runs in its own goroutine
// beside the training loss, and a training split of 65536 examples or more
// spreads its chunks over GOMAXPROCS goroutines. Every sum keeps a fixed
// order, so the Frame does not depend on scheduling or on GOMAXPROCS.
func (r *Run) Frame() Frame {
	f := Frame{Step: r.steps, Alpha: r.alpha, Gamma: r.gamma}
	if runtime.GOMAXPROCS(0) == 1 {
		f.CE, f.FL = r.evaluateHeldOut()
		f.CE.Loss, f.FL.Loss = r.trainingLoss()
		return f
	}

	var wg sync.WaitGroup
	var ce, fl Metrics
	wg.Go(func() { ce, fl = r.evaluateHeldOut() })
	ceLoss, flLoss := r.trainingLoss()
	wg.Wait()
	f.CE, f.FL = ce, fl
	f.CE.Loss, f.FL.Loss = ceLoss, flLoss
	return f
}

// lossChunk contains the partial training-loss sums of one chunk.
type lossChunk struct {
	ceSum, flSum float64
	numPos       int
}

// numLossChunks returns the number of chunks of batchChunk examples that
// cover n examples.
func numLossChunks(n int) int {
	return (n + batchChunk - 1) / batchChunk
}

// trainingLoss returns the CE objective of the CE model and the FL objective
// of the FL model over the whole training split, each sum / max(1, numPos).
// The sums are taken per chunk of batchChunk examples and added in chunk
// order, in goroutines from 65536 examples on, as in BatchFocalLoss.
func (r *Run) trainingLoss() (ce, fl float64) {
	n := r.train.Len()
	chunks := r.lossChunks[:numLossChunks(n)]
	workers := 1
	if n >= parallelMin {
		workers = min(runtime.GOMAXPROCS(0), len(chunks))
	}

	if workers == 1 {
		for c := range chunks {
			chunks[c] = r.trainingLossChunk(c)
		}
	} else {
		r.trainingLossParallel(chunks, workers)
	}

	var ceSum, flSum float64
	numPos := 0
	for _, c := range chunks {
		ceSum += c.ceSum
		flSum += c.flSum
		numPos += c.numPos
	}
	return Reduce(ceSum, numPos), Reduce(flSum, numPos)
}

// trainingLossParallel fills chunks with workers goroutines. Worker w
// computes chunks w, w+workers, ..., each into its own slot.
func (r *Run) trainingLossParallel(chunks []lossChunk, workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := w; c < len(chunks); c += workers {
				chunks[c] = r.trainingLossChunk(c)
			}
		})
	}
	wg.Wait()
}

// trainingLossChunk sums both models' losses over chunk c of the training
// split, in index order.
func (r *Run) trainingLossChunk(c int) lossChunk {
	d := r.train
	lo := c * batchChunk
	hi := min(lo+batchChunk, d.Len())
	var phi [NumFeatures]float64
	var sums lossChunk
	for i := lo; i < hi; i++ {
		Features(d.X[i], d.Y[i], &phi)
		y := int(d.Label[i])
		if y != 0 {
			sums.numPos++
		}
		ceLoss, _ := FocalLoss(r.ceAvg.dot(&phi), y, NoAlpha, 0)
		flLoss, _ := FocalLoss(r.flAvg.dot(&phi), y, r.alpha, r.gamma)
		sums.ceSum += ceLoss
		sums.flSum += flLoss
	}
	return sums
}

// evaluateHeldOut scores the held-out split with both models in two passes,
// positives first, so that each negative can be placed among the sorted
// positive scores right away. It does not allocate once the evaluators'
// buffers have grown.
func (r *Run) evaluateHeldOut() (ce, fl Metrics) {
	d := r.heldOut
	var phi [NumFeatures]float64
	// p >= t is the same as logit >= log(t/(1-t)), so the logits need no sigmoid.
	threshold := math.Log(r.cfg.Threshold / (1 - r.cfg.Threshold))
	r.ceEval.reset(threshold)
	r.flEval.reset(threshold)

	for i, label := range d.Label {
		if label == 0 {
			continue
		}
		Features(d.X[i], d.Y[i], &phi)
		w := d.WeightAt(i)
		r.ceEval.addPositive(r.ceAvg.dot(&phi), w)
		r.flEval.addPositive(r.flAvg.dot(&phi), w)
	}
	r.ceEval.finishPositives()
	r.flEval.finishPositives()

	for i, label := range d.Label {
		if label != 0 {
			continue
		}
		Features(d.X[i], d.Y[i], &phi)
		w := d.WeightAt(i)
		r.ceEval.addNegative(r.ceAvg.dot(&phi), w)
		r.flEval.addNegative(r.flAvg.dot(&phi), w)
	}
	return r.ceEval.metrics(), r.flEval.metrics()
}
