// Package config reads and writes the query string that describes one Focal Lab view.
//
// One table, Rules, lists every parameter with its type, range, step, length limit and
// default. Parse uses it to read a link and Config.Query uses it to write one, so a link
// written by the app parses back to the same Config, and a hand-edited link is clamped
// to the nearest valid value with a Notice that says what changed.
package config

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"focallab/sim"
)

// Kind is the type of a query parameter.
type Kind int

const (
	KindFloat Kind = iota
	KindInt
	KindBool
	KindEnum
	KindChanges
	KindList // a comma list of names from Enum, written in Enum order without repeats
)

// Rule describes one query parameter.
type Rule struct {
	Name    string
	Kind    Kind
	Min     float64 // inclusive, for KindFloat and KindInt
	Max     float64 // inclusive, for KindFloat and KindInt
	Step    float64 // values are rounded to a multiple of Step (0: no rounding)
	Default string  // the value used when the parameter is missing
	MaxLen  int     // longest raw value accepted before it is treated as invalid
	// Enum lists the allowed values of KindEnum, or the allowed items of KindList.
	Enum []string
	// Run is true for parameters that change the training run (and so the stream).
	Run bool
}

// MaxChanges is the longest mid-run change list a link may carry.
const MaxChanges = 32

// MaxQueryLength is the longest raw query string the server reads; longer ones are rejected.
const MaxQueryLength = 4096

// Rules is the single table of every parameter a link may carry, in the order links are written.
var Rules = []Rule{
	{Name: "lang", Kind: KindEnum, Default: "zh-CN", MaxLen: 16, Enum: []string{"zh-CN", "en"}},
	{Name: "alpha", Kind: KindFloat, Min: 0, Max: 1, Step: 0.01, Default: "0.25", MaxLen: 32, Run: true},
	{Name: "gamma", Kind: KindFloat, Min: 0, Max: 5, Step: 0.1, Default: "2", MaxLen: 32, Run: true},
	{Name: "ratio", Kind: KindInt, Min: 10, Max: 100000, Step: 1, Default: "1000", MaxLen: 32, Run: true},
	{Name: "n", Kind: KindInt, Min: 1000, Max: 200000, Step: 1000, Default: "20000", MaxLen: 32, Run: true},
	{Name: "seed", Kind: KindInt, Min: 0, Max: 999999999, Step: 1, Default: "1", MaxLen: 32, Run: true},
	{Name: "lr", Kind: KindFloat, Min: 0.001, Max: 1, Step: 0.001, Default: "0.1", MaxLen: 32, Run: true},
	{Name: "thr", Kind: KindFloat, Min: 0.01, Max: 0.99, Step: 0.01, Default: "0.2", MaxLen: 32, Run: true},
	{Name: "prior", Kind: KindBool, Default: "1", MaxLen: 8, Run: true},
	{Name: "steps", Kind: KindInt, Min: 10, Max: 5000, Step: 10, Default: "1000", MaxLen: 32, Run: true},
	{Name: "step", Kind: KindInt, Min: 0, Max: 5000, Step: 1, Default: "0", MaxLen: 32},
	{Name: "ch", Kind: KindChanges, Default: "", MaxLen: 1024, Run: true},
	{Name: "logy", Kind: KindBool, Default: "0", MaxLen: 8},
	// The walkthrough at /learn: the section on screen, the draggable p_t of its
	// cross-entropy figure, its easy-against-hard calculator and its inverse-transform toggle.
	{Name: "sec", Kind: KindInt, Min: 1, Max: 12, Step: 1, Default: "1", MaxLen: 32},
	{Name: "pt", Kind: KindFloat, Min: 0.001, Max: 0.999, Step: 0.001, Default: "0.5", MaxLen: 32},
	{Name: "n_easy", Kind: KindInt, Min: 1, Max: 10000000, Step: 1, Default: "999999", MaxLen: 32},
	{Name: "pt_easy", Kind: KindFloat, Min: 0.0001, Max: 0.9999, Step: 0.0001, Default: "0.999", MaxLen: 32},
	{Name: "k_hard", Kind: KindInt, Min: 1, Max: 10000000, Step: 1, Default: "1", MaxLen: 32},
	{Name: "pt_hard", Kind: KindFloat, Min: 0.0001, Max: 0.9999, Step: 0.0001, Default: "0.1", MaxLen: 32},
	{Name: "inv", Kind: KindBool, Default: "0", MaxLen: 8},
	{Name: "speed", Kind: KindFloat, Min: 0.25, Max: 4, Step: 0.25, Default: "1", MaxLen: 32},
	{Name: "present", Kind: KindBool, Default: "0", MaxLen: 8},
	{Name: "hide", Kind: KindList, Default: "", MaxLen: 256, Enum: Controls},
	{Name: "lock", Kind: KindList, Default: "", MaxLen: 256, Enum: Controls},
}

