package config

import (
	"regexp"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
)

// Defaults and limits of the renewal settings.
const (
	DefaultWithinDays    = 30
	MaxWithinDays        = 365
	DefaultQuoteLifetime = 24 * time.Hour
	// MaxQuoteLifetime bounds how long an approval may act on a price: discounts and list prices
	// change, and a week-old quote is better quoted again.
	MaxQuoteLifetime = 7 * 24 * time.Hour
	// DefaultPostEvery is Slack's pace for new messages in one channel.
	DefaultPostEvery = time.Second
)

// Slack ids as Slack shows them ("Copy member ID" and the like): an upper-case kind letter, then
// upper-case letters and digits. Checking the shape catches a name or an @handle written instead.
var (
	slackTeamID  = regexp.MustCompile(`^[TE][A-Z0-9]{2,31}$`) // E: an Enterprise Grid organisation
	slackAppID   = regexp.MustCompile(`^A[A-Z0-9]{2,31}$`)
	slackUserID  = regexp.MustCompile(`^[UW][A-Z0-9]{2,31}$`) // W: an Enterprise Grid user
	slackGroupID = regexp.MustCompile(`^S[A-Z0-9]{2,31}$`)
)

// siteCurrency is the currency BSS quotes renewals in on each site.
var siteCurrency = map[bss.Site]string{bss.China: "CNY", bss.International: "USD"}

func (p *parser) slackApp(n *yaml.Node, c *Config) *SlackApp {
	const path = "slack_app"
	m, ok := p.fields(n, path, "signing_secret", "team_id", "app_id", "destination")
	if !ok {
		return nil
	}
	a := &SlackApp{SigningSecret: p.secret(m, "signing_secret", true)}
	a.TeamID = p.slackID(m, "team_id", slackTeamID, "a Slack workspace id (T… ; in Slack: workspace menu > Settings, or the team_id of the app's Basic Information)")
	a.AppID = p.slackID(m, "app_id", slackAppID, "a Slack app id (A… ; the App ID on the app's Basic Information page)")
	a.Destination = p.reqStr(m, "destination")
	if a.Destination != "" {
		at := m.opt("destination")
		switch d, ok := c.Destinations[a.Destination]; {
		case !ok:
			p.add(at, join(path, "destination"), "unknown destination %q", a.Destination)
		case d.Type != "" && d.Type != TypeSlack:
			p.add(at, join(path, "destination"), "destination %q is of type %s; quote messages need type slack (a bot token and a channel: buttons, edits, thread replies)", a.Destination, d.Type)
		}
	}
	return a
}

// slackID reads a required Slack id of the given shape.
func (p *parser) slackID(m mapping, key string, shape *regexp.Regexp, want string) string {
	s := p.reqStr(m, key)
	if s != "" && !shape.MatchString(s) {
		p.add(m.opt(key), join(m.path, key), "%q is not %s", s, want)
	}
	return s
}

// userIDs reads an optional list of Slack user ids.
func (p *parser) userIDs(m mapping, key string) []string {
	un := m.opt(key)
	if un == nil {
		return nil
	}
	up := join(m.path, key)
	ids := p.names(un, up)
	for _, u := range ids {
		if !slackUserID.MatchString(u) {
			p.add(findScalar(un, u, 0), up, "%q is not a Slack user id (U… or W…; in Slack: the user's profile > ⋮ > Copy member ID)", u)
		}
	}
	return ids
}

