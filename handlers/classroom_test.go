package handlers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/net/html"

	"focallab/config"
)

// qrRun matches one run of dark modules in the path that QRCodeSVG writes.
var qrRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// readQRSVG turns the SVG of QRCodeSVG back into a module matrix without quiet zone.
func readQRSVG(t *testing.T, svg string) [][]bool {
	t.Helper()
	box := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if box == nil || box[1] != box[2] {
		t.Fatalf("SVG has no square viewBox: %.200s", svg)
	}
	size, _ := strconv.Atoi(box[1])
	inner := size - 2*qrQuietZone
	matrix := make([][]bool, inner)
	for i := range matrix {
		matrix[i] = make([]bool, inner)
	}
	runs := qrRun.FindAllStringSubmatch(svg, -1)
	if len(runs) == 0 {
		t.Fatalf("SVG has no module runs: %.200s", svg)
	}
	for _, m := range runs {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		if m[3] != m[4] {
			t.Fatalf("run %q does not close on itself", m[0])
		}
		for dx := range w {
			col, row := x+dx-qrQuietZone, y-qrQuietZone
			if row < 0 || row >= inner || col < 0 || col >= inner {
				t.Fatalf("run %q reaches into the quiet zone", m[0])
			}
			matrix[row][col] = true
		}
	}
	return matrix
}

func TestQRCodeDecodesToLink(t *testing.T) {
	// Each query is sent to /qr.svg on the host below; the code must hold the canonical
	// absolute link, byte for byte.
	const host = "192.0.2.10:8080"
	tests := []struct {
		name, query, want string
	}{
		{"no parameters", "", "http://" + host + "/?lang=zh-CN"},
		{"teacher link", "lang=en&lock=presets,gamma&hide=lr,alpha&present=1",
			"http://" + host + "/?lang=en&present=1&hide=alpha,lr&lock=gamma,presets"},
		{"canonicalised", "alpha=.5&gamma=1.00&ratio=100000&beta=3",
			"http://" + host + "/?lang=zh-CN&alpha=0.5&gamma=1&ratio=100000"},
		{"mid-run changes", "steps=2000&step=1500&ch=100:g1,200:a0.3,300:g0.5,400:g3,500:a0.9,600:g5,700:g0,800:a0.1,900:g2.5,1000:a0.75&hide=" + strings.Join(config.Controls, ","),
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newTestServer(t)
			target := "/qr.svg"
			if tt.query != "" {
				target += "?" + tt.query
			}
			rec := serveHost(t, e, target, host)
			if rec.Code != 200 {
				t.Fatalf("GET %s: status %d, body %s", target, rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") {
				t.Errorf("Content-Type = %q, want image/svg+xml", ct)
			}
			want := tt.want
			if want == "" {
				cfg, _ := config.Parse(mustQuery(t, tt.query))
				want = "http://" + host + "/?" + cfg.Query()
			}
			matrix := readQRSVG(t, rec.Body.String())
			got, err := decodeQR(matrix)
			if err != nil {
				t.Fatalf("decode QR code of %q: %v", want, err)
			}
			if got != want {
				t.Errorf("QR code decodes to %q, want %q", got, want)
			}

			// The drawing must also equal the library's own module matrix.
			code, err := qrcode.New(want, qrLevel)
			if err != nil {
				t.Fatalf("qrcode.New: %v", err)
			}
			code.DisableBorder = true
			for row, bits := range code.Bitmap() {
				for col, dark := range bits {
					if matrix[row][col] != dark {
						t.Fatalf("module (%d, %d) drawn %v, library says %v", row, col, matrix[row][col], dark)
					}
				}
			}
		})
	}
}

func TestQRCodeTooLong(t *testing.T) {
	// A Host header of 3,000 bytes makes a link longer than a level-M QR code holds (2,331 bytes).
	_, e := newTestServer(t)
	rec := serveHost(t, e, "/qr.svg", strings.Repeat("a", 3000)+".example")
	if rec.Code != 414 {
		t.Errorf("status = %d, want 414", rec.Code)
	}
}

