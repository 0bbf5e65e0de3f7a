package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// The targets of DESIGN.md ("Performance: what fast means here").
const (
	targetWallRatio = 1.2
	targetRSS       = 128 << 20 // the smallest Lambda memory size, in MiB as Lambda counts it
	targetColdStart = 100 * time.Millisecond
)

// benchAPIs are the calls of the balance check, in the order the table prints them.
var benchAPIs = []bss.API{bss.ListPartnerBalances, bss.ListSubCustomers, bss.ListCustomersBalancesDetail, bss.ShowCustomerAccountBalances}

// spawnSandbox returns the command that serves the sandbox with the given flags in a child process.
type spawnSandbox func(args []string) (*exec.Cmd, error)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return bench(ctx, args, stdout, stderr, selfSandbox)
}

// selfSandbox re-executes this binary's sandbox command, so the sandbox's memory is not counted.
func selfSandbox(args []string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	return exec.Command(exe, append([]string{"sandbox"}, args...)...), nil
}

type benchFlags struct {
	customers int
	latency   time.Duration
	rate      float64
	seed      int64
}

// benches are the checks `bsswatch bench` measures, in the order it runs them; each prints its
// figures and one DESIGN.md line (benchLine).
var benches = []struct {
	check string
	run   func(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error
}{
	{check.Balance, benchBalance},
	{"runway", benchRunway},
	{check.Coupon, benchCoupon},
	{check.Invoice, benchInvoice},
	{check.Renewal, benchRenewal},
}

// bench runs each check (or the one --check names) once against a sandbox partner with latency and
// a rate limit, as a function's cold start and first invocation would, and prints calls, time and
// memory against the targets; then the functions' cold starts and renewal-quote's click
// acknowledgement. A target missed is a finding, not an error; an error means a run
// itself did not work.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer, spawn spawnSandbox) error {
	fs := flag.NewFlagSet("bsswatch bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f benchFlags
	fs.IntVar(&f.customers, "customers", 10_000, "number of generated customers of the partner")
	fs.DurationVar(&f.latency, "latency", 30*time.Millisecond, "sandbox delay before every answer")
	fs.Float64Var(&f.rate, "rate", bss.DefaultRatePerSecond, "calls per second per API and account, in the sandbox and the client")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the generated partner")
	only := fs.String("check", "", "measure only this check and no function (default: every check, then the functions)")
	functionsOnly := fs.Bool("functions", false, "measure only the functions: bootstrap sizes and cold starts")
	runs := fs.Int("runs", 7, "cold starts of each function (and of hello-world); the median is printed")
	clickOnly := fs.Bool("click", false, "measure only renewal-quote's click acknowledgement, at 10 customers and at --customers")
	var clicks clickFlags
	fs.IntVar(&clicks.cold, "click-cold", 30, "clicks per partner size, each answered by a fresh process (cold start included)")
	fs.IntVar(&clicks.warm, "click-warm", 100, "clicks per partner size answered by one process already warm")
	lambdaMode := fs.Bool("lambda", false, "with --check renewal: run the scan as Lambda does, the bootstrap planning it and --concurrency processes taking its work items from local-aws-sqs")
	concurrency := fs.Int("concurrency", 2, "with --lambda: execution environments taking work items at once (RenewalScanConcurrency)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	known := make([]string, len(benches))
	for i, b := range benches {
		known[i] = b.check
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	case f.customers < 1:
		return usageError{fmt.Sprintf("--customers must be at least 1, got %d", f.customers)}
	case f.latency < 0:
		return usageError{fmt.Sprintf("--latency must not be negative, got %s", f.latency)}
	case !(f.rate > 0):
		return usageError{fmt.Sprintf("--rate must be positive (it sets the floor), got %v", f.rate)}
	case *only != "" && !slices.Contains(known, *only):
		return usageError{fmt.Sprintf("--check %q: expected one of %s", *only, strings.Join(known, ", "))}
	case *only != "" && *functionsOnly:
		return usageError{"--check and --functions exclude each other"}
	case *runs < 1:
		return usageError{fmt.Sprintf("--runs must be at least 1, got %d", *runs)}
	case *clickOnly && (*only != "" || *functionsOnly):
		return usageError{"--click excludes --check and --functions"}
	case clicks.cold < 1 || clicks.warm < 1:
		return usageError{fmt.Sprintf("--click-cold and --click-warm must be at least 1, got %d and %d", clicks.cold, clicks.warm)}
	case *lambdaMode && *only != check.Renewal:
		return usageError{"--lambda goes with --check renewal"}
	case *concurrency < 1:
		return usageError{fmt.Sprintf("--concurrency must be at least 1, got %d", *concurrency)}
	}
	if *lambdaMode {
		return benchRenewalLambda(ctx, f, *concurrency, stdout, stderr, spawn)
	}
	if *functionsOnly {
		return benchFunctions(ctx, *runs, stdout, stderr)
	}
	if *clickOnly {
		return benchClick(ctx, f, clicks, stdout, stderr, spawn)
	}
	for _, b := range benches {
		if *only != "" && b.check != *only {
			continue
		}
		fmt.Fprintf(stderr, "bench: %s check (generating the sandbox partner and running; this takes a while at the default rate)...\n", b.check)
		if err := b.run(ctx, f, stdout, spawn); err != nil {
			return fmt.Errorf("%s: %w", b.check, err)
		}
	}
	if *only != "" {
		return nil
	}
	if err := benchFunctions(ctx, *runs, stdout, stderr); err != nil {
		return err
	}
	return benchClick(ctx, f, clicks, stdout, stderr, spawn)
}

// benchLine prints a check's figures in DESIGN.md's one-line format, extra as key=value pairs.
func benchLine(out io.Writer, check string, customers int, calls, minimum int64, wall, floor time.Duration, rss uint64, extra ...string) {
	fmt.Fprintf(out, "bench check=%s customers=%d calls=%d minimum=%d wall_s=%.2f floor_s=%.2f peak_rss_mib=%.1f",
		check, customers, calls, minimum, wall.Seconds(), floor.Seconds(), float64(rss)/(1<<20))
	for _, e := range extra {
		fmt.Fprint(out, " "+e)
	}
	fmt.Fprintln(out)
}

// benchBalance measures the balance check of a partner with f.customers customers.
func benchBalance(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error {
	dir, box, m, err := benchSandbox(ctx, spawn, f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()
	if len(m.Customers) != f.customers {
		return fmt.Errorf("sandbox manifest lists %d customers, want %d", len(m.Customers), f.customers)
	}

	hook, posts := countingHook()
	defer hook.Close()
	cfgPath, env, err := writeBenchConfig(dir, m, hook.URL, f.rate)
	if err != nil {
		return err
	}
	run, err := measureRun(ctx, cfgPath, env, app.Options{File: bolt.Opener(true)}, check.Balance)
	if err != nil {
		return err
	}
	defer run.app.Close()

	made := callsByAPI(run.app)
	seen, seenErr := box.stop()
	resellers, err := countResellers(f, m)
	if err != nil {
		return err
	}

	r := benchReport{
		flags: f, resellers: resellers, made: made, seen: seen, seenErr: seenErr,
		cold: run.cold, wall: run.wall, rss: run.rss, rssErr: run.rssErr, heap: run.heap, result: run.res, posts: posts.Load(),
	}
	return r.print(stdout)
}

// countingHook is a webhook receiver that counts the bodies posted to it.
func countingHook() (*httptest.Server, *atomic.Int64) {
	posts := &atomic.Int64{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		posts.Add(1)
	}))
	return hook, posts
}

// measured is one run of a check in this process: its App (the caller closes it), result, start-up
// and run times, and memory.
type measured struct {
	app        *app.App
	res        app.Result
	cold, wall time.Duration
	heap       heapPeak
	rss        uint64
	rssErr     error
}

// measureRun starts the App from cfgPath and runs the check name once, sampling memory throughout.
// A run whose check failed for an account is an error.
func measureRun(ctx context.Context, cfgPath string, env func(string) string, opts app.Options, name string) (measured, error) {
	var m measured
	mem := sampleMemory(10 * time.Millisecond)
	began := time.Now()
	a, err := app.Start(ctx, cfgPath, env, opts)
	m.cold = time.Since(began)
	if err != nil {
		mem.stop()
		return m, fmt.Errorf("start: %w", err)
	}
	began = time.Now()
	res, err := a.Run(ctx, name, app.Event{})
	m.wall = time.Since(began)
	m.heap = mem.stop()
	m.rss, m.rssErr = peakRSS()
	if err == nil && len(res.CheckErrors) > 0 {
		err = fmt.Errorf("the check failed: %s", strings.Join(res.CheckErrors, "; "))
	}
	if err != nil {
		a.Close()
		return m, fmt.Errorf("run: %w", err)
	}
	m.app, m.res = a, res
	return m, nil
}

// callsByAPI adds up, per API, the calls every client of a made.
func callsByAPI(a *app.App) map[bss.API]bss.Counts {
	made := map[bss.API]bss.Counts{}
	for _, c := range a.Clients {
		for api, n := range c.Stats() {
			t := made[api]
			t.Attempts += n.Attempts
			t.Throttles += n.Throttles
			t.Retries += n.Retries
			made[api] = t
		}
	}
	return made
}

// minimum is the fewest calls the balance check can make: the partner's accounts in one call, every
// customer at the largest page size, the reseller customers' balances in full batches (advisory
// customers' balances are not the partner's to read), and the own account in one call.
func minimum(customers, resellers int) map[bss.API]int {
	batches := 0
	if resellers > 0 {
		batches = bss.Pages(resellers, bss.BatchCustomerBalances)
	}
	return map[bss.API]int{
		bss.ListPartnerBalances:         1,
		bss.ListSubCustomers:            bss.Pages(customers, bss.PageSubCustomers),
		bss.ListCustomersBalancesDetail: batches,
		bss.ShowCustomerAccountBalances: 1,
	}
}

// benchSandbox makes a temporary directory and starts the sandbox child in it with f's partner and
// the extra flags (startSandbox); the caller removes the directory and stops the child.
func benchSandbox(ctx context.Context, spawn spawnSandbox, f benchFlags, extra ...string) (string, *child, sandbox.Manifest, error) {
	dir, err := os.MkdirTemp("", "bsswatch-bench-")
	if err != nil {
		return "", nil, sandbox.Manifest{}, fmt.Errorf("temporary directory: %w", err)
	}
	box, err := startSandbox(ctx, spawn, dir, f, extra...)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, sandbox.Manifest{}, err
	}
	m, err := readManifest(box.manifest)
	if err != nil {
		box.stop()
		os.RemoveAll(dir)
		return "", nil, m, err
	}
	return dir, box, m, nil
}

// child is the sandbox process.
type child struct {
	cmd      *exec.Cmd
	stderr   *bytes.Buffer
	manifest string
	exited   chan struct{}
	waitErr  error
	once     sync.Once
	calls    map[string]int
	callsErr error
}

// startSandbox starts the sandbox process and waits until its manifest exists (it is written once
// the sandbox listens) or the process ends. extra flags come last, so they override the defaults.
func startSandbox(ctx context.Context, spawn spawnSandbox, dir string, f benchFlags, extra ...string) (*child, error) {
	path := filepath.Join(dir, "sandbox.json")
	cmd, err := spawn(append([]string{"--addr", "127.0.0.1:0", "--customers", strconv.Itoa(f.customers),
		"--seed", strconv.FormatInt(f.seed, 10), "--site", sandbox.SiteCN, "--manifest", path,
		"--latency", f.latency.String(), "--rate", strconv.FormatFloat(f.rate, 'g', -1, 64)}, extra...))
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stderr: &bytes.Buffer{}, manifest: path, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the sandbox: %w", err)
	}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()

	// Generating a large partner takes a while; the manifest appears once the sandbox listens.
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return c, nil
		}
		select {
		case <-tick.C:
		case <-c.exited:
			return nil, fmt.Errorf("the sandbox ended before listening: %v\n%s", c.waitErr, c.stderr.String())
		case <-deadline.C:
			c.stop()
			return nil, errors.New("the sandbox did not write its manifest within 2 minutes")
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		}
	}
}

