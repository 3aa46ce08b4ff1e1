package handlers

import (
	"fmt"
	"html"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"focallab/config"
)

// qrQuietZone is the blank margin around a QR code, in modules: the 4 that ISO/IEC 18004
// asks for, so phone cameras find the code on any background.
const qrQuietZone = 4

// qrLevel is the QR error correction level. Medium restores up to about 15% of damaged
// modules, enough for a code photographed off a projector screen, while keeping the
// modules large.
const qrLevel = qrcode.Medium

// shareResponse is the body of /api/share.
type shareResponse struct {
	Link string `json:"link"` // the absolute teacher link
	QR   string `json:"qr"`   // path of its QR code as SVG
}

// shareLink returns the absolute canonical link of a request's parameters.
func shareLink(req *http.Request) string {
	cfg, _ := config.Parse(req.URL.Query())
	link := absoluteBase(req)
	if q := cfg.Query(); q != "" {
		link += "?" + q
	}
	return link
}

// apiShare returns the canonical teacher link of the parameters and where its QR code
// is. GET /api/share?<link parameters, with hide, lock and present as chosen>.
func (a *App) apiShare(c echo.Context) error {
	req := c.Request()
	cfg, _ := config.Parse(req.URL.Query())
	return c.JSON(http.StatusOK, shareResponse{Link: shareLink(req), QR: "/qr.svg?" + cfg.Query()})
}

// loopbackHost returns the host name of base when only the computer that opened it can
// reach it, so a student's phone cannot. Such hosts are the loopback addresses
// (127.0.0.0/8, ::1), localhost and names under .localhost (RFC 6761), and the
// unspecified addresses 0.0.0.0 and ::, which browsers also send to the local machine.
// For every other host, and for a base that does not parse, it returns "".
func loopbackHost(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return host
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsUnspecified() {
		return host
	}
	return ""
}

// qrSVG returns the QR code of the teacher link of the parameters as SVG, one square
// unit per module. GET /qr.svg?<link parameters>.
func (a *App) qrSVG(c echo.Context) error {
	link := shareLink(c.Request())
	svg, err := QRCodeSVG(link)
	if err != nil {
		return newError(http.StatusRequestURITooLong, "", "cls_error_qr_too_long", map[string]any{"Bytes": len(link)})
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "image/svg+xml; charset=utf-8", []byte(svg))
}

// QRCodeSVG encodes text as a QR code at qrLevel and draws it as SVG: a white square
// with one black path, in which each run of dark modules in a row is the rectangle
// "M<x> <y>h<width>v1h-<width>z" in module units, quiet zone included.
func QRCodeSVG(text string) (string, error) {
	code, err := qrcode.New(text, qrLevel)
	if err != nil {
		return "", fmt.Errorf("encode QR code of %d bytes: %w", len(text), err)
	}
	code.DisableBorder = true
	modules := code.Bitmap()
	size := len(modules) + 2*qrQuietZone

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, size, size)
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(text))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y, row := range modules {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+qrQuietZone, y+qrQuietZone, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
