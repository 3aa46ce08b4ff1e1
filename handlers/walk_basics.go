package handlers

import (
	"math"
	"strconv"

	"focallab/charts"
	"focallab/config"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// Sections 1 to 6 of the walkthrough: the data and the loss functions. Only
// section 1 reads the data; the others are closed-form computations.

// surprisePTs are the article's two examples of cross-entropy as surprise.
var surprisePTs = []float64{0.99, 0.1}

// focusPTs are the p_t values of the focusing readouts: the article's 0.99,
// 0.5 and 0.1, and 0.9, where γ = 2 suppresses the loss 100 times.
var focusPTs = []float64{0.99, 0.9, 0.5, 0.1}

// anatomyPTs are the p_t values of the anatomy table.
var anatomyPTs = []float64{0.99, 0.5, 0.1}

// question builds a prediction question from the message IDs prefix,
// prefix_c0 … prefix_c<n-1> and prefix_answer.
func (b *walkBuilder) question(prefix string, choices, correct int, prompt, answer map[string]any) views.WalkQuestion {
	q := views.WalkQuestion{Prompt: b.loc.T(prefix, prompt), Correct: []int{correct}, Answer: b.loc.T(prefix+"_answer", answer)}
	for i := range choices {
		q.Choices = append(q.Choices, b.loc.T(prefix+"_c"+strconv.Itoa(i)))
	}
	return q
}

// paragraphs returns the messages prefix_1 … prefix_n.
func (b *walkBuilder) paragraphs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = b.loc.T(prefix + "_" + strconv.Itoa(i+1))
	}
	return out
}

// walkInput returns a control for a link parameter, with its range from the
// parameter's rule.
func walkInput(name, kind string, value float64, loc *i18n.Localizer) views.WalkInput {
	r, _ := config.RuleByName(name)
	return views.WalkInput{
		Name: name, Kind: kind, Label: loc.T("walk_input_" + name), Hint: loc.T("walk_hint_" + name),
		Min: r.Format(r.Min), Max: r.Format(r.Max), Step: r.Format(r.Step), Value: r.Format(value),
	}
}

// sectionHaystack is section 1: the data set and its imbalance.
func (b *walkBuilder) sectionHaystack() (views.WalkSection, error) {
	loc := b.loc
	train, heldOut := b.data()
	hard := 0
	for _, h := range train.Hard {
		if h {
			hard++
		}
	}
	heldHard, heldTrueEasy, heldDrawnEasy := sim.HeldOutCounts(b.cfg.TrainConfig().Data)
	total := train.Len()
	actual := float64(train.NumNeg) / float64(max(1, train.NumPos))

	// The held-out easy negatives are described as a subsample only when the
	// generator drew fewer than it represents.
	heldEasy := i18n.GroupDigits(heldTrueEasy)
	if heldDrawnEasy < heldTrueEasy {
		heldEasy = loc.T("walk_s1_cell_drawn", map[string]any{"Drawn": i18n.GroupDigits(heldDrawnEasy), "True": i18n.GroupDigits(heldTrueEasy)})
	}
	table := walkTable("t-s1-data", loc.T("walk_s1_table"), "", loc.T("walk_col_train"), loc.T("walk_col_heldout"))
	table.Rows = [][]string{
		{loc.T("walk_s1_row_needles"), i18n.GroupDigits(train.NumPos), i18n.GroupDigits(heldOut.NumPos)},
		{loc.T("walk_s1_row_hard"), i18n.GroupDigits(hard), i18n.GroupDigits(heldHard)},
		{loc.T("walk_s1_row_easy"), i18n.GroupDigits(train.NumNeg - hard), heldEasy},
		{loc.T("walk_s1_row_ratio"), "1 : " + ratioText(actual), "1 : " + i18n.GroupDigits(b.cfg.Ratio)},
	}
	notes := []string{loc.T("walk_s1_note_ratio", map[string]any{
		"Ratio": i18n.GroupDigits(b.cfg.Ratio), "Actual": ratioText(actual), "Pos": i18n.GroupDigits(train.NumPos), "Total": i18n.GroupDigits(total),
	})}
	if heldDrawnEasy < heldTrueEasy {
		notes = append(notes, loc.T("walk_s1_note_weight", map[string]any{
			"Drawn": i18n.GroupDigits(heldDrawnEasy), "True": i18n.GroupDigits(heldTrueEasy),
			"Weight": formatSig(float64(heldTrueEasy)/float64(heldDrawnEasy), 4),
		}))
	}

	// The choices are below 70%, 70% to below 99%, and 99% or more, of the
	// accuracy as the answer shows it.
	accuracy := float64(train.NumNeg) / float64(total)
	correct := rangeIndex(roundDecimals(100*accuracy, 2), 70, 99)
	return views.WalkSection{
		Lead:   b.paragraphs("walk_s1_lead", 2),
		Charts: []views.WalkChart{{ID: "c-s1-data", Label: loc.T("walk_chart_data"), Option: charts.DataScatter(charts.SampleHaystack(train), loc)}},
		Tables: []views.WalkTable{table},
		Notes:  notes,
		Question: b.question("walk_s1_q", 3, correct, nil, map[string]any{
			"Accuracy": percent(accuracy, 2), "Neg": i18n.GroupDigits(train.NumNeg), "Total": i18n.GroupDigits(total), "Pos": i18n.GroupDigits(train.NumPos),
		}),
	}, nil
}

