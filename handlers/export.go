package handlers

import (
	"bufio"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"focallab/config"
	"focallab/sim"
)

// exportPaths are the download routes by kind.
var exportPaths = map[string]string{
	"history": "/api/export/history.csv",
	"data":    "/api/export/data.csv",
	"run":     "/api/export/run.json",
}

// exportFilename names a download after the parameters that decide its content:
// α, γ, ratio and seed (and the step, once training has started) for the history and
// the run; ratio, size and seed for the data, which α and γ do not change. The page
// script names chart images the same way.
func exportFilename(kind string, cfg config.Config) string {
	r := func(name string, v float64) string { rule, _ := config.RuleByName(name); return rule.Format(v) }
	name := "focal-lab-" + kind
	if kind == "data" {
		return name + "_r" + strconv.Itoa(cfg.Ratio) + "_n" + strconv.Itoa(cfg.Size) + "_s" + strconv.Itoa(cfg.Seed) + ".csv"
	}
	name += "_a" + r("alpha", cfg.Alpha) + "_g" + r("gamma", cfg.Gamma) + "_r" + strconv.Itoa(cfg.Ratio) + "_s" + strconv.Itoa(cfg.Seed)
	if cfg.Step > 0 {
		name += "_step" + strconv.Itoa(cfg.Step)
	}
	if kind == "run" {
		return name + ".json"
	}
	return name + ".csv"
}

func setDownload(c echo.Context, contentType, filename string) {
	h := c.Response().Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("Cache-Control", "no-store")
}

// historyColumns are the columns of the training-history CSV. Metrics are those of the
// held-out split; an undefined precision, AP or AUC is an empty cell.
var historyColumns = []string{
	"step", "alpha", "gamma",
	"ce_loss", "ce_recall", "ce_precision", "ce_ap", "ce_auc",
	"fl_loss", "fl_recall", "fl_precision", "fl_ap", "fl_auc",
}

// exportHistory sends the frames of the link's run up to its step as CSV, one row per
// frame the page draws (at most live.MaxFrames + 1 rows).
// GET /api/export/history.csv?<link parameters>.
func (a *App) exportHistory(c echo.Context) error {
	cfg, _ := config.Parse(c.Request().URL.Query())
	_, history, err := a.Live.Replay(c.Request().Context(), cfg, cfg.Step)
	if err != nil {
		return &Error{Status: http.StatusServiceUnavailable, ID: "error_cancelled", Err: err}
	}
	setDownload(c, "text/csv; charset=utf-8", exportFilename("history", cfg))
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriter(c.Response())
	writeCSVRow(w, historyColumns)
	for _, f := range history {
		row := []string{strconv.Itoa(f.Step), formatFloat(f.Alpha), formatFloat(f.Gamma)}
		row = append(row, metricCells(f.CE)...)
		row = append(row, metricCells(f.FL)...)
		writeCSVRow(w, row)
	}
	a.flushExport(c, w)
	return nil
}

// flushExport sends the rest of a streamed download. The status line is already out,
// so a failure can only be logged.
func (a *App) flushExport(c echo.Context, w *bufio.Writer) {
	if err := w.Flush(); err != nil {
		a.Log.Info("export write failed", "path", c.Request().URL.Path, "query", c.Request().URL.RawQuery, "err", err)
	}
}

func metricCells(m sim.Metrics) []string {
	opt := func(v float64, ok bool) string {
		if !ok {
			return ""
		}
		return formatFloat(v)
	}
	return []string{formatFloat(m.Loss), formatFloat(m.Recall), opt(m.Precision, m.PrecisionOK), opt(m.AP, m.APOK), opt(m.AUC, m.AUCOK)}
}

