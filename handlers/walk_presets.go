package handlers

import (
	"strings"

	"focallab/charts"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// Section 12 of the walkthrough: the article's application fields as presets.

// walkPreset is an application card of section 12: an imbalance chosen to
// illustrate the domain, not measured in it, and a training size that keeps
// at least ten positives.
type walkPreset struct {
	key   string // message IDs walk_s12_<key>_title and _text
	ratio int
	size  int
}

var walkPresets = []walkPreset{
	{"medical", 1000, 50000},
	{"fraud", 1000, 200000},
	{"satellite", 3000, 100000},
	{"detection", 10000, 200000},
	{"genomics", 100000, 200000},
	{"language", 100, 20000},
	{"fusion", 300, 20000},
}

// sectionApplications is section 12: the article's application domains as
// presets.
func (b *walkBuilder) sectionApplications() (views.WalkSection, error) {
	loc := b.loc
	var cards []views.WalkCard
	var bars []charts.PresetBar
	fewest := 0
	positives := make([]int, len(walkPresets))
	var choices []string
	for i, p := range walkPresets {
		c := b.cfg
		c.Ratio, c.Size, c.Step, c.Changes = p.ratio, p.size, 0, nil
		pos, neg := sim.TrainCounts(c.TrainConfig().Data)
		positives[i] = pos
		if pos < positives[fewest] {
			fewest = i
		}

		title := loc.T("walk_s12_" + p.key + "_title")
		main := "/"
		if q := walkOnlyDefaults(c).Query(); q != "" {
			main += "?" + q
		}
		cards = append(cards, views.WalkCard{
			Title: title, Text: loc.T("walk_s12_" + p.key + "_text"),
			Stats: loc.T("walk_s12_stats", map[string]any{
				"Ratio": i18n.GroupDigits(p.ratio), "Size": i18n.GroupDigits(p.size), "Pos": i18n.GroupDigits(pos),
				"Actual": ratioText(float64(neg) / float64(pos)),
			}),
			LearnHref: walkHref(c, 1), MainHref: main, Ratio: p.ratio, Size: p.size,
		})
		bars = append(bars, charts.PresetBar{Label: title, Ratio: p.ratio, Positives: pos})
		choices = append(choices, title)
	}

	// Every preset with the fewest needles is a correct choice.
	var correct []int
	var titles []string
	for i, pos := range positives {
		if pos == positives[fewest] {
			correct = append(correct, i)
			titles = append(titles, choices[i])
		}
	}

	// The revealed result explains when the ratio alone would leave fewer
	// than sim.MinPositives needles, the floor that the data generator applies.
	p := walkPresets[fewest]
	byRatio := float64(p.size) / float64(p.ratio+1)
	answer := map[string]any{"Title": strings.Join(titles, loc.T("walk_list_sep")), "Pos": positives[fewest], "ByRatio": formatSig(byRatio, 3), "Min": sim.MinPositives}
	answerID := "walk_s12_q_answer"
	if byRatio < sim.MinPositives {
		answerID = "walk_s12_q_answer_raised"
	}

	return views.WalkSection{
		Lead:   b.paragraphs("walk_s12_lead", 2),
		Charts: []views.WalkChart{{ID: "c-s12-presets", Label: loc.T("walk_chart_presets"), Option: charts.Presets(bars, loc)}},
		Cards:  cards,
		Question: views.WalkQuestion{
			Prompt: loc.T("walk_s12_q"), Choices: choices, Correct: correct, Answer: loc.T(answerID, answer),
		},
	}, nil
}
