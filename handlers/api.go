package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"focallab/charts"
	"focallab/config"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// MaxLossPoints is the longest z list /api/loss accepts.
const MaxLossPoints = 1000

// API ranges of /api/loss. γ may be any real value here, not only the slider's 0.1 grid.
const (
	apiMaxGamma = 10.0
)

type lossPoint struct {
	Z          float64 `json:"z"`
	Y          int     `json:"y"`
	P          float64 `json:"p"`
	PT         float64 `json:"p_t"`
	AlphaT     float64 `json:"alpha_t"`
	Modulating float64 `json:"modulating_factor"`
	CE         float64 `json:"ce"`
	Focal      float64 `json:"focal"`
	DFocalDz   float64 `json:"dfocal_dz"`
}

type lossResponse struct {
	Alpha  float64     `json:"alpha"`
	Gamma  float64     `json:"gamma"`
	Points []lossPoint `json:"points"`
}

// apiLoss returns every loss term of each (z, y) pair: GET /api/loss?alpha=A&gamma=G&z=z1,z2&y=y1,y2.
func (a *App) apiLoss(c echo.Context) error {
	q := c.Request().URL.Query()
	alpha, err := apiFloat(q, "alpha", 0.25, 0, 1)
	if err != nil {
		return err
	}
	gamma, err := apiFloat(q, "gamma", 2, 0, apiMaxGamma)
	if err != nil {
		return err
	}
	zs, err := apiList(q, "z", func(s string) (float64, bool) { return config.ParseDecimal(s) })
	if err != nil {
		return err
	}
	ys, err := apiList(q, "y", func(s string) (float64, bool) {
		return map[string]float64{"0": 0, "1": 1}[s], s == "0" || s == "1"
	})
	if err != nil {
		return err
	}
	if len(ys) != len(zs) {
		return newError(http.StatusBadRequest, "y", "error_y_length", map[string]any{"Z": len(zs), "Y": len(ys)})
	}
	resp := lossResponse{Alpha: alpha, Gamma: gamma, Points: make([]lossPoint, len(zs))}
	for i, z := range zs {
		y := int(ys[i])
		pt := sim.EvalPoint(z, y, alpha, gamma)
		resp.Points[i] = lossPoint{Z: z, Y: y, P: pt.P, PT: pt.PT, AlphaT: pt.AlphaT, Modulating: pt.Modulating, CE: pt.CE, Focal: pt.Focal, DFocalDz: pt.DFocalDz}
	}
	return c.JSON(http.StatusOK, resp)
}

// apiFloat reads one optional decimal parameter and rejects values outside [lo, hi].
func apiFloat(q url.Values, name string, def, lo, hi float64) (float64, error) {
	vs := q[name]
	if len(vs) == 0 {
		return def, nil
	}
	if len(vs) > 1 {
		return 0, newError(http.StatusBadRequest, name, "error_param_repeated", map[string]any{"Param": name})
	}
	v, ok := config.ParseDecimal(vs[0])
	if !ok || v < lo || v > hi {
		return 0, newError(http.StatusBadRequest, name, "error_param_range", map[string]any{"Param": name, "Raw": shortRaw(vs[0]), "Min": lo, "Max": hi})
	}
	if v == 0 {
		v = 0 // -0 reads as 0
	}
	return v, nil
}

// apiList reads a required comma-separated list of at most MaxLossPoints values.
func apiList(q url.Values, name string, parse func(string) (float64, bool)) ([]float64, error) {
	vs := q[name]
	if len(vs) == 0 || vs[0] == "" {
		return nil, newError(http.StatusBadRequest, name, "error_param_missing", map[string]any{"Param": name})
	}
	if len(vs) > 1 {
		return nil, newError(http.StatusBadRequest, name, "error_param_repeated", map[string]any{"Param": name})
	}
	if strings.Count(vs[0], ",") >= MaxLossPoints {
		return nil, newError(http.StatusBadRequest, name, "error_list_too_long", map[string]any{"Param": name, "Max": MaxLossPoints})
	}
	items := strings.Split(vs[0], ",")
	values := make([]float64, len(items))
	for i, item := range items {
		v, ok := parse(strings.TrimSpace(item))
		if !ok {
			return nil, newError(http.StatusBadRequest, name, "error_list_item", map[string]any{"Param": name, "Index": i + 1, "Raw": shortRaw(item)})
		}
		values[i] = v
	}
	return values, nil
}

