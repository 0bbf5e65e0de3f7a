package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

const (
	goodToken = "xoxb-1111-2222-good"
	channel   = "C0ALERTS"
)

func setupSlack(t *testing.T, token string, opts ...notify.Option) (*slacklocal.Server, *notify.Slack, *waits) {
	t.Helper()
	srv := slacklocal.New(slacklocal.WithToken(goodToken))
	t.Cleanup(srv.Close)
	w := &waits{}
	opts = append([]notify.Option{notify.WithAPIURL(srv.APIURL()), notify.WithSleep(w.sleep)}, opts...)
	d, err := notify.NewSlack("alerts-slack", token, channel, opts...)
	if err != nil {
		t.Fatalf("NewSlack: %v", err)
	}
	return srv, d, w
}

func TestSlackPostsNewMessage(t *testing.T) {
	srv, d, _ := setupSlack(t, goodToken)
	ref, err := d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if ref.Channel != channel || ref.TS == "" {
		t.Fatalf("ref = %+v, want channel %s and a ts", ref, channel)
	}
	msgs := srv.Messages(channel)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.TS != ref.TS {
		t.Errorf("posted ts %s, returned %s", m.TS, ref.TS)
	}
	if want := "2 customers below their threshold, worst: Acme &lt;Shanghai&gt; at ¥120.00"; m.Text != want {
		t.Errorf("fallback text = %q, want %q", m.Text, want)
	}
	text := m.Render()
	for _, want := range []string{"🔴 Balance low for 2 customers", "Acme <Shanghai>", "Threshold: ¥1,000.00",
		"check balance · account partner-cn · 2026-11-21 09:30 UTC"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered message lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "Acme") > strings.Index(text, "Beta") {
		t.Errorf("items not worst first:\n%s", text)
	}
}

func TestSlackUpdatesInPlaceAndThreads(t *testing.T) {
	tests := []struct {
		name      string
		kind      notify.Kind
		changes   []string
		header    string
		wantReply string // "" for no reply
	}{
		{"update with changes", notify.KindUpdate, []string{"Acme: warning -> critical", "Beta Ltd: new"},
			"🔴 Balance low", "✏️ Changes:\n• Acme: warning -> critical\n• Beta Ltd: new"},
		{"update without changes", notify.KindUpdate, nil, "🔴 Balance low", ""},
		{"repeat", notify.KindRepeat, nil, "🔴 Balance low",
			"🔁 Still firing: 2 customers below their threshold, worst: Acme <Shanghai> at ¥120.00"},
		{"resolved", notify.KindResolved, []string{"Acme: topped up"}, "✅ Resolved: Balance low",
			"✅ Resolved at 2026-11-21 09:30 UTC.\n• Acme: topped up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, d, _ := setupSlack(t, goodToken)
			ctx := context.Background()
			first, err := d.Send(ctx, digest(notify.KindFiring), notify.Ref{})
			if err != nil {
				t.Fatalf("first Send: %v", err)
			}
			next := digest(tt.kind)
			next.Changes = tt.changes
			ref, err := d.Send(ctx, next, first)
			if err != nil {
				t.Fatalf("second Send: %v", err)
			}
			if ref != first {
				t.Errorf("ref = %+v, want the original %+v", ref, first)
			}
			top := srv.Messages(channel)
			if len(top) != 1 {
				t.Fatalf("got %d top-level messages, want 1 (edited in place)", len(top))
			}
			if top[0].Edits != 1 {
				t.Errorf("edits = %d, want 1", top[0].Edits)
			}
			if got := top[0].Render(); !strings.HasPrefix(got, tt.header) {
				t.Errorf("edited message starts %q, want prefix %q", firstLine(got), tt.header)
			}
			var replies []string
			for _, r := range srv.Replies(channel, first.TS) {
				replies = append(replies, strings.TrimSpace(strings.TrimPrefix(r.Render(), "    ↳ ")))
			}
			var want []string
			if tt.wantReply != "" {
				want = []string{strings.ReplaceAll(tt.wantReply, "\n", "\n      ")}
			}
			if diff := cmp.Diff(want, replies); diff != "" {
				t.Errorf("thread replies (-want +got):\n%s", diff)
			}
		})
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func TestSlackRepostsWhenOriginalDeleted(t *testing.T) {
	srv, d, _ := setupSlack(t, goodToken)
	gone := notify.Ref{Channel: channel, TS: "1700000000.000001"}
	ref, err := d.Send(context.Background(), digest(notify.KindUpdate), gone)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if ref == gone || ref.TS == "" {
		t.Fatalf("ref = %+v, want a new message", ref)
	}
	if n := len(srv.Messages(channel)); n != 1 {
		t.Errorf("got %d messages, want 1", n)
	}
}

func TestSlackRidesOutRateLimit(t *testing.T) {
	srv, d, w := setupSlack(t, goodToken)
	srv.RateLimitNext(2, "chat.postMessage", 3)
	ref, err := d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second, 3 * time.Second}, w.got()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if msgs := srv.Messages(channel); len(msgs) != 1 || msgs[0].TS != ref.TS {
		t.Errorf("messages = %d, want exactly the one at %s", len(msgs), ref.TS)
	}
}

