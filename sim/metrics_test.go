package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Metrics are sums of a few hundred weighted terms, so results agree with an
// independent computation to well within 1e-12.
const metricTol = 1e-12

func TestEvaluateHandComputed(t *testing.T) {
	tests := []struct {
		name      string
		scores    []float64
		label     []uint8
		weight    []float64
		threshold float64
		want      Metrics
	}{
		{
			// Pairs: 0.9 beats both negatives (2), 0.8 ties one and beats
			// one (1.5): AUC 3.5/4. AP: threshold 0.9 has precision 1 at
			// recall 1/2, threshold 0.8 (with the tied negative) 2/3 at
			// recall 1: AP 1/2 + 1/3.
			name:      "tie between classes",
			scores:    []float64{0.9, 0.8, 0.8, 0.3},
			label:     []uint8{1, 0, 1, 0},
			threshold: 0.5,
			want: Metrics{
				Recall: 1, Precision: 2.0 / 3, PrecisionOK: true,
				AP: 5.0 / 6, APOK: true, AUC: 0.875, AUCOK: true,
			},
		},
		{
			// All four scores tie: one threshold with precision 1/2 and
			// recall 1, and every pair counts 1/2.
			name:      "all tied",
			scores:    []float64{2, 2, 2, 2},
			label:     []uint8{1, 0, 0, 1},
			threshold: 0,
			want: Metrics{
				Recall: 1, Precision: 0.5, PrecisionOK: true,
				AP: 0.5, APOK: true, AUC: 0.5, AUCOK: true,
			},
		},
		{
			// Positives at 3 and 1, negatives at 2 and 0. A score equal to
			// the threshold counts as predicted positive, so threshold 0
			// predicts all four. AUC: 3 beats both negatives and 1 beats
			// one, 3/4. AP: precision 1 at recall 1/2, then 2/3 at recall 1.
			name:      "interleaved",
			scores:    []float64{3, 2, 1, 0},
			label:     []uint8{1, 0, 1, 0},
			threshold: 0,
			want: Metrics{
				Recall: 1, Precision: 0.5, PrecisionOK: true,
				AP: 0.5*1 + 0.5*(2.0/3), APOK: true, AUC: 0.75, AUCOK: true,
			},
		},
		{
			name:      "all negative",
			scores:    []float64{0.1, -2, 3},
			label:     []uint8{0, 0, 0},
			threshold: 0,
			want:      Metrics{Recall: 0, Precision: 0, PrecisionOK: true},
		},
		{
			name:      "all negative below threshold",
			scores:    []float64{-0.1, -2, -3},
			label:     []uint8{0, 0, 0},
			threshold: 0,
			want:      Metrics{},
		},
		{
			name:      "all positive",
			scores:    []float64{0.1, 0.3, 0.1, -1},
			label:     []uint8{1, 1, 1, 1},
			threshold: 0,
			want:      Metrics{Recall: 0.75, Precision: 1, PrecisionOK: true, AP: 1, APOK: true},
		},
		{
			name:      "nothing predicted positive",
			scores:    []float64{-1, -2},
			label:     []uint8{1, 0},
			threshold: 0,
			want:      Metrics{AP: 1, APOK: true, AUC: 1, AUCOK: true},
		},
		{
			name:      "empty",
			threshold: 0,
			want:      Metrics{},
		},
		{
			// The first case with weight 3 on the negative at 0.8. The
			// positive at 0.9 beats negative weight 4, and the one at 0.8
			// ties weight 3 and beats weight 1: AUC = (4 + 1.5 + 1)/(2*4).
			// AP: precision 1 at recall 1/2, then 2/(2+3) at recall 1.
			name:      "weighted negative",
			scores:    []float64{0.9, 0.8, 0.8, 0.3},
			label:     []uint8{1, 0, 1, 0},
			weight:    []float64{1, 3, 1, 1},
			threshold: 0.5,
			want: Metrics{
				Recall: 1, Precision: 2.0 / 5, PrecisionOK: true,
				AP: 0.5 + 0.5*0.4, APOK: true, AUC: 6.5 / 8, AUCOK: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.scores, tt.label, tt.weight, tt.threshold)
			checkMetrics(t, got, tt.want)
		})
	}
}

// checkMetrics compares every field of Evaluate's result except Loss.
func checkMetrics(t *testing.T, got, want Metrics) {
	t.Helper()
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"Recall", got.Recall, want.Recall},
		{"Precision", got.Precision, want.Precision},
		{"AP", got.AP, want.AP},
		{"AUC", got.AUC, want.AUC},
	} {
		if math.IsNaN(f.got) || math.Abs(f.got-f.want) > metricTol {
			t.Errorf("%s = %.17g, want %.17g", f.name, f.got, f.want)
		}
	}
	if got.PrecisionOK != want.PrecisionOK {
		t.Errorf("PrecisionOK = %v, want %v", got.PrecisionOK, want.PrecisionOK)
	}
	if got.APOK != want.APOK {
		t.Errorf("APOK = %v, want %v", got.APOK, want.APOK)
	}
	if got.AUCOK != want.AUCOK {
		t.Errorf("AUCOK = %v, want %v", got.AUCOK, want.AUCOK)
	}
}