// sectionSurprise is section 2: cross-entropy as surprise.
func (b *walkBuilder) sectionSurprise() (views.WalkSection, error) {
	loc := b.loc
	pt := b.cfg.PT
	reference := sim.CrossEntropyPT(surprisePTs[0])
	table := walkTable("t-s2-surprise", loc.T("walk_s2_table"), "p_t", "−log p_t", loc.T("walk_s2_col_relative"))
	row := func(label string, p float64) []string {
		ce := sim.CrossEntropyPT(p)
		return []string{label, formatSig(ce, 4), "×" + formatSig(ce/reference, 4)}
	}
	for _, p := range surprisePTs {
		table.Rows = append(table.Rows, row(decimalText(p), p))
	}
	table.Rows = append(table.Rows, row(loc.T("walk_s2_row_point", map[string]any{"PT": decimalText(pt)}), pt))

	hard, easy := sim.CrossEntropyPT(surprisePTs[1]), reference
	ratio := hard / easy
	return views.WalkSection{
		Lead:   b.paragraphs("walk_s2_lead", 2),
		Inputs: []views.WalkInput{walkInput("pt", "range", pt, loc)},
		Charts: []views.WalkChart{{ID: "c-s2-surprise", Label: loc.T("walk_chart_surprise"), Option: charts.Surprise(pt, surprisePTs, loc)}},
		Tables: []views.WalkTable{table},
		Notes: []string{loc.T("walk_s2_note", map[string]any{
			"PT": decimalText(pt), "CE": formatSig(sim.CrossEntropyPT(pt), 4), "Bits": formatSig(sim.CrossEntropyPT(pt)/math.Ln2, 4),
		})},
		// The choices are below ×50, ×50 to below ×500, and ×500 or more.
		Question: b.question("walk_s2_q", 3, rangeIndex(roundSig(ratio, 3), 50, 500), nil, map[string]any{
			"Hard": formatSig(hard, 4), "Easy": formatSig(easy, 4), "Ratio": formatSig(ratio, 3),
		}),
	}, nil
}

// calculatorRow is one loss of the calculator with both groups' totals.
type calculatorRow struct {
	label      string
	easy, hard sim.GroupCost
}

