package runnow_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/runnow"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var now = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// runs records the runs a handler started.
type runs struct {
	mu   sync.Mutex
	got  []string
	fail error
}

func (r *runs) Dispatch(_ context.Context, check string, ev runnow.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, check+" "+ev.RunID)
	return nil
}

func (r *runs) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

// setup builds a handler over a fresh table of the local DynamoDB-API server.
func setup(t *testing.T) (*runnow.Handler, *runs) {
	t.Helper()
	client, table := dynamotest.Start(t)
	r := &runs{}
	return &runnow.Handler{
		Secret:     secret,
		Checks:     []string{"balance", "renewal"},
		Store:      dynamo.New(client, table, dynamo.Options{Now: func() time.Time { return now }}),
		Dispatcher: r,
		Now:        func() time.Time { return now },
	}, r
}

func signed(t *testing.T, id string, at time.Time, body string) http.Header {
	t.Helper()
	h, err := notify.SignWebhook(secret, id, at, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRunNow(t *testing.T) {
	h, r := setup(t)
	body := `{"check":"balance"}`
	status, out := h.Handle(context.Background(), signed(t, "msg_1", now, body), []byte(body))
	var got struct {
		RunID string `json:"run_id"`
		Check string `json:"check"`
	}
	if err := json.Unmarshal(out, &got); err != nil || status != http.StatusAccepted || got.Check != "balance" || !strings.HasPrefix(got.RunID, "run_") {
		t.Fatalf("got %d %s, want 202 with the run id", status, out)
	}
	if r.count() != 1 || r.got[0] != "balance "+got.RunID {
		t.Errorf("runs = %v, want the balance check once with the answered run id", r.got)
	}
}

func TestRunNowRefusesAndRunsNothing(t *testing.T) {
	body := `{"check":"balance"}`
	forged, err := notify.SignWebhook("whsec_b3RoZXItc2VjcmV0", "msg_f", now, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	tampered := signed(t, "msg_t", now, body)
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   int
	}{
		{"unsigned", http.Header{}, body, http.StatusUnauthorized},
		{"stale", signed(t, "msg_s", now.Add(-6*time.Minute), body), body, http.StatusUnauthorized},
		{"from the future", signed(t, "msg_u", now.Add(6*time.Minute), body), body, http.StatusUnauthorized},
		{"other secret", forged, body, http.StatusUnauthorized},
		{"tampered body", tampered, `{"check":"renewal"}`, http.StatusUnauthorized},
		{"unknown check", signed(t, "msg_c", now, `{"check":"coupons"}`), `{"check":"coupons"}`, http.StatusBadRequest},
		{"unknown field", signed(t, "msg_x", now, `{"check":"balance","dryrun":true}`), `{"check":"balance","dryrun":true}`, http.StatusBadRequest},
		{"not json", signed(t, "msg_j", now, `check=balance`), `check=balance`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, r := setup(t)
			status, out := h.Handle(context.Background(), tt.header, []byte(tt.body))
			if status != tt.want || r.count() != 0 {
				t.Errorf("got %d %s with %d runs, want %d and none", status, out, r.count(), tt.want)
			}
			if strings.Contains(string(out), secret) {
				t.Error("the answer quotes the secret")
			}
		})
	}
}

func TestRunNowReplayedIDRunsOnce(t *testing.T) {
	h, r := setup(t)
	body := `{"check":"renewal","dry_run":true}`
	hdr := signed(t, "msg_r", now, body)
	if status, _ := h.Handle(context.Background(), hdr, []byte(body)); status != http.StatusAccepted {
		t.Fatalf("first: %d", status)
	}
	// The same id again, even freshly signed a minute later, is a replay.
	later := signed(t, "msg_r", now.Add(time.Minute), body)
	if status, _ := h.Handle(context.Background(), later, []byte(body)); status != http.StatusUnauthorized {
		t.Errorf("replay: %d, want 401", status)
	}
	if r.count() != 1 {
		t.Errorf("%d runs, want 1", r.count())
	}
}

func TestRunNowFailedDispatchCanBeRetried(t *testing.T) {
	h, r := setup(t)
	r.fail = errors.New("lambda: throttled")
	body := `{"check":"balance"}`
	hdr := signed(t, "msg_d", now, body)
	if status, _ := h.Handle(context.Background(), hdr, []byte(body)); status != http.StatusServiceUnavailable {
		t.Fatalf("failed dispatch: %d, want 503", status)
	}
	r.fail = nil
	if status, _ := h.Handle(context.Background(), hdr, []byte(body)); status != http.StatusAccepted || r.count() != 1 {
		t.Errorf("retry with the same id: %d and %d runs, want 202 and one run", status, r.count())
	}
}
