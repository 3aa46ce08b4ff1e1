package views

import "focallab/i18n"

// Page is everything the main page shows, already computed and formatted.
type Page struct {
	Loc   *i18n.Localizer
	Lang  string
	Query string // canonical query of the view, without "?"

	LangSwitchHref string // the same view in the other language
	LangSwitchText string
	LangSwitchCode string
	CopyHref       string // the absolute link of the view

	Notices []string
	// NoticesOther repeats Notices in OtherLang, so a notice reads in both languages.
	NoticesOther []string
	OtherLang    string

	Alpha, Gamma   Slider
	Ratio          Select
	Size, Seed, LR NumberField
	Thr            NumberField
	StepsField     NumberField
	Prior, LogY    bool

	Readouts       []Readout
	Data           DataSummary
	Metrics        []MetricRow // CE and FL, at the current step
	MetricsCaption string
	Step           int
	Steps          int

	LossChart, ModChart, HaystackChart, TrainChart map[string]any
	Client                                         ClientConfig
	Classroom                                      Classroom // presenter mode, teacher links, presets, export
}

// Slider is a range input with its shown value.
type Slider struct {
	Name, Label, Hint     string
	Min, Max, Step, Value string
	ValueText             string // aria-valuetext in the page's language
	Access
}

// Select is a drop-down of allowed values.
type Select struct {
	Name, Label, Hint string
	Options           []Option
	Access
}

// Option is one choice of a Select.
type Option struct {
	Value, Text string
	Selected    bool
}

// NumberField is a numeric input.
type NumberField struct {
	Name, Label, Hint     string
	Min, Max, Step, Value string
	Access
}

// Readout is one row of the modulating-factor table.
type Readout struct {
	PT, Factor, RatioGamma, RatioPositive, RatioNegative string
}

// DataSummary describes the generated data in words and counts.
type DataSummary struct {
	Text string
}

// MetricRow is one model's held-out metrics, formatted ("—" where undefined).
type MetricRow struct {
	Model, Loss, Recall, Precision, AP, AUC string
}

// ClientConfig is handed to the page script as JSON.
type ClientConfig struct {
	Step       int               `json:"step"`
	Steps      int               `json:"steps"`
	Query      string            `json:"query"`
	Lang       string            `json:"lang"`
	Changes    string            `json:"changes"`
	StartAlpha float64           `json:"startAlpha"`
	StartGamma float64           `json:"startGamma"`
	Text       map[string]string `json:"text"`
}

// ErrorPage is a full-page error in both languages.
type ErrorPage struct {
	Lang      string
	Status    int
	MessageZh string
	MessageEn string
	HomeHref  string
}