func TestAPIShare(t *testing.T) {
	_, e := newTestServer(t)
	rec := serveHost(t, e, "/api/share?lang=en&hide=lr&lock=alpha&step=0", "lab.example")
	var body shareResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	if want := "http://lab.example/?lang=en&hide=lr&lock=alpha"; body.Link != want {
		t.Errorf("link = %q, want %q", body.Link, want)
	}
	if want := "/qr.svg?lang=en&hide=lr&lock=alpha"; body.QR != want {
		t.Errorf("qr = %q, want %q", body.QR, want)
	}
}

func TestShareWarningLoopback(t *testing.T) {
	_, e := newTestServer(t)
	tests := []struct {
		host, name string // name is the host as the warning names it; "" for no warning
	}{
		{"127.0.0.1:8080", "127.0.0.1"},
		{"127.4.5.6", "127.4.5.6"},
		{"[::1]:8080", "::1"},
		{"[::ffff:127.0.0.1]:8080", "::ffff:127.0.0.1"},
		{"localhost:8080", "localhost"},
		{"LOCALHOST", "localhost"},
		{"lab.localhost:8080", "lab.localhost"},
		{"0.0.0.0:8080", "0.0.0.0"},
		{"192.168.1.20:8080", ""},
		{"128.0.0.1", ""},
		{"[2001:db8::1]:8080", ""},
		{"lab.example", ""},
		{"localhost.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			rec := serveHost(t, e, "/?lang=en", tt.host)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			doc := parseHTML(t, rec.Body.Bytes())
			warning := findFirst(doc, byID("share-warning"))
			describedBy, _ := attr(mustID(t, doc, "share-link"), "aria-describedby")
			if tt.name == "" {
				if warning != nil {
					t.Errorf("warning shown for a network host: %q", textOf(warning))
				}
				if describedBy != "" {
					t.Errorf("share-link aria-describedby = %q, want none", describedBy)
				}
				return
			}
			if warning == nil {
				t.Fatalf("no loopback warning in the teacher-link dialog")
			}
			text := textOf(warning)
			for _, want := range []string{"Students cannot open this link.", tt.name + " is this computer's own address", "go run . -addr 0.0.0.0:8080"} {
				if !strings.Contains(text, want) {
					t.Errorf("warning lacks %q: %q", want, text)
				}
			}
			if describedBy != "share-warning" {
				t.Errorf("share-link aria-describedby = %q, want share-warning", describedBy)
			}
		})
	}
}

func TestShareWarningLanguage(t *testing.T) {
	_, e := newTestServer(t)
	doc := parseHTML(t, serveHost(t, e, "/?lang=zh-CN", "127.0.0.1:8080").Body.Bytes())
	text := textOf(mustID(t, doc, "share-warning"))
	for _, want := range []string{"学生打不开这个链接。", "127.0.0.1 是本机自己的地址", "go run . -addr 0.0.0.0:8080"} {
		if !strings.Contains(text, want) {
			t.Errorf("Chinese warning lacks %q: %q", want, text)
		}
	}
}

// serveHost sends one GET request through echo as if addressed to host, which absolute
// links in the response must name.
func serveHost(t *testing.T, e *echo.Echo, target, host string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Host = host
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("parse query %q: %v", raw, err)
	}
	return q
}

