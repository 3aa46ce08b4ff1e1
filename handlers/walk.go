package handlers

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"focallab/config"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// walkSectionCount is the number of sections of the walkthrough at /learn.
const walkSectionCount = 12

// walkSweepSection is the section whose sweep may still be computing when
// the page renders; the page then fetches it from /api/learn.
const walkSweepSection = 7

// walkPage serves GET /learn, the walkthrough of the article: every section
// with its figures, readouts and question, for the link's parameters.
func (a *App) walkPage(c echo.Context) error {
	req := c.Request()
	cfg, notices := config.Parse(req.URL.Query())
	cfg.Lang = requestLang(c)
	for i, n := range notices {
		if n.Param == "lang" && n.Reason != "repeated" {
			notices[i].Used = cfg.Lang
		}
	}
	b := a.newWalkBuilder(req.Context(), cfg, false)
	sections, err := b.sections(allWalkSections())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.WalkMain(b.page(sections, notices, absoluteBase(req))))
}

// walkResponse is the body of /api/learn.
type walkResponse struct {
	Query    string              `json:"query"` // canonical link parameters, without "?"
	Sections []views.WalkSection `json:"sections"`
}

// apiWalk serves GET /api/learn?<link parameters>&part=3,8. It returns the
// figures, readouts, notes and question results of the listed sections (all
// without part), which the page script redraws after a control moves. Unlike
// the page, it waits for the sweep of section 7 to finish.
func (a *App) apiWalk(c echo.Context) error {
	q := c.Request().URL.Query()
	cfg, _ := config.Parse(q)
	cfg.Lang = requestLang(c)
	parts, err := parseWalkParts(q)
	if err != nil {
		return err
	}
	b := a.newWalkBuilder(c.Request().Context(), cfg, true)
	sections, err := b.sections(parts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, walkResponse{Query: cfg.Query(), Sections: sections})
}

func allWalkSections() []int {
	nums := make([]int, walkSectionCount)
	for i := range nums {
		nums[i] = i + 1
	}
	return nums
}

