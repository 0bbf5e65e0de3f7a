package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/functions/internal/artifact"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"gopkg.in/yaml.v3"
)

const channel = "CALERTS"

// startArtifact runs balance-alert as deployed, configured by configYAML, for a China-site partner.
func startArtifact(t *testing.T, configYAML func(box *sandbox.Server, sandboxURL, slackURL string) string) *artifact.Artifact {
	t.Helper()
	return artifact.Start(t, artifact.Options{Seed: 11, Customers: 40, Config: func(w artifact.World) string {
		return configYAML(w.Box, w.Manifest.Endpoint, w.Slack.APIURL())
	}})
}

func partnerConfig(box *sandbox.Server, sandboxURL, slackURL string) string {
	return artifact.PartnerConfig(box, sandboxURL, slackURL, channel, `
  balance:
    customers:
      profile: partner-cn
      default: {currency: CNY, warning: "1000", critical: "100"}
`)
}

func TestArtifactRunsTheScheduledCheck(t *testing.T) {
	a := startArtifact(t, partnerConfig)
	scheduled := artifact.Scheduled(t)
	res := a.Run(t, scheduled)
	if res.Findings == 0 || res.Sent["firing"] != 1 || res.Delivered != 1 {
		t.Fatalf("result = %+v, want findings and one digest delivered", res)
	}
	msgs := a.Slack.Messages(channel)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Render(), "¥") {
		t.Fatalf("Slack got %d messages, want one digest with amounts in yuan", len(msgs))
	}
	recs, err := a.Store.List(context.Background(), "alert/balance/partner-cn", "")
	if err != nil || len(recs) == 0 {
		t.Fatalf("state in DynamoDB: %d records, %v; want the group stored", len(recs), err)
	}

	// The same schedule again: nothing new is sent.
	events := len(a.Slack.Events())
	if r := a.Invoke(t, scheduled); r.Error != nil {
		t.Fatalf("second run: %+v", r.Error)
	}
	if n := len(a.Slack.Events()) - events; n != 0 {
		t.Errorf("second run made %d Slack calls, want none", n)
	}

	// A malformed event is refused and changes nothing.
	r := a.Invoke(t, []byte(`{"dryrun": true}`))
	if r.Error == nil || !strings.Contains(r.Error.Message, "dryrun") {
		t.Errorf("malformed event answered %s / %+v, want an error naming the field", r.Payload, r.Error)
	}
	if n := len(a.Slack.Events()) - events; n != 0 {
		t.Errorf("malformed event made %d Slack calls", n)
	}
}

func TestArtifactRefusesABadConfigurationAtStart(t *testing.T) {
	a := startArtifact(t, func(_ *sandbox.Server, sandboxURL, slackURL string) string {
		return fmt.Sprintf(`
profiles:
  partner-cn: {role: partner, site: cn, domain_id: d, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q}
state: {backend: dynamodb}
destinations:
  alerts: {type: slack, token: env:SLACK_BOT_TOKEN, channel: C1, api_url: %q}
routes: [{to: [alerts]}]
ops: [alerts]
checks:
  balance:
    customers:
      profile: partner-cn
      default: {currency: CNY, warning: "5k", critical: "100"}
`, sandboxURL, slackURL)
	})
	logs := a.RefusesToStart(t, "a bad configuration")
	if !strings.Contains(logs, `checks.balance.customers.default.warning`) {
		t.Errorf("start-up log does not name the mistake's path:\n%s", logs)
	}
}

// emfLine is a CloudWatch embedded-metric-format log line as CloudWatch reads it.
type emfLine struct {
	AWS struct {
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name string }
		}
	} `json:"_aws"`
	Check            string
	CheckFailures    *int
	DeliveryFailures *int
}