func TestEvaluateWeightEqualsCopies(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := range 20 {
		n := 40
		scores := make([]float64, n)
		label := make([]uint8, n)
		weight := make([]float64, n)
		var copiesScores []float64
		var copiesLabel []uint8
		for i := range n {
			scores[i] = float64(rng.IntN(8)) // few values, many ties
			if rng.IntN(4) == 0 {
				label[i] = 1
			}
			k := 1 + rng.IntN(3)
			weight[i] = float64(k)
			for range k {
				copiesScores = append(copiesScores, scores[i])
				copiesLabel = append(copiesLabel, label[i])
			}
		}
		weighted := Evaluate(scores, label, weight, 4)
		copies := Evaluate(copiesScores, copiesLabel, nil, 4)
		t.Run(fmt.Sprintf("trial %d", trial), func(t *testing.T) {
			checkMetrics(t, weighted, copies)
		})
	}
}

func TestEvaluateNaNScoreRanksLowest(t *testing.T) {
	nan := math.NaN()
	got := Evaluate([]float64{nan, 1, 0}, []uint8{1, 0, 0}, nil, 0.5)
	want := Evaluate([]float64{math.Inf(-1), 1, 0}, []uint8{1, 0, 0}, nil, 0.5)
	checkMetrics(t, got, want)
	if got.AUC != 0 {
		t.Errorf("AUC with the only positive at NaN = %g, want 0", got.AUC)
	}
}

func TestEvaluateLengthPanics(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		label  []uint8
		weight []float64
	}{
		{"short labels", make([]float64, 3), make([]uint8, 2), nil},
		{"short weights", make([]float64, 3), make([]uint8, 3), make([]float64, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Evaluate did not panic")
				}
			}()
			Evaluate(tt.scores, tt.label, tt.weight, 0)
		})
	}
}

// bruteAUC counts every positive-negative pair: O(N*P).
func bruteAUC(scores []float64, label []uint8, weight []float64) (float64, bool) {
	var pairs, pos, neg float64
	for i := range scores {
		if label[i] == 0 {
			neg += weight[i]
			continue
		}
		pos += weight[i]
		for j := range scores {
			if label[j] != 0 {
				continue
			}
			switch {
			case scores[i] > scores[j]:
				pairs += weight[i] * weight[j]
			case scores[i] == scores[j]:
				pairs += 0.5 * weight[i] * weight[j]
			}
		}
	}
	if pos == 0 || neg == 0 {
		return 0, false
	}
	return pairs / (pos * neg), true
}

// bruteAP evaluates precision and recall at every distinct score by a full
// scan and sums (R_k - R_{k-1}) P_k over decreasing thresholds.
func bruteAP(scores []float64, label []uint8, weight []float64) (float64, bool) {
	var pos float64
	for i := range scores {
		if label[i] != 0 {
			pos += weight[i]
		}
	}
	if pos == 0 {
		return 0, false
	}
	thresholds := slices.Clone(scores)
	slices.SortFunc(thresholds, func(a, b float64) int { return cmp.Compare(b, a) })
	thresholds = slices.Compact(thresholds)

	var ap, prevRecall float64
	for _, th := range thresholds {
		var tp, fp float64
		for i, s := range scores {
			if s < th {
				continue
			}
			if label[i] != 0 {
				tp += weight[i]
			} else {
				fp += weight[i]
			}
		}
		recall := tp / pos
		if tp+fp > 0 {
			ap += (recall - prevRecall) * tp / (tp + fp)
		}
		prevRecall = recall
	}
	return ap, true
}

func TestEvaluateMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	for trial := range 60 {
		n := 1 + rng.IntN(300)
		posRate := []float64{0.01, 0.1, 0.5, 0.9}[trial%4]
		scores := make([]float64, n)
		label := make([]uint8, n)
		weight := make([]float64, n)
		for i := range n {
			scores[i] = rng.NormFloat64()
			if trial%3 == 0 {
				scores[i] = math.Round(4*scores[i]) / 4 // many ties
			}
			if rng.Float64() < posRate {
				label[i] = 1
			}
			weight[i] = 1
			if trial%2 == 1 {
				weight[i] = 0.5 + 3*rng.Float64()
			}
		}
		t.Run(fmt.Sprintf("trial %d n=%d", trial, n), func(t *testing.T) {
			wantAUC, wantAUCOK := bruteAUC(scores, label, weight)
			gotAUC, gotAUCOK := ROCAUC(scores, label, weight)
			if gotAUCOK != wantAUCOK || math.Abs(gotAUC-wantAUC) > metricTol {
				t.Errorf("ROCAUC = (%.15g, %v), brute force (%.15g, %v)", gotAUC, gotAUCOK, wantAUC, wantAUCOK)
			}
			wantAP, wantAPOK := bruteAP(scores, label, weight)
			gotAP, gotAPOK := AveragePrecision(scores, label, weight)
			if gotAPOK != wantAPOK || math.Abs(gotAP-wantAP) > metricTol {
				t.Errorf("AveragePrecision = (%.15g, %v), brute force (%.15g, %v)", gotAP, gotAPOK, wantAP, wantAPOK)
			}
		})
	}
}

func TestEvaluateOrderIndependent(t *testing.T) {
	scores := []float64{0.3, 0.3, 0.7, 0.1, 0.3, 0.7, 0.3}
	label := []uint8{1, 0, 1, 0, 1, 0, 0}
	want := Evaluate(scores, label, nil, 0.5)
	rng := rand.New(rand.NewPCG(2, 2))
	for range 10 {
		rng.Shuffle(len(scores), func(i, j int) {
			scores[i], scores[j] = scores[j], scores[i]
			label[i], label[j] = label[j], label[i]
		})
		checkMetrics(t, Evaluate(scores, label, nil, 0.5), want)
	}
}
