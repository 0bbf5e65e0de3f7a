package renewal

import (
	"context"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// TestPartnerScanMakesTheMinimumOfCalls scans every customer of a sandbox partner (the partner lists,
// each customer quotes) and checks the calls against the minimum: one listing page per customer (at
// 500 records a page) and one renew-rate call per ten resources to quote.
func TestPartnerScanMakesTheMinimumOfCalls(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.svc.Accounts = map[string]Account{}
	e.svc.Concurrency = 4
	minList, minRate := 0, 0
	for _, c := range e.man.Customers {
		cl, err := bss.New(bss.Profile{Name: c.CustomerID, Role: bss.Customer, Site: bss.China, AK: c.AK, SK: c.SK,
			DomainID: c.DomainID, Endpoint: e.man.Endpoint, Timeout: 2 * time.Second}, fastBSS())
		if err != nil {
			t.Fatal(err)
		}
		e.svc.Accounts[c.CustomerID] = Account{Name: c.CustomerID, Quoter: cl, Lister: e.partner, CustomerID: c.CustomerID}
		n := 0
		for _, r := range e.sb.Resources(c.CustomerID) {
			if r.Main && r.Status == sandbox.StatusInUse && r.ExpirePolicy != sandbox.PolicyAutoRenew &&
				r.ExpireTime.After(anchor) && !r.ExpireTime.After(anchor.Add(30*24*time.Hour)) {
				n++
			}
		}
		minList += bss.Pages(n, bss.PageResources)
		minRate += (n + bss.BatchRenew - 1) / bss.BatchRenew
	}
	e.sb.ResetCalls()
	reps, err := e.svc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	quoted := 0
	for _, r := range reps {
		if r.Err != "" {
			t.Errorf("%s: %s", r.Account, r.Err)
		}
		quoted += len(r.Quoted)
	}
	calls := e.sb.Calls()
	list, rate := calls["ListPayPerUseCustomerResources"], calls["ListRenewRateOnPeriod"]
	t.Logf("%d customers: %d listing calls (minimum %d), %d renew-rate calls (minimum %d), %d quotes",
		len(e.man.Customers), list, minList, rate, minRate, quoted)
	if list != minList || rate != minRate {
		t.Errorf("calls: list %d rate %d, want the minimum %d and %d", list, rate, minList, minRate)
	}
	if quoted != minRate {
		t.Errorf("%d quotes, want one per batch (%d)", quoted, minRate)
	}
}
