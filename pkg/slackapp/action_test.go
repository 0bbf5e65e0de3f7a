package slackapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fixture reads testdata/name as a JSON object that a test may change before encoding it.
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// formBody encodes an interaction payload the way Slack posts it.
func formBody(t testing.TB, payload any) []byte {
	t.Helper()
	js, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(js)}}.Encode())
}

const fixtureResponseURL = "https://hooks.slack.com/actions/T0123ABCD/6123456789012/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"

func TestParseAction(t *testing.T) {
	got, err := ParseAction(formBody(t, fixture(t, "block_actions_approve.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := Action{
		ActionID: ActionApprove, Value: "q_7Hc2kW9xQm4L", UserID: "U0123ABCD", UserName: "li.wei",
		TeamID: "T0123ABCD", APIAppID: "A0123ABCD", ChannelID: "C0123ABCD", MessageTS: "1763712000.000100",
		ResponseURL: fixtureResponseURL, ActionTS: "1763712042.123456",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseAction (-want +got):\n%s", diff)
	}
}

func TestParseActionRefuses(t *testing.T) {
	approve := func(change func(m map[string]any)) []byte {
		m := fixture(t, "block_actions_approve.json")
		change(m)
		return formBody(t, m)
	}
	actions := func(m map[string]any) []any { return m["actions"].([]any) }
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"empty body", nil, "no payload field"},
		{"JSON posted without the form", []byte(`{"type":"block_actions"}`), "no payload field"},
		{"body not a form", []byte("payload=%zz"), "body is not a form"},
		{"two payload fields", append(formBody(t, fixture(t, "block_actions_approve.json")), []byte("&payload=%7B%7D")...), "2 payload fields, want one"},
		{"payload not JSON", []byte("payload=" + url.QueryEscape(`{"type":"block_actions",`)), "payload is not an interaction in JSON"},
		{"payload a JSON string", []byte("payload=" + url.QueryEscape(`"block_actions"`)), "payload is not an interaction in JSON"},
		{"a modal submission", formBody(t, fixture(t, "view_submission.json")), "interaction type view_submission, want block_actions"},
		{"an unknown type", approve(func(m map[string]any) { m["type"] = "button_mash" }), "unknown interaction type, want block_actions"},
		{"a click in a view", formBody(t, fixture(t, "block_actions_in_view.json")), "click in a view, want a message"},
		{"no actions", approve(func(m map[string]any) { m["actions"] = []any{} }), "0 actions, want one"},
		{"two actions", approve(func(m map[string]any) { m["actions"] = append(actions(m), actions(m)[0]) }), "2 actions, want one"},
		{"a null action", approve(func(m map[string]any) { m["actions"] = []any{nil} }), "the action is not from a Block Kit block"},
		{"a legacy attachment action", approve(func(m map[string]any) {
			m["actions"] = []any{map[string]any{"name": "approve", "type": "button", "value": "q_7Hc2kW9xQm4L"}}
		}), "the action is not from a Block Kit block"},
		{"no action id", approve(func(m map[string]any) { delete(actions(m)[0].(map[string]any), "action_id") }), "no action_id"},
		{"no user", approve(func(m map[string]any) { delete(m, "user") }), "no user id"},
		{"no team", approve(func(m map[string]any) { delete(m, "team") }), "no team id"},
		{"no app id", approve(func(m map[string]any) { delete(m, "api_app_id") }), "no api_app_id"},
		{"no channel", approve(func(m map[string]any) {
			delete(m, "channel")
			delete(m["container"].(map[string]any), "channel_id")
		}), "no channel"},
		{"no message ts", approve(func(m map[string]any) {
			delete(m, "message")
			delete(m["container"].(map[string]any), "message_ts")
		}), "no message ts"},
		{"no response url", approve(func(m map[string]any) { delete(m, "response_url") }), "no response_url"},
		{"response url not a URL", approve(func(m map[string]any) { m["response_url"] = "hooks.slack.com/actions/x" }), "response_url is not an absolute http(s) URL"},
		{"response url of another scheme", approve(func(m map[string]any) { m["response_url"] = "file:///etc/passwd" }), "response_url is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAction(tt.body)
			if err == nil {
				t.Fatalf("ParseAction accepted it: %v", a)
			}
			if !errors.Is(err, ErrBadInteraction) {
				t.Errorf("error %v does not wrap ErrBadInteraction", err)
			}
			if got, want := err.Error(), ErrBadInteraction.Error()+": "+tt.want; got != want {
				t.Errorf("error = %q, want %q", got, want)
			}
			if a != (Action{}) {
				t.Errorf("ParseAction returned %v with its error", a)
			}
		})
	}
}

