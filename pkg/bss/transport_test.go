package bss

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestClientsShareOneTransport: clients of different accounts reuse one connection pool, so a
// second client's call rides the first client's idle connection instead of dialling.
func TestClientsShareOneTransport(t *testing.T) {
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"account_balances":[]}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 2}
	t.Cleanup(tr.CloseIdleConnections)
	for i, domain := range []string{"d-1", "d-2", "d-3"} {
		p := validProfile()
		p.DomainID, p.Endpoint = domain, srv.URL
		c, err := New(p, Options{Limits: NewLimits(), Transport: tr, RatePerSecond: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.PartnerBalances(context.Background()); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	if got := dials.Load(); got != 1 {
		t.Errorf("server saw %d connections, want 1 (one pool for every client)", got)
	}
}

// TestBucketsAreMadeOnFirstUse: building a client makes no token bucket; a call makes the bucket of
// its own API only.
func TestBucketsAreMadeOnFirstUse(t *testing.T) {
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"account_balances":[]}`))
	})
	lim := NewLimits()
	c := clientFor(t, srv.URL, Partner, China, Options{Limits: lim})
	count := func() int { lim.mu.Lock(); defer lim.mu.Unlock(); return len(lim.m) }
	if got := count(); got != 0 {
		t.Fatalf("after New: %d buckets, want 0", got)
	}
	if _, err := c.PartnerBalances(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := lim.m[limitKey{c.profile.DomainID, ListPartnerBalances}]; !ok || count() != 1 {
		t.Errorf("after one call: %d buckets (ListPartnerBalances made: %v), want only that one", count(), ok)
	}
}
