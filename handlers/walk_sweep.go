package handlers

import (
	"context"
	"fmt"
	"math"
	"strings"

	"focallab/charts"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// Section 7 of the walkthrough: a sweep over γ, and over α × γ, of models
// trained on the link's data.

// walkSweepMaxSteps caps the training of each sweep model, so that a sweep
// of 36 to 42 models takes about a second before it is cached (measured with
// the default link on 2 cores).
const walkSweepMaxSteps = 1000

// sweepSteps returns the training length of each sweep model.
func (b *walkBuilder) sweepSteps() int {
	return min(b.trainTo(), walkSweepMaxSteps)
}

// cellKey is the cache key of one sweep model: everything that determines it.
func (b *walkBuilder) cellKey(alpha, gamma float64) string {
	tc := b.cfg.TrainConfig()
	return fmt.Sprintf("cell:seed=%d&n=%d&ratio=%d&lr=%g&prior=%t&steps=%d&a=%g&g=%g",
		tc.Data.Seed, tc.Data.Size, tc.Data.Ratio, tc.LR, tc.Prior, b.sweepSteps(), alpha, gamma)
}

func (b *walkBuilder) cellCompute(alpha, gamma float64) func() sim.SweepCell {
	tc := b.cfg.TrainConfig()
	train, heldOut := b.data()
	steps := b.sweepSteps()
	return func() sim.SweepCell { return sim.TrainSweepCell(tc, train, heldOut, alpha, gamma, steps) }
}

// sweepCells returns the cells of the grid and of the γ line at the link's α,
// or ok = false when the builder may not wait and some cell is not cached
// yet. Every missing cell is started either way, and kept in the cache.
func (b *walkBuilder) sweepCells() (grid [][]sim.SweepCell, line []sim.SweepCell, ok bool, err error) {
	type job struct{ alpha, gamma float64 }
	var jobs []job
	for _, a := range sim.SweepAlphas {
		for _, g := range sim.SweepGammas {
			jobs = append(jobs, job{a, g})
		}
	}
	if indexOf(sim.SweepAlphas, b.cfg.Alpha) < 0 {
		for _, g := range sim.SweepGammas {
			jobs = append(jobs, job{b.cfg.Alpha, g})
		}
	}

	cells := map[job]sim.SweepCell{}
	missing := false
	for _, j := range jobs {
		if c, found := walkPeek[sim.SweepCell](&b.app.walk, b.cellKey(j.alpha, j.gamma)); found {
			cells[j] = c
			continue
		}
		missing = true
		// Start the computation without waiting: the loop below waits, or a
		// later request finds the result.
		go walkMemo(context.WithoutCancel(b.ctx), &b.app.walk, b.cellKey(j.alpha, j.gamma), true, b.cellCompute(j.alpha, j.gamma))
	}
	if missing && !b.waitSweep {
		return nil, nil, false, nil
	}
	for _, j := range jobs {
		if _, found := cells[j]; found {
			continue
		}
		c, err := walkMemo(b.ctx, &b.app.walk, b.cellKey(j.alpha, j.gamma), true, b.cellCompute(j.alpha, j.gamma))
		if err != nil {
			return nil, nil, false, &Error{Status: 503, ID: "error_cancelled", Err: err}
		}
		cells[j] = c
	}

	grid = make([][]sim.SweepCell, len(sim.SweepAlphas))
	for a, alpha := range sim.SweepAlphas {
		for _, g := range sim.SweepGammas {
			grid[a] = append(grid[a], cells[job{alpha, g}])
		}
	}
	for _, g := range sim.SweepGammas {
		line = append(line, cells[job{b.cfg.Alpha, g}])
	}
	return grid, line, true, nil
}

// sectionTuning is section 7: a deterministic sweep over γ, and over α × γ.
func (b *walkBuilder) sectionTuning() (views.WalkSection, error) {
	loc := b.loc
	fprText := decimalText(sim.SweepFPR)
	s := views.WalkSection{Lead: b.paragraphs("walk_s7_lead", 2)}
	s.Notes = []string{loc.T("walk_s7_note_protocol", map[string]any{
		"Steps": i18n.GroupDigits(b.sweepSteps()), "Cells": len(sim.SweepAlphas) * len(sim.SweepGammas), "FPR": fprText,
	})}
	if b.trainTo() > walkSweepMaxSteps {
		s.Notes = append(s.Notes, loc.T("walk_s7_note_capped", map[string]any{"Steps": i18n.GroupDigits(walkSweepMaxSteps), "Run": i18n.GroupDigits(b.trainTo())}))
	}
	s.Question = views.WalkQuestion{Prompt: loc.T("walk_s7_q", map[string]any{"Alpha": decimalText(b.cfg.Alpha), "FPR": fprText}), Correct: []int{}, Answer: loc.T("walk_pending")}
	for _, g := range sim.SweepGammas {
		s.Question.Choices = append(s.Question.Choices, "γ = "+decimalText(g))
	}

	grid, line, ok, err := b.sweepCells()
	if err != nil {
		return views.WalkSection{}, err
	}
	if !ok {
		s.Pending = true
		return s, nil
	}

	// The γ line at the link's α.
	table := walkTable("t-s7-line", loc.T("walk_s7_table", map[string]any{"Alpha": decimalText(b.cfg.Alpha)}), "γ",
		loc.T("walk_col_recall_at", map[string]any{"FPR": fprText}), loc.T("walk_col_negative_loss"), "AP")
	for _, c := range line {
		table.Rows = append(table.Rows, []string{decimalText(c.Gamma), formatFixed(c.Recall, true, 2), formatSig(c.NegativeLoss, 3), formatFixed(c.AP, c.APOK, 3)})
	}
	// The question names no tie-break, so every γ whose recall as the table
	// shows it equals the highest is a correct choice.
	best := bestRecalls(line)
	bestGammas := make([]string, len(best))
	for i, g := range best {
		bestGammas[i] = decimalText(line[g].Gamma)
	}
	bestText := strings.Join(bestGammas, loc.T("walk_list_sep"))
	top := line[best[0]]
	first, last := line[0], line[len(line)-1]
	s.Notes = append(s.Notes, loc.T("walk_s7_note_line", map[string]any{
		"Alpha": decimalText(b.cfg.Alpha), "FPR": fprText, "BestGamma": bestText, "BestRecall": formatFixed(top.Recall, true, 2),
		"LastGamma": decimalText(last.Gamma), "LastRecall": formatFixed(last.Recall, true, 2),
	}))
	majority := map[string]any{
		"FirstGamma": decimalText(first.Gamma), "LastGamma": decimalText(last.Gamma),
		"First": formatSig(first.NegativeLoss, 3), "Last": formatSig(last.NegativeLoss, 3),
		"Factor": formatSig(last.NegativeLoss/first.NegativeLoss, 3),
	}
	if last.NegativeLoss > first.NegativeLoss {
		s.Notes = append(s.Notes, loc.T("walk_s7_note_underfit", majority))
	} else {
		s.Notes = append(s.Notes, loc.T("walk_s7_note_no_underfit", majority))
	}

	// The α × γ grid and the best α per γ.
	heat := charts.SweepGrid{Alphas: sim.SweepAlphas, Gammas: sim.SweepGammas}
	heat.Recall = make([][]float64, len(grid))
	heat.BestAlpha = make([]int, len(sim.SweepGammas))
	for a, row := range grid {
		for _, c := range row {
			heat.Recall[a] = append(heat.Recall[a], c.Recall)
		}
	}
	var ours, paper []string
	for g := range sim.SweepGammas {
		for a := range grid {
			if betterCell(grid[a][g], grid[heat.BestAlpha[g]][g]) {
				heat.BestAlpha[g] = a
			}
		}
		ours = append(ours, "γ "+decimalText(sim.SweepGammas[g])+" → α "+decimalText(sim.SweepAlphas[heat.BestAlpha[g]]))
	}
	for _, p := range charts.PaperBestAlpha {
		paper = append(paper, "γ "+decimalText(p.Gamma)+" → α "+decimalText(p.Alpha))
	}
	s.Notes = append(s.Notes, loc.T("walk_s7_note_paths", map[string]any{"Ours": strings.Join(ours, ", "), "Paper": strings.Join(paper, ", ")}))

	s.Charts = []views.WalkChart{
		{ID: "c-s7-line", Label: loc.T("walk_chart_sweep_line"), Option: charts.SweepLine(line, fprText, loc)},
		{ID: "c-s7-heat", Label: loc.T("walk_chart_sweep_heat", map[string]any{"FPR": fprText}), Option: charts.SweepHeatmap(heat, fprText, loc), Tall: true},
	}
	s.Tables = []views.WalkTable{table}
	s.Question.Correct = best
	answer := map[string]any{
		"Alpha": decimalText(b.cfg.Alpha), "FPR": fprText, "Gamma": bestText, "Recall": formatFixed(top.Recall, true, 2),
	}
	if len(best) > 1 {
		s.Question.Answer = loc.T("walk_s7_q_answer_tie", answer)
	} else {
		s.Question.Answer = loc.T("walk_s7_q_answer", answer)
	}
	return s, nil
}

// bestRecalls returns the indices of the cells whose recall, rounded to the
// two decimals that section 7 shows, is the highest.
func bestRecalls(cells []sim.SweepCell) []int {
	top := math.Inf(-1)
	for _, c := range cells {
		top = max(top, roundDecimals(c.Recall, 2))
	}
	var best []int
	for i, c := range cells {
		if roundDecimals(c.Recall, 2) == top {
			best = append(best, i)
		}
	}
	return best
}

// betterCell reports whether sweep cell a beats b: higher recall, and on a
// tie in recall higher AP, the measure of Lin et al. 2017, Table 1. It picks
// the best α per γ of the heatmap's path, where one α must be drawn.
func betterCell(a, b sim.SweepCell) bool {
	if a.Recall != b.Recall {
		return a.Recall > b.Recall
	}
	return a.APOK && (!b.APOK || a.AP > b.AP)
}
