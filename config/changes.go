package config

import (
	"slices"
	"strconv"
	"strings"

	"focallab/sim"
)

// ParseChanges reads a mid-run change list such as "120:g1.5,300:a0.4": at step 120
// γ becomes 1.5, at step 300 α becomes 0.4. Entries are sorted by step; values are
// snapped to the α and γ rules; at most MaxChanges entries are kept. ok is false when
// any entry was unreadable or dropped, so the caller can tell the user.
func ParseChanges(raw string) (changes []sim.Change, ok bool) {
	ok = true
	if raw == "" {
		return nil, true
	}
	stepRule, _ := RuleByName("step")
	for _, item := range strings.Split(raw, ",") {
		if len(changes) == MaxChanges {
			ok = false
			break
		}
		stepText, rest, found := strings.Cut(item, ":")
		if !found || len(rest) < 2 {
			ok = false
			continue
		}
		stepValue, stepOK := ParseDecimal(stepText)
		value, valueOK := ParseDecimal(rest[1:])
		rule, ruleOK := changeRule(rest[0])
		if !stepOK || !valueOK || !ruleOK || stepValue < 1 || stepValue > stepRule.Max || stepValue != float64(int(stepValue)) {
			ok = false
			continue
		}
		snapped := rule.Snap(value)
		if snapped != value {
			ok = false
		}
		changes = append(changes, sim.Change{Step: int(stepValue), Param: rest[0], Value: snapped})
	}
	slices.SortStableFunc(changes, func(a, b sim.Change) int { return a.Step - b.Step })
	// Two changes of one parameter at one step: the later one in the link wins, as it
	// would when applied in order, and the list is reported so the link can be fixed.
	deduped := changes[:0]
	for i, ch := range changes {
		if i+1 < len(changes) && changes[i+1].Step == ch.Step && changes[i+1].Param == ch.Param {
			ok = false
			continue
		}
		if j := slices.IndexFunc(changes[i+1:], func(o sim.Change) bool { return o.Step == ch.Step && o.Param == ch.Param }); j >= 0 {
			ok = false
			continue
		}
		deduped = append(deduped, ch)
	}
	return deduped, ok
}

// FormatChanges writes a change list in the form ParseChanges reads.
func FormatChanges(changes []sim.Change) string {
	parts := make([]string, 0, len(changes))
	for _, ch := range changes {
		rule, _ := changeRule(ch.Param)
		parts = append(parts, strconv.Itoa(ch.Step)+":"+string(ch.Param)+rule.Format(ch.Value))
	}
	return strings.Join(parts, ",")
}

func changeRule(param byte) (Rule, bool) {
	switch param {
	case 'a':
		return RuleByName("alpha")
	case 'g':
		return RuleByName("gamma")
	}
	return Rule{}, false
}

// dropLateChanges removes changes after the last step of the run; they could never apply.
func dropLateChanges(changes []sim.Change, steps int) []sim.Change {
	kept := changes[:0:0]
	for _, ch := range changes {
		if ch.Step <= steps {
			kept = append(kept, ch)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// InForce returns the FL model's α and γ for training step `step`: the start values
// with every change at or before that step applied.
func (c Config) InForce(step int) (alpha, gamma float64) {
	alpha, gamma = c.Alpha, c.Gamma
	for _, ch := range c.Changes {
		if ch.Step > step {
			break
		}
		if ch.Param == 'a' {
			alpha = ch.Value
		} else {
			gamma = ch.Value
		}
	}
	return alpha, gamma
}
