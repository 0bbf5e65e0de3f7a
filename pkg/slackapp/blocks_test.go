package slackapp

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func TestApproveReject(t *testing.T) {
	data, err := json.Marshal(slack.Blocks{BlockSet: []slack.Block{ApproveReject("q_7Hc2kW9xQm4L")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	plain := func(s string) map[string]any { return map[string]any{"type": "plain_text", "text": s, "emoji": false} }
	want := []map[string]any{{
		"type":     "actions",
		"block_id": "renewal.decision.q_7Hc2kW9xQm4L",
		"elements": []any{
			map[string]any{
				"type": "button", "action_id": "renewal.approve", "value": "q_7Hc2kW9xQm4L",
				"text": plain("Approve"), "style": "primary",
				"confirm": map[string]any{
					"title":   plain("Renew these resources?"),
					"text":    plain("This orders the renewal at the quoted price. It cannot be undone from Slack."),
					"confirm": plain("Renew"),
					"deny":    plain("Cancel"),
				},
			},
			map[string]any{
				"type": "button", "action_id": "renewal.reject", "value": "q_7Hc2kW9xQm4L",
				"text": plain("Reject"), "style": "danger",
			},
		},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
}

// TestButtonsRoundTrip checks that a click on ApproveReject's buttons, in the shape Slack sends it,
// parses back to the action id and quote id the buttons carry.
func TestButtonsRoundTrip(t *testing.T) {
	for _, button := range ApproveReject("q_round").Elements.ElementSet {
		b := button.(*slack.ButtonBlockElement)
		m := fixture(t, "block_actions_approve.json")
		m["actions"] = []any{map[string]any{
			"action_id": b.ActionID, "block_id": BlockRenewalDecision, "type": "button",
			"value": b.Value, "text": b.Text, "action_ts": "1763712042.123456",
		}}
		a, err := ParseAction(formBody(t, m))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := [2]string{a.ActionID, a.Value}, [2]string{b.ActionID, "q_round"}; got != want {
			t.Errorf("click = %q, want %q", got, want)
		}
	}
}
