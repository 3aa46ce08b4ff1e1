package handlers

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"focallab/charts"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// Sections 8 to 11 of the walkthrough, which show trained models.

// performanceFPRs are the false-positive rates at which section 8 reads
// recall. The larger one also bounds the partial AUC.
var performanceFPRs = []float64{0.001, 0.01}

// minROCAxis is the left end of the log FPR axis unless the held-out split
// cannot produce a rate that small.
const minROCAxis = 1e-5

// reliabilityBins is the number of equal-width bins of the reliability
// diagram and of ECE.
const reliabilityBins = 10

// calibrationEtas are the true probabilities of the q* table.
var calibrationEtas = []float64{0.001, 0.01, 0.1, 0.5, 0.9, 0.99}

// earlyCheckpoints are the steps at which section 11 evaluates the first
// steps of training: every step at first, then sparser.
var earlyCheckpoints = []int{0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100}

// weightEdges are the log10 bin edges of section 9's histogram: half decades
// from 10^-12 to 1.
func weightEdges() []float64 {
	edges := make([]float64, 25)
	for i := range edges {
		edges[i] = -12 + 0.5*float64(i)
	}
	return edges
}

// rocAxisMin returns the left end of the log FPR axis: minROCAxis, or the
// power of ten at or below the smallest non-zero FPR of the curves when that
// is larger, because the split cannot show anything further left.
func rocAxisMin(curves ...[]sim.ROCPoint) float64 {
	smallest := 1.0
	for _, c := range curves {
		if f := sim.SmallestFPR(c); f > 0 {
			smallest = min(smallest, f)
		}
	}
	return max(minROCAxis, math.Pow(10, math.Floor(math.Log10(smallest)+1e-9)))
}

