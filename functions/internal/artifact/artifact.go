// Package artifact starts a function as deployed, for its tests: the BSS sandbox, the Slack stand-in
// and a table of the local DynamoDB-API server on loopback, the configuration written to a file, and
// the bootstrap built with the Lambda build tags running under a local Runtime API with nothing but
// its environment to go on.
package artifact

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/runtimeapi/runtimeapitest"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
)

// SlackToken is the bot token the Slack stand-in accepts; the environment has it as SLACK_BOT_TOKEN.
const SlackToken = "xoxb-artifact"

// World is what a function under test talks to.
type World struct {
	Box      *sandbox.Server
	Manifest sandbox.Manifest // its URL is the sandbox's endpoint
	Slack    *slacklocal.Server
}

// Options say which partner the sandbox serves and how the function is configured.
type Options struct {
	Site      string // sandbox.SiteCN by default
	Seed      int64
	Customers int
	// Config returns the configuration document. The environment holds the partner's keys as
	// PARTNER_AK and PARTNER_SK and the bot token as SLACK_BOT_TOKEN.
	Config func(w World) string
	// Env, when set, returns more environment variables (other secrets, other AWS endpoints); it is
	// called after Config.
	Env func(w World) []string
}

// Artifact is the running function with the world around it.
type Artifact struct {
	*runtimeapitest.Function
	World
	Store *dynamo.Store
}

// Start builds and starts the function in the test's directory; everything stops when t ends.
func Start(t *testing.T, o Options) *Artifact {
	t.Helper()
	if o.Site == "" {
		o.Site = sandbox.SiteCN
	}
	box, err := sandbox.New(sandbox.Options{Site: o.Site, Seed: o.Seed, Customers: o.Customers})
	if err != nil {
		t.Fatal(err)
	}
	bssSrv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); bssSrv.Close() })
	slack := slacklocal.New(slacklocal.WithToken(SlackToken))
	t.Cleanup(slack.Close)
	client, table := dynamotest.Start(t)
	w := World{Box: box, Manifest: box.Manifest(bssSrv.URL), Slack: slack}

	cfgPath := filepath.Join(t.TempDir(), "bsswatch.yaml")
	if err := os.WriteFile(cfgPath, []byte(o.Config(w)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"BSSWATCH_CONFIG=" + cfgPath,
		"BSSWATCH_STATE_TABLE=" + table,
		"AWS_ENDPOINT_URL_DYNAMODB=" + dynamotest.Endpoint(t),
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"PARTNER_AK=" + w.Manifest.Partner.AK, "PARTNER_SK=" + w.Manifest.Partner.SK,
		"SLACK_BOT_TOKEN=" + SlackToken,
		"AWS_LAMBDA_LOG_FORMAT=JSON", // what Lambda sets for the template's LoggingConfig
	}
	if o.Env != nil {
		env = append(env, o.Env(w)...)
	}
	return &Artifact{Function: runtimeapitest.StartFunction(t, ".", env), World: w, Store: dynamo.New(client, table, dynamo.Options{})}
}

// PartnerConfig is the configuration of a China-site partner profile (partner-cn) alerting to one
// Slack channel (ops too), with checks as the body of its checks section.
func PartnerConfig(box *sandbox.Server, sandboxURL, slackURL, channel, checks string) string {
	return fmt.Sprintf(`
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q}
state: {backend: dynamodb}
destinations:
  alerts: {type: slack, token: env:SLACK_BOT_TOKEN, channel: %s, api_url: %q}
routes: [{to: [alerts]}]
ops: [alerts]
checks:
%s`, box.Partner().DomainID, sandboxURL, channel, slackURL, checks)
}

// Scheduled is the scheduler's event of the function under test (its testdata/scheduled.json).
func Scheduled(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Run invokes a check's function with event and returns its result; a function error or an answer
// that is not a result ends t.
func (a *Artifact) Run(t *testing.T, event []byte) app.Result {
	t.Helper()
	r := a.Invoke(t, event)
	if r.Error != nil {
		t.Fatalf("function error: %+v", r.Error)
	}
	var res app.Result
	if err := json.Unmarshal(r.Payload, &res); err != nil {
		t.Fatalf("answer %s: %v", r.Payload, err)
	}
	return res
}

// RefusesToStart waits for the function to exit at start-up, because of what (the reason, for the
// test's messages), and returns its log; it fails t if the function keeps running or exits 0, or if
// the log holds the partner's secret key.
func (a *Artifact) RefusesToStart(t *testing.T, what string) string {
	t.Helper()
	select {
	case <-a.Proc.Exited():
	case <-time.After(time.Minute):
		t.Fatalf("the function kept running with %s", what)
	}
	if a.Proc.ExitErr() == nil {
		t.Errorf("the function exited 0 with %s", what)
	}
	logs, _ := os.ReadFile(a.Logs)
	if strings.Contains(string(logs), a.Box.Partner().SK) {
		t.Error("start-up log contains the partner's secret key")
	}
	return string(logs)
}
