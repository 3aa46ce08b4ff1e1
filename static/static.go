// Package static embeds the page's assets (ECharts, the page script, styles) and serves
// them from content-hashed paths, gzip-compressed once at start-up.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed app.css app.js favicon.svg vendor
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

var (
	loadOnce sync.Once
	assets   map[string]*asset // by versioned path
	versions map[string]string // plain name -> versioned path
)

// load reads every embedded file once and prepares its gzip form. The versioned path
// contains the first 12 hex digits of the content's SHA-256, so a changed file gets a new URL
// and every URL can be cached forever.
func load() {
	assets = map[string]*asset{}
	versions = map[string]string{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		a := &asset{body: body, contentType: contentType(name), etag: `"` + hash + `"`}
		if len(body) > 512 && compressible(a.contentType) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body) // writes to a bytes.Buffer cannot fail
			_ = zw.Close()
			a.gz = buf.Bytes()
		}
		versioned := Prefix + hash + "/" + name
		assets[versioned] = a
		versions[name] = versioned
		return nil
	})
	if err != nil {
		panic("static: reading embedded files: " + err.Error())
	}
}

func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	if path.Base(name) == "LICENSE" || path.Base(name) == "NOTICE" || strings.HasPrefix(path.Base(name), "LICENSE") {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "svg") || strings.Contains(ct, "json")
}

// Path returns the versioned URL path of an embedded file such as "app.js".
// It panics on an unknown name, which is a programming error caught by any page render test.
func Path(name string) string {
	loadOnce.Do(load)
	p, ok := versions[name]
	if !ok {
		panic("static: no embedded file " + name)
	}
	return p
}

// Handler serves the versioned paths with immutable caching and pre-compressed gzip.
func Handler() http.Handler {
	loadOnce.Do(load)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body) // a failed write means the client left; nothing to do
	})
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); found {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}
