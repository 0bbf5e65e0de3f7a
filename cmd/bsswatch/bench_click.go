package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runtimeapi"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
)

// Slack shows an error to the person who clicked when the answer takes longer than 3 s; DESIGN.md
// ("The renewal approval protocol") gives the click 1 s.
const (
	slackClickLimit = 3 * time.Second
	targetClickAck  = time.Second
)

// clickSmall is the partner size the click path is compared with.
const clickSmall = 10

// clickFlags say how many clicks the click bench measures per partner size.
type clickFlags struct{ cold, warm int }

// benchClick measures how long the renewal-quote function takes to acknowledge an Approve/Reject
// click, for a partner of 10 customers and one of f.customers, both reached through an agency (the
// same configuration at any size). Each cold click starts a fresh host build of the bootstrap under
// its own Runtime API with a signed Reject click waiting, and counts from process start to the
// Runtime API receiving the answer, which is what Slack waits for; warm clicks go to one process
// per partner that has already answered one. The partners take turns, so neither is measured on a
// warmer machine. It prints DESIGN.md's function line per partner and kind of click.
func benchClick(ctx context.Context, f benchFlags, c clickFlags, stdout, stderr io.Writer, spawn spawnSandbox) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bsswatch-bench-click-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(stderr, "bench: renewal-quote clicks: building the bootstrap and starting dynalite...")
	bin := filepath.Join(dir, "bootstrap")
	if err := goBuild(ctx, root, "./functions/renewal-quote", bin); err != nil {
		return err
	}
	sizes := []int{clickSmall}
	if f.customers != clickSmall {
		sizes = append(sizes, f.customers)
	}
	// A table per partner: the sandbox partners share their first customers, whose holds and quotes
	// must not carry over.
	tables := make([]string, len(sizes))
	for i, n := range sizes {
		tables[i] = fmt.Sprintf("bsswatch-bench-click-%d", n)
	}
	dynURL, client, err := startDynamo(ctx, root, tables...)
	if err != nil {
		return err
	}

	var rigs []*clickRig
	defer func() {
		for _, r := range rigs {
			r.close()
		}
	}()
	for i, n := range sizes {
		fmt.Fprintf(stderr, "bench: renewal-quote clicks: a partner of %d customers and its first scan (quotes stored in dynalite)...\n", n)
		began := time.Now()
		r := &clickRig{customers: n, bin: bin, dynURL: dynURL, table: tables[i], store: renewal.NewStore(dynamo.New(client, tables[i], dynamo.Options{}), nil)}
		rigs = append(rigs, r)
		if err := r.start(ctx, spawn, f, filepath.Join(dir, fmt.Sprintf("function-%d.log", n))); err != nil {
			return fmt.Errorf("renewal-quote clicks at %d customers: %w", n, err)
		}
		fmt.Fprintf(stderr, "  %d quotes pending after %s\n", len(r.pending), time.Since(began).Round(100*time.Millisecond))
	}

	fmt.Fprintf(stderr, "bench: renewal-quote clicks: %d cold and %d warm at each size, taking turns...\n", c.cold, c.warm)
	for _, phase := range []struct {
		warm bool
		n    int
	}{{false, c.cold}, {true, c.warm}} {
		for range phase.n {
			for _, r := range rigs {
				if err := r.measure(ctx, phase.warm); err != nil {
					return fmt.Errorf("renewal-quote at %d customers: %w", r.customers, err)
				}
			}
		}
	}
	for _, r := range rigs {
		for _, k := range []struct {
			kind string
			c    clicks
		}{{"cold", r.cold}, {"warm", r.warm}} {
			rejected, err := r.rejected(ctx, k.c.ids)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "bench function=renewal-quote click=%s customers=%d runs=%d p50_ms=%.1f p99_ms=%.1f rejected=%d\n",
				k.kind, r.customers, len(k.c.times), ms(percentile(k.c.times, 50)), ms(percentile(k.c.times, 99)), rejected)
		}
	}
	small, large := rigs[0], rigs[len(rigs)-1]
	worst := slices.Max([]time.Duration{percentile(small.cold.times, 99), percentile(large.cold.times, 99)})
	fmt.Fprintf(stderr, "  renewal-quote click, cold: p50 %.1f ms at %d customers, %.1f ms at %d (%.2fx); worst p99 %.1f ms: %s against the %s acknowledgement target (Slack gives up at %s)\n",
		ms(percentile(small.cold.times, 50)), small.customers, ms(percentile(large.cold.times, 50)), large.customers,
		float64(percentile(large.cold.times, 50))/float64(percentile(small.cold.times, 50)), ms(worst),
		verdict(worst <= targetClickAck), targetClickAck, slackClickLimit)
	return nil
}

