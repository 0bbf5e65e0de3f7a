package check

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/runway"
)

// withRunway adds runway rules with a ceiling of ¥50,000 and returns the reseller customer that has
// plenty of balance (¥40,000) but spends ¥8,000 a day: 5 days of runway.
func withRunway(t *testing.T, f fixture) sandbox.Customer {
	t.Helper()
	ceiling := cny("50000")
	f.rules.Runway = &runway.Rules{Window: 14, Warning: 14, Critical: 3, Spike: runway.DefaultSpike, Ceiling: &ceiling}
	for _, c := range f.box.Customers() {
		if c.Reseller {
			if err := f.box.SetCustomerBalance(c.ID, decimal.NewFromInt(40000)); err != nil {
				t.Fatal(err)
			}
			f.box.SetSpend(c.ID, sandbox.Spend{Daily: decimal.NewFromInt(8000)})
			return c
		}
	}
	t.Fatal("no reseller customer")
	return sandbox.Customer{}
}

func (f fixture) runAtClock() []alert.Evaluation {
	return BalanceCheck{Rules: f.rules}.Run(context.Background(), Env{Now: f.box.Clock(), Clients: f.clients})
}

func finding(fs []alert.Finding, subject string) (alert.Finding, bool) {
	for _, f := range fs {
		if f.Subject == subject {
			return f, true
		}
	}
	return alert.Finding{}, false
}

func TestRunwayInTheBalanceDigest(t *testing.T) {
	f := setup(t, 250)
	c := withRunway(t, f)
	evals := f.runAtClock()
	ev := byAccount(evals)["partner-cn"]
	if ev.Err != nil {
		t.Fatal(ev.Err)
	}
	got, ok := finding(ev.Findings, runway.CustomerPrefix+c.ID)
	if !ok {
		t.Fatalf("no runway finding for %s among %v", c.ID, subjects(ev.Findings, runway.Prefix))
	}
	if got.Severity != notify.Warning || got.Tier != "5 days" || got.Check != Balance || got.Account != "partner-cn" {
		t.Errorf("finding = %+v, want a 5-day warning of the balance check for partner-cn", got)
	}
	if _, low := finding(ev.Findings, "customer/"+c.ID); low {
		t.Error("a ¥40,000 balance is above its threshold and must not be a low balance")
	}
	// Only customers that spent and are below the ceiling have their records read, one call per
	// bill cycle the window touches.
	cycles := len(f.rules.Runway.Cycles(f.box.Clock()))
	want := 0
	for _, cu := range f.box.Customers() {
		if cu.Reseller && cu.Balance.LessThan(decimal.NewFromInt(50000)) && f.box.SpendOf(cu.ID).Daily.IsPositive() {
			want += cycles
		}
	}
	if got := f.box.Calls()["ListSubCustomerBillDetail"]; got != want || want == 0 {
		t.Errorf("fee-record calls = %d, want %d (spenders under the ceiling × %d cycles)", got, want, cycles)
	}
	if got, want := f.box.Calls()["ListConsumeSubCustomers"], cycles*consumerPages(f); got != want {
		t.Errorf("consumer listing calls = %d, want %d", got, want)
	}
	// The runway reads the balances the balance part listed: no listing twice.
	calls := f.box.Calls()
	if calls["ListPartnerBalances"] != 1 || calls["ListSubCustomers"] != 3 || calls["ShowCustomerAccountBalances"] != 1 {
		t.Errorf("calls = %v, want each balance listing once", calls)
	}
	if own := byAccount(evals)["customer-1"]; own.Err != nil {
		t.Errorf("own runway: %v", own.Err)
	}
}

// consumerPages is how many pages of consumers the sandbox lists per cycle.
func consumerPages(f fixture) int {
	n := 0
	for _, cu := range f.box.Customers() {
		if f.box.SpendOf(cu.ID).Daily.IsPositive() {
			n++
		}
	}
	return max(1, (n+99)/100)
}

func TestRunwayTierShortensAsTheBalanceFalls(t *testing.T) {
	f := setup(t, 20)
	c := withRunway(t, f)
	f.box.SetSpend(c.ID, sandbox.Spend{Daily: decimal.NewFromInt(4000)}) // 10 days
	sub := runway.CustomerPrefix + c.ID
	var tiers []string
	for _, bal := range []int64{40000, 32000} { // two days of spend later
		if err := f.box.SetCustomerBalance(c.ID, decimal.NewFromInt(bal)); err != nil {
			t.Fatal(err)
		}
		ev := byAccount(f.runAtClock())["partner-cn"]
		got, ok := finding(ev.Findings, sub)
		if !ok {
			t.Fatalf("no finding at balance %d", bal)
		}
		tiers = append(tiers, got.Tier)
	}
	if want := []string{"10 days", "8 days"}; !slices.Equal(tiers, want) {
		t.Errorf("tiers = %v, want %v", tiers, want)
	}
}

