// Package nodeserver starts, for tests, a local stand-in of an AWS API written for Node.js (dynalite
// for DynamoDB, s3rver for S3), installed by `make setup` into a folder of the module with a
// serve.js that listens on a free loopback port, prints "listening <port>" and exits when its stdin
// closes. Serving on port 0 means parallel test binaries never race for a port; the stdin pipe means
// the server never outlives the test process, whatever way that ends.
package nodeserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// startTimeout bounds how long node may take to start and print its port.
const startTimeout = 30 * time.Second

var (
	mu sync.Mutex
	// keepAlive holds every server's stdin: closing it (including by the garbage collector's
	// finalizer if nothing referenced it) would stop the server.
	keepAlive []io.WriteCloser
)

// Find returns the folder rel (holding serve.js and node_modules) under the module root that
// contains wd (go test runs in the package's folder). It fails, naming setup (the command that
// installs it), when node_modules/<pkg> is not installed there.
func Find(wd, rel, pkg, setup string) (string, error) {
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, rel)
			if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
				return "", fmt.Errorf("%s is not installed in %s: run %s", pkg, dir, setup)
			}
			return dir, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s, so no %s to start %s from", wd, rel, pkg)
		}
	}
}

// Start runs dir/serve.js and returns the server's URL (http://127.0.0.1:port) once it accepts
// connections. The server runs until the test process exits. It fails when node is missing, the
// script exits or prints no port within 30 s, or the port does not answer.
func Start(dir string) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("node not found on PATH: install Node.js 20 or later, then run make setup")
	}
	cmd := exec.Command(node, filepath.Join(dir, "serve.js"))
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", fmt.Errorf("start %s: %w", dir, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("start %s: %w", dir, err)
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", dir, err)
	}
	mu.Lock()
	keepAlive = append(keepAlive, stdin)
	mu.Unlock()
	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				portc <- p
				break
			}
		}
		close(portc)
	}()
	fail := func(err error) (string, error) {
		cmd.Process.Kill()
		cmd.Wait()
		return "", fmt.Errorf("start %s: %w; stderr: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case p, ok := <-portc:
		if !ok {
			return fail(errors.New("exited before listening"))
		}
		if _, err := strconv.Atoi(p); err != nil {
			return fail(fmt.Errorf("bad port %q", p))
		}
		addr := net.JoinHostPort("127.0.0.1", p)
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return fail(err)
		}
		conn.Close()
		return "http://" + addr, nil
	case <-timer.C:
		return fail(fmt.Errorf("not listening after %s", startTimeout))
	}
}
