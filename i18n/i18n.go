// Package i18n holds Focal Lab's screen text in zh-CN (the default) and English and
// picks the language of a request.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Languages are the supported languages, default first, as written in links.
var Languages = []string{"zh-CN", "en"}

var (
	bundle  = mustLoadBundle()
	matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})
)

// mustLoadBundle reads every embedded locales/<name>.<lang>.json file. Each feature
// keeps its messages in its own pair of files (app, walk, ...); message IDs must be
// unique across all files of a language.
func mustLoadBundle() *goi18n.Bundle {
	b := goi18n.NewBundle(language.SimplifiedChinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	names, err := fs.Glob(localeFiles, "locales/*.json")
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("i18n: no embedded locale files (%v)", err))
	}
	for _, name := range names {
		data, err := localeFiles.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("i18n: read embedded %s: %v", name, err))
		}
		if _, err := b.ParseMessageFileBytes(data, name); err != nil {
			panic(fmt.Sprintf("i18n: parse %s: %v", name, err))
		}
	}
	return b
}

// Negotiate returns "zh-CN" or "en": the lang parameter when it names one of them,
// else the best match for the Accept-Language header, else zh-CN.
func Negotiate(langParam, acceptLanguage string) string {
	for _, l := range Languages {
		if langParam == l {
			return l
		}
	}
	if acceptLanguage == "" {
		return Languages[0]
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	_, index, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return Languages[0]
	}
	return Languages[index]
}

// Localizer translates message IDs into one language.
type Localizer struct {
	Lang string
	l    *goi18n.Localizer
}

// New returns a Localizer for "zh-CN" or "en"; any other value gives zh-CN.
func New(lang string) *Localizer {
	if lang != "en" {
		lang = "zh-CN"
	}
	return &Localizer{Lang: lang, l: goi18n.NewLocalizer(bundle, lang)}
}

// T returns the message with the given ID, filling {{.Name}} fields from data.
// A missing message is logged and its ID returned, so a gap shows on screen instead of failing the page.
func (l *Localizer) T(id string, data ...map[string]any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	s, err := l.l.Localize(cfg)
	if err != nil {
		slog.Warn("missing translation", "id", id, "lang", l.Lang, "err", err)
		return id
	}
	return s
}

// IsEnglish reports whether the localizer writes English.
func (l *Localizer) IsEnglish() bool { return l.Lang == "en" }

// MessageIDs returns the IDs defined for a language across all locale files, for
// tests that compare the languages.
func MessageIDs(lang string) ([]string, error) {
	names, err := fs.Glob(localeFiles, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, name := range names {
		data, err := localeFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for id := range m {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// GroupDigits writes an integer with grouping commas, as both zh-CN and English write them: 100000 → "100,000".
func GroupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