// exportData sends one split of the link's data set as CSV: x, y, label (1 for a
// needle), hard (1 for a hard negative) and weight (the metric weight of a subsampled
// held-out negative, else 1). split=train (the default) has at most 200,000 rows, the
// largest n; split=heldout has at most 100,100. Rows are streamed as they are written.
// GET /api/export/data.csv?<link parameters>&split=train|heldout.
func (a *App) exportData(c echo.Context) error {
	q := c.Request().URL.Query()
	cfg, _ := config.Parse(q)
	split := q.Get("split")
	if split == "" {
		split = "train"
	}
	if split != "train" && split != "heldout" {
		return newError(http.StatusBadRequest, "split", "cls_error_split", map[string]any{"Raw": shortRaw(split)})
	}
	train, heldOut := a.Live.Data(cfg.TrainConfig().Data)
	data, filename := train, exportFilename("data", cfg)
	if split == "heldout" {
		data = heldOut
		filename = filename[:len(filename)-len(".csv")] + "_heldout.csv"
	}

	setDownload(c, "text/csv; charset=utf-8", filename)
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriterSize(c.Response(), 64<<10)
	writeCSVRow(w, []string{"x", "y", "label", "hard", "weight"})
	for i := range data.Len() {
		hard := "0"
		if data.Hard[i] {
			hard = "1"
		}
		writeCSVRow(w, []string{formatFloat(data.X[i]), formatFloat(data.Y[i]), strconv.Itoa(int(data.Label[i])), hard, formatFloat(data.WeightAt(i))})
		if err := c.Request().Context().Err(); err != nil {
			a.Log.Info("data export stopped: client left", "query", c.Request().URL.RawQuery, "row", i, "err", err)
			return nil
		}
	}
	a.flushExport(c, w)
	return nil
}

// runExport is the JSON of a run: its link, every parameter and its metrics per frame.
type runExport struct {
	App     string            `json:"app"`
	Link    string            `json:"link"`    // absolute link of the view
	Run     string            `json:"run"`     // canonical parameters of the training run
	Config  map[string]string `json:"config"`  // every link parameter, canonical text
	Step    int               `json:"step"`    // the step on screen
	Final   runFrame          `json:"final"`   // the metrics at Step
	History []runFrame        `json:"history"` // one entry per frame the page draws, up to Step
}

type runFrame struct {
	Step  int         `json:"step"`
	Alpha float64     `json:"alpha"` // FL values in force at this step
	Gamma float64     `json:"gamma"`
	CE    metricsJSON `json:"ce"`
	FL    metricsJSON `json:"fl"`
}

// exportRun sends the run of a link as JSON. GET /api/export/run.json?<link parameters>.
func (a *App) exportRun(c echo.Context) error {
	req := c.Request()
	cfg, _ := config.Parse(req.URL.Query())
	_, history, err := a.Live.Replay(req.Context(), cfg, cfg.Step)
	if err != nil {
		return &Error{Status: http.StatusServiceUnavailable, ID: "error_cancelled", Err: err}
	}
	out := runExport{
		App: "Focal Lab", Link: absoluteBase(req) + "?" + cfg.Query(), Run: cfg.RunQuery(),
		Config: map[string]string{}, Step: cfg.Step,
	}
	for name, values := range cfg.Values() {
		out.Config[name] = values[0]
	}
	for _, f := range history {
		out.History = append(out.History, runFrame{Step: f.Step, Alpha: f.Alpha, Gamma: f.Gamma, CE: toMetricsJSON(f.CE), FL: toMetricsJSON(f.FL)})
	}
	out.Final = out.History[len(out.History)-1]
	body, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return &Error{Status: http.StatusInternalServerError, ID: "error_internal", Err: err}
	}
	setDownload(c, "application/json; charset=utf-8", exportFilename("run", cfg))
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", append(body, '\n'))
}

// writeCSVRow writes one CSV row. Every cell is a number or a fixed column name, so
// none needs quoting.
func writeCSVRow(w *bufio.Writer, cells []string) {
	for i, cell := range cells {
		if i > 0 {
			_ = w.WriteByte(',') // a bufio.Writer reports write errors at Flush
		}
		_, _ = w.WriteString(cell)
	}
	_ = w.WriteByte('\n')
}

// formatFloat writes the shortest decimal that reads back as the same float64.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