// parseWalkParts reads the optional part parameter: a comma list of section
// numbers from 1 to 12. A missing or empty part means every section.
func parseWalkParts(q url.Values) ([]int, error) {
	values := q["part"]
	if len(values) > 1 {
		return nil, newError(http.StatusBadRequest, "part", "error_param_repeated", map[string]any{"Param": "part"})
	}
	if len(values) == 0 || values[0] == "" {
		return allWalkSections(), nil
	}
	var nums []int
	for _, item := range strings.Split(values[0], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil || n < 1 || n > walkSectionCount {
			return nil, newError(http.StatusBadRequest, "part", "walk_error_part", map[string]any{"Raw": shortRaw(values[0]), "Max": walkSectionCount})
		}
		if !slices.Contains(nums, n) {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	return nums, nil
}

// walkBuilder computes the sections of one request. The data, the trained
// models and the scores are computed on first use and shared by the sections.
type walkBuilder struct {
	app *App
	ctx context.Context
	cfg config.Config
	loc *i18n.Localizer
	// waitSweep makes section 7 wait for its sweep instead of returning a
	// pending section.
	waitSweep bool

	train, heldOut *sim.Dataset
	models         *walkModels
	heldCE, heldFL []float64 // held-out logits
	trainFL        []float64 // training-split logits of the FL model
}

// walkModels are the two models of a run at one step.
type walkModels struct {
	CE, FL       sim.Model // moving averages of the weights, as the main page evaluates
	Alpha, Gamma float64   // the FL model's α and γ in force at that step
	Step         int
}

func (a *App) newWalkBuilder(ctx context.Context, cfg config.Config, waitSweep bool) *walkBuilder {
	return &walkBuilder{app: a, ctx: ctx, cfg: cfg, loc: i18n.New(cfg.Lang), waitSweep: waitSweep}
}

// trainTo returns the step the trained sections show: the link's step, or the
// whole run when the link is at step 0, where nothing is trained yet.
func (b *walkBuilder) trainTo() int {
	if b.cfg.Step > 0 {
		return b.cfg.Step
	}
	return b.cfg.Steps
}

func (b *walkBuilder) data() (train, heldOut *sim.Dataset) {
	if b.train == nil {
		b.train, b.heldOut = b.app.Live.Data(b.cfg.TrainConfig().Data)
	}
	return b.train, b.heldOut
}

// trained returns the run's models at trainTo, training them once per run and
// step for every request.
func (b *walkBuilder) trained() (walkModels, error) {
	if b.models != nil {
		return *b.models, nil
	}
	to := b.trainTo()
	cfg := b.cfg
	// The threshold changes the metrics of a run, not its weights, so it is
	// left out of the key and moving the threshold slider does not retrain.
	keyed := cfg
	keyed.Thr = config.Default().Thr
	key := "models:" + keyed.RunQuery() + "@" + strconv.Itoa(to)
	m, err := walkMemo(b.ctx, &b.app.walk, key, false, func() walkModels {
		run := b.app.Live.NewRun(cfg)
		for run.StepCount() < to {
			run.Step()
		}
		ce, fl := run.Models()
		return walkModels{CE: ce, FL: fl, Alpha: run.Alpha(), Gamma: run.Gamma(), Step: run.StepCount()}
	})
	if err != nil {
		return walkModels{}, &Error{Status: http.StatusServiceUnavailable, ID: "error_cancelled", Err: err}
	}
	b.models = &m
	return m, nil
}

// heldOutLogits returns both models' logits on the held-out split.
func (b *walkBuilder) heldOutLogits() (ce, fl []float64, err error) {
	if b.heldCE == nil {
		m, err := b.trained()
		if err != nil {
			return nil, nil, err
		}
		_, heldOut := b.data()
		b.heldCE, b.heldFL = sim.Logits(m.CE, heldOut), sim.Logits(m.FL, heldOut)
	}
	return b.heldCE, b.heldFL, nil
}

// trainLogits returns the FL model's logits on the training split.
func (b *walkBuilder) trainLogits() ([]float64, error) {
	if b.trainFL == nil {
		m, err := b.trained()
		if err != nil {
			return nil, err
		}
		train, _ := b.data()
		b.trainFL = sim.Logits(m.FL, train)
	}
	return b.trainFL, nil
}

// sections builds the numbered sections in order and links them.
func (b *walkBuilder) sections(nums []int) ([]views.WalkSection, error) {
	builders := map[int]func() (views.WalkSection, error){
		1: b.sectionHaystack, 2: b.sectionSurprise, 3: b.sectionTyranny, 4: b.sectionClassWeight,
		5: b.sectionFocus, 6: b.sectionGradients, 7: b.sectionTuning, 8: b.sectionPerformance,
		9: b.sectionCost, 10: b.sectionProbabilities, 11: b.sectionPrior, 12: b.sectionApplications,
	}
	// The sweep of section 7 is built last: starting its computations first
	// would make the other sections wait for a free slot behind them.
	order := slices.Clone(nums)
	slices.SortStableFunc(order, func(x, y int) int {
		return boolInt(x == walkSweepSection) - boolInt(y == walkSweepSection)
	})
	built := make(map[int]views.WalkSection, len(nums))
	for _, n := range order {
		s, err := builders[n]()
		if err != nil {
			return nil, err
		}
		built[n] = s
	}
	out := make([]views.WalkSection, 0, len(nums))
	for _, n := range nums {
		s := built[n]
		s.Num = n
		s.Anchor = walkAnchor(n)
		s.Title = b.loc.T(fmt.Sprintf("walk_s%d_title", n))
		s.Article = b.loc.T(fmt.Sprintf("walk_s%d_article", n))
		s.Href = walkHref(b.cfg, n)
		if n > 1 {
			s.Prev = &views.WalkLink{Num: n - 1, Title: b.loc.T(fmt.Sprintf("walk_s%d_title", n-1)), Href: walkHref(b.cfg, n-1)}
		}
		if n < walkSectionCount {
			s.Next = &views.WalkLink{Num: n + 1, Title: b.loc.T(fmt.Sprintf("walk_s%d_title", n+1)), Href: walkHref(b.cfg, n+1)}
		}
		out = append(out, s)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func walkAnchor(n int) string { return "s" + strconv.Itoa(n) }

// walkHref returns the link to section n of the walkthrough with every
// parameter of cfg. The fragment scrolls to the section, and sec restores it
// where a fragment is lost.
func walkHref(cfg config.Config, n int) string {
	cfg.Sec = n
	href := "/learn"
	if q := cfg.Query(); q != "" {
		href += "?" + q
	}
	return href + "#" + walkAnchor(n)
}

// walkOnlyParams are the link parameters that only the walkthrough reads.
var walkOnlyParams = []string{"sec", "pt", "n_easy", "pt_easy", "k_hard", "pt_hard", "inv"}

// ruleDefaults maps every link parameter to its default.
func ruleDefaults() map[string]string {
	d := make(map[string]string, len(config.Rules))
	for _, r := range config.Rules {
		d[r.Name] = r.Default
	}
	return d
}

// walkOnlyDefaults returns cfg with the walkthrough's own parameters at their
// defaults, for links to the main page.
func walkOnlyDefaults(cfg config.Config) config.Config {
	d := config.Default()
	cfg.Sec, cfg.PT, cfg.NEasy, cfg.PTEasy, cfg.KHard, cfg.PTHard, cfg.Inverse = d.Sec, d.PT, d.NEasy, d.PTEasy, d.KHard, d.PTHard, d.Inverse
	return cfg
}

// page assembles the page around the sections.
func (b *walkBuilder) page(sections []views.WalkSection, notices []config.Notice, base string) views.WalkPage {
	cfg, loc := b.cfg, b.loc
	other, otherText := "en", "English"
	if cfg.Lang == "en" {
		other, otherText = "zh-CN", "中文"
	}
	rest := cfg
	rest.Lang = config.Default().Lang // so Query leaves lang out
	langHref := "/learn?lang=" + url.QueryEscape(other)
	if q := rest.Query(); q != "" {
		langHref += "&" + q
	}
	mainHref := "/"
	if q := walkOnlyDefaults(cfg).Query(); q != "" {
		mainHref += "?" + q
	}
	query := cfg.Query()

	contents := make([]views.WalkLink, len(sections))
	for i, s := range sections {
		contents[i] = views.WalkLink{Num: s.Num, Title: s.Title, Href: s.Href}
	}
	intro := []string{loc.T("walk_intro_article"), loc.T("walk_intro_use")}
	if cfg.Step > 0 {
		intro = append(intro, loc.T("walk_intro_trained_step", map[string]any{"Step": i18n.GroupDigits(cfg.Step), "Steps": i18n.GroupDigits(cfg.Steps)}))
	} else {
		intro = append(intro, loc.T("walk_intro_trained_full", map[string]any{"Steps": i18n.GroupDigits(cfg.Steps)}))
	}

	return views.WalkPage{
		Loc:            loc,
		Lang:           cfg.Lang,
		Query:          query,
		MainHref:       mainHref,
		LangSwitchHref: langHref + "#" + walkAnchor(cfg.Sec),
		LangSwitchText: otherText,
		LangSwitchCode: other,
		CopyHref:       base + strings.TrimPrefix(walkHref(cfg, cfg.Sec), "/"),
		Notices:        noticeTexts(notices, loc),
		Alpha:          slider("alpha", cfg.Alpha, loc),
		Gamma:          slider("gamma", cfg.Gamma, loc),
		Intro:          intro,
		Contents:       contents,
		Sections:       sections,
		Current:        cfg.Sec,
		Client: views.WalkClient{
			Query: query,
			Lang:  cfg.Lang,
			Text: map[string]string{
				"pending":         loc.T("walk_pending"),
				"failed":          loc.T("walk_failed"),
				"predict_first":   loc.T("walk_predict_first"),
				"right":           loc.T("walk_verdict_right"),
				"wrong":           loc.T("walk_verdict_wrong"),
				"copied":          loc.T("copied"),
				"copy_failed":     loc.T("copy_failed"),
				"updating":        loc.T("walk_updating"),
				"valuetext_alpha": loc.T("valuetext_alpha", map[string]any{"Value": "{value}"}),
				"valuetext_gamma": loc.T("valuetext_gamma", map[string]any{"Value": "{value}"}),
			},
			Defaults: ruleDefaults(),
			WalkOnly: walkOnlyParams,
		},
	}
}

// walkTable returns a table with an id, a caption and head cells.
func walkTable(id, caption string, head ...string) views.WalkTable {
	return views.WalkTable{ID: id, Caption: caption, Head: head}
}

// rangeIndex returns how many of the ascending bounds are at or below v,
// which is the index of the choice whose range [bounds[i-1], bounds[i])
// contains v. The choices of a question state the same bounds.
func rangeIndex(v float64, bounds ...float64) int {
	n := 0
	for _, b := range bounds {
		if v >= b {
			n++
		}
	}
	return n
}

// roundDecimals returns v rounded to the given number of decimals, the value
// that formatFixed and percent show. Questions grade this shown value, so two
// models whose recalls both read "0.66" are graded as equal.
func roundDecimals(v float64, decimals int) float64 {
	scale := math.Pow10(decimals)
	return math.Round(v*scale) / scale
}

// roundSig returns v rounded to digits significant digits, the value that
// formatSig shows.
func roundSig(v float64, digits int) float64 {
	// FormatFloat's output always parses back, NaN and ±Inf included.
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', digits-1, 64), 64)
	return r
}

// compareShown returns the index of the choice that a comparison of a with b
// supports: first when a > b, second when a < b, third when they are equal.
func compareShown(a, b float64, first, second, third int) int {
	switch {
	case a > b:
		return first
	case a < b:
		return second
	}
	return third
}

// percent writes a share in [0, 1] as a percentage with the given decimals.
func percent(v float64, decimals int) string {
	return strconv.FormatFloat(100*v, 'f', decimals, 64) + "%"
}

// countText writes a weighted count rounded to a whole number with grouping.
func countText(v float64) string {
	return i18n.GroupDigits(int(math.Round(v)))
}

// ratioText writes a ratio of counts rounded to a whole number with grouping.
func ratioText(v float64) string {
	return i18n.GroupDigits(int(math.Round(v)))
}

// decimalText writes a parameter value as the link writes it.
func decimalText(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
