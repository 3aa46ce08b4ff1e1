package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestPageCacheServesSameBytes(t *testing.T) {
	_, e := newTestServer(t)
	first := serve(t, e, "/?lang=en&gamma=1.5")
	second := serve(t, e, "/?lang=en&gamma=1.5")
	if first.Code != http.StatusOK || second.Code != http.StatusOK {
		t.Fatalf("status %d then %d, want 200 twice", first.Code, second.Code)
	}
	if !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Error("cached page differs from the rendered page")
	}
	if got, want := second.Header().Get("Content-Type"), first.Header().Get("Content-Type"); got != want {
		t.Errorf("cached Content-Type %q, rendered %q", got, want)
	}
	if second.Header().Get("Content-Security-Policy") == "" {
		t.Error("cached page lacks the Content-Security-Policy header")
	}

	// A server that never rendered the link renders the same bytes: the page
	// depends on the request alone, which is what makes it cacheable.
	_, fresh := newTestServer(t)
	if again := serve(t, fresh, "/?lang=en&gamma=1.5"); !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
		t.Error("a second server renders the same link differently")
	}
}

func TestPageCacheCompressedHit(t *testing.T) {
	_, e := newTestServer(t)
	plain := serve(t, e, "/?lang=en")
	zipped := serve(t, e, "/?lang=en", "Accept-Encoding", "gzip")
	if got := zipped.Header().Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("cached page: Content-Encoding %q, want gzip", got)
	}
	if !bytes.Equal(gunzip(t, zipped.Body.Bytes()), plain.Body.Bytes()) {
		t.Error("gunzipped cached page differs from the plain page")
	}
}

func TestPageCacheKey(t *testing.T) {
	_, e := newTestServer(t)
	get := func(host, acceptLanguage string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		req.Header.Set("Accept-Language", acceptLanguage)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	english := get("a.example", "en")
	chinese := get("a.example", "zh-CN")
	if bytes.Equal(english.Body.Bytes(), chinese.Body.Bytes()) {
		t.Error("English and Chinese requests of the same link got the same page")
	}
	otherHost := get("b.example", "en")
	if !bytes.Contains(otherHost.Body.Bytes(), []byte("http://b.example/")) {
		t.Error("page for host b.example does not link to it; it came from another host's cache entry")
	}
}

func TestPageCacheSkipsErrors(t *testing.T) {
	var p pageCache
	calls := 0
	failing := p.middleware(func(c echo.Context) error {
		calls++
		return errors.New("render failed")
	})
	e := echo.New()
	for range 2 {
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		if err := failing(c); err == nil {
			t.Fatal("middleware swallowed the handler's error")
		}
	}
	if calls != 2 {
		t.Errorf("handler ran %d times for two failing requests, want 2 (no cached failure)", calls)
	}
}

func TestPageCacheEvictsOldest(t *testing.T) {
	var p pageCache
	calls := map[string]int{}
	handler := p.middleware(func(c echo.Context) error {
		calls[c.Request().URL.RawQuery]++
		return c.HTML(http.StatusOK, "page "+c.Request().URL.RawQuery)
	})
	e := echo.New()
	get := func(query string) string {
		rec := httptest.NewRecorder()
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/?"+query, nil), rec)
		if err := handler(c); err != nil {
			t.Fatalf("GET /?%s: %v", query, err)
		}
		return rec.Body.String()
	}

	for i := range pageCacheSize + 1 {
		get("n=" + strconv.Itoa(i))
	}
	if got := get("n=" + strconv.Itoa(pageCacheSize)); got != "page n="+strconv.Itoa(pageCacheSize) {
		t.Errorf("newest page = %q", got)
	}
	if calls["n="+strconv.Itoa(pageCacheSize)] != 1 {
		t.Errorf("newest page rendered %d times, want once", calls["n="+strconv.Itoa(pageCacheSize)])
	}
	get("n=0")
	if calls["n=0"] != 2 {
		t.Errorf("oldest page rendered %d times after %d newer ones, want 2 (evicted)", calls["n=0"], pageCacheSize)
	}
}
