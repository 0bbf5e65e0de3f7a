package config

import (
	"time"

	"github.com/shopspring/decimal"

	// Lambda's provided.al2023 image carries no zoneinfo; embedding it makes "timezone loadable" at
	// parse time mean loadable in production too.
	_ "time/tzdata"

	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/coupon"
	"github.com/bsswatch/bsswatch/pkg/invoice"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// EnvConfig names the environment variable a Lambda function reads Load's source from: a file path
// in the bundle, or a reference to an SSM parameter or Secrets Manager secret holding the document.
const EnvConfig = "BSSWATCH_CONFIG"

// EnvStateTable names the environment variable that overrides state.table; template.yaml sets it to
// the table it creates, so the deployed configuration need not repeat the generated name.
const EnvStateTable = "BSSWATCH_STATE_TABLE"

// Config is a validated configuration document. Secrets in it hold only their references until
// Resolve (or Load) reads them.
type Config struct {
	// Location is the time zone of times shown in messages (timezone; UTC by default).
	Location *time.Location
	// Profiles are the BSS credentials by name; checks and routes refer to them by that name.
	Profiles map[string]*Profile
	State    State
	// Destinations are the places messages go, by name.
	Destinations map[string]*Destination
	// Routes send a finding's message to every route that matches it.
	Routes []Route
	// Ops lists the destinations told when a check could not run (expired AK, 403, BSS down).
	Ops    []string
	Alerts Alerts
	Checks Checks
	// SlackApp is the Slack app that receives button clicks; needed by the renewal check.
	SlackApp *SlackApp
	// Approvals says who may approve renewals; needed by the renewal check.
	Approvals *Approvals
	// RunNow lets other systems run a check on demand through the function URL; nil turns it off.
	RunNow *RunNow
}

// RunNow is the inbound "run a check now" endpoint: requests must be signed as Standard Webhooks
// with Secret.
type RunNow struct {
	Secret Secret
}

// Profile is one set of BSS credentials and how to call BSS with them.
type Profile struct {
	Name string
	Role bss.Role
	Site bss.Site
	// DomainID is the account id; the SDK needs it to avoid an IAM lookup at client build time.
	DomainID      string
	AK, SK        Secret
	SecurityToken Secret // optional: temporary credentials obtained through an agency
	// Endpoint overrides the site's BSS endpoint (the local sandbox); empty for the real one.
	Endpoint string
	// Region is bss.RegionChina for the China site, bss.RegionIntl (default) or bss.RegionEurope for intl.
	Region        string
	Timeout       time.Duration // per call; 10s by default
	RatePerSecond float64       // calls per second per API; 10 by default, the BSS default limit
}

// Backend names a state store implementation.
type Backend string

// The state backends: DynamoDB in AWS, a bbolt file for local runs and the demo.
const (
	BackendDynamoDB Backend = "dynamodb"
	BackendBolt     Backend = "bolt"
)

// State says where alert and quote state is kept.
type State struct {
	Backend Backend
	Table   string // dynamodb; EnvStateTable overrides it
	Path    string // bolt
}

// DestinationType names a kind of destination.
type DestinationType string

// The destination types: a Slack bot (chat.postMessage, edits and thread replies), a generic
// Standard Webhooks receiver, and a Slack incoming webhook (post only).
const (
	TypeSlack        DestinationType = "slack"
	TypeWebhook      DestinationType = "webhook"
	TypeSlackWebhook DestinationType = "slack_webhook"
)

// Destination is one place messages go. Which fields are set depends on Type.
type Destination struct {
	Name string
	Type DestinationType
	// Slack: the bot token, the channel, and an optional API base URL (a local Slack stand-in).
	Token   Secret
	Channel string
	APIURL  string
	// Webhook: the receiver URL (plain) and the Standard Webhooks signing secret.
	URL    string
	Secret Secret
	// Slack incoming webhook: the URL carries a token, so it is a secret.
	WebhookURL Secret
}

// Route sends messages that match all of its filters to its destinations. An empty filter matches
// everything.
type Route struct {
	To          []string
	Checks      []string // check names: balance, coupon, renewal, invoice
	MinSeverity notify.Severity
	Accounts    []string // profile names
}

// Alerts holds the alert lifecycle settings.
type Alerts struct {
	// RepeatInterval is how long a finding keeps firing before a reminder (24h by default).
	RepeatInterval time.Duration
}

// Checks holds each check's rules; a nil section is not run.
type Checks struct {
	Balance *balance.Rules
	Renewal *Renewal
	Coupon  *coupon.Rules
	Invoice *invoice.Rules
}

// SlackApp is the Slack app whose buttons approve renewals, and that Slack posts clicks from to the
// function's URL.
type SlackApp struct {
	// SigningSecret verifies that a click comes from Slack (the app's Basic Information page).
	SigningSecret Secret
	// TeamID and AppID are the workspace and the app; a click from another workspace or for another
	// app is refused, even when correctly signed.
	TeamID, AppID string
	// Destination names the slack destination (bot token and channel) that carries quote messages.
	Destination string
}

// Approvals says who may approve or reject a renewal: the Slack user ids in Users and the members
// of the user group Group.
type Approvals struct {
	Users []string
	Group string
	// TwoApproversAbove, when set, makes a renewal whose amount is above it need two different
	// approvers. Its currency is that of the renewal accounts' site.
	TwoApproversAbove *money.Amount
	// Snoozers, when set, are the Slack user ids who may snooze alerts; otherwise the approvers may.
	Snoozers []string
}

// Renewal holds the rules of the renewal check: which yearly/monthly resources to quote, for how
// long to renew them, and how long a quote holds.
type Renewal struct {
	Accounts []RenewalAccount
	// WithinDays selects resources that expire within this many days (1 to 365).
	WithinDays int
	// PeriodType is bss.Month or bss.Year; PeriodNum counts them.
	PeriodType bss.PeriodType
	PeriodNum  int
	// AutoPay pays the order from balance and coupons; without it the order waits unpaid.
	AutoPay bool
	// QuoteLifetime is how long a quote may be approved; a quote also ends at its first
	// resource's expiry, when that is earlier.
	QuoteLifetime time.Duration
	// PriceTolerance is the fraction (0.01 = 1%) by which the price at ordering time may exceed
	// the approved amount; above it the quote is superseded by a fresh one.
	PriceTolerance decimal.Decimal
	// PostEvery spaces the scan's new messages in the quotes' channel (Slack allows about one a
	// second per channel); the invocations posting at once share it out.
	PostEvery time.Duration
}

// RenewalAccount is one customer whose resources are watched and renewed. Quoting and renewing
// need the customer's own credentials (Profile); ListWith optionally names a partner profile on the
// same site that lists the customer's resources instead (ListPayPerUseCustomerResources with the
// customer id).
//
// An entry with Agency set is instead every reseller customer of the partner profile Profile
// (ListSubCustomers, narrowed by Agency.CustomerIDs or Agency.Label), quoted and renewed through
// each customer's agency: the configuration names the agency, not the customers' keys.
type RenewalAccount struct {
	Profile  string
	ListWith string
	Agency   *RenewalAgency
}

// RenewalAgency is how a partner reaches its customers' accounts for renewals: the agency Name that
// each customer created for the partner, which customers (all reseller customers, those in
// CustomerIDs, or those carrying Label), the IAM endpoint ("" for the site's) and how long each
// temporary credential lives.
type RenewalAgency struct {
	Name        string
	CustomerIDs []string
	Label       string
	IAMEndpoint string
	Duration    time.Duration
}

// Threshold holds the two levels of a low-balance rule, in one currency; Warning >= Critical. The rule
// itself (balance.Threshold.Level) lives with the other balance rules.
type Threshold = balance.Threshold
