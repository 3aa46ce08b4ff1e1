package sim

import (
	"math"
	"math/rand/v2"
)

// DataConfig selects a synthetic data set. Callers validate Size in [MinSize,
// MaxSize] and Ratio in [MinRatio, MaxRatio], and Generate clamps values
// outside those ranges, including the zero value.
type DataConfig struct {
	Seed  uint64
	Size  int // training examples
	Ratio int // negatives per positive (10..100000)
}

// Limits of DataConfig that Generate clamps to.
const (
	MinSize  = 1000
	MaxSize  = 200000
	MinRatio = 10
	MaxRatio = 100000
)

// MinPositives is the smallest number of positives a training set gets.
// Generate raises Size/(Ratio+1) to it.
const MinPositives = 10

// HeldOutPositives is the number of positives in every held-out split.
const HeldOutPositives = 100

// MaxHeldOutNegatives caps the held-out negatives. When
// HeldOutPositives*Ratio exceeds it, easy negatives are subsampled and carry a
// weight so that precision and AP still describe the true ratio.
const MaxHeldOutNegatives = 100000

// hardPerPositive is the number of hard negatives drawn per positive, as long
// as there are enough negatives.
const hardPerPositive = 10

// Layout of the two-dimensional data. Coordinates lie roughly in [-4, 4]^2.
// The positives form a tight cluster, and the hard negatives a ring around it
// that overlaps its edge. The easy negatives form a broad haystack centred
// about 4 of its standard deviations away, whose tail still reaches the positives.
const (
	positiveX, positiveY = 1.6, 1.2
	positiveSD           = 0.35
	ringRadius, ringSD   = 0.8, 0.2
	easyX, easyY         = -1.2, -1.0
	easySD               = 0.9
)

// PCG stream constants, so that the training split, the held-out split and
// the minibatch indices of one seed are independent streams.
const (
	streamTrain   = 0x7472_6169_6e00_0001 // "train"
	streamHeldOut = 0x6865_6c64_6f75_7402 // "heldout"
	streamBatches = 0x6261_7463_6865_7303 // "batches"
)

// Dataset is one split of two-dimensional points with binary labels. It
// stores no features, because models compute them on the fly. An example
// takes 18 bytes, or 26 with weights.
type Dataset struct {
	X, Y           []float64 // 2-D coordinates
	Label          []uint8   // 1 = positive (the needle)
	Weight         []float64 // per-example weight for metrics, nil for all 1
	Hard           []bool    // true for hard negatives (drawn near the positives), for charts
	NumPos, NumNeg int
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return len(d.Label) }

// WeightAt returns the metric weight of example i (1 when Weight is nil).
func (d *Dataset) WeightAt(i int) float64 {
	if d.Weight == nil {
		return 1
	}
	return d.Weight[i]
}

// clampConfig returns cfg with Size and Ratio clamped to the valid ranges.
func clampConfig(cfg DataConfig) DataConfig {
	cfg.Size = min(max(cfg.Size, MinSize), MaxSize)
	cfg.Ratio = min(max(cfg.Ratio, MinRatio), MaxRatio)
	return cfg
}

// TrainCounts returns the number of positives and negatives in the training
// split of cfg after clamping: numPos = max(MinPositives,
// round(Size/(Ratio+1))) and numNeg = Size - numPos.
func TrainCounts(cfg DataConfig) (numPos, numNeg int) {
	cfg = clampConfig(cfg)
	numPos = int(math.Round(float64(cfg.Size) / float64(cfg.Ratio+1)))
	numPos = max(MinPositives, numPos)
	return numPos, cfg.Size - numPos
}

// HeldOutCounts returns the composition of the held-out split of cfg after
// clamping. Besides HeldOutPositives positives, the split has hard negatives
// and drawnEasy easy negatives, which represent trueEasy easy negatives.
// The counts satisfy hard + trueEasy = HeldOutPositives*Ratio and
// hard + drawnEasy <= MaxHeldOutNegatives.
func HeldOutCounts(cfg DataConfig) (hard, trueEasy, drawnEasy int) {
	cfg = clampConfig(cfg)
	totalNeg := HeldOutPositives * cfg.Ratio
	hard = min(totalNeg, hardPerPositive*HeldOutPositives)
	trueEasy = totalNeg - hard
	drawnEasy = min(trueEasy, MaxHeldOutNegatives-hard)
	return hard, trueEasy, drawnEasy
}

