package charts

import (
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"focallab/i18n"
	"focallab/sim"
)

// The figures of the walkthrough's sections 7 to 12, which show trained models.

// PaperBestAlpha is Lin et al. 2017, Table 1b: the best α for each γ on COCO
// with its AP. Higher γ goes with lower α.
var PaperBestAlpha = []struct{ Gamma, Alpha, AP float64 }{
	{0, 0.75, 31.1}, {0.1, 0.75, 31.4}, {0.2, 0.75, 31.9}, {0.5, 0.5, 32.9},
	{1, 0.25, 33.7}, {2, 0.25, 34.0}, {5, 0.25, 32.2},
}

// Figure4Gammas are the γ values of Lin et al. 2017, Figure 4.
var Figure4Gammas = []float64{0, 0.5, 1, 2}

var figure4Colors = []string{"#000000", "#56B4E9", "#009E73", "#0072B2"}

func formatG(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// SweepGrid is the result of an α × γ sweep: Recall[a][g] is the held-out
// recall of the model trained with Alphas[a] and Gammas[g], and BestAlpha[g]
// the index of the α with the highest recall at Gammas[g].
type SweepGrid struct {
	Alphas, Gammas []float64
	Recall         [][]float64
	BestAlpha      []int
}

// SweepHeatmap draws section 7's grid, the recall at the sweep's
// false-positive rate for every (α, γ). Two paths run over it. One is the
// best α per γ of PaperBestAlpha, where its γ is on the grid, and the other
// the best α per γ on this data. Series order: heatmap, paper path, data path.
func SweepHeatmap(g SweepGrid, fprText string, loc *i18n.Localizer) Option {
	gammaLabels := make([]string, len(g.Gammas))
	for i, v := range g.Gammas {
		gammaLabels[i] = formatG(v)
	}
	alphaLabels := make([]string, len(g.Alphas))
	for i, v := range g.Alphas {
		alphaLabels[i] = formatG(v)
	}
	heat := charts.NewHeatMap()
	heat.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_sweep_heat", map[string]any{"FPR": fprText})}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(opts.Grid{Top: "96", Left: "16", Right: "90", Bottom: "40"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "γ", Type: "category", Data: gammaLabels, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Name: "α", Type: "category", Data: alphaLabels, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	heat.SetXAxis(gammaLabels)
	cells := make([]opts.HeatMapData, 0, len(g.Alphas)*len(g.Gammas))
	for a := range g.Alphas {
		for gi := range g.Gammas {
			cells = append(cells, opts.HeatMapData{Value: []any{gi, a, round(g.Recall[a][gi], 3)}})
		}
	}
	heat.AddSeries(loc.T("walk_series_recall_cell"), cells,
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorFL}))

	paths := charts.NewLine()
	var paper []opts.LineData
	for _, p := range PaperBestAlpha {
		gi, ai := indexOf(g.Gammas, p.Gamma), indexOf(g.Alphas, p.Alpha)
		if gi >= 0 && ai >= 0 {
			paper = append(paper, opts.LineData{Value: []int{gi, ai}})
		}
	}
	var data []opts.LineData
	for gi, ai := range g.BestAlpha {
		data = append(data, opts.LineData{Value: []int{gi, ai}})
	}
	// The paths run through the cell centres with thin lines and small
	// symbols, below the values that sit in the top part of each cell.
	paths.AddSeries(loc.T("walk_series_paper_path"), paper,
		charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 7, ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: ColorPaperPath, Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorPaperPath}))
	paths.AddSeries(loc.T("walk_series_data_path"), data,
		charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 6, ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: "#000", Width: 1.5, Type: "dashed"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#000"}))
	heat.Overlap(paths)

	// The colour scale spans the recalls that occur, widened to multiples of
	// 0.05, so that small differences between cells stay visible.
	lo, hi := 1.0, 0.0
	for _, row := range g.Recall {
		for _, r := range row {
			lo, hi = min(lo, r), max(hi, r)
		}
	}
	lo, hi = math.Floor(lo*20)/20, math.Ceil(hi*20)/20
	if hi <= lo {
		lo, hi = max(0, lo-0.05), min(1, hi+0.05)
	}
	option := walkOption(heat)
	// go-echarts has no visualMap.seriesIndex, which keeps the colour scale off
	// the two paths, so the scale is written here.
	option["visualMap"] = []map[string]any{{
		"type": "continuous", "seriesIndex": []int{0}, "min": lo, "max": hi, "calculable": false, "text": []string{formatG(hi), formatG(lo)},
		"right": "0", "top": "middle", "itemHeight": 140,
		"inRange": map[string]any{"color": heatRamp},
	}}

	// Each value sits in the top part of its cell, clear of the paths through
	// the centres, in black or white, whichever contrasts more with the fill.
	// go-echarts has no label per heatmap item, so the data is written here.
	series := asList(option["series"])
	items := make([]map[string]any, 0, len(cells))
	for a := range g.Alphas {
		for gi := range g.Gammas {
			value := round(g.Recall[a][gi], 3)
			text := heatLabelColor(heatFill((value - lo) / (hi - lo)))
			items = append(items, map[string]any{
				"value": []any{gi, a, value},
				"label": map[string]any{"color": text, "textBorderColor": heatHalo[text], "textBorderWidth": 2},
			})
		}
	}
	series[0]["data"] = items
	series[0]["label"] = map[string]any{"show": true, "position": "insideTop", "distance": 4, "fontSize": 12, "fontWeight": "bold"}
	return option
}

