// Package dynamotest gives tests a real DynamoDB-API server on loopback: dynalite, installed by
// `make setup` into pkg/state/dynamo/testdata/dynalite. One server is started per test binary, on first
// use, and each test gets its own fresh table.
package dynamotest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
)

// SetupCommand installs dynalite; errors name it so that a missing install is obvious.
const SetupCommand = "make setup (npm ci --prefix pkg/state/dynamo/testdata/dynalite)"

// dynaliteDir is where package.json lives, relative to the module root.
const dynaliteDir = "pkg/state/dynamo/testdata/dynalite"

// startTimeout bounds how long node may take to start and print its port.
const startTimeout = 30 * time.Second

var (
	once     sync.Once
	endpoint string
	startErr error
	// keepAlive holds serve.js's stdin: closing it (including by the garbage collector's finalizer if
	// nothing referenced it) stops the server.
	keepAlive io.WriteCloser
	tables    atomic.Int64
)

// Start returns a client of the shared dynalite server and the name of a new empty table with the
// store's schema, which is deleted when t ends. It fails t (never skips) if node or dynalite is missing
// or the server does not start.
func Start(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	once.Do(func() { endpoint, startErr = startServer() })
	if startErr != nil {
		t.Fatal(startErr)
	}
	client := Client(endpoint)
	table := tableName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		t.Fatalf("dynamotest: %v", err)
	}
	t.Cleanup(func() {
		if _, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Errorf("dynamotest: delete table %s: %v", table, err)
		}
	})
	return client, table
}

// Endpoint returns the shared server's URL (starting it if needed), for a process that builds its own
// client from the environment (AWS_ENDPOINT_URL_DYNAMODB), such as a built function under test.
func Endpoint(t testing.TB) string {
	t.Helper()
	once.Do(func() { endpoint, startErr = startServer() })
	if startErr != nil {
		t.Fatal(startErr)
	}
	return endpoint
}

// Client returns a DynamoDB client for a local server at endpoint (http://host:port), with dummy
// static credentials and a fixed region: a local server checks neither.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "dynamotest"}, nil
		}),
	})
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// tableName makes a unique valid table name ([a-zA-Z0-9_.-], 3 to 255 characters) that still says
// which test it belongs to.
func tableName(test string) string {
	name := fmt.Sprintf("t%d-%s", tables.Add(1), unsafeChars.ReplaceAllString(test, "_"))
	return name[:min(len(name), 255)]
}

// startServer runs serve.js, which prints "listening <port>" once dynalite accepts connections.
func startServer() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("dynamotest: find module root: %w", err)
	}
	dir, err := findDynalite(wd)
	if err != nil {
		return "", err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("dynamotest: node not found on PATH: install Node.js 20 or later, then run %s", SetupCommand)
	}
	cmd := exec.Command(node, filepath.Join(dir, "serve.js"))
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// serve.js exits when this pipe closes, which the OS does when the test binary exits for any reason.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", fmt.Errorf("dynamotest: start dynalite: %w", err)
	}
	keepAlive = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("dynamotest: start dynalite: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("dynamotest: start dynalite: %w", err)
	}
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
		return "", fmt.Errorf("dynamotest: start dynalite: %w; stderr: %s", err, strings.TrimSpace(stderr.String()))
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

// findDynalite finds the npm install under the module root that contains wd (go test runs in the
// package's directory).
func findDynalite(wd string) (string, error) {
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			dir := filepath.Join(d, dynaliteDir)
			if _, err := os.Stat(filepath.Join(dir, "node_modules", "dynalite", "package.json")); err != nil {
				return "", fmt.Errorf("dynamotest: dynalite is not installed in %s: run %s", dir, SetupCommand)
			}
			return dir, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("dynamotest: no go.mod above %s, so no %s to start dynalite from", wd, dynaliteDir)
		}
	}
}
