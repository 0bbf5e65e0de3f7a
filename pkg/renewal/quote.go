package renewal

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"slices"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// State is where a quote is in its life.
type State string

// The states of a quote. Live states hold their resources: no other quote is made for them.
const (
	Pending    State = "pending"    // posted, waiting for a decision
	Approving  State = "approving"  // approved; the worker has not started the order yet
	Ordering   State = "ordering"   // the worker is placing (or placed) the order
	Renewed    State = "renewed"    // the order exists
	Failed     State = "failed"     // no order was placed, and none will be for this quote
	Rejected   State = "rejected"   // a person said no
	Expired    State = "expired"    // nobody decided before the deadline
	Superseded State = "superseded" // the price rose; a fresh quote replaced this one
)

// transitions is the state machine: the states each state may move to. A move to the same state
// (recording an approval, a note or the Slack message) is always allowed for a live state.
var transitions = map[State][]State{
	Pending:   {Approving, Rejected, Expired, Superseded},
	Approving: {Ordering, Superseded, Failed},
	Ordering:  {Renewed, Failed},
}

// CanMove reports whether a quote in state from may move to state to.
func CanMove(from, to State) bool {
	if from == to {
		return from.Live()
	}
	return slices.Contains(transitions[from], to)
}

// Live reports whether a quote in s still holds its resources.
func (s State) Live() bool { return s == Pending || s == Approving || s == Ordering }

// Final reports whether s is an end state.
func (s State) Final() bool { return !s.Live() && s != "" }

// Item is one main resource of a quote, as the approver sees it.
type Item struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Type    string    `json:"type"` // resource type name, e.g. "Elastic Cloud Server"
	Region  string    `json:"region"`
	Expires time.Time `json:"expires"`
	// Lapsed marks a resource past its expiry but not yet deleted (grace period or retention).
	Lapsed bool `json:"lapsed,omitempty"`
}

// Approval is one person's Approve click.
type Approval struct {
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	At       time.Time `json:"at"`
}

// Quote is a renewal offer for up to bss.BatchRenew main resources of one account.
type Quote struct {
	ID string `json:"id"`
	// Account is the profile whose own (customer) credentials quote and renew; CustomerID its
	// account id, which a partner uses to list the resources.
	Account    string         `json:"account"`
	CustomerID string         `json:"customer_id"`
	Items      []Item         `json:"items"`
	PeriodType bss.PeriodType `json:"period_type"`
	PeriodNum  int            `json:"period_num"`
	// Amount is the best offer; Official the list price; Discount what the offer takes off.
	Amount       money.Amount `json:"amount"`
	Official     money.Amount `json:"official"`
	Discount     money.Amount `json:"discount"`
	DiscountName string       `json:"discount_name,omitempty"`
	// TwoApprovers is fixed when the quote is made: the amount is above the configured limit.
	TwoApprovers bool       `json:"two_approvers,omitempty"`
	Created      time.Time  `json:"created"`
	Deadline     time.Time  `json:"deadline"`
	Message      notify.Ref `json:"message"`
	// Group lists, in message order, the quotes sharing Message (this one among them); empty when
	// the quote has a message of its own.
	Group     []string   `json:"group,omitempty"`
	State     State      `json:"state"`
	Approvals []Approval `json:"approvals,omitempty"`
	// Decider and DecidedAt say who moved the quote out of pending (approved, rejected) and when.
	Decider   string    `json:"decider,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitempty"`
	Updated   time.Time `json:"updated"`
	// Ordering is when the worker wrote approving -> ordering, before it called RenewalResources.
	OrderingAt   time.Time `json:"ordering_at,omitempty"`
	OrderIDs     []string  `json:"order_ids,omitempty"`
	Note         string    `json:"note,omitempty"`
	Reason       string    `json:"reason,omitempty"` // why failed
	SupersededBy string    `json:"superseded_by,omitempty"`
	Supersedes   string    `json:"supersedes,omitempty"`
	// version is the store version this copy was read at.
	version int64
}

// ResourceIDs returns the ids of the quote's resources, in quote order.
func (q *Quote) ResourceIDs() []string {
	ids := make([]string, len(q.Items))
	for i, it := range q.Items {
		ids[i] = it.ID
	}
	return ids
}

// Request is the BSS request that quotes or renews q.
func (q *Quote) Request(autoPay bool) bss.RenewRequest {
	return bss.RenewRequest{ResourceIDs: q.ResourceIDs(), PeriodType: q.PeriodType, PeriodNum: q.PeriodNum, AutoPay: autoPay}
}

// ApprovedBy reports whether userID has already approved q.
func (q *Quote) ApprovedBy(userID string) bool {
	return slices.ContainsFunc(q.Approvals, func(a Approval) bool { return a.UserID == userID })
}

// ApprovalsNeeded is how many distinct approvers q needs.
func (q *Quote) ApprovalsNeeded() int {
	if q.TwoApprovers {
		return 2
	}
	return 1
}

// NewID returns a random quote id: 20 bytes of crypto/rand in lower-case base32 (32 characters), so a
// button value cannot be guessed from another quote's. It fails only if the system's randomness does.
func NewID() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("renewal: quote id: %w", err)
	}
	return "q" + base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]), nil
}

// ValidID reports whether s has the shape NewID produces; anything else is refused before the store
// is read, so a forged button value cannot address arbitrary keys.
func ValidID(s string) bool {
	if len(s) != 33 || s[0] != 'q' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'V') {
			return false
		}
	}
	return true
}
