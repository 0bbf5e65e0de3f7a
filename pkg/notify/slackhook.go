package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// SlackWebhook is a destination that posts through a Slack incoming webhook. Incoming webhooks cannot
// edit or thread, so every Send posts a new message that carries the whole digest and, in its body,
// what changed.
type SlackWebhook struct {
	name    string
	url     string
	secrets []string
	client  *http.Client
	set     settings
}

// NewSlackWebhook returns an incoming-webhook destination. The URL is a secret (whoever has it can
// post to the channel): it errors, without quoting the URL, when the URL is not absolute http(s).
func NewSlackWebhook(name, webhookURL string, opts ...Option) (*SlackWebhook, error) {
	if name == "" {
		return nil, errors.New("notify: slack webhook destination needs a name")
	}
	if err := checkURL(webhookURL); err != nil {
		return nil, fmt.Errorf("notify: slack webhook %s: %w", name, err)
	}
	s := build(opts)
	return &SlackWebhook{name: name, url: webhookURL, secrets: urlSecrets(webhookURL), client: noRedirects(s.client), set: s}, nil
}

// Name returns the destination's configured name.
func (w *SlackWebhook) Name() string { return w.name }

// Send posts msg as a new message and returns a zero Ref, whatever prev is. A 429 is waited out
// (Retry-After) up to the configured attempts; HTTP 410 (the channel was archived or the webhook
// removed) wraps ErrGone. Errors name the destination and never contain the URL.
func (w *SlackWebhook) Send(ctx context.Context, msg Message, _ Ref) (Ref, error) {
	var extra []string
	if msg.Kind == KindRepeat {
		extra = append(extra, ":repeat: Reminder: still firing.")
	}
	if len(msg.Changes) > 0 {
		extra = append(extra, changesSection(msg.Changes))
	}
	body := &slack.WebhookMessage{
		Text:   fallback(msg),
		Blocks: &slack.Blocks{BlockSet: renderBlocks(msg, false, extra...)},
	}
	err := retryRateLimited(ctx, w.set, func(ctx context.Context) error {
		return slack.PostWebhookCustomHTTPContext(ctx, w.url, w.client, body)
	})
	if err == nil {
		return Ref{}, nil
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusGone {
		return Ref{}, fmt.Errorf("notify: slack webhook %s: HTTP %d: %w", w.name, sc.Code, ErrGone)
	}
	return Ref{}, fmt.Errorf("notify: slack webhook %s: %w", w.name, redact(err, "[webhook url]", w.secrets...))
}

// checkURL accepts only absolute http(s) URLs, and never quotes the URL in its error.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("no URL")
	case err != nil:
		return errors.New("URL does not parse")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("URL scheme is not http or https")
	case u.Host == "":
		return errors.New("URL has no host")
	}
	return nil
}