// sectionTyranny is section 3: many easy examples against a few hard ones.
func (b *walkBuilder) sectionTyranny() (views.WalkSection, error) {
	loc, cfg := b.loc, b.cfg
	n, k := float64(cfg.NEasy), float64(cfg.KHard)
	alpha, gamma := cfg.Alpha, cfg.Gamma
	// As in the article, the easy examples are negatives (α_t = 1 − α) and
	// the hard ones positives (α_t = α).
	rows := []calculatorRow{
		{"CE", sim.GroupTotals(n, cfg.PTEasy, sim.NoAlpha, 0), sim.GroupTotals(k, cfg.PTHard, sim.NoAlpha, 0)},
		{loc.T("walk_loss_balanced", map[string]any{"Alpha": decimalText(alpha)}), sim.GroupTotals(n, cfg.PTEasy, 1-alpha, 0), sim.GroupTotals(k, cfg.PTHard, alpha, 0)},
		{loc.T("walk_loss_focal", map[string]any{"Alpha": decimalText(alpha), "Gamma": decimalText(gamma)}), sim.GroupTotals(n, cfg.PTEasy, 1-alpha, gamma), sim.GroupTotals(k, cfg.PTHard, alpha, gamma)},
	}

	table := walkTable("t-s3-totals", loc.T("walk_s3_table"), loc.T("walk_col_loss"), loc.T("walk_s3_col_easy"), loc.T("walk_s3_col_hard"),
		loc.T("walk_s3_col_ratio"), loc.T("walk_s3_col_loss_share"), loc.T("walk_s3_col_grad_share"))
	bars := make([]charts.CalculatorBar, len(rows))
	for i, r := range rows {
		ratio := "—"
		if r.hard.Loss > 0 {
			ratio = formatSig(r.easy.Loss/r.hard.Loss, 3)
		}
		lossShare, gradShare := sim.Share(r.easy.Loss, r.hard.Loss), sim.Share(r.easy.Gradient, r.hard.Gradient)
		table.Rows = append(table.Rows, []string{r.label, formatSig(r.easy.Loss, 4), formatSig(r.hard.Loss, 4), ratio, percent(lossShare, 1), percent(gradShare, 1)})
		bars[i] = charts.CalculatorBar{Label: r.label, LossEasy: lossShare, GradEasy: gradShare}
	}

	log10N := "0"
	if cfg.NEasy > 1 {
		log10N = strconv.FormatFloat(math.Round(math.Log10(n)*100)/100, 'f', -1, 64)
	}
	logSlider := views.WalkInput{Name: "n_easy_log", Kind: "range", Label: loc.T("walk_input_n_easy_log"), Hint: loc.T("walk_hint_n_easy_log"),
		Min: "0", Max: "7", Step: "0.01", Value: log10N, LogOf: "n_easy"}

	ce, fl := rows[0], rows[2]
	// The choices are the easy group, the hard group and neither, judged on
	// the easy group's share as shown, to 0.1%.
	flShare := sim.Share(fl.easy.Loss, fl.hard.Loss)
	correct := compareShown(roundDecimals(100*flShare, 1), 50, 0, 1, 2)
	return views.WalkSection{
		Lead: b.paragraphs("walk_s3_lead", 2),
		Inputs: []views.WalkInput{
			logSlider,
			walkInput("n_easy", "number", n, loc), walkInput("pt_easy", "number", cfg.PTEasy, loc),
			walkInput("k_hard", "number", k, loc), walkInput("pt_hard", "number", cfg.PTHard, loc),
		},
		Charts: []views.WalkChart{{ID: "c-s3-shares", Label: loc.T("walk_chart_calculator"), Option: charts.Calculator(bars, loc)}},
		Tables: []views.WalkTable{table},
		Notes: []string{
			loc.T("walk_s3_note_ce", map[string]any{
				"N": i18n.GroupDigits(cfg.NEasy), "K": i18n.GroupDigits(cfg.KHard), "PTEasy": decimalText(cfg.PTEasy), "PTHard": decimalText(cfg.PTHard),
				"EasyEach": formatSig(ce.easy.Loss/n, 4), "HardEach": formatSig(ce.hard.Loss/k, 4),
				"Easy": formatSig(ce.easy.Loss, 4), "Hard": formatSig(ce.hard.Loss, 4),
			}),
			loc.T("walk_s3_note_fl", map[string]any{
				"CEShare": percent(sim.Share(ce.easy.Loss, ce.hard.Loss), 1), "FLShare": percent(flShare, 1),
				"CEGrad": percent(sim.Share(ce.easy.Gradient, ce.hard.Gradient), 1), "FLGrad": percent(sim.Share(fl.easy.Gradient, fl.hard.Gradient), 1),
			}),
		},
		Question: b.question("walk_s3_q", 3, correct, nil, map[string]any{
			"Share": percent(flShare, 1), "Easy": formatSig(fl.easy.Loss, 4), "Hard": formatSig(fl.hard.Loss, 4),
			"CEShare": percent(sim.Share(ce.easy.Loss, ce.hard.Loss), 1),
		}),
	}, nil
}

