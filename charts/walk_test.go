package charts

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"focallab/i18n"
	"focallab/sim"
)

// seriesJSON is the part of an ECharts series that the tests read.
type seriesJSON struct {
	Name string `json:"name"`
	Data []struct {
		Value []float64 `json:"value"`
	} `json:"data"`
	XAxisIndex int `json:"xAxisIndex"`
}

// optionJSON is the part of an option that the tests read.
type optionJSON struct {
	Series []seriesJSON   `json:"series"`
	XAxis  []axisJSON     `json:"-"`
	YAxis  []axisJSON     `json:"-"`
	Raw    map[string]any `json:"-"`
}

type axisJSON struct {
	Type     string   `json:"type"`
	Min, Max *float64 `json:"-"`
}

// decodeOption encodes an option as the page does and decodes what the tests
// read, with the axes as a list whether ECharts got one or several.
func decodeOption(t *testing.T, o Option) optionJSON {
	t.Helper()
	raw, err := json.Marshal(o)
	if err != nil {
		t.Fatalf("encode option: %v", err)
	}
	var out optionJSON
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode option: %v", err)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatalf("decode option: %v", err)
	}
	out.Raw = generic
	for _, key := range []string{"xAxis", "yAxis"} {
		for _, a := range asList(generic[key]) {
			axis := axisJSON{}
			axis.Type, _ = a["type"].(string)
			if v, ok := a["min"].(float64); ok {
				axis.Min = &v
			}
			if v, ok := a["max"].(float64); ok {
				axis.Max = &v
			}
			if key == "xAxis" {
				out.XAxis = append(out.XAxis, axis)
			} else {
				out.YAxis = append(out.YAxis, axis)
			}
		}
	}
	return out
}

func seriesByName(t *testing.T, o optionJSON, name string) seriesJSON {
	t.Helper()
	for _, s := range o.Series {
		if s.Name == name {
			return s
		}
	}
	names := make([]string, len(o.Series))
	for i, s := range o.Series {
		names[i] = s.Name
	}
	t.Fatalf("no series %q among %s", name, strings.Join(names, ", "))
	return seriesJSON{}
}

// closeTo compares a value rounded to 6 significant digits with the exact one.
func closeTo(got, want float64) bool {
	return math.Abs(got-want) <= 1e-5*math.Abs(want)+1e-12
}

