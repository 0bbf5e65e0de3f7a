// Package config reads bsswatch's one configuration document (YAML) plus environment overrides, and
// resolves the secrets it names once, at cold start.
//
// Parse validates a whole document and reports every mistake at once, each with its YAML path and
// line, so that a deployment fails on its first start with the full list instead of one mistake per
// attempt. Load reads the document from a file, SSM, Secrets Manager or S3, parses it, and resolves
// its secrets through a Resolver.
//
// # Schema
//
// testdata/example.yaml is a commented, valid example. Keys:
//
//	timezone         IANA zone for times in messages (default UTC)
//	profiles.<name>  BSS credentials; <name> is 1-64 of [A-Za-z0-9._-]
//	  role             partner | customer (required)
//	  site             cn | intl (required)
//	  domain_id        account id (required: the SDK then makes no IAM call at client build)
//	  ak, sk           secret references (required)
//	  security_token   secret reference (optional; temporary credentials through an agency)
//	  endpoint         http(s) URL overriding the BSS endpoint (optional; the local sandbox)
//	  region           intl only: ap-southeast-1 (default) | eu-west-101
//	  timeout          duration per call (default 10s)
//	  rate_per_second  calls per second per API, > 0 (default 10)
//	state
//	  backend          dynamodb | bolt (required)
//	  table            dynamodb table; env BSSWATCH_STATE_TABLE overrides it
//	  path             bolt file
//	destinations.<name>
//	  type             slack | webhook | slack_webhook (required)
//	  slack:           token (secret), channel (required), api_url (optional http(s) URL)
//	  webhook:         url (plain http(s) URL, required), secret (signing secret, required)
//	  slack_webhook:   url (secret: an incoming-webhook URL carries its token)
//	routes[]         at least one; a message goes to every route it matches
//	  to               destination names (required)
//	  checks           balance | coupon | renewal | invoice (empty: all)
//	  min_severity     info (default) | warning | critical
//	  accounts         profile names (empty: all)
//	ops              destination names told when a check cannot run (required)
//	alerts
//	  repeat_interval  duration before a still-firing finding is repeated (default 24h)
//	checks.balance
//	  partner          profile (a partner on cn), thresholds.<cash|credit|bonus|deposit|allocatable>
//	  customers        profile (a partner on cn), default, overrides.<customer id>
//	  own[]            profile (a customer, or a partner on intl), threshold
//	  runway           window_days (1-92, default 14), warning_days (14), critical_days (3, at most
//	                   warning_days), spike_factor (3), ceiling ("all", default, or {currency, amount})
//	checks.coupon
//	  tiers[]          {days 1-366, severity}, days strictly decreasing (default 30 info, 7 warning, 1 critical)
//	  expired          severity (default warning), lookback_days 1-366 (default 7)
//	  test_coupons     plan_ids (path.Match patterns), plan_names (substrings; default 测试券, Test Coupon)
//	  watch[]          profile, sources: quotas | issued (a partner on cn) | own (any profile)
//	checks.renewal     needs slack_app and approvals
//	  accounts[]       profile (a customer), list_with (optional: a partner on the same site)
//	                   or customers_of (a partner: its reseller customers, through their agency),
//	                   agency (name), customer_ids | label (optional), iam_endpoint (optional),
//	                   agency_duration (15m-24h, default 1h)
//	  within_days      resources expiring within this many days, 1-365 (default 30)
//	  period           {type: month, num: 1-11} | {type: year, num: 1-3} (required)
//	  auto_pay         true (default) | false
//	  quote_lifetime   duration a quote may be approved, at most 168h (default 24h)
//	  price_tolerance  fraction 0-1 a re-quote may rise above the approved amount (default "0")
//	  post_every       duration between the scan's new messages in the channel (default 1s: Slack's
//	                   pace per channel; shared out between the invocations posting at once)
//	checks.invoice     international site only: a cn profile is refused (no invoice API there)
//	  accounts[]       profile (a partner or customer on intl)
//	  look_back_days   window of application time, 1-366 (default 90)
//	  announce_open    false (default: the first run records silently) | true (tells open requests)
//	  warning_states   invoiceState codes that are warnings (default [9, 11, 15])
//	slack_app          the Slack app that receives button clicks
//	  signing_secret   secret reference (required)
//	  team_id, app_id  T… / A… ids; clicks from elsewhere are refused (required)
//	  destination      a destination of type slack that carries the quotes (required)
//	approvals          who may approve renewals: users and/or group
//	  users            Slack member ids (U… or W…)
//	  group            a user group id (S…)
//	  two_approvers_above  {currency, amount}: above it, two different approvers (optional)
//	  snoozers         Slack member ids who may snooze alerts (default: the approvers)
//	run_now            lets other systems run a check through the function URL (optional)
//	  secret           secret reference: requests are signed as Standard Webhooks with it
//
// A threshold is {currency, warning, critical}: an ISO currency (CNY for profiles on the China
// site) and two exact decimals with warning >= critical. A balance at or below critical is
// critical, at or below warning a warning. Amounts are read from the YAML source text, never
// through float64: write them quoted ("50000.50"); an unquoted number is accepted only when it is a
// plain decimal as written (5000, not 5e3 or 5_000).
//
// The two-approver amount is in the currency renewals are quoted in: CNY for accounts on the
// China site, USD on the international site.
//
// # Secrets
//
// Secret settings hold references, never values: env:NAME, ssm:/param/name (or
// ssm:name:version), arn:aws:ssm:region:account:parameter/name, or
// arn:aws:secretsmanager:region:account:secret:name with an optional #key selecting a field of a JSON
// secret string. A literal is refused at parse time, and no error ever quotes what is written in a
// secret's place. Resolved values live in Secret, which prints as "[redacted]" through fmt, slog and
// encoding/json.
package config