// sectionClassWeight is section 4: what α does and does not do.
func (b *walkBuilder) sectionClassWeight() (views.WalkSection, error) {
	loc, cfg := b.loc, b.cfg
	alpha, gamma := cfg.Alpha, cfg.Gamma
	table := walkTable("t-s4-weights", loc.T("walk_s4_table"), "", loc.T("walk_s4_col_balanced"), loc.T("walk_s4_col_focal"))
	weights := func(alphaT, pt float64) []string {
		return []string{formatSig(alphaT, 3), formatSig(alphaT*sim.ModulatingFactor(pt, gamma), 3)}
	}
	for _, c := range []struct {
		key    string
		alphaT float64
		pt     float64
	}{{"walk_s4_row_pos", alpha, 0.99}, {"walk_s4_row_pos", alpha, 0.1}, {"walk_s4_row_neg", 1 - alpha, 0.99}, {"walk_s4_row_neg", 1 - alpha, 0.1}} {
		table.Rows = append(table.Rows, append([]string{loc.T(c.key, map[string]any{"PT": decimalText(c.pt)})}, weights(c.alphaT, c.pt)...))
	}

	train, _ := b.data()
	equal := float64(train.NumNeg) / float64(train.Len())

	// The weight of a positive under α-balanced CE, relative to plain CE, at
	// the article's easy and hard p_t.
	relative := func(pt float64) float64 { return sim.FocalPT(pt, alpha, 0) / sim.CrossEntropyPT(pt) }
	// The choices are smaller, the same and larger, judged on the factors as
	// shown.
	easyCE, hardCE := relative(0.99), relative(0.1)
	correct := compareShown(roundSig(easyCE, 3), roundSig(hardCE, 3), 2, 0, 1)
	return views.WalkSection{
		Lead:   b.paragraphs("walk_s4_lead", 2),
		Charts: []views.WalkChart{{ID: "c-s4-weights", Label: loc.T("walk_chart_class_weights"), Option: charts.ClassWeights(alpha, gamma, loc)}},
		Tables: []views.WalkTable{table},
		Notes: []string{
			loc.T("walk_s4_note_equal", map[string]any{"Equal": formatSig(equal, 4), "Neg": i18n.GroupDigits(train.NumNeg), "Total": i18n.GroupDigits(train.Len())}),
			loc.T("walk_s4_note_paper"),
		},
		Question: b.question("walk_s4_q", 3, correct, nil, map[string]any{
			"Alpha": decimalText(alpha), "Gamma": decimalText(gamma), "EasyCE": formatSig(easyCE, 3), "HardCE": formatSig(hardCE, 3),
			"Easy": formatSig(alpha*sim.ModulatingFactor(0.99, gamma), 3), "Hard": formatSig(alpha*sim.ModulatingFactor(0.1, gamma), 3),
		}),
	}, nil
}

