package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// Defaults of optional settings.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultRatePerSecond  = 10
	DefaultRepeatInterval = 24 * time.Hour
)

// knownChecks are the check names routes may filter on.
var knownChecks = check.Names()

// name is what profile and destination names may look like: they appear in state keys and logs.
var name = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Parse reads and validates one configuration document. env supplies the environment overrides
// (EnvStateTable); nil means none. Parse reads no secret: they stay references until Resolve.
//
// It returns an Errors listing every mistake at once, each with its YAML path and line: syntax,
// unknown or repeated keys, missing required settings, bad values, references to unknown profiles or
// destinations, and profiles whose role or site cannot serve the check they are given. No error text
// quotes what is written in a secret's place.
func Parse(data []byte, env func(string) string) (*Config, error) {
	root, err := document(data)
	if err != nil {
		return nil, err
	}
	p := &parser{}
	c := p.config(root, env)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
		return nil, p.errs
	}
	return c, nil
}

// document parses data as exactly one YAML document.
func document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{Msg: "empty configuration"}}
		}
		return nil, Errors{syntaxError(err)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, Errors{syntaxError(err)}
		}
		return nil, Errors{{Line: next.Line, Msg: "more than one YAML document: the configuration is one document"}}
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{Msg: "empty configuration"}}
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError turns the YAML decoder's "yaml: line 3: ..." into an Error with that line.
func syntaxError(err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{Line: line, Msg: "YAML syntax: " + msg[len(m[0]):]}
	}
	return &Error{Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

type parser struct {
	errs Errors
}

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// mapping holds the value nodes of a mapping's known keys, and the mapping itself for the line of
// "required" errors.
type mapping struct {
	node   *yaml.Node
	path   string
	values map[string]*yaml.Node
}

// fields reads a mapping with the given keys, reporting unknown and repeated keys. ok is false when
// n is not a mapping (already reported).
func (p *parser) fields(n *yaml.Node, path string, keys ...string) (mapping, bool) {
	n = deref(n)
	m := mapping{node: n, path: path, values: map[string]*yaml.Node{}}
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "expected a mapping, got %s", kindName(n))
		return m, false
	}
	for _, e := range p.entries(n, path) {
		if !slices.Contains(keys, e.name) {
			p.add(e.key, join(path, e.name), "unknown key (expected one of: %s)", strings.Join(keys, ", "))
			continue
		}
		m.values[e.name] = e.value
	}
	return m, true
}

type entry struct {
	name       string
	key, value *yaml.Node
}

// entries lists a mapping's entries in order, reporting repeated and non-scalar keys.
func (p *parser) entries(n *yaml.Node, path string) []entry {
	var out []entry
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			p.add(k, path, "a key must be a plain name, not %s", kindName(k))
			continue
		}
		if line, ok := first[k.Value]; ok {
			p.add(k, join(path, k.Value), "repeated key (first at line %d)", line)
			continue
		}
		first[k.Value] = k.Line
		out = append(out, entry{name: k.Value, key: k, value: n.Content[i+1]})
	}
	return out
}

// opt returns the value of key, or nil when it is absent or null.
func (m mapping) opt(key string) *yaml.Node {
	if n := m.values[key]; !isNull(n) {
		return deref(n)
	}
	return nil
}

// req returns the value of key, reporting it as required when absent or null.
func (p *parser) req(m mapping, key string) *yaml.Node {
	n := m.opt(key)
	if n == nil {
		at := m.node
		if v, ok := m.values[key]; ok {
			at = v
		}
		p.add(at, join(m.path, key), "required")
	}
	return n
}

// scalar returns the text of a single value; the YAML source text for numbers, never a float.
func (p *parser) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.add(n, path, "expected a single value, got %s", kindName(n))
		return "", false
	}
	return n.Value, true
}

// str reads an optional plain string; "" when absent.
func (p *parser) str(m mapping, key string) string {
	n := m.opt(key)
	if n == nil {
		return ""
	}
	s, _ := p.scalar(n, join(m.path, key))
	return s
}