// ColorPaperPath is the colour of the path of Lin et al. 2017, Table 1b.
const ColorPaperPath = "#D55E00"

// heatRamp is the colour scale of the heatmap, from the lowest recall to the
// highest, spaced evenly as ECharts interpolates it.
var heatRamp = []string{"#ffffff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"}

// heatHalo is the outline drawn around a label of each text colour.
var heatHalo = map[string]string{"#000000": "rgba(255,255,255,0.6)", "#ffffff": "rgba(0,0,0,0.35)"}

// heatFill returns the fill that heatRamp gives a cell at position t in [0, 1]
// of the colour scale, interpolated per RGB channel as ECharts does.
func heatFill(t float64) [3]float64 {
	if math.IsNaN(t) {
		t = 0
	}
	t = min(1, max(0, t)) * float64(len(heatRamp)-1)
	i := min(int(t), len(heatRamp)-2)
	lo, hi := hexRGB(heatRamp[i]), hexRGB(heatRamp[i+1])
	var out [3]float64
	for c := range out {
		out[c] = lo[c] + (t-float64(i))*(hi[c]-lo[c])
	}
	return out
}

// hexRGB returns the channels of a "#rrggbb" colour in [0, 255].
func hexRGB(hex string) [3]float64 {
	v, _ := strconv.ParseUint(hex[1:], 16, 32) // the colours above are constants
	return [3]float64{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}
}

