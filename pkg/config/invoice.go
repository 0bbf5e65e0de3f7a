package config

import (
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/invoice"
)

// invoice reads checks.invoice:
//
//	accounts: [{profile: intl-partner}]   # international-site profiles (partner or customer)
//	look_back_days: 90                   # the rolling window of application time
//	announce_open: false                 # first run: tell the requests still open
//	warning_states: [9, 11, 15]          # invoiceState codes that are warnings
//
// A China-site profile is refused: the China site has no invoice API (bss.Can says where its
// partners see invoice states instead).
func (p *parser) invoice(n *yaml.Node, path string, c *Config) *invoice.Rules {
	m, ok := p.fields(n, path, "accounts", "look_back_days", "announce_open", "warning_states")
	if !ok {
		return nil
	}
	r := &invoice.Rules{LookBack: invoice.DefaultLookBack}
	if an := p.req(m, "accounts"); an != nil {
		ap := join(path, "accounts")
		if an.Kind != yaml.SequenceNode || len(an.Content) == 0 {
			p.add(an, ap, "expected a list of at least one {profile: ...}, got %s", kindName(an))
		} else {
			seen := map[string]bool{}
			for i, en := range an.Content {
				em, ok := p.fields(en, index(ap, i), "profile")
				if !ok {
					continue
				}
				prof := p.profileFor(em, c, bss.ListInvoices)
				if prof != "" && seen[prof] {
					p.add(em.opt("profile"), join(index(ap, i), "profile"), "profile %q is listed twice", prof)
				}
				seen[prof] = true
				r.Profiles = append(r.Profiles, prof)
			}
		}
	}
	if dn := m.opt("look_back_days"); dn != nil {
		dp := join(path, "look_back_days")
		lo, hi := int(invoice.MinLookBack/(24*time.Hour)), int(invoice.MaxLookBack/(24*time.Hour))
		if s, ok := p.scalar(dn, dp); ok {
			d, err := strconv.Atoi(s)
			switch {
			case err != nil:
				p.add(dn, dp, "not a whole number of days: %q", s)
			case d < lo || d > hi:
				p.add(dn, dp, "must be %d to %d days (a window of application time ListInvoices is asked for; longer is refused as a likely typo), got %d", lo, hi, d)
			default:
				r.LookBack = time.Duration(d) * 24 * time.Hour
			}
		}
	}
	r.Announce = p.boolean(m, "announce_open", false)
	if wn := m.opt("warning_states"); wn != nil {
		wp := join(path, "warning_states")
		r.Warn = []bss.InvoiceState{}
		for _, s := range p.names(wn, wp) {
			code, err := strconv.Atoi(s)
			if err != nil || code < 0 {
				p.add(wn, wp, "not an invoiceState code: %q (e.g. 11 rejected, 9 returned, 15 return failed)", s)
				continue
			}
			r.Warn = append(r.Warn, bss.InvoiceState(code))
		}
	}
	return r
}

// boolean reads an optional YAML boolean (true or false, not "yes" or a quoted string); def when
// absent or invalid (already reported).
func (p *parser) boolean(m mapping, key string, def bool) bool {
	n := m.opt(key)
	if n == nil {
		return def
	}
	path := join(m.path, key)
	s, ok := p.scalar(n, path)
	switch {
	case !ok:
	case n.ShortTag() == "!!bool" && strings.EqualFold(s, "true"):
		return true
	case n.ShortTag() == "!!bool" && strings.EqualFold(s, "false"):
		return false
	default:
		p.add(n, path, "expected true or false, got %q", s)
	}
	return def
}
