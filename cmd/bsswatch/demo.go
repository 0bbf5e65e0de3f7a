package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

// demoConfig is the configuration the demo runs with; see the comments in it.
//
//go:embed demo.yaml
var demoConfig []byte

// The names demo.yaml uses, which the demo fills in once the sandbox and Slack stand-in run.
const (
	demoPartner     = "partner-cn"
	demoCustomer    = "customer-suzhou"
	demoRenewal     = "customer-hangzhou"
	demoDestination = "alerts"
	demoSlackToken  = "xoxb-bsswatch-demo"
	demoSigning     = "demo-signing-secret"
	demoApprover    = "U0DEMOAPPROVER"
)

// demoStart is the demo's clock at the first run: the scheduled time of the balance-alert schedule's
// sample event (functions/balance-alert/testdata/scheduled.json). A fixed clock makes the output the
// same on every machine.
var demoStart = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

// nextSteps close the demo; the README's "Run one function locally" gives the same commands
// (TestDemoHintAgreesWithREADME).
var nextSteps = []string{
	"cp pkg/config/testdata/example.yaml my-config.yaml   # every option, commented: point it at your account and Slack",
	"go run ./cmd/bsswatch run balance-alert --config my-config.yaml --dry-run",
	"go run ./cmd/bsswatch run renewal-quote --config my-config.yaml --dry-run",
	"go run ./cmd/bsswatch run invoice-status --config my-config.yaml --dry-run",
}

// maxDemoCustomers keeps the demo a matter of seconds; `bsswatch bench` is for large partners.
const maxDemoCustomers = 1000

// The items of a digest printed when it is posted and when it is edited: enough to see what Slack
// shows, few enough for a terminal.
const (
	postedItems = 6
	editedItems = 3
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bsswatch demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	customers := fs.Int("customers", 30, "number of customers of the generated partner")
	seed := fs.Int64("seed", 1, "seed of the generated partner (demo.yaml's customer ids are those of seed 1)")
	verbose := fs.Bool("verbose", false, "log what the function does to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if *customers < 1 || *customers > maxDemoCustomers {
		// demo.yaml watches the first customer's own account, so there must be one.
		return usageError{fmt.Sprintf("--customers must be between 1 and %d, got %d", maxDemoCustomers, *customers)}
	}
	log := slog.New(slog.DiscardHandler)
	if *verbose {
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d, err := startDemo(ctx, *customers, *seed, log)
	if err != nil {
		return err
	}
	defer d.close()
	return d.play(ctx, stdout)
}

// demo is the whole local bundle: the BSS sandbox, the Slack stand-in, a state file and the App
// built from demo.yaml, with a clock the demo moves.
type demo struct {
	box      *sandbox.Server
	hs       *http.Server
	endpoint string
	slack    *slacklocal.Server
	dir      string
	cfg      *config.Config
	app      *app.App
	now      *clock
	started  time.Time
	calls    int // BSS calls the sandbox had answered at the last summary
	closers  []func()
}

// clock is the demo's time: fixed, and moved an hour between runs. The App and the Slack stand-in
// read it from their own goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the demo's current time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startDemo starts everything on loopback and builds the App as a function's cold start does. On
// error it leaves nothing running and no files behind.
func startDemo(ctx context.Context, customers int, seed int64, log *slog.Logger) (_ *demo, err error) {
	d := &demo{now: &clock{t: demoStart}, started: time.Now()}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	d.box, err = sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: seed, Customers: customers, Now: demoStart})
	if err != nil {
		return nil, usageError{err.Error()}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	d.endpoint = "http://" + ln.Addr().String()
	d.hs = &http.Server{Handler: logRequests(log, d.box), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = d.hs.Serve(ln) }() // Serve ends with ErrServerClosed when close shuts it down
	d.closers = append(d.closers, func() {
		// Every run has ended by now. Close rather than Shutdown: Shutdown waits up to 5 s for a
		// connection the SDK's transport dialled but never used, which the server sees as new.
		d.box.Close()
		_ = d.hs.Close()
	})

	d.slack = slacklocal.New(slacklocal.WithToken(demoSlackToken), slacklocal.WithClock(d.now.Now))
	d.closers = append(d.closers, d.slack.Close)

	d.dir, err = os.MkdirTemp("", "bsswatch-demo-")
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	d.closers = append(d.closers, func() { _ = os.RemoveAll(d.dir) })

	m := d.box.Manifest(d.endpoint)
	renewing, err := d.renewalCustomer(m)
	if err != nil {
		return nil, err
	}
	own, ok := m.OwnBalanceCustomer()
	if !ok {
		return nil, errors.New("the sandbox has no customer with a balance of its own")
	}
	// The secrets demo.yaml names, answered from the sandbox's generated credentials; the process
	// environment is neither read nor changed.
	secrets := map[string]string{
		"BSS_PARTNER_AK": m.Partner.AK, "BSS_PARTNER_SK": m.Partner.SK,
		"BSS_CUSTOMER_AK": own.AK, "BSS_CUSTOMER_SK": own.SK,
		"BSS_RENEWAL_AK": renewing.AK, "BSS_RENEWAL_SK": renewing.SK,
		"SLACK_BOT_TOKEN": demoSlackToken, "SLACK_SIGNING_SECRET": demoSigning,
	}
	env := func(name string) string { return secrets[name] }
	d.cfg, err = config.Parse(demoConfig, env)
	if err != nil {
		return nil, fmt.Errorf("demo.yaml:\n%w", err)
	}
	partner, customer, renewal, dest := d.cfg.Profiles[demoPartner], d.cfg.Profiles[demoCustomer], d.cfg.Profiles[demoRenewal], d.cfg.Destinations[demoDestination]
	if partner == nil || customer == nil || renewal == nil || dest == nil {
		return nil, fmt.Errorf("demo.yaml lacks profile %s, %s or %s, or destination %s", demoPartner, demoCustomer, demoRenewal, demoDestination)
	}
	partner.Endpoint, partner.DomainID = d.endpoint, m.Partner.DomainID
	customer.Endpoint, customer.DomainID = d.endpoint, own.DomainID
	renewal.Endpoint, renewal.DomainID = d.endpoint, renewing.DomainID
	dest.APIURL = d.slack.APIURL()
	d.cfg.State.Path = filepath.Join(d.dir, "state.db")
	if err := d.cfg.Resolve(ctx, config.NewResolver(env, nil)); err != nil {
		return nil, fmt.Errorf("demo.yaml: secrets:\n%w", err)
	}
	d.app, err = app.New(ctx, d.cfg, app.Options{Now: d.now.Now, Log: log, NoSync: true})
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, func() { _ = d.app.Close() })
	return d, nil
}

