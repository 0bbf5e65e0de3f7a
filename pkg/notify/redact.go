package notify

import (
	"errors"
	"net/url"
	"strings"
)

// redacted is an error whose text had secrets replaced. It unwraps to the nearest cause whose own text
// is clean, so errors.Is and errors.As still see context.DeadlineExceeded or a net error, but no
// Unwrap chain leads back to the secret.
type redacted struct {
	text  string
	cause error
}

func (e *redacted) Error() string { return e.text }
func (e *redacted) Unwrap() error { return e.cause }

// redact returns err with every occurrence of the secrets replaced by with. Go's HTTP client puts the
// request URL into its errors, and Slack's webhook URLs and some generic webhook URLs carry a token.
func redact(err error, with string, secrets ...string) error {
	if err == nil {
		return nil
	}
	var live []string
	for _, s := range secrets {
		if s != "" {
			live = append(live, s, with)
		}
	}
	r := strings.NewReplacer(live...)
	contains := func(e error) bool {
		t := e.Error()
		return r.Replace(t) != t
	}
	if !contains(err) {
		return err
	}
	cause := errors.Unwrap(err)
	for cause != nil && contains(cause) {
		cause = errors.Unwrap(cause)
	}
	return &redacted{text: r.Replace(err.Error()), cause: cause}
}

// urlSecrets lists the forms a URL takes in error texts: as given, as net/url prints it, and its path
// and query on their own (where Slack webhooks keep their token).
func urlSecrets(raw string) []string {
	out := []string{raw}
	if u, err := url.Parse(raw); err == nil {
		out = append(out, u.String(), u.Redacted())
		if u.Path != "" && u.Path != "/" {
			out = append(out, u.EscapedPath())
		}
		if u.RawQuery != "" {
			out = append(out, u.RawQuery)
		}
	}
	return out
}
