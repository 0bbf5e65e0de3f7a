// Package dynamotest gives tests a real DynamoDB-API server on loopback: dynalite, installed by
// `make setup` into pkg/state/dynamo/testdata/dynalite. One server is started per test binary, on first
// use, and each test gets its own fresh table.
package dynamotest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/bsswatch/bsswatch/pkg/nodeserver"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
)

// SetupCommand installs dynalite; errors name it so that a missing install is obvious.
const SetupCommand = "make setup (npm ci --prefix pkg/state/dynamo/testdata/dynalite)"

// dynaliteDir is where package.json lives, relative to the module root.
const dynaliteDir = "pkg/state/dynamo/testdata/dynalite"

var (
	once     sync.Once
	endpoint string
	startErr error
	tables   atomic.Int64
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

// startServer runs dynalite's serve.js, which prints "listening <port>" once it accepts connections.
func startServer() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("dynamotest: find module root: %w", err)
	}
	dir, err := nodeserver.Find(wd, dynaliteDir, "dynalite", SetupCommand)
	if err != nil {
		return "", fmt.Errorf("dynamotest: %w", err)
	}
	url, err := nodeserver.Start(dir)
	if err != nil {
		return "", fmt.Errorf("dynamotest: dynalite: %w", err)
	}
	return url, nil
}
