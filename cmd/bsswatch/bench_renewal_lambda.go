package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runtimeapi"
	"github.com/bsswatch/bsswatch/pkg/workqueue/sqslocal"
)

// functionTimeout is renewal-quote's Timeout in template.yaml: each invocation's deadline here, and
// the queue's visibility timeout, so that no item is handed out again while it runs.
const functionTimeout = 300 * time.Second

// benchRenewalLambda measures the renewal scan of a partner with f.customers customers as Lambda runs
// it: the scheduled invocation plans the scan in one process of the host-built bootstrap and queues
// its work items on local-aws-sqs; envs other processes, each an execution environment taking one
// item at a time, then take the items as the queue's event source mapping (MaximumConcurrency envs)
// hands them out, until the queue is empty. State is in dynalite. Each process's peak RSS is its
// VmHWM, read while it waits for its next invocation, just before it is stopped; the line's
// peak_rss_mib is the largest, planner included.
func benchRenewalLambda(ctx context.Context, f benchFlags, envs int, stdout, stderr io.Writer, spawn spawnSandbox) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "bench: renewal as Lambda runs it: generating the sandbox partner, building the bootstrap, starting dynalite and local-aws-sqs...")
	dir, box, m, err := benchSandbox(ctx, spawn, f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()
	slack := slacklocal.New()
	defer slack.Close()
	bin := filepath.Join(dir, "bootstrap")
	if err := goBuild(ctx, root, "./functions/renewal-quote", bin); err != nil {
		return err
	}
	const table = "bsswatch-bench-renewal"
	dynURL, client, err := startDynamo(ctx, root, table)
	if err != nil {
		return err
	}
	sqsURL, err := sqslocal.Start(root)
	if err != nil {
		return err
	}
	q, err := sqslocal.NewQueue(ctx, sqslocal.Client(sqsURL), "renewal-scan", renewal.ItemAttempts, functionTimeout)
	if err != nil {
		return err
	}
	cfg, secrets, err := writeRenewalBenchConfig(dir, m, slack.APIURL(), f.rate, "{backend: dynamodb}")
	if err != nil {
		return err
	}
	env := append(functionEnv(cfg, dynURL, table), "AWS_ENDPOINT_URL_SQS="+sqsURL, "BSSWATCH_RENEWAL_QUEUE_URL="+q.URL,
		"BSSWATCH_RENEWAL_CONCURRENCY="+strconv.Itoa(envs))
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	logs, err := os.Create(filepath.Join(dir, "function.log"))
	if err != nil {
		return err
	}
	defer logs.Close()

	fmt.Fprintln(stderr, "bench: renewal: the scheduled invocation plans the scan...")
	began := time.Now()
	planner, err := startEnvironment(bin, env, logs)
	if err != nil {
		return err
	}
	res, err := planner.invoke(ctx, scheduledEvent)
	plannerRSS, rssErr := planner.stop()
	if err != nil {
		return fmt.Errorf("scheduled scan: %w", err)
	}
	var plan renewalapp.Result
	if res.Error != nil || json.Unmarshal(res.Payload, &plan) != nil {
		return fmt.Errorf("scheduled scan answered %s %+v", res.Payload, res.Error)
	}
	if rssErr != nil {
		return rssErr
	}
	if plan.Queued == 0 {
		return errors.New("the scan planned no work item: no reseller customer to measure")
	}
	fmt.Fprintf(stderr, "  %d work items queued after %s; %d environments take them...\n", plan.Queued, time.Since(began).Round(100*time.Millisecond), envs)

	d, err := drain(ctx, q, envs, plan.Queued, bin, env, logs, stderr)
	if err != nil {
		return fmt.Errorf("%w\nfunction log:\n%s", err, logTail(logs.Name()))
	}
	wall := d.last.Sub(began)
	for _, u := range []string{q.URL, q.DeadLetter} {
		if n, err := q.Count(ctx, u); err != nil || n > 0 {
			return fmt.Errorf("%d messages left in %s (%v)", n, u, err)
		}
	}

	quotes, quotedAccounts, err := storedQuotes(ctx, client, table)
	if err != nil {
		return err
	}
	t, err := tallyRenewal(stdout, f, box, m, slack, quotedAccounts, quotes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "renewal scan as Lambda runs it: %d customers (%d reseller), sandbox latency %s, rate %g calls/s per API and account, %d environments\n",
		f.customers, t.resellers, f.latency, f.rate, envs)
	peak := plannerRSS
	fmt.Fprintf(stdout, "planner: peak RSS %s\n", mib(plannerRSS))
	for i, e := range d.envs {
		fmt.Fprintf(stdout, "environment %d: %d items, peak RSS %s\n", i+1, e.items, mib(e.rss))
		peak = max(peak, e.rss)
	}
	benchLine(stdout, check.Renewal, f.customers, t.calls, t.minimum, wall, t.floor, peak,
		"mode=lambda", "environments="+strconv.Itoa(envs), fmt.Sprintf("ratio=%.2f", float64(wall)/float64(t.floor)),
		"items="+strconv.Itoa(plan.Queued), "invocations="+strconv.Itoa(len(d.took)),
		fmt.Sprintf("item_max_s=%.2f", percentile(d.took, 100).Seconds()), fmt.Sprintf("item_p50_s=%.2f", median(d.took).Seconds()),
		fmt.Sprintf("planner_rss_mib=%.1f", float64(plannerRSS)/(1<<20)),
		"quotes="+strconv.Itoa(quotes), "messages="+strconv.Itoa(len(slack.Messages(""))), "summaries="+strconv.Itoa(t.summaries))
	return nil
}