// sectionPerformance is section 8: ROC at low false-positive rates, PR and
// the confusion matrices at the link's threshold.
func (b *walkBuilder) sectionPerformance() (views.WalkSection, error) {
	loc := b.loc
	ceZ, flZ, err := b.heldOutLogits()
	if err != nil {
		return views.WalkSection{}, err
	}
	_, heldOut := b.data()
	label, weight := heldOut.Label, heldOut.Weight

	type modelResult struct {
		name, color string
		z           []float64
		roc         []sim.ROCPoint
		pr          []sim.PRPoint
		ap          float64
		apOK, rocOK bool
	}
	models := []*modelResult{{name: "CE", color: charts.ColorCE, z: ceZ}, {name: "FL", color: charts.ColorFL, z: flZ}}
	for _, m := range models {
		m.roc, m.rocOK = sim.ROC(m.z, label, weight)
		m.pr, m.ap, m.apOK = sim.PRCurve(m.z, label, weight)
	}
	axisMin := rocAxisMin(models[0].roc, models[1].roc)

	metrics := walkTable("t-s8-metrics", loc.T("walk_s8_table"), loc.T("metrics_model"), "ROC AUC", loc.T("walk_col_pauc"),
		loc.T("walk_col_recall_at", map[string]any{"FPR": decimalText(performanceFPRs[0])}),
		loc.T("walk_col_recall_at", map[string]any{"FPR": decimalText(performanceFPRs[1])}), "AP")
	recall := make([][]float64, len(models))
	auc := make([]float64, len(models))
	curves := make([]charts.ModelCurve, len(models))
	for i, m := range models {
		recall[i] = make([]float64, len(performanceFPRs))
		for j, f := range performanceFPRs {
			recall[i][j] = sim.TPRAtFPR(m.roc, f)
		}
		auc[i] = sim.PartialAUC(m.roc, 1)
		pauc := sim.PartialAUC(m.roc, performanceFPRs[1]) / performanceFPRs[1]
		metrics.Rows = append(metrics.Rows, []string{m.name, formatFixed(auc[i], m.rocOK, 4), formatFixed(pauc, m.rocOK, 3),
			formatFixed(recall[i][0], m.rocOK, 2), formatFixed(recall[i][1], m.rocOK, 2), formatFixed(m.ap, m.apOK, 3)})
		curves[i] = charts.ModelCurve{Name: m.name, Color: m.color, ROC: m.roc, PR: m.pr}
	}

	thr := b.cfg.Thr
	thrLogit := math.Log(thr) - math.Log1p(-thr)
	tables := []views.WalkTable{metrics}
	var thresholdNotes []string
	for _, m := range models {
		c := sim.ConfusionAt(m.z, label, weight, thrLogit)
		t := walkTable("t-s8-confusion-"+strings.ToLower(m.name), loc.T("walk_s8_confusion", map[string]any{"Model": m.name, "Thr": decimalText(thr)}),
			"", loc.T("walk_s8_pred_needle"), loc.T("walk_s8_pred_haystack"))
		t.Rows = [][]string{
			{loc.T("walk_s8_true_needle"), countText(c.TP), countText(c.FN)},
			{loc.T("walk_s8_true_haystack"), countText(c.FP), countText(c.TN)},
		}
		tables = append(tables, t)
		precision := "—"
		if c.TP+c.FP > 0 {
			precision = formatFixed(c.TP/(c.TP+c.FP), true, 3)
		}
		thresholdNotes = append(thresholdNotes, loc.T("walk_s8_note_threshold", map[string]any{
			"Model": m.name, "Thr": decimalText(thr), "Recall": formatFixed(sim.Share(c.TP, c.FN), true, 2), "Precision": precision,
			"Alarms": countText(c.TP + c.FP),
		}))
	}

	notes := []string{loc.T("walk_s8_note_axis", map[string]any{"Min": formatSig(axisMin, 1)})}
	notes = append(notes, loc.T("walk_s8_note_compare", map[string]any{
		"AUCDiff": formatSig(math.Abs(auc[1]-auc[0]), 2), "CE": formatFixed(recall[0][0], true, 2), "FL": formatFixed(recall[1][0], true, 2),
		"FPR": decimalText(performanceFPRs[0]),
	}))
	notes = append(notes, thresholdNotes...)
	if heldOut.Weight != nil {
		_, trueEasy, drawnEasy := sim.HeldOutCounts(b.cfg.TrainConfig().Data)
		notes = append(notes, loc.T("walk_s8_note_weighted", map[string]any{"Weight": formatSig(float64(trueEasy)/float64(drawnEasy), 4)}))
	}

	// The choices are CE, FL and the same, judged on the recalls as shown.
	correct := compareShown(roundDecimals(recall[0][0], 2), roundDecimals(recall[1][0], 2), 0, 1, 2)
	thrInput := walkInput("thr", "range", thr, loc)
	return views.WalkSection{
		Lead:   b.paragraphs("walk_s8_lead", 2),
		Inputs: []views.WalkInput{thrInput},
		Charts: []views.WalkChart{
			{ID: "c-s8-roc", Label: loc.T("walk_chart_roc"), Option: charts.ROCLog(curves, axisMin, performanceFPRs, loc)},
			{ID: "c-s8-pr", Label: loc.T("walk_chart_pr"), Option: charts.PrecisionRecall(curves, loc)},
		},
		Tables: tables,
		Notes:  notes,
		Question: b.question("walk_s8_q", 3, correct, map[string]any{"FPR": decimalText(performanceFPRs[0])}, map[string]any{
			"FPR": decimalText(performanceFPRs[0]), "CE": formatFixed(recall[0][0], true, 2), "FL": formatFixed(recall[1][0], true, 2),
			"AUCCE": formatFixed(auc[0], true, 4), "AUCFL": formatFixed(auc[1], true, 4),
		}),
	}, nil
}

