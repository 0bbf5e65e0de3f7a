package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Webhook is a destination that POSTs each message as JSON to a URL, signed per Standard Webhooks
// (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md). The
// body is {"type":"bsswatch.alert.<kind>","timestamp":<RFC 3339>,"data":<Message>}, documented as a
// JSON Schema in docs/webhook-payload.schema.json.
//
// Signing is done here rather than with the spec's Go library: that library has a single v0.0.1 tag in
// a many-language repository, and the scheme is one HMAC.
type Webhook struct {
	name    string
	url     string
	secrets []string
	key     []byte
	client  *http.Client
	set     settings
}

// whsecPrefix marks a Standard Webhooks secret whose rest is the base64 of the signing key.
const whsecPrefix = "whsec_"

// NewWebhook returns a Standard Webhooks destination. A secret "whsec_<base64>" signs with the decoded
// key, as the spec says; any other non-empty secret signs with its bytes as given. It errors, without
// quoting the URL or the secret, when the URL is not absolute http(s), the secret is empty, or a
// whsec_ secret is not valid base64.
func NewWebhook(name, webhookURL, secret string, opts ...Option) (*Webhook, error) {
	if name == "" {
		return nil, errors.New("notify: webhook destination needs a name")
	}
	if err := checkURL(webhookURL); err != nil {
		return nil, fmt.Errorf("notify: webhook %s: %w", name, err)
	}
	key, err := signingKey(secret)
	if err != nil {
		return nil, fmt.Errorf("notify: webhook %s: %w", name, err)
	}
	s := build(opts)
	return &Webhook{name: name, url: webhookURL, secrets: urlSecrets(webhookURL), key: key, client: noRedirects(s.client), set: s}, nil
}

func signingKey(secret string) ([]byte, error) {
	if secret == "" {
		return nil, errors.New("no signing secret")
	}
	rest, ok := strings.CutPrefix(secret, whsecPrefix)
	if !ok {
		return []byte(secret), nil
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) == 0 {
		return nil, errors.New("signing secret: the part after whsec_ is not base64")
	}
	return key, nil
}

// Name returns the destination's configured name.
func (w *Webhook) Name() string { return w.name }

// envelope is the Standard Webhooks payload shape.
type envelope struct {
	Type      string  `json:"type"`
	Timestamp string  `json:"timestamp"`
	Data      Message `json:"data"`
}

// Send delivers msg and returns a zero Ref (a webhook cannot be edited; the receiver gets every
// message, prev is ignored). The webhook-id header is msg.ID on every attempt, so the receiver can drop
// repeats. 429, 5xx, timeouts and network errors are retried with jittered exponential backoff, at
// least as long as Retry-After asks, within the configured attempts and elapsed time; a Retry-After
// above the configured maximum ends the delivery. 410 stops at once with an error wrapping ErrGone; any
// other non-2xx answer (3xx included: redirects are not followed) fails without retry. It errors
// without sending when msg.ID is empty. Errors name the destination and never contain the URL.
func (w *Webhook) Send(ctx context.Context, msg Message, _ Ref) (Ref, error) {
	if msg.ID == "" {
		return Ref{}, fmt.Errorf("notify: webhook %s: message has no id", w.name)
	}
	at := msg.At
	if at.IsZero() {
		at = w.set.now()
	}
	body, err := json.Marshal(envelope{Type: "bsswatch.alert." + string(msg.Kind), Timestamp: at.UTC().Format(time.RFC3339), Data: msg})
	if err != nil {
		return Ref{}, fmt.Errorf("notify: webhook %s: encode: %w", w.name, err)
	}

	exp := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(w.set.initial),
		backoff.WithMaxInterval(w.set.maxInterval),
		backoff.WithMaxElapsedTime(w.set.maxElapsed),
		backoff.WithClockProvider(clockFunc(w.set.now)),
	)
	b := backoff.WithContext(backoff.WithMaxRetries(exp, uint64(w.set.attempts-1)), ctx)
	for attempt := 1; ; attempt++ {
		res := w.attempt(ctx, msg.ID, body)
		if res.err == nil {
			return Ref{}, nil
		}
		if !res.retry || ctx.Err() != nil {
			return Ref{}, w.fail(res.err)
		}
		wait := b.NextBackOff()
		switch {
		case wait == backoff.Stop:
			return Ref{}, w.fail(fmt.Errorf("%w (gave up after %d attempts)", res.err, attempt))
		case res.retryAfter > w.set.maxRetryAfter:
			return Ref{}, w.fail(fmt.Errorf("%w (asked to retry after %s, longer than the %s we wait)", res.err, res.retryAfter, w.set.maxRetryAfter))
		}
		if err := w.set.waitFor(ctx, max(wait, res.retryAfter)); err != nil {
			return Ref{}, w.fail(fmt.Errorf("%w (%w)", res.err, err))
		}
	}
}

func (w *Webhook) fail(err error) error {
	return fmt.Errorf("notify: webhook %s: %w", w.name, redact(err, "[webhook url]", w.secrets...))
}

type outcome struct {
	err        error
	retry      bool
	retryAfter time.Duration
}

func (w *Webhook) attempt(ctx context.Context, id string, body []byte) outcome {
	ctx, cancel := context.WithTimeout(ctx, w.set.attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return outcome{err: errors.New("build request")}
	}
	ts := strconv.FormatInt(w.set.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bsswatch")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", sign(w.key, id, ts, body))
	resp, err := w.client.Do(req)
	if err != nil {
		return outcome{err: err, retry: true}
	}
	// Drain a little so the connection can be reused; the answer's body means nothing to us.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()

	code := resp.StatusCode
	err = fmt.Errorf("HTTP %d %s", code, http.StatusText(code))
	switch {
	case code >= 200 && code < 300:
		return outcome{}
	case code == http.StatusGone:
		return outcome{err: fmt.Errorf("%w: %w", err, ErrGone)}
	case code == http.StatusTooManyRequests || code >= 500:
		return outcome{err: err, retry: true, retryAfter: retryAfter(resp.Header.Get("Retry-After"), w.set.now())}
	default:
		return outcome{err: err}
	}
}

// sign returns the webhook-signature value: "v1," and the base64 HMAC-SHA256 of "id.timestamp.body".
func sign(key []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// retryAfter reads Retry-After as delay seconds or an HTTP date (RFC 9110 section 10.2.3); it returns 0
// when the header is absent, malformed or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Clamp before converting so an absurd value cannot overflow time.Duration.
		return time.Duration(min(max(secs, 0), 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

type clockFunc func() time.Time

func (c clockFunc) Now() time.Time { return c() }