func TestTeacherLinkPage(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/?lang=en&hide=alpha,lr&lock=gamma,prior")
	doc := parseHTML(t, rec.Body.Bytes())

	wrapper := func(control string) *html.Node {
		return findFirst(doc, func(n *html.Node) bool { v, ok := attr(n, "data-control"); return ok && v == control })
	}
	for _, control := range []string{"alpha", "lr"} {
		if _, hidden := attr(wrapper(control), "hidden"); !hidden {
			t.Errorf("control %s is not hidden", control)
		}
	}
	for _, control := range []string{"gamma", "seed"} {
		if _, hidden := attr(wrapper(control), "hidden"); hidden {
			t.Errorf("control %s is hidden, want shown", control)
		}
	}
	for id, want := range map[string]bool{"in-alpha": true, "in-lr": true, "in-gamma": true, "in-prior": true, "in-seed": false} {
		if _, disabled := attr(mustID(t, doc, id), "disabled"); disabled != want {
			t.Errorf("%s disabled = %v, want %v", id, disabled, want)
		}
	}
	// A disabled control is left out of a submitted form, so a hidden input keeps its value.
	kept := findAll(mustID(t, doc, "controls"), func(n *html.Node) bool {
		typ, _ := attr(n, "type")
		name, _ := attr(n, "name")
		return n.Data == "input" && typ == "hidden" && name == "gamma"
	})
	if len(kept) != 1 {
		t.Errorf("form has %d hidden gamma inputs, want 1", len(kept))
	}
	if !strings.Contains(textOf(wrapper("gamma")), "(locked)") {
		t.Errorf("locked γ has no lock note: %q", textOf(wrapper("gamma")))
	}
	// Presets 1 to 4 set γ, which is locked, so they are not links; none is.
	if links := findAll(mustID(t, doc, "presets"), byTag("a")); len(links) != 0 {
		t.Errorf("presets show %d links, want none while γ is locked", len(links))
	}
	var client struct {
		Locked  []string          `json:"locked"`
		Presets map[string]string `json:"presets"`
	}
	if err := json.Unmarshal([]byte(textOf(mustID(t, doc, "classroom-config"))), &client); err != nil {
		t.Fatalf("decode classroom-config: %v", err)
	}
	if got, want := strings.Join(client.Locked, ","), "alpha,gamma,lr,prior"; got != want {
		t.Errorf("client locked = %q, want %q", got, want)
	}
	if len(client.Presets) != 0 {
		t.Errorf("client presets = %v, want none", client.Presets)
	}
}

func TestPresetLinks(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/?lang=en&seed=7&present=1&step=5")
	doc := parseHTML(t, rec.Body.Bytes())
	want := map[string]map[string]string{
		"1": {"alpha": "0.25", "gamma": "2"},
		"2": {"alpha": "0.75", "gamma": "0"},
		"3": {"alpha": "0.5", "gamma": "0"},
		"4": {"alpha": "0.25", "gamma": "5"},
		"5": {"alpha": "0.25", "gamma": "2", "ratio": "10000", "n": "200000", "thr": "0.1", "logy": "1"},
	}
	for key, values := range want {
		link := mustID(t, doc, "preset-"+key)
		href, _ := attr(link, "href")
		u, err := url.Parse(href)
		if err != nil {
			t.Fatalf("preset %s: href %q: %v", key, href, err)
		}
		cfg, notices := config.Parse(u.Query())
		if len(notices) != 0 {
			t.Errorf("preset %s: href %q has notices", key, href)
		}
		got := cfg.Values()
		for name, value := range values {
			if got.Get(name) != value {
				t.Errorf("preset %s: %s = %q, want %q", key, name, got.Get(name), value)
			}
		}
		// A preset starts a new run and keeps the view: language, presenter mode, seed.
		if cfg.Step != 0 || cfg.Lang != "en" || !cfg.Present || cfg.Seed != 7 {
			t.Errorf("preset %s: href %q, want step 0 with lang en, present 1 and seed 7", key, href)
		}
	}
}

