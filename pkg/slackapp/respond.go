package slackapp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
)

// Ephemeral returns an answer to a click that only the clicking user sees, leaving the message as
// it is.
func Ephemeral(text string) slack.WebhookMessage {
	return slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}

// Replacement returns an answer to a click that replaces the message the button is in, for everyone;
// text is the notification fallback of blocks.
func Replacement(text string, blocks ...slack.Block) slack.WebhookMessage {
	m := slack.WebhookMessage{ReplaceOriginal: true, Text: text}
	if len(blocks) > 0 {
		m.Blocks = &slack.Blocks{BlockSet: blocks}
	}
	return m
}

// Respond posts msg to a click's response_url with client (http.DefaultClient when nil). Slack
// takes five answers per click within 30 minutes; after that, edits need chat.update.
//
// It returns an error when the URL is not an absolute http(s) URL, the request fails, or Slack
// answers other than 200 (slack.StatusCodeError, reachable with errors.As; context errors with
// errors.Is). The URL carries the capability to post, so no error text contains it.
func Respond(ctx context.Context, client *http.Client, responseURL string, msg slack.WebhookMessage) error {
	u, err := url.Parse(responseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("slackapp: respond: response_url is not an absolute http(s) URL")
	}
	if client == nil {
		client = http.DefaultClient
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, client, &msg); err != nil {
		c := cause(err)
		return &respondError{cause: c, text: scrub(c.Error(), responseURL, u)}
	}
	return nil
}

// respondError is a failed answer. Its text has the URL removed, and it unwraps to the cause below
// the *url.Error (which would print the URL), so errors.Is and errors.As still work.
type respondError struct {
	cause error
	text  string
}

func (e *respondError) Error() string { return "slackapp: respond: " + e.text }
func (e *respondError) Unwrap() error { return e.cause }

// cause returns err below the *url.Error that net/http wraps transport errors in, or err itself.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// scrub removes every form of the URL, and its path (where the token is), from s.
func scrub(s, raw string, u *url.URL) string {
	const mark = "[response_url]"
	for _, v := range []string{raw, u.String(), u.Redacted(), u.EscapedPath(), u.Path, u.RawQuery} {
		if len(v) > 1 {
			s = strings.ReplaceAll(s, v, mark)
		}
	}
	return s
}
