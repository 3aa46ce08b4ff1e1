package handlers

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"focallab/config"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// walkSmall is a fast run for the walkthrough tests: 2,000 examples at 1:100
// trained for 100 steps, so that a sweep of 42 models takes well under a
// second.
const walkSmall = "n=2000&ratio=100&steps=100"

// walkAPI fetches /api/learn and decodes its sections.
func walkAPI(t *testing.T, e *echo.Echo, query string) walkResponse {
	t.Helper()
	rec := serve(t, e, "/api/learn?"+query)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/learn?%s: status %d, body %s", query, rec.Code, rec.Body)
	}
	var resp walkResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode /api/learn?%s: %v", query, err)
	}
	return resp
}

func sectionByNum(t *testing.T, sections []views.WalkSection, num int) views.WalkSection {
	t.Helper()
	for _, s := range sections {
		if s.Num == num {
			return s
		}
	}
	t.Fatalf("no section %d in the response", num)
	return views.WalkSection{}
}

func tableByID(t *testing.T, s views.WalkSection, id string) views.WalkTable {
	t.Helper()
	for _, tb := range s.Tables {
		if tb.ID == id {
			return tb
		}
	}
	t.Fatalf("section %d has no table %s", s.Num, id)
	return views.WalkTable{}
}

func chartByID(t *testing.T, s views.WalkSection, id string) map[string]any {
	t.Helper()
	for _, c := range s.Charts {
		if c.ID == id {
			// Round-trip through JSON, as the page receives it.
			raw, err := json.Marshal(c.Option)
			if err != nil {
				t.Fatalf("encode %s: %v", id, err)
			}
			var o map[string]any
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("decode %s: %v", id, err)
			}
			return o
		}
	}
	t.Fatalf("section %d has no chart %s", s.Num, id)
	return nil
}

func TestWalkPageRendersEverySection(t *testing.T) {
	_, e := newTestServer(t)
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			rec := serve(t, e, "/learn?lang="+lang+"&"+walkSmall)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /learn: status %d", rec.Code)
			}
			body := rec.Body.String()
			doc := parseHTML(t, rec.Body.Bytes())
			if got, _ := attr(findFirst(doc, byTag("html")), "lang"); got != lang {
				t.Errorf("html lang = %q, want %q", got, lang)
			}
			text := textOf(findFirst(doc, byTag("body")))
			if strings.Contains(text, "walk_") {
				t.Errorf("the page shows a message ID: %q", text[strings.Index(text, "walk_"):min(len(text), strings.Index(text, "walk_")+40)])
			}
			if strings.Contains(body, "NaN") {
				t.Error("the page contains NaN")
			}
			for n := 1; n <= walkSectionCount; n++ {
				section := mustID(t, doc, "s"+strconv.Itoa(n))
				if h := findFirst(section, byTag("h2")); h == nil || strings.TrimSpace(textOf(h)) == "" {
					t.Errorf("section %d has no heading", n)
				}
				if q := findFirst(section, func(x *html.Node) bool { v, _ := attr(x, "class"); return v == "question" }); q == nil {
					t.Errorf("section %d has no question", n)
				}
			}
			toc := findAll(mustID(t, doc, "toc-title").Parent, byTag("a"))
			if len(toc) != walkSectionCount {
				t.Errorf("table of contents has %d links, want %d", len(toc), walkSectionCount)
			}
			for _, script := range findAll(doc, byTag("script")) {
				id, _ := attr(script, "id")
				if !strings.HasPrefix(id, "c-s") {
					continue
				}
				var option struct {
					Series []json.RawMessage `json:"series"`
				}
				if err := json.Unmarshal([]byte(textOf(script)), &option); err != nil {
					t.Errorf("%s is not JSON: %v", id, err)
				} else if len(option.Series) == 0 {
					t.Errorf("%s has no series", id)
				}
			}
		})
	}
}

func TestWalkPageHasNoInlineCode(t *testing.T) {
	_, e := newTestServer(t)
	doc := parseHTML(t, serve(t, e, "/learn?"+walkSmall).Body.Bytes())
	for i, s := range findAll(doc, byTag("script")) {
		_, hasSrc := attr(s, "src")
		typ, _ := attr(s, "type")
		if !hasSrc && typ != "application/json" {
			t.Errorf("script %d: inline script of type %q, want only application/json data", i, typ)
		}
	}
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" {
				t.Errorf("<%s> has inline %s=%q", n.Data, a.Key, a.Val)
			}
		}
	}
}

