package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/runway"
)

// demoRunway is the section the runway part of the demo adds under checks.balance in demo.yaml.
const demoRunway = "    runway: {window_days: 14, warning_days: 14, critical_days: 3}\n"

// The customer the runway part shows: plenty of balance, far above its threshold, spent in 5 days.
var (
	runwayBalance = decimal.NewFromInt(80000)
	runwayDaily   = decimal.NewFromInt(16000)
)

// playRunway turns on checks.balance.runway, gives one customer whose balance is far above its
// threshold a spend that empties it in 5 days, and runs balance-alert again: the runway joins the
// account's digest, which is edited in place, and its thread says what is new.
func (d *demo) playRunway(ctx context.Context, w io.Writer, channel string) error {
	rules, err := demoRunwayRules()
	if err != nil {
		return err
	}
	c, err := d.runwayCustomer()
	if err != nil {
		return err
	}
	if err := d.box.SetCustomerBalance(c.ID, runwayBalance); err != nil {
		return err
	}
	d.box.SetSpend(c.ID, sandbox.Spend{Daily: runwayDaily})
	d.cfg.Checks.Balance.Runway = rules // as if demo.yaml had the section from the start

	d.now.advance(time.Hour)
	fmt.Fprintf(w, "\n▶ demo.yaml gains, under checks.balance:\n  %s", demoRunway)
	fmt.Fprintf(w, "  %s (%s) has %s (warning at %s) but spent %s a day for the last 14 days\n", c.Name, c.ID,
		money.New(runwayBalance, c.Currency), d.cfg.Checks.Balance.Customers.For(c.ID).Warning, money.New(runwayDaily, c.Currency))
	fmt.Fprintf(w, "▶ balance-alert at %s, with runways\n", d.clock())
	res, events, err := d.invoke(ctx)
	if err != nil {
		return err
	}
	d.summary(w, res, events)
	item, change := "", ""
	for _, e := range events {
		for _, b := range e.Message.Blocks.BlockSet {
			if _, ok := b.(*slack.SectionBlock); !ok {
				continue
			}
			text := slacklocal.RenderBlocks(slack.Blocks{BlockSet: []slack.Block{b}})
			if strings.Contains(text, c.ID) && strings.Contains(text, "runway") {
				item = strings.Join(compactItem(strings.Split(strings.TrimRight(text, "\n"), "\n")), "\n     ")
			}
		}
		for _, l := range strings.Split(e.Message.Render(), "\n") {
			if strings.Contains(l, c.ID) && strings.Contains(l, "new: ") {
				change = strings.TrimSpace(l)
			}
		}
	}
	if item == "" || change == "" {
		return fmt.Errorf("run 5 shows no runway for customer %s in the digest or its thread", c.ID)
	}
	fmt.Fprintf(w, "  #%s  (the digest, edited in place: its item)\n  %s\n", channel, item)
	fmt.Fprintf(w, "  #%s  (its thread)\n  %s\n", channel, change)
	return nil
}

// demoRunwayRules reads demo.yaml with the runway section added, through the configuration parser.
func demoRunwayRules() (*runway.Rules, error) {
	doc := strings.Replace(string(demoConfig), "\n  balance:\n", "\n  balance:\n"+demoRunway, 1)
	cfg, err := config.Parse([]byte(doc), func(string) string { return "unused" })
	if err != nil {
		return nil, fmt.Errorf("demo.yaml with its runway section:\n%w", err)
	}
	if cfg.Checks.Balance == nil || cfg.Checks.Balance.Runway == nil {
		return nil, errors.New("demo.yaml has no checks.balance section for the runway")
	}
	return cfg.Checks.Balance.Runway, nil
}

// runwayCustomer picks the first reseller customer that is in no digest: its balance is above its
// warning threshold, and it is neither the account read with its own credentials nor the one renewed.
func (d *demo) runwayCustomer() (sandbox.Customer, error) {
	rules := d.cfg.Checks.Balance.Customers
	own := d.cfg.Profiles[demoCustomer].DomainID
	renewed := d.cfg.Profiles[demoRenewal].DomainID
	for _, c := range d.box.Customers() {
		if c.Reseller && c.ID != own && c.ID != renewed && c.Balance.GreaterThan(rules.For(c.ID).Warning.Value) {
			return c, nil
		}
	}
	return sandbox.Customer{}, errors.New("no reseller customer of the generated partner is above its threshold; try more --customers or another --seed")
}