// close stops everything in the reverse order of starting: the App (its state file) before the
// directory that holds it.
func (d *demo) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
	d.closers = nil
}

// play runs balance-alert three times and tells what a person would have seen in Slack each time.
func (d *demo) play(ctx context.Context, w io.Writer) error {
	channel := d.cfg.Destinations[demoDestination].Channel
	rules := d.cfg.Checks.Balance
	fmt.Fprintf(w, "bsswatch demo: a China-site partner with %d customers, all local.\n", len(d.box.Customers()))
	fmt.Fprintf(w, "  BSS sandbox %s · Slack stand-in %s · state in a temporary file\n", d.endpoint, strings.TrimSuffix(d.slack.APIURL(), "/"))
	fmt.Fprintf(w, "  configuration cmd/bsswatch/demo.yaml: warn at partner cash %s, customers %s\n",
		rules.Partner.Thresholds[bss.Cash].Warning, rules.Customers.Default.Warning)

	// 1. The first scheduled run finds the low balances and posts one digest per account.
	fmt.Fprintf(w, "\n▶ Run 1 at %s: balance-alert, invoked as the schedule invokes it\n", d.clock())
	res, events, err := d.invoke(ctx)
	if err != nil {
		return err
	}
	d.summary(w, res, events)
	if len(events) == 0 {
		return errors.New("run 1 sent nothing to Slack: the sandbox should have low balances")
	}
	for _, m := range d.slack.Messages(channel) {
		fmt.Fprintf(w, "\n  #%s\n", channel)
		printMessage(w, m, postedItems)
		for _, r := range d.slack.Replies(channel, m.TS) {
			printMessage(w, r, postedItems)
		}
	}
	firstFindings := res.Findings

	// 2. An hour later nothing has changed in BSS, so nothing may reach Slack.
	d.now.advance(time.Hour)
	fmt.Fprintf(w, "\n▶ Run 2 at %s: the same balances an hour later\n", d.clock())
	before := len(d.slack.Events())
	res, events, err = d.invoke(ctx)
	if err != nil {
		return err
	}
	d.summary(w, res, events)
	if len(events) != 0 {
		return fmt.Errorf("run 2 made %d Slack calls with nothing changed; want none", len(events))
	}
	fmt.Fprintf(w, "  nothing new was sent: the Slack stand-in recorded %d calls before this run and %d after.\n",
		before, len(d.slack.Events()))

	// 3. A customer in the digest is topped up; the digest is edited and its thread says so.
	c, limit, err := d.lowCustomer(channel)
	if err != nil {
		return err
	}
	topUp := limit.Value.Mul(decimal.NewFromInt(20))
	if err := d.box.SetCustomerBalance(c.ID, topUp); err != nil {
		return err
	}
	d.now.advance(time.Hour)
	fmt.Fprintf(w, "\n▶ Top-up: %s (%s) paid in; balance %s → %s (warning at %s)\n", c.Name, c.ID,
		money.New(c.Balance, c.Currency), money.New(topUp, c.Currency), limit)
	fmt.Fprintf(w, "▶ Run 3 at %s\n", d.clock())
	res, events, err = d.invoke(ctx)
	if err != nil {
		return err
	}
	d.summary(w, res, events)
	resolved := false
	for _, e := range events {
		switch {
		case e.Method == "chat.update":
			fmt.Fprintf(w, "\n  #%s  (the digest, edited in place)\n", channel)
		case e.Message.ThreadTS != "":
			fmt.Fprintf(w, "\n  #%s  (reply in the digest's thread)\n", channel)
			resolved = resolved || strings.Contains(e.Message.Text, c.ID)
		default:
			fmt.Fprintf(w, "\n  #%s  (new message)\n", channel)
		}
		printMessage(w, e.Message, editedItems)
	}
	if !resolved {
		return fmt.Errorf("run 3 posted no thread reply naming customer %s as resolved", c.ID)
	}
	if res.Findings != firstFindings-1 {
		return fmt.Errorf("run 3 found %d low balances, want %d (one fewer than run 1)", res.Findings, firstFindings-1)
	}

	if err := d.playRenewal(ctx, w, channel); err != nil {
		return err
	}
	if err := d.playInvoice(ctx, w, channel); err != nil {
		return err
	}
	if err := d.playConsole(ctx, w, channel); err != nil {
		return err
	}
	if err := d.playCoupons(ctx, w, channel); err != nil {
		return err
	}
	if err := d.playRunway(ctx, w, channel); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nDone in %s. Next, with your own account, from the repository's root:\n",
		time.Since(d.started).Round(10*time.Millisecond))
	for _, l := range nextSteps {
		fmt.Fprintln(w, "  "+l)
	}
	return nil
}