func TestSlackRateLimitGivesUp(t *testing.T) {
	tests := []struct {
		name       string
		limited    int
		retryAfter int
		ctx        func() (context.Context, context.CancelFunc)
		wantWaits  int
	}{
		{"out of attempts", 5, 1, noDeadline, 3},
		{"retry-after above the maximum", 1, 120, noDeadline, 0},
		{"retry-after past the deadline", 1, 20, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 10*time.Second)
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, d, w := setupSlack(t, goodToken)
			srv.RateLimitNext(tt.limited, "chat.postMessage", tt.retryAfter)
			ctx, cancel := tt.ctx()
			defer cancel()
			_, err := d.Send(ctx, digest(notify.KindFiring), notify.Ref{})
			var rl *slack.RateLimitedError
			if !errors.As(err, &rl) {
				t.Fatalf("err = %v, want a RateLimitedError", err)
			}
			if got := len(w.got()); got != tt.wantWaits {
				t.Errorf("waited %d times, want %d", got, tt.wantWaits)
			}
			if n := len(srv.Messages("")); n != 0 {
				t.Errorf("got %d messages, want none", n)
			}
		})
	}
}

func noDeadline() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func TestSlackErrorsNameDestinationAndMethodButNotToken(t *testing.T) {
	const badToken = "xoxb-9999-8888-revokedsecret"
	tests := []struct {
		name      string
		token     string
		fault     func(*slacklocal.Server)
		prev      bool
		want      string
		wantSlack string
	}{
		{"invalid auth", badToken, func(*slacklocal.Server) {}, false,
			"notify: slack alerts-slack: chat.postMessage: invalid_auth", "invalid_auth"},
		{"channel not found", goodToken, func(s *slacklocal.Server) { s.FailNext(1, "chat.postMessage", "channel_not_found") }, false,
			"notify: slack alerts-slack: chat.postMessage: channel_not_found", "channel_not_found"},
		{"update refused", goodToken, func(s *slacklocal.Server) { s.FailNext(1, "chat.update", "cant_update_message") }, true,
			"notify: slack alerts-slack: chat.update: cant_update_message", "cant_update_message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, d, _ := setupSlack(t, tt.token)
			var prev notify.Ref
			if tt.prev {
				var err error
				if prev, err = d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{}); err != nil {
					t.Fatalf("first Send: %v", err)
				}
			}
			tt.fault(srv)
			_, err := d.Send(context.Background(), digest(notify.KindUpdate), prev)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q contains the token", err)
			}
			var se slack.SlackErrorResponse
			if !errors.As(err, &se) || se.Err != tt.wantSlack {
				t.Errorf("errors.As SlackErrorResponse = %q, want %q", se.Err, tt.wantSlack)
			}
		})
	}
}

func TestSlackThreadReplyFailureKeepsRef(t *testing.T) {
	srv, d, _ := setupSlack(t, goodToken)
	first, err := d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
	if err != nil {
		t.Fatalf("first Send: %v", err)
	}
	srv.FailNext(1, "chat.postMessage", "is_archived")
	next := digest(notify.KindUpdate)
	next.Changes = []string{"Beta Ltd: new"}
	ref, err := d.Send(context.Background(), next, first)
	if err == nil || !strings.Contains(err.Error(), "chat.postMessage: is_archived") {
		t.Errorf("err = %v, want the thread reply's is_archived", err)
	}
	if ref != first {
		t.Errorf("ref = %+v, want %+v: the edit went through", ref, first)
	}
}

func TestNewSlackRejectsMissingFields(t *testing.T) {
	tests := []struct{ name, dest, token, channel, want string }{
		{"no name", "", goodToken, channel, "notify: slack destination needs a name"},
		{"no token", "s", "", channel, "notify: slack s: no bot token"},
		{"no channel", "s", goodToken, "", "notify: slack s: no channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notify.NewSlack(tt.dest, tt.token, tt.channel)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSlackNewMessageCarriesItsChanges(t *testing.T) {
	tests := []struct {
		name    string
		changes []string
		want    bool
	}{
		{"with changes", []string{"Acme <Shanghai>: warning -> critical"}, true},
		{"without changes", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, d, _ := setupSlack(t, goodToken)
			msg := digest(notify.KindFiring)
			msg.Changes = tt.changes
			if _, err := d.Send(context.Background(), msg, notify.Ref{}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages(channel)
			if len(msgs) != 1 {
				t.Fatalf("got %d messages, want 1 (no thread for a new post)", len(msgs))
			}
			text := msgs[0].Render()
			if got := strings.Contains(text, "Acme <Shanghai>: warning -> critical"); got != tt.want {
				t.Errorf("message shows the change: got %v, want %v:\n%s", got, tt.want, text)
			}
		})
	}
}
