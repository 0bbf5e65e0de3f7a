package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/check"
)

// sandboxProcessEnv marks the test binary re-executed as the bench's sandbox process.
const sandboxProcessEnv = "BSSWATCH_TEST_SANDBOX_PROCESS"

// TestSandboxProcess is not a test: it is the sandbox child of TestBench (the test binary cannot
// run the sandbox command as bsswatch would re-execute itself), serving until interrupted.
func TestSandboxProcess(t *testing.T) {
	if os.Getenv(sandboxProcessEnv) != "1" {
		t.Skip("only runs as the bench's sandbox process")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, append([]string{"sandbox"}, flag.Args()...), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// testSandbox re-executes the test binary as the sandbox process.
func testSandbox(args []string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestSandboxProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), sandboxProcessEnv+"=1")
	return cmd, nil
}

func TestBench(t *testing.T) {
	const customers, seed = 300, 5
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--customers", strconv.Itoa(customers), "--rate", "50", "--latency", "1ms",
		"--seed", strconv.Itoa(seed), "--check", "balance"}, &stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)

	// The minimum, computed here from the same generated partner.
	resellers := testResellers(t, seed, customers)
	want := map[string]int{
		"ListPartnerBalances":         1,
		"ListSubCustomers":            3,
		"ListCustomersBalancesDetail": (resellers + 99) / 100,
		"ShowCustomerAccountBalances": 1,
	}
	total, busiest := 0, 0
	for _, n := range want {
		total += n
		busiest = max(busiest, n)
	}

	for api, n := range want {
		t.Run(api, func(t *testing.T) {
			got := row(t, out, api)
			// calls, minimum, throttled, retries, sandbox saw
			if wantRow := []int{n, n, 0, 0, n}; !slices.Equal(got, wantRow) {
				t.Errorf("row %s = %v, want %v", api, got, wantRow)
			}
		})
	}
	if got, wantRow := row(t, out, "total"), []int{total, total, 0, 0, total}; !slices.Equal(got, wantRow) {
		t.Errorf("row total = %v, want %v", got, wantRow)
	}
	if !strings.Contains(out, strconv.Itoa(customers)+" customers ("+strconv.Itoa(resellers)+" reseller)") {
		t.Errorf("the header does not give %d customers of which %d reseller", customers, resellers)
	}

	figures := map[string]string{
		"calls made":            `calls made\s+` + strconv.Itoa(total) + `\s+= ` + strconv.Itoa(total) + ` \(minimum\)\s+PASS`,
		"calls the sandbox saw": `calls the sandbox saw\s+` + strconv.Itoa(total) + `\s+= calls made\s+PASS`,
		"wall time":             `wall time of the run\s+\S+\s+<= \S+ \(1\.2x floor \S+ = ` + strconv.Itoa(busiest) + ` calls of the busiest API / 50 per s\)\s+(PASS|MISS) \(\d+\.\d\dx floor\)`,
		"serial floor":          `serial floor\s+\S+`,
		"design line": `(?m)^bench check=balance customers=` + strconv.Itoa(customers) + ` calls=` + strconv.Itoa(total) + ` minimum=` + strconv.Itoa(total) +
			` wall_s=\d+\.\d\d floor_s=` + strconv.FormatFloat(float64(busiest)/50, 'f', 2, 64) + ` peak_rss_mib=\d+\.\d ratio=\d+\.\d\d throttled=0 retries=0 cold_start_ms=\d+\.\d$`,
		"cold start":             `cold start \(app\.Start\)\s+\S+\s+< 100ms before the first call\s+(PASS|MISS)`,
		"peak RSS":               `peak RSS \(VmHWM\)\s+\d+\.\d MiB\s+< 128\.0 MiB\s+(PASS|MISS)`,
		"peak Go heap":           `peak Go heap \(objects\)\s+\d+\.\d MiB`,
		"peak Go runtime memory": `peak Go runtime memory\s+\d+\.\d MiB`,
	}
	for name, re := range figures {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("%s: no line matches %q", name, re)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no customers":        {"--customers", "0"},
		"no rate":             {"--rate", "0"},
		"negative latency":    {"--latency", "-1ms"},
		"extra argument":      {"now"},
		"unknown flag":        {"--fast"},
		"unknown check":       {"--check", "coupons"},
		"check and functions": {"--check", "balance", "--functions"},
		"no runs":             {"--functions", "--runs", "0"},
		"click and check":     {"--click", "--check", "renewal"},
		"click and functions": {"--click", "--functions"},
		"no cold clicks":      {"--click", "--click-cold", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			spawned := false
			err := bench(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}, func([]string) (*exec.Cmd, error) {
				spawned = true
				return exec.Command("false"), nil
			})
			if _, ok := err.(usageError); !ok {
				t.Errorf("bench(%q) = %v, want a usage error", args, err)
			}
			if spawned {
				t.Errorf("bench(%q) started a sandbox", args)
			}
		})
	}
}

