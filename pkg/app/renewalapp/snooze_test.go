package renewalapp_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// snoozeValue finds the value of a digest's snooze button for d.
func snoozeValue(t *testing.T, m slacklocal.Message, label string) string {
	t.Helper()
	for _, b := range m.Blocks.BlockSet {
		ab, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, e := range ab.Elements.ElementSet {
			if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.Text.Text == label {
				return btn.Value
			}
		}
	}
	t.Fatalf("no %q button on the message:\n%s", label, m.Render())
	return ""
}

// click sends a click on the digest's button, signed with secret, by user.
func (c *console) click(t *testing.T, m slacklocal.Message, actionID, value, user, secret string) int {
	t.Helper()
	body := slackapp.Body(slackapp.Action{ActionID: actionID, Value: value, UserID: user, UserName: "u", TeamID: "T0ACME",
		APIAppID: "A0APP", ChannelID: m.Channel, MessageTS: m.TS, ResponseURL: c.slack.WebhookURL(), ActionTS: "1"})
	h := slackapp.Sign(secret, time.Now(), body)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.post(t, h, string(body)).StatusCode
}

func TestSnoozeFromTheDigest(t *testing.T) {
	c := setupConsole(t)
	if resp := c.runNow(t, "msg_1", time.Now(), runNowSecret, `{"check":"balance"}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("run now: %d", resp.StatusCode)
	}
	digest := c.slack.Messages("CALERTS")[0]
	value := snoozeValue(t, digest, "Snooze 7 days")

	// Refused clicks change nothing: a forged one, and one by someone who may not snooze.
	if status := c.click(t, digest, notify.ActionSnooze, value, "U0ADA", "not-the-signing-secret"); status != http.StatusUnauthorized {
		t.Errorf("forged snooze: %d, want 401", status)
	}
	if status := c.click(t, digest, notify.ActionSnooze, value, "U0STRANGER", "local-signing-secret"); status != http.StatusOK {
		t.Errorf("stranger's snooze: %d, want 200 with a private answer", status)
	}
	if replies := c.slack.Replies(digest.Channel, digest.TS); len(replies) != 0 {
		t.Fatalf("refused snoozes wrote to the thread: %v", replies)
	}
	if _, text := c.slash(t, "T0ACME", "status", "local-signing-secret"); strings.Contains(text, "snoozed") {
		t.Fatalf("status shows a snooze after refused clicks:\n%s", text)
	}

	if status := c.click(t, digest, notify.ActionSnooze, value, "U0ADA", "local-signing-secret"); status != http.StatusOK {
		t.Fatalf("snooze: %d", status)
	}
	replies := c.slack.Replies(digest.Channel, digest.TS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Snoozed by <@U0ADA> until") {
		t.Fatalf("thread = %v, want the snooze note", replies)
	}
	unsnooze := snoozeValue(t, replies[0], "Unsnooze")
	if _, text := c.slash(t, "T0ACME", "status", "local-signing-secret"); !strings.Contains(text, "snoozed by <@U0ADA>") {
		t.Errorf("status:\n%s\nwant the snooze with who and until when", text)
	}

	if status := c.click(t, replies[0], notify.ActionUnsnooze, unsnooze, "U0ADA", "local-signing-secret"); status != http.StatusOK {
		t.Fatalf("unsnooze: %d", status)
	}
	if _, text := c.slash(t, "T0ACME", "status", "local-signing-secret"); strings.Contains(text, "snoozed") {
		t.Errorf("status after unsnooze:\n%s", text)
	}
}

// TestSnoozeOneFindingFromItsMenu chooses "Snooze this 1 day" beside one finding of the digest: only
// that finding is snoozed.
func TestSnoozeOneFindingFromItsMenu(t *testing.T) {
	c := setupConsole(t)
	if resp := c.runNow(t, "msg_1", time.Now(), runNowSecret, `{"check":"balance"}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("run now: %d", resp.StatusCode)
	}
	digest := c.slack.Messages("CALERTS")[0]
	var value string
	for _, b := range digest.Blocks.BlockSet {
		if sec, ok := b.(*slack.SectionBlock); ok && sec.Accessory != nil && sec.Accessory.OverflowElement != nil && value == "" {
			value = sec.Accessory.OverflowElement.Options[0].Value
		}
	}
	if value == "" {
		t.Fatal("no finding of the digest has a snooze menu")
	}
	if status := c.click(t, digest, notify.ActionSnooze, value, "U0ADA", "local-signing-secret"); status != http.StatusOK {
		t.Fatalf("snooze: %d", status)
	}
	replies := c.slack.Replies(digest.Channel, digest.TS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, ": 1 finding(s) will not be reminded") {
		t.Errorf("thread = %v, want one finding snoozed", replies)
	}
}
