package handlers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"focallab/config"
	"focallab/i18n"
	"focallab/static"
	"focallab/views"
)

// newTestServer returns a fresh App and its echo server, with logs discarded.
func newTestServer(t *testing.T) (*App, *echo.Echo) {
	t.Helper()
	app := NewApp(slog.New(slog.NewTextHandler(io.Discard, nil)))
	return app, app.NewServer()
}

// serve sends one GET request through echo, so its error handler runs. headers are
// name, value pairs.
func serve(t *testing.T, e *echo.Echo, target string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func parseHTML(t *testing.T, body []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// findAll returns every element below n, in document order, for which match is true.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, ok := attr(n, "id"); return ok && v == id }
}

func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// textOf returns the text content of n and its descendants.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

func mustID(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	n := findFirst(doc, byID(id))
	if n == nil {
		t.Fatalf("no element with id %q", id)
	}
	return n
}

// noticeItems returns the text of each notice the page lists.
func noticeItems(doc *html.Node) []string {
	section := findFirst(doc, byID("notices"))
	if section == nil {
		return nil
	}
	var items []string
	for _, li := range findAll(section, byTag("li")) {
		items = append(items, textOf(li))
	}
	return items
}

func TestPageLanguage(t *testing.T) {
	tests := []struct {
		name      string
		target    string
		accept    string
		wantLang  string
		wantTitle string
	}{
		{"default", "/", "", "zh-CN", "焦点损失实验室"},
		{"lang=en", "/?lang=en", "", "en", "Focal Lab"},
		{"lang=en over Chinese browser", "/?lang=en", "zh-CN", "en", "Focal Lab"},
		{"lang=EN", "/?lang=EN", "", "en", "Focal Lab"},
		{"English browser", "/", "en-US,en;q=0.9", "en", "Focal Lab"},
		{"Chinese browser", "/", "zh-CN", "zh-CN", "焦点损失实验室"},
		{"lang=zh-CN over English browser", "/?lang=zh-CN", "en-US,en;q=0.9", "zh-CN", "焦点损失实验室"},
		{"unsupported browser language", "/", "fr-FR", "zh-CN", "焦点损失实验室"},
		{"invalid lang, English browser", "/?lang=fr", "en-US", "en", "Focal Lab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			rec := serve(t, e, tt.target, "Accept-Language", tt.accept)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", tt.target, rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			doc := parseHTML(t, rec.Body.Bytes())
			root := findFirst(doc, byTag("html"))
			if got, _ := attr(root, "lang"); got != tt.wantLang {
				t.Errorf("<html lang> = %q, want %q", got, tt.wantLang)
			}
			if got := textOf(findFirst(doc, byTag("title"))); got != tt.wantTitle {
				t.Errorf("<title> = %q, want %q", got, tt.wantTitle)
			}
			if got := textOf(findFirst(doc, byTag("h1"))); got != tt.wantTitle {
				t.Errorf("<h1> = %q, want %q", got, tt.wantTitle)
			}
		})
	}
}

func TestPageLanguageSwitch(t *testing.T) {
	tests := []struct {
		name     string
		target   string
		accept   string
		wantLang string // lang in the switch link
	}{
		{"from Chinese", "/?alpha=0.5&gamma=1", "", "en"},
		{"from English", "/?lang=en&alpha=0.5&gamma=1", "", "zh-CN"},
		// The link to Chinese must carry lang=zh-CN, or an English browser gets English again.
		{"from English browser", "/?alpha=0.5&gamma=1", "en-US,en;q=0.9", "zh-CN"},
		{"every parameter", "/?alpha=0.5&gamma=1&ratio=30&n=5000&seed=7&lr=0.01&prior=0&steps=100&step=20&ch=50:g2&logy=1", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			rec := serve(t, e, tt.target, "Accept-Language", tt.accept)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", tt.target, rec.Code)
			}
			link := mustID(t, parseHTML(t, rec.Body.Bytes()), "lang-switch")
			href, _ := attr(link, "href")
			u, err := url.Parse(href)
			if err != nil {
				t.Fatalf("lang-switch href %q: %v", href, err)
			}
			if u.Path != "/" {
				t.Errorf("lang-switch href %q: path %q, want /", href, u.Path)
			}
			got := u.Query()
			if lang := got.Get("lang"); lang != tt.wantLang {
				t.Errorf("lang-switch href %q: lang = %q, want %q", href, lang, tt.wantLang)
			}
			if hreflang, _ := attr(link, "hreflang"); hreflang != tt.wantLang {
				t.Errorf("lang-switch hreflang = %q, want %q", hreflang, tt.wantLang)
			}
			want, _ := url.ParseQuery(strings.TrimPrefix(tt.target, "/?"))
			for name := range want {
				if name == "lang" {
					continue
				}
				if !slices.Equal(got[name], want[name]) {
					t.Errorf("lang-switch href %q: %s = %q, want %q", href, name, got[name], want[name])
				}
			}

			// Following the link shows the other language, whatever the browser prefers.
			rec = serve(t, e, href, "Accept-Language", tt.accept)
			root := findFirst(parseHTML(t, rec.Body.Bytes()), byTag("html"))
			if lang, _ := attr(root, "lang"); lang != tt.wantLang {
				t.Errorf("GET %s: <html lang> = %q, want %q", href, lang, tt.wantLang)
			}
		})
	}
}