// sectionFocus is section 5: the modulating factor (1 − p_t)^γ.
func (b *walkBuilder) sectionFocus() (views.WalkSection, error) {
	loc, gamma := b.loc, b.cfg.Gamma
	suppression := func(pt float64) float64 { return 1 / sim.ModulatingFactor(pt, gamma) }
	table := walkTable("t-s5-focus", loc.T("walk_s5_table", map[string]any{"Gamma": decimalText(gamma)}), "p_t", "(1−p_t)^γ", loc.T("walk_s5_col_suppression"))
	for _, pt := range focusPTs {
		table.Rows = append(table.Rows, []string{decimalText(pt), formatSig(sim.ModulatingFactor(pt, gamma), 3), "×" + formatSig(suppression(pt), 3)})
	}

	marks := []float64{0.9}
	var notes []string
	if p1000, ok := sim.SuppressionPT(gamma, 1000); ok {
		data := map[string]any{
			"Gamma": decimalText(gamma), "At09": formatSig(suppression(0.9), 3), "Max05": formatSig(suppression(0.5), 3),
			"P1000": nearOneText(p1000), "Close": decimalText(nearOneLimit),
		}
		if 1-p1000 < nearOneLimit {
			notes = append(notes, loc.T("walk_s5_note_near_one", data))
		} else {
			marks = append(marks, p1000)
			notes = append(notes, loc.T("walk_s5_note", data))
		}
	} else {
		notes = append(notes, loc.T("walk_s5_note_zero"))
	}
	notes = append(notes, b.articleFactorsNote(gamma))

	// The choices are ×1 (not smaller), smaller but below ×30, ×30 to below
	// ×300, and ×300 or more, judged on the ratio as the answer shows it.
	ratio := suppression(0.9)
	shownRatio := roundSig(ratio, 3)
	correct, answerID := 1+rangeIndex(shownRatio, 30, 300), "walk_s5_q_answer"
	if shownRatio <= 1 {
		correct, answerID = 0, "walk_s5_q_answer_none"
	}
	answer := map[string]any{"Gamma": decimalText(gamma), "Factor": formatSig(sim.ModulatingFactor(0.9, gamma), 3), "Ratio": formatSig(ratio, 3)}
	question := b.question("walk_s5_q", 4, correct, map[string]any{"Gamma": decimalText(gamma)}, nil)
	question.Answer = loc.T(answerID, answer)
	return views.WalkSection{
		Lead: b.paragraphs("walk_s5_lead", 2),
		Charts: []views.WalkChart{
			{ID: "c-s5-family", Label: loc.T("walk_chart_family"), Option: charts.FocusFamily(gamma, loc)},
			{ID: "c-s5-suppression", Label: loc.T("walk_chart_suppression"), Option: charts.Suppression(gamma, marks, loc)},
		},
		Tables:   []views.WalkTable{table},
		Notes:    notes,
		Question: question,
	}, nil
}

// articleGamma is the γ of every example in the article.
const articleGamma = 2.0

// articleFactorsNote returns the note that sets the article's modulating
// factors at p_t = 0.99, 0.5 and 0.1, all at γ = 2, beside those at gamma.
func (b *walkBuilder) articleFactorsNote(gamma float64) string {
	data := map[string]any{"ArticleGamma": decimalText(articleGamma), "Gamma": decimalText(gamma)}
	for _, g := range []struct {
		prefix string
		gamma  float64
	}{{"A", articleGamma}, {"F", gamma}} {
		data[g.prefix+"099"] = formatSig(sim.ModulatingFactor(0.99, g.gamma), 3)
		data[g.prefix+"05"] = formatSig(sim.ModulatingFactor(0.5, g.gamma), 3)
		data[g.prefix+"01"] = formatSig(sim.ModulatingFactor(0.1, g.gamma), 3)
	}
	if gamma == articleGamma {
		return b.loc.T("walk_s5_note_article", data)
	}
	return b.loc.T("walk_s5_note_article_current", data)
}

