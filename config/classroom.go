package config

import "strings"

// Controls are the names a teacher link may list in hide and lock: the page's controls,
// named after the parameter each one sets, plus "presets" for the row of preset links.
// The order is the order in which lists are written.
var Controls = []string{"alpha", "gamma", "logy", "ratio", "n", "seed", "lr", "steps", "thr", "prior", "speed", "presets"}

// readList reads a comma list of names from r.Enum, matched without regard to case.
// It returns the known names in Enum order without repeats; ok is false when any item
// was unknown or empty, so the caller can tell the user which value was used instead.
func (r Rule) readList(raw string) (used string, ok bool) {
	ok = true
	seen := make(map[string]bool, len(r.Enum))
	if raw != "" {
		for _, item := range strings.Split(raw, ",") {
			found := false
			for _, name := range r.Enum {
				if strings.EqualFold(strings.TrimSpace(item), name) {
					seen[name], found = true, true
				}
			}
			ok = ok && found
		}
	}
	var names []string
	for _, name := range r.Enum {
		if seen[name] {
			names = append(names, name)
		}
	}
	return strings.Join(names, ","), ok
}

// splitList turns a canonical list into its names; the empty list is nil, so a parsed
// Config compares equal to the Config of its own canonical query.
func splitList(value string) []string {
	if value == "" {
		return nil
	}
	return strings.Split(value, ",")
}

// Hidden reports whether a teacher link hides the control.
func (c Config) Hidden(control string) bool {
	for _, name := range c.Hide {
		if name == control {
			return true
		}
	}
	return false
}

// Locked reports whether the control cannot be changed: a teacher link locks it or hides it.
func (c Config) Locked(control string) bool {
	if c.Hidden(control) {
		return true
	}
	for _, name := range c.Lock {
		if name == control {
			return true
		}
	}
	return false
}
