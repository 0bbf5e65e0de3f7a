package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/nodeserver"
	"github.com/bsswatch/bsswatch/pkg/runtimeapi"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
)

// lambdaBuildFlags are the Makefile's LAMBDA_BUILD flags (the deployed artifact; a test keeps the two
// the same), used here for the hello-world reference, which has no build target.
var lambdaBuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// helloPkg is the hello-world aws-lambda-go function the cold starts are compared with.
const helloPkg = "./cmd/bsswatch/testdata/hello"

// Targets of DESIGN.md and issue 12 for each function.
const (
	targetBootstrapMiB = 12
	targetColdRatio    = 3
)

// scheduledEvent is what EventBridge Scheduler sends (template.yaml's Input).
var scheduledEvent = []byte(`{"scheduled_time":"2026-11-21T08:00:00Z","execution_id":"bench"}`)

// functionFigures are one function's measurements.
type functionFigures struct {
	name      string
	bootstrap int64
	cold      time.Duration
}

// benchFunctions measures every function (check.Specs) against a hello-world aws-lambda-go binary:
// the size of the arm64 bootstrap as deployed, and the time from process start to the first BSS
// request of a scheduled run, each process a host build driven through a local Runtime API against
// the sandbox (runs times each, interleaved with hello-world, median kept). It prints one DESIGN.md
// line per function.
func benchFunctions(ctx context.Context, runs int, stdout, stderr io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bsswatch-bench-functions-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)

	names := []string{}
	for _, s := range check.Specs {
		if !slices.Contains(names, s.Function) {
			names = append(names, s.Function)
		}
	}
	fmt.Fprintf(stderr, "bench: functions %s: building arm64 bootstraps and host binaries...\n", strings.Join(names, ", "))
	sizes := map[string]int64{}
	hosts := map[string]string{}
	for _, name := range append([]string{"hello"}, names...) {
		pkg := "./functions/" + name
		if name == "hello" {
			pkg = helloPkg
		}
		out := filepath.Join(dir, name)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		// The deployed bootstrap's size, and a host build of the same to run here.
		arm := filepath.Join(out, "bootstrap-arm64")
		if err := goBuild(ctx, root, pkg, arm, "GOOS=linux", "GOARCH=arm64"); err != nil {
			return err
		}
		fi, err := os.Stat(arm)
		if err != nil {
			return err
		}
		sizes[name], hosts[name] = fi.Size(), filepath.Join(out, "bootstrap")
		if err := goBuild(ctx, root, pkg, hosts[name]); err != nil {
			return err
		}
	}

	env, stop, err := functionWorld(ctx, root, dir)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintf(stderr, "bench: %d cold starts of each, interleaved...\n", runs)
	samples := map[string][]time.Duration{}
	for range runs {
		for _, name := range append([]string{"hello"}, names...) {
			d, err := coldStart(ctx, hosts[name], env, filepath.Join(dir, name, "function.log"))
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			samples[name] = append(samples[name], d)
		}
	}
	hello := median(samples["hello"])
	fmt.Fprintf(stderr, "bench: hello-world aws-lambda-go: bootstrap %.1f MiB, cold start %.1f ms (median of %d)\n",
		float64(sizes["hello"])/(1<<20), ms(hello), runs)
	for _, name := range names {
		f := functionFigures{name: name, bootstrap: sizes[name], cold: median(samples[name])}
		fmt.Fprintf(stdout, "bench function=%s bootstrap_mib=%.1f cold_start_ms=%.1f hello_ms=%.1f\n",
			f.name, float64(f.bootstrap)/(1<<20), ms(f.cold), ms(hello))
		fmt.Fprintf(stderr, "  %s: bootstrap %s (target <= %d MiB), cold start %.1fx hello-world (target <= %dx)\n", f.name,
			verdict(f.bootstrap <= targetBootstrapMiB<<20), targetBootstrapMiB, float64(f.cold)/float64(hello), targetColdRatio)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ds []time.Duration) time.Duration { return percentile(ds, 50) }

// moduleRoot is the folder of go.mod: the functions are built from their sources there.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("bench: run from the bsswatch module (make bench): the functions are built from their sources")
	}
	return filepath.Dir(gomod), nil
}

// goBuild builds pkg with the deployed artifact's flags into out, with env added (GOOS, GOARCH).
func goBuild(ctx context.Context, root, pkg, out string, env ...string) error {
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build"}, lambdaBuildFlags...), "-o", out, pkg)...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s %v: %w\n%s", pkg, env, err, b)
	}
	return nil
}

// firstRequest records when the first request reaches a server since the last reset.
type firstRequest struct {
	mu sync.Mutex
	at chan time.Time
}

func (f *firstRequest) reset() <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = make(chan time.Time, 1)
	return f.at
}

func (f *firstRequest) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		f.mu.Lock()
		select {
		case f.at <- now:
		default:
		}
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

var first firstRequest

