package charts

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"focallab/i18n"
	"focallab/sim"
)

// The figures of the walkthrough's first six sections: the data, the loss as a
// function of p_t, the easy-against-hard calculator and the gradients.

// SurpriseGridStep is the spacing of the p_t grid of the cross-entropy figure.
// It equals the step of the link parameter pt, so the page can look up the
// loss of any point the reader drags to.
const SurpriseGridStep = 0.001

// DerivativeXT is the x_t range of the derivative figure, as in Lin et al.
// 2017, Figure 6.
const DerivativeXT = 10.0

// PaperFocalStar are the (γ, β) pairs of the FL* variant in Lin et al. 2017,
// Figures 5 and 6.
var PaperFocalStar = [][2]float64{{2, 1}, {4, 0}}

// RatioGammas are the γ values whose gradient ratio the walkthrough draws.
var RatioGammas = []float64{1, 2, 3, 5}

// ratioColors are the colours of the RatioGammas curves, in order.
var ratioColors = []string{"#009E73", "#56B4E9", "#CC79A7", "#D55E00"}

// ColorFocalStar are the colours of the FL* curves, in the order of PaperFocalStar.
var ColorFocalStar = []string{"#CC79A7", "#D55E00"}

// xyLine turns paired values into line points rounded to 6 significant digits.
func xyLine(xs, ys []float64) []opts.LineData {
	points := make([]opts.LineData, len(xs))
	for i := range xs {
		points[i] = opts.LineData{Value: []float64{round(xs[i], 6), round(ys[i], 6)}}
	}
	return points
}

// walkOption validates c and returns its option as plain JSON values. It adds
// the styling that go-echarts has no field for: a smaller title, and grids
// that make room for their axis labels. It also aligns each y-axis name to
// extend inward from its axis, so that a long name stays inside the chart.
func walkOption(c validator) Option {
	raw, err := json.Marshal(optionOf(c))
	if err != nil {
		panic("charts: encode option: " + err.Error()) // every value is a plain number or string
	}
	var o Option
	if err := json.Unmarshal(raw, &o); err != nil {
		panic("charts: decode option: " + err.Error())
	}
	if title, ok := o["title"].(map[string]any); ok {
		title["textStyle"] = map[string]any{"fontSize": 14}
	}
	for _, grid := range asList(o["grid"]) {
		grid["containLabel"] = true
	}
	for _, axis := range asList(o["yAxis"]) {
		if axis["nameLocation"] == nil {
			align := "left"
			if axis["position"] == "right" {
				align = "right"
			}
			axis["nameTextStyle"] = map[string]any{"align": align}
		}
	}
	return o
}

// asList returns an option component as a list of objects, whether ECharts
// got it as one object or as an array.
func asList(v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		var out []map[string]any
		for _, item := range v {
			if m, ok := item.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func baseLine(title string, grid opts.Grid, x opts.XAxis, y opts.YAxis) *charts.Line {
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(grid),
		charts.WithXAxisOpts(x),
		charts.WithYAxisOpts(y),
		charts.WithAnimation(false),
	)
	return line
}

func valueAxisX(name string, lo, hi float64) opts.XAxis {
	return opts.XAxis{Name: name, Type: "value", Min: lo, Max: hi, NameLocation: "middle", NameGap: 28}
}

func valueAxisY(name string, lo, hi any) opts.YAxis {
	return opts.YAxis{Name: name, Type: "value", Min: lo, Max: hi, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}
}

// DataScatter draws the training split of section 1: every needle, every hard
// negative and a sample of the haystack, on the data's own coordinates.
func DataScatter(sample HaystackSample, loc *i18n.Localizer) Option {
	scatter := charts.NewScatter()
	scatter.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_data")}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "x", Type: "value", Min: BoxMin, Max: BoxMax, NameLocation: "middle", NameGap: 24}),
		charts.WithYAxisOpts(opts.YAxis{Name: "y", Type: "value", Min: BoxMin, Max: BoxMax, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	scatter.AddSeries(loc.T("series_haystack", map[string]any{"Shown": i18n.GroupDigits(len(sample.Easy)), "Total": i18n.GroupDigits(sample.EasyTotal)}), scatterData(sample.Easy),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorHaystack, Opacity: opts.Float(0.45)}),
		charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 3}))
	scatter.AddSeries(loc.T("series_hard"), scatterData(sample.Hard),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorHard, Opacity: opts.Float(0.8)}),
		charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 4}))
	scatter.AddSeries(loc.T("series_needles"), scatterData(sample.Needles),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorNeedle, BorderColor: "#000", BorderWidth: 1}),
		charts.WithScatterChartOpts(opts.ScatterChart{Symbol: "diamond", SymbolSize: 10}))
	return walkOption(scatter)
}

