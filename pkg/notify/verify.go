package notify

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The reasons VerifyWebhook refuses a request. Each means "answer 401 and run nothing".
var (
	// ErrUnsigned means a webhook-id, webhook-timestamp or webhook-signature header is missing.
	ErrUnsigned = errors.New("webhook request is not signed")
	// ErrStale means webhook-timestamp is outside the window either way.
	ErrStale = errors.New("webhook request timestamp is outside the window")
	// ErrBadSignature means no v1 signature matches the id, timestamp, body and secret.
	ErrBadSignature = errors.New("webhook request signature does not match")
)

// VerifyWebhook checks an inbound request signed as Standard Webhooks sign (the way this package signs
// what it sends): webhook-signature holds one or more space-separated "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" and webhook-timestamp is within window of now. It returns the webhook-id, the
// sender's idempotency key, or an error wrapping ErrUnsigned, ErrStale or ErrBadSignature (or a bad
// secret) that quotes neither the secret, nor the headers, nor the body.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time, window time.Duration) (string, error) {
	key, err := signingKey(secret)
	if err != nil {
		return "", err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return "", ErrUnsigned
	}
	if len(ts) > 12 {
		return "", ErrStale
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: webhook-timestamp is not unix seconds", ErrStale)
	}
	if d := now.Sub(time.Unix(secs, 0)); d > window || d < -window {
		return "", ErrStale
	}
	want := sign(key, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return id, nil
		}
	}
	return "", ErrBadSignature
}

// SignWebhook returns the headers a Standard Webhooks sender puts on body: what a caller of a signed
// endpoint (and a test) sends.
func SignWebhook(secret, id string, at time.Time, body []byte) (http.Header, error) {
	key, err := signingKey(secret)
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", sign(key, id, ts, body))
	return h, nil
}
