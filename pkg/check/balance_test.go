package check

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/money"
)

type fixture struct {
	box     *sandbox.Server
	url     string
	clients Clients
	rules   *balance.Rules
}

func cny(s string) money.Amount { return money.MustParse(s, "CNY") }

// setup serves a generated partner and builds real clients for it, with retries off so that one
// injected failure is one failed call.
func setup(t *testing.T, customers int) fixture {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 3, Customers: customers})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); srv.Close() })
	m := box.Manifest(srv.URL)
	opts := bss.Options{MaxRetries: -1, RatePerSecond: 1000, Burst: 100, Limits: bss.NewLimits()}
	partner, err := bss.New(bss.Profile{Name: "partner-cn", Role: bss.Partner, Site: bss.China, AK: m.Partner.AK, SK: m.Partner.SK, DomainID: m.Partner.DomainID, Endpoint: srv.URL}, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The own-balance profile is an advisory customer: a China resale one has no balance of its own.
	c := m.Customers[slices.IndexFunc(box.Customers(), func(c sandbox.Customer) bool { return !c.Reseller })]
	own, err := bss.New(bss.Profile{Name: "customer-1", Role: bss.Customer, Site: bss.China, AK: c.AK, SK: c.SK, DomainID: c.DomainID, Endpoint: srv.URL}, opts)
	if err != nil {
		t.Fatal(err)
	}
	th := balance.Threshold{Warning: cny("1000"), Critical: cny("100")}
	huge := balance.Threshold{Warning: cny("1000000000"), Critical: cny("1")}
	return fixture{
		box:     box,
		url:     srv.URL,
		clients: Map(map[string]*bss.Client{"partner-cn": partner, "customer-1": own}),
		rules: &balance.Rules{
			Partner:   &balance.PartnerRules{Profile: "partner-cn", Thresholds: map[bss.AccountType]balance.Threshold{bss.Cash: huge}},
			Customers: &balance.CustomerRules{Profile: "partner-cn", Default: th},
			Own:       []balance.OwnRules{{Profile: "customer-1", Threshold: huge}},
		},
	}
}

func (f fixture) run() []alert.Evaluation {
	return BalanceCheck{Rules: f.rules}.Run(context.Background(), Env{Clients: f.clients})
}

func byAccount(evals []alert.Evaluation) map[string]alert.Evaluation {
	out := map[string]alert.Evaluation{}
	for _, e := range evals {
		out[e.Account] = e
	}
	return out
}

func subjects(fs []alert.Finding, prefix string) []string {
	var out []string
	for _, f := range fs {
		if strings.HasPrefix(f.Subject, prefix) {
			out = append(out, f.Subject)
		}
	}
	return out
}

func TestBalanceOneDigestPerProfile(t *testing.T) {
	f := setup(t, 250)
	evals := f.run()
	if len(evals) != 2 {
		t.Fatalf("got %d evaluations, want one per profile (2)", len(evals))
	}
	ev := byAccount(evals)["partner-cn"]
	if ev.Err != nil {
		t.Fatal(ev.Err)
	}
	var wantLow []string
	for _, c := range f.box.Customers() {
		if c.Reseller && c.Balance.LessThanOrEqual(cny("1000").Value) {
			wantLow = append(wantLow, balance.CustomerPrefix+c.ID)
		}
	}
	got := subjects(ev.Findings, balance.CustomerPrefix)
	slices.Sort(got)
	slices.Sort(wantLow)
	if !slices.Equal(got, wantLow) {
		t.Errorf("customer findings = %d, want %d low reseller customers", len(got), len(wantLow))
	}
	if len(subjects(ev.Findings, balance.PartnerPrefix)) != 1 {
		t.Errorf("partner findings = %v, want the cash account", subjects(ev.Findings, balance.PartnerPrefix))
	}
	// Advisory customers are never asked about: three batches of 100 would be the minimum for all 250.
	resellers := 0
	for _, c := range f.box.Customers() {
		if c.Reseller {
			resellers++
		}
	}
	if got, want := f.box.Calls()["ListCustomersBalancesDetail"], (resellers+99)/100; got != want {
		t.Errorf("balance batches = %d, want %d for %d reseller customers", got, want, resellers)
	}
}