// percentile is the nearest-rank p-th percentile of ds (p in 1..100).
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[max(int(math.Ceil(p/100*float64(len(s))))-1, 0)]
}

// clickRig is the renewal-quote function of one sandbox partner: its environment, the quotes waiting
// for a click, the warm process, and the clicks measured so far.
type clickRig struct {
	customers                       int
	bin, dynURL, table, responseURL string
	env                             []string
	logs                            *os.File
	store                           *renewal.Store
	pending                         []renewal.Quote
	scans                           int
	api                             *runtimeapi.Server // of the warm process
	proc                            *runtimeapi.Process
	cold, warm                      clicks
	closers                         []func()
}

// clicks are the times to the answer of measured clicks and the quotes they rejected.
type clicks struct {
	times []time.Duration
	ids   []string
}

// start starts the partner's sandbox and Slack stand-in, writes the function's configuration and
// scans once.
func (r *clickRig) start(ctx context.Context, spawn spawnSandbox, f benchFlags, logPath string) error {
	f.customers = r.customers
	// The scans that make the quotes are not measured: no latency, no rate limit in the sandbox, and
	// none to speak of in the function's client.
	dir, box, m, err := benchSandbox(ctx, spawn, f, "--latency", "0", "--rate", "0")
	if err != nil {
		return err
	}
	r.closers = append(r.closers, func() { os.RemoveAll(dir) }, func() { box.stop() })
	slack := slacklocal.New()
	r.closers = append(r.closers, slack.Close)
	r.responseURL = slack.WebhookURL()
	cfg, secrets, err := writeRenewalBenchConfig(dir, m, slack.APIURL(), 10_000, "{backend: dynamodb}")
	if err != nil {
		return err
	}
	r.env = functionEnv(cfg, r.dynURL, r.table)
	for k, v := range secrets {
		r.env = append(r.env, k+"="+v)
	}
	if r.logs, err = os.Create(logPath); err != nil {
		return err
	}
	r.closers = append(r.closers, func() { r.logs.Close() })
	return r.scan(ctx)
}

// measure clicks once, in a fresh process or the warm one, and records the time to the answer.
func (r *clickRig) measure(ctx context.Context, warm bool) error {
	into := &r.cold
	if warm {
		into = &r.warm
		if r.proc == nil {
			if err := r.startWarm(ctx); err != nil {
				return fmt.Errorf("warm process: %w", err)
			}
		}
	}
	id, d, err := r.click(ctx, warm)
	if err != nil {
		return err
	}
	into.times, into.ids = append(into.times, d), append(into.ids, id)
	return nil
}

// startWarm starts the process that answers the warm clicks and has it answer one.
func (r *clickRig) startWarm(ctx context.Context) error {
	var err error
	if r.api, err = runtimeapi.Start(); err != nil {
		return err
	}
	r.closers = append(r.closers, func() { r.api.Close() })
	if r.proc, err = r.api.Run(r.bin, r.env, r.logs); err != nil {
		return err
	}
	r.closers = append(r.closers, r.proc.Stop)
	_, _, err = r.click(ctx, true)
	return err
}

// close stops what start and startWarm started, the last first.
func (r *clickRig) close() {
	for _, c := range slices.Backward(r.closers) {
		c()
	}
}

