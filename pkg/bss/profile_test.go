package bss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testAK  = "TESTAKEXAMPLE0001"
	testSK  = "TESTSKsecretexample0001"
	testTok = "TESTTOKENsecret0001"
)

func validProfile() Profile {
	return Profile{Name: "acme", Role: Partner, Site: China, AK: testAK, SK: testSK, SecurityToken: testTok,
		DomainID: "d-123", Endpoint: "http://127.0.0.1:9"}
}

func TestProfileValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Profile)
		want   string // substring of the error; "" for valid
	}{
		{"valid", func(*Profile) {}, ""},
		{"valid intl europe", func(p *Profile) { p.Site, p.Region = International, RegionEurope }, ""},
		{"no name", func(p *Profile) { p.Name = "" }, "name: required"},
		{"bad role", func(p *Profile) { p.Role = "reseller" }, `role: "reseller"`},
		{"no site", func(p *Profile) { p.Site = "" }, "site: required"},
		{"no ak", func(p *Profile) { p.AK = "" }, "ak: required"},
		{"no sk", func(p *Profile) { p.SK = "" }, "sk: required"},
		{"no domain", func(p *Profile) { p.DomainID = "" }, "domain_id: required"},
		{"endpoint without scheme", func(p *Profile) { p.Endpoint = "bss.example.com" }, "endpoint:"},
		{"endpoint with user", func(p *Profile) { p.Endpoint = "https://u:p@bss.example.com" }, "endpoint: must not carry"},
		{"china with intl region", func(p *Profile) { p.Region = RegionIntl }, "not a China-site region"},
		{"intl with unknown region", func(p *Profile) { p.Site, p.Region = International, "la-south-2" }, "not an international region"},
		{"negative timeout", func(p *Profile) { p.Timeout = -time.Second }, "timeout: negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProfile()
			tt.modify(&p)
			err := p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	t.Run("all problems at once", func(t *testing.T) {
		err := Profile{Name: "x"}.Validate()
		for _, want := range []string{"role:", "site:", "ak:", "sk:", "domain_id:"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate() = %v, want it to mention %q", err, want)
			}
		}
	})
}

func TestProfileNeverPrintsSecrets(t *testing.T) {
	p := validProfile()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("built", "profile", p)
	bad := p
	bad.Endpoint = "nope"
	outputs := []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s", p, p, p, p), buf.String(), fmt.Sprint(bad.Validate())}
	for _, out := range outputs {
		for _, s := range []string{testAK, testSK, testTok} {
			if strings.Contains(out, s) {
				t.Errorf("output %q contains a secret", out)
			}
		}
	}
	c, err := New(p, Options{Limits: NewLimits()})
	if err != nil {
		t.Fatal(err)
	}
	if out := fmt.Sprintf("%v %+v %#v %s", c, c, c, c); strings.Contains(out, testSK) || strings.Contains(out, testAK) {
		t.Errorf("client printed as %q, with a secret", out)
	}
	if !strings.Contains(buf.String(), `"domain_id":"d-123"`) {
		t.Errorf("log line %s lacks the domain id", buf.String())
	}
}

