// Package runtimeapitest runs a built bootstrap under its own local Runtime API for tests of the real
// artifact, failing the test where that fails. It is apart from runtimeapi so that the binaries that
// drive bootstraps (the bench) do not link "testing".
package runtimeapitest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/runtimeapi"
)

// Function is a built bootstrap running under its own Runtime API, for tests of the real artifact.
type Function struct {
	API  *runtimeapi.Server
	Proc *runtimeapi.Process
	// Logs is the file that holds the function's stdout and stderr.
	Logs string
}

// StartFunction builds the main package in dir (as the deployed artifact is built), starts a Runtime
// API and runs the binary under it with env. Everything stops when t ends; a failure ends t.
func StartFunction(t testing.TB, dir string, env []string) *Function {
	t.Helper()
	// A fresh machine compiles the SDKs first, while the other packages' tests compile too.
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	bin, err := runtimeapi.Build(ctx, dir, tmp)
	if err != nil {
		t.Fatal(err)
	}
	api, err := runtimeapi.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	f := &Function{API: api, Logs: filepath.Join(tmp, "function.log")}
	logs, err := os.Create(f.Logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logs.Close() })
	if f.Proc, err = api.Run(bin, env, logs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Proc.Stop)
	return f
}

// Invoke sends event and returns the function's answer; it ends t, with the function's log, if the
// function is gone or does not answer within two minutes.
func (f *Function) Invoke(t testing.TB, event []byte) runtimeapi.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := f.API.InvokeWhileRunning(ctx, f.Proc, event, time.Minute)
	if err != nil {
		b, _ := os.ReadFile(f.Logs)
		t.Fatalf("invoke: %v\nfunction log:\n%s", err, b)
	}
	return r
}