// reqStr reads a required plain string.
func (p *parser) reqStr(m mapping, key string) string {
	n := p.req(m, key)
	if n == nil {
		return ""
	}
	s, ok := p.scalar(n, join(m.path, key))
	if ok && strings.TrimSpace(s) == "" {
		p.add(n, join(m.path, key), "required")
	}
	return s
}

// enum reads a required value from a fixed set; "" when missing or invalid (already reported).
func (p *parser) enum(m mapping, key string, allowed ...string) string {
	n := p.req(m, key)
	if n == nil {
		return ""
	}
	s, ok := p.scalar(n, join(m.path, key))
	if !ok {
		return ""
	}
	if !slices.Contains(allowed, s) {
		p.add(n, join(m.path, key), "%q is not one of: %s", s, strings.Join(allowed, ", "))
		return ""
	}
	return s
}

// duration reads an optional positive duration such as "10s" or "24h".
func (p *parser) duration(m mapping, key string, def time.Duration) time.Duration {
	n := m.opt(key)
	if n == nil {
		return def
	}
	path := join(m.path, key)
	s, ok := p.scalar(n, path)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		p.add(n, path, "not a duration: %q (write e.g. 10s, 5m, 24h)", s)
		return def
	}
	if d <= 0 {
		p.add(n, path, "must be positive, got %s", s)
		return def
	}
	return d
}

// secret reads a secret reference. Errors never quote the text: it may be the secret itself.
func (p *parser) secret(m mapping, key string, required bool) Secret {
	var n *yaml.Node
	if required {
		n = p.req(m, key)
	} else {
		n = m.opt(key)
	}
	if n == nil {
		return Secret{}
	}
	path := join(m.path, key)
	if n.Kind != yaml.ScalarNode {
		p.add(n, path, "expected a secret reference, got %s", kindName(n))
		return Secret{}
	}
	if n.Value == "" {
		if required {
			p.add(n, path, "required")
		}
		return Secret{}
	}
	if _, err := parseRef(n.Value); err != nil {
		p.add(n, path, "%v", err)
		return Secret{}
	}
	return Secret{ref: n.Value, path: path, line: n.Line}
}

// httpURL reads an absolute http(s) URL for a setting that must carry no credential.
func (p *parser) httpURL(m mapping, key string, required bool) string {
	var n *yaml.Node
	if required {
		n = p.req(m, key)
	} else {
		n = m.opt(key)
	}
	if n == nil {
		return ""
	}
	path := join(m.path, key)
	s, ok := p.scalar(n, path)
	if !ok {
		return ""
	}
	if s == "" && !required {
		return ""
	}
	// The text is not quoted: a mistyped URL may still carry a credential.
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		p.add(n, path, "not an absolute http(s) URL")
		return ""
	case u.User != nil:
		p.add(n, path, "a URL with user:password@ carries a credential; this setting is not a secret")
		return ""
	}
	return s
}

