package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"focallab/charts"
	"focallab/config"
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
	Reason string `json:"reason"` // one of the live.End* reasons
	Step   int    `json:"step"`   // the last step computed
}

// heartbeatInterval is how often an idle stream (queued, or between slow frames) sends
// a comment line, so proxies and browsers keep the connection open.
const heartbeatInterval = 15 * time.Second

type queueEvent struct {
	Position int `json:"position"` // 1 is next in line
}

// apiStream continues a run from step `from` to step `to` as Server-Sent Events. It
// sends "queued" events while the run waits for a computing slot, a "frame" event per
// frame, then one "end" event, after which the client closes the stream instead of
// reconnecting. Clients requesting the same stream share one computation.
// GET /api/stream?<page parameters>&from=S&to=T.
func (a *App) apiStream(c echo.Context) error {
	req := c.Request()
	q := req.URL.Query()
	cfg, _ := config.Parse(q)
	from := clampInt(q.Get("from"), 0, 0, cfg.Steps)
	to := clampInt(q.Get("to"), cfg.Steps, from, cfg.Steps)

	h := c.Response().Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.Response().Writer)

	// The write deadline is moved forward only when half of it has passed, which keeps
	// a stalled client from holding the stream longer than writeTimeout without paying
	// for a deadline update on every one of a class's frames.
	var deadline time.Time
	write := func(message []byte) error {
		if now := time.Now(); deadline.Sub(now) < writeTimeout/2 {
			deadline = now.Add(writeTimeout)
			// Deadlines are not supported by every writer (httptest's recorder); the write itself still works.
			_ = rc.SetWriteDeadline(deadline)
		}
		_, err := c.Response().Write(message)
		return err
	}

	sub, err := a.Hub.Subscribe(cfg, from, to)
	if err != nil {
		// The hub is shut down. A final event in the stream keeps the browser from retrying.
		if write([]byte("event: end\ndata: "+string(encodeEnd(live.EndShutdown, from))+"\n\n")) == nil {
			_ = rc.Flush() // the client may already be gone; nothing else to do
		}
		return nil
	}
	defer sub.Close()

	for {
		msg, err := sub.Next(req.Context(), heartbeatInterval)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				a.Log.Info("stream closed by client", "run", cfg.RunQuery())
			}
			return nil
		}
		err = write(msg.Wire)
		// Frames already due (a late joiner's backlog) go out with one flush.
		for err == nil && msg.Kind != "end" {
			next, ok := sub.Ready()
			if !ok {
				break
			}
			msg = next
			err = write(msg.Wire)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			a.Log.Info("stream write failed", "run", cfg.RunQuery(), "err", err)
			return nil
		}
		if msg.Kind == "end" {
			return nil
		}
	}
}

// encodeFrame is the hub's frame encoder. The payload is the same in every language:
// the page script writes the localized FL label itself.
func encodeFrame(ev live.Event) ([]byte, error) {
	return json.Marshal(newFrameEvent(ev))
}

func encodeEnd(reason string, step int) []byte {
	data, _ := json.Marshal(endEvent{Reason: reason, Step: step}) // a struct of a string and an int always encodes
	return data
}

func encodeQueue(position int) []byte {
	data, _ := json.Marshal(queueEvent{Position: position}) // an int always encodes
	return data
}

func newFrameEvent(ev live.Event) frameEvent {
	f := *ev.Frame
	out := frameEvent{Step: f.Step, Alpha: f.Alpha, Gamma: f.Gamma, Points: charts.TrainingPoint(f), Table: metricRows(f, nil)}
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
