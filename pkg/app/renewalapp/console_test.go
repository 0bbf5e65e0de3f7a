package renewalapp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// slash sends /bsswatch text as Slack does: a form signed with the app's signing secret.
func (c *console) slash(t *testing.T, team, text, secret string) (int, string) {
	t.Helper()
	body := url.Values{"command": {"/bsswatch"}, "text": {text}, "user_id": {"U0ADA"}, "team_id": {team},
		"api_app_id": {"A0APP"}, "channel_id": {"CALERTS"}, "response_url": {c.slack.WebhookURL()}}.Encode()
	h := slackapp.Sign(secret, time.Now(), []byte(body))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := c.post(t, h, body)
	if resp.Body == "" {
		return resp.StatusCode, ""
	}
	var out struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil || out.ResponseType != "ephemeral" {
		t.Fatalf("answer %s, want an ephemeral message", resp.Body)
	}
	return resp.StatusCode, out.Text
}

func TestSlashCommand(t *testing.T) {
	c := setupConsole(t)
	if resp := c.runNow(t, "msg_1", time.Now(), runNowSecret, `{"check":"balance"}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("run now: %d", resp.StatusCode)
	}
	var low, fine string
	for _, cu := range c.box.Customers() {
		switch {
		case !cu.Reseller:
		case cu.Balance.LessThanOrEqual(decimal.NewFromInt(100)) && low == "":
			low = cu.ID
		case cu.Balance.GreaterThan(decimal.NewFromInt(1000)) && fine == "":
			fine = cu.ID
		}
	}
	if low == "" || fine == "" {
		t.Fatal("the generated partner lacks a critical and a fine customer")
	}
	calls := c.box.Calls()

	_, text := c.slash(t, "T0ACME", "balance", "local-signing-secret")
	if !strings.Contains(text, "open*") || !strings.Contains(text, low) || !strings.Contains(text, "critical") {
		t.Errorf("balance answer:\n%s\nwant the open low balances, %s critical among them", text, low)
	}
	if _, text := c.slash(t, "T0ACME", "balance "+low, "local-signing-secret"); !strings.Contains(text, low) || strings.Count(text, "\n") != 1 {
		t.Errorf("balance %s answer:\n%s\nwant that one customer", low, text)
	}
	if _, text := c.slash(t, "T0ACME", "balance "+fine, "local-signing-secret"); !strings.Contains(text, "Nothing open") {
		t.Errorf("balance %s answer:\n%s\nwant nothing open", fine, text)
	}
	if _, text := c.slash(t, "T0ACME", "status", "local-signing-secret"); !strings.Contains(text, "*balance*: last run") || !strings.Contains(text, "*renewal*: has not run yet") {
		t.Errorf("status answer:\n%s", text)
	}
	if _, text := c.slash(t, "T0ACME", "renewals", "local-signing-secret"); !strings.Contains(text, "No renewal quote") {
		t.Errorf("renewals answer:\n%s", text)
	}
	for _, sub := range []string{"", "help", "frobnicate"} {
		if _, text := c.slash(t, "T0ACME", sub, "local-signing-secret"); !strings.Contains(text, "/bsswatch balance [customer]") || !strings.Contains(text, "/bsswatch coupons") {
			t.Errorf("%q answer:\n%s\nwant the help", sub, text)
		}
	}
	if _, text := c.slash(t, "T0OTHER", "balance", "local-signing-secret"); strings.Contains(text, low) {
		t.Errorf("another workspace was told the balances:\n%s", text)
	}
	if status, text := c.slash(t, "T0ACME", "balance", "not-the-signing-secret"); status != http.StatusUnauthorized || text != "" {
		t.Errorf("forged command: %d %q, want 401 and no answer", status, text)
	}
	// Every answer came from the state store.
	after := c.box.Calls()
	for api, n := range after {
		if calls[api] != n {
			t.Errorf("%s called %d times by the commands, want none", api, n-calls[api])
		}
	}
}