func TestPageChartOptions(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/?steps=100&step=30")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: status %d, want 200", rec.Code)
	}
	doc := parseHTML(t, rec.Body.Bytes())
	for _, id := range []string{"chart-loss", "chart-mod", "chart-haystack", "chart-train"} {
		t.Run(id, func(t *testing.T) {
			canvas := mustID(t, doc, id)
			if got, _ := attr(canvas, "data-option"); got != id+"-option" {
				t.Errorf("#%s data-option = %q, want %q", id, got, id+"-option")
			}
			script := mustID(t, doc, id+"-option")
			if script.Data != "script" {
				t.Fatalf("#%s-option is <%s>, want <script>", id, script.Data)
			}
			if typ, _ := attr(script, "type"); typ != "application/json" {
				t.Errorf("#%s-option type = %q, want application/json", id, typ)
			}
			var option struct {
				Series []json.RawMessage `json:"series"`
			}
			if err := json.Unmarshal([]byte(textOf(script)), &option); err != nil {
				t.Fatalf("#%s-option is not JSON: %v", id, err)
			}
			if len(option.Series) == 0 {
				t.Errorf("#%s-option has no series", id)
			}
		})
	}
}

func TestPageHasNoInlineCode(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/?alpha=0.5&ch=10:g1")
	doc := parseHTML(t, rec.Body.Bytes())

	scripts := findAll(doc, byTag("script"))
	if len(scripts) == 0 {
		t.Fatal("page has no <script> elements")
	}
	for i, s := range scripts {
		src, hasSrc := attr(s, "src")
		typ, _ := attr(s, "type")
		switch {
		case hasSrc:
			if !strings.HasPrefix(src, static.Prefix) {
				t.Errorf("script %d: src = %q, want a path under %s", i, src, static.Prefix)
			}
			if strings.TrimSpace(textOf(s)) != "" {
				t.Errorf("script %d (src %q) also has inline text", i, src)
			}
		case typ != "application/json":
			t.Errorf("script %d: inline script of type %q, want only application/json data", i, typ)
		}
	}

	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s> has inline event handler %s=%q", n.Data, a.Key, a.Val)
			}
		}
	}
}

func TestPageReadoutsMatchAPI(t *testing.T) {
	_, e := newTestServer(t)
	doc := parseHTML(t, serve(t, e, "/?gamma=2").Body.Bytes())
	var row *html.Node
	for _, tr := range findAll(mustID(t, doc, "readouts"), byTag("tr")) {
		if th := findFirst(tr, byTag("th")); th != nil && textOf(th) == "0.9" {
			row = tr
		}
	}
	if row == nil {
		t.Fatal("no readout row for p_t 0.9")
	}
	cells := map[string]string{}
	for _, td := range findAll(row, byTag("td")) {
		col, _ := attr(td, "data-col")
		cells[col] = textOf(td)
	}
	if got := cells["factor"]; got != "0.0100" {
		t.Errorf("page factor at p_t 0.9 = %q, want %q", got, "0.0100")
	}
	if got := cells["ratioGamma"]; got != "×100" {
		t.Errorf("page CE ÷ FL at p_t 0.9 = %q, want %q", got, "×100")
	}
}

