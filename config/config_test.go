package config

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"focallab/sim"
)

// maxNoticeRaw is the longest Notice.Raw a page may show: 64 bytes of the value plus "…" (3 bytes).
const maxNoticeRaw = 67

// mustParseQuery parses a raw query string the way net/http does for r.URL.Query().
func mustParseQuery(t testing.TB, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("url.ParseQuery(%q): %v", raw, err)
	}
	return q
}

// defaultOf returns the default text of a parameter, the value used in place of an unreadable one.
func defaultOf(name string) string {
	r, ok := RuleByName(name)
	if !ok {
		panic("config test: no rule " + name)
	}
	return r.Default
}

// noticesFor returns the notices about one parameter.
func noticesFor(notices []Notice, param string) []Notice {
	var out []Notice
	for _, n := range notices {
		if n.Param == param {
			out = append(out, n)
		}
	}
	return out
}

func reasons(notices []Notice) []string {
	out := make([]string, 0, len(notices))
	for _, n := range notices {
		out = append(out, n.Reason)
	}
	return out
}

func TestParseHandEditedLinks(t *testing.T) {
	long := strings.Repeat("1", 10000)
	tests := []struct {
		name        string
		query       url.Values
		param       string
		want        string   // canonical value of param after Parse
		wantReasons []string // Notice reasons for param in order, or nil for no notice
	}{
		// Non-finite and non-decimal numbers are unreadable, so the default is used.
		{"NaN", url.Values{"alpha": {"NaN"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"lower-case nan", url.Values{"gamma": {"nan"}}, "gamma", defaultOf("gamma"), []string{"invalid"}},
		{"+Inf", url.Values{"gamma": {"+Inf"}}, "gamma", defaultOf("gamma"), []string{"invalid"}},
		{"-Inf", url.Values{"alpha": {"-Inf"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"Infinity", url.Values{"lr": {"Infinity"}}, "lr", defaultOf("lr"), []string{"invalid"}},
		{"1e309 overflows", url.Values{"gamma": {"1e309"}}, "gamma", defaultOf("gamma"), []string{"invalid"}},
		{"-1e309 overflows", url.Values{"n": {"-1e309"}}, "n", defaultOf("n"), []string{"invalid"}},
		{"hex float", url.Values{"gamma": {"0x1p-2"}}, "gamma", defaultOf("gamma"), []string{"invalid"}},
		{"hex integer", url.Values{"seed": {"0x10"}}, "seed", defaultOf("seed"), []string{"invalid"}},
		{"underscore digits", url.Values{"ratio": {"1_0"}}, "ratio", defaultOf("ratio"), []string{"invalid"}},
		{"underscore in float", url.Values{"alpha": {"0.2_5"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"leading space", url.Values{"alpha": {" 0.5"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"comma decimal", url.Values{"alpha": {"0,5"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"lone dot", url.Values{"alpha": {"."}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"full-width digit", url.Values{"seed": {"７"}}, "seed", defaultOf("seed"), []string{"invalid"}},

		// Values that read as decimals but are written unusually keep their value.
		{"minus zero", url.Values{"alpha": {"-0"}}, "alpha", "0", nil},
		{"minus zero gamma", url.Values{"gamma": {"-0.0"}}, "gamma", "0", nil},
		{"leading dot", url.Values{"alpha": {".5"}}, "alpha", "0.5", nil},
		{"plus sign", url.Values{"alpha": {"+0.5"}}, "alpha", "0.5", nil},
		{"exponent", url.Values{"alpha": {"5e-1"}}, "alpha", "0.5", nil},
		{"integer exponent", url.Values{"seed": {"1e3"}}, "seed", "1000", nil},
		{"binary noise", url.Values{"alpha": {"0.30000000000000004"}}, "alpha", "0.3", nil},
		{"underflow to zero", url.Values{"gamma": {"1e-400"}}, "gamma", "0", nil},

		// Empty values are unreadable, except for the change list, where empty means no changes.
		{"empty alpha", url.Values{"alpha": {""}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"empty seed", url.Values{"seed": {""}}, "seed", defaultOf("seed"), []string{"invalid"}},
		{"empty prior", url.Values{"prior": {""}}, "prior", defaultOf("prior"), []string{"invalid"}},
		{"empty lang", url.Values{"lang": {""}}, "lang", defaultOf("lang"), []string{"invalid"}},
		{"empty change list", url.Values{"ch": {""}}, "ch", "", nil},
		{"missing alpha", url.Values{}, "alpha", "0.25", nil},

		// A repeated parameter uses its first value.
		{"repeated alpha", url.Values{"alpha": {"0.5", "0.9"}}, "alpha", "0.5", []string{"repeated"}},
		{"repeated lang", url.Values{"lang": {"en", "zh-CN"}}, "lang", "en", []string{"repeated"}},
		{"repeated, first invalid", url.Values{"gamma": {"abc", "1"}}, "gamma", defaultOf("gamma"), []string{"repeated", "invalid"}},
		{"repeated, first empty", url.Values{"gamma": {"", "1"}}, "gamma", defaultOf("gamma"), []string{"repeated", "invalid"}},
		{"repeated long values", url.Values{"alpha": {long, long}}, "alpha", defaultOf("alpha"), []string{"repeated", "too_long"}},
		// An HTML form sends a hidden "0" before a checked box's "1", so that pair is not a repetition.
		{"checkbox with hidden fallback", url.Values{"prior": {"0", "1"}}, "prior", "1", nil},
		{"unchecked box with hidden fallback", url.Values{"prior": {"0"}}, "prior", "0", nil},
		{"repeated bool", url.Values{"logy": {"1", "0"}}, "logy", "1", []string{"repeated"}},

		// Unknown parameters are ignored.
		{"unknown parameter", url.Values{"beta": {"3"}}, "alpha", "0.25", nil},

		// Over-long values are never parsed.
		{"10,000 digits", url.Values{"alpha": {long}}, "alpha", defaultOf("alpha"), []string{"too_long"}},
		{"10,000-byte change list", url.Values{"ch": {strings.Repeat("10:g1,", 1700)}}, "ch", "", []string{"too_long"}},
		{"long lang", url.Values{"lang": {strings.Repeat("en", 20)}}, "lang", defaultOf("lang"), []string{"too_long"}},
		{"long invalid UTF-8", url.Values{"alpha": {strings.Repeat("a\xff", 40)}}, "alpha", defaultOf("alpha"), []string{"too_long"}},
		{"long multibyte", url.Values{"ch": {"a" + strings.Repeat("é", 600)}}, "ch", "", []string{"too_long"}},

		// Bytes that are not UTF-8, markup and quotes are only reported.
		{"0xff byte", url.Values{"lang": {"\xff"}}, "lang", defaultOf("lang"), []string{"invalid"}},
		{"0xff in number", url.Values{"alpha": {"0.5\xff"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"0xff in change list", url.Values{"ch": {"10:g\xff"}}, "ch", "", []string{"invalid"}},
		{"script tag", url.Values{"alpha": {"<script>alert(1)</script>"}}, "alpha", defaultOf("alpha"), []string{"invalid"}},
		{"quotes and img tag", url.Values{"gamma": {`"'><img src=x onerror=alert(1)>`}}, "gamma", defaultOf("gamma"), []string{"invalid"}},
		{"script tag in lang", url.Values{"lang": {"<script>"}}, "lang", defaultOf("lang"), []string{"invalid"}},
		{"script tag in change list", url.Values{"ch": {"<script>alert(1)</script>"}}, "ch", "", []string{"invalid"}},

		// Out-of-range values are clamped to the nearest end of the range.
		{"alpha 2", url.Values{"alpha": {"2"}}, "alpha", "1", []string{"clamped"}},
		{"alpha -0.5", url.Values{"alpha": {"-0.5"}}, "alpha", "0", []string{"clamped"}},
		{"gamma -1", url.Values{"gamma": {"-1"}}, "gamma", "0", []string{"clamped"}},
		{"gamma 1e300", url.Values{"gamma": {"1e300"}}, "gamma", "5", []string{"clamped"}},
		{"ratio 5", url.Values{"ratio": {"5"}}, "ratio", "10", []string{"clamped"}},
		{"n 10^9", url.Values{"n": {"1000000000"}}, "n", "200000", []string{"clamped"}},
		{"steps 10^9", url.Values{"steps": {"1000000000"}}, "steps", "5000", []string{"clamped"}},
		{"seed -5", url.Values{"seed": {"-5"}}, "seed", "0", []string{"clamped"}},
		{"lr 0", url.Values{"lr": {"0"}}, "lr", "0.001", []string{"clamped"}},
		{"thr 0", url.Values{"thr": {"0"}}, "thr", "0.01", []string{"clamped"}},
		{"thr 1", url.Values{"thr": {"1"}}, "thr", "0.99", []string{"clamped"}},
		{"thr NaN", url.Values{"thr": {"NaN"}}, "thr", defaultOf("thr"), []string{"invalid"}},
		{"thr 0.506", url.Values{"thr": {"0.506"}}, "thr", "0.51", []string{"off_step"}},
		{"step 10^9", url.Values{"step": {"1000000000"}, "steps": {"1000"}}, "step", "1000", []string{"clamped"}},

		// Off-step values are rounded to the nearest step, halves away from zero. The
		// float64 nearest 2.05 is 2.04999999999999982…, just below the midpoint, so it
		// rounds down to 2, while 2.25 is exact and rounds up to 2.3.
		{"gamma 2.05", url.Values{"gamma": {"2.05"}}, "gamma", defaultOf("gamma"), []string{"off_step"}},
		{"gamma 2.06", url.Values{"gamma": {"2.06"}}, "gamma", "2.1", []string{"off_step"}},
		{"gamma 2.25", url.Values{"gamma": {"2.25"}}, "gamma", "2.3", []string{"off_step"}},
		{"alpha 0.333", url.Values{"alpha": {"0.333"}}, "alpha", "0.33", []string{"off_step"}},
		{"lr 0.0015", url.Values{"lr": {"0.0015"}}, "lr", "0.002", []string{"off_step"}},
		{"n 1500", url.Values{"n": {"1500"}}, "n", "2000", []string{"off_step"}},
		{"seed 1.5", url.Values{"seed": {"1.5"}}, "seed", "2", []string{"off_step"}},
		{"steps 15", url.Values{"steps": {"15"}}, "steps", "20", []string{"off_step"}},

		// step is cut to steps without a notice: it is inside its own rule, and the
		// notice text could only name the rule's range 0–5000.
		{"step beyond steps", url.Values{"step": {"3000"}, "steps": {"1000"}}, "step", "1000", []string{"after_end"}},

		// Booleans.
		{"bool 1", url.Values{"logy": {"1"}}, "logy", "1", nil},
		{"bool true", url.Values{"logy": {"true"}}, "logy", "1", nil},
		{"bool TRUE", url.Values{"logy": {"TRUE"}}, "logy", "1", nil},
		{"bool True", url.Values{"logy": {"True"}}, "logy", "1", nil},
		{"bool on", url.Values{"logy": {"on"}}, "logy", "1", nil},
		{"bool yes", url.Values{"logy": {"yes"}}, "logy", "1", nil},
		{"bool 0", url.Values{"prior": {"0"}}, "prior", "0", nil},
		{"bool false", url.Values{"prior": {"false"}}, "prior", "0", nil},
		{"bool FALSE", url.Values{"prior": {"FALSE"}}, "prior", "0", nil},
		{"bool off", url.Values{"prior": {"off"}}, "prior", "0", nil},
		{"bool No", url.Values{"prior": {"No"}}, "prior", "0", nil},
		{"bool 2", url.Values{"prior": {"2"}}, "prior", defaultOf("prior"), []string{"invalid"}},
		{"bool y", url.Values{"logy": {"y"}}, "logy", defaultOf("logy"), []string{"invalid"}},
		{"bool maybe", url.Values{"logy": {"maybe"}}, "logy", defaultOf("logy"), []string{"invalid"}},
		{"bool 1.0", url.Values{"logy": {"1.0"}}, "logy", defaultOf("logy"), []string{"invalid"}},

		// Languages match without regard to case, and other tags are invalid.
		{"lang en", url.Values{"lang": {"en"}}, "lang", "en", nil},
		{"lang EN", url.Values{"lang": {"EN"}}, "lang", "en", nil},
		{"lang zh-cn", url.Values{"lang": {"zh-cn"}}, "lang", "zh-CN", nil},
		{"lang fr", url.Values{"lang": {"fr"}}, "lang", defaultOf("lang"), []string{"invalid"}},
		{"lang en-US", url.Values{"lang": {"en-US"}}, "lang", defaultOf("lang"), []string{"invalid"}},

		// Change lists.
		{"change list", url.Values{"ch": {"120:g1.5,300:a0.4"}}, "ch", "120:g1.5,300:a0.4", nil},
		{"change list unsorted", url.Values{"ch": {"300:a0.4,120:g1.5"}}, "ch", "120:g1.5,300:a0.4", nil},
		{"change off step", url.Values{"ch": {"120:g1.57"}}, "ch", "120:g1.6", []string{"invalid"}},
		{"change after steps", url.Values{"ch": {"50:g1,150:g3"}, "steps": {"100"}}, "ch", "50:g1", []string{"late_changes"}},
		{"change at last step", url.Values{"ch": {"100:g1"}, "steps": {"100"}}, "ch", "100:g1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, notices := Parse(tt.query)
			if got := c.Values().Get(tt.param); got != tt.want {
				t.Errorf("Parse(%q): %s = %q, want %q", tt.query.Encode(), tt.param, got, tt.want)
			}
			if got := reasons(noticesFor(notices, tt.param)); !slices.Equal(got, tt.wantReasons) {
				t.Errorf("Parse(%q): notice reasons for %s = %q, want %q", tt.query.Encode(), tt.param, got, tt.wantReasons)
			}
			for _, n := range notices {
				if !utf8.ValidString(n.Raw) {
					t.Errorf("notice %s/%s: Raw %q is not valid UTF-8", n.Param, n.Reason, n.Raw)
				}
				if len(n.Raw) > maxNoticeRaw {
					t.Errorf("notice %s/%s: len(Raw) = %d bytes, want at most %d", n.Param, n.Reason, len(n.Raw), maxNoticeRaw)
				}
				if _, ok := RuleByName(n.Param); !ok {
					t.Errorf("notice names unknown parameter %q", n.Param)
				}
			}
			for _, other := range notices {
				if other.Param != tt.param {
					t.Errorf("unexpected notice about %s (reason %s, raw %q)", other.Param, other.Reason, other.Raw)
				}
			}
		})
	}
}

func TestParseNoticeUsed(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
		want  string
	}{
		{"invalid uses default", url.Values{"alpha": {"NaN"}}, defaultOf("alpha")},
		{"clamped uses nearest", url.Values{"gamma": {"9"}}, "5"},
		{"too long uses default", url.Values{"n": {strings.Repeat("9", 40)}}, defaultOf("n")},
		{"repeated uses first", url.Values{"seed": {"7", "8"}}, "7"},
		{"change list keeps readable entries", url.Values{"ch": {"10:g1,oops"}}, "10:g1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, notices := Parse(tt.query)
			if len(notices) != 1 {
				t.Fatalf("Parse(%q) gave %d notices (%v), want 1", tt.query.Encode(), len(notices), reasons(notices))
			}
			if got := notices[0].Used; got != tt.want {
				t.Errorf("Parse(%q): Notice.Used = %q, want %q", tt.query.Encode(), got, tt.want)
			}
		})
	}
}

func TestParseDefault(t *testing.T) {
	c, notices := Parse(url.Values{})
	if len(notices) != 0 {
		t.Errorf("Parse(empty) notices = %v, want none", reasons(notices))
	}
	for _, r := range Rules {
		if got := c.value(r.Name); got != r.Default {
			t.Errorf("default %s = %q, want the rule's Default %q", r.Name, got, r.Default)
		}
	}
	// lang is the one default a link always carries.
	if got := c.Query(); got != "lang=zh-CN" {
		t.Errorf("Default().Query() = %q, want lang=zh-CN", got)
	}
}

// roundTripConfigs are valid configs as Parse returns them.
func roundTripConfigs(t *testing.T) map[string]Config {
	t.Helper()
	queries := map[string]string{
		"default":             "",
		"english":             "lang=en",
		"every field":         "lang=en&alpha=0.5&gamma=1.3&ratio=30&n=5000&seed=42&lr=0.123&thr=0.5&prior=0&steps=200&step=17&ch=20:g0,100:a0.99&logy=1",
		"range ends":          "alpha=1&gamma=5&ratio=100000&n=200000&seed=999999999&lr=1&thr=0.99&steps=5000&step=5000",
		"range starts":        "alpha=0&gamma=0&ratio=10&n=1000&seed=0&lr=0.001&thr=0.01&steps=10",
		"grid noise":          "alpha=0.07&gamma=0.3&lr=0.007",
		"many changes":        "steps=5000&ch=" + manyChanges(MaxChanges),
		"changes at one step": "ch=10:g2,10:a0.1",
	}
	out := map[string]Config{}
	for name, q := range queries {
		c, notices := Parse(mustParseQuery(t, q))
		if len(notices) != 0 {
			t.Fatalf("%s: Parse(%q) notices = %v, want none", name, q, reasons(notices))
		}
		out[name] = c
	}
	return out
}

func manyChanges(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%d:g%.1f", 10*(i+1), float64(i%50)/10)
	}
	return strings.Join(parts, ",")
}

func TestQueryRoundTrip(t *testing.T) {
	for name, c := range roundTripConfigs(t) {
		t.Run(name, func(t *testing.T) {
			q := c.Query()
			back, notices := Parse(mustParseQuery(t, q))
			if len(notices) != 0 {
				t.Errorf("Parse(%q) notices = %v, want none", q, reasons(notices))
			}
			if !reflect.DeepEqual(back, c) {
				t.Errorf("Parse(%q) = %+v, want %+v", q, back, c)
			}
			if got := back.Query(); got != q {
				t.Errorf("Parse(%q).Query() = %q, want the same query", q, got)
			}
			if got := back.RunQuery(); got != c.RunQuery() {
				t.Errorf("RunQuery after round trip = %q, want %q", got, c.RunQuery())
			}
		})
	}
}

func TestQueryLeavesOutDefaults(t *testing.T) {
	c := Default()
	c.Alpha = 0.5
	c.LogY = true
	if got, want := c.Query(), "lang=zh-CN&alpha=0.5&logy=1"; got != want {
		t.Errorf("Query() = %q, want %q", got, want)
	}
}

func TestWith(t *testing.T) {
	c, _ := Parse(mustParseQuery(t, "alpha=0.5&gamma=1"))
	tests := []struct {
		name, param, value, want string
	}{
		{"switch to English", "lang", "en", "lang=en&alpha=0.5&gamma=1"},
		{"default lang kept", "lang", "zh-CN", "lang=zh-CN&alpha=0.5&gamma=1"},
		{"clamps value", "gamma", "99", "lang=zh-CN&alpha=0.5&gamma=5"},
		{"invalid keeps default", "alpha", "x", "lang=zh-CN&gamma=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.With(tt.param, tt.value); got != tt.want {
				t.Errorf("With(%q, %q) = %q, want %q", tt.param, tt.value, got, tt.want)
			}
		})
	}
}

func TestRunQueryIgnoresViewParameters(t *testing.T) {
	base, _ := Parse(mustParseQuery(t, "alpha=0.5&gamma=1&steps=100&ch=10:g2"))
	views := []string{"lang=en", "logy=1", "step=50", "lang=en&logy=1&step=100"}
	for _, extra := range views {
		t.Run(extra, func(t *testing.T) {
			c, _ := Parse(mustParseQuery(t, "alpha=0.5&gamma=1&steps=100&ch=10:g2&"+extra))
			if got, want := c.RunQuery(), base.RunQuery(); got != want {
				t.Errorf("RunQuery() with %s = %q, want %q", extra, got, want)
			}
		})
	}

	runs := []string{"alpha=0.6", "gamma=1.1", "ratio=30", "n=3000", "seed=2", "lr=0.01", "thr=0.5", "prior=0", "steps=200", "ch=10:g3"}
	for _, change := range runs {
		t.Run(change, func(t *testing.T) {
			c := base
			name, value, _ := strings.Cut(change, "=")
			c, _ = Parse(mustParseQuery(t, c.With(name, value)))
			if c.RunQuery() == base.RunQuery() {
				t.Errorf("RunQuery() with %s = %q, the same as without it", change, c.RunQuery())
			}
		})
	}
}

func TestRunQueryWritesEveryRunParameter(t *testing.T) {
	got := Default().RunQuery()
	q := mustParseQuery(t, got)
	for _, r := range Rules {
		switch {
		case r.Run && !slices.Equal(q[r.Name], []string{r.Default}):
			t.Errorf("Default().RunQuery() = %q: %s = %q, want [%q]", got, r.Name, q[r.Name], r.Default)
		case !r.Run && q.Has(r.Name):
			t.Errorf("Default().RunQuery() = %q contains view parameter %s", got, r.Name)
		}
	}
}

func change(step int, param byte, value float64) sim.Change {
	return sim.Change{Step: step, Param: param, Value: value}
}

func TestParseChanges(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		want   []sim.Change
		wantOK bool
	}{
		{"empty", "", nil, true},
		{"one gamma", "120:g1.5", []sim.Change{change(120, 'g', 1.5)}, true},
		{"two", "120:g1.5,300:a0.4", []sim.Change{change(120, 'g', 1.5), change(300, 'a', 0.4)}, true},
		{"unsorted is sorted", "300:a0.4,120:g1.5,5:g0", []sim.Change{change(5, 'g', 0), change(120, 'g', 1.5), change(300, 'a', 0.4)}, true},
		{"same step and parameter keeps the last", "10:g1,10:g2", []sim.Change{change(10, 'g', 2)}, false},
		{"same step, two parameters", "10:g1,10:a0.5", []sim.Change{change(10, 'g', 1), change(10, 'a', 0.5)}, true},
		{"exponent step", "1e2:g1", []sim.Change{change(100, 'g', 1)}, true},
		{"last allowed step", "5000:a1", []sim.Change{change(5000, 'a', 1)}, true},
		{"gamma off step", "10:g1.57", []sim.Change{change(10, 'g', 1.6)}, false},
		{"alpha off step", "10:a0.333", []sim.Change{change(10, 'a', 0.33)}, false},
		{"alpha above 1", "10:a2", []sim.Change{change(10, 'a', 1)}, false},
		{"gamma below 0", "10:g-1", []sim.Change{change(10, 'g', 0)}, false},
		{"gamma above 5", "10:g7", []sim.Change{change(10, 'g', 5)}, false},
		{"garbage", "abc", nil, false},
		{"step 0", "0:g1", nil, false},
		{"negative step", "-5:g1", nil, false},
		{"fractional step", "1.5:g1", nil, false},
		{"step above 5000", "6000:g1", nil, false},
		{"unknown letter", "10:x1", nil, false},
		{"no value", "10:g", nil, false},
		{"no colon", "10g1", nil, false},
		{"NaN value", "10:gNaN", nil, false},
		{"Inf value", "10:g+Inf", nil, false},
		{"hex value", "10:g0x1p1", nil, false},
		{"empty entry", "10:g1,,20:g2", []sim.Change{change(10, 'g', 1), change(20, 'g', 2)}, false},
		{"trailing comma", "10:g1,", []sim.Change{change(10, 'g', 1)}, false},
		{"bad entry among good", "20:g2,oops,10:a0.5", []sim.Change{change(10, 'a', 0.5), change(20, 'g', 2)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseChanges(tt.raw)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseChanges(%q) = %v, want %v", tt.raw, got, tt.want)
			}
			if ok != tt.wantOK {
				t.Errorf("ParseChanges(%q) ok = %v, want %v", tt.raw, ok, tt.wantOK)
			}
		})
	}
}

func TestParseChangesLimit(t *testing.T) {
	tests := []struct {
		name   string
		count  int
		wantN  int
		wantOK bool
	}{
		{"at limit", MaxChanges, MaxChanges, true},
		{"one over", MaxChanges + 1, MaxChanges, false},
		{"far over", 3 * MaxChanges, MaxChanges, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseChanges(manyChanges(tt.count))
			if len(got) != tt.wantN {
				t.Errorf("ParseChanges(%d entries) kept %d, want %d", tt.count, len(got), tt.wantN)
			}
			if ok != tt.wantOK {
				t.Errorf("ParseChanges(%d entries) ok = %v, want %v", tt.count, ok, tt.wantOK)
			}
			// The first MaxChanges entries are kept, not the last ones.
			if len(got) > 0 && got[0].Step != 10 {
				t.Errorf("first kept change at step %d, want 10", got[0].Step)
			}
		})
	}
}

func TestParseDropsLateChanges(t *testing.T) {
	c, notices := Parse(mustParseQuery(t, "steps=100&ch=10:g1,100:a0.5,101:g2,5000:g3"))
	want := []sim.Change{change(10, 'g', 1), change(100, 'a', 0.5)}
	if !reflect.DeepEqual(c.Changes, want) {
		t.Errorf("Changes = %v, want %v", c.Changes, want)
	}
	if got := reasons(notices); !reflect.DeepEqual(got, []string{"late_changes"}) {
		t.Errorf("notices = %v, want [late_changes]", got)
	}

	c, _ = Parse(mustParseQuery(t, "steps=10&ch=500:g1"))
	if c.Changes != nil {
		t.Errorf("Changes with every change late = %v, want nil", c.Changes)
	}
}

func TestFormatChanges(t *testing.T) {
	tests := []struct {
		name    string
		changes []sim.Change
		want    string
	}{
		{"nil", nil, ""},
		{"one", []sim.Change{change(120, 'g', 1.5)}, "120:g1.5"},
		{"whole gamma", []sim.Change{change(7, 'g', 2)}, "7:g2"},
		{"alpha", []sim.Change{change(1, 'a', 0.05), change(2, 'a', 1)}, "1:a0.05,2:a1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormatChanges(tt.changes)
			if got != tt.want {
				t.Errorf("FormatChanges(%v) = %q, want %q", tt.changes, got, tt.want)
			}
			back, ok := ParseChanges(got)
			if !ok || !reflect.DeepEqual(back, tt.changes) {
				t.Errorf("ParseChanges(%q) = %v, %v, want %v, true", got, back, ok, tt.changes)
			}
		})
	}
}

func TestInForce(t *testing.T) {
	c, _ := Parse(mustParseQuery(t, "alpha=0.25&gamma=2&steps=100&ch=10:g1,10:a0.5,20:g0,30:g3"))
	tests := []struct {
		step      int
		wantAlpha float64
		wantGamma float64
	}{
		{0, 0.25, 2},
		{9, 0.25, 2},
		{10, 0.5, 1}, // a change applies from its own step on
		{19, 0.5, 1},
		{20, 0.5, 0},
		{100, 0.5, 3},
	}
	for _, tt := range tests {
		alpha, gamma := c.InForce(tt.step)
		if alpha != tt.wantAlpha || gamma != tt.wantGamma {
			t.Errorf("InForce(%d) = %v, %v, want %v, %v", tt.step, alpha, gamma, tt.wantAlpha, tt.wantGamma)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		raw    string
		want   float64
		wantOK bool
	}{
		{"0.25", 0.25, true},
		{"-3", -3, true},
		{"1E2", 100, true},
		{"", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e309", 0, false},
		{"0x1p-2", 0, false},
		{"1_0", 0, false},
		{"1e", 0, false},
		{"--1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := ParseDecimal(tt.raw)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseDecimal(%q) = %v, %v, want %v, %v", tt.raw, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// checkInRules reports every field of c that lies outside its rule.
func checkInRules(t *testing.T, c Config) {
	t.Helper()
	for _, r := range Rules {
		switch r.Kind {
		case KindFloat, KindInt:
			v := c.numeric(r.Name)
			if math.IsNaN(v) || v < r.Min || v > r.Max {
				t.Errorf("%s = %v, outside [%v, %v]", r.Name, v, r.Min, r.Max)
			}
			if s := r.Snap(v); s != v {
				t.Errorf("%s = %v is off its step %v (nearest %v)", r.Name, v, r.Step, s)
			}
		case KindEnum:
			if !slices.Contains(r.Enum, c.Lang) {
				t.Errorf("%s = %q, not one of %q", r.Name, c.Lang, r.Enum)
			}
		}
	}
	if c.Step > c.Steps {
		t.Errorf("step %d is after the last step %d", c.Step, c.Steps)
	}
	if len(c.Changes) > MaxChanges {
		t.Errorf("%d changes, want at most %d", len(c.Changes), MaxChanges)
	}
	for i, ch := range c.Changes {
		if ch.Step < 1 || ch.Step > c.Steps {
			t.Errorf("change %d at step %d, outside [1, %d]", i, ch.Step, c.Steps)
		}
		if i > 0 && ch.Step < c.Changes[i-1].Step {
			t.Errorf("changes not sorted: step %d after step %d", ch.Step, c.Changes[i-1].Step)
		}
		rule, ok := changeRule(ch.Param)
		if !ok {
			t.Errorf("change %d has unknown parameter %q", i, ch.Param)
			continue
		}
		if rule.Snap(ch.Value) != ch.Value {
			t.Errorf("change %d value %v is outside the %s rule", i, ch.Value, rule.Name)
		}
	}
}

// numeric returns the value of a float or integer parameter, read from its canonical text
// so that it follows the Rules table without a field list of its own.
func (c Config) numeric(name string) float64 {
	v, err := strconv.ParseFloat(c.value(name), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func TestParseInRules(t *testing.T) {
	queries := []string{
		"alpha=9&gamma=-9&ratio=1&n=1&seed=-1&lr=9&steps=1&step=99",
		"alpha=NaN&gamma=1e309&ratio=x&n=&seed=0x1&lr=1_0&steps=%FF",
		"steps=10&step=10&ch=" + manyChanges(3*MaxChanges),
	}
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			c, _ := Parse(mustParseQuery(t, q))
			checkInRules(t, c)
		})
	}
}

// FuzzParse checks that Parse accepts any query without panicking, keeps every field
// inside its rule, and that the canonical query of its result parses back to itself.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // a malformed pair is skipped, as net/http does
		c, notices := Parse(q)
		checkInRules(t, c)
		for _, n := range notices {
			if !utf8.ValidString(n.Raw) || len(n.Raw) > maxNoticeRaw {
				t.Errorf("notice %s/%s: Raw %q is not valid UTF-8 of at most %d bytes", n.Param, n.Reason, n.Raw, maxNoticeRaw)
			}
		}

		canonical := c.Query()
		back, backNotices := Parse(mustParseQuery(t, canonical))
		if len(backNotices) != 0 {
			t.Errorf("Parse(%q) notices = %v, want none", canonical, reasons(backNotices))
		}
		if !reflect.DeepEqual(back, c) {
			t.Errorf("Parse(%q) = %+v, want %+v", canonical, back, c)
		}
		if got := back.Query(); got != canonical {
			t.Errorf("Parse(%q).Query() = %q, want the same query", canonical, got)
		}
	})
}
