package config

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
)

// renewalBase is a small valid document with the renewal check; each error case changes one thing.
const renewalBase = `profiles:
  pc: {role: partner, site: cn, domain_id: d1, ak: env:AK, sk: env:SK}
  pi: {role: partner, site: intl, domain_id: d2, ak: env:AK, sk: env:SK}
  cc: {role: customer, site: cn, domain_id: d3, ak: env:AK, sk: env:SK}
  cc2: {role: customer, site: cn, domain_id: d4, ak: env:AK, sk: env:SK}
  ci: {role: customer, site: intl, domain_id: d5, ak: env:AK, sk: env:SK}
state: {backend: bolt, path: x.db}
destinations:
  ops: {type: slack, token: env:SLACK, channel: C1}
  hook: {type: webhook, url: "https://h.example.com/x", secret: env:HOOK}
routes:
  - {to: [ops]}
ops: [ops]
slack_app:
  signing_secret: env:SLACK_SIGNING_SECRET
  team_id: T0123ABCD
  app_id: A0123ABCD
  destination: ops
approvals:
  users: [U0123ABCD, U0456EFGH]
  group: S0123ABCD
  two_approvers_above: {currency: CNY, amount: "50000"}
checks:
  renewal:
    accounts:
      - profile: cc
        list_with: pc
      - profile: cc2
    within_days: 45
    period: {type: year, num: 1}
    auto_pay: false
    quote_lifetime: 12h
    price_tolerance: "0.01"
    post_every: 2s
`

func editRenewal(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(renewalBase, old) {
		t.Fatalf("renewalBase has no %q", old)
	}
	return strings.Replace(renewalBase, old, new, 1)
}