// deployed is the part of template.yaml that shapes the metrics line and the alarms on it.
type deployed struct {
	Globals struct {
		Function struct {
			LoggingConfig struct {
				LogFormat string `yaml:"LogFormat"`
			} `yaml:"LoggingConfig"`
		} `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Properties struct {
			Namespace  string `yaml:"Namespace"`
			MetricName string `yaml:"MetricName"`
			Dimensions []struct {
				Name  string `yaml:"Name"`
				Value string `yaml:"Value"`
			} `yaml:"Dimensions"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
}

func readTemplate(t *testing.T) deployed {
	t.Helper()
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tpl deployed
	if err := yaml.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// TestArtifactWritesTheMetricsTheTemplateAlarmsOn: a run that could not check an account returns
// success, so only its metrics line can page someone; the line must be one CloudWatch extracts, with
// exactly the namespace, metric and dimension value the template's alarms watch.
func TestArtifactWritesTheMetricsTheTemplateAlarmsOn(t *testing.T) {
	a := startArtifact(t, func(box *sandbox.Server, sandboxURL, slackURL string) string {
		// A second profile signing with a key BSS does not know: its account cannot be checked.
		cfg := strings.Replace(partnerConfig(box, sandboxURL, slackURL), "profiles:\n", fmt.Sprintf(
			"profiles:\n  wrong-key: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:SLACK_BOT_TOKEN, endpoint: %q}\n",
			box.Partner().DomainID, sandboxURL), 1)
		return cfg + `    partner:
      profile: wrong-key
      thresholds:
        cash: {currency: CNY, warning: "1000", critical: "100"}
`
	})
	a.Run(t, artifact.Scheduled(t))
	logs, err := os.ReadFile(a.Logs)
	if err != nil {
		t.Fatal(err)
	}
	var got *emfLine
	for _, line := range strings.Split(string(logs), "\n") {
		var l emfLine
		if json.Unmarshal([]byte(line), &l) == nil && len(l.AWS.CloudWatchMetrics) > 0 {
			got = &l
		}
	}
	if got == nil {
		t.Fatalf("no embedded-metric line in the function's log:\n%s", logs)
	}
	tpl := readTemplate(t)
	// CloudWatch extracts metrics only from JSON lines; Lambda makes lambdacontext's logger write JSON
	// (AWS_LAMBDA_LOG_FORMAT, as startArtifact sets it) when the template asks for the JSON format.
	if f := tpl.Globals.Function.LoggingConfig.LogFormat; f != "JSON" {
		t.Errorf("template.yaml Globals.Function.LoggingConfig.LogFormat = %q, want JSON", f)
	}
	for _, id := range []string{"BalanceAlertCheckFailureAlarm", "BalanceAlertDeliveryFailureAlarm"} {
		p := tpl.Resources[id].Properties
		t.Run(id, func(t *testing.T) {
			if len(p.Dimensions) != 1 || p.Dimensions[0].Name != "Check" {
				t.Fatalf("template.yaml %s has dimensions %+v, want one named Check", id, p.Dimensions)
			}
			m := got.AWS.CloudWatchMetrics[0]
			var names []string
			for _, d := range m.Metrics {
				names = append(names, d.Name)
			}
			if m.Namespace != p.Namespace || !slices.Contains(names, p.MetricName) || len(m.Dimensions) != 1 || !slices.Equal(m.Dimensions[0], []string{"Check"}) {
				t.Errorf("metrics line declares %s %v by %v; the alarm watches %s %s by Check", m.Namespace, names, m.Dimensions, p.Namespace, p.MetricName)
			}
			if got.Check != p.Dimensions[0].Value {
				t.Errorf("metrics line Check = %q, the alarm's dimension is %q", got.Check, p.Dimensions[0].Value)
			}
		})
	}
	if got.CheckFailures == nil || *got.CheckFailures != 1 {
		t.Errorf("CheckFailures = %v, want 1 (the account with the wrong key)", got.CheckFailures)
	}
	if got.DeliveryFailures == nil || *got.DeliveryFailures != 0 {
		t.Errorf("DeliveryFailures = %v, want 0", got.DeliveryFailures)
	}
}
