package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

// demoIssued is how many more coupons the demo's partner issues to its customers, spread over a year
// of expiries, so that a week moves some of them into a nearer tier.
const demoIssued = 300

// threadLines is how many of a thread reply's other lines (expired unused, new) the demo prints.
const threadLines = 3

// playCoupons runs coupon-expiry as its schedule does, spends a coupon the digest lists, moves the
// sandbox's clock a week and runs it again: the digest is edited in place, and its thread says which
// coupons moved to a nearer tier, which was used and which expired unused.
func (d *demo) playCoupons(ctx context.Context, w io.Writer, channel string) error {
	if err := d.box.IssueCoupons(1, demoIssued); err != nil {
		return err
	}
	// The sandbox's coupons age from the time its world was generated around: catch up with the
	// demo's clock, which the runs above moved.
	d.box.Advance(d.now.Now().Sub(d.box.Now().Add(d.box.Offset())))

	d.now.advance(time.Hour)
	fmt.Fprintf(w, "\n▶ coupon-expiry at %s, invoked as its schedule invokes it\n", d.clock())
	res, events, err := d.invokeCoupons(ctx)
	if err != nil {
		return err
	}
	d.couponSummary(w, res, events)
	var digest slacklocal.Message
	for _, e := range events {
		if e.Method == "chat.postMessage" && e.Message.ThreadTS == "" {
			digest = e.Message
		}
	}
	if digest.TS == "" {
		return fmt.Errorf("coupon-expiry posted no digest to #%s", channel)
	}
	fmt.Fprintf(w, "\n  #%s\n", channel)
	printDigest(w, digest, postedItems)

	used, err := d.spendListedCoupon(digest)
	if err != nil {
		return err
	}
	const week = 7 * 24 * time.Hour
	d.box.Advance(week)
	d.now.advance(week)
	fmt.Fprintf(w, "\n▶ Coupon %s used up in an order; the sandbox's clock moves a week\n", used)
	fmt.Fprintf(w, "▶ coupon-expiry at %s, a week later\n", d.clock())
	res, events, err = d.invokeCoupons(ctx)
	if err != nil {
		return err
	}
	d.couponSummary(w, res, events)
	var edited, expired, moved, resolved bool
	for _, e := range events {
		switch {
		case e.Method == "chat.update":
			edited = true
			fmt.Fprintf(w, "\n  #%s  (the digest, edited in place)\n", channel)
			printDigest(w, e.Message, editedItems)
		case e.Message.ThreadTS != "":
			fmt.Fprintf(w, "\n  #%s  (reply in the digest's thread)\n", channel)
			text := e.Message.Render()
			printThread(w, text, threadLines)
			expired = expired || strings.Contains(text, "-> expired unused")
			moved = moved || strings.Contains(text, "-> expires within 7 days") || strings.Contains(text, "-> expires within 1 day")
			resolved = resolved || strings.Contains(text, "resolved: ") && strings.Contains(text, used)
		}
	}
	// Which coupons move to a nearer tier depends on the generated world (--seed); the partner's
	// test coupons always include one that expires within the week.
	if !edited || !expired || !resolved {
		return fmt.Errorf("a week later: edited %v, a coupon expired unused %v, the used one resolved %v; want all", edited, expired, resolved)
	}
	if !moved {
		fmt.Fprintln(w, "  (no coupon of this generated partner moved to a nearer tier this week; try another --seed)")
	}
	return nil
}

// invokeCoupons runs coupon-expiry through the Lambda handler with the scheduler's payload.
func (d *demo) invokeCoupons(ctx context.Context) (app.Result, []slacklocal.Event, error) {
	now := d.now.Now()
	event, err := json.Marshal(app.Event{ScheduledTime: now.Format(time.RFC3339), ExecutionID: fmt.Sprintf("demo-coupon-%d", now.Unix())})
	if err != nil {
		return app.Result{}, nil, err
	}
	before := len(d.slack.Events())
	res, err := app.Handler(d.app, check.Coupon)(ctx, event)
	if err != nil {
		return res, nil, fmt.Errorf("coupon-expiry: %w", err)
	}
	if len(res.CheckErrors) > 0 || res.Failed > 0 {
		return res, nil, fmt.Errorf("coupon-expiry did not run cleanly: %s; %d deliveries failed", strings.Join(res.CheckErrors, "; "), res.Failed)
	}
	return res, d.slack.Events()[before:], nil
}

func (d *demo) couponSummary(w io.Writer, res app.Result, events []slacklocal.Event) {
	fmt.Fprintf(w, "  %d coupons and quotas in view · %s\n", res.Findings, d.traffic(events))
}

// spendListedCoupon uses up the first issued coupon the digest lists that is not about to expire
// anyway, as a customer's order would.
func (d *demo) spendListedCoupon(digest slacklocal.Message) (string, error) {
	text := digest.Render()
	for _, c := range d.box.IssuedCoupons() {
		if !strings.Contains(text, "("+c.ID+")") || c.ExpireTime.Before(d.now.Now().Add(8*24*time.Hour)) {
			continue
		}
		if err := d.box.UseCoupon(c.ID, c.Balance); err != nil {
			return "", err
		}
		return c.ID, nil
	}
	return "", fmt.Errorf("the digest lists no issued coupon that outlives a week")
}

// printDigest prints a digest like printMessage, with its notes (the totals under the summary) as
// they are: the section after the summary that is not an item.
func printDigest(w io.Writer, m slacklocal.Message, maxItems int) {
	var items []slack.Block
	head := slack.Blocks{}
	for i, b := range m.Blocks.BlockSet {
		text := slacklocal.RenderBlocks(slack.Blocks{BlockSet: []slack.Block{b}})
		if _, ok := b.(*slack.SectionBlock); ok && i >= 2 && isItem(text) {
			items = m.Blocks.BlockSet[i:]
			break
		}
		head.BlockSet = append(head.BlockSet, b)
	}
	for _, l := range strings.Split(strings.TrimRight(slacklocal.RenderBlocks(head), "\n"), "\n") {
		fmt.Fprintln(w, "  "+strings.TrimLeft(l, " "))
	}
	printMessage(w, slacklocal.Message{Blocks: slack.Blocks{BlockSet: append([]slack.Block{slack.NewSectionBlock(nil, nil, nil)}, items...)}}, maxItems)
}

// isItem tells a digest's item from its other sections: items start with a severity or status emoji.
func isItem(text string) bool {
	for _, e := range []string{"🔴", "⚠️", "ℹ️", "✅"} {
		if strings.HasPrefix(strings.TrimSpace(text), e) {
			return true
		}
	}
	return false
}

// printThread prints a thread reply's heading and change lines, keeping every move to a nearer tier and
// every resolved coupon but only the first maxOther of the rest (coupons that expired unused or came
// into view), and counts what it left out.
func printThread(w io.Writer, text string, maxOther int) {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	fmt.Fprintln(w, "  "+lines[0])
	others, left := 0, 0
	for _, l := range lines[1:] {
		keep := strings.Contains(l, "-> expires within") || strings.Contains(l, "resolved: ")
		if !keep && others == maxOther {
			left++
			continue
		}
		if !keep {
			others++
		}
		fmt.Fprintln(w, "  "+l)
	}
	if left > 0 {
		fmt.Fprintf(w, "        … and %d more changes\n", left)
	}
}
