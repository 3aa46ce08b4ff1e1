package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/andybalholm/brotli"
)

// get requests path from Handler with the given Accept-Encoding and
// If-None-Match values (empty for none).
func get(t *testing.T, method, path, acceptEncoding, ifNoneMatch string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch coding {
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s body: %v", coding, err)
	}
	return out
}

func TestHandlerEncodings(t *testing.T) {
	path := Path("vendor/echarts/echarts.min.js")
	original, err := files.ReadFile("vendor/echarts/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		acceptEncoding, want string
	}{
		{"", ""},
		{"identity", ""},
		{"gzip", "gzip"},
		{"gzip, deflate", "gzip"},
		{"gzip, deflate, br", "br"},
		{"gzip, deflate, br, zstd", "br"},
		{"BR;q=0.5, gzip;q=1.0", "br"},
		{"br;q=0, gzip", "gzip"},
		{"br;q=0, gzip;q=0", ""},
		{"*", "br"},
		{"*;q=0, gzip", "gzip"},
		{"br;q=0, *", "gzip"},
	}
	etags := map[string]string{}
	for _, tt := range tests {
		rec := get(t, http.MethodGet, path, tt.acceptEncoding, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: status %d, want 200", tt.acceptEncoding, rec.Code)
		}
		got := rec.Header().Get("Content-Encoding")
		if got != tt.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tt.acceptEncoding, got, tt.want)
		}
		if !bytes.Equal(decode(t, got, rec.Body.Bytes()), original) {
			t.Errorf("Accept-Encoding %q: decoded body differs from the embedded file", tt.acceptEncoding)
		}
		if rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary = %q, want Accept-Encoding", tt.acceptEncoding, rec.Header().Get("Vary"))
		}
		etags[got] = rec.Header().Get("ETag")
	}
	if len(etags) != 3 || etags[""] == etags["gzip"] || etags["gzip"] == etags["br"] || etags[""] == etags["br"] {
		t.Errorf("ETags by encoding = %v, want three different values", etags)
	}
}

func TestHandlerBrotliSmallerThanGzip(t *testing.T) {
	path := Path("vendor/echarts/echarts.min.js")
	gz := get(t, http.MethodGet, path, "gzip", "")
	br := get(t, http.MethodGet, path, "br", "")
	if br.Body.Len() >= gz.Body.Len() {
		t.Errorf("brotli body %d bytes, gzip %d; want brotli smaller", br.Body.Len(), gz.Body.Len())
	}
}

func TestHandlerNotModified(t *testing.T) {
	path := Path("app.js")
	first := get(t, http.MethodGet, path, "gzip, br", "")
	etag := first.Header().Get("ETag")

	for _, ifNoneMatch := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
		rec := get(t, http.MethodGet, path, "gzip, br", ifNoneMatch)
		if rec.Code != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d, want 304", ifNoneMatch, rec.Code)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d body bytes, want none", ifNoneMatch, rec.Body.Len())
		}
		if rec.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: ETag %q, want %q", ifNoneMatch, rec.Header().Get("ETag"), etag)
		}
	}

	// The brotli ETag does not validate the gzip form.
	if rec := get(t, http.MethodGet, path, "gzip", etag); rec.Code != http.StatusOK {
		t.Errorf("gzip request with the brotli ETag: status %d, want 200", rec.Code)
	}
}

func TestHandlerHead(t *testing.T) {
	path := Path("app.js")
	get200 := get(t, http.MethodGet, path, "br", "")
	head := get(t, http.MethodHead, path, "br", "")
	if head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Errorf("HEAD: status %d with %d body bytes, want 200 and none", head.Code, head.Body.Len())
	}
	if head.Header().Get("Content-Length") != get200.Header().Get("Content-Length") {
		t.Errorf("HEAD Content-Length %q, GET %q; want equal", head.Header().Get("Content-Length"), get200.Header().Get("Content-Length"))
	}
}

func TestHandlerSmallFileUncompressed(t *testing.T) {
	rec := get(t, http.MethodGet, Path("favicon.svg"), "gzip, br", "")
	if got := rec.Header().Get("Content-Encoding"); got != "" {
		t.Errorf("favicon.svg: Content-Encoding %q, want none below 512 bytes", got)
	}
}
