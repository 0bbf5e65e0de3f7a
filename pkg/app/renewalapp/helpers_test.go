package renewalapp_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// world serves a generated sandbox partner and the Slack stand-in over loopback until the test ends.
func world(t *testing.T, customers int, now time.Time) (*sandbox.Server, *httptest.Server, *slacklocal.Server) {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 7, Customers: customers, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); srv.Close() })
	slack := slacklocal.New(slacklocal.WithToken("xoxb-test"))
	t.Cleanup(slack.Close)
	return box, srv, slack
}

// localService builds the App and the renewal service of a local run from the YAML doc.
func localService(t *testing.T, doc string, secrets map[string]string, now time.Time) (*app.App, *renewal.Service, *renewal.InProcess) {
	t.Helper()
	env := func(k string) string { return secrets[k] }
	cfg, err := config.Parse([]byte(doc), env)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Resolve(context.Background(), config.NewResolver(env, nil)); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Now: func() time.Time { return now }, File: bolt.Opener(true)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	svc, inproc, err := renewalapp.Local(a)
	if err != nil {
		t.Fatal(err)
	}
	return a, svc, inproc
}

// approveBody is the form body of U0ADA's Approve click on the quote id in msg (team T0ACME, app A0APP).
func approveBody(slack *slacklocal.Server, msg slacklocal.Message, id string) []byte {
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "api_app_id": "A0APP",
		"user": map[string]any{"id": "U0ADA", "name": "ada"}, "team": map[string]any{"id": "T0ACME"},
		"container":    map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": "CQUOTES"},
		"response_url": slack.WebhookURL(),
		"actions":      []any{map[string]any{"type": "button", "action_id": slackapp.ActionApprove, "block_id": slackapp.BlockRenewalDecision, "value": id}}})
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}
