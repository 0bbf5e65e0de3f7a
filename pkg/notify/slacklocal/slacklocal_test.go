package slacklocal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

func setup(t *testing.T, opts ...slacklocal.Option) (*slacklocal.Server, *slack.Client) {
	t.Helper()
	srv := slacklocal.New(opts...)
	t.Cleanup(srv.Close)
	return srv, slack.New("xoxb-test", slack.OptionAPIURL(srv.APIURL()))
}

func TestPostsInOneInstantGetDistinctTS(t *testing.T) {
	fixed := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	srv, api := setup(t, slacklocal.WithClock(func() time.Time { return fixed }))
	seen := map[string]bool{}
	for i := range 3 {
		_, ts, err := api.PostMessage("C1", slack.MsgOptionText("hello", false))
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		if seen[ts] {
			t.Fatalf("ts %s handed out twice", ts)
		}
		seen[ts] = true
	}
	if got, want := srv.Messages("C1")[2].TS, "1795253400.000002"; got != want {
		t.Errorf("third ts = %s, want %s", got, want)
	}
}

func TestUpdateEditsInPlaceAndThreadsAreKeptApart(t *testing.T) {
	srv, api := setup(t)
	ch, ts, err := api.PostMessage("C1", slack.MsgOptionText("first", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*one*", false, false), nil, nil)))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	if _, _, _, err := api.UpdateMessage(ch, ts, slack.MsgOptionText("second", false)); err != nil {
		t.Fatalf("update: %v", err)
	}
	if _, _, err := api.PostMessage(ch, slack.MsgOptionTS(ts), slack.MsgOptionText("reply", false)); err != nil {
		t.Fatalf("reply: %v", err)
	}
	m, ok := srv.Message(ch, ts)
	if !ok || m.Text != "second" || m.Edits != 1 {
		t.Errorf("message = %+v, want text second after 1 edit", m)
	}
	if got := m.Render(); got != "one\n" {
		t.Errorf("Render = %q, want the blocks kept by an update that left them out", got)
	}
	if top := srv.Messages(""); len(top) != 1 {
		t.Errorf("got %d top-level messages, want 1", len(top))
	}
	replies := srv.Replies(ch, ts)
	if len(replies) != 1 || replies[0].Render() != "    ↳ reply\n" {
		t.Errorf("replies = %+v, want one indented reply", replies)
	}
	if got, want := srv.Transcript(""), "#C1  "+ts+"  (edited 1×)\none\n    ↳ reply\n"; got != want {
		t.Errorf("Transcript = %q, want %q", got, want)
	}
	var methods []string
	for _, e := range srv.Events() {
		methods = append(methods, e.Method)
	}
	if got, want := strings.Join(methods, ","), "chat.postMessage,chat.update,chat.postMessage"; got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	if _, _, _, err := api.UpdateMessage(ch, "1.000001", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of a missing message: err = %v, want message_not_found", err)
	}
}

func TestFaultsAndAuth(t *testing.T) {
	srv, api := setup(t, slacklocal.WithToken("xoxb-right"))
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("x", false)); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: err = %v, want invalid_auth", err)
	}
	good := slack.New("xoxb-right", slack.OptionAPIURL(srv.APIURL()))
	srv.RateLimitNext(1, "chat.postMessage", 4)
	srv.FailNext(1, "chat.postMessage", "channel_not_found")
	_, _, err := good.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 4*time.Second {
		t.Errorf("first call: err = %v, want a 4s rate limit", err)
	}
	if _, _, err := good.PostMessage("C1", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("second call: err = %v, want channel_not_found", err)
	}
	if _, _, err := good.PostMessage("C1", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("third call: %v", err)
	}
	if n := len(srv.Messages("")); n != 1 {
		t.Errorf("got %d messages, want 1: faults change nothing", n)
	}
}

func TestWebhook(t *testing.T) {
	srv, _ := setup(t)
	if err := slack.PostWebhook(srv.WebhookURL(), &slack.WebhookMessage{Text: "a &lt;b&gt;"}); err != nil {
		t.Fatalf("PostWebhook: %v", err)
	}
	srv.FailNext(1, "webhook", "channel_is_archived")
	var sc slack.StatusCodeError
	if err := slack.PostWebhook(srv.WebhookURL(), &slack.WebhookMessage{Text: "x"}); !errors.As(err, &sc) || sc.Code != 410 {
		t.Errorf("err = %v, want HTTP 410", err)
	}
	msgs := srv.Messages(slacklocal.WebhookChannel)
	if len(msgs) != 1 || msgs[0].Render() != "a <b>\n" {
		t.Errorf("messages = %+v, want one reading \"a <b>\"", msgs)
	}
}

func TestRenderBlocksFieldsButtonsAndStrike(t *testing.T) {
	approve := slack.NewButtonBlockElement("approve", "q1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))
	reject := slack.NewButtonBlockElement("reject", "q1", slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false))
	blocks := slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "✅ ~Acme (c-1)~", false, false),
			[]*slack.TextBlockObject{slack.NewTextBlockObject(slack.MarkdownType, "*Amount to pay*\n¥305.00", false, false)}, nil),
		slack.NewActionBlock("decision", approve, reject),
	}}
	got := slacklocal.RenderBlocks(blocks)
	want := "✅ Acme (c-1)\n  Amount to pay: ¥305.00\n\n  [ Approve ] [ Reject ]\n"
	if got != want {
		t.Errorf("RenderBlocks = %q, want %q", got, want)
	}
}
