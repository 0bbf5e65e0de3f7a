// Package notify delivers channel-neutral alert messages to destinations (Slack through slack-go, Slack
// incoming webhooks, generic Standard Webhooks) and routes each message by check, severity and account.
package notify

import (
	"context"
	"errors"
	"time"
)

// Severity orders findings; a higher value is worse. In JSON it is its name ("warning"), as the
// Standard Webhooks payload documents it (docs/webhook-payload.schema.json).
type Severity int

// The severities, least to worst.
const (
	Info Severity = iota
	Warning
	Critical
)

// String returns "info", "warning" or "critical".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	default:
		return "info"
	}
}

// Kind says why a message is sent.
type Kind string

// The kinds of message. A group's first message is Firing; later changes are Update (the original is
// edited in place and Changes go to its thread), Repeat reminds of a group still firing, Resolved closes
// it. CheckFailed reports that a check itself could not run (expired AK, 403, BSS down), and
// CheckRecovered that it runs again: a recovery resolves no finding, so it is not Resolved.
const (
	KindFiring         Kind = "firing"
	KindUpdate         Kind = "update"
	KindRepeat         Kind = "repeat"
	KindResolved       Kind = "resolved"
	KindCheckFailed    Kind = "check_failed"
	KindCheckRecovered Kind = "check_recovered"
)

// Field is one labelled value of an item, already formatted for people (amounts with currency).
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Item is one finding inside a digest.
type Item struct {
	Fingerprint string   `json:"fingerprint"`
	Severity    Severity `json:"severity"`
	// Status is "new", "changed", "firing" or "resolved" as of this message.
	Status string  `json:"status"`
	Title  string  `json:"title"`
	Text   string  `json:"text,omitempty"`
	Fields []Field `json:"fields,omitempty"`
}

// Message is one notification for one group (check and account), worst item first.
type Message struct {
	// ID is unique per notification and stable across delivery retries: a receiver drops duplicates by it.
	ID       string   `json:"id"`
	Kind     Kind     `json:"kind"`
	Check    string   `json:"check"`
	Account  string   `json:"account"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	// Summary is one line of plain text; Slack shows it in notifications and as the fallback text.
	Summary string `json:"summary"`
	// Notes are further lines of plain text under the summary (a check's totals, for instance).
	Notes []string `json:"notes,omitempty"`
	Items []Item   `json:"items,omitempty"`
	// Changes lists, in plain text, what changed since the group's previous message; Slack posts them
	// as a reply in the original message's thread.
	Changes []string  `json:"changes,omitempty"`
	At      time.Time `json:"at"`
}

// Ref locates a message already delivered to a destination, so that it can be updated or replied to.
// It is empty for destinations that cannot edit (webhooks).
type Ref struct {
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
}

// IsZero reports whether r points at no message.
func (r Ref) IsZero() bool { return r.TS == "" }

// ErrGone is returned (wrapped) by a destination that told us to stop sending (HTTP 410). Retrying is
// pointless until the configuration changes.
var ErrGone = errors.New("notify: destination gone")

// Destination delivers messages to one place.
type Destination interface {
	// Name is the destination's configured name, used in logs and state; never a URL or a token.
	Name() string
	// Send delivers msg. With a zero prev it posts a new message and returns where it lives; with prev
	// set, a destination that can edit updates that message in place (and posts msg.Changes in its
	// thread) and returns prev. Errors never contain a token, a secret or a URL that carries one.
	Send(ctx context.Context, msg Message, prev Ref) (Ref, error)
}
