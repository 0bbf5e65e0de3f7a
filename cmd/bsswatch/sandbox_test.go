package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bssintl "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// syncBuffer is a bytes.Buffer the server goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSandboxCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveSandbox(ctx, []string{"--addr", "127.0.0.1:0", "--customers", "5", "--seed", "3", "--site", "intl", "--manifest", path, "-v",
			"--fail-next", "ListSubCustomers=1", "--advance", "48h",
			"--fault", `{"api":"ListInvoices","count":1,"status":403,"code":"CBC.0155"}`},
			&stderr, func(endpoint string) { ready <- endpoint })
	}()
	var endpoint string
	select {
	case endpoint = <-ready:
	case err := <-done:
		t.Fatalf("sandbox ended before listening: %v\n%s", err, stderr.String())
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m sandbox.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest is not JSON: %v", err)
	}
	if m.Endpoint != endpoint || strings.HasSuffix(m.Endpoint, ":0") || m.Site != "intl" || len(m.Customers) != 5 {
		t.Fatalf("got manifest endpoint %q site %q with %d customers, want %q intl 5", m.Endpoint, m.Site, len(m.Customers), endpoint)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("manifest mode: got %v (%v), want 0600", fi.Mode().Perm(), err)
	}

	cred, err := global.NewCredentialsBuilder().WithAk(m.Partner.AK).WithSk(m.Partner.SK).WithDomainId(m.Partner.DomainID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := bssintl.BssintlClientBuilder().WithRegion(region.NewRegion("ap-southeast-1", m.Endpoint)).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig().WithTimeout(5 * time.Second)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	client := bssintl.NewBssintlClient(hc)
	_, err = client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{}})
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) || se.StatusCode != 500 {
		t.Fatalf("first call with --fail-next: got %v, want a 500", err)
	}
	resp, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{}})
	if err != nil {
		t.Fatalf("ListSubCustomers through the served sandbox: %v", err)
	}
	if *resp.Count != 5 {
		t.Errorf("got %d customers, want 5", *resp.Count)
	}
	_, err = client.ListInvoices(&model.ListInvoicesRequest{StartTime: "2026-01-01T00:00:00Z", EndTime: "2026-02-01T00:00:00Z", Offset: 1, Limit: 10})
	if !errors.As(err, &se) || se.StatusCode != 403 || se.ErrorCode != "CBC.0155" {
		t.Fatalf("first ListInvoices with --fault: got %v, want 403 CBC.0155", err)
	}
	clk, err := http.Get(m.Endpoint + sandbox.AdminPrefix + "clock")
	if err != nil {
		t.Fatal(err)
	}
	var state sandbox.ClockState
	err = json.NewDecoder(clk.Body).Decode(&state)
	clk.Body.Close()
	if err != nil || time.Duration(state.Offset) != 48*time.Hour {
		t.Errorf("admin clock: got %+v (%v), want offset 48h from --advance", state, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("got %v on interrupt, want a clean stop", err)
	}
	logs := stderr.String()
	for _, secret := range append([]string{m.Partner.SK}, m.Customers[0].SK) {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret key reached the log")
		}
	}
	for _, want := range []string{`"msg":"sandbox listening"`, `"path":"/v2/partners/sub-customers/query"`, `"msg":"sandbox stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		text string
	}{
		{"no command", nil, 2, "usage: bsswatch"},
		{"unknown command", []string{"deploy"}, 2, `unknown command "deploy"`},
		{"help", []string{"help"}, 0, "sandbox"},
		{"bad site", []string{"sandbox", "--site", "eu", "--addr", "127.0.0.1:0"}, 2, `--site must be "cn" or "intl"`},
		{"bad flag", []string{"sandbox", "--customers", "many"}, 2, "invalid value"},
		{"negative customers", []string{"sandbox", "--customers", "-1", "--addr", "127.0.0.1:0"}, 2, "customers must be"},
		{"bad fail-next", []string{"sandbox", "--fail-next", "ListPartnerBalances"}, 2, "want API=N"},
		{"bad fault", []string{"sandbox", "--fault", `{"api":"ListEverything","status":500}`}, 2, "not an API the sandbox serves"},
		{"negative advance", []string{"sandbox", "--advance", "-1h", "--addr", "127.0.0.1:0"}, 2, "must not be negative"},
		{"unusable address", []string{"sandbox", "--addr", "256.0.0.1:1"}, 1, "listen on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(context.Background(), tt.args, &stdout, &stderr); got != tt.want {
				t.Errorf("got exit %d, want %d; stderr:\n%s", got, tt.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.text) {
				t.Errorf("stderr lacks %q:\n%s", tt.text, stderr.String())
			}
		})
	}
}
