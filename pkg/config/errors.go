package config

import (
	"fmt"
	"strings"
)

// Error is one mistake in a configuration document: where it is (a YAML path such as
// "checks.balance.partner.thresholds.cash.warning", and the line when known) and what is wrong.
// Its text never holds a secret value.
type Error struct {
	Path string
	Line int
	Msg  string
}

// Error formats the mistake as "path: message (line N)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// Errors lists every mistake found in one pass, in document order, so that a user fixes them all at
// once instead of one per deployment. Parse, Resolve and Load return it (possibly wrapped); use
// errors.As to reach the list.
type Errors []*Error

// Error prints one mistake per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the mistakes as separate errors for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