// sectionCost is section 9: focal loss as a per-example cost, and the
// cumulative loss of Lin et al. 2017, Figure 4.
func (b *walkBuilder) sectionCost() (views.WalkSection, error) {
	loc := b.loc
	m, err := b.trained()
	if err != nil {
		return views.WalkSection{}, err
	}
	z, err := b.trainLogits()
	if err != nil {
		return views.WalkSection{}, err
	}
	train, _ := b.data()

	posW, negW := sim.EffectiveWeights(z, train.Label, m.Alpha, m.Gamma)
	edges := weightEdges()
	hists := []charts.WeightHistogram{
		{Name: loc.T("walk_series_positives"), Color: charts.ColorNeedle, Share: sim.LogHistogram(posW, edges[0], edges[len(edges)-1], len(edges)-1)},
		{Name: loc.T("walk_series_negatives"), Color: charts.ColorHaystack, Share: sim.LogHistogram(negW, edges[0], edges[len(edges)-1], len(edges)-1)},
	}

	const curvePoints = 200
	groups := []charts.Figure4Curves{{Title: loc.T("walk_axis_fraction_pos")}, {Title: loc.T("walk_axis_fraction_neg")}}
	table := walkTable("t-s9-hardest", loc.T("walk_s9_table"), "γ", loc.T("walk_s9_col_neg1"), loc.T("walk_s9_col_neg10"), loc.T("walk_s9_col_pos20"))
	gammas := append([]float64{}, charts.Figure4Gammas...)
	if indexOf(gammas, m.Gamma) < 0 {
		gammas = append(gammas, m.Gamma)
	}
	var neg1AtTwo float64
	for _, g := range gammas {
		pos, neg := sim.ExampleLosses(z, train.Label, sim.NoAlpha, g)
		if indexOf(charts.Figure4Gammas, g) >= 0 {
			pc, _ := sim.CumulativeLossCurve(pos, curvePoints)
			nc, _ := sim.CumulativeLossCurve(neg, curvePoints)
			groups[0].Curves = append(groups[0].Curves, pc)
			groups[1].Curves = append(groups[1].Curves, nc)
		}
		n1, ok1 := sim.HardestShare(neg, 0.01)
		n10, ok10 := sim.HardestShare(neg, 0.1)
		p20, ok20 := sim.HardestShare(pos, 0.2)
		label := decimalText(g)
		if g == m.Gamma {
			label = loc.T("walk_current", map[string]any{"Value": label})
		}
		table.Rows = append(table.Rows, []string{label, percentOK(n1, ok1), percentOK(n10, ok10), percentOK(p20, ok20)})
		if g == 2 {
			neg1AtTwo = n1
		}
	}

	medNeg, medPos := median(negW), median(posW)
	// The choices are below 10%, 10% to below 50%, and 50% or more, of the
	// share as the answer shows it.
	correct := rangeIndex(roundDecimals(100*neg1AtTwo, 1), 10, 50)
	return views.WalkSection{
		Lead: b.paragraphs("walk_s9_lead", 2),
		Charts: []views.WalkChart{
			{ID: "c-s9-weights", Label: loc.T("walk_chart_weights"), Option: charts.EffectiveWeights(edges, hists, loc)},
			{ID: "c-s9-figure4", Label: loc.T("walk_chart_figure4"), Option: charts.Figure4(groups, loc)},
		},
		Tables: []views.WalkTable{table},
		Notes: []string{
			loc.T("walk_s9_note_model", map[string]any{
				"Alpha": decimalText(m.Alpha), "Gamma": decimalText(m.Gamma), "Step": i18n.GroupDigits(m.Step),
				"Pos": i18n.GroupDigits(train.NumPos), "Neg": i18n.GroupDigits(train.NumNeg),
			}),
			loc.T("walk_s9_note_weights", map[string]any{
				"MedNeg": formatSig(medNeg, 2), "MedPos": formatSig(medPos, 2), "Ratio": formatSig(medPos/medNeg, 3),
			}),
			loc.T("walk_s9_note_paper"),
		},
		Question: b.question("walk_s9_q", 3, correct, nil, map[string]any{"Share": percent(neg1AtTwo, 1)}),
	}, nil
}

func percentOK(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return percent(v, 1)
}

