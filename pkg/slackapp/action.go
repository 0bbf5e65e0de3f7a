package slackapp

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"

	"github.com/slack-go/slack"
)

// ErrBadInteraction is wrapped by every error of ParseAction: the body is not one button click of a
// message.
var ErrBadInteraction = errors.New("slackapp: not a button click")

// Action is one button click on a message, as Slack reports it in a block_actions interaction.
type Action struct {
	ActionID string // which button: ActionApprove, ActionReject
	Value    string // the button's value: the quote id for the renewal buttons
	UserID   string // who clicked
	UserName string
	TeamID   string // the workspace the click came from
	APIAppID string // the app whose button was clicked
	// ChannelID and MessageTS name the message the button is in, for chat.update.
	ChannelID string
	MessageTS string
	// ResponseURL answers the click (five times within 30 minutes). It is a capability: whoever
	// holds it can post into the channel, so it never goes into a log or an error.
	ResponseURL string
	ActionTS    string
}

// String describes the click without its response_url.
func (a Action) String() string {
	return fmt.Sprintf("%s value=%q user=%s team=%s app=%s channel=%s ts=%s",
		a.ActionID, a.Value, a.UserID, a.TeamID, a.APIAppID, a.ChannelID, a.MessageTS)
}

// LogValue makes slog print the click without its response_url.
func (a Action) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("action_id", a.ActionID), slog.String("value", a.Value),
		slog.String("user", a.UserID), slog.String("team", a.TeamID), slog.String("app", a.APIAppID),
		slog.String("channel", a.ChannelID), slog.String("message_ts", a.MessageTS),
	)
}

// knownTypes are the interaction types an error may name; anything else is not echoed, since an
// error text must not carry what a request wrote.
var knownTypes = []slack.InteractionType{
	slack.InteractionTypeDialogCancellation, slack.InteractionTypeDialogSubmission,
	slack.InteractionTypeDialogSuggestion, slack.InteractionTypeInteractionMessage,
	slack.InteractionTypeMessageAction, slack.InteractionTypeBlockSuggestion,
	slack.InteractionTypeViewSubmission, slack.InteractionTypeViewClosed,
	slack.InteractionTypeShortcut, slack.InteractionTypeWorkflowStepEdit,
}

// ParseAction reads a verified interaction request body: a form whose one "payload" field is the
// JSON of a block_actions interaction with exactly one action, clicked on a message. It returns an
// error wrapping ErrBadInteraction for anything else (no payload, not JSON, another interaction
// type, no or several actions, a click outside a message, a missing user, team, app or
// response_url). No error quotes the body.
func ParseAction(body []byte) (Action, error) {
	bad := func(format string, args ...any) (Action, error) {
		return Action{}, fmt.Errorf("%w: "+format, append([]any{ErrBadInteraction}, args...)...)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return bad("body is not a form")
	}
	payload := form["payload"]
	switch {
	case len(payload) == 0 || payload[0] == "":
		return bad("no payload field")
	case len(payload) > 1:
		return bad("%d payload fields, want one", len(payload))
	}
	var ic slack.InteractionCallback
	if err := json.Unmarshal([]byte(payload[0]), &ic); err != nil {
		return bad("payload is not an interaction in JSON")
	}
	switch {
	case ic.Type == slack.InteractionTypeBlockActions:
	case slices.Contains(knownTypes, ic.Type):
		return bad("interaction type %s, want block_actions", ic.Type)
	default:
		return bad("unknown interaction type, want block_actions")
	}
	if n := len(ic.ActionCallback.BlockActions) + len(ic.ActionCallback.AttachmentActions); n != 1 {
		return bad("%d actions, want one", n)
	}
	// slack-go files an action without a block_id under legacy attachment actions.
	if len(ic.ActionCallback.BlockActions) != 1 {
		return bad("the action is not from a Block Kit block")
	}
	ba := ic.ActionCallback.BlockActions[0]
	a := Action{
		ActionID:    ba.ActionID,
		Value:       cmp.Or(ba.Value, ba.SelectedOption.Value), // a button's value, or the option chosen in a menu
		UserID:      ic.User.ID,
		UserName:    ic.User.Name,
		TeamID:      ic.Team.ID,
		APIAppID:    ic.APIAppID,
		ChannelID:   cmp.Or(ic.Container.ChannelID, ic.Channel.ID),
		MessageTS:   cmp.Or(ic.Container.MessageTs, ic.Message.Timestamp),
		ResponseURL: ic.ResponseURL,
		ActionTS:    cmp.Or(ba.ActionTs, ic.ActionTs),
	}
	if ic.Container.Type != "" && ic.Container.Type != "message" {
		return bad("click in a %s, want a message", containerName(ic.Container.Type))
	}
	for _, f := range []struct{ name, value string }{
		{"action_id", a.ActionID}, {"user id", a.UserID}, {"team id", a.TeamID}, {"api_app_id", a.APIAppID},
		{"channel", a.ChannelID}, {"message ts", a.MessageTS}, {"response_url", a.ResponseURL},
	} {
		if f.value == "" {
			return bad("no %s", f.name)
		}
	}
	if u, err := url.Parse(a.ResponseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("response_url is not an absolute http(s) URL")
	}
	return a, nil
}

// containerName names the container types Slack documents and nothing else.
func containerName(t string) string {
	switch t {
	case "view", "message_attachment":
		return t
	}
	return "container that is not a message"
}

// Body encodes a as the form Slack posts for a block_actions click on a button in a message: the
// inverse of ParseAction, for the demo and tests.
func Body(a Action) []byte {
	p := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": a.UserID, "name": a.UserName, "team_id": a.TeamID},
		"api_app_id":   a.APIAppID,
		"team":         map[string]any{"id": a.TeamID},
		"container":    map[string]any{"type": "message", "message_ts": a.MessageTS, "channel_id": a.ChannelID},
		"channel":      map[string]any{"id": a.ChannelID},
		"message":      map[string]any{"ts": a.MessageTS, "type": "message"},
		"response_url": a.ResponseURL,
		"actions": []any{map[string]any{"type": "button", "action_id": a.ActionID, "block_id": BlockRenewalDecision,
			"value": a.Value, "action_ts": a.ActionTS}},
	}
	b, _ := json.Marshal(p) // only strings, maps and slices: cannot fail
	return []byte(url.Values{"payload": {string(b)}}.Encode())
}
