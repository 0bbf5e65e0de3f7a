package functions_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestFunctionsLinkOnlyWhatTheyUse: a package linked into a bootstrap costs size and, through its
// initialisers, cold start, so each function keeps out what it never runs in Lambda.
func TestFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	// Never in Lambda: the state file of local runs, the default AWS loader (shared files, SSO, STS:
	// Lambda gives credentials in the environment), the sandbox and the Slack stand-in.
	everywhere := []string{
		"go.etcd.io/bbolt",
		"github.com/aws/aws-sdk-go-v2/config",
		"github.com/aws/aws-sdk-go-v2/service/sso",
		"github.com/aws/aws-sdk-go-v2/service/sts",
		"github.com/bsswatch/bsswatch/pkg/bss/sandbox",
		"github.com/bsswatch/bsswatch/pkg/notify/slacklocal",
	}
	renewalPackages := []string{
		"github.com/bsswatch/bsswatch/pkg/renewal",
		"github.com/bsswatch/bsswatch/pkg/slackapp",
		"github.com/aws/aws-sdk-go-v2/service/lambda",
		"github.com/aws/aws-sdk-go-v2/service/sqs",
	}
	// Only renewal-quote takes Slack clicks, invokes itself and queues a scan's work items.
	renewalOnly := map[string][]string{"renewal-quote": nil}
	type test struct {
		function  string
		forbidden []string
	}
	var tests []test
	for _, fn := range functions(t, loadTemplate(t)) {
		forbidden := append([]string{}, everywhere...)
		if _, ok := renewalOnly[fn.dir]; !ok {
			forbidden = append(forbidden, renewalPackages...)
		}
		tests = append(tests, test{fn.dir, forbidden})
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "go", "list", "-deps", "-tags", "lambda.norpc", "./"+tt.function).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			deps := map[string]bool{}
			for _, p := range strings.Fields(string(out)) {
				deps[p] = true
			}
			if !deps["github.com/bsswatch/bsswatch/pkg/app"] {
				t.Fatalf("%s does not link pkg/app: the list is not what this test expects", tt.function)
			}
			for _, p := range tt.forbidden {
				if deps[p] {
					t.Errorf("%s links %s", tt.function, p)
				}
			}
		})
	}
}
