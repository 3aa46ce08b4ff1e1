// Package static embeds the page's assets (ECharts, the page script, styles) and serves
// them from content-hashed paths, compressed with brotli and gzip once at start-up.
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

	"github.com/andybalholm/brotli"
)

//go:embed app.css app.js favicon.svg vendor classroom.css classroom.js print.css walk.css walk.js
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

type asset struct {
	body        []byte
	gz, br      []byte // nil when the file is small, binary, or compresses no smaller
	contentType string
	hash        string // first 12 hex digits of the SHA-256 of body
}

// brotliQuality is the brotli level of the start-up compression. With
// github.com/andybalholm/brotli v1.3.0 on the machine of BENCHMARKS.md,
// level 9 compresses the 1 MB ECharts file to 297 KB in about 0.13 s, against
// 337 KB for gzip's best level. Level 10 saves another 21 KB but takes 1.1 s,
// and level 11 2.4 s, too long for every start of the server.
const brotliQuality = 9

var (
	loadOnce sync.Once
	assets   map[string]*asset // by versioned path
	versions map[string]string // plain name -> versioned path
)

// load reads every embedded file once and prepares its brotli and gzip forms. The versioned path
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
		a := &asset{body: body, contentType: contentType(name), hash: hash}
		if len(body) > 512 && compressible(a.contentType) {
			a.gz = smaller(compressGzip(body), body)
			a.br = smaller(compressBrotli(body), body)
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

// Handler serves the versioned paths with immutable caching and the smallest
// pre-compressed form that the request's Accept-Encoding allows: brotli, then gzip,
// then the file itself. Each form has its own ETag, so a cache cannot take one encoding
// for another.
func Handler() http.Handler {
	loadOnce.Do(load)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		coding, body := a.choose(r.Header.Get("Accept-Encoding"))
		etag := `"` + a.hash + `"`
		if coding != "" {
			etag = `"` + a.hash + "-" + coding + `"`
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", etag)
		h.Set("Vary", "Accept-Encoding")
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if coding != "" {
			h.Set("Content-Encoding", coding)
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body) // a failed write means the client left; nothing to do
	})
}

// choose returns the Content-Encoding ("br", "gzip", or "" for none) and the body to
// send for an Accept-Encoding header value.
func (a *asset) choose(acceptEncoding string) (coding string, body []byte) {
	br, gz := acceptedCodings(acceptEncoding)
	switch {
	case br && a.br != nil:
		return "br", a.br
	case gz && a.gz != nil:
		return "gzip", a.gz
	}
	return "", a.body
}

// acceptedCodings reports whether an Accept-Encoding header value accepts brotli and
// gzip: named with a q-value above 0 (or none), or covered by "*" when not named.
func acceptedCodings(header string) (br, gz bool) {
	named := map[string]bool{}
	wildcard := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		accepted := true
		if q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); found {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				accepted = false
			}
		}
		if name == "*" {
			wildcard = accepted
			continue
		}
		named[name] = accepted
	}
	accepts := func(coding string) bool {
		if v, ok := named[coding]; ok {
			return v
		}
		return wildcard
	}
	return accepts("br"), accepts("gzip")
}

// etagMatches reports whether an If-None-Match header value lists etag or is "*".
// The comparison is weak, so a W/ prefix is ignored.
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}

func compressGzip(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid, so no error
	_, _ = zw.Write(body)                                    // writes to a bytes.Buffer cannot fail
	_ = zw.Close()
	return buf.Bytes()
}

func compressBrotli(body []byte) []byte {
	var buf bytes.Buffer
	bw := brotli.NewWriterLevel(&buf, brotliQuality)
	_, _ = bw.Write(body) // writes to a bytes.Buffer cannot fail
	_ = bw.Close()
	return buf.Bytes()
}

// smaller returns compressed if it is shorter than body, and nil otherwise.
func smaller(compressed, body []byte) []byte {
	if len(compressed) >= len(body) {
		return nil
	}
	return compressed
}