// relativeLuminance is the WCAG 2 relative luminance of an sRGB colour.
func relativeLuminance(rgb [3]float64) float64 {
	var lin [3]float64
	for c, v := range rgb {
		v /= 255
		if v <= 0.04045 {
			lin[c] = v / 12.92
		} else {
			lin[c] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*lin[0] + 0.7152*lin[1] + 0.0722*lin[2]
}

// contrastRatio is the WCAG 2 contrast ratio of two colours, from 1 to 21.
func contrastRatio(a, b [3]float64) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// heatLabelColor returns "#000000" or "#ffffff", whichever has the higher
// contrast ratio with the fill.
func heatLabelColor(fill [3]float64) string {
	if contrastRatio(fill, [3]float64{}) >= contrastRatio(fill, [3]float64{255, 255, 255}) {
		return "#000000"
	}
	return "#ffffff"
}

func indexOf(values []float64, v float64) int {
	for i, x := range values {
		if math.Abs(x-v) < 1e-9 {
			return i
		}
	}
	return -1
}

// SweepLine draws section 7's γ sweep at one α: the held-out recall at the
// sweep's false-positive rate (left axis) and the mean cross-entropy of the
// held-out negatives (right axis) for each γ.
func SweepLine(cells []sim.SweepCell, fprText string, loc *i18n.Localizer) Option {
	labels := make([]string, len(cells))
	recall := make([]opts.LineData, len(cells))
	negLoss := make([]opts.LineData, len(cells))
	for i, c := range cells {
		labels[i] = formatG(c.Gamma)
		recall[i] = opts.LineData{Value: round(c.Recall, 4)}
		negLoss[i] = opts.LineData{Value: round(c.NegativeLoss, 4)}
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_sweep_line")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(opts.Grid{Top: "84", Left: "16", Right: "16", Bottom: "40"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "γ", Type: "category", Data: labels, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(valueAxisY(loc.T("walk_axis_recall_at", map[string]any{"FPR": fprText}), 0, 1)),
		charts.WithAnimation(false),
	)
	line.SetXAxis(labels)
	line.ExtendYAxis(opts.YAxis{Name: loc.T("walk_axis_negative_loss"), Type: "value", Position: "right", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}})
	line.AddSeries(loc.T("walk_series_recall_at", map[string]any{"FPR": fprText}), recall, lineStyle(ColorNeedle, 3, false))
	line.AddSeries(loc.T("walk_series_negative_loss"), negLoss, lineStyle(ColorHaystack, 3, true),
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
	return walkOption(line)
}

// ModelCurve is a named curve of one model.
type ModelCurve struct {
	Name, Color string
	ROC         []sim.ROCPoint
	PR          []sim.PRPoint
}

// ROCLog draws section 8's ROC curves on a logarithmic false-positive axis
// from minFPR to 1. A log axis cannot show FPR 0, so each curve starts at
// minFPR with the recall it reaches there (sim.TPRAtFPR), and vertices left
// of minFPR are folded into that start. marks are FPR values drawn as
// vertical lines.
func ROCLog(curves []ModelCurve, minFPR float64, marks []float64, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_roc"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		opts.XAxis{Name: loc.T("walk_axis_fpr_log"), Type: "log", Min: minFPR, Max: 1, NameLocation: "middle", NameGap: 28},
		valueAxisY(loc.T("walk_axis_tpr"), 0, 1))

	for _, c := range curves {
		points := []opts.LineData{{Value: []float64{minFPR, round(sim.TPRAtFPR(c.ROC, minFPR), 6)}}}
		for _, p := range c.ROC {
			if p.FPR > minFPR {
				points = append(points, opts.LineData{Value: []float64{round(p.FPR, 6), round(p.TPR, 6)}})
			}
		}
		line.AddSeries(c.Name, points, noSymbol(), lineStyle(c.Color, 3, false))
	}

	// Chance level, TPR = FPR, at ten points per decade of the axis.
	var chance []opts.LineData
	for e := math.Log10(minFPR); e < 1e-9; e += 0.1 {
		f := math.Pow(10, math.Min(e, 0))
		chance = append(chance, opts.LineData{Value: []float64{round(f, 6), round(f, 6)}})
	}
	line.AddSeries(loc.T("walk_series_chance"), chance, noSymbol(), lineStyle("#999", 1, true))

	// The marked rates are drawn as vertical series: a markLine with two
	// items drew only one of them on this log axis in ECharts 5.6.0.
	legend := []string{}
	for _, c := range curves {
		legend = append(legend, c.Name)
	}
	legend = append(legend, loc.T("walk_series_chance"))
	for _, m := range marks {
		line.AddSeries("FPR "+formatG(m), []opts.LineData{{Value: []float64{m, 0}}, {Value: []float64{m, 1}}}, noSymbol(), lineStyle("#444", 1, true))
	}
	line.SetGlobalOptions(charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26", Data: legend}))
	return walkOption(line)
}

// PrecisionRecall draws section 8's precision-recall curves. Each point holds
// its precision over the recall interval that ends at it, which is the step
// function that average precision sums.
func PrecisionRecall(curves []ModelCurve, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_pr"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX(loc.T("metrics_recall"), 0, 1), valueAxisY(loc.T("metrics_precision"), 0, 1))
	for _, c := range curves {
		points := make([]opts.LineData, 0, len(c.PR)+1)
		if len(c.PR) > 0 {
			points = append(points, opts.LineData{Value: []float64{0, round(c.PR[0].Precision, 6)}})
		}
		for _, p := range c.PR {
			points = append(points, opts.LineData{Value: []float64{round(p.Recall, 6), round(p.Precision, 6)}})
		}
		line.AddSeries(c.Name, points, noSymbol(), lineStyle(c.Color, 3, false),
			charts.WithLineChartOpts(opts.LineChart{Step: "start", ShowSymbol: opts.Bool(false), Symbol: "none"}))
	}
	return walkOption(line)
}

// WeightHistogram is the distribution of per-example weights α_t(1−p_t)^γ of
// one class: Share[i] is the share of the class whose log10 weight falls into
// [Edges[i], Edges[i+1]).
type WeightHistogram struct {
	Name, Color string
	Share       []float64
}

// EffectiveWeights draws section 9's histograms of log10 α_t(1−p_t)^γ for the
// positives and the negatives of the training split, each as a share of its
// class.
func EffectiveWeights(edges []float64, hists []WeightHistogram, loc *i18n.Localizer) Option {
	labels := make([]string, len(edges)-1)
	for i := range labels {
		labels[i] = strconv.FormatFloat(edges[i], 'f', -1, 64)
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_weights")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "48"}),
		charts.WithXAxisOpts(opts.XAxis{Name: loc.T("walk_axis_log_weight"), Type: "category", Data: labels, NameLocation: "middle", NameGap: 36}),
		charts.WithYAxisOpts(valueAxisY(loc.T("walk_axis_class_share"), 0, nil)),
		charts.WithAnimation(false),
	)
	bar.SetXAxis(labels)
	for _, h := range hists {
		data := make([]opts.BarData, len(h.Share))
		for i, s := range h.Share {
			data[i] = opts.BarData{Value: round(s, 4)}
		}
		bar.AddSeries(h.Name, data, charts.WithItemStyleOpts(opts.ItemStyle{Color: h.Color}))
	}
	return walkOption(bar)
}

// Figure4Curves are the cumulative normalised losses of one class for each γ
// of Figure4Gammas, in that order.
type Figure4Curves struct {
	Title  string
	Curves []sim.CumulativeLoss
}

// Figure4 draws Lin et al. 2017, Figure 4 for section 9. For positives (left)
// and negatives (right) it plots the cumulative share of the normalised focal
// loss against the fraction of examples, sorted from easiest to hardest. It
// draws one line per γ of Figure4Gammas, with both axes from 0 to 1.
func Figure4(groups []Figure4Curves, loc *i18n.Localizer) Option {
	line := charts.NewLine()
	grids := make([]opts.Grid, len(groups))
	for i := range groups {
		left := 2 + 50*i
		grids[i] = opts.Grid{Top: "96", Left: strconv.Itoa(left) + "%", Width: "44%", Bottom: "40"}
	}
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_figure4")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(grids...),
		charts.WithXAxisOpts(opts.XAxis{Name: groups[0].Title, Type: "value", Min: 0, Max: 1, GridIndex: 0, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Name: loc.T("walk_axis_cumulative_loss"), Type: "value", Min: 0, Max: 1, GridIndex: 0, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	for i := 1; i < len(groups); i++ {
		line.ExtendXAxis(opts.XAxis{Name: groups[i].Title, Type: "value", Min: 0, Max: 1, GridIndex: i, NameLocation: "middle", NameGap: 28})
		line.ExtendYAxis(opts.YAxis{Type: "value", Min: 0, Max: 1, GridIndex: i, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}})
	}
	for gi, group := range groups {
		for k, c := range group.Curves {
			axis := gi
			line.AddSeries(loc.T("series_gamma", map[string]any{"Gamma": Figure4Gammas[k]}), xyLine(c.Fraction, c.Share),
				noSymbol(), lineStyle(figure4Colors[k], 2, false),
				charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.XAxisIndex, s.YAxisIndex = axis, axis }))
		}
	}
	return walkOption(line)
}

// ReliabilityCurve is the reliability diagram of one model.
type ReliabilityCurve struct {
	Name, Color string
	Bins        []sim.ReliabilityBin
}

// Reliability draws section 10's reliability diagram: for each non-empty bin,
// the observed share of positives against the mean predicted probability,
// with the diagonal of perfect calibration.
func Reliability(curves []ReliabilityCurve, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_reliability"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX(loc.T("walk_axis_mean_score"), 0, 1), valueAxisY(loc.T("walk_axis_observed"), 0, 1))
	line.AddSeries(loc.T("walk_series_diagonal"), []opts.LineData{{Value: []float64{0, 0}}, {Value: []float64{1, 1}}}, noSymbol(), lineStyle("#999", 1, true))
	for _, c := range curves {
		points := make([]opts.LineData, len(c.Bins))
		for i, b := range c.Bins {
			points[i] = opts.LineData{Value: []float64{round(b.MeanScore, 6), round(b.Rate, 6)}}
		}
		line.AddSeries(c.Name, points, lineStyle(c.Color, 2, false),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 8, ShowSymbol: opts.Bool(true)}))
	}
	return walkOption(line)
}

