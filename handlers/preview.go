package handlers

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"focallab/charts"
	"focallab/config"
	"focallab/i18n"
	"focallab/sim"
	"focallab/views"
)

// The preview's plot area in pixels, and its axes: p_t from 0 to 1 across, loss from 0
// to previewMaxLoss up, as in Figure 1 of Lin et al. 2017.
const (
	previewLeft, previewRight = 90, 1150
	previewTop, previewBottom = 150, 590
	previewMaxLoss            = 5.0
)

// previewPNG draws the loss curves of a link as a PNG for link previews: cross-entropy,
// α-balanced CE and focal loss at the link's α and γ, with α, γ and the imbalance written
// above them. GET /preview.png?alpha=A&gamma=G&ratio=R; other parameters are ignored.
func (a *App) previewPNG(c echo.Context) error {
	cfg, _ := config.Parse(c.Request().URL.Query())
	img := drawPreview(cfg.Alpha, cfg.Gamma, cfg.Ratio)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return &Error{Status: http.StatusInternalServerError, ID: "error_internal", Err: err}
	}
	// The image depends on the query alone, so caches may keep it for a day.
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", buf.Bytes())
}

// drawPreview returns the preview image of α, γ and an imbalance ratio.
func drawPreview(alpha, gamma float64, ratio int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, views.PreviewWidth, views.PreviewHeight))
	fillRect(img, img.Bounds(), color.RGBA{255, 255, 255, 255})
	c := newCanvas(img)

	// Grid lines at every 0.1 of p_t and every unit of loss, then the axes.
	grid := color.RGBA{225, 228, 232, 255}
	for i := 1; i < 10; i++ {
		x := previewLeft + float64(i)*(previewRight-previewLeft)/10
		c.line(x, previewTop, x, previewBottom, 1.5, grid)
	}
	for l := 1.0; l < previewMaxLoss; l++ {
		y := previewY(l)
		c.line(previewLeft, y, previewRight, y, 1.5, grid)
	}
	axis := color.RGBA{60, 64, 70, 255}
	c.line(previewLeft, previewBottom, previewRight, previewBottom, 3, axis)
	c.line(previewLeft, previewTop, previewLeft, previewBottom, 3, axis)

	// Curves for a positive example (α_t = α), as chart 1 draws them, thickest on top.
	c.curve(sim.CrossEntropyPT, 7, hexColor(charts.ColorCE))
	c.curve(func(pt float64) float64 { return sim.FocalPT(pt, alpha, 0) }, 5, hexColor(charts.ColorBalanced))
	c.curve(func(pt float64) float64 { return sim.FocalPT(pt, alpha, gamma) }, 9, hexColor(charts.ColorFL))

	// Parameters above the plot and a legend in its empty top-right corner, in the
	// bitmap font of previewGlyphs.
	ink := color.RGBA{27, 31, 36, 255}
	fa := strconv.FormatFloat(alpha, 'f', -1, 64)
	fg := strconv.FormatFloat(gamma, 'f', -1, 64)
	drawText(img, previewLeft, 44, 8, "α="+fa+" γ="+fg+" 1:"+i18n.GroupDigits(ratio), ink)
	legend := []struct {
		name  string
		color string
	}{{"CE", charts.ColorCE}, {"αCE", charts.ColorBalanced}, {"FL", charts.ColorFL}}
	for i, l := range legend {
		y := previewTop + 30 + i*60
		fillRect(img, image.Rect(880, y+14, 950, y+26), hexColor(l.color))
		drawText(img, 970, y, 6, l.name, ink)
	}
	return img
}

func previewX(pt float64) float64 { return previewLeft + pt*(previewRight-previewLeft) }
func previewY(loss float64) float64 {
	return previewBottom - loss/previewMaxLoss*(previewBottom-previewTop)
}

func hexColor(hex string) color.RGBA {
	v, _ := strconv.ParseUint(hex[1:], 16, 32) // the chart colours are fixed #rrggbb constants
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

func fillRect(img *image.RGBA, r image.Rectangle, col color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, col)
		}
	}
}

// canvas draws anti-aliased thick lines. Each stroke first collects its coverage per
// pixel, keeping the largest where segments overlap, then blends once, so the joints of
// a polyline are not painted twice.
type canvas struct {
	img      *image.RGBA
	coverage []float32
}

