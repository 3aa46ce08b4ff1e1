package charts

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"focallab/i18n"
	"focallab/sim"
)

// TrainingSeries names the series of chart 4 in order. The page's script appends the
// values of TrainingPoint to the series with the same index, so both must agree.
var TrainingSeries = []struct {
	Key   string // message ID of the series name
	Model string // "ce" or "fl"
	Grid  int    // 0: loss, 1: held-out metrics
}{
	{"series_loss_ce", "ce", 0},
	{"series_loss_fl", "fl", 0},
	{"series_ap_ce", "ce", 1},
	{"series_ap_fl", "fl", 1},
	{"series_recall_ce", "ce", 1},
	{"series_recall_fl", "fl", 1},
	{"series_precision_ce", "ce", 1},
	{"series_precision_fl", "fl", 1},
}

// lossFloor keeps a zero training loss drawable on the log axis.
const lossFloor = 1e-6

// TrainingPoint returns one [step, value] pair per TrainingSeries entry.
// Undefined metrics (no predicted positives, one class only) are plotted as 0.
func TrainingPoint(f sim.Frame) [][2]float64 {
	step := float64(f.Step)
	return [][2]float64{
		{step, round(max(f.CE.Loss, lossFloor), 6)},
		{step, round(max(f.FL.Loss, lossFloor), 6)},
		{step, round(f.CE.AP, 4)},
		{step, round(f.FL.AP, 4)},
		{step, round(f.CE.Recall, 4)},
		{step, round(f.FL.Recall, 4)},
		{step, round(f.CE.Precision, 4)},
		{step, round(f.FL.Precision, 4)},
	}
}

// ChangeMarker is a vertical line on the loss chart where α or γ moved mid-run.
type ChangeMarker struct {
	Step  int
	Label string
}

// Training builds chart 4: training loss per step on a log axis above, held-out
// AP, recall and precision below, for the CE and FL models. history may be empty.
func Training(history []sim.Frame, steps int, markers []ChangeMarker, loc *i18n.Localizer) Option {
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: loc.T("chart_train_title")}),
		charts.WithTooltipOpts(tooltip("axis")),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "26"}),
		charts.WithGridOpts(
			opts.Grid{Top: "96", Left: "64", Right: "24", Height: "26%"},
			opts.Grid{Top: "58%", Left: "64", Right: "24", Bottom: "40"},
		),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: steps, GridIndex: 0}),
		charts.WithYAxisOpts(opts.YAxis{Name: loc.T("axis_train_loss"), Type: "log", GridIndex: 0, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	)
	line.ExtendXAxis(opts.XAxis{Name: loc.T("axis_step"), Type: "value", Min: 0, Max: steps, GridIndex: 1, NameLocation: "middle", NameGap: 24})
	line.ExtendYAxis(opts.YAxis{Name: loc.T("axis_heldout"), Type: "value", Min: 0, Max: 1, GridIndex: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}})

	points := make([][]opts.LineData, len(TrainingSeries))
	for _, f := range history {
		for i, p := range TrainingPoint(f) {
			points[i] = append(points[i], opts.LineData{Value: p})
		}
	}
	dashes := map[string]string{"series_ap": "solid", "series_recall": "dashed", "series_precision": "dotted"}
	for i, s := range TrainingSeries {
		color := ColorCE
		if s.Model == "fl" {
			color = ColorFL
		}
		style := opts.LineStyle{Color: color, Width: 2}
		if s.Grid == 1 {
			style.Type = dashes[s.Key[:len(s.Key)-3]]
		}
		grid := s.Grid
		seriesOpts := []charts.SeriesOpts{
			noSymbol(), charts.WithLineStyleOpts(style), charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithSeriesOpts(func(ss *charts.SingleSeries) { ss.XAxisIndex, ss.YAxisIndex = grid, grid }),
		}
		if s.Key == "series_loss_fl" && len(markers) > 0 {
			items := make([]opts.MarkLineNameXAxisItem, len(markers))
			for j, m := range markers {
				items[j] = opts.MarkLineNameXAxisItem{Name: m.Label, XAxis: m.Step}
			}
			seriesOpts = append(seriesOpts, charts.WithMarkLineNameXAxisItemOpts(items...),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
					Label: &opts.Label{Show: opts.Bool(true), Formatter: "{b}"}, LineStyle: &opts.LineStyle{Color: "#444", Type: "dashed"}}))
		}
		line.AddSeries(loc.T(s.Key), points[i], seriesOpts...)
	}
	return optionOf(line)
}
