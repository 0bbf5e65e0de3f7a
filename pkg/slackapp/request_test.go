package slackapp

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// clickTime is when the test clicks happen.
var clickTime = time.Date(2026, 11, 21, 8, 0, 42, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestVerify(t *testing.T) {
	body := []byte("payload=%7B%22type%22%3A%22block_actions%22%7D")
	signed := Sign(testSecret, clickTime, body)
	with := func(key, value string) http.Header {
		h := signed.Clone()
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	tests := []struct {
		name    string
		secret  string
		now     time.Time
		headers http.Header
		body    []byte
		want    error
	}{
		{"good", testSecret, clickTime, signed, body, nil},
		{"clock 5 minutes ahead is still inside", testSecret, clickTime.Add(5 * time.Minute), signed, body, nil},
		{"clock 5 minutes behind is still inside", testSecret, clickTime.Add(-5 * time.Minute), signed, body, nil},
		{"stale: 6 minutes old", testSecret, clickTime.Add(6 * time.Minute), signed, body, ErrStale},
		{"future: 6 minutes ahead", testSecret, clickTime.Add(-6 * time.Minute), signed, body, ErrStale},
		{"replay of an old valid signature", testSecret, clickTime.Add(24 * time.Hour), signed, body, ErrStale},
		{"tampered body", testSecret, clickTime, signed, append([]byte(nil), strings.Replace(string(body), "block", "black", 1)...), ErrBadSignature},
		{"one byte appended", testSecret, clickTime, signed, append(append([]byte(nil), body...), '&'), ErrBadSignature},
		{"wrong secret", "another-secret", clickTime, signed, body, ErrBadSignature},
		{"timestamp changed after signing", testSecret, clickTime, with(HeaderTimestamp, strconv.FormatInt(clickTime.Unix()+1, 10)), body, ErrBadSignature},
		{"missing signature", testSecret, clickTime, with(HeaderSignature, ""), body, ErrUnsigned},
		{"missing timestamp", testSecret, clickTime, with(HeaderTimestamp, ""), body, ErrUnsigned},
		{"no headers", testSecret, clickTime, http.Header{}, body, ErrUnsigned},
		{"timestamp not a number", testSecret, clickTime, with(HeaderTimestamp, "1763712042.5"), body, ErrBadSignature},
		{"timestamp with a sign", testSecret, clickTime, with(HeaderTimestamp, "+"+signed.Get(HeaderTimestamp)), body, ErrBadSignature},
		{"signature of another version", testSecret, clickTime, with(HeaderSignature, "v1="+strings.TrimPrefix(signed.Get(HeaderSignature), "v0=")), body, ErrBadSignature},
		{"signature not hex", testSecret, clickTime, with(HeaderSignature, "v0=zz"), body, ErrBadSignature},
		{"signature truncated", testSecret, clickTime, with(HeaderSignature, signed.Get(HeaderSignature)[:40]), body, ErrBadSignature},
		{"no secret configured", "", clickTime, Sign("", clickTime, body), body, ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verifier{SigningSecret: tt.secret, Now: fixedClock(tt.now)}
			err := v.Verify(tt.headers, tt.body)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err != nil && tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q quotes the signing secret", err)
			}
		})
	}
}

func TestVerifyWindow(t *testing.T) {
	body := []byte("payload=x")
	h := Sign(testSecret, clickTime, body)
	v := Verifier{SigningSecret: testSecret, Now: fixedClock(clickTime.Add(61 * time.Second)), Window: time.Minute}
	if err := v.Verify(h, body); !errors.Is(err, ErrStale) {
		t.Errorf("Verify with a 1-minute window 61 s later = %v, want ErrStale", err)
	}
	v.Now = fixedClock(clickTime.Add(60 * time.Second))
	if err := v.Verify(h, body); err != nil {
		t.Errorf("Verify with a 1-minute window 60 s later = %v, want nil", err)
	}
}

func TestFromFunctionURL(t *testing.T) {
	body := []byte("payload=%7B%22type%22%3A%22block_actions%22%2C%22x%22%3A%22%E9%87%91%E9%A2%9D%22%7D")
	signed := Sign(testSecret, clickTime, body)
	// Function URLs deliver lower-case names, and combine repeated headers with commas.
	lower := map[string]string{
		"x-slack-request-timestamp": signed.Get(HeaderTimestamp),
		"x-slack-signature":         signed.Get(HeaderSignature),
		"content-type":              "application/x-www-form-urlencoded",
		"user-agent":                "Slackbot 1.0 (+https://api.slack.com/robots)",
	}
	v := Verifier{SigningSecret: testSecret, Now: fixedClock(clickTime)}
	tests := []struct {
		name string
		ev   events.LambdaFunctionURLRequest
		want error
	}{
		{"base64 body", events.LambdaFunctionURLRequest{Headers: lower, Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true}, nil},
		{"plain body", events.LambdaFunctionURLRequest{Headers: lower, Body: string(body)}, nil},
		{"base64 body not decoded would not match", events.LambdaFunctionURLRequest{Headers: lower, Body: base64.StdEncoding.EncodeToString(body)}, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, got, err := FromFunctionURL(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(h, got); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
			if got, want := h.Get("Content-Type"), "application/x-www-form-urlencoded"; got != want {
				t.Errorf("Get(Content-Type) = %q, want %q", got, want)
			}
		})
	}
	t.Run("invalid base64", func(t *testing.T) {
		_, _, err := FromFunctionURL(events.LambdaFunctionURLRequest{Headers: lower, Body: "not*base64" + testSecret, IsBase64Encoded: true})
		if err == nil {
			t.Fatal("FromFunctionURL accepted an invalid base64 body")
		}
		if strings.Contains(err.Error(), "not*base64") {
			t.Errorf("error %q quotes the body", err)
		}
	})
}
