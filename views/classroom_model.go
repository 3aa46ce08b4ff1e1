package views

// Access is the use that a teacher link allows of one control.
type Access struct {
	Hidden   bool   // the control is not shown; its value still applies
	Locked   bool   // the control is shown but disabled (also true when Hidden)
	LockNote string // shown beside a locked control's label
}

// Classroom is the teaching part of the page: presenter mode, presets, the speed control,
// exports, the teacher-link dialog and the keyboard help.
type Classroom struct {
	Present      bool
	PresentLabel string // the presenter button's label: turn presenter mode on, or leave it

	Presets       []PresetLink
	PresetsAccess Access

	Speed Slider

	Exports []ExportLink

	ShareControls []ShareControl
	// ShareWarning is set when the page was opened at a loopback address, which the
	// teacher link and its QR code then contain, so students cannot open them.
	ShareWarning *ShareWarning
	Shortcuts    []Shortcut

	// LossGroupHidden and DataGroupHidden are true when a teacher link hides every
	// control of the group, so its empty frame is not shown either.
	LossGroupHidden, DataGroupHidden bool
	// Checks are the access of the logy and prior check boxes, which have no view model of their own.
	Checks map[string]Access

	Client ClassroomClient
	Meta   Meta
}

// PresetLink is one preset: a link that sets α, γ and sometimes the data.
type PresetLink struct {
	Key      string // "1" to "5", the keyboard shortcut
	Label    string
	Title    string // description of the preset, for the tooltip and screen readers
	Href     string
	Current  bool // the page already shows this preset
	Disabled bool // the preset would change a locked or hidden control
}

// ExportLink is a file the page offers for download.
type ExportLink struct {
	Kind     string // "history", "data" or "run"
	Label    string
	Href     string
	Filename string
}

// ShareControl is one row of the teacher-link dialog.
type ShareControl struct {
	Name  string // a config.Controls name
	Label string
}

// ShareWarning is the teacher-link dialog's notice that the link names this computer
// only, with the command that serves a class instead.
type ShareWarning struct {
	Title   string
	Text    string
	Command string // the shell command that serves the app on every network interface
}

// Shortcut is one line of the keyboard help.
type Shortcut struct {
	Keys []string
	Text string
}

// ClassroomClient is handed to the classroom script as JSON.
type ClassroomClient struct {
	Present bool              `json:"present"`
	Locked  []string          `json:"locked"` // every hidden or locked control
	Presets map[string]string `json:"presets"`
	Text    map[string]string `json:"text"`
}

// Meta is the content of a link preview: Open Graph and Twitter card tags.
type Meta struct {
	Title       string
	Description string
	URL         string // absolute URL of the page
	Image       string // absolute URL of the preview image
	ImageAlt    string
	Locale      string // Open Graph locale, such as zh_CN
}

// EmbedPage is one figure with its own controls, for an iframe.
type EmbedPage struct {
	Lang     string
	Title    string
	Figure   string // "loss", "modulating", "haystack" or "training"
	Page     Page   // the full page's view model; the embed shows a part of it
	FullHref string // the same view in the full app
	FullText string
	Meta     Meta
}
