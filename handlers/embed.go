package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"focallab/config"
	"focallab/i18n"
	"focallab/views"
)

// embedFigures maps each /embed/<figure> to the message ID of its title.
var embedFigures = map[string]string{
	"loss":       "chart_loss_title",
	"modulating": "chart_mod_title",
	"haystack":   "chart_haystack_title",
	"training":   "chart_train_title",
}

// embedPathPrefix starts the paths of embeddable figures, the only pages other sites may frame.
const embedPathPrefix = "/embed/"

// embedFrameAncestors is the CSP frame-ancestors source list of embed pages: any site
// may show a figure in an iframe, since the figures hold nothing private.
const embedFrameAncestors = "*"

// embed renders one figure with its own controls, for an iframe in an article or slides.
// GET /embed/<figure>?<link parameters>.
func (a *App) embed(c echo.Context) error {
	figure := c.Param("figure")
	titleID, ok := embedFigures[figure]
	if !ok {
		return newError(http.StatusNotFound, "", "cls_error_figure", map[string]any{"Figure": shortRaw(figure), "Known": "loss, modulating, haystack, training"})
	}
	req := c.Request()
	cfg, notices := config.Parse(req.URL.Query())
	cfg.Lang = requestLang(c)
	base := absoluteBase(req)
	page, err := a.buildPage(req.Context(), cfg, notices, base)
	if err != nil {
		return err
	}
	loc := i18n.New(cfg.Lang)
	full := "/"
	if q := cfg.Query(); q != "" {
		full += "?" + q
	}
	page.Classroom.Meta = previewMetaFor(cfg, base+strings.TrimPrefix(embedPathPrefix, "/")+figure+"?"+cfg.Query(), base, loc)
	return render(c, http.StatusOK, views.Embed(views.EmbedPage{
		Lang: cfg.Lang, Title: loc.T(titleID) + " · " + loc.T("app_title"), Figure: figure,
		Page: page, FullHref: full, FullText: loc.T("cls_embed_open"), Meta: page.Classroom.Meta,
	}))
}
