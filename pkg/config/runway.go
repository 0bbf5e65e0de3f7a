package config

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/runway"
)

// MaxRunwayWindow bounds checks.balance.runway.window_days: a quarter of spend is history enough, and
// every extra month of window is one more call per customer.
const MaxRunwayWindow = 92

// runway reads checks.balance.runway: the window the rate is measured over, the day counts that
// alert, the spike factor and the ceiling above which customers' records are not read. It runs for
// every section of b; each section's profile must be able to call its spend API (bss.Can).
func (p *parser) runway(n *yaml.Node, path string, c *Config, b *balance.Rules) *runway.Rules {
	r := &runway.Rules{Window: runway.DefaultWindow, Warning: runway.DefaultWarning, Critical: runway.DefaultCritical,
		Spike: runway.DefaultSpike, Zone: c.Location}
	m, ok := p.fields(n, path, "window_days", "warning_days", "critical_days", "spike_factor", "ceiling")
	if !ok {
		return r
	}
	days := func(key string, lo, hi, def int) int {
		dn := m.opt(key)
		if dn == nil {
			return def
		}
		dp := join(path, key)
		s, ok := p.scalar(dn, dp)
		if !ok {
			return def
		}
		d, err := strconv.Atoi(s)
		switch {
		case err != nil:
			p.add(dn, dp, "not a whole number of days: %q", s)
		case d < lo || d > hi:
			p.add(dn, dp, "must be %d to %d days, got %d", lo, hi, d)
		default:
			return d
		}
		return def
	}
	r.Window = days("window_days", 1, MaxRunwayWindow, r.Window)
	r.Warning = days("warning_days", 0, 366, r.Warning)
	r.Critical = days("critical_days", 0, 366, r.Critical)
	if r.Critical > r.Warning {
		at, key := m.opt("critical_days"), "critical_days"
		if at == nil {
			at, key = m.opt("warning_days"), "warning_days"
		}
		p.add(at, join(path, key), "critical_days (%d) must not be above warning_days (%d)", r.Critical, r.Warning)
	}
	if sn := m.opt("spike_factor"); sn != nil {
		sp := join(path, "spike_factor")
		if s, ok := p.scalar(sn, sp); ok {
			f, err := decimal.NewFromString(s)
			if err != nil || !f.GreaterThan(decimal.NewFromInt(1)) || strings.ContainsAny(s, "eE") {
				p.add(sn, sp, "must be a decimal above 1 (times the window's mean), got %q", s)
			} else {
				r.Spike = f
			}
		}
	}
	if cn := m.opt("ceiling"); cn != nil {
		r.Ceiling = p.ceiling(cn, join(path, "ceiling"))
	}
	p.runwayProfiles(n, path, c, b)
	return r
}

// ceiling reads "all" or {currency, amount}.
func (p *parser) ceiling(n *yaml.Node, path string) *money.Amount {
	if n.Kind == yaml.ScalarNode && n.Value == "all" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, path, `expected "all" or {currency, amount}, got %s`, kindName(n))
		return nil
	}
	m, ok := p.fields(n, path, "currency", "amount")
	if !ok {
		return nil
	}
	cur := p.reqStr(m, "currency")
	if cur != "" && !currencyCode.MatchString(cur) {
		p.add(m.opt("currency"), join(path, "currency"), "not an ISO 4217 currency code: %q (write e.g. CNY, USD)", cur)
		return nil
	}
	an := p.req(m, "amount")
	if an == nil {
		return nil
	}
	s, ok := p.scalar(an, join(path, "amount"))
	if !ok {
		return nil
	}
	a, err := money.Parse(s, cur)
	if err != nil || !a.Value.IsPositive() {
		p.add(an, join(path, "amount"), "must be a positive decimal, got %q", s)
		return nil
	}
	return &a
}

// runwayProfiles asks bss.Can whether each balance section's profile may read the spend records
// the runway needs, and reports a refusal at the runway section.
func (p *parser) runwayProfiles(n *yaml.Node, path string, c *Config, b *balance.Rules) {
	check := func(profile string, apis ...bss.API) {
		pr, ok := c.Profiles[profile]
		if !ok || pr.Role == "" || pr.Site == "" {
			return // the section's own error says why
		}
		for _, api := range apis {
			if err := bss.Can(pr.Role, pr.Site, api); err != nil {
				p.add(n, path, "profile %q is a %s on site %s: %v", profile, pr.Role, pr.Site, err)
				return
			}
		}
	}
	if b.Partner != nil {
		check(b.Partner.Profile, bss.ListPartnerAccountChangeRecords)
	}
	if b.Customers != nil {
		check(b.Customers.Profile, bss.ListConsumeSubCustomers, bss.ListSubCustomerBillDetail)
	}
	for _, o := range b.Own {
		check(o.Profile, bss.ListCustomerselfResourceRecords)
	}
}
