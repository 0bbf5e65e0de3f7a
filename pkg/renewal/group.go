package renewal

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
)

// QuotesPerMessage is how many of an account's quotes share one message: a header, then per quote a
// divider and at most five blocks (resources, prices, id and deadline, status, buttons) stay within
// Slack's 50 blocks per message.
const QuotesPerMessage = 8

// renderGroup draws the message holding several quotes of one account, each with its own buttons.
func (s *Slack) renderGroup(qs []*Quote) (string, []slack.Block) {
	resources := 0
	for _, q := range qs {
		resources += len(q.Items)
	}
	account := qs[0].Account
	text := fmt.Sprintf("Renewal quotes for %s: %d quotes, %d resources", account, len(qs), resources)
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType,
		fmt.Sprintf("Renewal quotes: %s (%d)", account, len(qs)), false, false))}
	for _, q := range qs {
		qb, _ := s.quoteBlocks(q)
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, qb...)
	}
	return text, blocks
}

// message draws the message q lives in as it should look now: q alone, or q with the other quotes
// of its group as the store has them. ok is false when a sibling could not be read; the message is
// then left as it is rather than drawn without that quote's buttons.
func (s *Service) message(ctx context.Context, q *Quote) (text string, blocks []slack.Block, ok bool) {
	if len(q.Group) < 2 {
		text, blocks = s.Slack.render(q)
		return text, blocks, true
	}
	qs := make([]*Quote, 0, len(q.Group))
	for _, id := range q.Group {
		if id == q.ID {
			qs = append(qs, q)
			continue
		}
		o, err := s.Store.Get(ctx, id)
		if err != nil {
			s.log().WarnContext(ctx, "slack update", "quote", q.ID, "sibling", id, "error", err.Error())
			return "", nil, false
		}
		qs = append(qs, &o)
	}
	text, blocks = s.Slack.renderGroup(qs)
	return text, blocks, true
}

// threadText prefixes a thread reply with its quote's id when the message holds several quotes.
func threadText(q *Quote, text string) string {
	if len(q.Group) < 2 {
		return text
	}
	return "Quote " + q.ID + ": " + text
}

// postGroups posts an account's new quotes, QuotesPerMessage to a message, and records in each
// quote the message and the group it shares. It returns the number of messages posted. A failed post
// leaves its quotes without a message; the next scan posts them.
func (s *Service) postGroups(ctx context.Context, qs []*Quote) int {
	posted := 0
	for start := 0; start < len(qs); start += QuotesPerMessage {
		group := qs[start:min(start+QuotesPerMessage, len(qs))]
		if len(group) == 1 {
			if err := s.post(ctx, group[0]); err != nil {
				s.log().WarnContext(ctx, "slack post", "quote", group[0].ID, "error", err.Error())
				continue
			}
			posted++
			continue
		}
		ids := make([]string, len(group))
		for i, q := range group {
			ids[i] = q.ID
		}
		text, blocks := s.Slack.renderGroup(group)
		ref, err := s.Slack.post(ctx, text, blocks)
		if err != nil {
			s.log().WarnContext(ctx, "slack post", "quotes", strings.Join(ids, ","), "error", err.Error())
			continue
		}
		posted++
		for _, q := range group {
			nq, err := s.Store.Transition(ctx, q.ID, []State{Pending, Approving, Ordering}, func(q *Quote) error {
				if q.Message.IsZero() {
					q.Message, q.Group = ref, ids
				}
				return nil
			})
			if err != nil {
				s.log().WarnContext(ctx, "record message", "quote", q.ID, "error", err.Error())
				continue
			}
			*q = nq
		}
	}
	return posted
}

// tally is what a scan's summary counts, added up over accounts: a work item keeps its own, and the
// scan's is their sum.
type tally struct {
	Eligible, Quoted, Quotes, Messages, Held, Refused, Lapsed, Failed int
}

func (t *tally) add(r Report) {
	failed := 0
	if r.Err != "" {
		failed = 1
	}
	t.merge(tally{Eligible: r.Eligible, Quoted: r.QuotedResources, Quotes: len(r.Quoted), Messages: r.Messages, Held: r.Held,
		Refused: len(r.Refused), Lapsed: r.Lapsed, Failed: failed})
}

func (t *tally) merge(o tally) {
	t.Eligible += o.Eligible
	t.Quoted += o.Quoted
	t.Quotes += o.Quotes
	t.Messages += o.Messages
	t.Held += o.Held
	t.Refused += o.Refused
	t.Lapsed += o.Lapsed
	t.Failed += o.Failed
}

// summary is the one message a scan leaves in the channel, e.g. "2,907 resources expiring: 1,204
// quoted in 310 messages, 1,650 already in a live quote, 53 refused by BSS; 2 accounts not
// scanned". "" when nothing is expiring: accounts that could not be scanned are ops' business, told
// once per episode by the alert engine, and a summary would repeat them every scan.
func summary(reports []Report) string {
	var t tally
	for _, r := range reports {
		t.add(r)
	}
	return t.text()
}

func (t tally) text() string {
	if t.Eligible == 0 {
		return ""
	}
	parts := []string{fmt.Sprintf("%s quoted (%s quotes) in %s messages", thousands(t.Quoted), thousands(t.Quotes), thousands(t.Messages))}
	if t.Held > 0 {
		parts = append(parts, thousands(t.Held)+" already in a live quote")
	}
	if t.Refused > 0 {
		parts = append(parts, thousands(t.Refused)+" refused by BSS")
	}
	if t.Lapsed > 0 {
		parts = append(parts, thousands(t.Lapsed)+" already lapsed")
	}
	text := fmt.Sprintf("Renewal scan: %s resources expiring: %s", thousands(t.Eligible), strings.Join(parts, ", "))
	if t.Failed > 0 {
		text += fmt.Sprintf("; %s accounts not scanned (ops is told which)", thousands(t.Failed))
	}
	return text + "."
}

// thousands writes n with comma separators: 2907 -> "2,907".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
