package bss_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// wallClock is a settable clock for the agency's cache.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wallClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wallClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (e *env) agency(t *testing.T, sk string, clk *wallClock) *bss.Agency {
	t.Helper()
	a, err := bss.NewAgency(bss.AgencyConfig{
		Partner: bss.Profile{Name: "partner", Role: bss.Partner, Site: e.site(), AK: e.man.Partner.AK, SK: sk,
			DomainID: e.man.Partner.DomainID, Endpoint: e.man.Endpoint, Timeout: 5 * time.Second},
		Agency: sandbox.DefaultAgency, IAMEndpoint: e.man.Endpoint, Now: clk.now,
	}, fast())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAgencyAssumesOnceAndRefreshesBeforeExpiry(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 5})
	clk := &wallClock{t: time.Now()}
	a := e.agency(t, e.man.Partner.SK, clk)
	cu := e.srv.Customers()[2]
	ctx := context.Background()
	iamCalls := func() int { return e.srv.Calls()["CreateTemporaryAccessKeyByAgency"] }

	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() {
			c, err := a.Client(ctx, cu.ID)
			if err == nil {
				_, err = c.Resources(ctx, bss.ResourceFilter{})
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if got := iamCalls(); got != 1 {
		t.Fatalf("IAM calls = %d after 5 concurrent callers, want 1 (cached)", got)
	}
	steps := []struct {
		name  string
		after time.Duration
		want  int
	}{
		{"well inside its hour: cached", 50 * time.Minute, 1},
		{"less than five minutes left: assumed again", 6 * time.Minute, 2},
	}
	for _, s := range steps {
		clk.add(s.after)
		if _, err := a.Client(ctx, cu.ID); err != nil {
			t.Fatal(err)
		}
		if got := iamCalls(); got != s.want {
			t.Errorf("%s: IAM calls = %d, want %d", s.name, got, s.want)
		}
	}
}

func TestAgencyRefusedOrExpired(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 5})
	clk := &wallClock{t: time.Now()}
	ctx := context.Background()
	cus := e.srv.Customers()

	t.Run("no agency: a per-customer refusal naming it", func(t *testing.T) {
		if err := e.srv.SetAgency(cus[0].ID, sandbox.DefaultAgency, false); err != nil {
			t.Fatal(err)
		}
		a := e.agency(t, e.man.Partner.SK, clk)
		_, err := a.Client(ctx, cus[0].ID)
		var ae *bss.AgencyError
		if !errors.As(err, &ae) || ae.Customer != cus[0].ID {
			t.Fatalf("err = %v, want an AgencyError for %s", err, cus[0].ID)
		}
		want := "customer " + cus[0].ID + " has no agency " + sandbox.DefaultAgency
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to say %q", err, want)
		}
		if _, err := a.Client(ctx, cus[1].ID); err != nil {
			t.Errorf("another customer: %v, want its agency to work", err)
		}
	})
	t.Run("expired token: BSS answers 401, Forget assumes again", func(t *testing.T) {
		a := e.agency(t, e.man.Partner.SK, clk)
		c, err := a.Client(ctx, cus[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		e.srv.ExpireTemporaryCredentials(cus[3].ID)
		if _, err := c.Resources(ctx, bss.ResourceFilter{}); bss.KindOf(err) != bss.Auth {
			t.Fatalf("err = %v, want auth (401)", err)
		}
		a.Forget(cus[3].ID)
		c, err = a.Client(ctx, cus[3].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Resources(ctx, bss.ResourceFilter{}); err != nil {
			t.Errorf("after Forget: %v", err)
		}
	})
	t.Run("wrong partner secret: not the customer's fault, no secret in the error", func(t *testing.T) {
		const bad = "wrong-secret-0123456789"
		a := e.agency(t, bad, clk)
		_, err := a.Client(ctx, cus[1].ID)
		var ae *bss.AgencyError
		if err == nil || errors.As(err, &ae) || bss.KindOf(err) != bss.Auth {
			t.Fatalf("err = %v, want an auth error that is not an agency refusal", err)
		}
		if strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), e.man.Partner.AK) {
			t.Errorf("err = %q leaks a secret", err)
		}
	})
}