// nearOneLimit is the distance from 1 within which section 5 leaves the p_t
// of 1,000-fold suppression off the chart, and states instead that no p_t up
// to 1 − nearOneLimit reaches it.
const nearOneLimit = 1e-4

// nearOneText writes a p_t close to 1 with enough decimals to show how far it
// lies below 1: two significant digits of 1 − p_t, so 0.999 stays "0.9990"
// rather than rounding to "1.00".
func nearOneText(pt float64) string {
	gap := 1 - pt
	if gap >= 0.1 || gap <= 0 {
		return formatSig(pt, 3)
	}
	decimals := int(math.Ceil(-math.Log10(gap))) + 1
	return strconv.FormatFloat(pt, 'f', decimals, 64)
}

// sectionGradients is section 6: the product of three factors, and the
// gradient with respect to the logit.
func (b *walkBuilder) sectionGradients() (views.WalkSection, error) {
	loc, alpha, gamma := b.loc, b.cfg.Alpha, b.cfg.Gamma
	anatomy := walkTable("t-s6-anatomy", loc.T("walk_s6_table_anatomy", map[string]any{"Alpha": decimalText(alpha), "Gamma": decimalText(gamma)}),
		"p_t", "α_t", "(1−p_t)^γ", "−log p_t", "FL")
	for _, pt := range anatomyPTs {
		anatomy.Rows = append(anatomy.Rows, []string{
			decimalText(pt), decimalText(alpha), formatSig(sim.ModulatingFactor(pt, gamma), 3),
			formatSig(sim.CrossEntropyPT(pt), 4), formatSig(sim.FocalPT(pt, alpha, gamma), 3),
		})
	}

	crossing := walkTable("t-s6-crossing", loc.T("walk_s6_table_crossing"), "γ", loc.T("walk_s6_col_crossing"), loc.T("walk_s6_col_g01"))
	gammas := append([]float64{}, charts.RatioGammas...)
	if indexOf(gammas, gamma) < 0 {
		gammas = append(gammas, gamma)
	}
	for _, g := range gammas {
		cross := "—"
		if pt, ok := sim.GradientRatioCrossing(g); ok {
			cross = formatSig(pt, 3)
		}
		label := decimalText(g)
		if g == gamma {
			label = loc.T("walk_current", map[string]any{"Value": label})
		}
		crossing.Rows = append(crossing.Rows, []string{label, cross, formatSig(sim.GradientRatio(0.1, g), 4)})
	}

	g01 := sim.GradientRatio(0.1, gamma)
	var notes []string
	if pt, ok := sim.GradientRatioCrossing(gamma); ok {
		notes = append(notes, loc.T("walk_s6_note", map[string]any{"Gamma": decimalText(gamma), "Cross": formatSig(pt, 3), "G01": formatSig(g01, 4)}))
	} else {
		notes = append(notes, loc.T("walk_s6_note_zero"))
	}
	// The choices are larger, the same and smaller, judged on g as shown.
	correct := compareShown(roundSig(g01, 4), 1, 0, 2, 1)
	return views.WalkSection{
		Lead: b.paragraphs("walk_s6_lead", 3),
		Charts: []views.WalkChart{
			{ID: "c-s6-derivative", Label: loc.T("walk_chart_derivative"), Option: charts.Derivatives(gamma, loc)},
			{ID: "c-s6-ratio", Label: loc.T("walk_chart_ratio"), Option: charts.GradientRatios(gamma, loc)},
		},
		Tables: []views.WalkTable{anatomy, crossing},
		Notes:  notes,
		Question: b.question("walk_s6_q", 3, correct, map[string]any{"Gamma": decimalText(gamma)}, map[string]any{
			"Gamma": decimalText(gamma), "G01": formatSig(g01, 4),
		}),
	}, nil
}

// indexOf returns the index of v in values, or -1.
func indexOf(values []float64, v float64) int {
	for i, x := range values {
		if math.Abs(x-v) < 1e-9 {
			return i
		}
	}
	return -1
}