func TestPageBadLinks(t *testing.T) {
	const scriptTag = "<script>alert(1)</script>"
	const imgTag = `"'><img src=x onerror=alert(1)>`
	// A value just short enough that the whole query stays under config.MaxQueryLength.
	longUnder := strings.Repeat("9", config.MaxQueryLength-len("n="))
	longOver := strings.Repeat("9", 10000)
	tests := []struct {
		name       string
		query      string // raw query, percent-encoded where needed
		wantStatus int
		param      string // parameter the notice must name
	}{
		{"NaN", "alpha=NaN", http.StatusOK, "alpha"},
		{"Inf", "gamma=Inf", http.StatusOK, "gamma"},
		{"-Inf", "lr=-Inf", http.StatusOK, "lr"},
		{"1e309", "lr=1e309", http.StatusOK, "lr"},
		{"hex float", "gamma=0x1p-2", http.StatusOK, "gamma"},
		{"underscore", "ratio=1_0", http.StatusOK, "ratio"},
		{"empty", "seed=", http.StatusOK, "seed"},
		{"repeated", "alpha=0.5&alpha=0.9", http.StatusOK, "alpha"},
		{"long value under the query limit", "n=" + longUnder, http.StatusOK, "n"},
		{"long value over the query limit", "n=" + longOver, http.StatusRequestURITooLong, ""},
		{"0xFF byte", "lang=%FF", http.StatusOK, "lang"},
		{"0xFF in number", "alpha=0.5%FF", http.StatusOK, "alpha"},
		{"script tag", "alpha=" + url.QueryEscape(scriptTag), http.StatusOK, "alpha"},
		{"script tag in lang", "lang=" + url.QueryEscape(scriptTag), http.StatusOK, "lang"},
		{"script tag in change list", "ch=" + url.QueryEscape(scriptTag), http.StatusOK, "ch"},
		{"img tag", "gamma=" + url.QueryEscape(imgTag), http.StatusOK, "gamma"},
		{"img tag in change list", "ch=" + url.QueryEscape(imgTag), http.StatusOK, "ch"},
		{"img tag repeated", "prior=" + url.QueryEscape(imgTag) + "&prior=1", http.StatusOK, "prior"},
		{"out of range", "alpha=2", http.StatusOK, "alpha"},
		{"off step", "gamma=2.05", http.StatusOK, "gamma"},
		{"bad bool", "logy=maybe", http.StatusOK, "logy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			target := "/?" + tt.query
			rec := serve(t, e, target)
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET %.80s: status %d, want %d", target, rec.Code, tt.wantStatus)
			}
			body := strings.ToLower(rec.Body.String())
			for _, raw := range []string{"<script>alert", "<img src=x"} {
				if strings.Contains(body, raw) {
					t.Errorf("body contains unescaped %q", raw)
				}
			}
			doc := parseHTML(t, rec.Body.Bytes())
			if imgs := findAll(doc, byTag("img")); len(imgs) != 0 {
				t.Errorf("page has %d <img> elements, want none", len(imgs))
			}
			for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
				for _, a := range n.Attr {
					if strings.HasPrefix(strings.ToLower(a.Key), "on") {
						t.Errorf("<%s> has event handler attribute %s=%q", n.Data, a.Key, a.Val)
					}
				}
			}
			if tt.wantStatus != http.StatusOK {
				checkBilingualError(t, doc, tt.wantStatus)
				return
			}
			items := noticeItems(doc)
			found := false
			for _, item := range items {
				found = found || strings.HasPrefix(item, tt.param+" ")
			}
			if !found {
				t.Errorf("notices %q name no parameter %q", items, tt.param)
			}
		})
	}
}

func TestPageNoticeUsesShownLanguage(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/?lang=fr", "Accept-Language", "en-US")
	items := noticeItems(parseHTML(t, rec.Body.Bytes()))
	if len(items) != 1 {
		t.Fatalf("notices = %q, want one about lang", items)
	}
	// The shown language comes first; the other language follows on its own line.
	if want := "lang = “fr” is not a valid value; using en."; !strings.HasPrefix(items[0], want) {
		t.Errorf("notice = %q, want it to start with %q, the language shown", items[0], want)
	}
	if want := "已改用 en"; !strings.Contains(items[0], want) {
		t.Errorf("notice = %q, want its Chinese line to contain %q", items[0], want)
	}
}

func TestPageFormCheckbox(t *testing.T) {
	// Without JavaScript the form sends the hidden prior=0 and, when checked, prior=1.
	_, e := newTestServer(t)
	rec := serve(t, e, "/?prior=0&prior=1")
	doc := parseHTML(t, rec.Body.Bytes())
	if items := noticeItems(doc); len(items) != 0 {
		t.Errorf("notices = %q, want none", items)
	}
	if _, checked := attr(mustID(t, doc, "in-prior"), "checked"); !checked {
		t.Error("prior checkbox is not checked after prior=0&prior=1")
	}
}

// checkBilingualError checks an error page: its status heading and a non-empty message in each language.
func checkBilingualError(t *testing.T, doc *html.Node, status int) {
	t.Helper()
	if got := textOf(findFirst(doc, byTag("h1"))); got != strconv.Itoa(status) {
		t.Errorf("error page <h1> = %q, want %q", got, strconv.Itoa(status))
	}
	for _, lang := range i18n.Languages {
		p := findFirst(doc, func(n *html.Node) bool {
			v, _ := attr(n, "lang")
			return n.Data == "p" && v == lang
		})
		if p == nil {
			t.Errorf("error page has no <p lang=%q> message", lang)
			continue
		}
		if strings.TrimSpace(textOf(p)) == "" {
			t.Errorf("error page <p lang=%q> is empty", lang)
		}
	}
}

// focalCase is one per-sample case of testdata/focal-cases.json.
type focalCase struct {
	ID       string
	Z        []float64
	Y        []int
	Alpha    float64
	Gamma    float64
	Loss     []float64
	DLossDz  []float64
	Rel, Abs float64
}