// OptimalCurve names one (α, γ) of the q*(η) figure.
type OptimalCurve struct {
	Name, Color  string
	Alpha, Gamma float64
}

// OptimalScores draws section 10's q*(η): the score that minimises the
// expected focal loss when the true probability is η, for each (α, γ) in
// params, over η on PTGrid, with the diagonal q = η of a proper scoring rule.
func OptimalScores(params []OptimalCurve, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_optimal"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("η", 0, 1), valueAxisY("q*", 0, 1))
	line.AddSeries(loc.T("walk_series_proper"), curve(func(eta float64) float64 { return eta }, false), noSymbol(), lineStyle("#999", 1, true))
	for _, p := range params {
		line.AddSeries(p.Name, curve(func(eta float64) float64 { return sim.OptimalScore(eta, p.Alpha, p.Gamma) }, false),
			noSymbol(), lineStyle(p.Color, 3, false))
	}
	return walkOption(line)
}

// EarlyCurves are the first training steps of one model and initialisation.
type EarlyCurves struct {
	Name, Color string
	Dashed      bool
	Points      []sim.EarlyPoint
}

// PriorStart draws section 11: the training objective on a log axis (top)
// and the share of it carried by the positives (bottom) over the first steps,
// for CE and FL with and without the prior initialisation.
func PriorStart(curves []EarlyCurves, lastStep int, loc *i18n.Localizer) Option {
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_prior")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(
			opts.Grid{Top: "96", Left: "16", Right: "24", Height: "30%"},
			opts.Grid{Top: "62%", Left: "16", Right: "24", Bottom: "40"},
		),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: lastStep, GridIndex: 0}),
		charts.WithYAxisOpts(opts.YAxis{Name: loc.T("axis_train_loss"), Type: "log", GridIndex: 0, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	line.ExtendXAxis(opts.XAxis{Name: loc.T("axis_step"), Type: "value", Min: 0, Max: lastStep, GridIndex: 1, NameLocation: "middle", NameGap: 24})
	line.ExtendYAxis(opts.YAxis{Name: loc.T("walk_axis_positive_share"), Type: "value", Min: 0, Max: 1, GridIndex: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}})
	for _, c := range curves {
		loss := make([]opts.LineData, len(c.Points))
		share := make([]opts.LineData, len(c.Points))
		for i, p := range c.Points {
			loss[i] = opts.LineData{Value: []float64{float64(p.Step), round(max(p.Loss, lossFloor), 6)}}
			share[i] = opts.LineData{Value: []float64{float64(p.Step), round(p.PositiveShare, 6)}}
		}
		line.AddSeries(c.Name, loss, noSymbol(), lineStyle(c.Color, 2, c.Dashed))
		line.AddSeries(c.Name, share, noSymbol(), lineStyle(c.Color, 2, c.Dashed),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.XAxisIndex, s.YAxisIndex = 1, 1 }))
	}
	return walkOption(line)
}

// PresetBar is one application preset of section 12.
type PresetBar struct {
	Label     string
	Ratio     int
	Positives int // positives in the training split
}

// Presets draws section 12: the imbalance ratio of each preset on a log axis
// and the number of positives its training split holds.
func Presets(presets []PresetBar, loc *i18n.Localizer) Option {
	labels := make([]string, len(presets))
	ratios := make([]opts.BarData, len(presets))
	positives := make([]opts.BarData, len(presets))
	for i, p := range presets {
		labels[i] = p.Label
		ratios[i] = opts.BarData{Value: p.Ratio}
		positives[i] = opts.BarData{Value: p.Positives}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_presets")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(opts.Grid{Top: "84", Left: "16", Right: "32", Bottom: "40"}),
		charts.WithXAxisOpts(opts.XAxis{Name: loc.T("walk_axis_count_log"), Type: "log", Min: 1, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	bar.AddSeries(loc.T("walk_series_ratio"), ratios, charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorHaystack}))
	bar.AddSeries(loc.T("walk_series_train_positives"), positives, charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorNeedle}))
	return walkOption(bar)
}
