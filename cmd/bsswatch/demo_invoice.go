package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

// demoInvoiceConfig watches an international-site partner's invoice requests. The China site has no
// invoice API, so this part of the demo runs its own sandbox for a partner on the international site.
const demoInvoiceConfig = `
timezone: Asia/Shanghai
profiles:
  partner-intl: {role: partner, site: intl, domain_id: %q, ak: env:BSS_INTL_AK, sk: env:BSS_INTL_SK, endpoint: %q}
state: {backend: bolt, path: %q}
destinations:
  finance: {type: slack, token: env:SLACK_BOT_TOKEN, channel: %s, api_url: %q}
routes: [{to: [finance]}]
ops: [finance]
checks:
  invoice:
    accounts: [{profile: partner-intl}]
    look_back_days: 90
`

// playInvoice runs invoice-status for an international partner three times: the first run records
// every request and tells nothing; a day later (the sandbox clock moved) one request was issued and
// one rejected, and one message tells both with the state they came from; a third run tells nothing.
func (d *demo) playInvoice(ctx context.Context, w io.Writer, channel string) error {
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteIntl, Seed: 1, Customers: 1, Now: d.now.Now()})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on loopback: %w", err)
	}
	hs := &http.Server{Handler: box, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }() // Serve ends with ErrServerClosed when Close stops it
	defer func() { box.Close(); _ = hs.Close() }()

	m := box.Manifest("http://" + ln.Addr().String())
	secrets := map[string]string{"BSS_INTL_AK": m.Partner.AK, "BSS_INTL_SK": m.Partner.SK, "SLACK_BOT_TOKEN": demoSlackToken}
	env := func(name string) string { return secrets[name] }
	doc := fmt.Sprintf(demoInvoiceConfig, m.Partner.DomainID, m.Endpoint, filepath.Join(d.dir, "invoice.db"), channel, d.slack.APIURL())
	cfg, err := config.Parse([]byte(doc), env)
	if err != nil {
		return fmt.Errorf("invoice configuration:\n%w", err)
	}
	if err := cfg.Resolve(ctx, config.NewResolver(env, nil)); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{Now: d.now.Now, Log: slog.New(slog.DiscardHandler), NoSync: true})
	if err != nil {
		return err
	}
	defer a.Close()
	invoke := func(run int, what string) (app.Result, []slacklocal.Event, error) {
		fmt.Fprintf(w, "\n▶ Run %d at %s: %s\n", run, d.clock(), what)
		now := d.now.Now()
		event, err := json.Marshal(app.Event{ScheduledTime: now.Format(time.RFC3339), ExecutionID: fmt.Sprintf("demo-invoice-%d", now.Unix())})
		if err != nil {
			return app.Result{}, nil, err
		}
		before := len(d.slack.Events())
		res, err := app.Handler(a, check.Invoice)(ctx, event)
		if err == nil && len(res.CheckErrors) > 0 {
			err = errors.New(strings.Join(res.CheckErrors, "; "))
		}
		if err != nil {
			return res, nil, fmt.Errorf("invoice-status: %w", err)
		}
		events := d.slack.Events()[before:]
		fmt.Fprintf(w, "  %d invoice requests tracked · %d Slack calls · %d ListInvoices calls\n", res.Findings, len(events), box.Calls()["ListInvoices"])
		box.ResetCalls()
		return res, events, nil
	}

	d.now.advance(time.Hour)
	if _, events, err := invoke(5, "invoice-status for partner-intl (international site), a first run: it records, tells nothing"); err != nil {
		return err
	} else if len(events) != 0 {
		return fmt.Errorf("invoice-status's first run made %d Slack calls; want none", len(events))
	}

	d.now.advance(24 * time.Hour)
	box.Advance(24 * time.Hour)
	_, events, err := invoke(6, "a day later (the sandbox clock moved a day too)")
	if err != nil {
		return err
	}
	if len(events) != 1 {
		return fmt.Errorf("invoice-status made %d Slack calls after a day; want one message", len(events))
	}
	fmt.Fprintf(w, "  #%s\n", channel)
	printMessage(w, events[0].Message, 1)

	d.now.advance(time.Hour)
	if _, events, err = invoke(7, "an hour later, nothing changed: nothing is sent"); err != nil {
		return err
	}
	if len(events) != 0 {
		return fmt.Errorf("invoice-status told %d things again; want nothing", len(events))
	}
	return nil
}