func newCanvas(img *image.RGBA) *canvas {
	return &canvas{img: img, coverage: make([]float32, img.Bounds().Dx()*img.Bounds().Dy())}
}

func (c *canvas) line(x0, y0, x1, y1, width float64, col color.RGBA) {
	c.segment(x0, y0, x1, y1, width)
	c.blend(col)
}

// curve strokes f over the p_t grid of chart 1, clipped to the plot area.
func (c *canvas) curve(f func(pt float64) float64, width float64, col color.RGBA) {
	grid := charts.PTGrid()
	for i := 1; i < len(grid); i++ {
		x0, y0 := previewX(grid[i-1]), previewY(f(grid[i-1]))
		x1, y1 := previewX(grid[i]), previewY(f(grid[i]))
		if y0 < previewTop && y1 < previewTop {
			continue
		}
		c.segment(x0, max(y0, previewTop-width), x1, max(y1, previewTop-width), width)
	}
	c.blend(col)
}

// segment adds the coverage of a segment of the given width: 1 inside, falling to 0 over
// one pixel at the edge.
func (c *canvas) segment(x0, y0, x1, y1, width float64) {
	half := width / 2
	b := c.img.Bounds()
	minX, maxX := max(int(math.Floor(min(x0, x1)-half-1)), b.Min.X), min(int(math.Ceil(max(x0, x1)+half+1)), b.Max.X-1)
	minY, maxY := max(int(math.Floor(min(y0, y1)-half-1)), previewTop-10), min(int(math.Ceil(max(y0, y1)+half+1)), b.Max.Y-1)
	dx, dy := x1-x0, y1-y0
	length2 := dx*dx + dy*dy
	for y := minY; y <= maxY; y++ {
		for x := minX; x <= maxX; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			t := 0.0
			if length2 > 0 {
				t = min(max(((px-x0)*dx+(py-y0)*dy)/length2, 0), 1)
			}
			ex, ey := px-(x0+t*dx), py-(y0+t*dy)
			cover := float32(min(max(half+0.5-math.Hypot(ex, ey), 0), 1))
			i := (y-b.Min.Y)*b.Dx() + (x - b.Min.X)
			c.coverage[i] = max(c.coverage[i], cover)
		}
	}
}

// blend paints the collected coverage in col and clears it.
func (c *canvas) blend(col color.RGBA) {
	b := c.img.Bounds()
	for i, cover := range c.coverage {
		if cover == 0 {
			continue
		}
		x, y := b.Min.X+i%b.Dx(), b.Min.Y+i/b.Dx()
		old := c.img.RGBAAt(x, y)
		mix := func(from, to uint8) uint8 { return uint8(float32(from) + (float32(to)-float32(from))*cover + 0.5) }
		c.img.SetRGBA(x, y, color.RGBA{mix(old.R, col.R), mix(old.G, col.G), mix(old.B, col.B), 255})
		c.coverage[i] = 0
	}
}

// previewGlyphs is a 5 × 7 bitmap font with the characters the preview writes. Each
// string is one row, '#' for ink.
var previewGlyphs = map[rune][7]string{
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
	',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
	'=': {".....", ".....", "#####", ".....", "#####", ".....", "....."},
	'α': {".....", ".....", ".##.#", "#..#.", "#..#.", "#..#.", ".##.#"},
	'γ': {".....", ".....", "#...#", ".#.#.", "..#..", "..#..", "..#.."},
	'C': {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	'F': {"#####", "#....", "#....", "####.", "#....", "#....", "#...."},
	'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
	' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
}

// drawText writes s with its top-left corner at (x, y), each font pixel scale × scale
// screen pixels, and returns the x after the last character. Characters missing from
// previewGlyphs are skipped.
func drawText(img *image.RGBA, x, y, scale int, s string, col color.RGBA) int {
	for _, r := range s {
		glyph, ok := previewGlyphs[r]
		if !ok {
			continue
		}
		for row, bits := range glyph {
			for column, bit := range bits {
				if bit == '#' {
					fillRect(img, image.Rect(x+column*scale, y+row*scale, x+(column+1)*scale, y+(row+1)*scale), col)
				}
			}
		}
		x += 6 * scale
	}
	return x
}