// Config is one parsed, valid view: every field is inside its Rule.
type Config struct {
	Lang    string
	Alpha   float64
	Gamma   float64
	Ratio   int
	Size    int
	Seed    int
	LR      float64
	Thr     float64 // probability threshold of recall and precision
	Prior   bool
	Steps   int
	Step    int
	Changes []sim.Change
	LogY    bool
	Sec     int     // walkthrough section, 1 to 12
	PT      float64 // p_t of the draggable point in the walkthrough's cross-entropy figure
	NEasy   int     // easy examples in the walkthrough's calculator
	PTEasy  float64 // their p_t
	KHard   int     // hard examples in the calculator
	PTHard  float64 // their p_t
	Inverse bool    // apply the inverse focal transform to the FL model's scores in the walkthrough
	Speed   float64 // playback speed: frames arrive Speed times faster than live.FrameInterval

	// Teacher links: presenter mode (large type and thick lines for a projector), then
	// the controls not shown and those shown but not changeable, from Controls, nil when none.
	Present bool
	Hide    []string
	Lock    []string
}

// Notice reports a parameter that was missing its rule and what was used instead.
type Notice struct {
	Param string // the parameter name
	Raw   string // the value as received, made valid UTF-8 and cut to 64 bytes plus "…"
	Used  string // the value used in its place
	Rule  Rule
	// Reason is a message ID: "invalid" for unreadable values, "clamped" for values outside the range,
	// "repeated" for a parameter given more than once, "too_long" for over-long values.
	Reason string
}