// invoke runs balance-alert through the Lambda handler with the EventBridge Scheduler payload, and
// returns the Slack calls it caused.
func (d *demo) invoke(ctx context.Context) (app.Result, []slacklocal.Event, error) {
	now := d.now.Now()
	event, err := json.Marshal(app.Event{ScheduledTime: now.Format(time.RFC3339), ExecutionID: fmt.Sprintf("demo-%d", now.Unix())})
	if err != nil {
		return app.Result{}, nil, err
	}
	before := len(d.slack.Events())
	res, err := app.Handler(d.app, check.Balance)(ctx, event)
	if err != nil {
		return res, nil, fmt.Errorf("balance-alert: %w", err)
	}
	if len(res.CheckErrors) > 0 {
		return res, nil, fmt.Errorf("balance-alert could not read every balance: %s", strings.Join(res.CheckErrors, "; "))
	}
	if res.Failed > 0 {
		return res, nil, fmt.Errorf("balance-alert: %d Slack deliveries failed", res.Failed)
	}
	return res, d.slack.Events()[before:], nil
}

// summary prints one line per run: what was found, what reached Slack, and how many calls the
// sandbox answered since the last summary.
func (d *demo) summary(w io.Writer, res app.Result, events []slacklocal.Event) {
	fmt.Fprintf(w, "  %d low balances in %d accounts · %s\n", res.Findings, res.Accounts, d.traffic(events))
}

