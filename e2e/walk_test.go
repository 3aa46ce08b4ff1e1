package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// walkReady waits until the walkthrough script has drawn every chart, the
// sweep of section 7 included, and no request is pending.
const walkReady = `window.focalWalk && !document.querySelector('[data-part=pending]') &&
  document.querySelectorAll('.chart-canvas').length === Object.keys(window.focalWalk.charts).length &&
  window.focalWalk.state.inFlight === 0`

// walkSectionReport lists the problems of section n as a string, empty when it
// has a drawn chart, no chart without series and no NaN in its text.
func walkSectionReport(n int) string {
	return `(() => {
  const s = document.getElementById('s` + strconv.Itoa(n) + `');
  if (!s) { return 'missing'; }
  const ids = Array.from(s.querySelectorAll('.chart-canvas')).map(c => c.id);
  const problems = [];
  if (ids.length === 0) { problems.push('no chart'); }
  ids.forEach(id => {
    const chart = window.focalWalk.charts[id];
    if (!chart) { problems.push(id + ' not drawn'); return; }
    const series = chart.getOption().series || [];
    if (series.length === 0) { problems.push(id + ' has no series'); }
    if (series.every(x => !x.data || x.data.length === 0)) { problems.push(id + ' has no data'); }
  });
  if (s.innerText.includes('NaN')) { problems.push('NaN in the text'); }
  if (!s.querySelector('.question details')) { problems.push('no question'); }
  return problems.join('; ');
})()`
}

func TestWalkEverySectionBothLanguages(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	for _, lang := range []string{"zh-CN", "en"} {
		s.do(ctx, chromedp.Navigate(s.server.URL+"/learn?lang="+lang))
		waitFor(t, ctx, walkReady, 30*time.Second)
		if got := eval[string](t, ctx, `document.documentElement.lang`); got != lang {
			t.Errorf("%s: html lang = %q", lang, got)
		}
		for n := 1; n <= 12; n++ {
			// Scrolling a section into view makes it the link's section.
			s.do(ctx, chromedp.ScrollIntoView(chromedp.ID("s"+strconv.Itoa(n))))
			if report := eval[string](t, ctx, walkSectionReport(n)); report != "" {
				t.Errorf("%s section %d: %s", lang, n, report)
			}
			waitFor(t, ctx, `location.search.includes('sec=`+strconv.Itoa(n)+`') || (`+strconv.Itoa(n)+` === 1 && !location.search.includes('sec='))`, 5*time.Second)
		}
	}
	s.checkClean()
}

