package notify

import (
	"encoding/json"
	"fmt"
)

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

// MarshalJSON encodes s as its name: "info", "warning" or "critical".
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a name as MarshalJSON writes it, or the number that messages queued before
// severities were named hold; null leaves s as it is. It errors on anything else.
func (s *Severity) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var n int
	if json.Unmarshal(b, &n) == nil {
		if n < int(Info) || n > int(Critical) {
			return fmt.Errorf("notify: unknown severity %d", n)
		}
		*s = Severity(n)
		return nil
	}
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return fmt.Errorf("notify: severity is neither a name nor a number: %w", err)
	}
	v, err := ParseSeverity(name)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