// RuleByName returns the rule for a parameter name.
func RuleByName(name string) (Rule, bool) {
	for _, r := range Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// Default returns the Config of a link with no parameters.
func Default() Config {
	c, _ := Parse(url.Values{})
	return c
}

// Parse reads a Config from query values. It never fails: each unreadable or out-of-range
// value is replaced by the default or the nearest valid value and reported as a Notice.
// An empty value is unreadable, except for the change list. Unknown parameters are
// ignored. A repeated parameter uses its first value, except that a boolean sent as
// "0" then "1" is read as "1": an HTML form sends that pair for a checked box that has
// a hidden "0" fallback.
func Parse(q url.Values) (Config, []Notice) {
	var c Config
	var notices []Notice
	for _, r := range Rules {
		values := q[r.Name]
		if r.Kind == KindBool && len(values) == 2 && values[0] == "0" && values[1] == "1" {
			values = values[1:]
		}
		raw, present := "", len(values) > 0
		if present {
			raw = values[0]
		}
		if len(values) > 1 {
			notices = append(notices, Notice{Param: r.Name, Raw: shorten(strings.Join(values, ",")), Used: raw, Rule: r, Reason: "repeated"})
		}
		value, n := r.read(raw, present)
		if n != nil {
			notices = append(notices, *n)
		}
		c.set(r.Name, value)
	}
	if c.Step > c.Steps {
		stepRule, _ := RuleByName("step")
		used := strconv.Itoa(c.Steps)
		if i := slices.IndexFunc(notices, func(n Notice) bool { return n.Param == "step" }); i >= 0 {
			notices[i].Used = used // already reported as out of range; report the final value
		} else {
			notices = append(notices, Notice{Param: "step", Raw: strconv.Itoa(c.Step), Used: used, Rule: stepRule, Reason: "after_end"})
		}
		c.Step = c.Steps
	}
	if kept := dropLateChanges(c.Changes, c.Steps); len(kept) != len(c.Changes) {
		chRule, _ := RuleByName("ch")
		notices = append(notices, Notice{Param: "ch", Raw: shorten(FormatChanges(c.Changes)), Used: FormatChanges(kept), Rule: chRule, Reason: "late_changes"})
		c.Changes = kept
	}
	return c, notices
}

// read parses one raw value under the rule and returns its canonical text,
// plus a notice when the raw value was replaced.
func (r Rule) read(raw string, present bool) (string, *Notice) {
	if !present {
		return r.Default, nil
	}
	notice := func(used, reason string) (string, *Notice) {
		return used, &Notice{Param: r.Name, Raw: shorten(raw), Used: used, Rule: r, Reason: reason}
	}
	if raw == "" && r.Kind != KindChanges && r.Kind != KindList {
		return notice(r.Default, "invalid")
	}
	if len(raw) > r.MaxLen {
		return notice(r.Default, "too_long")
	}
	switch r.Kind {
	case KindEnum:
		for _, e := range r.Enum {
			if strings.EqualFold(raw, e) {
				return e, nil
			}
		}
		return notice(r.Default, "invalid")
	case KindBool:
		switch strings.ToLower(raw) {
		case "1", "true", "on", "yes":
			return "1", nil
		case "0", "false", "off", "no":
			return "0", nil
		}
		return notice(r.Default, "invalid")
	case KindList:
		used, ok := r.readList(raw)
		if !ok {
			return notice(used, "invalid")
		}
		return used, nil
	case KindChanges:
		changes, ok := ParseChanges(raw)
		used := FormatChanges(changes)
		if !ok {
			return notice(used, "invalid")
		}
		return used, nil
	}
	v, ok := ParseDecimal(raw)
	if !ok {
		return notice(r.Default, "invalid")
	}
	snapped := r.Snap(v)
	text := r.Format(snapped)
	if snapped != v && math.Abs(snapped-v) > 1e-9*math.Max(1, math.Abs(v)) {
		if v >= r.Min && v <= r.Max {
			return notice(text, "off_step")
		}
		return notice(text, "clamped")
	}
	return text, nil
}

// Snap clamps v into the rule's range and rounds it to the rule's step.
func (r Rule) Snap(v float64) float64 {
	v = math.Min(math.Max(v, r.Min), r.Max)
	if r.Step > 0 {
		// Count steps from Min so a range like 0.001..1 with step 0.001 stays on its grid.
		k := math.Round((v - r.Min) / r.Step)
		v = r.Min + k*r.Step
		v = math.Min(math.Max(v, r.Min), r.Max)
	}
	if r.Kind == KindInt {
		v = math.Round(v)
	}
	// Remove binary noise such as 0.30000000000000004 so links stay short and stable.
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'f', 6, 64), 64)
	if v == 0 {
		v = 0 // turns -0 into 0
	}
	return v
}

