package runtimeapi

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Build compiles the main package at pkg (an import path or ./dir) into dir/bootstrap for the host,
// with the build tags of the deployed artifact, and returns the binary's path.
func Build(ctx context.Context, pkg, dir string) (string, error) {
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("runtimeapi: build %s: %w\n%s", pkg, err, b)
	}
	return out, nil
}

// Process is a bootstrap binary running against a Server.
type Process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	once   sync.Once
	err    error
}

// Run starts binary with env (plus AWS_LAMBDA_RUNTIME_API and the usual Lambda variables) polling s.
// The process's stdout and stderr go to logs.
func (s *Server) Run(binary string, env []string, logs *os.File) (*Process, error) {
	cmd := exec.Command(binary)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + s.Addr(),
		"AWS_LAMBDA_FUNCTION_NAME=local",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=ap-southeast-1",
		"PATH=" + os.Getenv("PATH"),
	}, env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("runtimeapi: start %s: %w", binary, err)
	}
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the process's id, by which /proc tells its memory.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitErr is the process's exit error once Exited is closed (nil for exit status 0).
func (p *Process) ExitErr() error { <-p.exited; return p.err }

// Stop kills the process and waits for it.
func (p *Process) Stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
}

// InvokeWhileRunning is Invoke that gives up as soon as p exits (a function that crashed or failed
// at start-up never polls again).
func (s *Server) InvokeWhileRunning(ctx context.Context, p *Process, event []byte, timeout time.Duration) (Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-p.exited:
			cancel(fmt.Errorf("runtimeapi: function process exited: %v", p.err))
		case <-ctx.Done():
		}
	}()
	r, err := s.Invoke(ctx, event, timeout)
	if err != nil && context.Cause(ctx) != nil && context.Cause(ctx) != err {
		return r, context.Cause(ctx)
	}
	return r, err
}
