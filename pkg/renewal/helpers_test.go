package renewal

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
)

// anchor is the fixed "now" the sandbox world is generated around and the service's clock starts at.
var anchor = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

const (
	signingSecret = "test-signing-secret-8f3a"
	teamID        = "T0TEAM"
	appID         = "A0APP"
	channel       = "C0RENEW"
)

// clock is a settable clock shared by the service, the store and the Slack verifier.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t        testing.TB
	clock    *clock
	sb       *sandbox.Server
	man      sandbox.Manifest
	customer sandbox.ManifestCustomer
	eligible []string // the customer's resources a scan should quote, soonest expiry first
	slack    *slacklocal.Server
	store    *Store
	table    string // the DynamoDB table behind store, on the shared dynalite server
	svc      *Service
	inproc   *InProcess
	partner  *bss.Client
}

type envOptions struct {
	site        string
	twoAbove    *string // limit for two approvers, in the customer's currency
	autoPay     bool
	minEligible int
	minLapsed   int  // resources past expiry (but not deleted) the picked customer must have
	customers   int  // of the generated partner; 60 by default
	agency      bool // reach the picked customer through its agency (partner:id), not its own keys
}

// eachCredential runs f with the picked customer's own keys, and again reached through its agency.
func eachCredential(t *testing.T, o envOptions, f func(t *testing.T, e *env)) {
	for _, agency := range []bool{false, true} {
		t.Run(map[bool]string{false: "own keys", true: "agency"}[agency], func(t *testing.T) {
			o.agency = agency
			f(t, newEnv(t, o))
		})
	}
}