// stop asks the sandbox to stop (it then logs the calls it received), kills it if it does not end
// within 5 seconds, and returns its per-API call counts. It is safe to call more than once.
func (c *child) stop() (map[string]int, error) {
	c.once.Do(func() {
		// The sandbox's shutdown waits for open connections: this process's idle keep-alive ones
		// would hold it past the deadline, and its call counts would be lost.
		bss.CloseIdleConnections()
		_ = c.cmd.Process.Signal(os.Interrupt)
		t := time.NewTimer(5 * time.Second)
		defer t.Stop()
		select {
		case <-c.exited:
		case <-t.C:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		c.calls, c.callsErr = stoppedCalls(c.stderr.Bytes())
	})
	return c.calls, c.callsErr
}

// stoppedCalls reads the call counts from the sandbox's last log line.
func stoppedCalls(log []byte) (map[string]int, error) {
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg   string         `json:"msg"`
			Calls map[string]int `json:"calls"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "sandbox stopped" {
			return line.Calls, nil
		}
	}
	return nil, fmt.Errorf("the sandbox did not log its calls when it stopped: %s", lastLine(log))
}

func readManifest(path string) (sandbox.Manifest, error) {
	var m sandbox.Manifest
	b, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("read the sandbox manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read the sandbox manifest: %w", err)
	}
	if len(m.Customers) == 0 {
		return m, errors.New("the sandbox manifest lists no customer")
	}
	return m, nil
}

// writeBenchConfig writes the configuration a balance-alert function would get: the partner's own
// accounts and its customers through one partner profile, one customer's own balance, bolt state and
// one webhook destination. Secrets come from env, as in a function.
func writeBenchConfig(dir string, m sandbox.Manifest, hookURL string, rate float64) (string, func(string) string, error) {
	own, ok := m.OwnBalanceCustomer()
	if !ok {
		return "", nil, errors.New("the sandbox has no customer with a balance of its own")
	}
	secrets := map[string]string{
		"PARTNER_AK": m.Partner.AK, "PARTNER_SK": m.Partner.SK,
		"CUSTOMER_AK": own.AK, "CUSTOMER_SK": own.SK,
		"HOOK_SECRET": "bench-signing-secret",
	}
	r := strconv.FormatFloat(rate, 'g', -1, 64)
	doc := fmt.Sprintf(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q, rate_per_second: %s}
  customer-1: {role: customer, site: cn, domain_id: %q, ak: env:CUSTOMER_AK, sk: env:CUSTOMER_SK, endpoint: %q, rate_per_second: %s}
state: {backend: bolt, path: %q}
destinations:
  hook: {type: webhook, url: %q, secret: env:HOOK_SECRET}
routes: [{to: [hook]}]
ops: [hook]
checks:
  balance:
    partner:
      profile: partner-cn
      thresholds:
        cash: {currency: CNY, warning: "100000", critical: "10000"}
    customers:
      profile: partner-cn
      default: {currency: CNY, warning: "1000", critical: "100"}
    own:
      - {profile: customer-1, threshold: {currency: CNY, warning: "1000", critical: "100"}}
`, m.Partner.DomainID, m.Endpoint, r, own.DomainID, m.Endpoint, r, filepath.Join(dir, "state.db"), hookURL)
	path := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", nil, fmt.Errorf("write the configuration: %w", err)
	}
	return path, func(k string) string { return secrets[k] }, nil
}