// drained is what the environments did with the queue's items.
type drained struct {
	envs []envFigures
	took []time.Duration // each item invocation's
	last time.Time       // when the last item was deleted from the queue
}

// envFigures are one environment's items and peak RSS.
type envFigures struct {
	items int
	rss   uint64
}

// drain starts envs environments that take the queue's items one at a time each until it has none
// left, saying every 10 s how many of the planned items are done. An item that fails, or a process
// that ends, stops them all: a retry would put the calls over the minimum.
func drain(ctx context.Context, q *sqslocal.Queue, envs, planned int, bin string, env []string, logs *os.File, stderr io.Writer) (drained, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := drained{envs: make([]envFigures, envs)}
	var mu sync.Mutex
	errs := make([]error, envs)
	var wg sync.WaitGroup
	for i := range envs {
		wg.Go(func() {
			e, err := startEnvironment(bin, env, logs)
			if err != nil {
				errs[i] = err
				cancel()
				return
			}
			for {
				var failed error
				n, err := q.Deliver(ctx, func(ev events.SQSEvent) (events.SQSEventResponse, error) {
					raw, _ := json.Marshal(ev) // strings and maps: cannot fail
					began := time.Now()
					r, err := e.invoke(ctx, raw)
					took := time.Since(began)
					mu.Lock()
					d.took = append(d.took, took)
					mu.Unlock()
					var resp events.SQSEventResponse
					switch {
					case err != nil:
						failed = err
					case r.Error != nil:
						failed = fmt.Errorf("work item: %s: %s", r.Error.Type, r.Error.Message)
					case json.Unmarshal(r.Payload, &resp) != nil:
						failed = fmt.Errorf("work item answered %s", r.Payload)
					case len(resp.BatchItemFailures) > 0:
						failed = fmt.Errorf("work item reported failed: %s", r.Payload)
					}
					return resp, failed
				})
				if err = errors.Join(err, failed); err != nil || n == 0 {
					errs[i] = err
					break
				}
				mu.Lock()
				d.envs[i].items += n
				d.last = time.Now()
				mu.Unlock()
			}
			var rssErr error
			d.envs[i].rss, rssErr = e.stop()
			if errs[i] = errors.Join(errs[i], rssErr); errs[i] != nil {
				cancel()
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	began := time.Now()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case <-tick.C:
			mu.Lock()
			n := len(d.took)
			mu.Unlock()
			fmt.Fprintf(stderr, "  %d of %d items done after %s\n", n, planned, time.Since(began).Round(time.Second))
		case <-done:
			waiting = false
		}
	}
	return d, errors.Join(errs...)
}

// environment is one process of the bootstrap under its own Runtime API: a Lambda execution
// environment, which handles one invocation at a time.
type environment struct {
	api  *runtimeapi.Server
	proc *runtimeapi.Process
}

func startEnvironment(bin string, env []string, logs *os.File) (*environment, error) {
	api, err := runtimeapi.Start()
	if err != nil {
		return nil, err
	}
	p, err := api.Run(bin, env, logs)
	if err != nil {
		api.Close()
		return nil, err
	}
	return &environment{api: api, proc: p}, nil
}

// invoke hands event to the process and waits for its answer, or for the process to end.
func (e *environment) invoke(ctx context.Context, event []byte) (runtimeapi.Result, error) {
	return e.api.InvokeWhileRunning(ctx, e.proc, event, functionTimeout)
}

// stop reads the process's peak RSS (VmHWM), then stops it and its Runtime API.
func (e *environment) stop() (uint64, error) {
	rss, err := procPeakRSS(strconv.Itoa(e.proc.Pid()))
	e.proc.Stop()
	e.api.Close()
	return rss, err
}

// storedQuotes counts the quotes in the state table and the accounts they are for: the scan's
// quote calls and agencies at the least.
func storedQuotes(ctx context.Context, client *dynamodb.Client, table string) (quotes, accounts int, err error) {
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("begins_with(pk, :quote)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":quote": &types.AttributeValueMemberS{Value: "renewal/quote/"}},
	})
	seen := map[string]bool{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("count the stored quotes: %w", err)
		}
		for _, item := range page.Items {
			var q renewal.Quote
			v, _ := item["val"].(*types.AttributeValueMemberB)
			if v == nil || json.Unmarshal(v.Value, &q) != nil {
				return 0, 0, fmt.Errorf("count the stored quotes: %v is no quote", item["pk"])
			}
			quotes++
			seen[q.Account] = true
		}
	}
	return quotes, len(seen), nil
}