func TestWalkSectionLinksRestoreParameters(t *testing.T) {
	_, e := newTestServer(t)
	query := "lang=en&alpha=0.5&gamma=1&thr=0.3&n_easy=5000&sec=4&" + walkSmall
	doc := parseHTML(t, serve(t, e, "/learn?"+query).Body.Bytes())
	want, _ := config.Parse(walkQuery(t, query))

	for n := 1; n <= walkSectionCount; n++ {
		section := mustID(t, doc, "s"+strconv.Itoa(n))
		link := findFirst(section, func(x *html.Node) bool { v, _ := attr(x, "class"); return v == "section-link" })
		if link == nil {
			t.Fatalf("section %d has no section link", n)
		}
		href, _ := attr(link, "href")
		u, err := url.Parse(href)
		if err != nil {
			t.Fatalf("section %d link %q: %v", n, href, err)
		}
		if u.Path != "/learn" || u.Fragment != "s"+strconv.Itoa(n) {
			t.Errorf("section %d link %q: want /learn…#s%d", n, href, n)
		}
		got, notices := config.Parse(u.Query())
		if len(notices) > 0 {
			t.Errorf("section %d link %q gives notices %v", n, href, notices)
		}
		expect := want
		expect.Sec = n
		if got.Query() != expect.Query() {
			t.Errorf("section %d link restores %q, want %q", n, got.Query(), expect.Query())
		}
	}

	// The language switch keeps every parameter and the section.
	sw, _ := attr(mustID(t, doc, "lang-switch"), "href")
	if !strings.Contains(sw, "lang=zh-CN") || !strings.Contains(sw, "thr=0.3") || !strings.HasSuffix(sw, "#s4") {
		t.Errorf("language switch %q does not keep the view", sw)
	}
	// The link to the main page keeps the run and drops the walkthrough's own parameters.
	main, _ := attr(mustID(t, doc, "main-link"), "href")
	if !strings.Contains(main, "alpha=0.5") || strings.Contains(main, "sec=") || strings.Contains(main, "n_easy=") {
		t.Errorf("main-page link %q: want the run's parameters without sec and n_easy", main)
	}
}

func walkQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return q
}

func TestWalkCalculatorDefaultsReproduceArticle(t *testing.T) {
	_, e := newTestServer(t)
	resp := walkAPI(t, e, "lang=en&part=3")
	s := sectionByNum(t, resp.Sections, 3)
	ce := tableByID(t, s, "t-s3-totals").Rows[0]

	// 999,999 easy negatives at p_t = 0.999 against one hard positive at
	// p_t = 0.1 under cross-entropy, computed here independently.
	wantEasy := formatSig(999999*-math.Log(0.999), 4)
	wantHard := formatSig(-math.Log(0.1), 4)
	if ce[0] != "CE" || ce[1] != wantEasy || ce[2] != wantHard {
		t.Errorf("CE row = %v, want CE, %s, %s", ce, wantEasy, wantHard)
	}
	// The article rounds these to about 1000 and 2.3.
	if ce[1] != "1000" || !strings.HasPrefix(ce[2], "2.30") {
		t.Errorf("CE totals %s and %s are not the article's ≈1000 and ≈2.3", ce[1], ce[2])
	}
}

func TestWalkCalculatorFollowsInputs(t *testing.T) {
	_, e := newTestServer(t)
	resp := walkAPI(t, e, "lang=en&part=3&n_easy=10&pt_easy=0.9&k_hard=2&pt_hard=0.3")
	row := tableByID(t, sectionByNum(t, resp.Sections, 3), "t-s3-totals").Rows[0]
	if want := formatSig(10*-math.Log(0.9), 4); row[1] != want {
		t.Errorf("CE easy total = %s, want %s", row[1], want)
	}
	if want := formatSig(2*-math.Log(0.3), 4); row[2] != want {
		t.Errorf("CE hard total = %s, want %s", row[2], want)
	}
}

