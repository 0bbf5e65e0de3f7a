package config

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/coupon"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// MaxCouponDays bounds tiers and the lookback: BSS keeps expired coupons a year at most.
const MaxCouponDays = 366

// couponAPIs are the BSS APIs each coupon source calls, which the watching profile must be allowed.
var couponAPIs = map[coupon.Source][]bss.API{
	coupon.Quotas: {bss.ListQuotaCoupons},
	coupon.Issued: {bss.ListIssuedPartnerCoupons, bss.ListSubCustomers},
	coupon.Own:    {bss.ListSubCustomerCoupons},
}

// coupon reads checks.coupon:
//
//	tiers: [{days: 30, severity: info}, {days: 7, severity: warning}, {days: 1, severity: critical}]
//	expired: {severity: warning, lookback_days: 7}
//	test_coupons: {plan_ids: ["PP2026*"], plan_names: ["测试券"]}
//	watch: [{profile: partner-cn, sources: [quotas, issued, own]}]
func (p *parser) coupon(n *yaml.Node, pth string, c *Config) *coupon.Rules {
	m, ok := p.fields(n, pth, "tiers", "expired", "test_coupons", "watch")
	if !ok {
		return nil
	}
	r := &coupon.Rules{
		Tiers:           coupon.DefaultTiers,
		ExpiredSeverity: coupon.DefaultExpiredSeverity,
		LookbackDays:    coupon.DefaultLookbackDays,
		Test:            coupon.TestCoupons{PlanNames: coupon.DefaultTestNames},
		Location:        c.Location,
	}
	if tn := m.opt("tiers"); tn != nil {
		r.Tiers = p.couponTiers(tn, join(pth, "tiers"))
	}
	if en := m.opt("expired"); en != nil {
		if em, ok := p.fields(en, join(pth, "expired"), "severity", "lookback_days"); ok {
			if sn := em.opt("severity"); sn != nil {
				r.ExpiredSeverity = p.severity(sn, join(em.path, "severity"))
			}
			if dn := em.opt("lookback_days"); dn != nil {
				r.LookbackDays = p.days(dn, join(em.path, "lookback_days"))
			}
		}
	}
	if tn := m.opt("test_coupons"); tn != nil {
		if tm, ok := p.fields(tn, join(pth, "test_coupons"), "plan_ids", "plan_names"); ok {
			if in := tm.opt("plan_ids"); in != nil {
				ip := join(tm.path, "plan_ids")
				r.Test.PlanIDs = p.names(in, ip)
				for i, id := range r.Test.PlanIDs {
					if _, err := path.Match(id, ""); err != nil {
						p.add(findScalar(deref(in), id, 0), index(ip, i), "bad plan id pattern %q: %v (write an id, or a pattern with * ? [a-z])", id, err)
					}
				}
			}
			if nn := tm.opt("plan_names"); nn != nil {
				r.Test.PlanNames = p.names(nn, join(tm.path, "plan_names"))
			}
		}
	}
	wn := p.req(m, "watch")
	if wn == nil {
		return r
	}
	wp := join(pth, "watch")
	if deref(wn).Kind != yaml.SequenceNode {
		p.add(wn, wp, "expected a list of {profile, sources}, got %s", kindName(deref(wn)))
		return r
	}
	if len(deref(wn).Content) == 0 {
		p.add(wn, wp, "required: at least one profile and the sources it watches")
	}
	seen := map[string]bool{}
	for i, en := range deref(wn).Content {
		ep := index(wp, i)
		em, ok := p.fields(en, ep, "profile", "sources")
		if !ok {
			continue
		}
		w := coupon.Watch{}
		if sn := p.req(em, "sources"); sn != nil {
			sp := join(ep, "sources")
			for j, s := range p.names(sn, sp) {
				src := coupon.Source(s)
				if !slices.Contains(coupon.Sources, src) {
					p.add(findScalar(deref(sn), s, 0), index(sp, j), "unknown source %q (expected one of: %s)", s, sourceNames())
					continue
				}
				w.Sources = append(w.Sources, src)
			}
			if len(w.Sources) == 0 && len(deref(sn).Content) == 0 {
				p.add(sn, sp, "required: at least one source (%s)", sourceNames())
			}
		}
		var apis []bss.API
		for _, s := range w.Sources {
			apis = append(apis, couponAPIs[s]...)
		}
		w.Profile = p.profileFor(em, c, apis...)
		if w.Profile != "" && seen[w.Profile] {
			p.add(em.opt("profile"), join(ep, "profile"), "profile %q is listed twice; list all its sources once", w.Profile)
		}
		seen[w.Profile] = true
		r.Watch = append(r.Watch, w)
	}
	return r
}

func sourceNames() string {
	out := make([]string, len(coupon.Sources))
	for i, s := range coupon.Sources {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// couponTiers reads a list of {days, severity}, strictly decreasing in days.
func (p *parser) couponTiers(n *yaml.Node, pth string) []coupon.Tier {
	n = deref(n)
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, pth, "expected a list of {days, severity}, widest first (e.g. 30, 7, 1)")
		return nil
	}
	var out []coupon.Tier
	for i, tn := range n.Content {
		tp := index(pth, i)
		tm, ok := p.fields(tn, tp, "days", "severity")
		if !ok {
			continue
		}
		var t coupon.Tier
		if dn := p.req(tm, "days"); dn != nil {
			t.Days = p.days(dn, join(tp, "days"))
			if len(out) > 0 && t.Days > 0 && out[len(out)-1].Days > 0 && t.Days >= out[len(out)-1].Days {
				p.add(dn, join(tp, "days"), "tiers must be strictly decreasing in days: %d follows %d", t.Days, out[len(out)-1].Days)
			}
		}
		if sn := p.req(tm, "severity"); sn != nil {
			t.Severity = p.severity(sn, join(tp, "severity"))
		}
		out = append(out, t)
	}
	return out
}

// days reads a whole number of days from 1 to MaxCouponDays; 0 when invalid (already reported).
func (p *parser) days(n *yaml.Node, pth string) int {
	s, ok := p.scalar(n, pth)
	if !ok {
		return 0
	}
	d, err := strconv.Atoi(s)
	switch {
	case err != nil:
		p.add(n, pth, "not a whole number of days: %q", s)
	case d < 0:
		p.add(n, pth, "a day count must not be negative, got %d", d)
	case d < 1 || d > MaxCouponDays:
		p.add(n, pth, "must be from 1 to %d days, got %d", MaxCouponDays, d)
	default:
		return d
	}
	return 0
}

func (p *parser) severity(n *yaml.Node, pth string) notify.Severity {
	s, ok := p.scalar(n, pth)
	if !ok {
		return 0
	}
	sev, err := notify.ParseSeverity(s)
	if err != nil {
		p.add(n, pth, "%v", err)
	}
	return sev
}
