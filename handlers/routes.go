// Package handlers serves Focal Lab over HTTP. It parses requests, gets the numbers
// from sim/, live/ and charts/, builds view models and renders them with views/.
package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"focallab/config"
	"focallab/live"
	"focallab/static"
)

// App holds what the handlers share. It keeps no per-user state: every response is
// computed from the request alone.
type App struct {
	Live *live.Service
	Hub  *live.Hub
	Log  *slog.Logger

	// shuttingDown turns /readyz to 503 once BeginShutdown runs.
	shuttingDown atomic.Bool
	requests     requestMetrics
	walk         walkCache // memoised models and sweeps of the walkthrough
	pages        pageCache // rendered main pages
	curves       pageCache // /api/charts responses: a slider position maps to one response
}

// NewApp returns an App with a fresh run service and the default limits of live.HubConfig.
func NewApp(logger *slog.Logger) *App {
	return NewAppWithLimits(logger, live.HubConfig{})
}

// NewAppWithLimits returns an App whose stream hub has the given limits.
func NewAppWithLimits(logger *slog.Logger, limits live.HubConfig) *App {
	svc := live.New()
	return &App{
		Live: svc,
		Hub:  live.NewHub(svc, limits, encodeFrame, encodeEnd, encodeQueue),
		Log:  logger,
	}
}

// BeginShutdown marks the app as stopping: /readyz turns 503 and streams end.
// It is safe to call more than once.
func (a *App) BeginShutdown() {
	// Closing the hub ends every open stream with a final "shutdown" event, so
	// browsers do not reconnect and http.Server.Shutdown does not wait on them.
	if a.shuttingDown.CompareAndSwap(false, true) {
		a.Hub.Close()
	}
}

// HTTPServer returns the http.Server that serves the app on addr, with the timeouts
// and limits a public server needs. It sets no WriteTimeout, which would cut event
// streams; each stream event sets its own write deadline instead.
func (a *App) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           a.NewServer(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
}

// NewServer returns an echo instance with every route and middleware of Focal Lab.
func (a *App) NewServer() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError

	// Order matters. Recover comes first, so a panic anywhere below becomes a logged 500
	// page. Over-long queries are rejected before any parsing. Timing wraps logging,
	// because logRequests renders error pages and their time counts. Security headers go
	// on every response, errors included, and compression sits nearest the body.
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.Log.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(limitQuery)
	e.Use(a.measure)
	e.Use(a.logRequests)
	e.Use(securityHeaders)
	// Compress pages and JSON. The event stream must reach the browser frame by frame, and
	// static files are already compressed once at start-up, so both are skipped.
	// On the machine of BENCHMARKS.md, level 1 compresses the 187 KB default page in about
	// 1 ms, to 41 KB; the default level 6 takes 4 ms for 37 KB.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level: 1,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return p == "/api/stream" || strings.HasPrefix(p, static.Prefix)
		},
	}))

	e.GET("/", a.page, a.pages.middleware)
	e.GET("/api/loss", a.apiLoss)
	e.GET("/api/charts", a.apiCharts, a.curves.middleware)
	e.GET("/api/train", a.apiTrain)
	e.GET("/api/stream", a.apiStream)
	e.GET("/learn", a.walkPage)
	e.GET("/api/learn", a.apiWalk)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", a.ready)
	e.GET("/metrics", a.metrics)
	// Classroom and sharing: teacher links, link previews, downloads and embeddable figures.
	e.GET("/api/share", a.apiShare)
	e.GET("/qr.svg", a.qrSVG)
	e.GET("/preview.png", a.previewPNG)
	e.GET("/api/export/history.csv", a.exportHistory)
	e.GET("/api/export/data.csv", a.exportData)
	e.GET("/api/export/run.json", a.exportRun)
	e.GET(embedPathPrefix+":figure", a.embed)
	e.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()))
	return e
}

func (a *App) ready(c echo.Context) error {
	if a.shuttingDown.Load() {
		return c.String(http.StatusServiceUnavailable, "shutting down\n")
	}
	return c.String(http.StatusOK, "ok\n")
}

// limitQuery rejects requests whose raw query is longer than config.MaxQueryLength.
func limitQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if n := len(c.Request().URL.RawQuery); n > config.MaxQueryLength {
			return newError(http.StatusRequestURITooLong, "", "error_query_too_long", map[string]any{"Max": config.MaxQueryLength, "Got": n})
		}
		return next(c)
	}
}

func (a *App) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		a.Log.Info("request", "method", req.Method, "path", req.URL.Path, "status", c.Response().Status, "bytes", c.Response().Size)
		return nil
	}
}

// securityHeaders sets the Content-Security-Policy and related headers. Scripts load
// only from this origin; chart options travel as JSON data, never as inline script.
// ECharts' tooltips set inline style attributes, so style-src-attr allows them.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; " +
		"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors "
	return func(c echo.Context) error {
		h := c.Response().Header()
		// Embed pages are made for other sites' iframes; nothing else may be framed.
		if strings.HasPrefix(c.Request().URL.Path, embedPathPrefix) {
			h.Set("Content-Security-Policy", csp+embedFrameAncestors)
		} else {
			h.Set("Content-Security-Policy", csp+"'none'")
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}
