package handlers

import (
	"math"
	"strconv"
	"strings"

	"focallab/i18n"
)

// formatSig writes v with the given significant digits, switching to a×10ⁿ notation
// below 0.001 and at or above 10⁶ so tiny modulating factors stay readable.
func formatSig(v float64, digits int) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 1):
		return "∞"
	case v == 0:
		return "0"
	}
	// Take the exponent of v rounded to `digits` significant digits, not of v itself,
	// so 99.99999999999999 reads "100" rather than "100.0".
	s := strconv.FormatFloat(v, 'e', digits-1, 64)
	mantissa, exp, _ := strings.Cut(s, "e")
	n, _ := strconv.Atoi(exp)
	if n >= -3 && n < 6 {
		text := strconv.FormatFloat(v, 'f', max(0, digits-1-n), 64)
		// Whole numbers of four or more digits get grouping commas, as elsewhere on the page.
		if whole, err := strconv.Atoi(text); err == nil {
			return i18n.GroupDigits(whole)
		}
		return text
	}
	return mantissa + "×10" + superscript(n)
}

func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	runes := []rune(digits)
	var b strings.Builder
	if n < 0 {
		b.WriteString("⁻")
		n = -n
	}
	for _, ch := range strconv.Itoa(n) {
		b.WriteRune(runes[ch-'0'])
	}
	return b.String()
}

// formatFixed writes a metric in [0, 1] with fixed decimals, or "—" when it is undefined.
func formatFixed(v float64, ok bool, decimals int) string {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}
