package handlers

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"focallab/i18n"
	"focallab/views"
)

// Error is a failure with an HTTP status and a message in both languages.
type Error struct {
	Status int
	Param  string // the query parameter at fault, if any
	ID     string // message ID in the locale files
	Data   map[string]any
	Err    error // the cause, logged for 5xx
}

func (e *Error) Error() string {
	msg := i18n.New("en").T(e.ID, e.Data)
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

func newError(status int, param, id string, data map[string]any) *Error {
	return &Error{Status: status, Param: param, ID: id, Data: data}
}

// apiError is the JSON body of every failed /api request.
type apiError struct {
	Error struct {
		Status  int    `json:"status"`
		Param   string `json:"param,omitempty"`
		Message string `json:"message"` // in the request's language
		ZhCN    string `json:"zh-CN"`
		En      string `json:"en"`
	} `json:"error"`
}

// handleError turns any error into a bilingual page or JSON body. 5xx are logged with
// their cause at error level; 4xx at info level.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var appErr *Error
	var httpErr *echo.HTTPError
	switch {
	case errors.As(err, &appErr):
	case errors.As(err, &httpErr):
		appErr = &Error{Status: httpErr.Code, ID: "error_http", Data: map[string]any{"Status": httpErr.Code}, Err: err}
		if httpErr.Code == http.StatusNotFound {
			appErr.ID = "error_not_found"
		}
	default:
		appErr = &Error{Status: http.StatusInternalServerError, ID: "error_internal", Err: err}
	}

	req := c.Request()
	if appErr.Status >= 500 {
		a.Log.Error("request failed", "method", req.Method, "path", req.URL.Path, "status", appErr.Status, "err", err)
	} else {
		a.Log.Info("request rejected", "method", req.Method, "path", req.URL.Path, "status", appErr.Status, "err", err)
	}

	zh := i18n.New("zh-CN").T(appErr.ID, appErr.Data)
	en := i18n.New("en").T(appErr.ID, appErr.Data)
	lang := requestLang(c)
	if strings.HasPrefix(req.URL.Path, "/api/") {
		var body apiError
		body.Error.Status, body.Error.Param, body.Error.ZhCN, body.Error.En = appErr.Status, appErr.Param, zh, en
		body.Error.Message = zh
		if lang == "en" {
			body.Error.Message = en
		}
		if err := c.JSON(appErr.Status, body); err != nil {
			a.Log.Error("write error response", "err", err)
		}
		return
	}
	page := views.Error(views.ErrorPage{Lang: lang, Status: appErr.Status, MessageZh: zh, MessageEn: en, HomeHref: "/"})
	if err := render(c, appErr.Status, page); err != nil {
		a.Log.Error("write error page", "err", err)
	}
}

// render writes a component into a buffer first, so a failed render never leaves half a page.
func render(c echo.Context, status int, component templ.Component) error {
	var buf bytes.Buffer
	if err := component.Render(c.Request().Context(), &buf); err != nil {
		return &Error{Status: http.StatusInternalServerError, ID: "error_internal", Err: err}
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// requestLang picks the response language from the lang parameter, matched without regard
// to case as config.Parse matches it, or else from Accept-Language.
func requestLang(c echo.Context) string {
	req := c.Request()
	lang := req.URL.Query().Get("lang")
	for _, l := range i18n.Languages {
		if strings.EqualFold(lang, l) {
			lang = l
		}
	}
	return i18n.Negotiate(lang, req.Header.Get("Accept-Language"))
}