// SurpriseGrid returns the p_t values of the cross-entropy figure:
// k·SurpriseGridStep for k = 1 … 999.
func SurpriseGrid() []float64 {
	n := int(math.Round(1/SurpriseGridStep)) - 1
	grid := make([]float64, n)
	for k := range grid {
		grid[k] = float64(k+1) / float64(n+1)
	}
	return grid
}

// Surprise draws section 2: the cross-entropy −log p_t over SurpriseGrid, the
// article's two example points and the reader's point at pt. Series order:
// curve, article points, reader's point; the page's script moves the last one.
func Surprise(pt float64, articlePTs []float64, loc *i18n.Localizer) Option {
	grid := SurpriseGrid()
	ce := make([]float64, len(grid))
	for i, p := range grid {
		ce[i] = sim.CrossEntropyPT(p)
	}
	line := baseLine(loc.T("walk_chart_surprise"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("p_t", 0, 1), valueAxisY(loc.T("walk_axis_surprise"), 0, 7))
	line.AddSeries("−log p_t", xyLine(grid, ce), noSymbol(), lineStyle(ColorCE, 3, false))

	points := func(pts []float64) []opts.LineData {
		out := make([]opts.LineData, len(pts))
		for i, p := range pts {
			out[i] = opts.LineData{Value: []float64{p, round(sim.CrossEntropyPT(p), 6)}}
		}
		return out
	}
	line.AddSeries(loc.T("walk_series_article_points"), points(articlePTs),
		charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 9, ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 0, Opacity: opts.Float(0)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#000"}))
	line.AddSeries(loc.T("walk_series_your_point"), points([]float64{pt}),
		charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 16, ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 0, Opacity: opts.Float(0)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorFL, BorderColor: "#fff", BorderWidth: 2}))
	return walkOption(line)
}

// CalculatorBar is one loss of the calculator: the share of the total loss and
// of the total gradient magnitude that the easy group carries.
type CalculatorBar struct {
	Label              string
	LossEasy, GradEasy float64 // in [0, 1]; the hard group carries the rest
}