func TestWalkAPIParts(t *testing.T) {
	_, e := newTestServer(t)
	resp := walkAPI(t, e, "part=8,3,3&"+walkSmall)
	var nums []int
	for _, s := range resp.Sections {
		nums = append(nums, s.Num)
	}
	if !slices.Equal(nums, []int{3, 8}) {
		t.Errorf("part=8,3,3 returned sections %v, want [3 8]", nums)
	}

	// The API waits for the sweep, so section 7 is never pending there.
	sweep := sectionByNum(t, walkAPI(t, e, "part=7&"+walkSmall).Sections, 7)
	if sweep.Pending || len(sweep.Charts) != 2 {
		t.Errorf("section 7: pending %v with %d charts, want complete with 2", sweep.Pending, len(sweep.Charts))
	}
	if sweep.Question.Correct < 0 || sweep.Question.Correct >= len(sim.SweepGammas) {
		t.Errorf("section 7 question has correct choice %d", sweep.Question.Correct)
	}
	// Once computed, the page shows the sweep without waiting.
	doc := parseHTML(t, serve(t, e, "/learn?"+walkSmall).Body.Bytes())
	if findFirst(mustID(t, doc, "s7"), byID("c-s7-heat")) == nil {
		t.Error("page after a computed sweep has no heatmap in section 7")
	}
}

func TestWalkAPIRejectsBadParts(t *testing.T) {
	_, e := newTestServer(t)
	for _, part := range []string{"0", "13", "x", "3,", "1.5"} {
		rec := serve(t, e, "/api/learn?part="+url.QueryEscape(part))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("part=%s: status %d, want 400", part, rec.Code)
			continue
		}
		if body := apiErrorBody(t, rec); body.Error.Param != "part" {
			t.Errorf("part=%s: error names %q, want part", part, body.Error.Param)
		}
	}
	if rec := serve(t, e, "/api/learn?part=1&part=2"); rec.Code != http.StatusBadRequest {
		t.Errorf("repeated part: status %d, want 400", rec.Code)
	}
}

func TestWalkFigure4MatchesDefinition(t *testing.T) {
	app, e := newTestServer(t)
	resp := walkAPI(t, e, "lang=en&part=9&"+walkSmall)
	option := chartByID(t, sectionByNum(t, resp.Sections, 9), "c-s9-figure4")

	// The FL model of the run, and its logits on the training split.
	cfg, _ := config.Parse(walkQuery(t, walkSmall))
	run := app.Live.NewRun(cfg)
	for run.StepCount() < cfg.Steps {
		run.Step()
	}
	_, fl := run.Models()
	train, _ := run.Data()
	z := sim.Logits(fl, train)

	// Figure 4: the loss -(1-p_t)^γ log p_t of each example of one class,
	// normalised to sum to 1, sorted ascending and summed cumulatively.
	cumulative := func(positive bool, gamma float64) []float64 {
		var losses []float64
		for i, v := range z {
			if (train.Label[i] != 0) != positive {
				continue
			}
			pt := 1 / (1 + math.Exp(-v))
			if !positive {
				pt = 1 - pt
			}
			losses = append(losses, -math.Pow(1-pt, gamma)*math.Log(pt))
		}
		slices.Sort(losses)
		total := 0.0
		for _, l := range losses {
			total += l
		}
		cum := []float64{0}
		for _, l := range losses {
			cum = append(cum, cum[len(cum)-1]+l/total)
		}
		return cum
	}

	series, _ := option["series"].([]any)
	gammas := []float64{0, 0.5, 1, 2}
	if len(series) != 2*len(gammas) {
		t.Fatalf("Figure 4 has %d series, want %d", len(series), 2*len(gammas))
	}
	for i, raw := range series {
		s := raw.(map[string]any)
		positive, gamma := i < len(gammas), gammas[i%len(gammas)]
		cum := cumulative(positive, gamma)
		n := float64(len(cum) - 1)
		for _, d := range s["data"].([]any) {
			v := d.(map[string]any)["value"].([]any)
			f, got := v[0].(float64), v[1].(float64)
			x := f * n
			k := min(int(x), len(cum)-1)
			want := cum[k]
			if k < len(cum)-1 {
				want += (x - float64(k)) * (cum[k+1] - cum[k])
			}
			if math.Abs(got-want) > 1e-5*want+1e-9 {
				t.Errorf("positive %v γ %g: share at fraction %g = %g, want %g", positive, gamma, f, got, want)
				break
			}
		}
	}
}

func TestWalkInverseToggle(t *testing.T) {
	_, e := newTestServer(t)
	rows := func(query string) int {
		s := sectionByNum(t, walkAPI(t, e, "part=10&"+walkSmall+query).Sections, 10)
		return len(tableByID(t, s, "t-s10-calibration").Rows)
	}
	if got := rows(""); got != 2 {
		t.Errorf("without inv: %d calibration rows, want 2 (CE, FL)", got)
	}
	if got := rows("&inv=1"); got != 3 {
		t.Errorf("with inv=1: %d calibration rows, want 3 (CE, FL, FL transformed)", got)
	}
	// With α = 0 the inverse does not exist, and the section explains that
	// instead of showing NaN.
	s := sectionByNum(t, walkAPI(t, e, "part=10&alpha=0&inv=1&lang=en&"+walkSmall).Sections, 10)
	raw, _ := json.Marshal(s)
	if strings.Contains(string(raw), "NaN") || !strings.Contains(strings.Join(s.Notes, " "), "does not exist") {
		t.Errorf("α = 0: notes %q, want the missing inverse explained and no NaN", s.Notes)
	}
}