// throughAgency makes s reach the picked customer through its agency, with an agency cache of its
// own (as a separate container has).
func (e *env) throughAgency(s *Service) {
	e.t.Helper()
	ag, err := bss.NewAgencyFor(e.partner, bss.AgencyConfig{Agency: sandbox.DefaultAgency, IAMEndpoint: e.man.Endpoint, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	s.Accounts = nil
	s.Partners = map[string]Partner{"partner": {Name: "partner", Lister: e.partner, Agency: ag, CustomerIDs: []string{e.customer.CustomerID}}}
}

// fastBSS are client options for tests: a generous rate and tiny backoff.
func fastBSS() bss.Options {
	return bss.Options{RatePerSecond: 1000, Burst: 10, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
		Limits: bss.NewLimits()}
}

// newEnv starts the sandbox (over loopback HTTP), the Slack stand-in and a DynamoDB-API table, picks
// a customer with resources to quote, and builds a Service listing through the partner and quoting
// with the customer's own credentials. Orders run in process.
func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.site == "" {
		o.site = sandbox.SiteCN
	}
	if o.minEligible == 0 {
		o.minEligible = 2
	}
	if o.customers == 0 {
		o.customers = 60
	}
	clk := &clock{t: anchor}
	sb, err := sandbox.New(sandbox.Options{Site: o.site, Seed: 11, Customers: o.customers, Now: anchor})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sb)
	t.Cleanup(ts.Close)
	t.Cleanup(sb.Close)
	e := &env{t: t, clock: clk, sb: sb, man: sb.Manifest(ts.URL)}
	site := bss.China
	if o.site == sandbox.SiteIntl {
		site = bss.International
	}
	e.pickCustomer(o.minEligible, o.minLapsed)
	if err := sb.SetCustomerBalance(e.customer.CustomerID, decimal.NewFromInt(10_000_000)); err != nil {
		t.Fatal(err)
	}
	newClient := func(p bss.Profile) *bss.Client {
		p.Site, p.Endpoint, p.Timeout = site, e.man.Endpoint, 2*time.Second
		c, err := bss.New(p, fastBSS())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	e.partner = newClient(bss.Profile{Name: "partner", Role: bss.Partner, AK: e.man.Partner.AK, SK: e.man.Partner.SK, DomainID: e.man.Partner.DomainID})
	quoter := newClient(bss.Profile{Name: "acme", Role: bss.Customer, AK: e.customer.AK, SK: e.customer.SK, DomainID: e.customer.DomainID})

	e.slack = slacklocal.New(slacklocal.WithToken("xoxb-test"), slacklocal.WithClock(clk.Now))
	t.Cleanup(e.slack.Close)
	out, err := notify.NewSlack("quotes", "xoxb-test", channel, notify.WithAPIURL(e.slack.APIURL()))
	if err != nil {
		t.Fatal(err)
	}

	client, table := dynamotest.Start(t)
	e.table = table
	e.store = NewStore(dynamo.New(client, table, dynamo.Options{Now: clk.Now}), clk.Now)

	pol := Policy{Within: 30 * 24 * time.Hour, PeriodType: bss.Month, PeriodNum: 1, AutoPay: o.autoPay,
		Lifetime: 72 * time.Hour, Tolerance: decimal.RequireFromString("0.02")}
	if o.twoAbove != nil {
		cur := "CNY"
		if o.site == sandbox.SiteIntl {
			cur = "USD"
		}
		limit, err := money.Parse(*o.twoAbove, cur)
		if err != nil {
			t.Fatal(err)
		}
		pol.TwoApproversAbove = &limit
	}
	e.svc = &Service{
		Store:    e.store,
		Slack:    &Slack{Out: out},
		Policy:   pol,
		Accounts: map[string]Account{"acme": {Name: "acme", Quoter: quoter, Lister: e.partner, CustomerID: e.customer.CustomerID}},
		Verifier: slackapp.Verifier{SigningSecret: signingSecret, Now: clk.Now},
		TeamID:   teamID, AppID: appID,
		Approvers: &slackapp.Approvers{Users: []string{"UADA", "UBOB", "UCAROL"}},
		Now:       clk.Now,
	}
	if o.agency {
		e.throughAgency(e.svc)
	}
	e.inproc = &InProcess{Order: e.svc.Order}
	e.svc.Dispatcher = e.inproc
	return e
}

// pickCustomer chooses the customer with the most resources a scan at anchor should quote, among
// those with at least minLapsed lapsed ones.
func (e *env) pickCustomer(min, minLapsed int) {
	e.t.Helper()
	best := -1
	for i, c := range e.man.Customers {
		var ids []string
		lapsed := 0
		for _, r := range e.sb.Renewable(c.CustomerID, anchor, 30*24*time.Hour) {
			ids = append(ids, r.ResourceID)
			if r.Status != sandbox.StatusInUse || !r.ExpireTime.After(anchor) {
				lapsed++
			}
		}
		if lapsed >= minLapsed && len(ids) > len(e.eligible) {
			best, e.eligible = i, ids
		}
	}
	if best < 0 || len(e.eligible) < min {
		e.t.Fatalf("no sandbox customer has %d resources to quote", min)
	}
	e.customer = e.man.Customers[best]
}

// scanOne runs a scan and returns the one quote it made.
func (e *env) scanOne() Quote {
	e.t.Helper()
	reps, err := e.svc.Scan(context.Background())
	if err != nil {
		e.t.Fatalf("Scan: %v", err)
	}
	var quoted []string
	for _, r := range reps {
		if r.Err != "" {
			e.t.Fatalf("Scan reports %+v", r)
		}
		quoted = append(quoted, r.Quoted...)
	}
	if len(quoted) != 1 {
		e.t.Fatalf("Scan reports %+v, want one quote", reps)
	}
	q, err := e.store.Get(context.Background(), quoted[0])
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// clickBody is a block_actions interaction as Slack sends it: a form with one payload field.
func (e *env) clickBody(q Quote, action, user string) []byte {
	return slackapp.Body(slackapp.Action{
		ActionID: action, Value: q.ID, UserID: user, UserName: strings.ToLower(user[1:]), TeamID: teamID, APIAppID: appID,
		ChannelID: q.Message.Channel, MessageTS: q.Message.TS, ResponseURL: e.slack.WebhookURL(), ActionTS: "1763726400.000200",
	})
}

// click sends a signed click now and returns the status and outcome.
func (e *env) click(q Quote, action, user string) (int, Outcome) {
	body := e.clickBody(q, action, user)
	return e.svc.HandleClick(context.Background(), slackapp.Sign(signingSecret, e.clock.Now(), body), body)
}

// ephemerals returns the texts of the private answers given so far.
func (e *env) ephemerals() []string {
	var out []string
	for _, m := range e.slack.Messages(slacklocal.WebhookChannel) {
		out = append(out, m.Text)
	}
	return out
}

// messageText renders the quote's Slack message as it looks now.
func (e *env) messageText(q Quote) string {
	e.t.Helper()
	m, ok := e.slack.Message(q.Message.Channel, q.Message.TS)
	if !ok {
		e.t.Fatalf("quote %s has no message %v", q.ID, q.Message)
	}
	return m.Text + "\n" + slacklocal.RenderBlocks(m.Blocks)
}

func (e *env) get(id string) Quote {
	e.t.Helper()
	q, err := e.store.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

func (e *env) ordersOf(customerID string) []sandbox.Order {
	var out []sandbox.Order
	for _, o := range e.sb.Orders() {
		if o.CustomerID == customerID {
			out = append(out, o)
		}
	}
	return out
}

// hasButtons reports whether the message still offers Approve/Reject.
func hasButtons(m slacklocal.Message) bool {
	for _, b := range m.Blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok && strings.HasPrefix(a.BlockID, slackapp.BlockRenewalDecision+".") {
			return true
		}
	}
	return false
}

// quoteMessages are the channel's messages apart from the scans' summaries.
func (e *env) quoteMessages() (quotes, summaries []slacklocal.Message) {
	for _, m := range e.slack.Messages(channel) {
		if strings.HasPrefix(m.Text, "Renewal scan:") {
			summaries = append(summaries, m)
		} else {
			quotes = append(quotes, m)
		}
	}
	return quotes, summaries
}
