package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/invoice"
)

// invoiceBase is a small valid document with the invoice check; each error case changes one thing.
const invoiceBase = `profiles:
  pc: {role: partner, site: cn, domain_id: d1, ak: env:AK, sk: env:SK}
  pi: {role: partner, site: intl, domain_id: d2, ak: env:AK, sk: env:SK}
  ci: {role: customer, site: intl, domain_id: d5, ak: env:AK, sk: env:SK}
state: {backend: bolt, path: x.db}
destinations:
  ops: {type: slack, token: env:SLACK, channel: C1}
routes:
  - {to: [ops]}
ops: [ops]
checks:
  invoice:
    accounts:
      - profile: pi
      - profile: ci
    look_back_days: 30
    announce_open: true
    warning_states: [11, 15]
`

func TestParseInvoice(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     *invoice.Rules
	}{
		{"every setting", "", "", &invoice.Rules{Profiles: []string{"pi", "ci"}, LookBack: 30 * 24 * time.Hour, Announce: true,
			Warn: []bss.InvoiceState{11, 15}}},
		{"defaults", "    look_back_days: 30\n    announce_open: true\n    warning_states: [11, 15]\n", "",
			&invoice.Rules{Profiles: []string{"pi", "ci"}, LookBack: invoice.DefaultLookBack}},
		{"no warnings at all", "warning_states: [11, 15]", "warning_states: []",
			&invoice.Rules{Profiles: []string{"pi", "ci"}, LookBack: 30 * 24 * time.Hour, Announce: true, Warn: []bss.InvoiceState{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(strings.Replace(invoiceBase, tt.old, tt.new, 1)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Checks.Invoice); diff != "" {
				t.Errorf("invoice rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInvoiceMistakes(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"china-site profile", "- profile: ci", "- profile: pc",
			[]string{`checks.invoice.accounts[1].profile: profile "pc" is a partner on site cn: the China site has no invoice API (ListInvoices); China-site partners see invoice requests in the partner center console (费用中心 > 发票管理) (line 15)`}},
		{"unknown profile", "- profile: ci", "- profile: nobody",
			[]string{`checks.invoice.accounts[1].profile: unknown profile "nobody" (line 15)`}},
		{"profile twice", "- profile: ci", "- profile: pi",
			[]string{`checks.invoice.accounts[1].profile: profile "pi" is listed twice (line 15)`}},
		{"no accounts", "    accounts:\n      - profile: pi\n      - profile: ci\n", "",
			[]string{"checks.invoice.accounts: required (line 13)"}},
		{"empty accounts", "    accounts:\n      - profile: pi\n      - profile: ci\n", "    accounts: []\n",
			[]string{"checks.invoice.accounts: expected a list of at least one {profile: ...}, got a list (line 13)"}},
		{"look-back too long", "look_back_days: 30", "look_back_days: 900",
			[]string{"checks.invoice.look_back_days: must be 1 to 366 days (a window of application time ListInvoices is asked for; longer is refused as a likely typo), got 900 (line 16)"}},
		{"look-back zero", "look_back_days: 30", "look_back_days: 0",
			[]string{"checks.invoice.look_back_days: must be 1 to 366 days (a window of application time ListInvoices is asked for; longer is refused as a likely typo), got 0 (line 16)"}},
		{"look-back not days", "look_back_days: 30", "look_back_days: 90d",
			[]string{`checks.invoice.look_back_days: not a whole number of days: "90d" (line 16)`}},
		{"announce not a boolean", "announce_open: true", "announce_open: sometimes",
			[]string{`checks.invoice.announce_open: expected true or false, got "sometimes" (line 17)`}},
		{"warning state not a code", "warning_states: [11, 15]", "warning_states: [rejected]",
			[]string{`checks.invoice.warning_states: not an invoiceState code: "rejected" (e.g. 11 rejected, 9 returned, 15 return failed) (line 18)`}},
		{"unknown key", "    announce_open: true\n", "    announce_open: true\n    states: [1]\n",
			[]string{"checks.invoice.states: unknown key (expected one of: accounts, look_back_days, announce_open, warning_states) (line 18)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(invoiceBase, tt.old) {
				t.Fatalf("invoiceBase has no %q", tt.old)
			}
			got := mistakes(t, strings.Replace(invoiceBase, tt.old, tt.new, 1), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
