// Package charts builds the ECharts options of Focal Lab's figures with go-echarts.
//
// Every function returns a validated option as a JSON-ready map. The page embeds these
// maps as JSON and one static script hands them to ECharts, so no chart code is inline
// and no option ever carries a JavaScript function.
package charts

import (
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"focallab/i18n"
	"focallab/sim"
)

// Option is an ECharts option ready for encoding/json.
type Option = map[string]any

// Colours from the Okabe–Ito palette, which stays distinguishable under the common
// forms of colour blindness.
const (
	ColorCE       = "#E69F00" // orange
	ColorBalanced = "#009E73" // bluish green
	ColorFL       = "#0072B2" // blue
	ColorNeedle   = "#D55E00" // vermillion
	ColorHard     = "#CC79A7" // reddish purple
	ColorHaystack = "#7f7f7f"
)

// FamilyGammas are the γ values of Figure 1 in Lin et al. 2017, "Focal Loss for Dense Object Detection".
var FamilyGammas = []float64{0, 0.5, 1, 2, 5}

var familyColors = []string{"#000000", "#56B4E9", "#009E73", "#0072B2", "#CC79A7"}

// PTGrid returns the p_t values at which curves are drawn: dense near 0 and 1,
// where the curves change fastest, and never 0 itself (CE is infinite there).
func PTGrid() []float64 {
	grid := []float64{0.001, 0.002, 0.005}
	for i := 1; i <= 99; i++ {
		grid = append(grid, float64(i)/100)
	}
	return append(grid, 0.995, 0.998, 0.999, 0.9995, 0.9999)
}

type validator interface {
	Validate()
	JSON() map[string]any
}

func optionOf(c validator) Option {
	c.Validate()
	return c.JSON()
}

func tooltip(trigger string) opts.Tooltip {
	return opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}
}

func round(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	scale := math.Pow(10, float64(digits-1-int(math.Floor(math.Log10(math.Abs(v))))))
	return math.Round(v*scale) / scale
}

// curve turns f over the p_t grid into line points, rounded to 6 significant digits.
// On a log axis, points whose value is 0 or below the axis floor are left out.
func curve(f func(pt float64) float64, logY bool) []opts.LineData {
	grid := PTGrid()
	points := make([]opts.LineData, 0, len(grid))
	for _, pt := range grid {
		v := f(pt)
		if logY && v < 1e-8 {
			continue
		}
		points = append(points, opts.LineData{Value: []float64{pt, round(v, 6)}})
	}
	return points
}

func lineStyle(color string, width float32, dashed bool) charts.SeriesOpts {
	style := opts.LineStyle{Color: color, Width: width}
	if dashed {
		style.Type = "dashed"
	}
	return charts.WithSeriesOpts(func(s *charts.SingleSeries) {
		s.LineStyle = &style
		// The legend takes its icon colour from the item style, not the line style.
		s.ItemStyle = &opts.ItemStyle{Color: color}
	})
}

func noSymbol() charts.SeriesOpts {
	return charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none"})
}

// LossCurves builds chart 1: CE, α-balanced CE and FL at the current α and γ, all for a
// positive example (α_t = α), plus the unweighted Figure 1 family γ ∈ FamilyGammas.
func LossCurves(alpha, gamma float64, logY bool, loc *i18n.Localizer) Option {
	line := charts.NewLine()
	yAxis := opts.YAxis{Name: loc.T("axis_loss"), Type: "value", Min: 0, Max: 5, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}
	if logY {
		yAxis = opts.YAxis{Name: loc.T("axis_loss_log"), Type: "log", Min: 1e-8, Max: 10, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}
	}
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("chart_loss_title")}),
		charts.WithTooltipOpts(tooltip("axis")),
		// ContainLabel keeps long log-axis labels such as 0.00000001 inside the chart.
		charts.WithGridOpts(opts.Grid{Top: "96", Left: "16", Right: "24", Bottom: "48", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Name: "p_t", Type: "value", Min: 0, Max: 1, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(yAxis),
		charts.WithAnimation(false),
	)
	// The family is added first so the three current curves are drawn on top of it,
	// but the legend lists the current curves first.
	var legend, family []string
	for i, g := range FamilyGammas {
		name := loc.T("series_family", map[string]any{"Gamma": g})
		family = append(family, name)
		line.AddSeries(name, curve(func(pt float64) float64 { return sim.FocalPT(pt, sim.NoAlpha, g) }, logY),
			noSymbol(), lineStyle(familyColors[i], 1, true))
	}
	balanced := loc.T("series_balanced", map[string]any{"Alpha": alpha})
	focal := loc.T("series_focal", map[string]any{"Alpha": alpha, "Gamma": gamma})
	line.AddSeries("CE", curve(sim.CrossEntropyPT, logY), noSymbol(), lineStyle(ColorCE, 3, false))
	line.AddSeries(balanced, curve(func(pt float64) float64 { return sim.FocalPT(pt, alpha, 0) }, logY), noSymbol(), lineStyle(ColorBalanced, 3, false))
	line.AddSeries(focal, curve(func(pt float64) float64 { return sim.FocalPT(pt, alpha, gamma) }, logY), noSymbol(), lineStyle(ColorFL, 4, false))
	legend = append([]string{"CE", balanced, focal}, family...)
	line.SetGlobalOptions(charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26", Data: legend}))
	return optionOf(line)
}

// Modulating builds chart 2: the modulating factor (1−p_t)^γ at the current γ, over the
// Figure 1 family as thin reference lines.
func Modulating(gamma float64, loc *i18n.Localizer) Option {
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("chart_mod_title")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(opts.Grid{Top: "80", Left: "56", Right: "24", Bottom: "48"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "p_t", Type: "value", Min: 0, Max: 1, NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Name: "(1−p_t)^γ", Type: "value", Min: 0, Max: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	for i, g := range FamilyGammas {
		line.AddSeries(loc.T("series_gamma", map[string]any{"Gamma": g}),
			curve(func(pt float64) float64 { return sim.ModulatingFactor(pt, g) }, false), noSymbol(), lineStyle(familyColors[i], 1, true))
	}
	line.AddSeries(loc.T("series_current_gamma", map[string]any{"Gamma": gamma}),
		curve(func(pt float64) float64 { return sim.ModulatingFactor(pt, gamma) }, false), noSymbol(), lineStyle(ColorFL, 4, false))
	return optionOf(line)
}
