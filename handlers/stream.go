package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"focallab/charts"
	"focallab/config"
	"focallab/i18n"
	"focallab/live"
	"focallab/sim"
	"focallab/views"
)

// writeTimeout is how long one event may take to reach the client before the stream is dropped.
const writeTimeout = 10 * time.Second

type frameEvent struct {
	Step   int               `json:"step"`
	Alpha  float64           `json:"alpha"`
	Gamma  float64           `json:"gamma"`
	Points [][2]float64      `json:"points"` // one [step, value] per charts.TrainingSeries entry
	Table  []views.MetricRow `json:"table"`  // the metrics table, formatted
	Heat   *heatEvent        `json:"heat,omitempty"`
}

type heatEvent struct {
	CE []float64 `json:"ce"` // σ(logit) per heatmap cell, row by row
	FL []float64 `json:"fl"`
}

type endEvent struct {
	Reason string `json:"reason"` // "done", "shutdown" or "error"
	Step   int    `json:"step"`
}

// apiStream continues a run from step `from` to step `to` as Server-Sent Events:
// a "frame" event per frame, then one "end" event, after which the client closes the
// stream instead of reconnecting. GET /api/stream?<page parameters>&from=S&to=T.
func (a *App) apiStream(c echo.Context) error {
	req := c.Request()
	q := req.URL.Query()
	cfg, _ := config.Parse(q)
	cfg.Lang = requestLang(c)
	from := clampInt(q.Get("from"), 0, 0, cfg.Steps)
	to := clampInt(q.Get("to"), cfg.Steps, from, cfg.Steps)
	loc := i18n.New(cfg.Lang)

	h := c.Response().Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "keep-alive")
	c.Response().WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.Response().Writer)

	send := func(event string, payload any) error {
		data, err := json.Marshal(payload)
		if err != nil {
			return fmt.Errorf("encode %s event: %w", event, err)
		}
		// Deadlines are not supported by every writer (httptest's recorder); the write itself still works.
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := fmt.Fprintf(c.Response(), "event: %s\ndata: %s\n\n", event, data); err != nil {
			return err
		}
		return rc.Flush()
	}

	// The stream stops when the client leaves or the server begins shutting down.
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	go func() {
		select {
		case <-a.done:
			cancel()
		case <-ctx.Done():
		}
	}()

	last := from
	err := a.Live.Stream(ctx, cfg, from, to, func(ev live.Event) error {
		last = ev.Frame.Step
		return send("frame", newFrameEvent(ev, loc))
	})
	reason := "done"
	switch {
	case err == nil:
	case a.shuttingDown.Load():
		reason = "shutdown"
	case errors.Is(err, context.Canceled) || req.Context().Err() != nil:
		a.Log.Info("stream closed by client", "step", last, "run", cfg.RunQuery())
		return nil
	default:
		a.Log.Error("stream failed", "step", last, "run", cfg.RunQuery(), "err", err)
		reason = "error"
	}
	if err := send("end", endEvent{Reason: reason, Step: last}); err != nil {
		a.Log.Info("final stream event not delivered", "err", err)
	}
	return nil
}

func newFrameEvent(ev live.Event, loc *i18n.Localizer) frameEvent {
	f := *ev.Frame
	out := frameEvent{Step: f.Step, Alpha: f.Alpha, Gamma: f.Gamma, Points: charts.TrainingPoint(f), Table: metricRows(f, loc)}
	if ev.Heat {
		ce, fl := ev.Run.Models()
		out.Heat = &heatEvent{CE: heatValues(ce), FL: heatValues(fl)}
	}
	return out
}

func heatValues(m sim.Model) []float64 {
	grid := charts.HeatGrid(m)
	values := make([]float64, len(grid))
	for i, cell := range grid {
		values[i] = cell[2]
	}
	return values
}

// clampInt reads an integer query value, using def when it is missing or unreadable
// and clamping it to [lo, hi].
func clampInt(raw string, def, lo, hi int) int {
	v, err := strconv.Atoi(raw)
	if err != nil {
		v = def
	}
	return min(max(v, lo), hi)
}