// countingServer counts every request that reaches it.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		http.Error(w, "unexpected", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestNewMakesNoCallAndRefusesWrongRole(t *testing.T) {
	srv, calls := countingServer(t, nil)
	ctx := context.Background()
	build := func(role Role, site Site) *Client {
		t.Helper()
		p := validProfile()
		p.Role, p.Site, p.Endpoint = role, site, srv.URL
		c, err := New(p, Options{Limits: NewLimits()})
		if err != nil {
			t.Fatalf("New(%s %s): %v", role, site, err)
		}
		return c
	}
	type call func(*Client) error
	partnerCN, partnerIntl := build(Partner, China), build(Partner, International)
	customerCN, customerIntl := build(Customer, China), build(Customer, International)
	if n := calls.Load(); n != 0 {
		t.Fatalf("New made %d requests, want 0", n)
	}
	renew := RenewRequest{ResourceIDs: []string{"r1"}, PeriodType: Month, PeriodNum: 1}
	tests := []struct {
		name string
		c    *Client
		call call
	}{
		{"partner balances as customer", customerCN, func(c *Client) error { _, err := c.PartnerBalances(ctx); return err }},
		{"partner balances on intl", partnerIntl, func(c *Client) error { _, err := c.PartnerBalances(ctx); return err }},
		{"customer balances as customer", customerCN, func(c *Client) error { _, err := c.CustomerBalances(ctx, []string{"x"}); return err }},
		{"customer balances on intl", partnerIntl, func(c *Client) error { _, err := c.CustomerBalances(ctx, []string{"x"}); return err }},
		{"quotas on intl", partnerIntl, func(c *Client) error { _, err := c.QuotaCoupons(ctx, QuotaFilter{}); return err }},
		{"issued coupons as customer", customerCN, func(c *Client) error { _, err := c.IssuedCoupons(ctx, IssuedCouponFilter{}); return err }},
		{"sub-customers as customer", customerIntl, func(c *Client) error { _, err := c.SubCustomers(ctx); return err }},
		{"own balances as cn partner", partnerCN, func(c *Client) error { _, err := c.OwnBalances(ctx); return err }},
		{"resources as partner without customer", partnerCN, func(c *Client) error { _, err := c.Resources(ctx, ResourceFilter{}); return err }},
		{"renew rate as partner", partnerCN, func(c *Client) error { _, err := c.RenewRate(ctx, renew); return err }},
		{"renew as intl partner", partnerIntl, func(c *Client) error { _, err := c.Renew(ctx, renew); return err }},
		{"invoices on cn", customerCN, func(c *Client) error {
			_, err := c.Invoices(ctx, time.Now().Add(-time.Hour), time.Now())
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(tt.c)
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("err = %v, want unsupported", err)
			}
			if !strings.Contains(err.Error(), "acme") {
				t.Errorf("err = %q, want it to name the profile", err)
			}
		})
	}
	invalid := []struct {
		name string
		call func() error
	}{
		{"11 ids", func() error {
			_, err := customerCN.RenewRate(ctx, RenewRequest{ResourceIDs: strings.Split("a b c d e f g h i j k", " "), PeriodType: Month, PeriodNum: 1})
			return err
		}},
		{"customer id as customer", func() error {
			_, err := customerCN.Resources(ctx, ResourceFilter{CustomerID: "c"})
			return err
		}},
		{"reversed invoice window", func() error { _, err := customerIntl.Invoices(ctx, time.Now(), time.Now().Add(-time.Hour)); return err }},
		{"six quota statuses", func() error {
			_, err := partnerCN.QuotaCoupons(ctx, QuotaFilter{Statuses: make([]QuotaStatus, 6)})
			return err
		}},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want invalid", err)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("refused calls reached the server %d times, want 0", n)
	}
	for _, c := range []*Client{partnerCN, partnerIntl, customerCN, customerIntl} {
		if s := c.Stats(); len(s) != 0 {
			t.Errorf("stats after refusals = %v, want none", s)
		}
	}
}

func TestRenewRequestValidate(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("r", i)
		}
		return out
	}
	tests := []struct {
		name string
		r    RenewRequest
		ok   bool
	}{
		{"one month", RenewRequest{ResourceIDs: ids(1), PeriodType: Month, PeriodNum: 1}, true},
		{"ten ids three years", RenewRequest{ResourceIDs: ids(10), PeriodType: Year, PeriodNum: 3}, true},
		{"no ids", RenewRequest{PeriodType: Month, PeriodNum: 1}, false},
		{"eleven ids", RenewRequest{ResourceIDs: ids(11), PeriodType: Month, PeriodNum: 1}, false},
		{"duplicate", RenewRequest{ResourceIDs: []string{"a", "a"}, PeriodType: Month, PeriodNum: 1}, false},
		{"empty id", RenewRequest{ResourceIDs: []string{""}, PeriodType: Month, PeriodNum: 1}, false},
		{"twelve months", RenewRequest{ResourceIDs: ids(1), PeriodType: Month, PeriodNum: 12}, false},
		{"four years", RenewRequest{ResourceIDs: ids(1), PeriodType: Year, PeriodNum: 4}, false},
		{"zero period", RenewRequest{ResourceIDs: ids(1), PeriodType: Year, PeriodNum: 0}, false},
		{"day period type", RenewRequest{ResourceIDs: ids(1), PeriodType: 1, PeriodNum: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
