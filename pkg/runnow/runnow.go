// Package runnow lets other systems run a check on demand: a POST signed the way bsswatch signs its
// outbound Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature with a shared secret)
// and carrying {"check": "balance"}. A request that is unsigned, stale, forged or replayed (the same
// webhook-id again within the window) is refused with 401, one that names no configured check with
// 400, and both run nothing; a valid one is handed to the check's function asynchronously and
// answered 202 with the run's id.
package runnow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/invoke"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// Window is how far a request's timestamp may be from now, and how long its webhook-id is remembered.
const Window = 5 * time.Minute

// maxBody bounds what is read of a request: a run-now body is a few dozen bytes.
const maxBody = 4 << 10

// Request is a run-now body.
type Request struct {
	Check  string `json:"check"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// Parse reads a request strictly: unknown fields, trailing data, an oversized body or a check that is
// not among checks are errors that say what is wrong.
func Parse(body []byte, checks []string) (Request, error) {
	if len(body) > maxBody {
		return Request{}, fmt.Errorf("runnow: body of %d bytes, over %d", len(body), maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r Request
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("runnow: body: %w", err)
	}
	if dec.More() {
		return Request{}, errors.New("runnow: body: trailing data after the JSON object")
	}
	if !slices.Contains(checks, r.Check) {
		return Request{}, fmt.Errorf("runnow: unknown check %q (configured: %s)", r.Check, strings.Join(checks, ", "))
	}
	return r, nil
}

// Event is what the check's function receives: a check event (pkg/app.Event) with the run's id.
type Event struct {
	RunID  string `json:"run_id"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// Dispatcher starts a run of a check without waiting for it.
type Dispatcher interface {
	Dispatch(ctx context.Context, check string, ev Event) error
}

// FunctionEnv names the environment variable that gives the function running check, e.g.
// BSSWATCH_FUNCTION_BALANCE; template.yaml sets one per function on the function behind the URL.
func FunctionEnv(check string) string { return "BSSWATCH_FUNCTION_" + strings.ToUpper(check) }

// Lambda dispatches a run as an asynchronous invocation of the check's function.
type Lambda struct {
	Client invoke.Invoker
	// Functions maps each check to the name or ARN of the function that runs it.
	Functions map[string]string
}

// Dispatch queues the run; it fails when the check has no function or Lambda refuses the invocation.
func (l Lambda) Dispatch(ctx context.Context, check string, ev Event) error {
	fn := l.Functions[check]
	if fn == "" {
		return fmt.Errorf("runnow: no function runs the %s check", check)
	}
	return invoke.Async(ctx, l.Client, fn, ev)
}

// Handler answers run-now requests.
type Handler struct {
	// Secret is the shared signing secret ("whsec_<base64>" or any other string).
	Secret string
	// Checks are the checks a request may name: the configured ones.
	Checks []string
	// Store remembers webhook-ids for Window, so a replay is refused in any container.
	Store      state.Store
	Dispatcher Dispatcher
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

func seenKey(id string) state.Key { return state.Key{Partition: "runnow/" + id, Sort: "seen"} }

// Handle answers one request: 202 with {"run_id"} for a run started; 401 for a request that is not
// signed with the secret within the window, or replayed; 400 for a body that is not a request for a
// configured check; 503 when the store or the dispatch failed (nothing ran, and the same request may
// be sent again). The answer body is JSON; no answer quotes the secret.
func (h *Handler) Handle(ctx context.Context, hdr http.Header, body []byte) (int, []byte) {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	id, err := notify.VerifyWebhook(h.Secret, hdr, body, now, Window)
	if err != nil {
		return h.refuse(http.StatusUnauthorized, "not signed", err)
	}
	req, err := Parse(body, h.Checks)
	if err != nil {
		return h.refuse(http.StatusBadRequest, err.Error(), err)
	}
	// Create-only: a second request with this id, in any container, finds the record and stops.
	seen := state.Record{Key: seenKey(id), Value: []byte(`{}`), ExpiresAt: now.Add(2 * Window)}
	rec, err := h.Store.Put(ctx, seen)
	if errors.Is(err, state.ErrConflict) {
		return h.refuse(http.StatusUnauthorized, "replayed", errors.New("webhook-id already seen"))
	} else if err != nil {
		return h.refuse(http.StatusServiceUnavailable, "try again", err)
	}
	run := Event{RunID: "run_" + strings.ToLower(rand.Text()), DryRun: req.DryRun}
	if err := h.Dispatcher.Dispatch(ctx, req.Check, run); err != nil {
		// Nothing runs: forget the id so the sender's retry with the same id goes through.
		if derr := h.Store.Delete(ctx, rec.Key, rec.Version); derr != nil {
			h.logger().WarnContext(ctx, "run now: forget id", "error", derr.Error())
		}
		return h.refuse(http.StatusServiceUnavailable, "try again", err)
	}
	h.logger().InfoContext(ctx, "run now", "check", req.Check, "run_id", run.RunID, "webhook_id", id, "dry_run", req.DryRun)
	out, _ := json.Marshal(map[string]string{"run_id": run.RunID, "check": req.Check})
	return http.StatusAccepted, out
}

func (h *Handler) refuse(status int, answer string, why error) (int, []byte) {
	h.logger().Warn("run now refused", "status", status, "reason", why.Error())
	out, _ := json.Marshal(map[string]string{"error": answer})
	return status, out
}

func (h *Handler) logger() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}
