package slackapp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

// responseURLPath looks like the path of a real response_url: the token is in it.
const responseURLPath = "/actions/T0123ABCD/6123456789012/Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"

// responseServer records the bodies posted to responseURLPath and answers with status.
func responseServer(t *testing.T, status int) (string, <-chan map[string]any) {
	t.Helper()
	got := make(chan map[string]any, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != responseURLPath || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		got <- m
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + responseURLPath, got
}

func TestRespond(t *testing.T) {
	tests := []struct {
		name string
		msg  slack.WebhookMessage
		want map[string]any
	}{
		{"ephemeral answer", Ephemeral("Li Wei approved this quote at 16:01."), map[string]any{
			"text": "Li Wei approved this quote at 16:01.", "response_type": "ephemeral",
			"replace_original": false, "delete_original": false,
		}},
		{"replace the message", Replacement("Renewing...", slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Renewing...", false, false), nil, nil)), map[string]any{
			"text": "Renewing...", "replace_original": true, "delete_original": false,
			"blocks": []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "Renewing..."}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, bodies := responseServer(t, http.StatusOK)
			if err := Respond(context.Background(), nil, u, tt.msg); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, <-bodies); diff != "" {
				t.Errorf("posted body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRespondErrorsDoNotCarryTheURL(t *testing.T) {
	t.Run("Slack refuses", func(t *testing.T) {
		u, _ := responseServer(t, http.StatusNotFound)
		err := Respond(context.Background(), nil, u, Ephemeral("x"))
		var sce slack.StatusCodeError
		if !errors.As(err, &sce) || sce.Code != http.StatusNotFound {
			t.Fatalf("Respond = %v, want a slack.StatusCodeError 404", err)
		}
		assertNoURL(t, err, u)
	})
	t.Run("nobody listens", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL + responseURLPath
		srv.Close()
		err := Respond(context.Background(), nil, u, Ephemeral("x"))
		if err == nil {
			t.Fatal("Respond to a closed server succeeded")
		}
		assertNoURL(t, err, u)
	})
	t.Run("deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		u := srv.URL + responseURLPath
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := Respond(ctx, nil, u, Ephemeral("x"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Respond = %v, want context.DeadlineExceeded", err)
		}
		assertNoURL(t, err, u)
	})
	t.Run("redirected", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"/again", http.StatusTemporaryRedirect)
		}))
		t.Cleanup(srv.Close)
		u := srv.URL + responseURLPath
		err := Respond(context.Background(), nil, u, Ephemeral("x"))
		if err == nil {
			t.Fatal("Respond through endless redirects succeeded")
		}
		assertNoURL(t, err, u)
	})
	t.Run("not a URL", func(t *testing.T) {
		u := "hooks.slack.com" + responseURLPath
		err := Respond(context.Background(), nil, u, Ephemeral("x"))
		if err == nil {
			t.Fatal("Respond accepted a relative URL")
		}
		assertNoURL(t, err, u)
	})
}

func assertNoURL(t *testing.T, err error, u string) {
	t.Helper()
	if msg := err.Error(); strings.Contains(msg, u) || strings.Contains(msg, "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2") {
		t.Errorf("error %q carries the response_url", msg)
	}
}
