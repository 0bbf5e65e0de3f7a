package balance

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// severities maps each finding's subject to its severity.
func severities(r Result) map[string]notify.Severity {
	out := map[string]notify.Severity{}
	for _, f := range r.Findings {
		out[f.Subject] = f.Severity
	}
	return out
}

func TestPartnerRules(t *testing.T) {
	low := Threshold{Warning: cny("1000"), Critical: cny("100")}
	high := Threshold{Warning: cny("100000"), Critical: cny("50000")}
	accounts := []bss.AccountBalance{
		{AccountID: "cash-1", Type: bss.Cash, Amount: cny("500")},
		{AccountID: "credit-1", Type: bss.Credit, Amount: cny("60000")},
		{AccountID: "bonus-1", Type: bss.Bonus, Amount: cny("0")},
		{AccountID: "alloc-1", Type: bss.Allocatable, Amount: cny("20")},
	}
	tests := []struct {
		name       string
		thresholds map[bss.AccountType]Threshold
		want       map[string]notify.Severity
	}{
		{"only cash watched", map[bss.AccountType]Threshold{bss.Cash: low}, map[string]notify.Severity{"partner/cash-1": notify.Warning}},
		{"per-type thresholds", map[bss.AccountType]Threshold{bss.Cash: low, bss.Credit: high, bss.Allocatable: low},
			map[string]notify.Severity{"partner/cash-1": notify.Warning, "partner/credit-1": notify.Warning, "partner/alloc-1": notify.Critical}},
		{"unwatched types never alert", map[bss.AccountType]Threshold{bss.Deposit: high}, map[string]notify.Severity{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := PartnerRules{Profile: "p", Thresholds: tt.thresholds}
			if diff := cmp.Diff(tt.want, severities(r.Evaluate(accounts))); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
	r := PartnerRules{Thresholds: map[bss.AccountType]Threshold{bss.Cash: low}}
	if got := r.Evaluate(accounts).Findings[0].Title; got != "Partner cash account" {
		t.Errorf("title = %q, want the account type in words", got)
	}
}

func TestCustomerRules(t *testing.T) {
	subs := []bss.SubCustomer{
		{ID: "a", Name: "Acme"},
		{ID: "b", AccountName: "beta-acct"},
		{ID: "c", AssociationType: bss.Advisory},
		{ID: "d"},
		{ID: "e"},
	}
	r := CustomerRules{
		Default:   Threshold{Warning: cny("1000"), Critical: cny("100")},
		Overrides: map[string]Threshold{"b": {Warning: cny("50000"), Critical: cny("10000")}},
	}
	if got, want := r.Watched(subs), []string{"a", "b", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("Watched = %v, want %v (advisory customers are not asked about)", got, want)
	}
	tests := []struct {
		name        string
		balances    []bss.CustomerBalance
		failed      []string
		want        map[string]notify.Severity
		wantSkipped []string
		wantErrs    int
	}{
		{
			name:     "default and override",
			balances: []bss.CustomerBalance{{CustomerID: "a", Amount: cny("50")}, {CustomerID: "b", Amount: cny("20000")}, {CustomerID: "d", Amount: cny("5000")}, {CustomerID: "e", Amount: cny("999")}},
			want:     map[string]notify.Severity{"customer/a": notify.Critical, "customer/b": notify.Warning, "customer/e": notify.Warning},
		},
		{
			name:        "missing from the answer is skipped, not zero",
			balances:    []bss.CustomerBalance{{CustomerID: "a", Amount: cny("5000")}, {CustomerID: "b", Amount: cny("90000")}},
			want:        map[string]notify.Severity{},
			wantSkipped: []string{"customer/d", "customer/e"},
		},
		{
			name:        "a failed batch skips its customers",
			balances:    []bss.CustomerBalance{{CustomerID: "a", Amount: cny("10")}, {CustomerID: "b", Amount: cny("90000")}},
			failed:      []string{"d", "e"},
			want:        map[string]notify.Severity{"customer/a": notify.Critical},
			wantSkipped: []string{"customer/d", "customer/e"},
		},
		{
			name:        "a balance in another currency is skipped with an error",
			balances:    []bss.CustomerBalance{{CustomerID: "a", Amount: money.MustParse("1", "USD")}, {CustomerID: "b", Amount: cny("90000")}, {CustomerID: "d", Amount: cny("5000")}, {CustomerID: "e", Amount: cny("5000")}},
			want:        map[string]notify.Severity{},
			wantSkipped: []string{"customer/a"},
			wantErrs:    1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.Evaluate(subs, tt.balances, tt.failed)
			if diff := cmp.Diff(tt.want, severities(res)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			got := slices.Sorted(slices.Values(res.Skipped))
			if !slices.Equal(got, tt.wantSkipped) {
				t.Errorf("skipped = %v, want %v", got, tt.wantSkipped)
			}
			if len(res.Errs) != tt.wantErrs {
				t.Errorf("errors = %v, want %d", res.Errs, tt.wantErrs)
			}
		})
	}
	res := r.Evaluate(subs, []bss.CustomerBalance{{CustomerID: "a", Amount: cny("1")}, {CustomerID: "b", Amount: cny("1")}}, nil)
	titles := map[string]string{}
	for _, f := range res.Findings {
		titles[f.Subject] = f.Title
	}
	if titles["customer/a"] != "Acme (a)" || titles["customer/b"] != "beta-acct (b)" {
		t.Errorf("titles = %v, want the real name, else the account name, with the id", titles)
	}
}

func TestOwnRulesCountOnlyCash(t *testing.T) {
	r := OwnRules{Profile: "cust", Threshold: Threshold{Warning: cny("1000"), Critical: cny("100")}}
	own := bss.OwnBalance{Debt: cny("12"), Accounts: []bss.AccountBalance{
		{AccountID: "cash", Type: bss.Cash, Amount: cny("500")},
		{AccountID: "credit", Type: bss.Credit, Amount: cny("0")},
	}}
	res := r.Evaluate(own)
	if diff := cmp.Diff(map[string]notify.Severity{"own/cash": notify.Warning}, severities(res)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if f := res.Findings[0]; f.Title != "cust cash account" || f.Fields[len(f.Fields)-1].Value != "¥12.00" {
		t.Errorf("finding = %q %v; want the profile's cash account with its debt", f.Title, f.Fields)
	}
}