// loadFocalCases reads the cases that give z, y, alpha and gamma and expect per-sample
// loss and dloss_dz, skipping the others (batch reductions, probabilities as input).
func loadFocalCases(t *testing.T) []focalCase {
	t.Helper()
	data, err := os.ReadFile("../testdata/focal-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			ID        string                     `json:"id"`
			Input     map[string]json.RawMessage `json:"input"`
			Expected  map[string]json.RawMessage `json:"expected"`
			Tolerance struct {
				Rel float64 `json:"rel"`
				Abs float64 `json:"abs"`
			} `json:"tolerance"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("focal-cases.json: %v", err)
	}
	var cases []focalCase
	for _, c := range file.Cases {
		fc := focalCase{ID: c.ID, Rel: c.Tolerance.Rel, Abs: c.Tolerance.Abs}
		decode := func(m map[string]json.RawMessage, into any, keys ...string) bool {
			for _, k := range keys {
				if raw, ok := m[k]; ok {
					return json.Unmarshal(raw, into) == nil
				}
			}
			return false
		}
		ok := decode(c.Input, &fc.Z, "z") && decode(c.Input, &fc.Y, "y") &&
			decode(c.Input, &fc.Alpha, "alpha") && decode(c.Input, &fc.Gamma, "gamma") &&
			decode(c.Expected, &fc.Loss, "loss", "loss_per_sample") &&
			decode(c.Expected, &fc.DLossDz, "dloss_dz", "dloss_dz_per_sample")
		if ok && len(fc.Z) > 0 && len(fc.Z) == len(fc.Y) && len(fc.Loss) == len(fc.Z) && len(fc.DLossDz) == len(fc.Z) {
			cases = append(cases, fc)
		}
	}
	return cases
}

func formatList[T int | float64](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = strconv.FormatFloat(float64(v), 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// within reports whether got matches want under the rule of focal-cases.json:
// |got - want| <= max(rel*|want|, abs).
func within(got, want, rel, abs float64) bool {
	return math.Abs(got-want) <= math.Max(rel*math.Abs(want), abs)
}

func TestAPILossReferenceCases(t *testing.T) {
	cases := loadFocalCases(t)
	var ids []string
	for _, c := range cases {
		ids = append(ids, c.ID)
	}
	for _, id := range []string{"C01", "C03", "C04", "C06", "C08", "C10", "C12"} {
		if !slices.Contains(ids, id) {
			t.Errorf("reference case %s not loaded (loaded %v)", id, ids)
		}
	}

	_, e := newTestServer(t)
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			q := url.Values{
				"alpha": {strconv.FormatFloat(c.Alpha, 'g', -1, 64)},
				"gamma": {strconv.FormatFloat(c.Gamma, 'g', -1, 64)},
				"z":     {formatList(c.Z)},
				"y":     {formatList(c.Y)},
			}
			rec := serve(t, e, "/api/loss?"+q.Encode())
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if bytes.Contains(rec.Body.Bytes(), []byte("NaN")) {
				t.Errorf("body contains NaN: %s", rec.Body)
			}
			var resp lossResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("decode body: %v", err)
			}
			if len(resp.Points) != len(c.Z) {
				t.Fatalf("got %d points, want %d", len(resp.Points), len(c.Z))
			}
			for i, p := range resp.Points {
				if p.Z != c.Z[i] || p.Y != c.Y[i] {
					t.Errorf("point %d echoes z=%v y=%d, want z=%v y=%d", i, p.Z, p.Y, c.Z[i], c.Y[i])
				}
				if !within(p.Focal, c.Loss[i], c.Rel, c.Abs) {
					t.Errorf("point %d (z=%v, y=%d): focal = %.17g, want %.17g", i, c.Z[i], c.Y[i], p.Focal, c.Loss[i])
				}
				if !within(p.DFocalDz, c.DLossDz[i], c.Rel, c.Abs) {
					t.Errorf("point %d (z=%v, y=%d): dfocal_dz = %.17g, want %.17g", i, c.Z[i], c.Y[i], p.DFocalDz, c.DLossDz[i])
				}
			}
		})
	}
}

// apiErrorBody decodes the JSON error body of a failed /api request.
func apiErrorBody(t *testing.T, rec *httptest.ResponseRecorder) apiError {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode error body %q: %v", rec.Body, err)
	}
	return body
}

func TestAPILossRejects(t *testing.T) {
	thousandAndOne := strings.TrimSuffix(strings.Repeat("0,", 1001), ",")
	tests := []struct {
		name      string
		query     string
		wantParam string
	}{
		{"z NaN", "z=NaN&y=1", "z"},
		{"z Inf", "z=Inf&y=1", "z"},
		{"z -Inf in list", "z=0,-Inf&y=1,0", "z"},
		{"z 1e309", "z=1e309&y=1", "z"},
		{"z abc", "z=abc&y=1", "z"},
		{"z hex", "z=0x1p-2&y=1", "z"},
		{"z 0xFF byte", "z=%FF&y=1", "z"},
		{"z missing", "y=1", "z"},
		{"z empty", "z=&y=1", "z"},
		{"z repeated", "z=1&z=2&y=1", "z"},
		{"y 2", "z=0&y=2", "y"},
		{"y missing", "z=0", "y"},
		{"y length mismatch", "z=0,1&y=1", "y"},
		{"alpha 1.5", "z=0&y=1&alpha=1.5", "alpha"},
		{"alpha NaN", "z=0&y=1&alpha=NaN", "alpha"},
		{"alpha empty", "z=0&y=1&alpha=", "alpha"},
		{"gamma -1", "z=0&y=1&gamma=-1", "gamma"},
		{"gamma NaN", "z=0&y=1&gamma=NaN", "gamma"},
		{"gamma 11", "z=0&y=1&gamma=11", "gamma"},
		{"1001 values", "z=" + thousandAndOne + "&y=" + thousandAndOne, "z"},
		{"repeated alpha", "z=0&y=1&alpha=0.25&alpha=0.5", "alpha"},
		{"markup in z", "z=" + url.QueryEscape("<script>alert(1)</script>") + "&y=1", "z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			for _, lang := range i18n.Languages {
				rec := serve(t, e, "/api/loss?"+tt.query+"&lang="+lang)
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("lang=%s: status %d, want 400; body %s", lang, rec.Code, rec.Body)
				}
				body := apiErrorBody(t, rec).Error
				if body.Status != http.StatusBadRequest {
					t.Errorf("error.status = %d, want 400", body.Status)
				}
				if body.Param != tt.wantParam {
					t.Errorf("error.param = %q, want %q", body.Param, tt.wantParam)
				}
				if body.ZhCN == "" || body.En == "" {
					t.Errorf("error messages zh-CN %q, en %q: want both non-empty", body.ZhCN, body.En)
				}
				if !strings.Contains(body.En, tt.wantParam) {
					t.Errorf("English message %q does not name %s", body.En, tt.wantParam)
				}
				want := body.ZhCN
				if lang == "en" {
					want = body.En
				}
				if body.Message != want {
					t.Errorf("lang=%s: error.message = %q, want %q", lang, body.Message, want)
				}
			}
		})
	}
}

func TestAPILossLimits(t *testing.T) {
	thousand := strings.TrimSuffix(strings.Repeat("0,", 1000), ",")
	tests := []struct {
		name, query string
		wantPoints  int
	}{
		{"1000 values", "z=" + thousand + "&y=" + thousand, 1000},
		{"defaults", "z=0&y=1", 1},
		{"gamma above slider", "z=0&y=1&gamma=10", 1},
		{"spaces after commas", "z=1,%202&y=1,%200", 2},
		{"minus zero alpha", "z=0&y=1&alpha=-0", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			rec := serve(t, e, "/api/loss?"+tt.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %.200s", rec.Code, rec.Body)
			}
			var resp lossResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("decode body: %v", err)
			}
			if len(resp.Points) != tt.wantPoints {
				t.Errorf("got %d points, want %d", len(resp.Points), tt.wantPoints)
			}
			if math.Signbit(resp.Alpha) {
				t.Errorf("alpha = %v, want no negative zero", resp.Alpha)
			}
		})
	}
}

func TestAPITrain(t *testing.T) {
	const link = "/api/train?steps=50&n=2000"
	_, e := newTestServer(t)
	first := serve(t, e, link)
	if first.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body %s", link, first.Code, first.Body)
	}
	var resp trainResponse
	if err := json.Unmarshal(first.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if resp.Steps != 50 {
		t.Errorf("steps = %d, want 50", resp.Steps)
	}

	t.Run("same link same body", func(t *testing.T) {
		// A fresh server, so nothing cached can make the bodies agree.
		_, other := newTestServer(t)
		again := serve(t, other, link)
		if !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
			t.Errorf("bodies differ:\n%s\n%s", first.Body, again.Body)
		}
	})
	t.Run("view parameters ignored", func(t *testing.T) {
		again := serve(t, e, link+"&lang=en&logy=1&step=20")
		if !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
			t.Errorf("bodies differ:\n%s\n%s", first.Body, again.Body)
		}
	})
	t.Run("other seed other body", func(t *testing.T) {
		other := serve(t, e, link+"&seed=2")
		if other.Code != http.StatusOK {
			t.Fatalf("status %d, want 200", other.Code)
		}
		if bytes.Equal(other.Body.Bytes(), first.Body.Bytes()) {
			t.Errorf("seed=2 gave the same body as seed=1: %s", other.Body)
		}
	})
}

func TestAPITrainRejects(t *testing.T) {
	tests := []struct {
		name, query string
		wantParam   string
		wantText    string // a fixed part of the English message
	}{
		{"alpha 7", "alpha=7", "alpha", "give a decimal number from 0 to 1"},
		{"gamma NaN", "gamma=NaN", "gamma", "give a decimal number from 0 to 5"},
		{"n off step", "n=1500", "n", "give a whole number from 1000 to 200000"},
		{"steps too many", "steps=1000000000", "steps", "give a whole number from 10 to 5000"},
		{"alpha empty", "alpha=", "alpha", "give a decimal number from 0 to 1"},
		{"prior maybe", "prior=maybe", "prior", "is invalid; see the README"},
		{"change list", "ch=oops", "ch", "is invalid; see the README"},
		{"repeated alpha", "alpha=0.1&alpha=0.2", "alpha", "is given more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{"steps": {"50"}, "n": {"2000"}, "lang": {"en"}}
			override, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			for name, values := range override {
				q[name] = values
			}
			_, e := newTestServer(t)
			rec := serve(t, e, "/api/train?"+q.Encode())
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", rec.Code, rec.Body)
			}
			body := apiErrorBody(t, rec).Error
			if body.Param != tt.wantParam {
				t.Errorf("error.param = %q, want %q", body.Param, tt.wantParam)
			}
			if body.ZhCN == "" || body.En == "" {
				t.Errorf("error messages zh-CN %q, en %q: want both non-empty", body.ZhCN, body.En)
			}
			if !strings.HasPrefix(body.En, tt.wantParam+" ") || !strings.Contains(body.En, tt.wantText) {
				t.Errorf("English message %q, want it to start with %q and contain %q", body.En, tt.wantParam, tt.wantText)
			}
		})
	}
}

func TestAPICharts(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/api/charts?alpha=0.25&gamma=2")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	var resp struct {
		Query    string
		Loss     struct{ Series []json.RawMessage }
		Mod      struct{ Series []json.RawMessage }
		Readouts []views.Readout
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if len(resp.Loss.Series) == 0 || len(resp.Mod.Series) == 0 {
		t.Errorf("series: loss %d, mod %d, want both non-empty", len(resp.Loss.Series), len(resp.Mod.Series))
	}
	if len(resp.Readouts) != 4 {
		t.Fatalf("got %d readouts, want 4", len(resp.Readouts))
	}

	// At p_t = 0.9 and γ = 2 the modulating factor is (1-0.9)^2 = 0.01, and CE ÷ FL
	// with γ alone is its inverse, 100.
	factor := math.Pow(1-0.9, 2)
	i := slices.IndexFunc(resp.Readouts, func(r views.Readout) bool { return r.PT == "0.9" })
	if i < 0 {
		t.Fatalf("no readout at p_t 0.9 among %+v", resp.Readouts)
	}
	r := resp.Readouts[i]
	tests := []struct {
		field, got string
		value      float64
		want       string
	}{
		{"Factor", r.Factor, factor, "0.0100"},
		{"RatioGamma", r.RatioGamma, 1 / factor, "×100"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("readout at p_t 0.9: %s = %q, want %q", tt.field, tt.got, tt.want)
		}
		number, err := strconv.ParseFloat(strings.TrimPrefix(tt.got, "×"), 64)
		if err != nil || !within(number, tt.value, 0.005, 0) {
			t.Errorf("readout at p_t 0.9: %s = %q, want 3 significant digits of %v", tt.field, tt.got, tt.value)
		}
	}
}

func TestFormatSig(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{math.Pow(1-0.9, 2), "0.0100"},
		{99.99999999999999, "100"},
		{0.0099999999, "0.0100"},
		{0.000999999, "0.00100"},
		{999999.9, "1.00×10⁶"},
		{0.00012345, "1.23×10⁻⁴"},
		{123456, "123,456"},
		{1.5, "1.50"},
		{-2.5, "-2.50"},
		{0, "0"},
		{math.Inf(1), "∞"},
		{math.NaN(), "—"},
	}
	for _, tt := range tests {
		if got := formatSig(tt.v, 3); got != tt.want {
			t.Errorf("formatSig(%v, 3) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	Name string
	Data string
}

// readEvent reads one event from an event stream.
func readEvent(r *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev.Name != "":
			return ev, nil
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func readAllEvents(t *testing.T, body []byte) []sseEvent {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(body))
	var events []sseEvent
	for {
		ev, err := readEvent(r)
		if err == io.EOF {
			return events
		}
		if err != nil {
			t.Fatalf("read event: %v", err)
		}
		events = append(events, ev)
	}
}

func frameStep(t *testing.T, ev sseEvent) int {
	t.Helper()
	var f struct {
		Step  int               `json:"step"`
		Table []json.RawMessage `json:"table"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &f); err != nil {
		t.Fatalf("frame data %q: %v", ev.Data, err)
	}
	if len(f.Table) != 2 {
		t.Errorf("frame at step %d has %d table rows, want 2", f.Step, len(f.Table))
	}
	return f.Step
}