func TestWalkSectionLinkRestoresView(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	// Section 8 with a threshold and γ set: the link must bring both back.
	s.do(ctx, chromedp.Navigate(s.server.URL+"/learn?lang=en&gamma=1&thr=0.35&sec=8"))
	waitFor(t, ctx, walkReady, 30*time.Second)
	if got := eval[string](t, ctx, `document.getElementById('in-thr').value`); got != "0.35" {
		t.Errorf("threshold slider = %q, want 0.35", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('in-gamma').value`); got != "1" {
		t.Errorf("γ slider = %q, want 1", got)
	}
	// Without a fragment, sec scrolls the page to the section.
	top := eval[float64](t, ctx, `document.getElementById('s8').getBoundingClientRect().top`)
	if top < -5 || top > 200 {
		t.Errorf("section 8 is at %g px from the top of the window, want it scrolled into view", top)
	}
	if got := eval[string](t, ctx, `location.hash`); got != "#s8" {
		t.Errorf("hash = %q, want #s8", got)
	}
	caption := eval[string](t, ctx, `document.getElementById('t-s8-confusion-ce').caption.textContent`)
	if !strings.Contains(caption, "0.35") {
		t.Errorf("confusion matrix caption %q does not use the threshold 0.35", caption)
	}

	// The section's own link carries the same view.
	href := eval[string](t, ctx, `document.querySelector('#s8 .section-link').getAttribute('href')`)
	for _, want := range []string{"sec=8", "gamma=1", "thr=0.35", "lang=en", "#s8"} {
		if !strings.Contains(href, want) {
			t.Errorf("section link %q lacks %s", href, want)
		}
	}
	s.checkClean()
}

func TestWalkControlsUpdateSections(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	s.do(ctx, chromedp.Navigate(s.server.URL+"/learn?lang=en&n=2000&ratio=100&steps=100"))
	waitFor(t, ctx, walkReady, 30*time.Second)

	// γ moves every computed section and the address bar.
	updates := eval[int](t, ctx, `window.focalWalk.state.updates`)
	s.do(ctx, chromedp.Focus(chromedp.ID("in-gamma")), chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, ctx, `window.focalWalk.state.updates >= `+strconv.Itoa(updates+2)+` && window.focalWalk.state.inFlight === 0`, 20*time.Second)
	if got := eval[string](t, ctx, `location.search`); !strings.Contains(got, "gamma=2.1") {
		t.Errorf("address bar %q does not carry gamma=2.1", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('t-s5-focus').caption.textContent`); !strings.Contains(got, "2.1") {
		t.Errorf("section 5 table caption %q did not follow γ", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('#s7 .section-link').getAttribute('href')`); !strings.Contains(got, "gamma=2.1") {
		t.Errorf("section 7 link %q did not follow γ", got)
	}
	card := eval[string](t, ctx, `document.querySelector('#s12 a[data-card=learn]').getAttribute('href')`)
	// The first preset is 1 : 1,000 (the default, so the link leaves ratio out) with 50,000 examples.
	if !strings.Contains(card, "gamma=2.1") || strings.Contains(card, "ratio=") || !strings.Contains(card, "n=50000") {
		t.Errorf("first preset card link %q: want γ 2.1 kept and the preset's ratio and n", card)
	}

	// A question reveals the computed result only after a prediction.
	s.do(ctx, chromedp.ScrollIntoView(chromedp.ID("s2")), chromedp.Click(chromedp.CSS("#s2 summary")))
	if open := eval[bool](t, ctx, `document.querySelector('#s2 details').open`); open {
		t.Error("the answer opened before a prediction was chosen")
	}
	s.do(ctx, chromedp.Click(chromedp.CSS("#s2 input[type=radio]")), chromedp.Click(chromedp.CSS("#s2 summary")))
	waitFor(t, ctx, `document.querySelector('#s2 details').open && document.querySelector('#s2 .verdict').textContent !== ''`, 5*time.Second)

	// Dragging the point of section 2 moves p_t in the link and in the table.
	point := eval[[]float64](t, ctx, `(() => {
  const c = window.focalWalk.charts['c-s2-surprise'];
  const r = document.getElementById('c-s2-surprise').getBoundingClientRect();
  const from = c.convertToPixel({seriesIndex: 0}, [0.5, Math.log(2)]);
  const to = c.convertToPixel({seriesIndex: 0}, [0.8, -Math.log(0.8)]);
  return [r.left + from[0], r.top + from[1], r.left + to[0], r.top + to[1]];
})()`)
	s.do(ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, point[0], point[1], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (point[0]+point[2])/2, (point[1]+point[3])/2, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, point[2], point[3], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, point[2], point[3], chromedp.ButtonLeft),
	)
	waitFor(t, ctx, `location.search.includes('pt=0.8') && window.focalWalk.state.inFlight === 0 &&
  document.getElementById('t-s2-surprise').tBodies[0].rows[2].cells[0].textContent.includes('0.8')`, 10*time.Second)

	// The inverse transform adds a row to the calibration table.
	updates = eval[int](t, ctx, `window.focalWalk.state.updates`)
	s.do(ctx, chromedp.ScrollIntoView(chromedp.ID("s10")), chromedp.Click(chromedp.ID("in-inv")))
	waitFor(t, ctx, `window.focalWalk.state.updates > `+strconv.Itoa(updates)+` && document.getElementById('t-s10-calibration').tBodies[0].rows.length === 3`, 20*time.Second)

	// The calculator follows its inputs.
	updates = eval[int](t, ctx, `window.focalWalk.state.updates`)
	setCount(t, ctx, "in-k_hard", "10")
	waitFor(t, ctx, `window.focalWalk.state.updates > `+strconv.Itoa(updates)+` && window.focalWalk.state.inFlight === 0`, 10*time.Second)
	if got := eval[string](t, ctx, `location.search`); !strings.Contains(got, "k_hard=10") {
		t.Errorf("address bar %q does not carry k_hard=10", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('t-s3-totals').tBodies[0].rows[0].cells[2].textContent`); got != "23.03" {
		t.Errorf("CE total of 10 hard examples at p_t 0.1 = %q, want 23.03", got)
	}
	s.checkClean()
}

// setCount types a value into a number input and commits it, as a reader does.
func setCount(t *testing.T, ctx context.Context, id, value string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
  const input = document.getElementById('`+id+`');
  input.value = '`+value+`';
  input.dispatchEvent(new Event('change', {bubbles: true}));
})()`)); err != nil {
		t.Fatalf("set %s: %v", id, err)
	}
}