// median returns the median of values (the mean of the middle two for an even
// count), or NaN for none, which formatSig shows as "—".
func median(values []float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	sorted := append([]float64{}, values...)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// sectionProbabilities is section 10: calibration, q*(η) and the inverse
// transform.
func (b *walkBuilder) sectionProbabilities() (views.WalkSection, error) {
	loc := b.loc
	m, err := b.trained()
	if err != nil {
		return views.WalkSection{}, err
	}
	ceZ, flZ, err := b.heldOutLogits()
	if err != nil {
		return views.WalkSection{}, err
	}
	_, heldOut := b.data()
	label, weight := heldOut.Label, heldOut.Weight
	alpha, gamma := m.Alpha, m.Gamma

	invZ := make([]float64, len(flZ))
	invOK := true
	for i, z := range flZ {
		invZ[i], invOK = sim.InverseFocalLogit(z, alpha, gamma)
		if !invOK {
			break
		}
	}

	type scored struct {
		name, color string
		z           []float64
	}
	rows := []scored{{"CE", charts.ColorCE, ceZ}, {loc.T("walk_model_fl_raw"), charts.ColorFL, flZ}}
	if b.cfg.Inverse && invOK {
		rows = append(rows, scored{loc.T("walk_model_fl_inverse"), charts.ColorBalanced, invZ})
	}
	table := walkTable("t-s10-calibration", loc.T("walk_s10_table"), loc.T("metrics_model"), "ECE", "Brier", loc.T("walk_col_log_loss"))
	var curves []charts.ReliabilityCurve
	ece := map[string]string{}
	for i, r := range rows {
		p := make([]float64, len(r.z))
		for j, z := range r.z {
			p[j] = sim.Sigmoid(z)
		}
		bins, e, okE := sim.Reliability(p, label, weight, reliabilityBins)
		brier, okB := sim.BrierScore(p, label, weight)
		logLoss, okL := sim.LogLoss(r.z, label, weight)
		table.Rows = append(table.Rows, []string{r.name, formatFixed(e, okE, 4), formatFixed(brier, okB, 5), formatFixed(logLoss, okL, 4)})
		// The diagram shows the raw FL scores, or the transformed ones when
		// the toggle is on.
		if !(b.cfg.Inverse && invOK && i == 1) {
			curves = append(curves, charts.ReliabilityCurve{Name: r.name, Color: r.color, Bins: bins})
		}
		ece[[]string{"CE", "FL", "Inverse"}[i]] = formatFixed(e, okE, 4)
	}

	optimal := walkTable("t-s10-optimal", loc.T("walk_s10_table_optimal", map[string]any{"Alpha": decimalText(alpha), "Gamma": decimalText(gamma)}),
		"η", loc.T("walk_col_q_current"), loc.T("walk_col_q_half"), loc.T("walk_col_roundtrip"))
	maxErr := 0.0
	for _, eta := range calibrationEtas {
		q := sim.OptimalScore(eta, alpha, gamma)
		back, ok := sim.InverseFocal(q, alpha, gamma)
		roundTrip := "—"
		if ok && q > 0 && q < 1 {
			roundTrip = formatSig(back, 4)
			maxErr = max(maxErr, math.Abs(back-eta))
		}
		optimal.Rows = append(optimal.Rows, []string{decimalText(eta), formatSig(q, 4), formatSig(sim.OptimalScore(eta, 0.5, gamma), 4), roundTrip})
	}

	notes := []string{}
	if gamma > 0 {
		notes = append(notes, loc.T("walk_s10_note_pull", map[string]any{
			"Gamma": decimalText(gamma), "Q01": formatSig(sim.OptimalScore(0.1, 0.5, gamma), 4), "Q09": formatSig(sim.OptimalScore(0.9, 0.5, gamma), 4),
		}))
	} else {
		notes = append(notes, loc.T("walk_s10_note_pull_zero"))
	}
	notes = append(notes, loc.T("walk_s10_note_alpha", map[string]any{"Alpha": decimalText(alpha), "Gamma": decimalText(gamma), "QHalf": formatSig(sim.OptimalScore(0.5, alpha, gamma), 4)}))
	if invOK {
		notes = append(notes, loc.T("walk_s10_note_roundtrip", map[string]any{"MaxErr": formatSig(max(maxErr, 1e-16), 2)}))
		data := map[string]any{"CE": ece["CE"], "FL": ece["FL"], "Inverse": ece["Inverse"]}
		if b.cfg.Inverse {
			notes = append(notes, loc.T("walk_s10_note_data_inverse", data))
		} else {
			notes = append(notes, loc.T("walk_s10_note_data", data))
		}
	} else {
		notes = append(notes, loc.T("walk_s10_note_no_inverse", map[string]any{"Alpha": decimalText(alpha)}))
	}
	notes = append(notes, loc.T("walk_s10_note_bins", map[string]any{"Bins": reliabilityBins}))

	// The choices are above 0.9, exactly 0.9, from 0.5 to below 0.9, and
	// below 0.5, judged on q*(0.9) as the answer shows it. α = 0 puts it at 0
	// and α = 1 at 1, whatever γ is.
	q09 := sim.OptimalScore(0.9, alpha, gamma)
	correct := 0
	if shownQ := roundSig(q09, 4); shownQ <= 0.9 {
		correct = 3 - rangeIndex(shownQ, 0.5, 0.9)
	}
	inv := walkInput("inv", "checkbox", 0, loc)
	inv.Checked = b.cfg.Inverse
	return views.WalkSection{
		Lead:   b.paragraphs("walk_s10_lead", 3),
		Inputs: []views.WalkInput{inv},
		Charts: []views.WalkChart{
			{ID: "c-s10-reliability", Label: loc.T("walk_chart_reliability"), Option: charts.Reliability(curves, loc)},
			{ID: "c-s10-optimal", Label: loc.T("walk_chart_optimal"), Option: charts.OptimalScores([]charts.OptimalCurve{
				{Name: loc.T("walk_series_optimal", map[string]any{"Alpha": decimalText(alpha), "Gamma": decimalText(gamma)}), Color: charts.ColorFL, Alpha: alpha, Gamma: gamma},
				{Name: loc.T("walk_series_optimal", map[string]any{"Alpha": "0.5", "Gamma": decimalText(gamma)}), Color: charts.ColorBalanced, Alpha: 0.5, Gamma: gamma},
			}, loc)},
		},
		Tables: []views.WalkTable{table, optimal},
		Notes:  notes,
		Question: b.question("walk_s10_q", 4, correct, map[string]any{"Alpha": decimalText(alpha), "Gamma": decimalText(gamma)}, map[string]any{
			"Alpha": decimalText(alpha), "Gamma": decimalText(gamma), "Q": formatSig(q09, 4),
		}),
	}, nil
}

// earlyRun is one curve of section 11.
type earlyRun struct {
	model string // "CE" or "FL"
	prior bool
}

// sectionPrior is section 11: the prior initialisation of the output bias.
func (b *walkBuilder) sectionPrior() (views.WalkSection, error) {
	loc, cfg := b.loc, b.cfg
	last := min(100, cfg.Steps)
	var checkpoints []int
	for _, c := range earlyCheckpoints {
		if c <= last {
			checkpoints = append(checkpoints, c)
		}
	}
	train, _ := b.data()
	tc := cfg.TrainConfig()

	runs := []earlyRun{{"CE", true}, {"CE", false}, {"FL", true}, {"FL", false}}
	results := make([][]sim.EarlyPoint, len(runs))
	for i, r := range runs {
		alpha, gamma := sim.NoAlpha, 0.0
		if r.model == "FL" {
			alpha, gamma = cfg.Alpha, cfg.Gamma
		}
		rc := tc
		rc.Prior = r.prior
		key := fmt.Sprintf("early:seed=%d&n=%d&ratio=%d&lr=%g&prior=%t&a=%g&g=%g&last=%d",
			tc.Data.Seed, tc.Data.Size, tc.Data.Ratio, tc.LR, r.prior, alpha, gamma, last)
		points, err := walkMemo(b.ctx, &b.app.walk, key, false, func() []sim.EarlyPoint {
			return sim.EarlyTraining(rc, train, alpha, gamma, checkpoints)
		})
		if err != nil {
			return views.WalkSection{}, &Error{Status: 503, ID: "error_cancelled", Err: err}
		}
		results[i] = points
	}

	table := walkTable("t-s11-start", loc.T("walk_s11_table", map[string]any{"Last": last}), loc.T("walk_col_run"),
		loc.T("walk_s11_col_loss0"), loc.T("walk_s11_col_share0"),
		loc.T("walk_s11_col_loss_last", map[string]any{"Last": last}), loc.T("walk_s11_col_share_last", map[string]any{"Last": last}))
	var curves []charts.EarlyCurves
	for i, r := range runs {
		name := loc.T("walk_run_"+strings.ToLower(r.model)+map[bool]string{true: "_prior", false: "_zero"}[r.prior],
			map[string]any{"Alpha": decimalText(cfg.Alpha), "Gamma": decimalText(cfg.Gamma)})
		first, end := results[i][0], results[i][len(results[i])-1]
		table.Rows = append(table.Rows, []string{name, formatSig(first.Loss, 4), percent(first.PositiveShare, 2), formatSig(end.Loss, 4), percent(end.PositiveShare, 1)})
		color := charts.ColorCE
		if r.model == "FL" {
			color = charts.ColorFL
		}
		curves = append(curves, charts.EarlyCurves{Name: name, Color: color, Dashed: !r.prior, Points: results[i]})
	}

	// The choices are below 70%, 70% to below 99%, and 99% or more, of the
	// share as the answer shows it.
	ceZeroNeg := 1 - results[1][0].PositiveShare
	cePriorNeg := 1 - results[0][0].PositiveShare
	correct := rangeIndex(roundDecimals(100*ceZeroNeg, 2), 70, 99)
	return views.WalkSection{
		Lead:   b.paragraphs("walk_s11_lead", 2),
		Charts: []views.WalkChart{{ID: "c-s11-prior", Label: loc.T("walk_chart_prior"), Option: charts.PriorStart(curves, last, loc), Tall: true}},
		Tables: []views.WalkTable{table},
		Notes: []string{
			loc.T("walk_s11_note_bias", map[string]any{"Bias": formatSig(sim.PriorBias(sim.PriorPi), 4), "Pi": decimalText(sim.PriorPi)}),
			loc.T("walk_s11_note_start", map[string]any{"Zero": percent(ceZeroNeg, 2), "Prior": percent(cePriorNeg, 1)}),
			loc.T("walk_s11_note_link", map[string]any{"Last": last}),
		},
		Question: b.question("walk_s11_q", 3, correct, nil, map[string]any{"Share": percent(ceZeroNeg, 2), "Prior": percent(cePriorNeg, 1)}),
	}, nil
}