func endOf(t *testing.T, ev sseEvent) endEvent {
	t.Helper()
	if ev.Name != "end" {
		t.Fatalf("last event is %q, want end", ev.Name)
	}
	var end endEvent
	if err := json.Unmarshal([]byte(ev.Data), &end); err != nil {
		t.Fatalf("end data %q: %v", ev.Data, err)
	}
	return end
}

func TestAPIStream(t *testing.T) {
	tests := []struct {
		name      string
		query     string
		wantSteps []int
	}{
		// FrameEvery(20) is 1, so every step is a frame.
		{"whole run", "steps=20&n=2000", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}},
		{"one step", "steps=20&n=2000&from=10&to=11", []int{11}},
		{"to beyond steps", "steps=20&n=2000&from=18&to=99", []int{19, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			rec := serve(t, e, "/api/stream?"+tt.query, "Accept-Encoding", "gzip")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
				t.Errorf("Content-Type = %q, want text/event-stream", ct)
			}
			if got := rec.Header().Get("X-Accel-Buffering"); got != "no" {
				t.Errorf("X-Accel-Buffering = %q, want no", got)
			}
			if got := rec.Header().Get("Content-Encoding"); got != "" {
				t.Errorf("Content-Encoding = %q, want none for an event stream", got)
			}
			events := readAllEvents(t, rec.Body.Bytes())
			if len(events) == 0 {
				t.Fatal("no events")
			}
			var steps []int
			for _, ev := range events[:len(events)-1] {
				if ev.Name != "frame" {
					t.Errorf("event %q before the end, want frame", ev.Name)
					continue
				}
				steps = append(steps, frameStep(t, ev))
			}
			if !slices.Equal(steps, tt.wantSteps) {
				t.Errorf("frame steps = %v, want %v", steps, tt.wantSteps)
			}
			end := endOf(t, events[len(events)-1])
			if end.Reason != "done" {
				t.Errorf("end reason = %q, want done", end.Reason)
			}
			if last := tt.wantSteps[len(tt.wantSteps)-1]; end.Step != last {
				t.Errorf("end step = %d, want %d", end.Step, last)
			}
		})
	}
}

