package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseControlLists(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		wantHide    []string
		wantReasons []string
	}{
		{"none", "", nil, nil},
		{"empty means none", "hide=", nil, nil},
		{"one", "hide=alpha", []string{"alpha"}, nil},
		{"written in table order", "hide=lr,alpha", []string{"alpha", "lr"}, nil},
		{"repeats dropped", "hide=lr,alpha,lr", []string{"alpha", "lr"}, nil},
		{"case ignored", "hide=Alpha,LR", []string{"alpha", "lr"}, nil},
		{"unknown name dropped", "hide=alpha,beta", []string{"alpha"}, []string{"invalid"}},
		{"empty item dropped", "hide=alpha,,lr", []string{"alpha", "lr"}, []string{"invalid"}},
		{"only unknown", "hide=%3Cscript%3E", nil, []string{"invalid"}},
		{"too long", "hide=" + strings.Repeat("alpha,", 60), nil, []string{"too_long"}},
		{"every control", "hide=" + strings.Join(Controls, ","), Controls, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, notices := Parse(mustParseQuery(t, tt.query))
			if !reflect.DeepEqual(c.Hide, tt.wantHide) {
				t.Errorf("Hide = %q, want %q", c.Hide, tt.wantHide)
			}
			if got := reasons(noticesFor(notices, "hide")); !slices.Equal(got, tt.wantReasons) {
				t.Errorf("hide notices = %q, want %q", got, tt.wantReasons)
			}
		})
	}
}

func TestTeacherLinkRoundTrip(t *testing.T) {
	q := "lang=en&alpha=0.5&speed=2&present=1&hide=lr,alpha&lock=gamma,presets"
	c, notices := Parse(mustParseQuery(t, q))
	if len(notices) != 0 {
		t.Fatalf("Parse(%q) notices = %q, want none", q, reasons(notices))
	}
	want := "lang=en&alpha=0.5&speed=2&present=1&hide=alpha,lr&lock=gamma,presets"
	if got := c.Query(); got != want {
		t.Errorf("Query() = %q, want %q", got, want)
	}
	back, _ := Parse(mustParseQuery(t, c.Query()))
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip = %+v, want %+v", back, c)
	}
	if !strings.Contains(c.RunQuery(), "alpha=0.5") {
		t.Errorf("RunQuery() = %q lost alpha", c.RunQuery())
	}
	for _, view := range []string{"present", "hide", "lock", "speed"} {
		if strings.Contains(c.RunQuery(), view+"=") {
			t.Errorf("RunQuery() = %q carries the view parameter %s", c.RunQuery(), view)
		}
	}
}

func TestHiddenAndLocked(t *testing.T) {
	c, _ := Parse(mustParseQuery(t, "hide=alpha&lock=gamma"))
	tests := []struct {
		control              string
		wantHidden, wantLock bool
	}{
		{"alpha", true, true}, // a hidden control cannot be changed either
		{"gamma", false, true},
		{"lr", false, false},
	}
	for _, tt := range tests {
		if got := c.Hidden(tt.control); got != tt.wantHidden {
			t.Errorf("Hidden(%q) = %v, want %v", tt.control, got, tt.wantHidden)
		}
		if got := c.Locked(tt.control); got != tt.wantLock {
			t.Errorf("Locked(%q) = %v, want %v", tt.control, got, tt.wantLock)
		}
	}
}

func TestControlsHaveRules(t *testing.T) {
	for _, name := range Controls {
		if name == "presets" {
			continue // the preset row sets several parameters, so it has no rule of its own
		}
		if _, ok := RuleByName(name); !ok {
			t.Errorf("control %q has no rule in Rules", name)
		}
	}
}
