package charts

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"focallab/i18n"
	"focallab/sim"
)

// The haystack chart covers [BoxMin, BoxMax]² with a HeatCells × HeatCells score grid.
const (
	BoxMin    = -4.0
	BoxMax    = 4.0
	HeatCells = 40
	// MaxHaystackPoints is how many easy negatives the chart draws at most; every
	// positive and every hard negative is always drawn.
	MaxHaystackPoints = 1500
)

// HeatGrid returns σ(logit) of a model at the centre of every heatmap cell as
// [column, row, probability] triples, rounded to 3 decimals to keep frames small.
func HeatGrid(m sim.Model) [][3]float64 {
	cell := (BoxMax - BoxMin) / HeatCells
	grid := make([][3]float64, 0, HeatCells*HeatCells)
	for row := 0; row < HeatCells; row++ {
		y := BoxMin + (float64(row)+0.5)*cell
		for col := 0; col < HeatCells; col++ {
			x := BoxMin + (float64(col)+0.5)*cell
			p := sim.EvalPoint(m.Logit(x, y), 1, sim.NoAlpha, 0).P
			grid = append(grid, [3]float64{float64(col), float64(row), float64(int(p*1000+0.5)) / 1000})
		}
	}
	return grid
}

// HaystackSample is which training examples the haystack chart draws.
type HaystackSample struct {
	Needles, Hard, Easy [][2]float64
	EasyTotal           int // easy negatives in the training set
}

// SampleHaystack picks every positive, every hard negative and up to
// MaxHaystackPoints easy negatives, spread evenly over the (already shuffled) set.
func SampleHaystack(train *sim.Dataset) HaystackSample {
	var s HaystackSample
	for i := range train.Label {
		if train.Label[i] == 0 && !train.Hard[i] {
			s.EasyTotal++
		}
	}
	every := max(1, (s.EasyTotal+MaxHaystackPoints-1)/MaxHaystackPoints)
	easySeen := 0
	// Only the drawn points are rounded: rounding all 20,000 of a default
	// training set took most of a page render.
	point := func(i int) [2]float64 { return [2]float64{round(train.X[i], 4), round(train.Y[i], 4)} }
	for i := range train.Label {
		switch {
		case train.Label[i] == 1:
			s.Needles = append(s.Needles, point(i))
		case train.Hard[i]:
			s.Hard = append(s.Hard, point(i))
		default:
			if easySeen%every == 0 && len(s.Easy) < MaxHaystackPoints {
				s.Easy = append(s.Easy, point(i))
			}
			easySeen++
		}
	}
	return s
}

func heatData(grid [][3]float64) []opts.HeatMapData {
	data := make([]opts.HeatMapData, len(grid))
	for i, cell := range grid {
		data[i] = opts.HeatMapData{Value: cell}
	}
	return data
}

func scatterData(points [][2]float64) []opts.ScatterData {
	data := make([]opts.ScatterData, len(points))
	for i, p := range points {
		data[i] = opts.ScatterData{Value: p}
	}
	return data
}

