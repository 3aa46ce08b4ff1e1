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
)

// shutdownTimeout bounds how long open requests may take to finish after SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "host:port to listen on")
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
	app := handlers.NewApp(logger)
	srv := &http.Server{
		Addr:              addr,
		Handler:           app.NewServer(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// No WriteTimeout: it would cut event streams. Each stream event sets its own write deadline.
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
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
