package views

import (
	"strconv"
	"strings"

	"focallab/i18n"
)

// WalkPage is everything the walkthrough at /learn shows, already computed
// and formatted.
type WalkPage struct {
	Loc   *i18n.Localizer
	Lang  string
	Query string // canonical query of the view, without "?"

	MainHref       string // the main page with the same parameters
	LangSwitchHref string // the same view in the other language
	LangSwitchText string
	LangSwitchCode string
	CopyHref       string // the absolute link of the view

	Notices      []string
	Alpha, Gamma Slider
	Intro        []string // paragraphs above the table of contents
	Contents     []WalkLink
	Sections     []WalkSection
	Current      int // the section the link names, 1 to 12

	Client WalkClient
}

// WalkLink is an entry of the table of contents or a previous/next link.
type WalkLink struct {
	Num   int    `json:"num"`
	Title string `json:"title"`
	Href  string `json:"href"`
}

// WalkSection is one section of the walkthrough. /api/learn returns it as
// JSON, and the page script replaces the section's figures, tables, notes and
// question with that.
type WalkSection struct {
	Num     int    `json:"num"`
	Anchor  string `json:"anchor"` // element id, "s1" to "s12"
	Title   string `json:"title"`
	Href    string `json:"href"`    // link that restores this section and every parameter
	Article string `json:"article"` // the article's section on the topic
	// Lead holds the explanation, one paragraph per entry.
	Lead []string `json:"lead"`
	// Notes are sentences about the computed numbers, one paragraph each.
	Notes    []string       `json:"notes"`
	Inputs   []WalkInput    `json:"-"`
	Charts   []WalkChart    `json:"charts"`
	Tables   []WalkTable    `json:"tables"`
	Cards    []WalkCard     `json:"-"`
	Question WalkQuestion   `json:"question"`
	Pending  bool           `json:"pending"` // the figures are still being computed
	Prev     *WalkLink      `json:"-"`
	Next     *WalkLink      `json:"-"`
	Extra    map[string]any `json:"extra,omitempty"` // data for the page script, such as the p_t lookup of section 2
}

// WalkInput is a control that belongs to one section.
type WalkInput struct {
	Name                  string // query parameter, or a helper name such as "n_easy_log"
	Kind                  string // "range", "number" or "checkbox"
	Label                 string
	Hint                  string
	Min, Max, Step, Value string
	Checked               bool
	// LogOf names the number input that a logarithmic range input drives: the
	// slider holds log10 of the value.
	LogOf string
}

// WalkChart is one figure with its ECharts option.
type WalkChart struct {
	ID     string         `json:"id"`
	Label  string         `json:"label"`
	Option map[string]any `json:"option"`
	Tall   bool           `json:"tall"`
}

// WalkTable is a table of readouts. The first cell of each row is its header.
type WalkTable struct {
	ID      string     `json:"id"`
	Caption string     `json:"caption"`
	Head    []string   `json:"head"`
	Rows    [][]string `json:"rows"`
}

// WalkCard is an application preset of section 12.
type WalkCard struct {
	Title, Text, Stats  string
	LearnHref, MainHref string
	// Ratio and Size are the preset's ratio and n, which the page script
	// writes into the links when α or γ moves.
	Ratio, Size int
}

// WalkQuestion is the prediction question at the end of a section.
type WalkQuestion struct {
	Prompt  string   `json:"prompt"`
	Choices []string `json:"choices"`
	// Correct lists the indices of the choices that the computed result
	// supports: more than one where choices tie, none while it is pending.
	Correct []int  `json:"correct"`
	Answer  string `json:"answer"`
}

// CorrectAttr returns Correct as a comma list for the data-correct attribute.
func (q WalkQuestion) CorrectAttr() string {
	parts := make([]string, len(q.Correct))
	for i, c := range q.Correct {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

// WalkClient is handed to the walkthrough script as JSON.
type WalkClient struct {
	Query string            `json:"query"`
	Lang  string            `json:"lang"`
	Text  map[string]string `json:"text"`
	// Defaults maps every link parameter to its default, which links leave out.
	Defaults map[string]string `json:"defaults"`
	// WalkOnly lists the parameters that links to the main page leave out.
	WalkOnly []string `json:"walkOnly"`
}

// LearnHref returns the link to the walkthrough with the canonical query of a
// view (without "?"), for the main page's header.
func LearnHref(query string) string {
	if query == "" {
		return "/learn"
	}
	return "/learn?" + query
}
