package handlers

import (
	"math"
	"strconv"
	"strings"
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
	abs := math.Abs(v)
	if abs >= 1e-3 && abs < 1e6 {
		decimals := max(0, digits-1-int(math.Floor(math.Log10(abs))))
		return strconv.FormatFloat(v, 'f', decimals, 64)
	}
	s := strconv.FormatFloat(v, 'e', digits-1, 64)
	mantissa, exp, _ := strings.Cut(s, "e")
	n, _ := strconv.Atoi(exp)
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