func TestBalanceFailedBatchSkipsItsCustomers(t *testing.T) {
	f := setup(t, 250)
	f.box.FailNext("ListCustomersBalancesDetail", 1, 500, "CBC.0999")
	ev := byAccount(f.run())["partner-cn"]
	if ev.Err == nil || !ev.Partial {
		t.Fatalf("err = %v, partial = %v; want a partial run", ev.Err, ev.Partial)
	}
	resellers := 0
	for _, c := range f.box.Customers() {
		if c.Reseller {
			resellers++
		}
	}
	// Batches run concurrently, so the failed one is either the first 100 or the rest.
	if n := len(ev.Skipped); n != 100 && n != resellers-100 {
		t.Errorf("skipped %d customers, want one failed batch (100 or %d)", n, resellers-100)
	}
	found := subjects(ev.Findings, balance.CustomerPrefix)
	for _, c := range f.box.Customers() {
		sub := balance.CustomerPrefix + c.ID
		skipped, low := slices.Contains(ev.Skipped, sub), c.Reseller && c.Balance.LessThanOrEqual(cny("1000").Value)
		if skipped && slices.Contains(found, sub) {
			t.Errorf("%s is both skipped and found", sub)
		}
		if low && !skipped && !slices.Contains(found, sub) {
			t.Errorf("low customer %s is neither found nor skipped", sub)
		}
	}
}

func TestBalanceFailedListSkipsEveryCustomer(t *testing.T) {
	f := setup(t, 30)
	f.box.FailNext("ListSubCustomers", 1, 500, "CBC.0999")
	ev := byAccount(f.run())["partner-cn"]
	if !ev.Partial || !slices.Equal(ev.Skipped, []string{balance.CustomerPrefix}) {
		t.Errorf("partial = %v, skipped = %v; want the customer prefix skipped", ev.Partial, ev.Skipped)
	}
	if len(subjects(ev.Findings, balance.PartnerPrefix)) != 1 {
		t.Error("the partner's own accounts were not evaluated")
	}
}

func TestBalanceEverySectionFailed(t *testing.T) {
	f := setup(t, 30)
	f.box.FailNext("ListPartnerBalances", 1, 403, "CBC.0151")
	f.box.FailNext("ListSubCustomers", 1, 403, "CBC.0151")
	ev := byAccount(f.run())["partner-cn"]
	if ev.Err == nil || ev.Partial {
		t.Fatalf("err = %v, partial = %v; want a run that could not happen", ev.Err, ev.Partial)
	}
	if !errors.Is(ev.Err, bss.ErrForbidden) {
		t.Errorf("err = %v, want it to carry the BSS error kind", ev.Err)
	}
	if own := byAccount(f.run())["customer-1"]; own.Err != nil {
		t.Errorf("the customer's own check failed too: %v", own.Err)
	}
}

func TestBalanceOwnOfAResaleCustomerIsNotApplicable(t *testing.T) {
	f := setup(t, 30)
	i := slices.IndexFunc(f.box.Customers(), func(c sandbox.Customer) bool { return c.Reseller })
	c := f.box.Manifest(f.url).Customers[i]
	resale, err := bss.New(bss.Profile{Name: "resale", Role: bss.Customer, Site: bss.China, AK: c.AK, SK: c.SK, DomainID: c.DomainID, Endpoint: f.url},
		bss.Options{MaxRetries: -1, Limits: bss.NewLimits()})
	if err != nil {
		t.Fatal(err)
	}
	rules := &balance.Rules{Own: []balance.OwnRules{{Profile: "resale", Threshold: balance.Threshold{Warning: cny("1000"), Critical: cny("100")}}}}
	ev := byAccount(BalanceCheck{Rules: rules}.Run(context.Background(), Env{Clients: Map(map[string]*bss.Client{"resale": resale})}))["resale"]
	if ev.Err != nil || ev.Partial || len(ev.Findings) != 0 || len(ev.Skipped) != 0 {
		t.Errorf("got err %v, partial %v, findings %v, skipped %v; want nothing to report", ev.Err, ev.Partial, ev.Findings, ev.Skipped)
	}
	if got := f.box.Calls()["ShowCustomerAccountBalances"]; got != 1 {
		t.Errorf("got %d calls, want the one BSS answered CBC.99000049", got)
	}
}

