package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// playRenewal runs renewal-quote's scan, clicks Approve on the first quote with a request signed as
// Slack signs it, through the same handler the Function URL calls, lets the order worker run, and
// shows the order in the sandbox and the quote's message after it.
func (d *demo) playRenewal(ctx context.Context, w io.Writer, channel string) error {
	svc, inproc, err := renewalapp.Local(d.app)
	if err != nil {
		return err
	}
	handler := renewalapp.Handler(d.app, svc, nil)

	d.now.advance(time.Hour)
	fmt.Fprintf(w, "\n▶ Run 4 at %s: renewal-quote's scan, invoked as its schedule invokes it\n", d.clock())
	before := len(d.slack.Events())
	event, err := json.Marshal(app.Event{ScheduledTime: d.now.Now().Format(time.RFC3339), ExecutionID: "demo-renewal"})
	if err != nil {
		return err
	}
	out, err := handler(ctx, event)
	if err != nil {
		return fmt.Errorf("renewal-quote: %w", err)
	}
	res, _ := out.(renewalapp.Result)
	var quotes []slacklocal.Message
	for _, e := range d.slack.Events()[before:] {
		if quoteID(e.Message) != "" {
			quotes = append(quotes, e.Message)
		}
	}
	if len(quotes) == 0 {
		return errors.New("renewal-quote posted no quote: the customer has no resource expiring within the window")
	}
	fmt.Fprintf(w, "  %d quote(s) for %d account(s) posted to #%s; the first:\n\n  #%s\n", len(quotes), len(res.Reports), channel, channel)
	printPlain(w, quotes[0])

	q := quotes[0]
	id := quoteID(q)
	click := slackapp.Action{
		ActionID: slackapp.ActionApprove, Value: id, UserID: demoApprover, UserName: "finance-lead",
		TeamID: d.cfg.SlackApp.TeamID, APIAppID: d.cfg.SlackApp.AppID, ChannelID: q.Channel, MessageTS: q.TS,
		ResponseURL: d.slack.WebhookURL(), ActionTS: fmt.Sprintf("%d.000100", d.now.Now().Unix()),
	}
	body := slackapp.Body(click)
	raw, err := json.Marshal(slackapp.FunctionURLRequest(slackapp.Sign(demoSigning, d.now.Now(), body), body))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n▶ %s clicks Approve: a signed Slack request to the function URL's handler\n", demoApprover)
	orders := len(d.box.Orders())
	started := time.Now()
	out, err = handler(ctx, raw)
	if err != nil {
		return fmt.Errorf("renewal-quote click: %w", err)
	}
	ack := time.Since(started)
	resp, _ := out.(events.LambdaFunctionURLResponse)
	if resp.StatusCode != 200 {
		return fmt.Errorf("renewal-quote answered the click with HTTP %d, want 200", resp.StatusCode)
	}
	fmt.Fprintf(w, "  answered HTTP %d in %s; the order goes to the worker (in AWS: an asynchronous invocation)\n", resp.StatusCode, ack.Round(time.Millisecond))
	inproc.Wait()

	placed := d.box.Orders()[orders:]
	if len(placed) != 1 {
		var thread []string
		for _, r := range d.slack.Replies(q.Channel, q.TS) {
			thread = append(thread, r.Text)
		}
		return fmt.Errorf("the sandbox has %d new orders after the approval, want exactly 1; the quote's thread says: %s", len(placed), strings.Join(thread, " / "))
	}
	o := placed[0]
	paid := "unpaid"
	if o.Paid {
		paid = "paid"
	}
	fmt.Fprintf(w, "\n▶ In the sandbox: order %s, %s, %s for %d resource(s), %d month(s)\n",
		o.ID, paid, money.New(o.Amount, o.Currency), len(o.ResourceIDs), o.PeriodNum)
	m, ok := d.slack.Message(q.Channel, q.TS)
	if !ok {
		return errors.New("the quote's message is gone from Slack")
	}
	fmt.Fprintf(w, "\n  #%s  (the quote, edited in place)\n", channel)
	printPlain(w, m)
	replies := d.slack.Replies(q.Channel, q.TS)
	if len(replies) > 0 {
		fmt.Fprintf(w, "\n  #%s  (its thread)\n", channel)
	}
	for _, r := range replies {
		printPlain(w, r)
	}
	if !strings.Contains(m.Render(), o.ID) {
		return fmt.Errorf("the quote's message does not name order %s", o.ID)
	}
	return nil
}

// quoteID returns the quote id a message's Approve button carries, or "" for other messages.
func quoteID(m slacklocal.Message) string {
	for _, b := range m.Blocks.BlockSet {
		a, ok := b.(*slack.ActionBlock)
		if !ok || a.Elements == nil {
			continue
		}
		for _, e := range a.Elements.ElementSet {
			if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == slackapp.ActionApprove {
				return btn.Value
			}
		}
	}
	return ""
}

// renewalCustomer picks the first customer with a yearly/monthly resource that renewal-quote would
// quote at the demo's start (main, in use, not on auto-renew, expiring within demo.yaml's window)
// and the money to pay for it from its balance, as demo.yaml's auto_pay does.
func (d *demo) renewalCustomer(m sandbox.Manifest) (sandbox.ManifestCustomer, error) {
	within := 30 * 24 * time.Hour
	for _, c := range m.Customers {
		if cust, err := d.box.Customer(c.CustomerID); err != nil || cust.Balance.LessThan(decimal.NewFromInt(minRenewalBalance)) {
			continue
		}
		if len(d.box.Renewable(c.CustomerID, demoStart, within)) > 0 {
			return c, nil
		}
	}
	return sandbox.ManifestCustomer{}, errors.New("no customer of the generated partner has a resource about to lapse and the balance to renew it; try more --customers or another --seed")
}

// minRenewalBalance is the least balance of the customer the demo renews for: enough for a month of
// the sandbox's dearest resources.
const minRenewalBalance = 20000

// printPlain prints m as the Slack stand-in renders it, indented.
func printPlain(w io.Writer, m slacklocal.Message) {
	for _, l := range strings.Split(strings.TrimRight(m.Render(), "\n"), "\n") {
		fmt.Fprintln(w, "  "+l)
	}
}
