package views

import "strconv"

// PreviewWidth and PreviewHeight are the size in pixels of the link-preview image, the
// 1.91 : 1 shape that Open Graph and Twitter's large card show uncropped.
const (
	PreviewWidth  = 1200
	PreviewHeight = 630
)

func previewWidth() string  { return strconv.Itoa(PreviewWidth) }
func previewHeight() string { return strconv.Itoa(PreviewHeight) }

// presentClass is the class of the html element in presenter mode.
func presentClass(present bool) string {
	if present {
		return "presenting"
	}
	return ""
}

func boolText(v bool) string { return strconv.FormatBool(v) }

// boolValue writes a check box's state as a link writes it.
func boolValue(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// currentText is the aria-current value of a link: "page" for a link to the page itself.
func currentText(current bool) string {
	if current {
		return "page"
	}
	return "false"
}

func selectedValue(s Select) string {
	for _, o := range s.Options {
		if o.Selected {
			return o.Value
		}
	}
	return ""
}
