package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"focallab/charts"
	"focallab/config"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// ratioChoices are the imbalance ratios offered in the drop-down; a link may carry any
// other ratio inside the rule's range, which is then added to the list.
var ratioChoices = []int{10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000}

// readoutPTs are the p_t values of the modulating-factor readouts.
var readoutPTs = []float64{0.99, 0.9, 0.5, 0.1}

func (a *App) page(c echo.Context) error {
	req := c.Request()
	cfg, notices := config.Parse(req.URL.Query())
	cfg.Lang = requestLang(c)
	// An invalid lang falls back to Accept-Language, not to the rule's default, so the
	// notice names the language actually shown.
	for i, n := range notices {
		if n.Param == "lang" && n.Reason != "repeated" {
			notices[i].Used = cfg.Lang
		}
	}
	vm, err := a.buildPage(req.Context(), cfg, notices, absoluteBase(req))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MainPage(vm))
}

func absoluteBase(req *http.Request) string {
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + req.Host + "/"
}

// buildPage computes everything the main page shows for one config.
func (a *App) buildPage(ctx context.Context, cfg config.Config, notices []config.Notice, base string) (views.Page, error) {
	loc := i18n.New(cfg.Lang)
	run, history, err := a.Live.Replay(ctx, cfg, cfg.Step)
	if err != nil {
		return views.Page{}, &Error{Status: http.StatusServiceUnavailable, ID: "error_cancelled", Err: err}
	}
	train, heldOut := run.Data()
	ceModel, flModel := run.Models()
	last := history[len(history)-1]

	other := "en"
	otherText := "English"
	if cfg.Lang == "en" {
		other, otherText = "zh-CN", "中文"
	}
	query := cfg.Query()
	// Sliders and charts 1 and 2 show the values that the next training step will use,
	// which include a change made while paused at this step.
	alpha, gamma := cfg.InForce(cfg.Step + 1)
	p := views.Page{
		Loc:            loc,
		Lang:           cfg.Lang,
		Query:          query,
		LangSwitchHref: langSwitchHref(cfg, other),
		LangSwitchText: otherText,
		LangSwitchCode: other,
		CopyHref:       base + "?" + query,
		Notices:        noticeTexts(notices, loc),
		NoticesOther:   noticeTexts(notices, otherLanguage(loc)),
		OtherLang:      otherLanguage(loc).Lang,
		Alpha:          slider("alpha", alpha, loc),
		Gamma:          slider("gamma", gamma, loc),
		Ratio:          ratioSelect(cfg.Ratio, loc),
		Size:           numberField("n", float64(cfg.Size), loc),
		Seed:           numberField("seed", float64(cfg.Seed), loc),
		LR:             numberField("lr", cfg.LR, loc),
		StepsField:     numberField("steps", float64(cfg.Steps), loc),
		Thr:            numberField("thr", cfg.Thr, loc),
		Prior:          cfg.Prior,
		LogY:           cfg.LogY,
		Readouts:       Readouts(alpha, gamma, loc),
		Data:           views.DataSummary{Text: dataSummary(train, heldOut, cfg.Ratio, loc)},
		Metrics:        metricRows(last, loc),
		MetricsCaption: loc.T("metrics_caption", map[string]any{"Thr": cfg.Thr}),
		Step:           cfg.Step,
		Steps:          cfg.Steps,
		LossChart:      charts.LossCurves(alpha, gamma, cfg.LogY, loc),
		ModChart:       charts.Modulating(gamma, loc),
		HaystackChart:  charts.Haystack(charts.SampleHaystack(train), ceModel, flModel, cfg.Thr, loc),
		TrainChart:     charts.Training(history, cfg.Steps, changeMarkers(cfg.Changes), loc),
		Client: views.ClientConfig{
			Step: cfg.Step, Steps: cfg.Steps, Query: query, Lang: cfg.Lang,
			Changes: config.FormatChanges(cfg.Changes), StartAlpha: cfg.Alpha, StartGamma: cfg.Gamma,
			Text: clientText(loc),
		},
	}
	addClassroom(&p, cfg, base, loc)
	return p, nil
}

// langSwitchHref returns the link to the same view in another language. It writes lang
// even for the default zh-CN, because a link without lang follows Accept-Language and
// would show an English browser English again.
func langSwitchHref(cfg config.Config, lang string) string {
	rest := cfg
	rest.Lang = config.Default().Lang // so Query leaves lang out
	href := "/?lang=" + url.QueryEscape(lang)
	if q := rest.Query(); q != "" {
		href += "&" + q
	}
	return href
}

func slider(name string, value float64, loc *i18n.Localizer) views.Slider {
	r, _ := config.RuleByName(name)
	text := r.Format(value)
	return views.Slider{
		Name: name, Label: loc.T("control_" + name), Hint: loc.T("hint_" + name),
		Min: r.Format(r.Min), Max: r.Format(r.Max), Step: r.Format(r.Step), Value: text,
		ValueText: loc.T("valuetext_"+name, map[string]any{"Value": text}),
	}
}

func numberField(name string, value float64, loc *i18n.Localizer) views.NumberField {
	r, _ := config.RuleByName(name)
	return views.NumberField{
		Name: name, Label: loc.T("control_" + name), Hint: loc.T("hint_" + name),
		Min: r.Format(r.Min), Max: r.Format(r.Max), Step: r.Format(r.Step), Value: r.Format(value),
	}
}

func ratioSelect(current int, loc *i18n.Localizer) views.Select {
	s := views.Select{Name: "ratio", Label: loc.T("control_ratio"), Hint: loc.T("hint_ratio")}
	found := false
	add := func(r int) {
		s.Options = append(s.Options, views.Option{Value: strconv.Itoa(r), Text: "1 : " + i18n.GroupDigits(r), Selected: r == current})
		found = found || r == current
	}
	for _, r := range ratioChoices {
		if !found && r > current {
			add(current)
		}
		add(r)
	}
	return s
}

