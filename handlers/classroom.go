package handlers

import (
	"net/url"
	"slices"
	"strconv"

	"focallab/config"
	"focallab/i18n"
	"focallab/views"
)

// preset is one of the page's preset links. Presets 1 to 4 set α and γ and keep the
// data of the current link; the haystack preset also sets the data.
type preset struct {
	key    string // the keyboard shortcut
	id     string // messages cls_preset_<id> and cls_preset_<id>_title
	values map[string]string
}

// presets are the page's five presets in key order. The first is the default of Lin et
// al. 2017, "Focal Loss for Dense Object Detection" (α 0.25, γ 2). The second is the best
// α-balanced CE of their Table 1a (γ 0, α 0.75, AP 31.1). The third has no weighting at
// all. The fourth has γ 5, the largest γ of their Figure 1, which the article warns
// focuses too much. The last is a haystack in the spirit of the article's one needle
// among 999,999 easy negatives: 1 : 10,000 over the largest training set (20 needles),
// a decision threshold of p ≥ 0.1 and a logarithmic loss axis so that the tiny losses of
// easy negatives show. At 1 : 100,000 the training set would hold only the 10-needle
// minimum, and on seeds 1–3 neither model then beat the other reliably; at 1 : 10,000
// the FL model's AP and recall were ahead of CE's on seeds 1–3 after 1,000 steps.
var presets = []preset{
	{"1", "paper", map[string]string{"alpha": "0.25", "gamma": "2"}},
	{"2", "balanced", map[string]string{"alpha": "0.75", "gamma": "0"}},
	{"3", "unweighted", map[string]string{"alpha": "0.5", "gamma": "0"}},
	{"4", "too_much", map[string]string{"alpha": "0.25", "gamma": "5"}},
	{"5", "haystack", map[string]string{"alpha": "0.25", "gamma": "2", "ratio": "10000", "n": "200000", "thr": "0.1", "logy": "1"}},
}

// presetConfig returns cfg with the preset applied, at step 0 and without mid-run changes.
func presetConfig(cfg config.Config, p preset) config.Config {
	q := cfg.Values()
	for name, value := range p.values {
		q.Set(name, value)
	}
	q.Set("step", "0")
	q.Set("ch", "")
	next, _ := config.Parse(q)
	return next
}

// isPresetOf reports whether cfg shows the preset: its values at step 0 with no changes.
func isPresetOf(cfg config.Config, p preset) bool {
	if cfg.Step != 0 || len(cfg.Changes) != 0 {
		return false
	}
	q := cfg.Values()
	for name, value := range p.values {
		if q.Get(name) != value {
			return false
		}
	}
	return true
}

// presetLocked reports whether the preset would change a control the link locks or hides.
func presetLocked(cfg config.Config, p preset) bool {
	if cfg.Locked("presets") {
		return true
	}
	for name := range p.values {
		if cfg.Locked(name) {
			return true
		}
	}
	return false
}

// access returns how the link lets the viewer use a control.
func access(cfg config.Config, control string, loc *i18n.Localizer) views.Access {
	return views.Access{Hidden: cfg.Hidden(control), Locked: cfg.Locked(control), LockNote: loc.T("cls_locked")}
}

// addClassroom fills in what the page shows for teaching. base is the absolute URL of
// the site root, ending in "/".
func addClassroom(p *views.Page, cfg config.Config, base string, loc *i18n.Localizer) {
	p.Alpha.Access = access(cfg, "alpha", loc)
	p.Gamma.Access = access(cfg, "gamma", loc)
	p.Ratio.Access = access(cfg, "ratio", loc)
	p.Size.Access = access(cfg, "n", loc)
	p.Seed.Access = access(cfg, "seed", loc)
	p.LR.Access = access(cfg, "lr", loc)
	p.StepsField.Access = access(cfg, "steps", loc)
	p.Thr.Access = access(cfg, "thr", loc)

	query := cfg.Query()
	cl := views.Classroom{
		Present:         cfg.Present,
		PresentLabel:    loc.T("cls_present"),
		PresetsAccess:   access(cfg, "presets", loc),
		Speed:           speedSlider(cfg, loc),
		LossGroupHidden: allHidden(cfg, "alpha", "gamma", "logy"),
		DataGroupHidden: allHidden(cfg, "ratio", "n", "seed", "lr", "steps", "thr", "prior"),
		Checks:          map[string]views.Access{"logy": access(cfg, "logy", loc), "prior": access(cfg, "prior", loc)},
		Meta:            previewMetaFor(cfg, base+"?"+query, base, loc),
	}
	if cfg.Present {
		cl.PresentLabel = loc.T("cls_present_exit")
	}
	cl.Client = views.ClassroomClient{Present: cfg.Present, Presets: map[string]string{}, Text: classroomText(loc)}
	for _, name := range config.Controls {
		if cfg.Locked(name) {
			cl.Client.Locked = append(cl.Client.Locked, name)
		}
		cl.ShareControls = append(cl.ShareControls, views.ShareControl{Name: name, Label: controlLabel(name, loc)})
	}

	for _, pr := range presets {
		link := views.PresetLink{
			Key: pr.key, Label: loc.T("cls_preset_" + pr.id), Title: loc.T("cls_preset_" + pr.id + "_title"),
			Href: "/?" + presetConfig(cfg, pr).Query(), Current: isPresetOf(cfg, pr), Disabled: presetLocked(cfg, pr),
		}
		cl.Presets = append(cl.Presets, link)
		if !link.Disabled {
			cl.Client.Presets[pr.key] = link.Href
		}
	}

	for _, kind := range []string{"history", "data", "run"} {
		cl.Exports = append(cl.Exports, views.ExportLink{
			Kind: kind, Label: loc.T("cls_export_" + kind),
			Href: exportPaths[kind] + "?" + query, Filename: exportFilename(kind, cfg),
		})
	}
	if host := loopbackHost(base); host != "" {
		cl.ShareWarning = &views.ShareWarning{
			Title:   loc.T("cls_share_loopback_title"),
			Text:    loc.T("cls_share_loopback_text", map[string]any{"Host": host}),
			Command: classroomServeCommand,
		}
	}
	cl.Shortcuts = shortcuts(loc)
	p.Classroom = cl
}

