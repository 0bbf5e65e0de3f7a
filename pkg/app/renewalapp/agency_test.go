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
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// TestAgencyRenewal configures no customer key at all: the partner's customers are found with
// ListSubCustomers and quoted and renewed through their agency. A customer without the agency and a
// customer the partner does not resell to are ops findings for those accounts, not a failed run; an
// agency credential that BSS stops accepting is assumed again, and the approved quote is ordered.
func TestAgencyRenewal(t *testing.T) {
	now := time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC)
	box, srv, slack := world(t, 60, now)

	// Two reseller customers with resources to quote: one keeps its agency, one has deleted it.
	var picked []sandbox.Customer
	for _, c := range box.Customers() {
		for _, r := range box.Renewable(c.ID, now, 14*24*time.Hour) {
			if c.Reseller && r.Status == sandbox.StatusInUse && r.ExpireTime.After(now) && len(picked) < 2 {
				picked = append(picked, c)
				break
			}
		}
	}
	if len(picked) < 2 {
		t.Fatal("fewer than two reseller customers with resources to quote")
	}
	good, gone := picked[0], picked[1]
	if err := box.SetAgency(gone.ID, sandbox.DefaultAgency, false); err != nil {
		t.Fatal(err)
	}
	if err := box.SetCustomerBalance(good.ID, decimal.NewFromInt(1_000_000)); err != nil {
		t.Fatal(err)
	}
	m := box.Manifest(srv.URL)
	secrets := map[string]string{"P_AK": m.Partner.AK, "P_SK": m.Partner.SK, "SLACK_TOKEN": "xoxb-test", "SIGNING": "local-signing-secret"}
	doc := fmt.Sprintf(`
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:P_AK, sk: env:P_SK, endpoint: %q}
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
    accounts:
      - customers_of: partner-cn
        agency: %s
        customer_ids: [%s, %s, cust-unknown]
        iam_endpoint: %q
    within_days: 14
    period: {type: year, num: 1}
`, m.Partner.DomainID, srv.URL, filepath.Join(t.TempDir(), "state.db"), slack.APIURL(), slack.APIURL(),
		sandbox.DefaultAgency, good.ID, gone.ID, srv.URL)
	a, svc, inproc := localService(t, doc, secrets, now)
	if n := box.Calls()["CreateTemporaryAccessKeyByAgency"]; n != 0 {
		t.Fatalf("start-up assumed %d agencies, want none before they are needed", n)
	}

	out, err := renewalapp.Handler(a, svc, nil)(context.Background(), json.RawMessage(`{}`))
	if err != nil {
		t.Fatalf("scan: %v, want the run to succeed whatever one customer's agency says", err)
	}
	byAccount := map[string]renewal.Report{}
	for _, r := range out.(renewalapp.Result).Reports {
		byAccount[r.Account] = r
	}
	goodName, goneName := renewal.AccountName("partner-cn", good.ID), renewal.AccountName("partner-cn", gone.ID)
	if r := byAccount[goodName]; r.Err != "" || len(r.Quoted) == 0 {
		t.Fatalf("%s: %+v, want quotes", goodName, r)
	}
	ops := slack.Transcript("COPS")
	for _, want := range []string{
		"customer " + gone.ID + " has no agency " + sandbox.DefaultAgency,
		"customer cust-unknown is not a reseller customer of partner-cn",
	} {
		if !strings.Contains(ops, want) {
			t.Errorf("ops channel does not say %q:\n%s", want, ops)
		}
	}
	if r := byAccount[goneName]; len(r.Quoted) != 0 {
		t.Errorf("%s quoted %v without credentials", goneName, r.Quoted)
	}
	if got := box.Calls()["CreateTemporaryAccessKeyByAgency"]; got != 2 {
		t.Errorf("IAM calls = %d, want 2 (each customer with something to quote, once)", got)
	}

	// The credential stops working before the cache expects it to: the worker assumes again.
	box.ExpireTemporaryCredentials(good.ID)
	id := byAccount[goodName].Quoted[0]
	msg := slack.Messages("CQUOTES")[0]
	body := approveBody(slack, msg, id)
	if status, outcome := svc.HandleClick(context.Background(), slackapp.Sign("local-signing-secret", now, body), body); status != 200 || outcome != "approved" {
		t.Fatalf("click = %d %s", status, outcome)
	}
	inproc.Wait()
	orders := box.Orders()
	if len(orders) != 1 || orders[0].CustomerID != good.ID {
		t.Fatalf("orders %+v, want one for %s", orders, good.ID)
	}
	if got := box.Calls()["CreateTemporaryAccessKeyByAgency"]; got != 3 {
		t.Errorf("IAM calls = %d, want 3 (assumed again once after the 401)", got)
	}
}