// Haystack builds chart 3: the training data (needles, hard negatives and a sample of
// the haystack) over heatmaps of the CE and FL models' scores. The legend shows one
// model's heatmap at a time. Series order: CE heatmap, FL heatmap, haystack, hard, needles.
// The colour scale has a boundary at the decision threshold, so the region a model
// calls "needle" stands out.
func Haystack(sample HaystackSample, ce, fl sim.Model, threshold float64, loc *i18n.Localizer) Option {
	labels := make([]string, HeatCells)
	cell := (BoxMax - BoxMin) / HeatCells
	for i := range labels {
		labels[i] = strconv.FormatFloat(BoxMin+(float64(i)+0.5)*cell, 'f', 1, 64)
	}
	hidden := opts.Bool(false)
	heat := charts.NewHeatMap()
	heat.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("chart_haystack_title")}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "28", SelectedMode: "single",
			Data: []string{loc.T("series_heat_fl"), loc.T("series_heat_ce")}}),
		charts.WithGridOpts(opts.Grid{Top: "64", Left: "44", Right: "118", Bottom: "36"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: labels, Show: hidden}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels, Show: hidden, AxisLabel: &opts.AxisLabel{Show: hidden}}),
		charts.WithAnimation(false),
	)
	heat.SetXAxis(labels)
	heat.ExtendXAxis(opts.XAxis{Type: "value", Min: BoxMin, Max: BoxMax, GridIndex: 0, Position: "bottom"})
	heat.ExtendYAxis(opts.YAxis{Type: "value", Min: BoxMin, Max: BoxMax, GridIndex: 0, Position: "left", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}})
	// The item colour only paints the legend icon; the visual map colours the cells.
	heat.AddSeries(loc.T("series_heat_ce"), heatData(HeatGrid(ce)), charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorCE}))
	heat.AddSeries(loc.T("series_heat_fl"), heatData(HeatGrid(fl)), charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorFL}))

	scatter := charts.NewScatter()
	scatter.AddSeries(loc.T("series_haystack", map[string]any{"Shown": i18n.GroupDigits(len(sample.Easy)), "Total": i18n.GroupDigits(sample.EasyTotal)}), scatterData(sample.Easy),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorHaystack, Opacity: opts.Float(0.45)}),
		charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 3, XAxisIndex: 1, YAxisIndex: 1}))
	scatter.AddSeries(loc.T("series_hard"), scatterData(sample.Hard),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorHard, Opacity: opts.Float(0.8)}),
		charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 4, XAxisIndex: 1, YAxisIndex: 1}))
	scatter.AddSeries(loc.T("series_needles"), scatterData(sample.Needles),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: ColorNeedle, BorderColor: "#000", BorderWidth: 1}),
		charts.WithScatterChartOpts(opts.ScatterChart{Symbol: "diamond", SymbolSize: 10, XAxisIndex: 1, YAxisIndex: 1}))
	heat.Overlap(scatter)

	option := optionOf(heat)
	// go-echarts has no visualMap.seriesIndex: without it the colour scale would also
	// recolour the scatter points, so the scale is written here for the two heatmaps.
	option["visualMap"] = []map[string]any{{
		"type": "piecewise", "seriesIndex": []int{0, 1}, "right": "0", "top": "middle",
		"pieces": scorePieces(threshold, loc), "itemWidth": 14, "itemGap": 4, "textStyle": map[string]any{"fontSize": 11},
	}}
	// The FL heatmap is shown first; the legend switches to CE.
	option["legend"] = map[string]any{
		"show": true, "top": "28", "selectedMode": "single",
		"data":     []string{loc.T("series_heat_fl"), loc.T("series_heat_ce")},
		"selected": map[string]bool{loc.T("series_heat_fl"): true, loc.T("series_heat_ce"): false},
	}
	return option
}

// scoreColors shade the heatmap from white (p near 0) to dark blue (p near 1).
var scoreColors = []string{"#ffffff", "#eff3ff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"}

// scorePieces splits [0, 1] at fixed score levels and at the threshold, labelling the
// pieces at or above the threshold as predicted needles.
func scorePieces(threshold float64, loc *i18n.Localizer) []map[string]any {
	bounds := []float64{0, 0.01, 0.05, threshold, 0.5, 1}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	pieces := make([]map[string]any, 0, len(bounds)-1)
	for i := 0; i+1 < len(bounds); i++ {
		lo, hi := bounds[i], bounds[i+1]
		label := fmt.Sprintf("%g – %g", lo, hi)
		if lo >= threshold {
			label += " " + loc.T("visual_predicted")
		}
		piece := map[string]any{"gte": lo, "lt": hi, "label": label, "color": scoreColors[min(i, len(scoreColors)-1)]}
		if hi == 1 {
			piece["lte"] = hi
			delete(piece, "lt")
		}
		pieces = append(pieces, piece)
	}
	// ECharts lists pieces top-down in the order given; put high scores on top.
	slices.Reverse(pieces)
	return pieces
}