func checkAxis(t *testing.T, name string, a axisJSON, typ string, lo, hi float64) {
	t.Helper()
	if a.Type != typ || a.Min == nil || a.Max == nil || *a.Min != lo || *a.Max != hi {
		t.Errorf("%s axis = %s [%v, %v], want %s [%g, %g]", name, a.Type, deref(a.Min), deref(a.Max), typ, lo, hi)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFocusFamilyMatchesFigure1(t *testing.T) {
	loc := i18n.New("en")
	o := decodeOption(t, FocusFamily(1.5, loc))
	checkAxis(t, "x", o.XAxis[0], "value", 0, 1)
	checkAxis(t, "y", o.YAxis[0], "value", 0, 5)

	// Figure 1 of Lin et al. 2017 draws γ ∈ {0, 0.5, 1, 2, 5}.
	for _, gamma := range []float64{0, 0.5, 1, 2, 5, 1.5} {
		name := loc.T("series_gamma", map[string]any{"Gamma": gamma})
		if gamma == 1.5 {
			name = loc.T("series_current_gamma", map[string]any{"Gamma": gamma})
		}
		s := seriesByName(t, o, name)
		if len(s.Data) < 100 {
			t.Fatalf("γ %g: %d points, want the whole p_t grid", gamma, len(s.Data))
		}
		for _, d := range s.Data {
			pt, got := d.Value[0], d.Value[1]
			want := -math.Pow(1-pt, gamma) * math.Log(pt)
			if !closeTo(got, want) {
				t.Errorf("γ %g at p_t %g: loss %g, want %g", gamma, pt, got, want)
			}
		}
	}
}

func TestDerivativesMatchFigure6(t *testing.T) {
	loc := i18n.New("en")
	o := decodeOption(t, Derivatives(3, loc))
	checkAxis(t, "x", o.XAxis[0], "value", -10, 10)
	checkAxis(t, "y", o.YAxis[0], "value", -1.2, 0)

	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	// dFL/dx_t = (1-p)^γ (γ p log p + p - 1) with p = σ(x_t); γ = 0 is CE.
	focal := func(gamma float64) func(float64) float64 {
		return func(x float64) float64 {
			p := sigmoid(x)
			return math.Pow(1-p, gamma) * (gamma*p*math.Log(p) + p - 1)
		}
	}
	star := func(gamma, beta float64) func(float64) float64 {
		return func(x float64) float64 { return sigmoid(gamma*x+beta) - 1 }
	}
	cases := []struct {
		name string
		want func(float64) float64
	}{
		{"CE", focal(0)},
		{loc.T("walk_series_fl_gamma", map[string]any{"Gamma": 2}), focal(2)},
		{loc.T("walk_series_fl_star", map[string]any{"Gamma": 2.0, "Beta": 1.0}), star(2, 1)},
		{loc.T("walk_series_fl_star", map[string]any{"Gamma": 4.0, "Beta": 0.0}), star(4, 0)},
		{loc.T("walk_series_fl_current", map[string]any{"Gamma": 3}), focal(3)},
	}
	for _, c := range cases {
		s := seriesByName(t, o, c.name)
		if first, last := s.Data[0].Value[0], s.Data[len(s.Data)-1].Value[0]; first != -10 || last != 10 {
			t.Errorf("%s covers x_t %g to %g, want -10 to 10", c.name, first, last)
		}
		for _, d := range s.Data {
			if want := c.want(d.Value[0]); !closeTo(d.Value[1], want) {
				t.Errorf("%s at x_t %g: %g, want %g", c.name, d.Value[0], d.Value[1], want)
			}
		}
	}
}

func TestGradientRatiosCrossOne(t *testing.T) {
	loc := i18n.New("en")
	o := decodeOption(t, GradientRatios(2.5, loc))
	crossings := seriesByName(t, o, loc.T("walk_series_crossings"))
	// One crossing per γ of RatioGammas and one for the current γ.
	if len(crossings.Data) != len(RatioGammas)+1 {
		t.Fatalf("%d crossings, want %d", len(crossings.Data), len(RatioGammas)+1)
	}
	for i, d := range crossings.Data {
		gamma := 2.5
		if i < len(RatioGammas) {
			gamma = RatioGammas[i]
		}
		pt := d.Value[0]
		g := math.Pow(1-pt, gamma) - gamma*pt*math.Pow(1-pt, gamma-1)*math.Log(pt)
		if math.Abs(g-1) > 1e-4 {
			t.Errorf("γ %g: g(%g) = %g at the marked crossing, want 1", gamma, pt, g)
		}
	}
}

func TestOptimalScoresMatchMinimisation(t *testing.T) {
	loc := i18n.New("en")
	o := decodeOption(t, OptimalScores([]OptimalCurve{{Name: "a", Alpha: 0.25, Gamma: 2}, {Name: "b", Alpha: 0.5, Gamma: 5}}, loc))
	expected := func(q, eta, alpha, gamma float64) float64 {
		return -eta*alpha*math.Pow(1-q, gamma)*math.Log(q) - (1-eta)*(1-alpha)*math.Pow(q, gamma)*math.Log(1-q)
	}
	for _, c := range []struct {
		name         string
		alpha, gamma float64
	}{{"a", 0.25, 2}, {"b", 0.5, 5}} {
		s := seriesByName(t, o, c.name)
		for _, d := range s.Data {
			eta, got := d.Value[0], d.Value[1]
			// Golden-section search over the logit of q.
			ratio := (math.Sqrt(5) - 1) / 2
			lo, hi := -30.0, 30.0
			f := func(z float64) float64 { return expected(1/(1+math.Exp(-z)), eta, c.alpha, c.gamma) }
			for hi-lo > 1e-12 {
				m1, m2 := hi-ratio*(hi-lo), lo+ratio*(hi-lo)
				if f(m1) < f(m2) {
					hi = m2
				} else {
					lo = m1
				}
			}
			want := 1 / (1 + math.Exp(-(lo+hi)/2))
			// The chart rounds to 6 significant digits, 5e-7 at most here.
			if math.Abs(got-want) > 1e-6+5e-7 {
				t.Errorf("%s: q*(%g) on the chart = %.9f, minimisation gives %.9f", c.name, eta, got, want)
			}
		}
	}
}

func TestFigure4AxesAndGammas(t *testing.T) {
	loc := i18n.New("en")
	curve, _ := sim.CumulativeLossCurve([]float64{1, 2, 3, 4}, 4)
	groups := []Figure4Curves{{Title: "pos"}, {Title: "neg"}}
	for range Figure4Gammas {
		groups[0].Curves = append(groups[0].Curves, curve)
		groups[1].Curves = append(groups[1].Curves, curve)
	}
	o := decodeOption(t, Figure4(groups, loc))
	if len(o.XAxis) != 2 || len(o.YAxis) != 2 {
		t.Fatalf("%d x axes and %d y axes, want 2 and 2", len(o.XAxis), len(o.YAxis))
	}
	for i := range 2 {
		checkAxis(t, "x", o.XAxis[i], "value", 0, 1)
		checkAxis(t, "y", o.YAxis[i], "value", 0, 1)
	}
	// Figure 4 of Lin et al. 2017 draws γ ∈ {0, 0.5, 1, 2} for each class.
	if len(o.Series) != 2*len(Figure4Gammas) {
		t.Fatalf("%d series, want %d", len(o.Series), 2*len(Figure4Gammas))
	}
	for i, s := range o.Series {
		want := loc.T("series_gamma", map[string]any{"Gamma": Figure4Gammas[i%len(Figure4Gammas)]})
		if s.Name != want {
			t.Errorf("series %d is %q, want %q", i, s.Name, want)
		}
		if s.XAxisIndex != i/len(Figure4Gammas) {
			t.Errorf("series %d on grid %d, want %d", i, s.XAxisIndex, i/len(Figure4Gammas))
		}
		first, last := s.Data[0].Value, s.Data[len(s.Data)-1].Value
		if first[0] != 0 || first[1] != 0 || last[0] != 1 || last[1] != 1 {
			t.Errorf("series %d runs from %v to %v, want (0, 0) to (1, 1)", i, first, last)
		}
	}
}

func TestWalkOptionStyling(t *testing.T) {
	o := decodeOption(t, Surprise(0.5, []float64{0.99, 0.1}, i18n.New("zh-CN")))
	title, _ := o.Raw["title"].(map[string]any)
	if style, _ := title["textStyle"].(map[string]any); style["fontSize"] != 14.0 {
		t.Errorf("title textStyle = %v, want fontSize 14", title["textStyle"])
	}
	for _, g := range asList(o.Raw["grid"]) {
		if g["containLabel"] != true {
			t.Errorf("grid %v lacks containLabel", g)
		}
	}
	// The reader's point is the last series, which the page script moves.
	last := o.Series[len(o.Series)-1]
	if len(last.Data) != 1 || last.Data[0].Value[0] != 0.5 {
		t.Errorf("last series %q = %v, want the reader's point at p_t 0.5", last.Name, last.Data)
	}
	curve := o.Series[0]
	if n := len(curve.Data); n != 999 {
		t.Errorf("cross-entropy curve has %d points, want 999 on the 0.001 grid", n)
	}
}

func TestSweepHeatmapLabelsReadable(t *testing.T) {
	alphas := []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.99}
	gammas := []float64{0, 0.5, 1, 2, 3, 5}
	g := SweepGrid{Alphas: alphas, Gammas: gammas, BestAlpha: make([]int, len(gammas))}
	// Recalls from 0.2 to 0.9 cover the whole colour scale, light to dark.
	for a := range alphas {
		var row []float64
		for gi := range gammas {
			row = append(row, 0.2+0.7*float64(a*len(gammas)+gi)/float64(len(alphas)*len(gammas)-1))
		}
		g.Recall = append(g.Recall, row)
	}
	o := decodeOption(t, SweepHeatmap(g, "0.001", i18n.New("en")))
	series := asList(o.Raw["series"])
	if len(series) != 3 {
		t.Fatalf("%d series, want heatmap and two paths", len(series))
	}

	label, _ := series[0]["label"].(map[string]any)
	if label["show"] != true || label["position"] != "insideTop" {
		t.Errorf("heatmap label %v: want shown at the top of each cell, clear of the paths", label)
	}
	scale := asList(o.Raw["visualMap"])[0]
	lo, hi := scale["min"].(float64), scale["max"].(float64)
	data, _ := series[0]["data"].([]any)
	if len(data) != len(alphas)*len(gammas) {
		t.Fatalf("%d heatmap cells, want %d", len(data), len(alphas)*len(gammas))
	}
	sawWhite, sawBlack := false, false
	for _, d := range data {
		item := d.(map[string]any)
		value := item["value"].([]any)[2].(float64)
		color := item["label"].(map[string]any)["color"].(string)
		fill := heatFill((value - lo) / (hi - lo))
		// 4.5 is the WCAG 2 AA minimum contrast for text of this size.
		if c := contrastRatio(fill, hexRGB(color)); c < 4.5 {
			t.Errorf("cell %v: label %s on fill %v has contrast %.2f, want at least 4.5", item["value"], color, fill, c)
		}
		sawWhite = sawWhite || color == "#ffffff"
		sawBlack = sawBlack || color == "#000000"
	}
	if !sawWhite || !sawBlack {
		t.Errorf("label colours: white %v, black %v; want both across the scale", sawWhite, sawBlack)
	}

	// Both paths stay drawn, with lines and symbols small enough to leave the
	// values readable.
	for i, name := range []string{"walk_series_paper_path", "walk_series_data_path"} {
		s := series[i+1]
		if s["name"] != i18n.New("en").T(name) {
			t.Errorf("series %d is %v, want %s", i+1, s["name"], name)
		}
		width, _ := s["lineStyle"].(map[string]any)["width"].(float64)
		if width <= 0 || width > 2 {
			t.Errorf("%s line width %v, want more than 0 and at most 2", name, width)
		}
		if size, _ := s["symbolSize"].(float64); size > 8 {
			t.Errorf("%s symbol size %v, want at most 8", name, size)
		}
	}
	// Table 1b has γ 0, 0.5, 1, 2 and 5 on this grid, all with α on the grid.
	if paper, _ := series[1]["data"].([]any); len(paper) != 5 {
		t.Errorf("paper path has %d points, want 5", len(paper))
	}
}