func TestParseRenewal(t *testing.T) {
	c, err := Parse([]byte(renewalBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantApp := &SlackApp{TeamID: "T0123ABCD", AppID: "A0123ABCD", Destination: "ops"}
	if diff := cmp.Diff(wantApp, c.SlackApp, cmp.Comparer(func(a, b Secret) bool { return a.Ref() == b.Ref() }), cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".SigningSecret"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("SlackApp (-want +got):\n%s", diff)
	}
	if got, want := c.SlackApp.SigningSecret.Ref(), "env:SLACK_SIGNING_SECRET"; got != want {
		t.Errorf("signing secret reference = %q, want %q", got, want)
	}
	limit := money.MustParse("50000", "CNY")
	wantApprovals := &Approvals{Users: []string{"U0123ABCD", "U0456EFGH"}, Group: "S0123ABCD", TwoApproversAbove: &limit}
	if diff := cmp.Diff(wantApprovals, c.Approvals); diff != "" {
		t.Errorf("Approvals (-want +got):\n%s", diff)
	}
	wantRenewal := &Renewal{
		Accounts:   []RenewalAccount{{Profile: "cc", ListWith: "pc"}, {Profile: "cc2"}},
		WithinDays: 45, PeriodType: bss.Year, PeriodNum: 1, AutoPay: false,
		QuoteLifetime: 12 * time.Hour, PriceTolerance: decimal.RequireFromString("0.01"), PostEvery: 2 * time.Second,
	}
	if diff := cmp.Diff(wantRenewal, c.Checks.Renewal); diff != "" {
		t.Errorf("Renewal (-want +got):\n%s", diff)
	}
}

func TestParseRenewalDefaults(t *testing.T) {
	doc := editRenewal(t, "    within_days: 45\n    period: {type: year, num: 1}\n    auto_pay: false\n    quote_lifetime: 12h\n    price_tolerance: \"0.01\"\n",
		"    period: {type: month, num: 3}\n")
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Checks.Renewal
	got := []any{r.WithinDays, r.PeriodType, r.PeriodNum, r.AutoPay, r.QuoteLifetime, r.PriceTolerance.String()}
	want := []any{30, bss.Month, 3, true, 24 * time.Hour, "0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestParseRenewalMistakes(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		// The check needs the Slack app and the approvers.
		{"renewal without slack_app", "slack_app:\n  signing_secret: env:SLACK_SIGNING_SECRET\n  team_id: T0123ABCD\n  app_id: A0123ABCD\n  destination: ops\n", "",
			[]string{"checks.renewal: needs slack_app: quotes are approved with Slack buttons, and the clicks come through the Slack app (line 20)"}},
		{"renewal without approvals", "approvals:\n  users: [U0123ABCD, U0456EFGH]\n  group: S0123ABCD\n  two_approvers_above: {currency: CNY, amount: \"50000\"}\n", "",
			[]string{"checks.renewal: needs approvals: who may approve or reject a renewal (line 21)"}},

		// slack_app
		{"slack_app unknown key", "  destination: ops\n", "  destination: ops\n  bot_token: env:X\n",
			[]string{"slack_app.bot_token: unknown key (expected one of: signing_secret, team_id, app_id, destination) (line 19)"}},
		{"signing secret missing", "  signing_secret: env:SLACK_SIGNING_SECRET\n", "",
			[]string{"slack_app.signing_secret: required (line 15)"}},
		{"signing secret written in clear", "signing_secret: env:SLACK_SIGNING_SECRET", "signing_secret: 8f742231b10e8888abcd99yyyzzz85a5",
			[]string{"slack_app.signing_secret: a literal secret is not allowed: store it in Secrets Manager, SSM Parameter Store or an environment variable and write a reference (arn:aws:secretsmanager:…[#key], ssm:/name, env:NAME) (line 15)"}},
		{"team id missing", "  team_id: T0123ABCD\n", "",
			[]string{"slack_app.team_id: required (line 15)"}},
		{"team id is a name", "team_id: T0123ABCD", "team_id: example-ops",
			[]string{"slack_app.team_id: \"example-ops\" is not a Slack workspace id (T… ; in Slack: workspace menu > Settings, or the team_id of the app's Basic Information) (line 16)"}},
		{"app id missing", "  app_id: A0123ABCD\n", "",
			[]string{"slack_app.app_id: required (line 15)"}},
		{"app id of another kind", "app_id: A0123ABCD", "app_id: B0123ABCD",
			[]string{"slack_app.app_id: \"B0123ABCD\" is not a Slack app id (A… ; the App ID on the app's Basic Information page) (line 17)"}},
		{"destination missing", "  destination: ops\n", "",
			[]string{"slack_app.destination: required (line 15)"}},
		{"destination unknown", "destination: ops", "destination: pager",
			[]string{"slack_app.destination: unknown destination \"pager\" (line 18)"}},
		{"destination not slack", "destination: ops", "destination: hook",
			[]string{"slack_app.destination: destination \"hook\" is of type webhook; quote messages need type slack (a bot token and a channel: buttons, edits, thread replies) (line 18)"}},
		{"slack_app not a mapping", "slack_app:\n  signing_secret: env:SLACK_SIGNING_SECRET\n  team_id: T0123ABCD\n  app_id: A0123ABCD\n  destination: ops\n", "slack_app: ops\n",
			[]string{"slack_app: expected a mapping, got a single value (line 14)"}},

		// approvals
		{"approvals with nobody", "  users: [U0123ABCD, U0456EFGH]\n  group: S0123ABCD\n  two_approvers_above: {currency: CNY, amount: \"50000\"}\n", "  users: []\n",
			[]string{"approvals: required: users or group (who may approve renewals) (line 20)"}},
		{"user given by name", "users: [U0123ABCD, U0456EFGH]", "users: [U0123ABCD, \"@li.wei\"]",
			[]string{"approvals.users: \"@li.wei\" is not a Slack user id (U… or W…; in Slack: the user's profile > ⋮ > Copy member ID) (line 20)"}},
		{"user listed twice", "users: [U0123ABCD, U0456EFGH]", "users: [U0123ABCD, U0123ABCD]",
			[]string{"approvals.users[1]: \"U0123ABCD\" is listed twice (line 20)"}},
		{"group given by handle", "group: S0123ABCD", "group: \"@finance\"",
			[]string{"approvals.group: \"@finance\" is not a Slack user group id (S… ; not the @handle) (line 21)"}},
		{"group empty", "group: S0123ABCD", "group: \"\"",
			[]string{"approvals.group: required (line 21)"}},
		{"two approvers but one user", "  users: [U0123ABCD, U0456EFGH]\n  group: S0123ABCD\n", "  users: [U0123ABCD]\n",
			[]string{"approvals.two_approvers_above: two different approvers are needed above this amount, but only one user may approve (add users or a group) (line 21)"}},
		{"two approvers amount not a decimal", "amount: \"50000\"", "amount: 5e4",
			[]string{"approvals.two_approvers_above.amount: not a decimal: \"5e4\" (line 22)"}},
		{"two approvers amount negative", "amount: \"50000\"", "amount: \"-1\"",
			[]string{"approvals.two_approvers_above.amount: must not be negative, got -1 (line 22)"}},
		{"two approvers amount missing", ", amount: \"50000\"", "",
			[]string{"approvals.two_approvers_above.amount: required (line 22)"}},
		{"two approvers currency not a code", "{currency: CNY, amount", "{currency: rmb, amount",
			[]string{"approvals.two_approvers_above.currency: not an ISO 4217 currency code: \"rmb\" (write e.g. CNY, USD) (line 22)"}},
		{"two approvers in another currency than the China site", "{currency: CNY, amount", "{currency: USD, amount",
			[]string{"approvals.two_approvers_above.currency: renewal account \"cc\" is on site cn, which quotes in CNY, not USD (line 22)"}},
		{"two approvers in CNY for an international account", "      - profile: cc2\n", "      - profile: ci\n",
			[]string{"approvals.two_approvers_above.currency: renewal account \"ci\" is on site intl, which quotes in USD, not CNY (line 22)"}},
		{"approvals unknown key", "  group: S0123ABCD\n", "  group: S0123ABCD\n  channel: C1\n",
			[]string{"approvals.channel: unknown key (expected one of: users, group, two_approvers_above, snoozers) (line 22)"}},

		// checks.renewal
		{"no accounts", "    accounts:\n      - profile: cc\n        list_with: pc\n      - profile: cc2\n", "    accounts: []\n",
			[]string{"checks.renewal.accounts: required: at least one customer profile or customers_of partner (line 25)"}},
		{"accounts missing", "    accounts:\n      - profile: cc\n        list_with: pc\n      - profile: cc2\n", "",
			[]string{"checks.renewal.accounts: required (line 25)"}},
		{"account is a partner", "      - profile: cc2\n", "      - profile: pc\n",
			[]string{"checks.renewal.accounts[1].profile: profile \"pc\" is a partner on site cn: only the customer's own (or agency) credentials can call ListRenewRateOnPeriod (line 28)"}},
		{"account unknown", "      - profile: cc2\n", "      - profile: cx\n",
			[]string{"checks.renewal.accounts[1].profile: unknown profile \"cx\" (line 28)"}},
		{"account listed twice", "      - profile: cc2\n", "      - profile: cc\n",
			[]string{"checks.renewal.accounts[1].profile: profile \"cc\" is listed twice (line 28)"}},
		{"list_with a customer", "list_with: pc", "list_with: cc2",
			[]string{"checks.renewal.accounts[0].list_with: profile \"cc2\" is a customer; list_with needs a partner profile (ListPayPerUseCustomerResources with the customer id) (line 27)"}},
		{"list_with a partner on another site", "list_with: pc", "list_with: pi",
			[]string{"checks.renewal.accounts[0].list_with: profile \"pi\" is on site intl and \"cc\" on site cn; a partner lists only its own site's customers (line 27)"}},
		{"list_with unknown", "list_with: pc", "list_with: px",
			[]string{"checks.renewal.accounts[0].list_with: unknown profile \"px\" (line 27)"}},
		{"account unknown key", "        list_with: pc\n", "        list_with: pc\n        customer_id: x\n",
			[]string{"checks.renewal.accounts[0].customer_id: unknown key (expected one of: profile, list_with, customers_of, agency, customer_ids, label, iam_endpoint, agency_duration) (line 28)"}},
		{"customers_of a customer", "      - profile: cc2\n", "      - {customers_of: cc2, agency: bsswatch-renewal}\n",
			[]string{"checks.renewal.accounts[1].customers_of: profile \"cc2\" is a customer on site cn: only a partner can call ListSubCustomers (line 28)"}},
		{"customers_of without agency", "      - profile: cc2\n", "      - customers_of: pc\n",
			[]string{"checks.renewal.accounts[1].agency: required (line 28)"}},
		{"customers_of and profile", "      - profile: cc2\n", "      - {customers_of: pc, profile: cc2, agency: a}\n",
			[]string{"checks.renewal.accounts[1].profile: profile and customers_of exclude each other: an entry is one customer's keys or a partner's customers (line 28)"}},
		{"customers_of with list_with", "      - profile: cc2\n", "      - {customers_of: pc, list_with: pc, agency: a}\n",
			[]string{"checks.renewal.accounts[1].list_with: customers_of lists with the partner itself; list_with is for a profile entry (line 28)"}},
		{"customers_of twice", "      - profile: cc2\n", "      - {customers_of: pc, agency: a}\n      - {customers_of: pc, agency: b}\n",
			[]string{"checks.renewal.accounts[2].customers_of: partner \"pc\" is listed twice (line 29)"}},
		{"neither profile nor customers_of", "      - profile: cc2\n", "      - {agency: a}\n",
			[]string{"checks.renewal.accounts[1]: required: profile (a customer's own keys) or customers_of (a partner whose customers are reached through their agency) (line 28)"}},
		{"agency name with a slash", "      - profile: cc2\n", "      - {customers_of: pc, agency: a/b}\n",
			[]string{"checks.renewal.accounts[1].agency: \"a/b\" is not an IAM agency name (1 to 64 letters, digits, spaces, _ - .) (line 28)"}},
		{"agency duration too short", "      - profile: cc2\n", "      - {customers_of: pc, agency: a, agency_duration: 5m}\n",
			[]string{"checks.renewal.accounts[1].agency_duration: IAM issues agency credentials for 15m to 24h, got 5m (line 28)"}},
		{"customer ids and label", "      - profile: cc2\n", "      - customers_of: pc\n        agency: a\n        customer_ids: [c1]\n        label: vip\n",
			[]string{"checks.renewal.accounts[1].label: customer_ids and label exclude each other: name the customers or their label (line 31)"}},
		{"agency keys on a profile entry", "      - profile: cc2\n", "      - {profile: cc2, agency: a}\n",
			[]string{"checks.renewal.accounts[1].agency: only for customers_of (customers reached through their agency); profile \"cc2\" has its own keys (line 28)"}},
		{"iam endpoint not a URL", "      - profile: cc2\n", "      - {customers_of: pc, agency: a, iam_endpoint: iam.example.com}\n",
			[]string{"checks.renewal.accounts[1].iam_endpoint: not an absolute http(s) URL (line 28)"}},
		{"within_days zero", "within_days: 45", "within_days: 0",
			[]string{"checks.renewal.within_days: must be 1 to 365 days, got 0 (line 29)"}},
		{"within_days over a year", "within_days: 45", "within_days: 366",
			[]string{"checks.renewal.within_days: must be 1 to 365 days, got 366 (line 29)"}},
		{"within_days not whole", "within_days: 45", "within_days: 4.5",
			[]string{"checks.renewal.within_days: not a whole number of days: \"4.5\" (line 29)"}},
		{"period missing", "    period: {type: year, num: 1}\n", "",
			[]string{"checks.renewal.period: required (line 25)"}},
		{"period type unknown", "type: year", "type: week",
			[]string{"checks.renewal.period.type: \"week\" is not one of: month, year (line 30)"}},
		{"period of 12 months", "type: year, num: 1", "type: month, num: 12",
			[]string{"checks.renewal.period.num: a renewal is 1 to 11 months, got 12 (line 30)"}},
		{"period of 4 years", "num: 1}", "num: 4}",
			[]string{"checks.renewal.period.num: a renewal is 1 to 3 years, got 4 (line 30)"}},
		{"period of 0 years", "num: 1}", "num: 0}",
			[]string{"checks.renewal.period.num: a renewal is 1 to 3 years, got 0 (line 30)"}},
		{"period num not a number", "num: 1}", "num: one}",
			[]string{"checks.renewal.period.num: not a whole number: \"one\" (line 30)"}},
		{"period num missing", "{type: year, num: 1}", "{type: year}",
			[]string{"checks.renewal.period.num: required (line 30)"}},
		{"auto_pay not a bool", "auto_pay: false", "auto_pay: \"no\"",
			[]string{"checks.renewal.auto_pay: expected true or false, got \"no\" (line 31)"}},
		{"quote lifetime not a duration", "quote_lifetime: 12h", "quote_lifetime: 1d",
			[]string{"checks.renewal.quote_lifetime: not a duration: \"1d\" (write e.g. 10s, 5m, 24h) (line 32)"}},
		{"quote lifetime over a week", "quote_lifetime: 12h", "quote_lifetime: 169h",
			[]string{"checks.renewal.quote_lifetime: at most 168h (prices change; a later scan quotes again), got 169h (line 32)"}},
		{"post_every not positive", "post_every: 2s", "post_every: 0s",
			[]string{"checks.renewal.post_every: must be positive, got 0s (line 34)"}},
		{"price tolerance as a percentage", "price_tolerance: \"0.01\"", "price_tolerance: 1%",
			[]string{"checks.renewal.price_tolerance: not a decimal fraction: \"1%\" (write 0.01 for 1%) (line 33)"}},
		{"price tolerance negative", "price_tolerance: \"0.01\"", "price_tolerance: \"-0.01\"",
			[]string{"checks.renewal.price_tolerance: must be 0 to 1 (0.01 is 1%), got -0.01 (line 33)"}},
		{"price tolerance above one", "price_tolerance: \"0.01\"", "price_tolerance: \"1.5\"",
			[]string{"checks.renewal.price_tolerance: must be 0 to 1 (0.01 is 1%), got 1.5 (line 33)"}},
		{"renewal unknown key", "    auto_pay: false\n", "    auto_pay: false\n    customers: all\n",
			[]string{"checks.renewal.customers: unknown key (expected one of: accounts, within_days, period, auto_pay, quote_lifetime, price_tolerance, post_every) (line 32)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mistakes(t, editRenewal(t, tt.old, tt.new), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRenewalReportsAllMistakesAtOnce(t *testing.T) {
	doc := strings.NewReplacer(
		"team_id: T0123ABCD", "team_id: ops-team",
		"destination: ops", "destination: hook",
		"users: [U0123ABCD, U0456EFGH]", "users: [li.wei]",
		"list_with: pc", "list_with: pi",
		"num: 1}", "num: 5}",
		"price_tolerance: \"0.01\"", "price_tolerance: 2",
	).Replace(renewalBase)
	got := mistakes(t, doc, nil)
	want := []string{
		`slack_app.team_id: "ops-team" is not a Slack workspace id (T… ; in Slack: workspace menu > Settings, or the team_id of the app's Basic Information) (line 16)`,
		`slack_app.destination: destination "hook" is of type webhook; quote messages need type slack (a bot token and a channel: buttons, edits, thread replies) (line 18)`,
		`approvals.users: "li.wei" is not a Slack user id (U… or W…; in Slack: the user's profile > ⋮ > Copy member ID) (line 20)`,
		`checks.renewal.accounts[0].list_with: profile "pi" is on site intl and "cc" on site cn; a partner lists only its own site's customers (line 27)`,
		`checks.renewal.period.num: a renewal is 1 to 3 years, got 5 (line 30)`,
		`checks.renewal.price_tolerance: must be 0 to 1 (0.01 is 1%), got 2 (line 33)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestResolveSigningSecret(t *testing.T) {
	c, err := Parse([]byte(renewalBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AK": "ak", "SK": "sk", "SLACK": "xoxb-1", "HOOK": "whsec_x", "SLACK_SIGNING_SECRET": "8f742231b10e"}
	if err := c.Resolve(context.Background(), NewResolver(func(k string) string { return env[k] }, nil)); err != nil {
		t.Fatal(err)
	}
	if got, want := c.SlackApp.SigningSecret.Value(), "8f742231b10e"; got != want {
		t.Errorf("signing secret = %q, want %q", got, want)
	}

	c, err = Parse([]byte(renewalBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	delete(env, "SLACK_SIGNING_SECRET")
	err = c.Resolve(context.Background(), NewResolver(func(k string) string { return env[k] }, nil))
	if got, want := err.Error(), "slack_app.signing_secret: environment variable SLACK_SIGNING_SECRET is not set or empty (line 15)"; got != want {
		t.Errorf("Resolve = %q, want %q", got, want)
	}
}

func TestParseRenewalAgencyAccounts(t *testing.T) {
	tests := []struct {
		name  string
		entry string
		want  RenewalAccount
	}{
		{"every reseller customer", "      - {customers_of: pc, agency: bsswatch-renewal}\n",
			RenewalAccount{Profile: "pc", Agency: &RenewalAgency{Name: "bsswatch-renewal", Duration: time.Hour}}},
		{"some customers, own endpoint and duration", "      - {customers_of: pc, agency: renew, customer_ids: [c1, c2], iam_endpoint: \"http://127.0.0.1:8080\", agency_duration: 2h}\n",
			RenewalAccount{Profile: "pc", Agency: &RenewalAgency{Name: "renew", CustomerIDs: []string{"c1", "c2"}, IAMEndpoint: "http://127.0.0.1:8080", Duration: 2 * time.Hour}}},
		{"customers with a label", "      - {customers_of: pc, agency: renew, label: vip}\n",
			RenewalAccount{Profile: "pc", Agency: &RenewalAgency{Name: "renew", Label: "vip", Duration: time.Hour}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(editRenewal(t, "      - profile: cc2\n", tt.entry)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]RenewalAccount{{Profile: "cc", ListWith: "pc"}, tt.want}, c.Checks.Renewal.Accounts); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
}