// noticeTexts writes one message per notice in the localizer's language.
func noticeTexts(notices []config.Notice, loc *i18n.Localizer) []string {
	texts := make([]string, 0, len(notices))
	for _, n := range notices {
		data := map[string]any{
			"Param": n.Param, "Raw": n.Raw, "Used": n.Used,
			"Min": n.Rule.Format(n.Rule.Min), "Max": n.Rule.Format(n.Rule.Max), "Step": n.Rule.Format(n.Rule.Step),
		}
		id := "notice_" + n.Reason
		switch {
		case n.Param == "ch" && n.Reason == "invalid":
			id = "notice_invalid_changes"
		case n.Used == "" && (n.Reason == "invalid" || n.Reason == "too_long"):
			id = "notice_dropped"
		}
		texts = append(texts, loc.T(id, data))
	}
	return texts
}

// otherLanguage returns the localizer of the language the page is not in, for the
// second line of each notice.
func otherLanguage(loc *i18n.Localizer) *i18n.Localizer {
	if loc.IsEnglish() {
		return i18n.New("zh-CN")
	}
	return i18n.New("en")
}

func dataSummary(train, heldOut *sim.Dataset, ratio int, loc *i18n.Localizer) string {
	hard := 0
	for _, h := range train.Hard {
		if h {
			hard++
		}
	}
	return loc.T("data_summary", map[string]any{
		"Pos": i18n.GroupDigits(train.NumPos), "Neg": i18n.GroupDigits(train.NumNeg), "Hard": i18n.GroupDigits(hard),
		"Actual":     i18n.GroupDigits(int(float64(train.NumNeg)/float64(max(1, train.NumPos)) + 0.5)),
		"Ratio":      i18n.GroupDigits(ratio),
		"HeldPos":    i18n.GroupDigits(heldOut.NumPos),
		"HeldNeg":    i18n.GroupDigits(heldOut.NumNeg),
		"HeldNegFor": i18n.GroupDigits(heldOut.NumPos * ratio),
	})
}

// metricRows formats both models' metrics. A nil localizer writes the FL row's model
// as "FL", for stream frames that every language shares; the page script fills in the label.
func metricRows(f sim.Frame, loc *i18n.Localizer) []views.MetricRow {
	row := func(model string, m sim.Metrics) views.MetricRow {
		return views.MetricRow{
			Model: model, Loss: formatSig(m.Loss, 4), Recall: formatFixed(m.Recall, true, 3),
			Precision: formatFixed(m.Precision, m.PrecisionOK, 3), AP: formatFixed(m.AP, m.APOK, 3), AUC: formatFixed(m.AUC, m.AUCOK, 4),
		}
	}
	flLabel := "FL"
	if loc != nil {
		flLabel = loc.T("model_fl", map[string]any{"Alpha": f.Alpha, "Gamma": f.Gamma})
	}
	return []views.MetricRow{row("CE", f.CE), row(flLabel, f.FL)}
}

func changeMarkers(changes []sim.Change) []charts.ChangeMarker {
	markers := make([]charts.ChangeMarker, 0, len(changes))
	for _, ch := range changes {
		name := "γ"
		if ch.Param == 'a' {
			name = "α"
		}
		markers = append(markers, charts.ChangeMarker{Step: ch.Step, Label: name + "→" + strconv.FormatFloat(ch.Value, 'f', -1, 64)})
	}
	return markers
}

// Readouts computes the modulating-factor table at readoutPTs. The ratios say how many
// times smaller FL is than CE: by γ alone, and with α_t for a positive and a negative example.
func Readouts(alpha, gamma float64, loc *i18n.Localizer) []views.Readout {
	rows := make([]views.Readout, 0, len(readoutPTs))
	ratio := func(ce, fl float64) string {
		if fl == 0 {
			return "∞"
		}
		return "×" + formatSig(ce/fl, 3)
	}
	for _, pt := range readoutPTs {
		ce := sim.CrossEntropyPT(pt)
		rows = append(rows, views.Readout{
			PT:            strconv.FormatFloat(pt, 'f', -1, 64),
			Factor:        formatSig(sim.ModulatingFactor(pt, gamma), 3),
			RatioGamma:    ratio(ce, sim.FocalPT(pt, sim.NoAlpha, gamma)),
			RatioPositive: ratio(ce, sim.FocalPT(pt, alpha, gamma)),
			RatioNegative: ratio(ce, sim.FocalPT(pt, 1-alpha, gamma)),
		})
	}
	return rows
}

func clientText(loc *i18n.Localizer) map[string]string {
	ids := []string{"play", "pause", "resume", "running", "done", "copied", "copy_failed", "stream_lost", "replaying", "undefined_metric", "end_busy", "end_limit", "end_shutdown"}
	text := make(map[string]string, len(ids)+2)
	for _, id := range ids {
		text[id] = loc.T(id)
	}
	text["status_step"] = loc.T("status_step", map[string]any{"Step": "{step}", "Steps": "{steps}"})
	text["valuetext_alpha"] = loc.T("valuetext_alpha", map[string]any{"Value": "{value}"})
	text["valuetext_gamma"] = loc.T("valuetext_gamma", map[string]any{"Value": "{value}"})
	text["model_fl"] = loc.T("model_fl", map[string]any{"Alpha": "{alpha}", "Gamma": "{gamma}"})
	text["queued"] = loc.T("queued", map[string]any{"Position": "{position}"})
	return text
}
