package bss

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// These tests drive the real SDK over loopback HTTP against hand-written answers, for behaviour
// that does not need the sandbox's state: error decoding, secret scrubbing and attempt counting.

func clientFor(t *testing.T, url string, role Role, site Site, opts Options) *Client {
	t.Helper()
	p := validProfile()
	p.Role, p.Site, p.Endpoint, p.Timeout = role, site, url, 2*time.Second
	if opts.Limits == nil {
		opts.Limits = NewLimits()
	}
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = 1000
	}
	if opts.BaseDelay == 0 {
		opts.BaseDelay, opts.MaxDelay = time.Millisecond, 5*time.Millisecond
	}
	c, err := New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuthErrorOverTheWire(t *testing.T) {
	srv, calls := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		// A server that echoes what it got: the AK from the Authorization header and the token.
		w.Header().Set("X-Request-Id", "req-401")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		msg := "Incorrect IAM authentication information: " + r.Header.Get("Authorization") + " token " + r.Header.Get("X-Security-Token") + " sk " + testSK
		_, _ = w.Write([]byte(`{"error_code":"APIGW.0301","error_msg":` + quote(msg) + `,"request_id":"body-id"}`))
	})
	c := clientFor(t, srv.URL, Partner, China, Options{})
	_, err := c.PartnerBalances(context.Background())
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if e.Kind != Auth || e.Status != 401 || e.Code != "APIGW.0301" || e.RequestID != "req-401" {
		t.Errorf("got %+v, want auth 401 APIGW.0301 with the X-Request-Id", e)
	}
	for _, s := range []string{testAK, testSK, testTok} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("Error() = %q contains a secret", err)
		}
	}
	if !strings.Contains(err.Error(), "Incorrect IAM authentication information") {
		t.Errorf("Error() = %q lost the server's message", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("server saw %d calls, want 1 (auth errors are not retried)", n)
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func TestReadRetriesThenGivesUp(t *testing.T) {
	srv, calls := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error_code":"CBC.0999","error_msg":"busy"}`))
	})
	c := clientFor(t, srv.URL, Partner, China, Options{MaxRetries: 3})
	_, err := c.PartnerBalances(context.Background())
	if !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v, want transient", err)
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("server saw %d calls, want 4 (1 + 3 retries)", n)
	}
	want := Counts{Attempts: 4, Retries: 3, Failures: 1}
	if got := c.Stats()[ListPartnerBalances]; got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

func TestRenewIsNeverRetried(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
		want   Kind
	}{
		{"500 is ambiguous", 500, "CBC.0999", Ambiguous},
		{"429 placed nothing", 429, "CBC.0250", Throttled},
		{"pending order", 400, "CBC.99003100", Conflict},
		{"200 with a body the SDK cannot read", 200, "", Ambiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				if tt.status == 200 {
					_, _ = w.Write([]byte(`{"order_ids":"not-a-list"}`))
					return
				}
				_, _ = w.Write([]byte(`{"error_code":"` + tt.code + `","error_msg":"x"}`))
			})
			c := clientFor(t, srv.URL, Customer, China, Options{MaxRetries: 5})
			_, err := c.Renew(context.Background(), RenewRequest{ResourceIDs: []string{"r1"}, PeriodType: Year, PeriodNum: 1})
			if got := KindOf(err); got != tt.want {
				t.Fatalf("kind = %v (%v), want %v", got, err, tt.want)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("server saw %d calls, want exactly 1", n)
			}
		})
	}
	t.Run("refused connection placed nothing", func(t *testing.T) {
		srv, _ := countingServer(t, nil)
		url := srv.URL
		srv.Close()
		c := clientFor(t, url, Customer, China, Options{})
		_, err := c.Renew(context.Background(), RenewRequest{ResourceIDs: []string{"r1"}, PeriodType: Year, PeriodNum: 1})
		if got := KindOf(err); got != Transient {
			t.Fatalf("kind = %v (%v), want transient", got, err)
		}
	})
}

func TestCancelledContextStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, calls := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		cancel()
		w.WriteHeader(http.StatusBadGateway)
	})
	c := clientFor(t, srv.URL, Customer, International, Options{MaxRetries: 10})
	_, err := c.OwnBalances(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v, want a transient error wrapping context.Canceled", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("server saw %d calls, want 1", n)
	}
}