// traffic says what a run sent to Slack and how many BSS calls the sandbox answered since the last
// time it was asked.
func (d *demo) traffic(events []slacklocal.Event) string {
	total := 0
	for _, n := range d.box.Calls() {
		total += n
	}
	calls := total - d.calls
	d.calls = total
	var posts, edits, replies int
	for _, e := range events {
		switch {
		case e.Method == "chat.update":
			edits++
		case e.Message.ThreadTS != "":
			replies++
		default:
			posts++
		}
	}
	return fmt.Sprintf("Slack: %d posted, %d edited, %d thread replies · %d BSS calls", posts, edits, replies, calls)
}

// lowCustomer picks the customer at the top of the posted digests, the worst one: the one to top up.
func (d *demo) lowCustomer(channel string) (sandbox.Customer, money.Amount, error) {
	rules := d.cfg.Checks.Balance.Customers
	var low []sandbox.Customer
	for _, c := range d.box.Customers() {
		if c.Reseller && c.Balance.LessThanOrEqual(rules.For(c.ID).Warning.Value) {
			low = append(low, c)
		}
	}
	for _, m := range d.slack.Messages(channel) {
		for _, b := range m.Blocks.BlockSet {
			text := slacklocal.RenderBlocks(slack.Blocks{BlockSet: []slack.Block{b}})
			for _, c := range low {
				if strings.Contains(text, c.ID) {
					return c, rules.For(c.ID).Warning, nil
				}
			}
		}
	}
	return sandbox.Customer{}, money.Amount{}, errors.New("no customer of the generated partner is below its threshold in the digest; try more --customers or another --seed")
}

// clock shows the demo's time as the messages show it: in the configured zone.
func (d *demo) clock() string {
	return d.now.Now().In(d.cfg.Location).Format("2006-01-02 15:04 MST")
}

// printMessage prints m as Slack shows it, indented, compacted for a terminal: an item's fields share
// one line, and a digest shows its maxItems worst items (Slack shows up to 40) and every item it marks
// resolved.
func printMessage(w io.Writer, m slacklocal.Message, maxItems int) {
	if m.ThreadTS != "" || len(m.Blocks.BlockSet) == 0 {
		for _, l := range strings.Split(strings.TrimRight(m.Render(), "\n"), "\n") {
			fmt.Fprintln(w, "  "+l)
		}
		return
	}
	sections, shown, hidden := 0, 0, 0
	for _, b := range m.Blocks.BlockSet {
		lines := strings.Split(strings.TrimRight(slacklocal.RenderBlocks(slack.Blocks{BlockSet: []slack.Block{b}}), "\n"), "\n")
		if _, ok := b.(*slack.SectionBlock); ok {
			// The first section is the digest's summary; the others are its items, worst first,
			// after the changes a new message carries (it has no thread to say them in).
			if lines[0] == "Changes" {
				for _, l := range lines {
					fmt.Fprintln(w, "  "+strings.TrimLeft(l, " "))
				}
				continue
			}
			if sections++; sections > 1 {
				if !strings.HasPrefix(lines[0], "✅") {
					if shown == maxItems {
						hidden++
						continue
					}
					shown++
				}
				lines = compactItem(lines)
			}
		}
		if _, ok := b.(*slack.ContextBlock); ok && hidden > 0 {
			fmt.Fprintf(w, "  … %d more items\n", hidden)
		}
		for i, l := range lines {
			l = "  " + strings.TrimLeft(l, " ")
			if i > 0 && sections > 1 {
				l = "   " + l // an item's text and fields under its title
			}
			fmt.Fprintln(w, l)
		}
	}
}

// compactItem keeps an item's title and joins the lines that follow it into one.
func compactItem(lines []string) []string {
	if len(lines) <= 2 {
		return lines
	}
	return append(lines[:1:1], strings.Join(lines[1:], " · "))
}
