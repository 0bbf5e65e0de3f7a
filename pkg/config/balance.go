package config

import (
	"strings"

	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"gopkg.in/yaml.v3"
)

func (p *parser) balance(n *yaml.Node, path string, c *Config) *balance.Rules {
	m, ok := p.fields(n, path, "partner", "customers", "own", "runway")
	if !ok {
		return nil
	}
	b := &balance.Rules{}
	if pn := m.opt("partner"); pn != nil {
		pp := join(path, "partner")
		if pm, ok := p.fields(pn, pp, "profile", "thresholds"); ok {
			pb := &balance.PartnerRules{Thresholds: map[bss.AccountType]Threshold{}}
			pb.Profile = p.profileFor(pm, c, bss.ListPartnerBalances)
			if tn := p.req(pm, "thresholds"); tn != nil {
				tp := join(pp, "thresholds")
				types := make([]string, len(bss.AccountTypes))
				for i, t := range bss.AccountTypes {
					types[i] = t.String()
				}
				if tm, ok := p.fields(tn, tp, types...); ok {
					for _, t := range bss.AccountTypes {
						if v := tm.opt(t.String()); v != nil {
							pb.Thresholds[t] = p.threshold(v, join(tp, t.String()), c, pb.Profile)
						}
					}
					if len(tn.Content) == 0 {
						p.add(tn, tp, "required: a threshold for at least one account type (%s)", strings.Join(types, ", "))
					}
				}
			}
			b.Partner = pb
		}
	}
	if cn := m.opt("customers"); cn != nil {
		cp := join(path, "customers")
		if cm, ok := p.fields(cn, cp, "profile", "default", "overrides"); ok {
			cb := &balance.CustomerRules{Overrides: map[string]Threshold{}}
			cb.Profile = p.profileFor(cm, c, bss.ListSubCustomers, bss.ListCustomersBalancesDetail)
			if dn := p.req(cm, "default"); dn != nil {
				cb.Default = p.threshold(dn, join(cp, "default"), c, cb.Profile)
			}
			if on := cm.opt("overrides"); on != nil {
				op := join(cp, "overrides")
				if on.Kind != yaml.MappingNode {
					p.add(on, op, "expected a mapping of customer ids, got %s", kindName(on))
				} else {
					for _, e := range p.entries(on, op) {
						cb.Overrides[e.name] = p.threshold(e.value, join(op, e.name), c, cb.Profile)
					}
				}
			}
			b.Customers = cb
		}
	}
	if on := m.opt("own"); on != nil {
		op := join(path, "own")
		if on.Kind != yaml.SequenceNode {
			p.add(on, op, "expected a list, got %s", kindName(on))
		} else {
			seen := map[string]bool{}
			for i, en := range on.Content {
				ep := index(op, i)
				em, ok := p.fields(en, ep, "profile", "threshold")
				if !ok {
					continue
				}
				var ob balance.OwnRules
				ob.Profile = p.profileFor(em, c, bss.ShowCustomerAccountBalances)
				if ob.Profile != "" && seen[ob.Profile] {
					p.add(em.opt("profile"), join(ep, "profile"), "profile %q is listed twice", ob.Profile)
				}
				seen[ob.Profile] = true
				if tn := p.req(em, "threshold"); tn != nil {
					ob.Threshold = p.threshold(tn, join(ep, "threshold"), c, ob.Profile)
				}
				b.Own = append(b.Own, ob)
			}
		}
	}
	if rn := m.opt("runway"); rn != nil {
		b.Runway = p.runway(rn, join(path, "runway"), c, b)
	}
	return b
}

// threshold reads {currency, warning, critical}. Amounts are read from the YAML source text, so a
// number is accepted only when it is an exact decimal as written.
func (p *parser) threshold(n *yaml.Node, path string, c *Config, profile string) Threshold {
	var t Threshold
	m, ok := p.fields(n, path, "currency", "warning", "critical")
	if !ok {
		return t
	}
	cur := p.reqStr(m, "currency")
	curOK := currencyCode.MatchString(cur)
	if cur != "" && !curOK {
		p.add(m.opt("currency"), join(path, "currency"), "not an ISO 4217 currency code: %q (write e.g. CNY, USD)", cur)
	}
	if pr, ok := c.Profiles[profile]; ok && curOK && pr.Site == bss.China && cur != "CNY" {
		p.add(m.opt("currency"), join(path, "currency"), "the China site keeps balances in CNY, not %s", cur)
	}
	amount := func(key string) (money.Amount, bool) {
		n := p.req(m, key)
		if n == nil {
			return money.Amount{}, false
		}
		s, ok := p.scalar(n, join(path, key))
		if !ok {
			return money.Amount{}, false
		}
		a, err := money.Parse(s, cur)
		if err != nil {
			p.add(n, join(path, key), "%v", err)
			return money.Amount{}, false
		}
		return a, true
	}
	w, wok := amount("warning")
	cr, crok := amount("critical")
	t = Threshold{Warning: w, Critical: cr}
	if wok && crok && w.Value.LessThan(cr.Value) {
		p.add(m.opt("warning"), join(path, "warning"), "must be at least critical (%s), got %s", cr.Value.String(), w.Value.String())
	}
	return t
}