func TestPreviewMeta(t *testing.T) {
	_, e := newTestServer(t)
	rec := serveHost(t, e, "/?lang=en&alpha=0.5&gamma=1.5&ratio=300", "lab.example:8080")
	doc := parseHTML(t, rec.Body.Bytes())
	meta := map[string]string{}
	for _, n := range findAll(doc, byTag("meta")) {
		key, ok := attr(n, "property")
		if !ok {
			key, _ = attr(n, "name")
		}
		meta[key], _ = attr(n, "content")
	}
	for _, key := range []string{"og:title", "og:description", "twitter:title", "twitter:description"} {
		for _, want := range []string{"0.5", "1.5", "300"} {
			if !strings.Contains(meta[key], want) {
				t.Errorf("%s = %q lacks %s", key, meta[key], want)
			}
		}
	}
	if want := "http://lab.example:8080/preview.png?alpha=0.5&gamma=1.5&ratio=300"; meta["og:image"] != want || meta["twitter:image"] != want {
		t.Errorf("og:image = %q, twitter:image = %q, want %q", meta["og:image"], meta["twitter:image"], want)
	}
	if want := "http://lab.example:8080/?lang=en&alpha=0.5&gamma=1.5&ratio=300"; meta["og:url"] != want {
		t.Errorf("og:url = %q, want %q", meta["og:url"], want)
	}
	if meta["twitter:card"] != "summary_large_image" {
		t.Errorf("twitter:card = %q", meta["twitter:card"])
	}
}

func TestPreviewPNG(t *testing.T) {
	_, e := newTestServer(t)
	decode := func(query string) []byte {
		rec := serve(t, e, "/preview.png?"+query)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("GET /preview.png?%s: status %d, type %q", query, rec.Code, rec.Header().Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("decode PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 630 {
			t.Errorf("preview is %v, want 1200 × 630", b)
		}
		// The FL curve is drawn in the chart's FL blue: some pixels must be exactly that.
		blue := 0
		for y := 0; y < 630; y++ {
			for x := 0; x < 1200; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if r>>8 == 0x00 && g>>8 == 0x72 && b>>8 == 0xB2 {
					blue++
				}
			}
		}
		if blue < 1000 {
			t.Errorf("preview of %s has %d FL-blue pixels, want a drawn curve", query, blue)
		}
		return rec.Body.Bytes()
	}
	a := decode("alpha=0.25&gamma=2")
	b := decode("alpha=0.25&gamma=5")
	if bytes.Equal(a, b) {
		t.Errorf("γ 2 and γ 5 give the same preview")
	}
}

// downloadName returns the file name of a Content-Disposition header.
func downloadName(t *testing.T, header string) string {
	t.Helper()
	kind, params, err := mime.ParseMediaType(header)
	if err != nil || kind != "attachment" {
		t.Fatalf("Content-Disposition %q is not an attachment: %v", header, err)
	}
	return params["filename"]
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return rows
}

func TestExportHistory(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/api/export/history.csv?alpha=0.5&n=2000&steps=60&step=20&seed=3")
	if got, want := downloadName(t, rec.Header().Get("Content-Disposition")), "focal-lab-history_a0.5_g2_r1000_s3_step20.csv"; got != want {
		t.Errorf("file name = %q, want %q", got, want)
	}
	rows := readCSV(t, rec.Body.Bytes())
	if got := strings.Join(rows[0], ","); got != strings.Join(historyColumns, ",") {
		t.Errorf("header = %q", got)
	}
	// 60 steps draw a frame after every step, so steps 0 to 20 give 21 rows.
	if len(rows) != 22 {
		t.Fatalf("%d rows, want a header and 21 frames", len(rows))
	}
	if rows[21][0] != "20" || rows[1][0] != "0" {
		t.Errorf("steps run from %s to %s, want 0 to 20", rows[1][0], rows[21][0])
	}
	// The last row must agree with the run API, which trains the same link.
	train := serve(t, e, "/api/train?alpha=0.5&n=2000&steps=20&seed=3")
	var api trainResponse
	if err := json.Unmarshal(train.Body.Bytes(), &api); err != nil {
		t.Fatalf("decode /api/train: %v", err)
	}
	if got := rows[21][3]; got != formatFloat(api.CE.Loss) {
		t.Errorf("CE loss at step 20 = %s, /api/train says %v", got, api.CE.Loss)
	}
}