// Format writes a value that has been snapped to the rule in its shortest canonical text.
func (r Rule) Format(v float64) string {
	if r.Kind == KindInt {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// ParseDecimal accepts plain decimal numbers only: no hex floats, no underscores,
// no NaN or Inf, nothing that overflows float64.
func ParseDecimal(raw string) (float64, bool) {
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		isDigit := ch >= '0' && ch <= '9'
		if !isDigit && ch != '.' && ch != '-' && ch != '+' && ch != 'e' && ch != 'E' {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func (c *Config) set(name, value string) {
	atoi := func() int { v, _ := strconv.Atoi(value); return v }
	atof := func() float64 { v, _ := strconv.ParseFloat(value, 64); return v }
	switch name {
	case "lang":
		c.Lang = value
	case "alpha":
		c.Alpha = atof()
	case "gamma":
		c.Gamma = atof()
	case "ratio":
		c.Ratio = atoi()
	case "n":
		c.Size = atoi()
	case "seed":
		c.Seed = atoi()
	case "lr":
		c.LR = atof()
	case "thr":
		c.Thr = atof()
	case "prior":
		c.Prior = value == "1"
	case "steps":
		c.Steps = atoi()
	case "step":
		c.Step = atoi()
	case "ch":
		c.Changes, _ = ParseChanges(value)
	case "logy":
		c.LogY = value == "1"
	case "sec":
		c.Sec = atoi()
	case "pt":
		c.PT = atof()
	case "n_easy":
		c.NEasy = atoi()
	case "pt_easy":
		c.PTEasy = atof()
	case "k_hard":
		c.KHard = atoi()
	case "pt_hard":
		c.PTHard = atof()
	case "inv":
		c.Inverse = value == "1"
	case "speed":
		c.Speed = atof()
	case "present":
		c.Present = value == "1"
	case "hide":
		c.Hide = splitList(value)
	case "lock":
		c.Lock = splitList(value)
	}
}

// value returns the canonical text of one parameter.
func (c Config) value(name string) string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	r, _ := RuleByName(name)
	switch name {
	case "lang":
		return c.Lang
	case "alpha":
		return r.Format(c.Alpha)
	case "gamma":
		return r.Format(c.Gamma)
	case "ratio":
		return r.Format(float64(c.Ratio))
	case "n":
		return r.Format(float64(c.Size))
	case "seed":
		return r.Format(float64(c.Seed))
	case "lr":
		return r.Format(c.LR)
	case "thr":
		return r.Format(c.Thr)
	case "prior":
		return b(c.Prior)
	case "steps":
		return r.Format(float64(c.Steps))
	case "step":
		return r.Format(float64(c.Step))
	case "ch":
		return FormatChanges(c.Changes)
	case "logy":
		return b(c.LogY)
	case "sec":
		return r.Format(float64(c.Sec))
	case "pt":
		return r.Format(c.PT)
	case "n_easy":
		return r.Format(float64(c.NEasy))
	case "pt_easy":
		return r.Format(c.PTEasy)
	case "k_hard":
		return r.Format(float64(c.KHard))
	case "pt_hard":
		return r.Format(c.PTHard)
	case "inv":
		return b(c.Inverse)
	case "speed":
		return r.Format(c.Speed)
	case "present":
		return b(c.Present)
	case "hide":
		return strings.Join(c.Hide, ",")
	case "lock":
		return strings.Join(c.Lock, ",")
	}
	return ""
}

// Query writes the canonical query string: parameters in table order, defaults left
// out except lang. Parse(Query()) returns the same Config.
func (c Config) Query() string {
	var parts []string
	for _, r := range Rules {
		v := c.value(r.Name)
		// lang is written even at its default: without it the receiver's
		// Accept-Language would pick the language, and a Chinese link would open in English.
		if v == r.Default && r.Name != "lang" {
			continue
		}
		parts = append(parts, r.Name+"="+escape(v))
	}
	return strings.Join(parts, "&")
}

// RunQuery writes only the parameters that determine the training run, always all of
// them, so two links that describe the same run produce the same key.
func (c Config) RunQuery() string {
	var parts []string
	for _, r := range Rules {
		if r.Run {
			parts = append(parts, r.Name+"="+escape(c.value(r.Name)))
		}
	}
	return strings.Join(parts, "&")
}

// With returns the canonical query with one parameter replaced by a raw value.
func (c Config) With(name, value string) string {
	q := c.Values()
	q.Set(name, value)
	next, _ := Parse(q)
	return next.Query()
}

// Values returns every parameter's canonical value.
func (c Config) Values() url.Values {
	q := url.Values{}
	for _, r := range Rules {
		q.Set(r.Name, c.value(r.Name))
	}
	return q
}

// escape percent-encodes a value but keeps ':' and ',' readable, since change lists use them.
func escape(v string) string {
	s := url.QueryEscape(v)
	s = strings.ReplaceAll(s, "%3A", ":")
	return strings.ReplaceAll(s, "%2C", ",")
}

// TrainConfig returns the simulation settings of the view.
func (c Config) TrainConfig() sim.TrainConfig {
	return sim.TrainConfig{
		Data:      sim.DataConfig{Seed: uint64(c.Seed), Size: c.Size, Ratio: c.Ratio},
		Alpha:     c.Alpha,
		Gamma:     c.Gamma,
		LR:        c.LR,
		Prior:     c.Prior,
		Batch:     sim.DefaultBatch,
		Changes:   c.Changes,
		Threshold: c.Thr,
	}
}

// shorten replaces invalid UTF-8 in a raw value and cuts it for display in a notice to
// at most 64 bytes, ending on a whole character, plus "…".
func shorten(raw string) string {
	const limit = 64
	raw = strings.ToValidUTF8(raw, "�")
	if len(raw) <= limit {
		return raw
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return raw[:cut] + "…"
}
