package notify

import "fmt"

// ParseSeverity turns "info", "warning" or "critical" (as String writes them) into a Severity; it errors
// on anything else, quoting the input.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range []Severity{Info, Warning, Critical} {
		if v.String() == s {
			return v, nil
		}
	}
	return Info, fmt.Errorf("%q is not one of: info, warning, critical", s)
}