// countResellers regenerates the sandbox's partner in this process (the generator is deterministic
// per seed) to count the reseller customers, and checks that it is the partner the child serves. It
// runs after the measurement, so its memory is not counted.
func countResellers(f benchFlags, m sandbox.Manifest) (int, error) {
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: f.seed, Customers: f.customers})
	if err != nil {
		return 0, fmt.Errorf("count reseller customers: %w", err)
	}
	custs := box.Customers()
	n := 0
	for i, c := range custs {
		if i >= len(m.Customers) || m.Customers[i].CustomerID != c.ID {
			return 0, errors.New("count reseller customers: the regenerated partner is not the one the sandbox serves")
		}
		if c.Reseller {
			n++
		}
	}
	return n, nil
}

// memSampler records the peak of the Go heap while a run is under way.
type memSampler struct {
	done chan struct{}
	peak chan heapPeak
}

// heapPeak is the largest Go heap (live and not yet collected objects) and the largest total of
// memory the Go runtime held from the OS, both sampled.
type heapPeak struct{ objects, runtime uint64 }

func sampleMemory(every time.Duration) *memSampler {
	s := &memSampler{done: make(chan struct{}), peak: make(chan heapPeak, 1)}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	go func() {
		var p heapPeak
		read := func() {
			metrics.Read(samples)
			p.objects = max(p.objects, samples[0].Value.Uint64())
			p.runtime = max(p.runtime, samples[1].Value.Uint64())
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			read()
			select {
			case <-t.C:
			case <-s.done:
				read()
				s.peak <- p
				return
			}
		}
	}()
	return s
}

