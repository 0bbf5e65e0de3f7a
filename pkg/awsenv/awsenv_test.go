package awsenv_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/bsswatch/bsswatch/pkg/awsenv"
)

// server answers every AWS JSON call with an empty object and remembers the last signature.
func server(t *testing.T) (*httptest.Server, *atomic.Value) {
	t.Helper()
	var auth atomic.Value
	auth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization") + " token=" + r.Header.Get("X-Amz-Security-Token"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &auth
}

func TestLoaderPointsRealClientsWhereTheEnvironmentSays(t *testing.T) {
	ddbSrv, ddbAuth := server(t)
	allSrv, allAuth := server(t)
	env := map[string]string{
		"AWS_REGION": "ap-southeast-1", "AWS_ACCESS_KEY_ID": "AKIDROLE", "AWS_SECRET_ACCESS_KEY": "role-secret",
		"AWS_SESSION_TOKEN": "session-token", "AWS_ENDPOINT_URL_DYNAMODB": ddbSrv.URL, "AWS_ENDPOINT_URL": allSrv.URL,
	}
	cfg, err := awsenv.Loader(func(k string) string { return env[k] })(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("dynamodb: %v", err)
	}
	if _, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: new(string)}); err != nil {
		t.Fatalf("ssm: %v", err)
	}
	tests := []struct {
		name string
		got  string
	}{
		{"DynamoDB, at its own endpoint", ddbAuth.Load().(string)},
		{"SSM, at the general endpoint", allAuth.Load().(string)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, want := range []string{"Credential=AKIDROLE/", "/ap-southeast-1/", "token=session-token"} {
				if !strings.Contains(tt.got, want) {
					t.Errorf("request signed %q, want %q in it", tt.got, want)
				}
			}
		})
	}
}

func TestLoaderNamesWhatIsMissing(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing", nil, "awsenv: not set: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"},
		{"no secret", map[string]string{"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDPLANTED"}, "awsenv: not set: AWS_SECRET_ACCESS_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := awsenv.Loader(func(k string) string { return tt.env[k] })(context.Background())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to start with %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "PLANTED") {
				t.Errorf("error quotes a credential: %v", err)
			}
		})
	}
}