func TestAPIStreamAfterShutdown(t *testing.T) {
	app, e := newTestServer(t)
	app.BeginShutdown()
	start := time.Now()
	rec := serve(t, e, "/api/stream?steps=5000&n=2000")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("stream took %v after shutdown began, want under 2s", elapsed)
	}
	events := readAllEvents(t, rec.Body.Bytes())
	if len(events) == 0 {
		t.Fatal("no events")
	}
	if end := endOf(t, events[len(events)-1]); end.Reason != "shutdown" {
		t.Errorf("end reason = %q, want shutdown", end.Reason)
	}
}

func TestAPIStreamDuringShutdown(t *testing.T) {
	app, e := newTestServer(t)
	srv := httptest.NewServer(e)
	defer srv.Close()

	// 5000 steps give 200 frames at 20 per second: the run would last 10 s.
	resp, err := srv.Client().Get(srv.URL + "/api/stream?steps=5000&n=2000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	for i := range 2 {
		ev, err := readEvent(r)
		if err != nil || ev.Name != "frame" {
			t.Fatalf("event %d: %q, %v; want a frame", i, ev.Name, err)
		}
	}

	app.BeginShutdown()
	type result struct {
		end sseEvent
		err error
	}
	done := make(chan result, 1)
	go func() {
		for {
			ev, err := readEvent(r)
			if err != nil || ev.Name != "frame" {
				done <- result{ev, err}
				return
			}
		}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("stream ended without an end event: %v", res.err)
		}
		if end := endOf(t, res.end); end.Reason != "shutdown" {
			t.Errorf("end reason = %q, want shutdown", end.Reason)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no end event within 2s of BeginShutdown")
	}
}

