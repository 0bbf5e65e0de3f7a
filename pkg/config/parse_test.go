package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// base is a small valid document; each error case changes one thing in it.
const base = `profiles:
  p:
    role: partner
    site: cn
    domain_id: d1
    ak: env:AK
    sk: env:SK
  c:
    role: customer
    site: intl
    domain_id: d2
    ak: env:CAK
    sk: ssm:/c/sk
state:
  backend: bolt
  path: x.db
destinations:
  ops: {type: slack, token: env:SLACK, channel: C1}
  hook: {type: webhook, url: "https://h.example.com/x", secret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf#secret"}
routes:
  - {to: [ops]}
ops: [ops]
checks:
  balance:
    partner:
      profile: p
      thresholds:
        cash: {currency: CNY, warning: "500", critical: "100"}
    customers:
      profile: p
      default: {currency: CNY, warning: "50", critical: "10"}
    own:
      - {profile: c, threshold: {currency: USD, warning: "5", critical: "1"}}
`

// edit returns base with old replaced by new; old must occur in base.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

// mistakes parses doc and returns the error lines; it fails the test when Parse accepts doc or
// returns something other than an Errors.
func mistakes(t *testing.T, doc string, env func(string) string) []string {
	t.Helper()
	c, err := Parse([]byte(doc), env)
	if err == nil {
		t.Fatalf("Parse accepted the document: %+v", c)
	}
	if c != nil {
		t.Errorf("Parse returned a config with an error")
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse error is %T, want Errors: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

func TestParseBase(t *testing.T) {
	if _, err := Parse([]byte(base), nil); err != nil {
		t.Fatalf("base document: %v", err)
	}
}

func TestParseReportsEachMistakeWithPathAndLine(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"syntax error", "state:\n", "state: [\n",
			[]string{"YAML syntax: did not find expected ',' or ']' (line 13)"}},
		{"unknown top-level key", "ops: [ops]\n", "ops: [ops]\nextra: 1\n",
			[]string{"extra: unknown key (expected one of: timezone, profiles, state, destinations, routes, ops, alerts, checks, slack_app, approvals, run_now) (line 23)"}},
		{"unknown profile key", "    sk: env:SK\n", "    sk: env:SK\n    skk: env:X\n",
			[]string{"profiles.p.skk: unknown key (expected one of: role, site, domain_id, ak, sk, security_token, endpoint, region, timeout, rate_per_second) (line 8)"}},
		{"repeated key", "    sk: env:SK\n", "    sk: env:SK\n    ak: env:AK2\n",
			[]string{"profiles.p.ak: repeated key (first at line 6) (line 8)"}},
		{"invalid profile name", "state:\n", "  \"c d\": {role: customer, site: intl, domain_id: d3, ak: env:X, sk: env:Y}\nstate:\n",
			[]string{"profiles.c d: a profile name is 1 to 64 letters, digits, '.', '_' or '-' (line 14)"}},
		{"profile not a mapping", "  c:\n    role: customer\n    site: intl\n    domain_id: d2\n    ak: env:CAK\n    sk: ssm:/c/sk\n", "  c: customer\n",
			[]string{"profiles.c: expected a mapping, got a single value (line 8)"}},
		{"missing role", "    role: partner\n", "",
			[]string{"profiles.p.role: required (line 3)"}},
		{"unknown role", "role: partner", "role: admin",
			[]string{"profiles.p.role: \"admin\" is not one of: partner, customer (line 3)"}},
		{"unknown site", "site: intl", "site: eu",
			[]string{"profiles.c.site: \"eu\" is not one of: cn, intl (line 10)"}},
		{"missing domain id", "    domain_id: d1\n", "",
			[]string{"profiles.p.domain_id: required (line 3)"}},
		{"empty domain id", "domain_id: d1", "domain_id: \"\"",
			[]string{"profiles.p.domain_id: required (line 5)"}},
		{"empty sk", "sk: env:SK", "sk: \"\"",
			[]string{"profiles.p.sk: required (line 7)"}},
		{"missing sk", "    sk: env:SK\n", "",
			[]string{"profiles.p.sk: required (line 3)"}},
		{"literal secret", "ak: env:AK", "ak: AKIAPLAINVALUE",
			[]string{"profiles.p.ak: a literal secret is not allowed: store it in Secrets Manager, SSM Parameter Store or an environment variable and write a reference (arn:aws:secretsmanager:…[#key], ssm:/name, env:NAME) (line 6)"}},
		{"secret as a mapping", "ak: env:AK", "ak: {env: AK}",
			[]string{"profiles.p.ak: expected a secret reference, got a mapping (line 6)"}},
		{"env reference without a name", "ak: env:AK", "ak: \"env:\"",
			[]string{"profiles.p.ak: env reference needs a variable name of letters, digits and underscores (env:NAME) (line 6)"}},
		{"env reference with a bad name", "ak: env:AK", "ak: env:1-AK",
			[]string{"profiles.p.ak: env reference needs a variable name of letters, digits and underscores (env:NAME) (line 6)"}},
		{"ssm reference without a name", "sk: ssm:/c/sk", "sk: \"ssm:\"",
			[]string{"profiles.c.sk: ssm reference needs a parameter name (ssm:/path/name) (line 13)"}},
		{"malformed ARN", "sk: ssm:/c/sk", "sk: arn:aws:ssm",
			[]string{"profiles.c.sk: malformed ARN reference (arn:partition:service:region:account:resource) (line 13)"}},
		{"ARN of another service", "sk: ssm:/c/sk", "sk: arn:aws:s3:us-east-1:123456789012:bucket/x",
			[]string{"profiles.c.sk: ARN reference must name an SSM parameter or a Secrets Manager secret (line 13)"}},
		{"SSM ARN not a parameter", "sk: ssm:/c/sk", "sk: arn:aws:ssm:us-east-1:123456789012:document/x",
			[]string{"profiles.c.sk: ARN reference for SSM must name a parameter (…:parameter/name) (line 13)"}},
		{"SSM ARN with a key", "sk: ssm:/c/sk", "sk: arn:aws:ssm:us-east-1:123456789012:parameter/x#sk",
			[]string{"profiles.c.sk: #key selects a field of a Secrets Manager JSON secret; SSM parameters have none (line 13)"}},
		{"Secrets Manager ARN with an empty key", "hook-AbCdEf#secret", "hook-AbCdEf#",
			[]string{"destinations.hook.secret: empty #key in a Secrets Manager reference (line 19)"}},
		{"endpoint not a URL", "    sk: env:SK\n", "    sk: env:SK\n    endpoint: 127.0.0.1:8080\n",
			[]string{"profiles.p.endpoint: not an absolute http(s) URL (line 8)"}},
		{"region on the China site", "    sk: env:SK\n", "    sk: env:SK\n    region: ap-southeast-1\n",
			[]string{"profiles.p.region: the China site has one region (cn-north-1); region applies to site intl (line 8)"}},
		{"unknown intl region", "    sk: ssm:/c/sk\n", "    sk: ssm:/c/sk\n    region: us-east-1\n",
			[]string{"profiles.c.region: \"us-east-1\" is not one of: ap-southeast-1, eu-west-101 (line 14)"}},
		{"timeout not a duration", "    sk: env:SK\n", "    sk: env:SK\n    timeout: 10 seconds\n",
			[]string{"profiles.p.timeout: not a duration: \"10 seconds\" (write e.g. 10s, 5m, 24h) (line 8)"}},
		{"timeout not positive", "    sk: env:SK\n", "    sk: env:SK\n    timeout: 0s\n",
			[]string{"profiles.p.timeout: must be positive, got 0s (line 8)"}},
		{"rate not a number", "    sk: env:SK\n", "    sk: env:SK\n    rate_per_second: fast\n",
			[]string{"profiles.p.rate_per_second: not a number: \"fast\" (line 8)"}},
		{"rate not positive", "    sk: env:SK\n", "    sk: env:SK\n    rate_per_second: 0\n",
			[]string{"profiles.p.rate_per_second: must be positive, got 0 (line 8)"}},
		{"unknown timezone", "profiles:\n", "timezone: Mars/Olympus\nprofiles:\n",
			[]string{"timezone: unknown time zone \"Mars/Olympus\" (write an IANA name such as Asia/Shanghai) (line 1)"}},
		{"local timezone", "profiles:\n", "timezone: Local\nprofiles:\n",
			[]string{"timezone: unknown time zone \"Local\" (write an IANA name such as Asia/Shanghai) (line 1)"}},
		{"profiles not a mapping", "profiles:\n  p:\n", "profiles: [p]\nx:\n  p:\n",
			[]string{"profiles: expected a mapping of profile names, got a list (line 1)", "x: unknown key (expected one of: timezone, profiles, state, destinations, routes, ops, alerts, checks, slack_app, approvals, run_now) (line 2)", "checks.balance.partner.profile: unknown profile \"p\" (line 27)", "checks.balance.customers.profile: unknown profile \"p\" (line 31)", "checks.balance.own[0].profile: unknown profile \"c\" (line 34)"}},
		{"unknown backend", "backend: bolt", "backend: redis",
			[]string{"state.backend: \"redis\" is not one of: dynamodb, bolt (line 15)"}},
		{"dynamodb without a table", "backend: bolt", "backend: dynamodb",
			[]string{"state.table: required for backend dynamodb (or set BSSWATCH_STATE_TABLE) (line 15)"}},
		{"bolt without a path", "  path: x.db\n", "",
			[]string{"state.path: required for backend bolt (line 15)"}},
		{"unknown destination type", "type: slack", "type: teams",
			[]string{"destinations.ops.type: \"teams\" is not one of: slack, webhook, slack_webhook (line 18)"}},
		{"slack without a channel", ", channel: C1", "",
			[]string{"destinations.ops.channel: required (line 18)"}},
		{"slack with a webhook setting", ", channel: C1", ", channel: C1, url: \"https://x.example.com\"",
			[]string{"destinations.ops.url: not a setting of type slack (expected: token, channel, api_url) (line 18)"}},
		{"slack api url not http", "channel: C1", "channel: C1, api_url: \"ftp://x\"",
			[]string{"destinations.ops.api_url: not an absolute http(s) URL (line 18)"}},
		{"webhook url not a URL", "url: \"https://h.example.com/x\"", "url: \"h.example.com/x\"",
			[]string{"destinations.hook.url: not an absolute http(s) URL (line 19)"}},
		{"webhook url with a password", "url: \"https://h.example.com/x\"", "url: \"https://u:pw@h.example.com/x\"",
			[]string{"destinations.hook.url: a URL with user:password@ carries a credential; this setting is not a secret (line 19)"}},
		{"webhook without a secret", ", secret: \"arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf#secret\"", "",
			[]string{"destinations.hook.secret: required (line 19)"}},
		{"slack webhook URL written in clear", "  hook: {type: webhook", "  legacy: {type: slack_webhook, url: \"https://hooks.slack.com/services/T0/B0/XYZ\"}\n  hook: {type: webhook",
			[]string{"destinations.legacy.url: a literal secret is not allowed: store it in Secrets Manager, SSM Parameter Store or an environment variable and write a reference (arn:aws:secretsmanager:…[#key], ssm:/name, env:NAME) (line 19)"}},
		{"invalid destination name", "  hook:", "  \"hook/1\":",
			[]string{"destinations.hook/1: a destination name is 1 to 64 letters, digits, '.', '_' or '-' (line 19)"}},
		{"no routes", "  - {to: [ops]}\n", "  []\n",
			[]string{"routes: required: at least one route, or no finding is ever sent (line 21)"}},
		{"route to an unknown destination", "{to: [ops]}", "{to: [ops, pager]}",
			[]string{"routes[0].to: unknown destination \"pager\" (line 21)"}},
		{"route lists a destination twice", "{to: [ops]}", "{to: [ops, ops]}",
			[]string{"routes[0].to[1]: \"ops\" is listed twice (line 21)"}},
		{"route without destinations", "{to: [ops]}", "{to: []}",
			[]string{"routes[0].to: required: at least one destination (line 21)"}},
		{"route with an unknown check", "{to: [ops]}", "{to: [ops], checks: [balances]}",
			[]string{"routes[0].checks: unknown check \"balances\" (expected one of: balance, renewal, coupon, invoice) (line 21)"}},
		{"route with an unknown severity", "{to: [ops]}", "{to: [ops], min_severity: high}",
			[]string{"routes[0].min_severity: \"high\" is not one of: info, warning, critical (line 21)"}},
		{"route with an unknown account", "{to: [ops]}", "{to: [ops], accounts: [q]}",
			[]string{"routes[0].accounts: unknown profile \"q\" (line 21)"}},
		{"route with an unknown key", "{to: [ops]}", "{to: [ops], channel: x}",
			[]string{"routes[0].channel: unknown key (expected one of: to, checks, min_severity, accounts) (line 21)"}},
		{"ops unknown destination", "ops: [ops]", "ops: [pager]",
			[]string{"ops: unknown destination \"pager\" (line 22)"}},
		{"ops empty", "ops: [ops]", "ops: []",
			[]string{"ops: required: at least one destination for check failures (line 22)"}},
		{"ops missing", "ops: [ops]\n", "",
			[]string{"ops: required (line 1)"}},
		{"ops lists a destination twice", "ops: [ops]", "ops: [ops, ops]",
			[]string{"ops[1]: \"ops\" is listed twice (line 22)"}},
		{"repeat interval not a duration", "ops: [ops]\n", "ops: [ops]\nalerts: {repeat_interval: 1d}\n",
			[]string{"alerts.repeat_interval: not a duration: \"1d\" (write e.g. 10s, 5m, 24h) (line 23)"}},
		{"unknown check section", "checks:\n", "checks:\n  coupons: {}\n",
			[]string{"checks.coupons: unknown key (expected one of: balance, renewal, coupon, invoice) (line 24)"}},
		{"partner check with a customer profile", "    partner:\n      profile: p", "    partner:\n      profile: c",
			[]string{"checks.balance.partner.profile: profile \"c\" is a customer on site intl: only a China-site partner can call ListPartnerBalances (line 26)"}},
		{"customers check with an unknown profile", "    customers:\n      profile: p", "    customers:\n      profile: q",
			[]string{"checks.balance.customers.profile: unknown profile \"q\" (line 30)"}},
		{"own check with a China partner", "{profile: c, threshold", "{profile: p, threshold",
			[]string{"checks.balance.own[0].profile: profile \"p\" is a partner on site cn: ShowCustomerAccountBalances reads a customer's own balance; a partner cannot call it (a China-site partner reads its balances with ListPartnerBalances) (line 33)", "checks.balance.own[0].threshold.currency: the China site keeps balances in CNY, not USD (line 33)"}},
		{"own check with an international partner", "  c:\n    role: customer", "  c:\n    role: partner",
			[]string{"checks.balance.own[0].profile: profile \"c\" is a partner on site intl: ShowCustomerAccountBalances reads a customer's own balance; a partner cannot call it (a China-site partner reads its balances with ListPartnerBalances) (line 33)"}},
		{"own check lists a profile twice", "      - {profile: c, threshold: {currency: USD, warning: \"5\", critical: \"1\"}}\n", "      - {profile: c, threshold: {currency: USD, warning: \"5\", critical: \"1\"}}\n      - {profile: c, threshold: {currency: USD, warning: \"6\", critical: \"1\"}}\n",
			[]string{"checks.balance.own[1].profile: profile \"c\" is listed twice (line 34)"}},
		{"amount not a decimal", "warning: \"500\"", "warning: \"5k\"",
			[]string{"checks.balance.partner.thresholds.cash.warning: not a decimal: \"5k\" (line 28)"}},
		{"amount as a float in exponent form", "warning: \"500\"", "warning: 5e2",
			[]string{"checks.balance.partner.thresholds.cash.warning: not a decimal: \"5e2\" (line 28)"}},
		{"amount with an underscore", "warning: \"500\"", "warning: 5_00",
			[]string{"checks.balance.partner.thresholds.cash.warning: not a decimal: \"5_00\" (line 28)"}},
		{"amount as a list", "warning: \"500\"", "warning: [500]",
			[]string{"checks.balance.partner.thresholds.cash.warning: expected a single value, got a list (line 28)"}},
		{"warning below critical", "warning: \"500\"", "warning: \"99.99\"",
			[]string{"checks.balance.partner.thresholds.cash.warning: must be at least critical (100), got 99.99 (line 28)"}},
		{"missing critical", ", critical: \"100\"", "",
			[]string{"checks.balance.partner.thresholds.cash.critical: required (line 28)"}},
		{"missing currency", "cash: {currency: CNY, ", "cash: {",
			[]string{"checks.balance.partner.thresholds.cash.currency: required (line 28)"}},
		{"currency not a code", "cash: {currency: CNY", "cash: {currency: yuan",
			[]string{"checks.balance.partner.thresholds.cash.currency: not an ISO 4217 currency code: \"yuan\" (write e.g. CNY, USD) (line 28)"}},
		{"China site threshold in dollars", "cash: {currency: CNY", "cash: {currency: USD",
			[]string{"checks.balance.partner.thresholds.cash.currency: the China site keeps balances in CNY, not USD (line 28)"}},
		{"unknown account type", "        cash: {", "        cashh: {",
			[]string{"checks.balance.partner.thresholds.cashh: unknown key (expected one of: cash, credit, bonus, deposit, allocatable) (line 28)"}},
		{"no thresholds", "      thresholds:\n        cash: {currency: CNY, warning: \"500\", critical: \"100\"}\n", "      thresholds: {}\n",
			[]string{"checks.balance.partner.thresholds: required: a threshold for at least one account type (cash, credit, bonus, deposit, allocatable) (line 27)"}},
		{"customers without a default", "      default: {currency: CNY, warning: \"50\", critical: \"10\"}\n", "",
			[]string{"checks.balance.customers.default: required (line 30)"}},
		{"override not a decimal", "      default: {currency: CNY, warning: \"50\", critical: \"10\"}\n", "      default: {currency: CNY, warning: \"50\", critical: \"10\"}\n      overrides:\n        c-1: {currency: CNY, warning: \"1,000\", critical: \"10\"}\n",
			[]string{"checks.balance.customers.overrides.c-1.warning: not a decimal: \"1,000\" (line 33)"}},
		{"own not a list", "    own:\n      - {profile: c, threshold: {currency: USD, warning: \"5\", critical: \"1\"}}\n", "    own: {profile: c}\n",
			[]string{"checks.balance.own: expected a list, got a mapping (line 32)"}},
		{"second document", "ops: [ops]\n", "ops: [ops]\n---\nops: [ops]\n",
			[]string{"more than one YAML document: the configuration is one document (line 23)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mistakes(t, edit(t, tt.old, tt.new), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReportsAllMistakesAtOnce(t *testing.T) {
	doc := `timezone: Nowhere/Town
profiles:
  p:
    role: reseller
    site: cn
    ak: AKIALITERAL
    sk: env:SK
state: {backend: dynamodb}
destinations:
  ops: {type: slack, channel: C1, token: env:T}
routes:
  - {to: [pager], min_severity: urgent}
ops: [ops, ops]
checks:
  balance:
    partner:
      profile: p
      thresholds:
        cash: {currency: CNY, warning: "5k", critical: "100"}
        credit: {currency: CNY, warning: "10", critical: "100"}
`
	got := mistakes(t, doc, nil)
	want := []string{
		`timezone: unknown time zone "Nowhere/Town" (write an IANA name such as Asia/Shanghai) (line 1)`,
		`profiles.p.role: "reseller" is not one of: partner, customer (line 4)`,
		`profiles.p.domain_id: required (line 4)`,
		`profiles.p.ak: a literal secret is not allowed: store it in Secrets Manager, SSM Parameter Store or an environment variable and write a reference (arn:aws:secretsmanager:…[#key], ssm:/name, env:NAME) (line 6)`,
		`state.table: required for backend dynamodb (or set BSSWATCH_STATE_TABLE) (line 8)`,
		`routes[0].to: unknown destination "pager" (line 12)`,
		`routes[0].min_severity: "urgent" is not one of: info, warning, critical (line 12)`,
		`ops[1]: "ops" is listed twice (line 13)`,
		`checks.balance.partner.thresholds.cash.warning: not a decimal: "5k" (line 19)`,
		`checks.balance.partner.thresholds.credit.warning: must be at least critical (100), got 10 (line 20)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if strings.Contains(strings.Join(got, "\n"), "AKIALITERAL") {
		t.Errorf("an error quotes the literal secret")
	}
}

func TestParseRefusesEmptyDocuments(t *testing.T) {
	for name, doc := range map[string]string{"empty": "", "comments only": "# nothing\n", "null": "~\n"} {
		t.Run(name, func(t *testing.T) {
			got := mistakes(t, doc, nil)
			if len(got) != 1 || !strings.Contains(got[0], "empty configuration") && !strings.Contains(got[0], "expected a mapping") {
				t.Errorf("errors = %q, want one saying the document is empty", got)
			}
		})
	}
}

func TestParseExample(t *testing.T) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, nil)
	if err != nil {
		t.Fatalf("example does not validate:\n%v", err)
	}
	if got, want := c.Location.String(), "Asia/Shanghai"; got != want {
		t.Errorf("Location = %s, want %s", got, want)
	}
	pc := c.Profiles["partner-cn"]
	gotProfile := []any{pc.Role, pc.Site, pc.DomainID, pc.AK.Ref(), pc.SK.Ref(), pc.SecurityToken.IsSet(), pc.Endpoint, pc.Region, pc.Timeout, pc.RatePerSecond}
	wantProfile := []any{bss.Partner, bss.China, "0a1b2c3d4e5f", "env:BSS_PARTNER_AK", "env:BSS_PARTNER_SK", false, "http://127.0.0.1:8080", bss.RegionChina, 10 * time.Second, 10.0}
	if diff := cmp.Diff(wantProfile, gotProfile); diff != "" {
		t.Errorf("profile partner-cn (-want +got):\n%s", diff)
	}
	if got, want := c.Profiles["partner-intl"].Region, bss.RegionIntl; got != want {
		t.Errorf("partner-intl region = %s, want %s", got, want)
	}
	if diff := cmp.Diff(State{Backend: BackendBolt, Path: "bsswatch.db"}, c.State); diff != "" {
		t.Errorf("State (-want +got):\n%s", diff)
	}
	wantRoutes := []Route{
		{To: []string{"ops"}},
		{To: []string{"finance"}, Checks: []string{"balance"}, MinSeverity: notify.Critical, Accounts: []string{"partner-cn"}},
	}
	if diff := cmp.Diff(wantRoutes, c.Routes, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Routes (-want +got):\n%s", diff)
	}
	ops, fin := c.Destinations["ops"], c.Destinations["finance"]
	gotDest := []any{ops.Type, ops.Token.Ref(), ops.Channel, ops.APIURL, fin.Type, fin.URL, fin.Secret.Ref()}
	wantDest := []any{TypeSlack, "env:SLACK_BOT_TOKEN", "C0123456", "http://127.0.0.1:8081/api/", TypeWebhook, "http://127.0.0.1:8082/bsswatch", "env:WEBHOOK_SECRET"}
	if diff := cmp.Diff(wantDest, gotDest); diff != "" {
		t.Errorf("destinations (-want +got):\n%s", diff)
	}
	b := c.Checks.Balance
	cny := func(w, c string) Threshold {
		return Threshold{Warning: money.MustParse(w, "CNY"), Critical: money.MustParse(c, "CNY")}
	}
	wantPartner := &balance.PartnerRules{Profile: "partner-cn", Thresholds: map[bss.AccountType]Threshold{
		bss.Cash: cny("50000", "10000"), bss.Credit: cny("20000", "5000"), bss.Allocatable: cny("20000", "5000"),
	}}
	if diff := cmp.Diff(wantPartner, b.Partner); diff != "" {
		t.Errorf("partner balance (-want +got):\n%s", diff)
	}
	if got, want := b.Customers.For("c-0001"), cny("5000", "1000"); !cmp.Equal(got, want) {
		t.Errorf("customer c-0001 threshold = %v, want %v", got, want)
	}
	if got, want := b.Customers.For("c-other"), cny("1000", "100"); !cmp.Equal(got, want) {
		t.Errorf("customer c-other threshold = %v, want %v", got, want)
	}
	wantOwn := []balance.OwnRules{
		{Profile: "customer-a", Threshold: Threshold{Warning: money.MustParse("500", "USD"), Critical: money.MustParse("100", "USD")}},
	}
	if diff := cmp.Diff(wantOwn, b.Own); diff != "" {
		t.Errorf("own balances (-want +got):\n%s", diff)
	}
	limit := money.MustParse("5000", "USD")
	wantApprovals := &Approvals{Users: []string{"U0123ABCD"}, Group: "S0123ABCD", TwoApproversAbove: &limit}
	if diff := cmp.Diff(wantApprovals, c.Approvals); diff != "" {
		t.Errorf("approvals (-want +got):\n%s", diff)
	}
	if got, want := []string{c.SlackApp.SigningSecret.Ref(), c.SlackApp.TeamID, c.SlackApp.AppID, c.SlackApp.Destination},
		[]string{"env:SLACK_SIGNING_SECRET", "T0123ABCD", "A0123ABCD", "ops"}; !cmp.Equal(got, want) {
		t.Errorf("slack_app = %q, want %q", got, want)
	}
	wantRenewal := &Renewal{Accounts: []RenewalAccount{{Profile: "customer-a", ListWith: "partner-intl"},
		{Profile: "partner-intl", Agency: &RenewalAgency{Name: "bsswatch-renewal", Label: "renew-managed", Duration: time.Hour}}}, WithinDays: 30,
		PeriodType: bss.Month, PeriodNum: 1, AutoPay: true, QuoteLifetime: 24 * time.Hour, PriceTolerance: decimal.RequireFromString("0.01"),
		PostEvery: time.Second}
	if diff := cmp.Diff(wantRenewal, c.Checks.Renewal); diff != "" {
		t.Errorf("renewal (-want +got):\n%s", diff)
	}
	if got, want := c.Ops, []string{"ops"}; !cmp.Equal(got, want) {
		t.Errorf("Ops = %q, want %q", got, want)
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{c.Location, c.Alerts.RepeatInterval, c.Profiles["p"].Timeout, c.Profiles["p"].RatePerSecond,
		c.Profiles["p"].Region, c.Profiles["c"].Region, c.Routes[0].MinSeverity}
	want := []any{time.UTC, 24 * time.Hour, 10 * time.Second, 10.0, bss.RegionChina, bss.RegionIntl, notify.Info}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b *time.Location) bool { return a.String() == b.String() })); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestParseTreatsEmptyOptionalSettingsAsAbsent(t *testing.T) {
	doc := strings.NewReplacer("    sk: env:SK\n", "    sk: env:SK\n    security_token: \"\"\n    endpoint: \"\"\n    timeout: ~\n",
		"channel: C1}", "channel: C1, api_url: \"\"}").Replace(base)
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, ops := c.Profiles["p"], c.Destinations["ops"]
	if p.SecurityToken.IsSet() || p.Endpoint != "" || p.Timeout != DefaultTimeout || ops.APIURL != "" {
		t.Errorf("security_token set %v, endpoint %q, timeout %s, api_url %q; want unset, \"\", %s, \"\"",
			p.SecurityToken.IsSet(), p.Endpoint, p.Timeout, ops.APIURL, DefaultTimeout)
	}
}

func TestParseStateTable(t *testing.T) {
	doc := edit(t, "  backend: bolt\n  path: x.db\n", "  backend: dynamodb\n  table: from-file\n")
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"from the document", nil, "from-file"},
		{"environment overrides the document", map[string]string{EnvStateTable: "from-env"}, "from-env"},
		{"empty environment value is no override", map[string]string{EnvStateTable: ""}, "from-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(doc), func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got := c.State.Table; got != tt.want {
				t.Errorf("State.Table = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("environment supplies a missing table", func(t *testing.T) {
		doc := edit(t, "  backend: bolt\n  path: x.db\n", "  backend: dynamodb\n")
		c, err := Parse([]byte(doc), func(k string) string { return map[string]string{EnvStateTable: "bsswatch-prod"}[k] })
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.State.Table, "bsswatch-prod"; got != want {
			t.Errorf("State.Table = %q, want %q", got, want)
		}
	})
}

func TestParseReadsAmountsFromSourceText(t *testing.T) {
	tests := []struct {
		name, warning, critical string
		wantWarning             string
	}{
		// 0.1 has no exact float64; 12345678901234567.89 loses its cents through float64.
		{"plain number", `0.1`, `0`, "0.1"},
		{"beyond float64 precision", `"12345678901234567.89"`, `"1"`, "12345678901234567.89"},
		{"negative critical for credit arrears", `"0"`, `"-500.5"`, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := edit(t, `cash: {currency: CNY, warning: "500", critical: "100"}`,
				fmt.Sprintf(`cash: {currency: CNY, warning: %s, critical: %s}`, tt.warning, tt.critical))
			c, err := Parse([]byte(doc), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Checks.Balance.Partner.Thresholds[bss.Cash].Warning
			if got.Value.String() != tt.wantWarning || got.Currency != "CNY" {
				t.Errorf("warning = %s %s, want %s CNY", got.Value, got.Currency, tt.wantWarning)
			}
		})
	}
}

func TestParseFollowsAliases(t *testing.T) {
	doc := edit(t, `      default: {currency: CNY, warning: "50", critical: "10"}`,
		`      default: &t {currency: CNY, warning: "50", critical: "10"}
      overrides:
        c-1: *t`)
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	cb := c.Checks.Balance.Customers
	if got, want := cb.For("c-1"), cb.Default; !cmp.Equal(got, want) || want.Warning.IsZero() {
		t.Errorf("override through alias = %v, want %v", got, want)
	}
}