// click rejects the next pending quote, in a fresh process or the warm one, and returns the quote's
// id and the time to the answer.
func (r *clickRig) click(ctx context.Context, warm bool) (string, time.Duration, error) {
	q, err := r.next(ctx)
	if err != nil {
		return "", 0, err
	}
	var res runtimeapi.Result
	var d time.Duration
	if warm {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		began := time.Now()
		res, err = r.api.InvokeWhileRunning(ctx, r.proc, r.event(q), time.Minute)
		d = time.Since(began)
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, logTail(r.logs.Name()))
		}
	} else {
		res, d, err = r.fresh(ctx, r.event(q))
	}
	if err != nil {
		return "", 0, err
	}
	var resp events.LambdaFunctionURLResponse
	if res.Error != nil || json.Unmarshal(res.Payload, &resp) != nil || resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("click answered %s %+v, want status 200", res.Payload, res.Error)
	}
	return q.ID, d, nil
}

// next returns a pending quote to click, scanning again when none is left.
func (r *clickRig) next(ctx context.Context) (renewal.Quote, error) {
	if len(r.pending) == 0 {
		if err := r.scan(ctx); err != nil {
			return renewal.Quote{}, err
		}
	}
	q := r.pending[0]
	r.pending = r.pending[1:]
	return q, nil
}

// scan runs a scan in a fresh process, as the schedule would, and adds its quotes to the pending
// ones. A rejected quote gives its resources back, so each scan quotes them again.
func (r *clickRig) scan(ctx context.Context) error {
	// Each scan is a new schedule fire: the same one again would find its work items done.
	r.scans++
	res, _, err := r.fresh(ctx, []byte(fmt.Sprintf(`{"scheduled_time":%q}`,
		time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC).Add(time.Duration(r.scans)*time.Minute).Format(time.RFC3339))))
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	var out renewalapp.Result
	if res.Error != nil || json.Unmarshal(res.Payload, &out) != nil {
		return fmt.Errorf("scan answered %s %+v", res.Payload, res.Error)
	}
	for _, rep := range out.Reports {
		for _, id := range rep.Quoted {
			q, err := r.store.Get(ctx, id)
			if err != nil {
				return err
			}
			r.pending = append(r.pending, q)
		}
	}
	if len(r.pending) == 0 {
		return errors.New("the scan made no quote to click")
	}
	return nil
}

// event is a Reject click on q's message, signed now, as the Function URL delivers it. A rejection
// does an approval's work before answering (one conditional write, the message replaced, an audit
// record) with a reply in the thread where an approval invokes the worker, and it gives the
// resources back for the next scan.
func (r *clickRig) event(q renewal.Quote) []byte {
	body := slackapp.Body(slackapp.Action{
		ActionID: slackapp.ActionReject, Value: q.ID, UserID: benchApprover, UserName: "bench", TeamID: benchTeamID,
		APIAppID: benchAppID, ChannelID: q.Message.Channel, MessageTS: q.Message.TS, ResponseURL: r.responseURL, ActionTS: "1.2",
	})
	b, _ := json.Marshal(slackapp.FunctionURLRequest(slackapp.Sign(benchSigningSecret, time.Now(), body), body)) // strings and maps: cannot fail
	return b
}

// fresh starts the bootstrap under a new Runtime API with event waiting and returns its answer and
// the time from process start to the Runtime API receiving it; the process is then stopped.
func (r *clickRig) fresh(ctx context.Context, event []byte) (runtimeapi.Result, time.Duration, error) {
	api, err := runtimeapi.Start()
	if err != nil {
		return runtimeapi.Result{}, 0, err
	}
	defer api.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	began := time.Now()
	p, err := api.Run(r.bin, r.env, r.logs)
	if err != nil {
		return runtimeapi.Result{}, 0, err
	}
	defer p.Stop()
	res, err := api.InvokeWhileRunning(ctx, p, event, 10*time.Minute)
	d := time.Since(began)
	if err != nil {
		return res, 0, fmt.Errorf("%w\n%s", err, logTail(r.logs.Name()))
	}
	return res, d, nil
}

// rejected counts the quotes of ids the store holds as rejected.
func (r *clickRig) rejected(ctx context.Context, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		q, err := r.store.Get(ctx, id)
		if err != nil {
			return 0, err
		}
		if q.State == renewal.Rejected {
			n++
		}
	}
	return n, nil
}

// logTail is the end of a function's log, for an error.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