func TestBenchSandboxThatDoesNotStart(t *testing.T) {
	var stdout bytes.Buffer
	err := bench(context.Background(), []string{"--customers", "10", "--check", "balance"}, &stdout, &bytes.Buffer{}, func([]string) (*exec.Cmd, error) {
		return exec.Command("false"), nil
	})
	if err == nil || !strings.Contains(err.Error(), "ended before listening") {
		t.Errorf("bench = %v, want an error saying the sandbox ended before listening", err)
	}
	if _, ok := err.(usageError); ok {
		t.Errorf("bench = %v, a usage error; want a failed run", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("bench printed figures of a run that did not happen:\n%s", stdout.String())
	}
}

// row returns the numbers of the API table's row for name.
func row(t *testing.T, out, name string) []int {
	t.Helper()
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		if len(fields) != 6 || fields[0] != name {
			continue
		}
		nums := make([]int, 5)
		for i, f := range fields[1:] {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("row %s: %q is not a number", name, f)
			}
			nums[i] = n
		}
		return nums
	}
	t.Fatalf("no row for %s in the output", name)
	return nil
}

// TestBenchFunctions builds every function and hello-world, starts each once through the Runtime API
// and prints DESIGN.md's line per function with figures that are really measured.
func TestBenchFunctions(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := bench(context.Background(), []string{"--functions", "--runs", "1"}, &stdout, &stderr, testSandbox); err != nil {
		t.Fatalf("bench --functions: %v\nstderr:\n%s", err, stderr.String())
	}
	line := regexp.MustCompile(`(?m)^bench function=(\S+) bootstrap_mib=(\d+\.\d) cold_start_ms=(\d+\.\d) hello_ms=(\d+\.\d)$`)
	var got []string
	for _, m := range line.FindAllStringSubmatch(stdout.String(), -1) {
		got = append(got, m[1])
		for i, what := range []string{"bootstrap_mib", "cold_start_ms", "hello_ms"} {
			if v, _ := strconv.ParseFloat(m[i+2], 64); v <= 0 {
				t.Errorf("%s: %s = %s, want a measured figure", m[1], what, m[i+2])
			}
		}
	}
	var want []string
	for _, s := range check.Specs {
		if !slices.Contains(want, s.Function) {
			want = append(want, s.Function)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("functions measured = %v, want %v (every function of check.Specs)\n%s", got, want, stdout.String())
	}
}

// TestLambdaBuildFlagsMatchTheMakefile: the hello-world reference is built as the functions are.
func TestLambdaBuildFlagsMatchTheMakefile(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 \$\(GO\) build (.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile has no LAMBDA_BUILD line of the expected shape")
	}
	want := strings.Join(lambdaBuildFlags, " ")
	got := strings.ReplaceAll(string(m[1]), "'", "")
	if got != want {
		t.Errorf("Makefile LAMBDA_BUILD flags %q, bench builds with %q", got, want)
	}
}
