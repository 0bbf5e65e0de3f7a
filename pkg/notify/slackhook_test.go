package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

func setupSlackWebhook(t *testing.T) (*slacklocal.Server, *notify.SlackWebhook, *waits) {
	t.Helper()
	srv := slacklocal.New()
	t.Cleanup(srv.Close)
	w := &waits{}
	d, err := notify.NewSlackWebhook("alerts-hook", srv.WebhookURL(), notify.WithSleep(w.sleep))
	if err != nil {
		t.Fatalf("NewSlackWebhook: %v", err)
	}
	return srv, d, w
}

func TestSlackWebhookPostsEveryMessage(t *testing.T) {
	srv, d, _ := setupSlackWebhook(t)
	ctx := context.Background()
	ref, err := d.Send(ctx, digest(notify.KindFiring), notify.Ref{})
	if err != nil || !ref.IsZero() {
		t.Fatalf("first Send = %+v, %v; want a zero Ref and no error", ref, err)
	}
	next := digest(notify.KindUpdate)
	next.Changes = []string{"Acme: warning -> critical"}
	if _, err := d.Send(ctx, next, notify.Ref{Channel: "C1", TS: "1.2"}); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	msgs := srv.Messages(slacklocal.WebhookChannel)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2 (webhooks cannot edit)", len(msgs))
	}
	if strings.Contains(msgs[0].Render(), "Changes") {
		t.Errorf("first message shows changes:\n%s", msgs[0].Render())
	}
	second := msgs[1].Render()
	for _, want := range []string{"Changes\n• Acme: warning -> critical", "Acme <Shanghai>", "Beta Ltd"} {
		if !strings.Contains(second, want) {
			t.Errorf("second message lacks %q:\n%s", want, second)
		}
	}
}

func TestSlackWebhookFailures(t *testing.T) {
	tests := []struct {
		name      string
		fault     func(*slacklocal.Server)
		wantErr   string
		wantGone  bool
		wantWaits []time.Duration
		wantPosts int
	}{
		{"rate limit ridden out", func(s *slacklocal.Server) { s.RateLimitNext(1, "webhook", 2) }, "", false,
			[]time.Duration{2 * time.Second}, 1},
		{"archived channel is gone", func(s *slacklocal.Server) { s.FailNext(1, "webhook", "channel_is_archived") },
			"notify: slack webhook alerts-hook: HTTP 410: notify: destination gone", true, nil, 0},
		{"removed webhook", func(s *slacklocal.Server) { s.FailNext(1, "webhook", "no_service") },
			"notify: slack webhook alerts-hook: slack server error: 404 Not Found", false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, d, w := setupSlackWebhook(t)
			tt.fault(srv)
			_, err := d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if got := errors.Is(err, notify.ErrGone); got != tt.wantGone {
				t.Errorf("errors.Is(err, ErrGone) = %v, want %v", got, tt.wantGone)
			}
			if diff := cmp.Diff(tt.wantWaits, w.got()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if n := len(srv.Messages("")); n != tt.wantPosts {
				t.Errorf("got %d messages, want %d", n, tt.wantPosts)
			}
		})
	}
}

func TestSlackWebhookErrorsKeepURLSecret(t *testing.T) {
	const token = "XXXXsecretXXXX"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		closed  bool
	}{
		{"connection refused", nil, true},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, false},
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/other/"+token, http.StatusFound) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			url := srv.URL + "/services/T1/B1/" + token
			if tt.closed {
				srv.Close()
			}
			d, err := notify.NewSlackWebhook("alerts-hook", url)
			if err != nil {
				t.Fatalf("NewSlackWebhook: %v", err)
			}
			_, err = d.Send(context.Background(), digest(notify.KindFiring), notify.Ref{})
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error %q leaks the webhook URL", err)
			}
			if !strings.HasPrefix(err.Error(), "notify: slack webhook alerts-hook: ") {
				t.Errorf("error %q does not name the destination", err)
			}
		})
	}
}

func TestNewSlackWebhookDoesNotQuoteURL(t *testing.T) {
	const raw = "ftp://hooks.example/services/T/B/secret"
	_, err := notify.NewSlackWebhook("h", raw)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("err = %v, want an error that does not quote the URL", err)
	}
}
