package runtimeapi

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

func TestDrivesRealBootstrap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bin, err := Build(ctx, "./testdata/echo", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p, err := srv.Run(bin, nil, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	t.Run("response", func(t *testing.T) {
		r, err := srv.InvokeWhileRunning(ctx, p, []byte(`{"say":"hello"}`), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.Error != nil {
			t.Fatalf("function error: %+v", r.Error)
		}
		var got struct {
			Said      string `json:"said"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(r.Payload, &got); err != nil {
			t.Fatal(err)
		}
		if got.Said != "hello" || got.RequestID != r.RequestID {
			t.Errorf("answer = %+v, want said hello with request id %s", got, r.RequestID)
		}
	})
	t.Run("error", func(t *testing.T) {
		r, err := srv.InvokeWhileRunning(ctx, p, []byte(`{"fail":true}`), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.Error == nil || r.Error.Message != "asked to fail" {
			t.Errorf("error = %+v, want asked to fail", r.Error)
		}
	})
	t.Run("malformed event", func(t *testing.T) {
		r, err := srv.InvokeWhileRunning(ctx, p, []byte(`{"say":`), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.Error == nil {
			t.Errorf("malformed event answered %s, want an error", r.Payload)
		}
	})
}

func TestProcessExitEndsInvoke(t *testing.T) {
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p, err := srv.Run("/bin/false", nil, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := srv.InvokeWhileRunning(ctx, p, []byte(`{}`), time.Second); err == nil || ctx.Err() != nil {
		t.Errorf("Invoke = %v, want the exit reported before the deadline", err)
	}
}
