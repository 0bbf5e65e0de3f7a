package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/notify"
)

// secretKey is the signing key behind secret; the receiver below verifies with it independently.
var (
	secretKey = []byte("0123456789abcdef0123456789abcdef")
	secret    = "whsec_" + base64.StdEncoding.EncodeToString(secretKey)
)

// received is one request as the receiver saw it.
type received struct {
	id, ts, sig string
	body        []byte
}

// receiver is an httptest server that answers each request with the next status in its script (the
// last one repeats) and records what it received.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	script []reply
}

type reply struct {
	status     int
	retryAfter string
	location   string
}

func newReceiver(t *testing.T, script ...reply) *receiver {
	t.Helper()
	r := &receiver{script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{id: req.Header.Get("webhook-id"), ts: req.Header.Get("webhook-timestamp"),
			sig: req.Header.Get("webhook-signature"), body: body})
		rep := r.script[min(len(r.got), len(r.script))-1]
		r.mu.Unlock()
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		if rep.location != "" {
			w.Header().Set("Location", rep.location)
		}
		w.WriteHeader(rep.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func newWebhook(t *testing.T, url string, opts ...notify.Option) (*notify.Webhook, *waits) {
	t.Helper()
	w := &waits{}
	opts = append([]notify.Option{notify.WithSleep(w.sleep), notify.WithClock(func() time.Time { return at })}, opts...)
	d, err := notify.NewWebhook("ops-hook", url, secret, opts...)
	if err != nil {
		t.Fatalf("NewWebhook: %v", err)
	}
	return d, w
}

// verify checks a request's signature the way a receiver following the spec would.
func verify(t *testing.T, r received) {
	t.Helper()
	mac := hmac.New(sha256.New, secretKey)
	mac.Write([]byte(r.id + "." + r.ts + "." + string(r.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(r.sig), []byte(want)) {
		t.Errorf("webhook-signature = %q, want %q", r.sig, want)
	}
}

func TestWebhookDeliversSignedEnvelope(t *testing.T) {
	rcv := newReceiver(t, reply{status: http.StatusNoContent})
	d, _ := newWebhook(t, rcv.URL)
	msg := digest(notify.KindUpdate)
	msg.Changes = []string{"Acme: warning -> critical"}
	ref, err := d.Send(context.Background(), msg, notify.Ref{Channel: "C1", TS: "1.2"})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !ref.IsZero() {
		t.Errorf("ref = %+v, want zero", ref)
	}
	reqs := rcv.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	verify(t, r)
	if r.id != msg.ID {
		t.Errorf("webhook-id = %q, want %q", r.id, msg.ID)
	}
	if want := strconv.FormatInt(at.Unix(), 10); r.ts != want {
		t.Errorf("webhook-timestamp = %q, want %q", r.ts, want)
	}
	var env struct {
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      notify.Message `json:"data"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("body: %v", err)
	}
	if env.Type != "bsswatch.alert.update" || env.Timestamp != "2026-11-21T09:30:00Z" {
		t.Errorf("type, timestamp = %q, %q; want bsswatch.alert.update, 2026-11-21T09:30:00Z", env.Type, env.Timestamp)
	}
	if diff := cmp.Diff(msg, env.Data); diff != "" {
		t.Errorf("data (-sent +received):\n%s", diff)
	}
}

func TestWebhookRetries(t *testing.T) {
	httpDate := at.Add(20 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name      string
		script    []reply
		wantErr   string // "" for success
		wantCalls int
		// check inspects the recorded waits.
		check func(t *testing.T, waits []time.Duration)
	}{
		{"503 twice then success", []reply{{status: 503}, {status: 503}, {status: 200}}, "", 3,
			func(t *testing.T, w []time.Duration) {
				if len(w) != 2 || w[0] <= 0 || w[0] > 10*time.Millisecond || w[1] > 10*time.Millisecond {
					t.Errorf("waits = %v, want two jittered waits within the 10ms cap", w)
				}
			}},
		{"retry-after seconds honoured", []reply{{status: 429, retryAfter: "7"}, {status: 200}}, "", 2,
			wantWaits(7 * time.Second)},
		{"retry-after date honoured", []reply{{status: 503, retryAfter: httpDate}, {status: 202}}, "", 2,
			wantWaits(20 * time.Second)},
		{"retry-after above the cap", []reply{{status: 429, retryAfter: "3600"}}, "asked to retry after 1h0m0s", 1,
			wantWaits()},
		{"gives up after the attempts", []reply{{status: 502}}, "HTTP 502 Bad Gateway (gave up after 4 attempts)", 4,
			func(t *testing.T, w []time.Duration) {
				if len(w) != 3 {
					t.Errorf("waits = %v, want 3", w)
				}
			}},
		{"410 stops at once", []reply{{status: 410}}, "notify: webhook ops-hook: HTTP 410 Gone: notify: destination gone", 1,
			wantWaits()},
		{"400 is not retried", []reply{{status: 400}, {status: 200}}, "notify: webhook ops-hook: HTTP 400 Bad Request", 1,
			wantWaits()},
		{"redirect is not followed", []reply{{status: 307, location: "/elsewhere"}, {status: 200}},
			"notify: webhook ops-hook: HTTP 307 Temporary Redirect", 1, wantWaits()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newReceiver(t, tt.script...)
			d, w := newWebhook(t, rcv.URL+"/hook", notify.WithBackoff(time.Millisecond, 10*time.Millisecond, time.Minute))
			msg := digest(notify.KindFiring)
			_, err := d.Send(context.Background(), msg, notify.Ref{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Send: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			reqs := rcv.requests()
			if len(reqs) != tt.wantCalls {
				t.Fatalf("got %d requests, want %d", len(reqs), tt.wantCalls)
			}
			for _, r := range reqs {
				if r.id != msg.ID {
					t.Errorf("webhook-id = %q on a retry, want %q every time", r.id, msg.ID)
				}
				verify(t, r)
			}
			tt.check(t, w.got())
			if strings.Contains(tt.name, "410") && !errors.Is(err, notify.ErrGone) {
				t.Errorf("err = %v, want it to wrap ErrGone", err)
			}
		})
	}
}

func wantWaits(want ...time.Duration) func(*testing.T, []time.Duration) {
	return func(t *testing.T, got []time.Duration) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
	}
}

func TestWebhookNetworkErrorsKeepURLSecret(t *testing.T) {
	const token = "s3cr3t-path-token"
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL + "/hooks/" + token + "?key=" + token
		srv.Close()
		d, w := newWebhook(t, url, notify.WithAttempts(2))
		_, err := d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
		if err == nil {
			t.Fatal("Send succeeded against a closed server")
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("error %q leaks the URL's token", err)
		}
		if !strings.HasPrefix(err.Error(), "notify: webhook ops-hook: ") {
			t.Errorf("error %q does not name the destination", err)
		}
		if n := len(w.got()); n != 1 {
			t.Errorf("waited %d times, want 1 (network errors are retried)", n)
		}
	})
	t.Run("attempt timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		d, _ := newWebhook(t, srv.URL+"/hooks/"+token, notify.WithAttempts(2), notify.WithTimeout(5*time.Millisecond))
		_, err := d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
		}
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("error %q leaks the URL's token", err)
		}
	})
}

func TestWebhookRejectsBadInput(t *testing.T) {
	rcv := newReceiver(t, reply{status: 200})
	tests := []struct{ name, url, secret, want string }{
		{"relative url", "/hook", secret, "notify: webhook w: URL scheme is not http or https"},
		{"no host", "https:///hook", secret, "notify: webhook w: URL has no host"},
		{"no secret", rcv.URL, "", "notify: webhook w: no signing secret"},
		{"whsec not base64", rcv.URL, "whsec_***", "notify: webhook w: signing secret: the part after whsec_ is not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notify.NewWebhook("w", tt.url, tt.secret)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("message without id", func(t *testing.T) {
		d, _ := newWebhook(t, rcv.URL)
		msg := digest(notify.KindFiring)
		msg.ID = ""
		if _, err := d.Send(context.Background(), msg, notify.Ref{}); err == nil {
			t.Error("Send succeeded without a message id")
		}
		if n := len(rcv.requests()); n != 0 {
			t.Errorf("got %d requests, want none", n)
		}
	})
}
