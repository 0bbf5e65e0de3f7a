package renewal

import (
	"context"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
)

// TestPartnerScanMakesTheMinimumOfCalls scans every customer of a sandbox partner (the partner lists,
// each customer quotes) and checks the calls against the minimum: one listing page per customer (at
// 500 records a page) and one renew-rate call per ten resources to quote.
func TestPartnerScanMakesTheMinimumOfCalls(t *testing.T) {
	got := partnerScan(t, 0)
	t.Logf("%d customers: %d listing calls (minimum %d), %d renew-rate calls (minimum %d), %d quotes",
		got.customers, got.list, got.minList, got.rate, got.minRate, got.quoted)
	if got.list != got.minList || got.rate != got.minRate {
		t.Errorf("calls: list %d rate %d, want the minimum %d and %d", got.list, got.rate, got.minList, got.minRate)
	}
	if got.quoted != got.minRate {
		t.Errorf("%d quotes, want one per batch (%d)", got.quoted, got.minRate)
	}
}

// BenchmarkPartnerScan10k is the same scan for a partner with 10,000 customers; it reports the calls
// made and the minimum (run with -benchtime=1x: a second scan finds every resource already quoted).
func BenchmarkPartnerScan10k(b *testing.B) {
	for range b.N {
		got := partnerScan(b, 10_000)
		b.ReportMetric(float64(got.list), "list-calls")
		b.ReportMetric(float64(got.minList), "list-min")
		b.ReportMetric(float64(got.rate), "rate-calls")
		b.ReportMetric(float64(got.minRate), "rate-min")
		b.ReportMetric(float64(got.quoted), "quotes")
	}
}

type scanCalls struct {
	customers, list, minList, rate, minRate, quoted int
}

func partnerScan(tb testing.TB, customers int) scanCalls {
	e := newEnv(tb, envOptions{customers: customers})
	e.everyCustomer()
	e.svc.Concurrency = 4
	var got scanCalls
	for _, c := range e.man.Customers {
		n := len(e.sb.Renewable(c.CustomerID, anchor, 30*24*time.Hour))
		got.minList += bss.Pages(n, bss.PageResources)
		got.minRate += (n + bss.BatchRenew - 1) / bss.BatchRenew
	}
	e.sb.ResetCalls()
	reps, err := e.svc.Scan(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range reps {
		if r.Err != "" {
			tb.Errorf("%s: %s", r.Account, r.Err)
		}
		got.quoted += len(r.Quoted)
	}
	calls := e.sb.Calls()
	got.customers = len(e.man.Customers)
	got.list, got.rate = calls["ListPayPerUseCustomerResources"], calls["ListRenewRateOnPeriod"]
	return got
}

// everyCustomer makes the service quote for every customer of the sandbox partner, each with its own
// keys and listed through the partner, in place of the one picked customer.
func (e *env) everyCustomer() {
	e.t.Helper()
	e.svc.Accounts = map[string]Account{}
	for _, c := range e.man.Customers {
		cl, err := bss.New(bss.Profile{Name: c.CustomerID, Role: bss.Customer, Site: bss.China, AK: c.AK, SK: c.SK,
			DomainID: c.DomainID, Endpoint: e.man.Endpoint, Timeout: 2 * time.Second}, fastBSS())
		if err != nil {
			e.t.Fatal(err)
		}
		e.svc.Accounts[c.CustomerID] = Account{Name: c.CustomerID, Quoter: cl, Lister: e.partner, CustomerID: c.CustomerID}
	}
}