func TestHealth(t *testing.T) {
	app, e := newTestServer(t)
	tests := []struct {
		name, path string
		shutdown   bool
		want       int
	}{
		{"healthz", "/healthz", false, http.StatusOK},
		{"readyz", "/readyz", false, http.StatusOK},
		{"readyz after shutdown", "/readyz", true, http.StatusServiceUnavailable},
		{"healthz after shutdown", "/healthz", true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.shutdown {
				app.BeginShutdown()
				app.BeginShutdown() // a second call must not panic
			}
			if rec := serve(t, e, tt.path); rec.Code != tt.want {
				t.Errorf("GET %s: status %d, want %d", tt.path, rec.Code, tt.want)
			}
		})
	}
}

func TestErrorPages(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		accept   string
		want     int
		wantLang string
	}{
		{"unknown path", "/no-such-page", "", http.StatusNotFound, "zh-CN"},
		{"unknown path, English", "/no-such-page?lang=en", "", http.StatusNotFound, "en"},
		{"unknown path, English browser", "/no-such-page", "en", http.StatusNotFound, "en"},
		{"wrong method path", "/api", "", http.StatusNotFound, "zh-CN"},
		{"panic", "/test-panic", "", http.StatusInternalServerError, "zh-CN"},
		{"query too long", "/?ch=" + strings.Repeat("1", config.MaxQueryLength), "", http.StatusRequestURITooLong, "zh-CN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			app := NewApp(slog.New(slog.NewTextHandler(&logs, nil)))
			e := app.NewServer()
			e.GET("/test-panic", func(echo.Context) error { panic("test panic") })

			rec := serve(t, e, tt.path, "Accept-Language", tt.accept, "Accept-Encoding", "gzip")
			if rec.Code != tt.want {
				t.Fatalf("GET %.60s: status %d, want %d", tt.path, rec.Code, tt.want)
			}
			body := rec.Body.Bytes()
			if rec.Header().Get("Content-Encoding") == "gzip" {
				body = gunzip(t, body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			doc := parseHTML(t, body)
			if lang, _ := attr(findFirst(doc, byTag("html")), "lang"); lang != tt.wantLang {
				t.Errorf("<html lang> = %q, want %q", lang, tt.wantLang)
			}
			checkBilingualError(t, doc, tt.want)
			if tt.want >= 500 && !strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("no error logged for a %d; log:\n%s", tt.want, logs.String())
			}
		})
	}
}

