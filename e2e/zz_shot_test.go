//go:build shot

package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestShot(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	shot := func(name string) {
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/clsshots/"+name+".png", buf, 0o644)
	}
	s.do(ctx, chromedp.EmulateViewport(1280, 800))
	for name, p := range map[string]string{"zh": "/?lang=zh-CN", "zh_present": "/?lang=zh-CN&present=1", "en_present": "/?lang=en&present=1", "en": "/?lang=en", "zh_long": "/?lang=zh-CN&present=1&hide=alpha,lr,seed&lock=gamma,presets,speed,thr&ratio=10000&n=20000&step=300"} {
		s.open(ctx, p, 4)
		_ = eval[bool](t, ctx, `(document.getElementById('btn-share').click(), true)`)
		waitFor(t, ctx, `document.getElementById('share-dialog').open && document.getElementById('share-qr') && document.getElementById('share-qr').complete`, 10*time.Second)
		time.Sleep(300 * time.Millisecond)
		t.Log(p, eval[string](t, ctx, `JSON.stringify(document.getElementById('share-qr').getBoundingClientRect())`))
		shot("share_" + name)
	}
	s.open(ctx, "/?lang=zh-CN&present=1", 4)
	_ = eval[bool](t, ctx, `(document.getElementById('chart-haystack').scrollIntoView(), true)`)
	time.Sleep(300 * time.Millisecond)
	shot("haystack_present")
	s.do(ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for i, p := range []string{"/?lang=zh-CN", "/?lang=en", "/?lang=zh-CN&present=1"} {
		s.open(ctx, p, 4)
		_ = eval[bool](t, ctx, `(document.getElementById('chart-haystack').scrollIntoView(), true)`)
		time.Sleep(300 * time.Millisecond)
		shot("phone_haystack_" + string(rune('a'+i)))
		_ = eval[bool](t, ctx, `(document.getElementById('metrics').scrollIntoView(), true)`)
		time.Sleep(300 * time.Millisecond)
		shot("phone_metrics_" + string(rune('a'+i)))
	}
}

func TestShotRects(t *testing.T) {
	s := newSession(t)
	ctx := withTimeout(t, s.ctx)
	for _, vp := range [][2]int64{{1280, 800}, {375, 812}} {
		s.do(ctx, chromedp.EmulateViewport(vp[0], vp[1]))
		for _, p := range []string{"/?lang=zh-CN", "/?lang=zh-CN&present=1", "/?lang=en&present=1", "/?lang=en"} {
			s.open(ctx, p, 4)
			time.Sleep(200 * time.Millisecond)
			t.Log(vp, p, eval[string](t, ctx, `(function () {
  var c = window.focalLab.charts['chart-haystack'];
  var view = c.getViewOfComponentModel(c.getModel().getComponent('visualMap'));
  var r = view.group.getBoundingRect().clone();
  r.applyTransform(view.group.transform);
  var g = c.getModel().getComponent('grid').coordinateSystem.getRect();
  return JSON.stringify({vm: [r.x, r.y, r.width, r.height], grid: [g.x, g.y, g.width, g.height], w: c.getWidth(), h: c.getHeight(), opt: c.getOption().visualMap[0].type});
})()`))
		}
	}
}