// functionWorld starts what a function's cold start reaches before its first BSS request: the
// sandbox (whose first request is the measure), a DynamoDB-API server (dynalite, installed by make
// setup) with the state table, and a configuration with every function's section. It returns the
// functions' environment, as the template sets it, and a stop function.
func functionWorld(ctx context.Context, root, dir string) ([]string, func(), error) {
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 1, Customers: 30})
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	// The invoice check is for the international site only: a second sandbox serves it.
	intl, err := sandbox.New(sandbox.Options{Site: sandbox.SiteIntl, Seed: 1, Customers: 1})
	if err != nil {
		box.Close()
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	first.reset()
	srv := httptest.NewServer(first.wrap(box))
	intlSrv := httptest.NewServer(first.wrap(intl))
	// Slack is not reached before the first BSS request; a server that answers 404 is enough.
	slackSrv := httptest.NewServer(http.NotFoundHandler())
	stop := func() { slackSrv.Close(); intlSrv.Close(); srv.Close(); intl.Close(); box.Close() }

	const table = "bsswatch-bench"
	dynURL, _, err := startDynamo(ctx, root, table)
	if err != nil {
		stop()
		return nil, nil, err
	}

	m, mi := box.Manifest(srv.URL), intl.Manifest(intlSrv.URL)
	cust := m.Customers[0]
	// One configuration with every function's section; each function reads its own.
	doc := fmt.Sprintf(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:BENCH_PARTNER_AK, sk: env:BENCH_PARTNER_SK, endpoint: %q}
  customer-1: {role: customer, site: cn, domain_id: %q, ak: env:BENCH_CUSTOMER_AK, sk: env:BENCH_CUSTOMER_SK, endpoint: %q}
  partner-intl: {role: partner, site: intl, domain_id: %q, ak: env:BENCH_INTL_AK, sk: env:BENCH_INTL_SK, endpoint: %q}
state: {backend: dynamodb}
destinations:
  alerts: {type: slack, token: env:BENCH_SLACK_TOKEN, channel: C0BENCH, api_url: %q}
routes: [{to: [alerts]}]
ops: [alerts]
slack_app: {signing_secret: env:BENCH_SLACK_SIGNING, team_id: T0BENCH, app_id: A0BENCH, destination: alerts}
approvals: {users: [U0BENCH]}
checks:
  balance:
    customers:
      profile: partner-cn
      default: {currency: CNY, warning: "1000", critical: "100"}
  renewal:
    accounts: [{profile: customer-1, list_with: partner-cn}]
    period: {type: month, num: 1}
  invoice:
    accounts: [{profile: partner-intl}]
  coupon:
    watch:
      - {profile: partner-cn, sources: [quotas, issued, own]}
`, m.Partner.DomainID, srv.URL, cust.DomainID, srv.URL, mi.Partner.DomainID, intlSrv.URL, slackSrv.URL+"/api/")
	cfg := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		stop()
		return nil, nil, err
	}
	env := append(functionEnv(cfg, dynURL, table),
		"BENCH_PARTNER_AK="+m.Partner.AK, "BENCH_PARTNER_SK="+m.Partner.SK,
		"BENCH_CUSTOMER_AK="+cust.AK, "BENCH_CUSTOMER_SK="+cust.SK,
		"BENCH_INTL_AK="+mi.Partner.AK, "BENCH_INTL_SK="+mi.Partner.SK,
		"BENCH_SLACK_TOKEN=xoxb-bench", "BENCH_SLACK_SIGNING=bench-signing-secret",
		// hello-world's one request goes to the same server, so both are timed to the same point.
		"HELLO_URL="+srv.URL+"/hello",
	)
	return env, stop, nil
}

// functionEnv is a function's environment as the template sets it, with the state in table of the
// DynamoDB-API server at dynURL; secrets are added by the caller.
func functionEnv(cfg, dynURL, table string) []string {
	return []string{
		"BSSWATCH_CONFIG=" + cfg,
		"BSSWATCH_STATE_TABLE=" + table,
		"AWS_ENDPOINT_URL_DYNAMODB=" + dynURL,
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=local",
		"AWS_LAMBDA_LOG_FORMAT=JSON",
	}
}

// startDynamo starts a DynamoDB-API server (dynalite, installed by make setup; it runs until this
// process ends) with the state tables and returns its URL and a client.
func startDynamo(ctx context.Context, root string, tables ...string) (string, *dynamodb.Client, error) {
	dynDir, err := nodeserver.Find(root, "pkg/state/dynamo/testdata/dynalite", "dynalite", "make setup")
	if err != nil {
		return "", nil, fmt.Errorf("bench: the functions keep state in DynamoDB: %w", err)
	}
	dynURL, err := nodeserver.Start(dynDir)
	if err != nil {
		return "", nil, fmt.Errorf("bench: dynalite: %w", err)
	}
	client := dynamodb.New(dynamodb.Options{
		Region: "ap-southeast-1", BaseEndpoint: aws.String(dynURL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "bench"}, nil
		}),
	})
	for _, table := range tables {
		if err := dynamo.CreateTable(ctx, client, table); err != nil {
			return "", nil, fmt.Errorf("bench: create the state table: %w", err)
		}
	}
	return dynURL, client, nil
}

// coldStart starts binary under a fresh Runtime API with a scheduled event waiting and returns the
// time from process start to the first request the sandbox receives; the process is then stopped.
func coldStart(ctx context.Context, binary string, env []string, logPath string) (time.Duration, error) {
	api, err := runtimeapi.Start()
	if err != nil {
		return 0, err
	}
	defer api.Close()
	logs, err := os.Create(logPath)
	if err != nil {
		return 0, err
	}
	defer logs.Close()
	arrived := first.reset()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		_, _ = api.Invoke(ctx, scheduledEvent, time.Minute)
	}()
	began := time.Now()
	p, err := api.Run(binary, env, logs)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	select {
	case at := <-arrived:
		// The run goes on to its end: a process killed in the middle of a request can take the
		// DynamoDB-API server down with it.
		select {
		case <-answered:
		case <-p.Exited():
		}
		return at.Sub(began), nil
	case <-p.Exited():
		b, _ := os.ReadFile(logPath)
		return 0, fmt.Errorf("exited before its first request: %v\n%s", p.ExitErr(), b)
	case <-ctx.Done():
		b, _ := os.ReadFile(logPath)
		return 0, fmt.Errorf("no request within a minute\n%s", b)
	}
}