func (p *parser) approvals(n *yaml.Node) *Approvals {
	const path = "approvals"
	m, ok := p.fields(n, path, "users", "group", "two_approvers_above", "snoozers")
	if !ok {
		return nil
	}
	a := &Approvals{}
	a.Users = p.userIDs(m, "users")
	a.Snoozers = p.userIDs(m, "snoozers")
	if m.opt("group") != nil {
		a.Group = p.slackID(m, "group", slackGroupID, "a Slack user group id (S… ; not the @handle)")
	}
	if len(a.Users) == 0 && a.Group == "" && m.opt("group") == nil {
		p.add(m.node, path, "required: users or group (who may approve renewals)")
	}
	if tn := m.opt("two_approvers_above"); tn != nil {
		tp := join(path, "two_approvers_above")
		if tm, ok := p.fields(tn, tp, "currency", "amount"); ok {
			cur := p.currency(tm)
			if an := p.req(tm, "amount"); an != nil {
				if s, ok := p.scalar(an, join(tp, "amount")); ok {
					v, err := money.Parse(s, cur)
					switch {
					case err != nil:
						p.add(an, join(tp, "amount"), "%v", err)
					case v.Value.IsNegative():
						p.add(an, join(tp, "amount"), "must not be negative, got %s", v.Value.String())
					case cur != "":
						a.TwoApproversAbove = &v
					}
				}
			}
		}
		if len(a.Users) == 1 && a.Group == "" {
			p.add(tn, tp, "two different approvers are needed above this amount, but only one user may approve (add users or a group)")
		}
	}
	return a
}

// currency reads a required ISO 4217 code; "" when missing or malformed (already reported).
func (p *parser) currency(m mapping) string {
	cur := p.reqStr(m, "currency")
	if cur != "" && !currencyCode.MatchString(cur) {
		p.add(m.opt("currency"), join(m.path, "currency"), "not an ISO 4217 currency code: %q (write e.g. CNY, USD)", cur)
		return ""
	}
	return cur
}

func (p *parser) renewal(n *yaml.Node, path string, c *Config) *Renewal {
	m, ok := p.fields(n, path, "accounts", "within_days", "period", "auto_pay", "quote_lifetime", "price_tolerance", "post_every")
	if !ok {
		return nil
	}
	r := &Renewal{WithinDays: DefaultWithinDays, AutoPay: true, QuoteLifetime: DefaultQuoteLifetime}
	r.Accounts = p.renewalAccounts(m, c)
	if wn := m.opt("within_days"); wn != nil {
		wp := join(path, "within_days")
		if s, ok := p.scalar(wn, wp); ok {
			d, err := strconv.Atoi(s)
			switch {
			case err != nil:
				p.add(wn, wp, "not a whole number of days: %q", s)
			case d < 1 || d > MaxWithinDays:
				p.add(wn, wp, "must be 1 to %d days, got %d", MaxWithinDays, d)
			default:
				r.WithinDays = d
			}
		}
	}
	if pn := p.req(m, "period"); pn != nil {
		pp := join(path, "period")
		if pm, ok := p.fields(pn, pp, "type", "num"); ok {
			typ := p.enum(pm, "type", "month", "year")
			max := map[string]int{"month": bss.MaxMonths, "year": bss.MaxYears}[typ]
			r.PeriodType = map[string]bss.PeriodType{"month": bss.Month, "year": bss.Year}[typ]
			if nn := p.req(pm, "num"); nn != nil {
				np := join(pp, "num")
				if s, ok := p.scalar(nn, np); ok {
					num, err := strconv.Atoi(s)
					switch {
					case err != nil:
						p.add(nn, np, "not a whole number: %q", s)
					case typ != "" && (num < 1 || num > max):
						p.add(nn, np, "a renewal is 1 to %d %ss, got %d", max, typ, num)
					default:
						r.PeriodNum = num
					}
				}
			}
		}
	}
	r.AutoPay = p.boolean(m, "auto_pay", true)
	r.PostEvery = p.duration(m, "post_every", DefaultPostEvery)
	r.QuoteLifetime = p.duration(m, "quote_lifetime", DefaultQuoteLifetime)
	if r.QuoteLifetime > MaxQuoteLifetime {
		ln := m.opt("quote_lifetime")
		p.add(ln, join(path, "quote_lifetime"), "at most 168h (prices change; a later scan quotes again), got %s", ln.Value)
		r.QuoteLifetime = DefaultQuoteLifetime
	}
	if tn := m.opt("price_tolerance"); tn != nil {
		tp := join(path, "price_tolerance")
		if s, ok := p.scalar(tn, tp); ok {
			t, err := fraction(s)
			switch {
			case err != nil:
				p.add(tn, tp, "not a decimal fraction: %q (write 0.01 for 1%%)", s)
			case t.IsNegative() || t.GreaterThan(decimal.NewFromInt(1)):
				p.add(tn, tp, "must be 0 to 1 (0.01 is 1%%), got %s", t.String())
			default:
				r.PriceTolerance = t
			}
		}
	}
	return r
}