func TestAPINotFound(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/api/no-such-endpoint")
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
	body := apiErrorBody(t, rec).Error
	if body.ZhCN == "" || body.En == "" {
		t.Errorf("error messages zh-CN %q, en %q: want both non-empty", body.ZhCN, body.En)
	}
}

func gunzip(t *testing.T, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip body: %v", err)
	}
	return plain
}

func TestSecurityHeaders(t *testing.T) {
	for _, path := range []string{"/", "/no-such-page", "/api/loss?z=abc&y=1", "/api/charts", static.Path("app.js")} {
		t.Run(path, func(t *testing.T) {
			_, e := newTestServer(t)
			rec := serve(t, e, path)
			csp := rec.Header().Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			for _, unwanted := range []string{"'unsafe-eval'", "script-src 'self' 'unsafe-inline'"} {
				if strings.Contains(csp, unwanted) {
					t.Errorf("Content-Security-Policy %q contains %q", csp, unwanted)
				}
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
		})
	}
}

func TestPageCompressed(t *testing.T) {
	_, e := newTestServer(t)
	plain := serve(t, e, "/")
	zipped := serve(t, e, "/", "Accept-Encoding", "gzip")
	if got := zipped.Header().Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", got)
	}
	if !bytes.Equal(gunzip(t, zipped.Body.Bytes()), plain.Body.Bytes()) {
		t.Error("gunzipped page differs from the plain page")
	}
}

func TestStatic(t *testing.T) {
	_, e := newTestServer(t)
	path := static.Path("app.js")

	plain := serve(t, e, path)
	if plain.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", path, plain.Code)
	}
	if cc := plain.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("Cache-Control = %q, want immutable", cc)
	}
	if ct := plain.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type = %q, want JavaScript", ct)
	}
	if plain.Header().Get("Content-Encoding") != "" {
		t.Errorf("Content-Encoding %q without Accept-Encoding", plain.Header().Get("Content-Encoding"))
	}

	zipped := serve(t, e, path, "Accept-Encoding", "gzip, deflate")
	if zipped.Code != http.StatusOK {
		t.Fatalf("GET %s with gzip: status %d, want 200", path, zipped.Code)
	}
	if got := zipped.Header().Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", got)
	}
	if !bytes.Equal(gunzip(t, zipped.Body.Bytes()), plain.Body.Bytes()) {
		t.Error("gunzipped body differs from the plain body")
	}

	for _, missing := range []string{static.Prefix + "no-such-file.js", static.Prefix + "000000000000/app.js", static.Prefix} {
		if rec := serve(t, e, missing); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", missing, rec.Code)
		}
	}
}

func TestLocalesDefineSameMessages(t *testing.T) {
	zh, err := i18n.MessageIDs("zh-CN")
	if err != nil {
		t.Fatal(err)
	}
	en, err := i18n.MessageIDs("en")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(zh)
	slices.Sort(en)
	for _, id := range zh {
		if !slices.Contains(en, id) {
			t.Errorf("message %q is in zh-CN.json but not in en.json", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(zh, id) {
			t.Errorf("message %q is in en.json but not in zh-CN.json", id)
		}
	}
}