func (s *memSampler) stop() heapPeak {
	close(s.done)
	return <-s.peak
}

// peakRSS is the process's peak resident set (VmHWM), which is what Lambda's memory limit bounds.
func peakRSS() (uint64, error) { return procPeakRSS("self") }

// procPeakRSS is the peak resident set (VmHWM) of the process /proc/<pid>.
func procPeakRSS(pid string) (uint64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, fmt.Errorf("peak RSS: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("peak RSS: %q: %w", strings.TrimSpace(line), err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("peak RSS: no VmHWM in /proc/%s/status", pid)
}

type benchReport struct {
	flags     benchFlags
	resellers int
	made      map[bss.API]bss.Counts
	seen      map[string]int
	seenErr   error
	cold      time.Duration
	wall      time.Duration
	rss       uint64
	rssErr    error
	heap      heapPeak
	result    app.Result
	posts     int64
}

func (r benchReport) print(out io.Writer) error {
	f := r.flags
	mins := minimum(f.customers, r.resellers)
	fmt.Fprintf(out, "balance check: %d customers (%d reseller), sandbox latency %s, rate %g calls/s per API and account, seed %d\n",
		f.customers, r.resellers, f.latency, f.rate, f.seed)
	fmt.Fprintf(out, "run: %d accounts, %d findings; deliveries: %d done, %d failed; webhook posts received: %d\n\n",
		r.result.Accounts, r.result.Findings, r.result.Delivered, r.result.Failed, r.posts)

	const row = "%-30s %7s %9s %17s %9s %13s\n"
	fmt.Fprintf(out, row, "API", "calls", "minimum", "throttled (429)", "retries", "sandbox saw")
	apis := slices.Clone(benchAPIs)
	for api := range r.made {
		if !slices.Contains(apis, api) {
			apis = append(apis, api)
		}
	}
	var calls, least, throttles, retries, seen int64
	perAPI := 0 // the most calls of any one API: the floor if the APIs ran side by side
	callsOK := true
	for _, api := range apis {
		n := r.made[api]
		calls += n.Attempts
		least += int64(mins[api])
		throttles += n.Throttles
		retries += n.Retries
		seen += int64(r.seen[string(api)])
		perAPI = max(perAPI, int(n.Attempts), mins[api])
		if n.Attempts != int64(mins[api]) {
			callsOK = false
		}
		fmt.Fprintf(out, row, api, itoa(n.Attempts), itoa(int64(mins[api])), itoa(n.Throttles), itoa(n.Retries), r.count(string(api)))
	}
	seenAll := "n/a"
	if r.seenErr == nil {
		seenAll = itoa(seen)
	}
	fmt.Fprintf(out, row, "total", itoa(calls), itoa(least), itoa(throttles), itoa(retries), seenAll)
	fmt.Fprintln(out)

	// APIs have separate limits and the check overlaps its listings, so the floor is the busiest
	// API's calls / rate; the sum is what running them one after another would cost.
	floor := time.Duration(float64(perAPI) / f.rate * float64(time.Second))
	serial := time.Duration(float64(least) / f.rate * float64(time.Second))
	ratio := float64(r.wall) / float64(floor)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\ttarget\tresult")
	fmt.Fprintf(tw, "calls made\t%d\t= %d (minimum)\t%s\n", calls, least, verdict(callsOK))
	if r.seenErr == nil {
		fmt.Fprintf(tw, "calls the sandbox saw\t%d\t= calls made\t%s\n", seen, verdict(seen == calls))
	} else {
		fmt.Fprintf(tw, "calls the sandbox saw\tn/a\t= calls made\tn/a (%v)\n", r.seenErr)
	}
	fmt.Fprintf(tw, "wall time of the run\t%s\t<= %s (%.1fx floor %s = %d calls of the busiest API / %g per s)\t%s (%.2fx floor)\n",
		r.wall.Round(time.Millisecond), scale(floor, targetWallRatio).Round(time.Millisecond), targetWallRatio,
		floor.Round(time.Millisecond), perAPI, f.rate, verdict(r.wall <= scale(floor, targetWallRatio)), ratio)
	fmt.Fprintf(tw, "serial floor\t%s\t(information: all calls / rate, had the APIs run one after another)\t\n", serial.Round(time.Millisecond))
	fmt.Fprintf(tw, "cold start (app.Start)\t%s\t< %s before the first call\t%s\n", r.cold.Round(10*time.Microsecond), targetColdStart, verdict(r.cold < targetColdStart))
	if r.rssErr == nil {
		fmt.Fprintf(tw, "peak RSS (VmHWM)\t%s\t< %s\t%s\n", mib(r.rss), mib(targetRSS), verdict(r.rss < targetRSS))
	} else {
		fmt.Fprintf(tw, "peak RSS (VmHWM)\tn/a\t< %s\tn/a (%v)\n", mib(targetRSS), r.rssErr)
	}
	fmt.Fprintf(tw, "peak Go heap (objects)\t%s\t(information, GOGC default)\t\n", mib(r.heap.objects))
	fmt.Fprintf(tw, "peak Go runtime memory\t%s\t(information)\t\n", mib(r.heap.runtime))
	if err := tw.Flush(); err != nil {
		return err
	}
	benchLine(out, check.Balance, f.customers, calls, least, r.wall, floor, r.rss,
		fmt.Sprintf("ratio=%.2f", ratio), "throttled="+itoa(throttles), "retries="+itoa(retries),
		fmt.Sprintf("cold_start_ms=%.1f", float64(r.cold.Microseconds())/1000))
	return nil
}

// count is what the sandbox saw of one API, or n/a when it did not say.
func (r benchReport) count(api string) string {
	if r.seenErr != nil {
		return "n/a"
	}
	return strconv.Itoa(r.seen[api])
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func scale(d time.Duration, by float64) time.Duration { return time.Duration(float64(d) * by) }

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