// classroomServeCommand starts the app from a checkout so that other devices on the
// network can reach it: -addr 0.0.0.0 listens on every interface, not only loopback.
const classroomServeCommand = "go run . -addr 0.0.0.0:8080"

func allHidden(cfg config.Config, controls ...string) bool {
	return !slices.ContainsFunc(controls, func(name string) bool { return !cfg.Hidden(name) })
}

func speedSlider(cfg config.Config, loc *i18n.Localizer) views.Slider {
	r, _ := config.RuleByName("speed")
	text := r.Format(cfg.Speed)
	return views.Slider{
		Name: "speed", Label: loc.T("cls_speed"),
		Min: r.Format(r.Min), Max: r.Format(r.Max), Step: r.Format(r.Step), Value: text,
		ValueText: loc.T("cls_speed_valuetext", map[string]any{"Value": text}),
		Access:    access(cfg, "speed", loc),
	}
}

// controlLabel names a control in the teacher-link dialog.
func controlLabel(name string, loc *i18n.Localizer) string {
	switch name {
	case "presets":
		return loc.T("cls_presets_label")
	case "speed":
		return loc.T("cls_speed")
	}
	return loc.T("control_" + name)
}

func shortcuts(loc *i18n.Localizer) []views.Shortcut {
	return []views.Shortcut{
		{Keys: []string{loc.T("cls_key_space")}, Text: loc.T("cls_shortcut_play")},
		{Keys: []string{"→"}, Text: loc.T("cls_shortcut_step")},
		{Keys: []string{"R"}, Text: loc.T("cls_shortcut_reset")},
		{Keys: []string{"[", "]"}, Text: loc.T("cls_shortcut_gamma")},
		{Keys: []string{"1", "2", "3", "4", "5"}, Text: loc.T("cls_shortcut_presets")},
		{Keys: []string{"P"}, Text: loc.T("cls_shortcut_present")},
		{Keys: []string{"F"}, Text: loc.T("cls_shortcut_fullscreen")},
		{Keys: []string{"?"}, Text: loc.T("cls_shortcut_help")},
		{Keys: []string{"Esc"}, Text: loc.T("cls_shortcut_close")},
	}
}

// classroomText holds the classroom script's messages. {name} marks a value the
// script fills in.
func classroomText(loc *i18n.Localizer) map[string]string {
	ids := []string{
		"cls_present", "cls_present_exit", "cls_more_settings", "cls_fewer_settings",
		"cls_png", "cls_png_label", "cls_table", "cls_copied", "cls_copy_failed", "cls_qr_failed", "cls_share_qr_alt",
		"cls_locked_gamma", "cls_locked_preset",
		"cls_table_pt", "cls_table_step", "cls_table_x", "cls_table_y", "cls_table_heat_caption", "cls_table_points",
		"cls_table_series", "cls_table_count",
	}
	text := make(map[string]string, len(ids)+6)
	for _, id := range ids {
		text[id] = loc.T(id)
	}
	text["cls_speed_valuetext"] = loc.T("cls_speed_valuetext", map[string]any{"Value": "{value}"})
	text["cls_aria_loss"] = loc.T("cls_aria_loss", map[string]any{"Alpha": "{alpha}", "Gamma": "{gamma}"})
	text["cls_aria_mod"] = loc.T("cls_aria_mod", map[string]any{"Gamma": "{gamma}"})
	text["cls_aria_train"] = loc.T("cls_aria_train", map[string]any{"Step": "{step}", "Steps": "{steps}"})
	text["cls_aria_haystack"] = loc.T("cls_aria_haystack")
	text["cls_table_caption"] = loc.T("cls_table_caption", map[string]any{"Title": "{title}"})
	return text
}

// previewMetaFor builds the link-preview tags of a page at pageURL.
func previewMetaFor(cfg config.Config, pageURL, base string, loc *i18n.Localizer) views.Meta {
	data := map[string]any{
		"Alpha": strconv.FormatFloat(cfg.Alpha, 'f', -1, 64),
		"Gamma": strconv.FormatFloat(cfg.Gamma, 'f', -1, 64),
		"Ratio": i18n.GroupDigits(cfg.Ratio),
	}
	locale := "zh_CN"
	if cfg.Lang == "en" {
		locale = "en_US"
	}
	return views.Meta{
		Title:       loc.T("cls_meta_title", data),
		Description: loc.T("cls_meta_description", data),
		URL:         pageURL,
		Image:       base + "preview.png?" + previewQuery(cfg),
		ImageAlt:    loc.T("cls_meta_image_alt", data),
		Locale:      locale,
	}
}

// previewQuery keeps the parameters the preview image draws, so every link with the
// same α, γ and ratio shares one cached image.
func previewQuery(cfg config.Config) string {
	q := url.Values{}
	q.Set("alpha", strconv.FormatFloat(cfg.Alpha, 'f', -1, 64))
	q.Set("gamma", strconv.FormatFloat(cfg.Gamma, 'f', -1, 64))
	q.Set("ratio", strconv.Itoa(cfg.Ratio))
	return q.Encode()
}