func shortRaw(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "�")
}

type chartsResponse struct {
	Query    string          `json:"query"`
	Loss     charts.Option   `json:"loss"`
	Mod      charts.Option   `json:"mod"`
	Readouts []views.Readout `json:"readouts"`
}

// apiCharts returns charts 1 and 2 and the readouts for the page's parameters, so a
// slider move redraws them without reloading the page.
func (a *App) apiCharts(c echo.Context) error {
	cfg, _ := config.Parse(c.Request().URL.Query())
	cfg.Lang = requestLang(c)
	loc := i18n.New(cfg.Lang)
	return c.JSON(http.StatusOK, chartsResponse{
		Query:    cfg.Query(),
		Loss:     charts.LossCurves(cfg.Alpha, cfg.Gamma, cfg.LogY, loc),
		Mod:      charts.Modulating(cfg.Gamma, loc),
		Readouts: Readouts(cfg.Alpha, cfg.Gamma, loc),
	})
}

type metricsJSON struct {
	Loss      float64  `json:"loss"`
	Recall    float64  `json:"recall"`
	Precision *float64 `json:"precision"` // null when nothing is predicted positive
	AP        *float64 `json:"ap"`        // null when the held-out split has no positives
	AUC       *float64 `json:"auc"`       // null when the held-out split has one class only
}

func toMetricsJSON(m sim.Metrics) metricsJSON {
	opt := func(v float64, ok bool) *float64 {
		if !ok {
			return nil
		}
		return &v
	}
	return metricsJSON{Loss: m.Loss, Recall: m.Recall, Precision: opt(m.Precision, m.PrecisionOK), AP: opt(m.AP, m.APOK), AUC: opt(m.AUC, m.AUCOK)}
}

type trainResponse struct {
	Run   string      `json:"run"` // canonical parameters of the run
	Steps int         `json:"steps"`
	Alpha float64     `json:"alpha"` // FL values in force at the last step
	Gamma float64     `json:"gamma"`
	CE    metricsJSON `json:"ce"`
	FL    metricsJSON `json:"fl"`
}

// apiTrain trains the run of a link for `steps` steps and returns the final held-out
// metrics and training losses. Unlike the page, it rejects invalid values instead of
// clamping them, because a silently changed run would mislead a script.
func (a *App) apiTrain(c echo.Context) error {
	req := c.Request()
	cfg, notices := config.Parse(req.URL.Query())
	for _, n := range notices {
		if n.Param == "lang" {
			continue
		}
		if n.Reason == "repeated" {
			return newError(http.StatusBadRequest, n.Param, "error_param_repeated", map[string]any{"Param": n.Param})
		}
		if n.Rule.Kind != config.KindFloat && n.Rule.Kind != config.KindInt {
			return newError(http.StatusBadRequest, n.Param, "error_param_invalid", map[string]any{"Param": n.Param, "Raw": n.Raw})
		}
		id := "error_param_range"
		if n.Rule.Kind == config.KindInt {
			id = "error_param_range_int"
		}
		return newError(http.StatusBadRequest, n.Param, id, map[string]any{
			"Param": n.Param, "Raw": n.Raw, "Min": n.Rule.Format(n.Rule.Min), "Max": n.Rule.Format(n.Rule.Max)})
	}
	f, err := a.Live.Train(req.Context(), cfg, cfg.Steps)
	if err != nil {
		return &Error{Status: http.StatusServiceUnavailable, ID: "error_cancelled", Err: err}
	}
	return c.JSON(http.StatusOK, trainResponse{
		Run: cfg.RunQuery(), Steps: f.Step, Alpha: f.Alpha, Gamma: f.Gamma,
		CE: toMetricsJSON(f.CE), FL: toMetricsJSON(f.FL),
	})
}
