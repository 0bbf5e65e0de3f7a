package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/functions/internal/artifact"
	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

const channel = "CCOUPONS"

// startArtifact runs coupon-expiry as deployed, configured by configYAML, for a China-site partner.
func startArtifact(t *testing.T, configYAML func(box *sandbox.Server, sandboxURL, slackURL string) string) *artifact.Artifact {
	t.Helper()
	return artifact.Start(t, artifact.Options{Seed: 11, Customers: 40, Config: func(w artifact.World) string {
		return configYAML(w.Box, w.Manifest.Endpoint, w.Slack.APIURL())
	}})
}

func partnerConfig(box *sandbox.Server, sandboxURL, slackURL string) string {
	return artifact.PartnerConfig(box, sandboxURL, slackURL, channel, `
  coupon:
    watch:
      - {profile: partner-cn, sources: [quotas, issued, own]}
`)
}

func TestArtifactRunsTheScheduledCheck(t *testing.T) {
	a := startArtifact(t, partnerConfig)
	scheduled := artifact.Scheduled(t)
	res := a.Run(t, scheduled)
	if res.Findings == 0 || res.Sent["firing"] != 1 || res.Delivered != 1 || len(res.CheckErrors) != 0 {
		t.Fatalf("result = %+v, want findings and one digest delivered", res)
	}
	msgs := a.Slack.Messages(channel)
	if len(msgs) != 1 {
		t.Fatalf("Slack got %d messages, want one digest", len(msgs))
	}
	digest := msgs[0].Render()
	for _, want := range []string{"coupon alerts for partner-cn", "expires within 7 days", "Test coupon 云软件方案测试券",
		"in 1 test coupon expires within 1 day", "coupons issued to customers expires within 30 days", "quota"} {
		if !strings.Contains(digest, want) {
			t.Errorf("digest lacks %q:\n%s", want, digest)
		}
	}
	recs, err := a.Store.List(context.Background(), "alert/coupon/partner-cn", "")
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

	// A dry run lists the coupons with amount, expiry and tier, and sends nothing.
	r := a.Invoke(t, []byte(`{"dry_run": true}`))
	if r.Error != nil {
		t.Fatalf("dry run: %+v", r.Error)
	}
	var dry app.Result
	if err := json.Unmarshal(r.Payload, &dry); err != nil || len(dry.Items) != res.Findings {
		t.Fatalf("dry run answered %s (%v), want %d items", r.Payload, err, res.Findings)
	}
	if f := strings.Join(dry.Items[0].Fields, " | "); !strings.Contains(f, "Unused: ¥") || !strings.Contains(f, "Expires: ") || !strings.Contains(f, "Tier: ") {
		t.Errorf("dry-run item fields %q, want the amount, expiry and tier", f)
	}
	if n := len(a.Slack.Events()) - events; n != 0 {
		t.Errorf("dry run made %d Slack calls", n)
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
  coupon:
    tiers: [{days: 7, severity: warning}, {days: 30, severity: info}]
    watch: [{profile: partner-cn, sources: [own]}]
`, sandboxURL, slackURL)
	})
	logs := a.RefusesToStart(t, "a bad configuration")
	if !strings.Contains(logs, `checks.coupon.tiers[1].days`) {
		t.Errorf("start-up log does not name the mistake's path:\n%s", logs)
	}
}