// names reads a list of names, reporting empty and repeated entries.
func (p *parser) names(n *yaml.Node, path string) []string {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "expected a list, got %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, e := range n.Content {
		e = deref(e)
		ip := index(path, i)
		if isNull(e) {
			p.add(e, ip, "empty entry")
			continue
		}
		s, ok := p.scalar(e, ip)
		if !ok {
			continue
		}
		if slices.Contains(out, s) {
			p.add(e, ip, "%q is listed twice", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (p *parser) config(root *yaml.Node, env func(string) string) *Config {
	c := &Config{Location: time.UTC, Alerts: Alerts{RepeatInterval: DefaultRepeatInterval}}
	m, ok := p.fields(root, "", "timezone", "profiles", "state", "destinations", "routes", "ops", "alerts", "checks", "slack_app", "approvals", "run_now")
	if !ok {
		return c
	}
	if n := m.opt("timezone"); n != nil {
		if s, ok := p.scalar(n, "timezone"); ok {
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || strings.EqualFold(s, "local") {
				p.add(n, "timezone", "unknown time zone %q (write an IANA name such as Asia/Shanghai)", s)
			} else {
				c.Location = loc
			}
		}
	}
	c.Profiles = p.profiles(m)
	c.State = p.state(m, env)
	c.Destinations = p.destinations(m)
	c.Routes = p.routes(m, c)
	if n := p.req(m, "ops"); n != nil {
		c.Ops = p.names(n, "ops")
		p.destinationRefs(n, "ops", c.Ops, c)
		if len(c.Ops) == 0 && deref(n).Kind == yaml.SequenceNode {
			p.add(n, "ops", "required: at least one destination for check failures")
		}
	}
	if n := m.opt("alerts"); n != nil {
		if am, ok := p.fields(n, "alerts", "repeat_interval"); ok {
			c.Alerts.RepeatInterval = p.duration(am, "repeat_interval", DefaultRepeatInterval)
		}
	}
	if n := m.opt("slack_app"); n != nil {
		c.SlackApp = p.slackApp(n, c)
	}
	if n := m.opt("run_now"); n != nil {
		if rm, ok := p.fields(n, "run_now", "secret"); ok {
			c.RunNow = &RunNow{Secret: p.secret(rm, "secret", true)}
		}
	}
	if n := m.opt("approvals"); n != nil {
		c.Approvals = p.approvals(n)
	}
	if n := m.opt("checks"); n != nil {
		p.checks(n, m, c)
	}
	return c
}

// checks reads the checks section: one section per check, each read by its own file's parser.
func (p *parser) checks(n *yaml.Node, root mapping, c *Config) {
	sections := []struct {
		name string
		read func(n *yaml.Node, path string)
	}{
		{check.Balance, func(n *yaml.Node, path string) { c.Checks.Balance = p.balance(n, path, c) }},
		{check.Renewal, func(n *yaml.Node, path string) {
			c.Checks.Renewal = p.renewal(n, path, c)
			p.renewalNeeds(n, path, root, c)
		}},
		{check.Coupon, func(n *yaml.Node, path string) { c.Checks.Coupon = p.coupon(n, path, c) }},
		{check.Invoice, func(n *yaml.Node, path string) { c.Checks.Invoice = p.invoice(n, path, c) }},
	}
	names := make([]string, len(sections))
	for i, s := range sections {
		names[i] = s.name
	}
	cm, ok := p.fields(n, "checks", names...)
	if !ok {
		return
	}
	for _, s := range sections {
		if sn := cm.opt(s.name); sn != nil {
			s.read(sn, join("checks", s.name))
		}
	}
}

// named returns the entries of a section that maps names to settings (profiles, destinations),
// reporting a section of another kind and every malformed name. A missing section has none.
func (p *parser) named(n *yaml.Node, section, what string) []entry {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, section, "expected a mapping of %s names, got %s", what, kindName(n))
		return nil
	}
	entries := p.entries(n, section)
	for _, e := range entries {
		if !name.MatchString(e.name) {
			p.add(e.key, join(section, e.name), "a %s name is 1 to 64 letters, digits, '.', '_' or '-'", what)
		}
	}
	return entries
}

func (p *parser) profiles(root mapping) map[string]*Profile {
	out := map[string]*Profile{}
	for _, e := range p.named(p.req(root, "profiles"), "profiles", "profile") {
		path := join("profiles", e.name)
		pr := &Profile{Name: e.name, Timeout: DefaultTimeout, RatePerSecond: DefaultRatePerSecond}
		out[e.name] = pr
		m, ok := p.fields(e.value, path, "role", "site", "domain_id", "ak", "sk", "security_token", "endpoint", "region", "timeout", "rate_per_second")
		if !ok {
			continue
		}
		pr.Role = bss.Role(p.enum(m, "role", string(bss.Partner), string(bss.Customer)))
		pr.Site = bss.Site(p.enum(m, "site", string(bss.China), string(bss.International)))
		pr.DomainID = p.reqStr(m, "domain_id")
		pr.AK = p.secret(m, "ak", true)
		pr.SK = p.secret(m, "sk", true)
		pr.SecurityToken = p.secret(m, "security_token", false)
		pr.Endpoint = p.httpURL(m, "endpoint", false)
		pr.Timeout = p.duration(m, "timeout", DefaultTimeout)
		pr.Region = p.region(m, pr.Site)
		if n := m.opt("rate_per_second"); n != nil {
			rp := join(path, "rate_per_second")
			if s, ok := p.scalar(n, rp); ok {
				r, err := strconv.ParseFloat(s, 64)
				switch {
				case err != nil || math.IsNaN(r) || math.IsInf(r, 0):
					p.add(n, rp, "not a number: %q", s)
				case r <= 0:
					p.add(n, rp, "must be positive, got %s", s)
				default:
					pr.RatePerSecond = r
				}
			}
		}
	}
	return out
}

func (p *parser) region(m mapping, site bss.Site) string {
	n := m.opt("region")
	switch {
	case n == nil && site == bss.International:
		return bss.RegionIntl
	case n == nil:
		return bss.RegionChina
	}
	path := join(m.path, "region")
	s, ok := p.scalar(n, path)
	if !ok {
		return ""
	}
	switch site {
	case bss.China:
		if s != bss.RegionChina {
			p.add(n, path, "the China site has one region (%s); region applies to site intl", bss.RegionChina)
		}
		return bss.RegionChina
	case bss.International:
		if s != bss.RegionIntl && s != bss.RegionEurope {
			p.add(n, path, "%q is not one of: %s, %s", s, bss.RegionIntl, bss.RegionEurope)
		}
		return s
	}
	return s
}

func (p *parser) state(root mapping, env func(string) string) State {
	var st State
	n := p.req(root, "state")
	if n == nil {
		return st
	}
	m, ok := p.fields(n, "state", "backend", "table", "path")
	if !ok {
		return st
	}
	st.Backend = Backend(p.enum(m, "backend", string(BackendDynamoDB), string(BackendBolt)))
	st.Table = p.str(m, "table")
	st.Path = p.str(m, "path")
	switch st.Backend {
	case BackendDynamoDB:
		if env != nil {
			if t := env(EnvStateTable); t != "" {
				st.Table = t
			}
		}
		if st.Table == "" {
			p.add(m.node, "state.table", "required for backend dynamodb (or set %s)", EnvStateTable)
		}
	case BackendBolt:
		if st.Path == "" {
			p.add(m.node, "state.path", "required for backend bolt")
		}
	}
	return st
}

func (p *parser) destinations(root mapping) map[string]*Destination {
	out := map[string]*Destination{}
	for _, e := range p.named(root.opt("destinations"), "destinations", "destination") {
		path := join("destinations", e.name)
		d := &Destination{Name: e.name}
		out[e.name] = d
		m, ok := p.fields(e.value, path, "type", "token", "channel", "api_url", "url", "secret")
		if !ok {
			continue
		}
		d.Type = DestinationType(p.enum(m, "type", string(TypeSlack), string(TypeWebhook), string(TypeSlackWebhook)))
		allowed := map[DestinationType][]string{
			TypeSlack:        {"type", "token", "channel", "api_url"},
			TypeWebhook:      {"type", "url", "secret"},
			TypeSlackWebhook: {"type", "url"},
		}[d.Type]
		if d.Type == "" {
			continue
		}
		for _, key := range []string{"token", "channel", "api_url", "url", "secret"} {
			if _, set := m.values[key]; set && !slices.Contains(allowed, key) {
				p.add(m.values[key], join(path, key), "not a setting of type %s (expected: %s)", d.Type, strings.Join(allowed[1:], ", "))
			}
		}
		switch d.Type {
		case TypeSlack:
			d.Token = p.secret(m, "token", true)
			d.Channel = p.reqStr(m, "channel")
			d.APIURL = p.httpURL(m, "api_url", false)
		case TypeWebhook:
			d.URL = p.httpURL(m, "url", true)
			d.Secret = p.secret(m, "secret", true)
		case TypeSlackWebhook:
			d.WebhookURL = p.secret(m, "url", true)
		}
	}
	return out
}

func (p *parser) destinationRefs(n *yaml.Node, path string, refs []string, c *Config) {
	n = deref(n)
	for i, r := range refs {
		if _, ok := c.Destinations[r]; !ok {
			at := n
			if n.Kind == yaml.SequenceNode {
				at = findScalar(n, r, i)
			}
			p.add(at, path, "unknown destination %q", r)
		}
	}
}

// findScalar returns the entry of seq whose text is s, for the line of an error about it.
func findScalar(seq *yaml.Node, s string, from int) *yaml.Node {
	for _, e := range seq.Content[min(from, len(seq.Content)):] {
		if e = deref(e); e.Kind == yaml.ScalarNode && e.Value == s {
			return e
		}
	}
	return seq
}

func (p *parser) routes(root mapping, c *Config) []Route {
	n := p.req(root, "routes")
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, "routes", "expected a list of routes, got %s", kindName(n))
		return nil
	}
	if len(n.Content) == 0 {
		p.add(n, "routes", "required: at least one route, or no finding is ever sent")
	}
	out := make([]Route, 0, len(n.Content))
	for i, rn := range n.Content {
		path := index("routes", i)
		m, ok := p.fields(rn, path, "to", "checks", "min_severity", "accounts")
		if !ok {
			continue
		}
		var r Route
		if to := p.req(m, "to"); to != nil {
			r.To = p.names(to, join(path, "to"))
			p.destinationRefs(to, join(path, "to"), r.To, c)
			if len(r.To) == 0 && to.Kind == yaml.SequenceNode {
				p.add(to, join(path, "to"), "required: at least one destination")
			}
		}
		if cn := m.opt("checks"); cn != nil {
			r.Checks = p.names(cn, join(path, "checks"))
			for _, ch := range r.Checks {
				if !slices.Contains(knownChecks, ch) {
					p.add(findScalar(cn, ch, 0), join(path, "checks"), "unknown check %q (expected one of: %s)", ch, strings.Join(knownChecks, ", "))
				}
			}
		}
		if sn := m.opt("min_severity"); sn != nil {
			if s, ok := p.scalar(sn, join(path, "min_severity")); ok {
				sev, err := notify.ParseSeverity(s)
				if err != nil {
					p.add(sn, join(path, "min_severity"), "%v", err)
				}
				r.MinSeverity = sev
			}
		}
		if an := m.opt("accounts"); an != nil {
			r.Accounts = p.names(an, join(path, "accounts"))
			for _, a := range r.Accounts {
				if _, ok := c.Profiles[a]; !ok {
					p.add(findScalar(an, a, 0), join(path, "accounts"), "unknown profile %q", a)
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// profileFor reads a check's profile and asks bss.Can whether its role and site may call every API
// the check needs, so a profile that cannot serve the check is refused here rather than by a 403.
func (p *parser) profileFor(m mapping, c *Config, apis ...bss.API) string {
	return p.profileAt(m, "profile", c, apis...)
}

// profileAt is profileFor for a profile named under another key.
func (p *parser) profileAt(m mapping, key string, c *Config, apis ...bss.API) string {
	n := p.req(m, key)
	if n == nil {
		return ""
	}
	path := join(m.path, key)
	s, ok := p.scalar(n, path)
	if !ok {
		return ""
	}
	pr, ok := c.Profiles[s]
	if !ok {
		p.add(n, path, "unknown profile %q", s)
		return s
	}
	if pr.Role == "" || pr.Site == "" {
		return s // the profile's own error says why
	}
	for _, api := range apis {
		if err := bss.Can(pr.Role, pr.Site, api); err != nil {
			p.add(n, path, "profile %q is a %s on site %s: %v", s, pr.Role, pr.Site, err)
			break
		}
	}
	return s
}