func TestExportData(t *testing.T) {
	_, e := newTestServer(t)
	rec := serve(t, e, "/api/export/data.csv?n=2000&ratio=100&seed=5")
	if got, want := downloadName(t, rec.Header().Get("Content-Disposition")), "focal-lab-data_r100_n2000_s5.csv"; got != want {
		t.Errorf("file name = %q, want %q", got, want)
	}
	rows := readCSV(t, rec.Body.Bytes())
	if len(rows) != 2001 {
		t.Fatalf("%d rows, want a header and 2,000 examples", len(rows))
	}
	positives := 0
	for _, r := range rows[1:] {
		if r[2] == "1" {
			positives++
		}
	}
	if positives < 10 {
		t.Errorf("%d positives, want at least 10", positives)
	}

	held := serve(t, e, "/api/export/data.csv?n=2000&ratio=100&seed=5&split=heldout")
	if got := downloadName(t, held.Header().Get("Content-Disposition")); got != "focal-lab-data_r100_n2000_s5_heldout.csv" {
		t.Errorf("held-out file name = %q", got)
	}
	if bad := serve(t, e, "/api/export/data.csv?split=test"); bad.Code != 400 {
		t.Errorf("split=test: status %d, want 400", bad.Code)
	}
}

func TestExportRun(t *testing.T) {
	_, e := newTestServer(t)
	rec := serveHost(t, e, "/api/export/run.json?lang=en&gamma=1&n=2000&steps=60&step=10", "lab.example")
	if got, want := downloadName(t, rec.Header().Get("Content-Disposition")), "focal-lab-run_a0.25_g1_r1000_s1_step10.json"; got != want {
		t.Errorf("file name = %q, want %q", got, want)
	}
	var run runExport
	if err := json.Unmarshal(rec.Body.Bytes(), &run); err != nil {
		t.Fatalf("decode run: %v", err)
	}
	if run.Step != 10 || run.Final.Step != 10 || len(run.History) != 11 {
		t.Errorf("step %d, final step %d, %d history entries; want 10, 10, 11", run.Step, run.Final.Step, len(run.History))
	}
	if run.Config["gamma"] != "1" || run.Config["steps"] != "60" {
		t.Errorf("config gamma %q, steps %q", run.Config["gamma"], run.Config["steps"])
	}
	if want := "http://lab.example/?lang=en&gamma=1&n=2000&steps=60&step=10"; run.Link != want {
		t.Errorf("link = %q, want %q", run.Link, want)
	}
}

func TestEmbedPages(t *testing.T) {
	for figure, chartID := range map[string]string{"loss": "chart-loss", "modulating": "chart-mod", "haystack": "chart-haystack", "training": "chart-train"} {
		t.Run(figure, func(t *testing.T) {
			_, e := newTestServer(t)
			rec := serve(t, e, "/embed/"+figure+"?lang=en&gamma=1")
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") {
				t.Errorf("Content-Security-Policy %q does not let other sites frame the figure", csp)
			}
			if xfo := rec.Header().Get("X-Frame-Options"); xfo != "" {
				t.Errorf("X-Frame-Options = %q, want none on embed pages", xfo)
			}
			doc := parseHTML(t, rec.Body.Bytes())
			if charts := findAll(doc, func(n *html.Node) bool { c, _ := attr(n, "class"); return c == "chart-canvas" }); len(charts) != 1 {
				t.Errorf("%d charts, want 1", len(charts))
			}
			mustID(t, doc, chartID)
			back := findFirst(doc, func(n *html.Node) bool { c, _ := attr(n, "class"); return c == "embed-back" })
			if back == nil {
				t.Fatalf("no link back to the full view")
			}
			if href, _ := attr(findFirst(back, byTag("a")), "href"); href != "/?lang=en&gamma=1" {
				t.Errorf("link back = %q, want /?lang=en&gamma=1", href)
			}
		})
	}
	_, e := newTestServer(t)
	if rec := serve(t, e, "/embed/nothing"); rec.Code != 404 {
		t.Errorf("/embed/nothing: status %d, want 404", rec.Code)
	}
	// Only embed pages may be framed.
	for _, path := range []string{"/", "/api/share", "/qr.svg"} {
		rec := serve(t, e, path)
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || rec.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q; want framing refused", path, csp, rec.Header().Get("X-Frame-Options"))
		}
	}
}