func TestWalkQuestionsHaveComputedAnswers(t *testing.T) {
	_, e := newTestServer(t)
	for _, lang := range []string{"zh-CN", "en"} {
		resp := walkAPI(t, e, "lang="+lang+"&"+walkSmall)
		if len(resp.Sections) != walkSectionCount {
			t.Fatalf("%s: %d sections, want %d", lang, len(resp.Sections), walkSectionCount)
		}
		for _, s := range resp.Sections {
			q := s.Question
			if q.Prompt == "" || q.Answer == "" || len(q.Choices) < 2 {
				t.Errorf("%s section %d: question %+v is incomplete", lang, s.Num, q)
			}
			if q.Correct < 0 || q.Correct >= len(q.Choices) {
				t.Errorf("%s section %d: correct choice %d of %d", lang, s.Num, q.Correct, len(q.Choices))
			}
		}
	}
}

func TestWalkBadSectionGetsNotice(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/learn?lang=en&sec=99&"+walkSmall)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	items := noticeItems(parseHTML(t, rec.Body.Bytes()))
	if len(items) != 1 || !strings.Contains(items[0], "sec") || !strings.Contains(items[0], "12") {
		t.Errorf("notices %q, want one about sec clamped to 12", items)
	}
}

func TestMainPageLinksToWalk(t *testing.T) {
	_, e := newTestServer(t)
	doc := parseHTML(t, serve(t, e, "/?lang=en&gamma=3&steps=100").Body.Bytes())
	link := mustID(t, doc, "learn-link")
	href, _ := attr(link, "href")
	if !strings.HasPrefix(href, "/learn?") || !strings.Contains(href, "gamma=3") || !strings.Contains(href, "lang=en") {
		t.Errorf("learn link %q: want /learn with the page's parameters", href)
	}
	if got := textOf(link); got != i18n.New("en").T("walk_link_main") {
		t.Errorf("learn link text %q", got)
	}
}

func TestWalkMemoSharesComputation(t *testing.T) {
	var cache walkCache
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func() int {
		calls.Add(1)
		<-release
		return 42
	}
	ctx := context.Background()

	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := range results {
		wg.Go(func() {
			v, err := walkMemo(ctx, &cache, "k", false, compute)
			if err != nil {
				t.Errorf("walkMemo: %v", err)
			}
			results[i] = v
		})
	}
	// Let every caller join the one computation before it finishes.
	for {
		cache.mu.Lock()
		waiting := len(cache.entries) == 1 && cache.entries[0].waiters == len(results)
		cache.mu.Unlock()
		if waiting {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()

	if n := calls.Load(); n != 1 {
		t.Errorf("compute ran %d times for identical keys, want 1", n)
	}
	for i, v := range results {
		if v != 42 {
			t.Errorf("caller %d got %d, want 42", i, v)
		}
	}
	if v, ok := walkPeek[int](&cache, "k"); !ok || v != 42 {
		t.Errorf("walkPeek = %d, %v; want 42, true", v, ok)
	}
	if _, ok := walkPeek[int](&cache, "other"); ok {
		t.Error("walkPeek of a key never computed: ok = true")
	}
}

func TestWalkMemoBoundedAndCancellable(t *testing.T) {
	var cache walkCache
	ctx := context.Background()
	for i := range walkCacheSize + 10 {
		if _, err := walkMemo(ctx, &cache, strconv.Itoa(i), false, func() int { return i }); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cache.entries); n != walkCacheSize {
		t.Errorf("cache holds %d entries, want the bound %d", n, walkCacheSize)
	}
	if _, ok := walkPeek[int](&cache, "0"); ok {
		t.Error("the oldest entry is still cached")
	}

	// A request that gives up gets its context's error at once.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	block := make(chan struct{})
	defer close(block)
	if _, err := walkMemo(cancelled, &cache, "slow", false, func() int { <-block; return 1 }); err == nil {
		t.Error("walkMemo with a cancelled context: err = nil, want the context's error")
	}
}