// fraction reads a plain decimal the way money.Parse does: no exponent, separators or units.
func fraction(s string) (decimal.Decimal, error) {
	a, err := money.Parse(s, "")
	return a.Value, err
}

func (p *parser) renewalAccounts(m mapping, c *Config) []RenewalAccount {
	n := p.req(m, "accounts")
	if n == nil {
		return nil
	}
	path := join(m.path, "accounts")
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "expected a list, got %s", kindName(n))
		return nil
	}
	if len(n.Content) == 0 {
		p.add(n, path, "required: at least one customer profile or customers_of partner")
	}
	var out []RenewalAccount
	seen := map[string]bool{}
	for i, en := range n.Content {
		ep := index(path, i)
		em, ok := p.fields(en, ep, "profile", "list_with", "customers_of", "agency", "customer_ids", "label", "iam_endpoint", "agency_duration")
		if !ok {
			continue
		}
		if em.opt("customers_of") != nil || em.opt("profile") == nil {
			if a, ok := p.agencyAccounts(em, c, seen); ok {
				out = append(out, a)
			}
			continue
		}
		for _, k := range []string{"agency", "customer_ids", "label", "iam_endpoint", "agency_duration"} {
			if kn := em.opt(k); kn != nil {
				p.add(kn, join(ep, k), "only for customers_of (customers reached through their agency); profile %q has its own keys", em.opt("profile").Value)
			}
		}
		var a RenewalAccount
		a.Profile = p.profileFor(em, c, bss.ListPayPerUseCustomerResources, bss.ListRenewRateOnPeriod, bss.RenewalResources, bss.ListCustomerOrders)
		if a.Profile != "" && seen[a.Profile] {
			p.add(em.opt("profile"), join(ep, "profile"), "profile %q is listed twice", a.Profile)
		}
		seen[a.Profile] = true
		if ln := em.opt("list_with"); ln != nil {
			lp := join(ep, "list_with")
			if s, ok := p.scalar(ln, lp); ok && s != "" {
				a.ListWith = s
				lister, known := c.Profiles[s]
				customer := c.Profiles[a.Profile]
				switch {
				case !known:
					p.add(ln, lp, "unknown profile %q", s)
				case lister.Role != "" && lister.Role != bss.Partner:
					p.add(ln, lp, "profile %q is a %s; list_with needs a partner profile (ListPayPerUseCustomerResources with the customer id)", s, lister.Role)
				case customer != nil && lister.Site != "" && customer.Site != "" && lister.Site != customer.Site:
					p.add(ln, lp, "profile %q is on site %s and %q on site %s; a partner lists only its own site's customers", s, lister.Site, a.Profile, customer.Site)
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// agencyName is what IAM accepts as an agency name.
var agencyName = regexp.MustCompile(`^[A-Za-z0-9 _.\-]{1,64}$`)

// agencyAccounts reads an entry standing for every reseller customer of a partner, reached through
// each customer's agency.
func (p *parser) agencyAccounts(m mapping, c *Config, seen map[string]bool) (RenewalAccount, bool) {
	if m.opt("customers_of") == nil {
		p.add(m.node, m.path, "required: profile (a customer's own keys) or customers_of (a partner whose customers are reached through their agency)")
		return RenewalAccount{}, false
	}
	if pn := m.opt("profile"); pn != nil {
		p.add(pn, join(m.path, "profile"), "profile and customers_of exclude each other: an entry is one customer's keys or a partner's customers")
	}
	if ln := m.opt("list_with"); ln != nil {
		p.add(ln, join(m.path, "list_with"), "customers_of lists with the partner itself; list_with is for a profile entry")
	}
	a := RenewalAccount{Profile: p.profileAt(m, "customers_of", c, bss.ListSubCustomers, bss.ListPayPerUseCustomerResources, bss.CreateTemporaryAccessKeyByAgency)}
	if a.Profile != "" && seen["customers_of "+a.Profile] {
		p.add(m.opt("customers_of"), join(m.path, "customers_of"), "partner %q is listed twice", a.Profile)
	}
	seen["customers_of "+a.Profile] = true
	ag := &RenewalAgency{Name: p.reqStr(m, "agency"), Duration: bss.DefaultAgencyDuration}
	if ag.Name != "" && !agencyName.MatchString(ag.Name) {
		p.add(m.opt("agency"), join(m.path, "agency"), "%q is not an IAM agency name (1 to 64 letters, digits, spaces, _ - .)", ag.Name)
	}
	if in := m.opt("customer_ids"); in != nil {
		ag.CustomerIDs = p.names(in, join(m.path, "customer_ids"))
		if len(ag.CustomerIDs) == 0 && in.Kind == yaml.SequenceNode {
			p.add(in, join(m.path, "customer_ids"), "empty: leave it out for every reseller customer")
		}
	}
	if ln := m.opt("label"); ln != nil {
		if s, ok := p.scalar(ln, join(m.path, "label")); ok {
			ag.Label = s
		}
		if len(ag.CustomerIDs) > 0 {
			p.add(ln, join(m.path, "label"), "customer_ids and label exclude each other: name the customers or their label")
		}
	}
	ag.IAMEndpoint = p.httpURL(m, "iam_endpoint", false)
	if dn := m.opt("agency_duration"); dn != nil {
		d := p.duration(m, "agency_duration", bss.DefaultAgencyDuration)
		if d < bss.MinAgencyDuration || d > bss.MaxAgencyDuration {
			p.add(dn, join(m.path, "agency_duration"), "IAM issues agency credentials for 15m to 24h, got %s", dn.Value)
			d = bss.DefaultAgencyDuration
		}
		ag.Duration = d
	}
	a.Agency = ag
	return a, true
}

// renewalNeeds reports what the renewal check needs elsewhere in the document: a Slack app to
// receive clicks, approvers, and a two-approver limit in the currency its accounts are quoted in.
func (p *parser) renewalNeeds(n *yaml.Node, path string, root mapping, c *Config) {
	if root.opt("slack_app") == nil {
		p.add(n, path, "needs slack_app: quotes are approved with Slack buttons, and the clicks come through the Slack app")
	}
	if root.opt("approvals") == nil {
		p.add(n, path, "needs approvals: who may approve or reject a renewal")
	}
	r := c.Checks.Renewal
	if r == nil || c.Approvals == nil || c.Approvals.TwoApproversAbove == nil {
		return
	}
	cur := c.Approvals.TwoApproversAbove.Currency
	for _, a := range r.Accounts {
		pr, ok := c.Profiles[a.Profile]
		if !ok || siteCurrency[pr.Site] == "" || siteCurrency[pr.Site] == cur {
			continue
		}
		at := deref(root.values["approvals"])
		if am, ok := lookup(at, "two_approvers_above", "currency"); ok {
			at = am
		}
		p.add(at, "approvals.two_approvers_above.currency", "renewal account %q is on site %s, which quotes in %s, not %s", a.Profile, pr.Site, siteCurrency[pr.Site], cur)
		return
	}
}

// lookup walks mapping keys down from n without reporting anything, for the line of an error.
func lookup(n *yaml.Node, keys ...string) (*yaml.Node, bool) {
	for _, k := range keys {
		n = deref(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil, false
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if deref(n.Content[i]).Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil, false
		}
		n = next
	}
	return deref(n), true
}
