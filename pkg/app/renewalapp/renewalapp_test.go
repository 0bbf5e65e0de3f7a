package renewalapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// TestLocalRenewal runs the renewal check as `bsswatch run` and the demo would: configuration to
// App to service, a scan, a signed click and the in-process order, against the sandbox and the
// Slack stand-in with the embedded store.
func TestLocalRenewal(t *testing.T) { localRenewal(t, false) }

// TestLocalRenewalRefusedOrderTellsOps has BSS refuse the order: the worker fails the quote, ops hears
// it through the alert engine, and the account's next scan says the check recovered.
func TestLocalRenewalRefusedOrderTellsOps(t *testing.T) { localRenewal(t, true) }

func localRenewal(t *testing.T, refuse bool) {
	now := time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC)
	box, srv, slack := world(t, 30, now)
	m := box.Manifest(srv.URL)
	var cust sandbox.ManifestCustomer
	for _, c := range m.Customers {
		for _, r := range box.Resources(c.CustomerID) {
			if r.Main && r.Status == sandbox.StatusInUse && r.ExpirePolicy != sandbox.PolicyAutoRenew &&
				r.ExpireTime.After(now) && r.ExpireTime.Before(now.Add(14*24*time.Hour)) && cust.CustomerID == "" {
				cust = c
			}
		}
	}
	if cust.CustomerID == "" {
		t.Fatal("no customer to quote")
	}
	if err := box.SetCustomerBalance(cust.CustomerID, decimal.NewFromInt(1_000_000)); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"P_AK": m.Partner.AK, "P_SK": m.Partner.SK, "C_AK": cust.AK, "C_SK": cust.SK,
		"SLACK_TOKEN": "xoxb-test", "SIGNING": "local-signing-secret"}
	doc := fmt.Sprintf(`
timezone: Asia/Shanghai
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:P_AK, sk: env:P_SK, endpoint: %q}
  acme: {role: customer, site: cn, domain_id: %q, ak: env:C_AK, sk: env:C_SK, endpoint: %q}
state: {backend: bolt, path: %q}
destinations:
  quotes: {type: slack, token: env:SLACK_TOKEN, channel: CQUOTES, api_url: %q}
  ops: {type: slack, token: env:SLACK_TOKEN, channel: COPS, api_url: %q}
routes: [{to: [quotes]}]
ops: [ops]
slack_app: {signing_secret: env:SIGNING, team_id: T0ACME, app_id: A0APP, destination: quotes}
approvals: {users: [U0ADA]}
checks:
  renewal:
    accounts: [{profile: acme, list_with: partner-cn}]
    within_days: 14
    period: {type: year, num: 1}
    quote_lifetime: 48h
`, m.Partner.DomainID, srv.URL, cust.DomainID, srv.URL, filepath.Join(t.TempDir(), "state.db"), slack.APIURL(), slack.APIURL())
	a, svc, inproc := localService(t, doc, secrets, now)
	handle := renewalapp.Handler(a, svc, nil)

	out, err := handle(context.Background(), json.RawMessage(`{"dry_run":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if res := out.(renewalapp.Result); !res.DryRun || res.Reports[0].Eligible == 0 || len(slack.Messages("")) != 0 {
		t.Fatalf("dry run %+v with %d messages, want eligible resources and nothing posted", res, len(slack.Messages("")))
	}
	out, err = handle(context.Background(), json.RawMessage(`{"scheduled_time":"2026-11-21T01:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	res := out.(renewalapp.Result)
	if len(res.Reports) != 1 || len(res.Reports[0].Quoted) == 0 {
		t.Fatalf("scan %+v, want quotes", res)
	}
	id := res.Reports[0].Quoted[0]
	msg := slack.Messages("CQUOTES")[0]
	// A year is quoted, and times show in the configured zone (01:00 UTC is 09:00 CST).
	if text := msg.Render(); !strings.Contains(text, "1 year") || !strings.Contains(text, "CST") {
		t.Errorf("quote message:\n%s", text)
	}
	body := approveBody(slack, msg, id)
	if status, outcome := svc.HandleClick(context.Background(), slackapp.Sign("local-signing-secret", now, body), body); status != 200 || outcome != "approved" {
		t.Fatalf("click = %d %s", status, outcome)
	}
	if refuse {
		box.FailNext("RenewalResources", 1, 400, "CBC.0100")
	}
	inproc.Wait()
	if refuse {
		ops := slack.Messages("COPS")
		if len(ops) != 1 || !strings.Contains(ops[0].Render(), "renewal check failing for acme") || !strings.Contains(ops[0].Render(), id+" ") {
			t.Fatalf("ops got %d messages, want one naming the failed quote %s", len(ops), id)
		}
		out, err := handle(context.Background(), json.RawMessage(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		if res := out.(renewalapp.Result); res.Sent["resolved"] != 1 {
			t.Errorf("next scan sent %v, want the ops episode closed", res.Sent)
		}
		return
	}
	orders := box.Orders()
	if len(orders) != 1 || orders[0].PeriodType != sandbox.PeriodYear || !orders[0].Paid {
		t.Fatalf("orders %+v, want one paid yearly order (auto_pay defaults to true)", orders)
	}
}
