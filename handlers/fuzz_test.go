package handlers

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAPILoss sends arbitrary query strings to /api/loss. Every answer must be a 200
// with finite numbers or a 400/414 JSON error that names a parameter in both languages;
// never a 500, a panic, or raw input echoed unescaped.
func FuzzAPILoss(f *testing.F) {
	for _, seed := range []string{
		"alpha=0.25&gamma=2&z=-1,1&y=1,0",
		"z=1000,-1000,0&y=1,0,1&gamma=0.5",
		"z=NaN&y=1",
		"z=1e309&y=0",
		"z=0x1p-2&y=1",
		"alpha=-0&gamma=0&z=-0&y=0",
		"z=%3Cscript%3E&y=1",
		"z=1,2,3&y=1",
		"alpha=1&gamma=10&z=40&y=1",
		"z=1&y=1&z=2",
	} {
		f.Add(seed)
	}
	app := NewApp(slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := app.NewServer()
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := httptest.NewRequest(http.MethodGet, "/api/loss", nil)
		req.URL.RawQuery = rawQuery
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		body := rec.Body.String()
		switch rec.Code {
		case http.StatusOK:
			var resp lossResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("200 with an unreadable body %q: %v", body, err)
			}
		case http.StatusBadRequest, http.StatusRequestURITooLong:
			var resp apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("%d with an unreadable body %q: %v", rec.Code, body, err)
			}
			if resp.Error.ZhCN == "" || resp.Error.En == "" {
				t.Fatalf("%d without both messages: %q", rec.Code, body)
			}
		default:
			t.Fatalf("query %q: status %d, body %q", rawQuery, rec.Code, body)
		}
		if strings.Contains(body, "<") {
			t.Fatalf("query %q: body contains a raw '<': %q", rawQuery, body)
		}
	})
}