func TestParseActionFallsBackToMessageFields(t *testing.T) {
	// Older payloads carry the channel and ts only in channel and message, not in container.
	m := fixture(t, "block_actions_approve.json")
	delete(m, "container")
	a, err := ParseAction(formBody(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := []string{a.ChannelID, a.MessageTS}, []string{"C0123ABCD", "1763712000.000100"}; !cmp.Equal(got, want) {
		t.Errorf("channel, ts = %q, want %q", got, want)
	}
}

func TestActionPrintsWithoutResponseURL(t *testing.T) {
	a, err := ParseAction(formBody(t, fixture(t, "block_actions_approve.json")))
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	slog.New(slog.NewJSONHandler(&log, nil)).Info("click", "action", a)
	for _, out := range []string{fmt.Sprint(a), fmt.Sprintf("%v %+v %s", a, a, a), log.String()} {
		if strings.Contains(out, "hooks.slack.com") || strings.Contains(out, "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2") {
			t.Errorf("printed click carries the response_url: %s", out)
		}
		if !strings.Contains(out, "U0123ABCD") || !strings.Contains(out, "q_7Hc2kW9xQm4L") {
			t.Errorf("printed click lacks the user or the quote: %s", out)
		}
	}
}

func TestBodyRoundTrips(t *testing.T) {
	want := Action{ActionID: ActionApprove, Value: "q-123", UserID: "U0APPROVER", UserName: "ana", TeamID: "T0TEAM",
		APIAppID: "A0APP", ChannelID: "C0ALERTS", MessageTS: "1763712000.000100",
		ResponseURL: "https://hooks.slack.com/actions/T0TEAM/1/secret", ActionTS: "1763712001.000200"}
	got, err := ParseAction(Body(want))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ParseAction(Body(a)) = %+v, want %+v", got, want)
	}
	h, body, err := FromFunctionURL(FunctionURLRequest(Sign("s3cret", time.Unix(1763712001, 0), Body(want)), Body(want)))
	if err != nil {
		t.Fatal(err)
	}
	v := Verifier{SigningSecret: "s3cret", Now: func() time.Time { return time.Unix(1763712030, 0) }}
	if err := v.Verify(h, body); err != nil {
		t.Errorf("a signed Function URL request does not verify: %v", err)
	}
}

// TestParseActionOverflow reads the option chosen in a message's overflow menu as the action's value.
func TestParseActionOverflow(t *testing.T) {
	p := fixture(t, "block_actions_approve.json")
	p["actions"] = []any{map[string]any{"type": "overflow", "action_id": "alert.snooze", "block_id": "b1", "action_ts": "1763712042.123456",
		"selected_option": map[string]any{"text": map[string]any{"type": "plain_text", "text": "Snooze this 1 day"}, "value": "balance/partner-cn/24h0m0s/0a1b"}}}
	got, err := ParseAction(formBody(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if got.ActionID != "alert.snooze" || got.Value != "balance/partner-cn/24h0m0s/0a1b" {
		t.Errorf("got action %q value %q, want the chosen option's value", got.ActionID, got.Value)
	}
}