func TestRunwayFailedRecordsAreUnknownNotZero(t *testing.T) {
	f := setup(t, 40)
	c := withRunway(t, f)
	// Every fee-record call fails: each customer that would be read is skipped, none resolved.
	if err := f.box.AddFault(sandbox.Fault{API: "ListSubCustomerBillDetail", Status: 500, Code: "CBC.0999"}); err != nil {
		t.Fatal(err)
	}
	ev := byAccount(f.runAtClock())["partner-cn"]
	if ev.Err == nil || !ev.Partial {
		t.Fatalf("err = %v, partial = %v; want a partial run told to ops", ev.Err, ev.Partial)
	}
	if !strings.Contains(ev.Err.Error(), "customer runways not checked") {
		t.Errorf("err = %v, want how many customer runways were not checked", ev.Err)
	}
	if !slices.Contains(ev.Skipped, runway.CustomerPrefix+c.ID) {
		t.Errorf("skipped = %v, want %s", ev.Skipped, c.ID)
	}
	if len(subjects(ev.Findings, runway.CustomerPrefix)) != 0 {
		t.Error("a customer whose records failed has a runway finding")
	}
	if len(subjects(ev.Findings, "customer/")) == 0 {
		t.Error("the low balances were lost with the runways")
	}
}

func TestRunwayConsumerListingThatOnlyLooksLikeSuccess(t *testing.T) {
	f := setup(t, 40)
	withRunway(t, f)
	if err := f.box.AddFault(sandbox.Fault{API: "ListConsumeSubCustomers", Count: 1, Status: 200, Code: "CBC.99000001", Message: "busy"}); err != nil {
		t.Fatal(err)
	}
	ev := byAccount(f.runAtClock())["partner-cn"]
	if ev.Err == nil || !ev.Partial || !slices.Contains(ev.Skipped, runway.CustomerPrefix) {
		t.Fatalf("err = %v, partial = %v, skipped = %v; want every customer runway skipped and ops told", ev.Err, ev.Partial, ev.Skipped)
	}
	if n := f.box.Calls()["ListSubCustomerBillDetail"]; n != 0 {
		t.Errorf("fee-record calls = %d, want none without knowing who spent", n)
	}
}

func TestRunwayOfPartnerAndOwnAccounts(t *testing.T) {
	f := setup(t, 5)
	withRunway(t, f)
	cash := f.box.PartnerAccounts()[0].Amount
	f.box.SetSpend(f.box.Partner().ID, sandbox.Spend{Daily: cash.Div(decimal.NewFromInt(2))}) // 2 days
	ev := byAccount(f.runAtClock())["partner-cn"]
	if got := subjects(ev.Findings, runway.PartnerPrefix); len(got) != 1 {
		t.Fatalf("partner runway findings = %v, want the cash account", got)
	}
	if f, _ := finding(ev.Findings, subjects(ev.Findings, runway.PartnerPrefix)[0]); f.Severity != notify.Critical {
		t.Errorf("partner runway = %v, want critical at 2 days", f.Severity)
	}
	f.box.FailNext("ListPartnerAccountChangeRecords", 1, 500, "CBC.0999")
	ev = byAccount(f.runAtClock())["partner-cn"]
	if !slices.Contains(ev.Skipped, runway.PartnerPrefix) || ev.Err == nil || !strings.Contains(ev.Err.Error(), "partner runway") {
		t.Errorf("skipped %v err %v; want the partner runway skipped and told", ev.Skipped, ev.Err)
	}
}

func TestRunwayReadsOnlyTheCyclesACustomerConsumedIn(t *testing.T) {
	f := setup(t, 8)
	withRunway(t, f)
	// The 3rd of last month, 12:00 China time: the window runs from the 20th or so of the month
	// before to the 2nd, across two bill cycles, and lies within the sandbox's history.
	wall := f.box.Clock().In(time.FixedZone("UTC+8", 8*3600))
	now := time.Date(wall.Year(), wall.Month()-1, 3, 4, 0, 0, 0, time.UTC)
	second := time.Date(now.Year(), now.Month(), 2, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	var resellers []string
	for _, c := range f.box.Customers() {
		f.box.SetSpend(c.ID, sandbox.Spend{})
		if c.Reseller {
			resellers = append(resellers, c.ID)
			if err := f.box.SetCustomerBalance(c.ID, decimal.NewFromInt(10000)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(resellers) < 2 {
		t.Fatal("want two reseller customers")
	}
	f.box.SetSpend(resellers[0], sandbox.Spend{Spikes: map[string]decimal.Decimal{second: decimal.NewFromInt(14000)}}) // this cycle only: 10 days
	f.box.SetSpend(resellers[1], sandbox.Spend{Daily: decimal.NewFromInt(2000)})                                       // both cycles
	evals := BalanceCheck{Rules: f.rules}.Run(context.Background(), Env{Now: now, Clients: f.clients})
	ev := byAccount(evals)["partner-cn"]
	if ev.Err != nil {
		t.Fatal(ev.Err)
	}
	if got := f.box.Calls()["ListSubCustomerBillDetail"]; got != 3 {
		t.Errorf("fee-record calls = %d, want 3 (one cycle for the customer that spent once, two for the steady one)", got)
	}
	got, ok := finding(ev.Findings, runway.CustomerPrefix+resellers[0])
	if !ok || !strings.Contains(got.Text, "Spend spiked") {
		t.Errorf("finding %+v, want the one-day spender's runway, naming the spike", got)
	}
}

func TestRunwayDigestNoun(t *testing.T) {
	f := setup(t, 3)
	if got := byAccount(f.runAtClock())["partner-cn"].Noun; got != "low balances" {
		t.Errorf("noun without runways = %q, want low balances", got)
	}
	withRunway(t, f)
	if got := byAccount(f.runAtClock())["partner-cn"].Noun; got != "balance alerts" {
		t.Errorf("noun with runways = %q, want balance alerts: a runway is not a low balance", got)
	}
}
