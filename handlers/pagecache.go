package handlers

import (
	"bytes"
	"container/list"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// pageCacheSize is the number of rendered main pages kept, about 190 KB each
// for default-sized runs.
const pageCacheSize = 32

// pageCache keeps the most recently rendered main pages. A page is a function
// of its scheme, host, language and query alone, and every student of a class
// loads the same link. A hit skips the replay, the view model and the templ
// rendering, which take most of a page's server time (BENCHMARKS.md). The gzip
// middleware still compresses every response. The zero value is an empty cache.
//
// NOTE: a page that starts to depend on anything else (a cookie, the time, a
// per-request token) must leave this cache or add that input to pageKey.
type pageCache struct {
	mu      sync.Mutex
	entries map[string]*list.Element // values are *cachedPage
	recent  list.List                // most recently used first
}

type cachedPage struct {
	key         string
	contentType string
	body        []byte
}

// pageKey returns the cache key of a main-page request, made of everything
// that (*App).page reads from the request.
func pageKey(c echo.Context) string {
	req := c.Request()
	scheme := "http"
	if req.TLS != nil {
		scheme = "https"
	}
	return scheme + "\x00" + req.Host + "\x00" + requestLang(c) + "\x00" + req.URL.RawQuery
}

// middleware serves a GET of a page rendered before from the cache, and
// stores every page that next renders with status 200.
func (p *pageCache) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := pageKey(c)
		if page := p.get(key); page != nil {
			return c.Blob(http.StatusOK, page.contentType, page.body)
		}

		res := c.Response()
		tee := &teeWriter{ResponseWriter: res.Writer}
		res.Writer = tee
		err := next(c)
		res.Writer = tee.ResponseWriter
		if err == nil && res.Status == http.StatusOK {
			p.put(&cachedPage{key: key, contentType: res.Header().Get(echo.HeaderContentType), body: tee.body.Bytes()})
		}
		return err
	}
}

func (p *pageCache) get(key string) *cachedPage {
	p.mu.Lock()
	defer p.mu.Unlock()
	element, ok := p.entries[key]
	if !ok {
		return nil
	}
	p.recent.MoveToFront(element)
	return element.Value.(*cachedPage)
}

func (p *pageCache) put(page *cachedPage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.entries == nil {
		p.entries = map[string]*list.Element{}
	}
	if element, ok := p.entries[page.key]; ok {
		element.Value = page
		p.recent.MoveToFront(element)
		return
	}
	p.entries[page.key] = p.recent.PushFront(page)
	if p.recent.Len() > pageCacheSize {
		oldest := p.recent.Back()
		p.recent.Remove(oldest)
		delete(p.entries, oldest.Value.(*cachedPage).key)
	}
}

// teeWriter copies the body written through it.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.body.Write(b) // a bytes.Buffer write returns no error
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