func TestBalanceCurrencyMismatchIsReported(t *testing.T) {
	f := setup(t, 10)
	f.rules.Own[0].Threshold = balance.Threshold{Warning: money.MustParse("5", "USD"), Critical: money.MustParse("1", "USD")}
	ev := byAccount(f.run())["customer-1"]
	if ev.Err == nil || !strings.Contains(ev.Err.Error(), "USD") || len(ev.Skipped) != 1 {
		t.Errorf("err = %v, skipped = %v; want the mismatch reported and the account skipped", ev.Err, ev.Skipped)
	}
}

// TestBalanceRunMeetsBadAnswers runs the whole balance check against each answer that only looks
// like success: the section it hits is reported (error, subjects skipped) and yields no finding, so
// nothing can be resolved on it; the other sections still run.
func TestBalanceRunMeetsBadAnswers(t *testing.T) {
	tests := []struct {
		name    string
		fault   sandbox.Fault
		account string
		skipped string
		text    string
	}{
		{"partner balances 200 {}", sandbox.Fault{API: "ListPartnerBalances", Body: "{}"}, "partner-cn", balance.PartnerPrefix, "no account_balances"},
		{"partner balances 200 with an error", sandbox.Fault{API: "ListPartnerBalances", Status: 200, Code: "CBC.0100"}, "partner-cn", balance.PartnerPrefix, "invalid (200 CBC.0100)"},
		{"customer list without total", sandbox.Fault{API: "ListSubCustomers", Body: `{"customer_infos":[]}`}, "partner-cn", balance.CustomerPrefix, "no total"},
		{"customer balances 200 {}", sandbox.Fault{API: "ListCustomersBalancesDetail", Body: "{}"}, "partner-cn", balance.CustomerPrefix, "no customer_balances"},
		{"customer balances forbidden", sandbox.Fault{API: "ListCustomersBalancesDetail", Status: 403, Code: "CBC.0155"}, "partner-cn", balance.CustomerPrefix, "lacks permission for ListCustomersBalancesDetail"},
		{"own balance 200 {}", sandbox.Fault{API: "ShowCustomerAccountBalances", Body: "{}"}, "customer-1", balance.OwnPrefix, "no account_balances"},
		{"own balance 200 with flow control", sandbox.Fault{API: "ShowCustomerAccountBalances", Status: 200, Code: "CBC.0250"}, "customer-1", balance.OwnPrefix, "throttled (200 CBC.0250)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t, 30)
			if err := f.box.AddFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			evs := byAccount(f.run())
			ev := evs[tt.account]
			if ev.Err == nil || !strings.Contains(ev.Err.Error(), tt.text) {
				t.Errorf("got err %v, want it to report %q", ev.Err, tt.text)
			}
			hit := false
			for _, s := range ev.Skipped {
				hit = hit || strings.HasPrefix(s, tt.skipped)
			}
			if !hit {
				t.Errorf("got skipped %v, want %s covered", ev.Skipped, tt.skipped)
			}
			if got := subjects(ev.Findings, tt.skipped); len(got) != 0 {
				t.Errorf("got findings %v from the bad answer", got)
			}
			for name, other := range evs {
				if name != tt.account && other.Err != nil {
					t.Errorf("account %s failed too: %v", name, other.Err)
				}
			}
		})
	}
}