// Calculator draws section 3: for each loss, stacked bars of the easy and the
// hard group's shares, the loss on the left and the gradient on the right.
func Calculator(bars []CalculatorBar, loc *i18n.Localizer) Option {
	labels := make([]string, len(bars))
	for i, b := range bars {
		labels[i] = b.Label
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("walk_chart_calculator")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(
			opts.Grid{Top: "84", Left: "8", Right: "52%", Bottom: "36"},
			opts.Grid{Top: "84", Left: "56%", Right: "16", Bottom: "36"},
		),
		charts.WithXAxisOpts(opts.XAxis{Name: loc.T("walk_axis_loss_share"), Type: "value", Min: 0, Max: 1, GridIndex: 0, NameLocation: "middle", NameGap: 22}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, GridIndex: 0, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	bar.ExtendXAxis(opts.XAxis{Name: loc.T("walk_axis_gradient_share"), Type: "value", Min: 0, Max: 1, GridIndex: 1, NameLocation: "middle", NameGap: 22})
	bar.ExtendYAxis(opts.YAxis{Type: "category", Data: labels, GridIndex: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(false)}})

	add := func(name, stack, color string, grid int, value func(CalculatorBar) float64) {
		data := make([]opts.BarData, len(bars))
		for i, b := range bars {
			data[i] = opts.BarData{Value: round(value(b), 6)}
		}
		bar.AddSeries(name, data,
			charts.WithBarChartOpts(opts.BarChart{Stack: stack, XAxisIndex: grid, YAxisIndex: grid}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
	}
	easy, hard := loc.T("walk_series_easy"), loc.T("walk_series_hard")
	add(easy, "loss", ColorHaystack, 0, func(b CalculatorBar) float64 { return b.LossEasy })
	add(hard, "loss", ColorNeedle, 0, func(b CalculatorBar) float64 { return 1 - b.LossEasy })
	add(easy, "grad", ColorHaystack, 1, func(b CalculatorBar) float64 { return b.GradEasy })
	add(hard, "grad", ColorNeedle, 1, func(b CalculatorBar) float64 { return 1 - b.GradEasy })
	option := walkOption(bar)
	option["legend"] = map[string]any{"show": true, "top": "26", "data": []string{easy, hard}}
	return option
}

// ClassWeights draws section 4: the factor by which α-balanced cross-entropy
// and focal loss scale the cross-entropy of a positive and of a negative
// example, against p_t. α-balancing gives flat lines; focal loss does not.
func ClassWeights(alpha, gamma float64, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_class_weights"),
		opts.Grid{Top: "96", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("p_t", 0, 1), valueAxisY(loc.T("walk_axis_weight"), 0, 1))
	data := map[string]any{"Alpha": alpha, "Gamma": gamma, "OneMinus": roundText(1 - alpha)}
	add := func(key string, color string, dashed bool, weight func(pt float64) float64) {
		line.AddSeries(loc.T(key, data), curve(weight, false), noSymbol(), lineStyle(color, 3, dashed))
	}
	add("walk_series_balanced_pos", ColorBalanced, false, func(float64) float64 { return alpha })
	add("walk_series_balanced_neg", ColorBalanced, true, func(float64) float64 { return 1 - alpha })
	add("walk_series_focal_pos", ColorFL, false, func(pt float64) float64 { return alpha * sim.ModulatingFactor(pt, gamma) })
	add("walk_series_focal_neg", ColorFL, true, func(pt float64) float64 { return (1 - alpha) * sim.ModulatingFactor(pt, gamma) })
	return walkOption(line)
}

// roundText writes v with at most 6 decimals and no trailing zeros, so that
// 1 − 0.25 reads "0.75" and not a binary neighbour of it.
func roundText(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

// FocusFamily draws Lin et al. 2017, Figure 1 for section 5: the focal loss
// without α, −(1−p_t)^γ log p_t, for γ ∈ FamilyGammas and the current γ, on
// p_t ∈ (0, 1] and a loss axis from 0 to 5, with the region p_t > 0.5 of
// well-classified examples shaded.
func FocusFamily(gamma float64, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_family"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("p_t", 0, 1), valueAxisY(loc.T("axis_loss"), 0, 5))
	for i, g := range FamilyGammas {
		seriesOpts := []charts.SeriesOpts{noSymbol(), lineStyle(familyColors[i], 2, false)}
		if i == 0 {
			seriesOpts = append(seriesOpts,
				charts.WithMarkAreaData([]opts.MarkAreaData{{Name: loc.T("walk_well_classified"), XAxis: 0.5}, {XAxis: 1}}),
				charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: "rgba(0,114,178,0.08)"}, Label: &opts.Label{Show: opts.Bool(true), Position: "insideTop"}}))
		}
		line.AddSeries(loc.T("series_gamma", map[string]any{"Gamma": g}),
			curve(func(pt float64) float64 { return sim.FocalPT(pt, sim.NoAlpha, g) }, false), seriesOpts...)
	}
	line.AddSeries(loc.T("series_current_gamma", map[string]any{"Gamma": gamma}),
		curve(func(pt float64) float64 { return sim.FocalPT(pt, sim.NoAlpha, gamma) }, false), noSymbol(), lineStyle(ColorFL, 4, true))
	return walkOption(line)
}

// Suppression draws section 5's second figure: how many times smaller focal
// loss without α is than cross-entropy, 1/(1−p_t)^γ, on a log axis, for
// γ ∈ FamilyGammas without 0 and the current γ. marks are p_t values to
// highlight on the current curve.
func Suppression(gamma float64, marks []float64, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_suppression"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("p_t", 0, 1), opts.YAxis{Name: loc.T("walk_axis_suppression"), Type: "log", Min: 1, Max: 1e6, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}})
	factor := func(g float64) func(float64) float64 {
		return func(pt float64) float64 { return 1 / sim.ModulatingFactor(pt, g) }
	}
	for i, g := range FamilyGammas {
		if g == 0 {
			continue
		}
		line.AddSeries(loc.T("series_gamma", map[string]any{"Gamma": g}), curve(factor(g), false), noSymbol(), lineStyle(familyColors[i], 1, true))
	}
	line.AddSeries(loc.T("series_current_gamma", map[string]any{"Gamma": gamma}), curve(factor(gamma), false), noSymbol(), lineStyle(ColorFL, 4, false))
	points := make([]opts.LineData, 0, len(marks))
	for _, pt := range marks {
		points = append(points, opts.LineData{Value: []float64{round(pt, 6), round(factor(gamma)(pt), 6)}})
	}
	line.AddSeries(loc.T("walk_series_readout_points"), points,
		charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 9, ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 0, Opacity: opts.Float(0)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#000"}))
	return walkOption(line)
}

// DerivativeGrid returns the x_t values of the derivative figure: −10 to 10
// in steps of 0.05.
func DerivativeGrid() []float64 {
	const step = 0.05
	n := int(math.Round(2 * DerivativeXT / step))
	grid := make([]float64, n+1)
	for i := range grid {
		grid[i] = -DerivativeXT + float64(i)*step
	}
	return grid
}

// Derivatives draws Lin et al. 2017, Figure 6 for section 6: the derivative
// of the loss with respect to x_t (the logit signed by the label) for CE, FL
// with γ = 2, FL* with the (γ, β) of PaperFocalStar, and FL at the current γ,
// all without α, on x_t ∈ [−10, 10] and a y axis from −1.2 to 0.
func Derivatives(gamma float64, loc *i18n.Localizer) Option {
	grid := DerivativeGrid()
	line := baseLine(loc.T("walk_chart_derivative"),
		opts.Grid{Top: "96", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("x_t", -DerivativeXT, DerivativeXT), valueAxisY(loc.T("walk_axis_derivative"), -1.2, 0))
	focal := func(g float64) []float64 {
		ys := make([]float64, len(grid))
		for i, x := range grid {
			ys[i] = sim.EvalPoint(x, 1, sim.NoAlpha, g).DFocalDz
		}
		return ys
	}
	line.AddSeries("CE", xyLine(grid, focal(0)), noSymbol(), lineStyle(ColorCE, 3, false))
	line.AddSeries(loc.T("walk_series_fl_gamma", map[string]any{"Gamma": 2}), xyLine(grid, focal(2)), noSymbol(), lineStyle(ColorFL, 3, false))
	for i, gb := range PaperFocalStar {
		ys := make([]float64, len(grid))
		for j, x := range grid {
			_, ys[j] = sim.FocalStar(x, gb[0], gb[1])
		}
		line.AddSeries(loc.T("walk_series_fl_star", map[string]any{"Gamma": gb[0], "Beta": gb[1]}), xyLine(grid, ys), noSymbol(), lineStyle(ColorFocalStar[i], 2, true))
	}
	line.AddSeries(loc.T("walk_series_fl_current", map[string]any{"Gamma": gamma}), xyLine(grid, focal(gamma)), noSymbol(), lineStyle("#000", 2, true))
	return walkOption(line)
}

// GradientRatios draws g(p_t, γ), the ratio of the focal-loss gradient (without
// α) to the cross-entropy gradient, for γ ∈ RatioGammas and the current γ,
// with the level 1 where both push equally and the points where each curve
// crosses it.
func GradientRatios(gamma float64, loc *i18n.Localizer) Option {
	line := baseLine(loc.T("walk_chart_ratio"),
		opts.Grid{Top: "84", Left: "16", Right: "24", Bottom: "40"},
		valueAxisX("p_t", 0, 1), valueAxisY("g(p_t, γ)", 0, 2))
	ratio := func(g float64) func(float64) float64 {
		return func(pt float64) float64 { return sim.GradientRatio(pt, g) }
	}
	var crossings []opts.LineData
	for i, g := range RatioGammas {
		seriesOpts := []charts.SeriesOpts{noSymbol(), lineStyle(ratioColors[i%len(ratioColors)], 1, true)}
		if i == 0 {
			seriesOpts = append(seriesOpts,
				charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: "g = 1", YAxis: 1}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"}, LineStyle: &opts.LineStyle{Color: "#444", Type: "solid"}}))
		}
		line.AddSeries(loc.T("series_gamma", map[string]any{"Gamma": g}), curve(ratio(g), false), seriesOpts...)
		if pt, ok := sim.GradientRatioCrossing(g); ok {
			crossings = append(crossings, opts.LineData{Value: []float64{round(pt, 6), 1}})
		}
	}
	line.AddSeries(loc.T("series_current_gamma", map[string]any{"Gamma": gamma}), curve(ratio(gamma), false), noSymbol(), lineStyle(ColorFL, 4, false))
	if pt, ok := sim.GradientRatioCrossing(gamma); ok {
		crossings = append(crossings, opts.LineData{Value: []float64{round(pt, 6), 1}})
	}
	line.AddSeries(loc.T("walk_series_crossings"), crossings,
		charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 8, ShowSymbol: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 0, Opacity: opts.Float(0)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#000"}))
	return walkOption(line)
}
