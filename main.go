// Command focallab serves Focal Lab, an interactive lesson on focal loss.
//
// Usage:
//
//	go run . [-addr 127.0.0.1:8080]
//
// The PORT environment variable, when set, replaces the port of -addr.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"focallab/config"
	"focallab/handlers"
	"focallab/live"
)

var maxRuns, maxQueued *int

// shutdownTimeout bounds how long open requests may take to finish after SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on")
	maxRuns = flag.Int("max-runs", 0, "training streams computing at once (0: 4 per core)")
	maxQueued = flag.Int("max-queued", 0, "training streams waiting for a slot before new ones are turned away (0: 64)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)

	if port := os.Getenv("PORT"); port != "" {
		host, _, err := net.SplitHostPort(*addr)
		if err != nil {
			logger.Error("invalid -addr", "addr", *addr, "err", err)
			os.Exit(2)
		}
		*addr = net.JoinHostPort(host, port)
	}
	if err := run(*addr, logger); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}

func run(addr string, logger *slog.Logger) error {
	app := handlers.NewAppWithLimits(logger, live.HubConfig{MaxRunning: *maxRuns, MaxQueued: *maxQueued})
	srv := app.HTTPServer(addr)
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger.Info("serving Focal Lab", "url", "http://"+listener.Addr().String()+"/", "max_query_bytes", config.MaxQueryLength)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(listener) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", shutdownTimeout)
	// End the event streams first, so Shutdown does not wait on connections that never go idle.
	app.BeginShutdown()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
