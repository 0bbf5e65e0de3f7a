package slackapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// The headers Slack signs a request with.
const (
	HeaderTimestamp = "X-Slack-Request-Timestamp"
	HeaderSignature = "X-Slack-Signature"
)

// DefaultWindow is how far a request's timestamp may be from now, either way, as Slack recommends.
const DefaultWindow = 5 * time.Minute

// The reasons Verify refuses a request. Each means "answer 401 and change nothing".
var (
	// ErrUnsigned means a signature or timestamp header is missing.
	ErrUnsigned = errors.New("slackapp: request is not signed")
	// ErrStale means the timestamp is outside the window: an old request replayed, or a clock far off.
	ErrStale = errors.New("slackapp: request timestamp is outside the window")
	// ErrBadSignature means the signature does not match the body, the timestamp and the secret.
	ErrBadSignature = errors.New("slackapp: request signature does not match")
	// ErrNoSecret means the Verifier has no signing secret; it then refuses everything, because
	// anyone can compute an HMAC with an empty key.
	ErrNoSecret = errors.New("slackapp: no signing secret configured")
)

// FromFunctionURL returns the headers and raw body of a Lambda Function URL request. Function URLs
// deliver header names in lower case and may deliver the body base64-encoded; the headers are set
// with http.Header.Set so Get finds them whatever the case, and the body is decoded, because
// Slack's signature covers the bytes it sent. It returns an error when IsBase64Encoded is set and
// the body is not valid base64; the error does not quote the body.
func FromFunctionURL(ev events.LambdaFunctionURLRequest) (http.Header, []byte, error) {
	h := make(http.Header, len(ev.Headers))
	for k, v := range ev.Headers {
		h.Set(k, v)
	}
	if !ev.IsBase64Encoded {
		return h, []byte(ev.Body), nil
	}
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		return nil, nil, errors.New("slackapp: request body is marked base64 but is not valid base64")
	}
	return h, body, nil
}

// Verifier checks Slack's request signature: v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" +
// body)) with a timestamp near now.
type Verifier struct {
	SigningSecret string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Window is how far the timestamp may be from now, either way; 0 means DefaultWindow.
	Window time.Duration
}

// maxTimestampDigits bounds the timestamp header; unix seconds have 10 digits until the year 2286.
const maxTimestampDigits = 12

// Verify reports whether body, with the headers h, was signed by Slack with the signing secret
// within the window. It returns nil only for a signature it computed itself, and otherwise an error
// that wraps ErrUnsigned, ErrStale, ErrBadSignature or ErrNoSecret. No error quotes the secret,
// the headers or the body.
func (v Verifier) Verify(h http.Header, body []byte) error {
	if v.SigningSecret == "" {
		return ErrNoSecret
	}
	ts, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if ts == "" || sig == "" {
		return ErrUnsigned
	}
	if len(ts) > maxTimestampDigits || strings.Trim(ts, "0123456789") != "" {
		return fmt.Errorf("%w: timestamp is not unix seconds", ErrBadSignature)
	}
	sent, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp is not unix seconds", ErrBadSignature)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	window := v.Window
	if window <= 0 {
		window = DefaultWindow
	}
	// Whole seconds, in integers: the header is seconds, and this cannot overflow for any header
	// of at most maxTimestampDigits digits.
	n, w := now().Unix(), int64(window/time.Second)
	if sent < n-w || sent > n+w {
		return ErrStale
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return fmt.Errorf("%w: unknown signature version", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: signature is not a hex SHA-256", ErrBadSignature)
	}
	if !hmac.Equal(got, sign(v.SigningSecret, ts, body)) {
		return ErrBadSignature
	}
	return nil
}

// sign computes Slack's v0 signature of body sent at ts.
func sign(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the headers Slack would send with body at t, signed with secret. It is what a local
// stand-in for Slack (the demo, tests of the function) uses to click a button.
func Sign(secret string, t time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, "v0="+hex.EncodeToString(sign(secret, ts, body)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

// FunctionURLRequest is a POST as a Lambda Function URL delivers it: header names in lower case and
// the body base64-encoded. With Sign and Body it makes the same click Slack would send, for the demo
// and tests of the real handler.
func FunctionURLRequest(h http.Header, body []byte) events.LambdaFunctionURLRequest {
	headers := make(map[string]string, len(h))
	for k := range h {
		headers[strings.ToLower(k)] = h.Get(k)
	}
	return events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: "/", Headers: headers, IsBase64Encoded: true,
		Body: base64.StdEncoding.EncodeToString(body),
		RequestContext: events.LambdaFunctionURLRequestContext{
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: http.MethodPost, Path: "/"},
		},
	}
}