// Generate draws the training split and the held-out split deterministically
// from cfg: the same cfg gives bit-identical data. Each split draws from its
// own PCG stream seeded with cfg.Seed. Size and Ratio outside [MinSize,
// MaxSize] and [MinRatio, MaxRatio] are clamped.
//
// Positives come from N((1.6, 1.2), 0.35²I). Hard negatives, min(numNeg,
// 10*numPos) of them, sit on a ring around the positive centre with a radius
// drawn from N(0.8, 0.2²), so they lie close to and partly among the
// positives. The remaining negatives are easy ones from N((-1, -0.8), I),
// the haystack.
//
// The training split has the counts of TrainCounts in a shuffled order and no
// weights. The held-out split has the counts of HeldOutCounts, ordered
// positives, hard negatives, easy negatives. When easy negatives are
// subsampled, each carries the weight trueEasy/drawnEasy and all other
// examples weight 1. Without subsampling, Weight is nil.
func Generate(cfg DataConfig) (train, heldOut *Dataset) {
	cfg = clampConfig(cfg)

	trainRNG := rand.New(rand.NewPCG(cfg.Seed, streamTrain))
	numPos, numNeg := TrainCounts(cfg)
	numHard := min(numNeg, hardPerPositive*numPos)
	train = newDataset(numPos + numNeg)
	train.fill(trainRNG, numPos, numHard, numNeg-numHard)
	train.shuffle(trainRNG)

	heldRNG := rand.New(rand.NewPCG(cfg.Seed, streamHeldOut))
	hard, trueEasy, drawnEasy := HeldOutCounts(cfg)
	heldOut = newDataset(HeldOutPositives + hard + drawnEasy)
	heldOut.fill(heldRNG, HeldOutPositives, hard, drawnEasy)
	if drawnEasy < trueEasy {
		easyWeight := float64(trueEasy) / float64(drawnEasy)
		heldOut.Weight = make([]float64, heldOut.Len())
		for i := range heldOut.Weight {
			heldOut.Weight[i] = 1
			if heldOut.Label[i] == 0 && !heldOut.Hard[i] {
				heldOut.Weight[i] = easyWeight
			}
		}
	}
	return train, heldOut
}

func newDataset(n int) *Dataset {
	return &Dataset{
		X:     make([]float64, 0, n),
		Y:     make([]float64, 0, n),
		Label: make([]uint8, 0, n),
		Hard:  make([]bool, 0, n),
	}
}

// fill appends numPos positives, numHard hard negatives and numEasy easy
// negatives, in that order.
func (d *Dataset) fill(rng *rand.Rand, numPos, numHard, numEasy int) {
	for range numPos {
		x := positiveX + positiveSD*rng.NormFloat64()
		y := positiveY + positiveSD*rng.NormFloat64()
		d.add(x, y, 1, false)
	}
	for range numHard {
		angle := 2 * math.Pi * rng.Float64()
		// The absolute value keeps the drawn radius a distance from the
		// centre. A negative draw is about 4 standard deviations away.
		radius := math.Abs(ringRadius + ringSD*rng.NormFloat64())
		d.add(positiveX+radius*math.Cos(angle), positiveY+radius*math.Sin(angle), 0, true)
	}
	for range numEasy {
		x := easyX + easySD*rng.NormFloat64()
		y := easyY + easySD*rng.NormFloat64()
		d.add(x, y, 0, false)
	}
	d.NumPos += numPos
	d.NumNeg += numHard + numEasy
}

func (d *Dataset) add(x, y float64, label uint8, hard bool) {
	d.X = append(d.X, x)
	d.Y = append(d.Y, y)
	d.Label = append(d.Label, label)
	d.Hard = append(d.Hard, hard)
}

// shuffle permutes all columns together (Fisher-Yates via rand.Shuffle).
func (d *Dataset) shuffle(rng *rand.Rand) {
	rng.Shuffle(d.Len(), func(i, j int) {
		d.X[i], d.X[j] = d.X[j], d.X[i]
		d.Y[i], d.Y[j] = d.Y[j], d.Y[i]
		d.Label[i], d.Label[j] = d.Label[j], d.Label[i]
		d.Hard[i], d.Hard[j] = d.Hard[j], d.Hard[i]
		if d.Weight != nil {
			d.Weight[i], d.Weight[j] = d.Weight[j], d.Weight[i]
		}
	})
}
