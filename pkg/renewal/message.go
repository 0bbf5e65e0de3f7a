package renewal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// Slack draws quote messages and sends them through the project's one Slack client (pkg/notify), so
// quotes get the same 429 handling, deadlines and token redaction as alerts.
type Slack struct {
	// Out is the Slack app's bot destination; quotes go to its channel.
	Out *notify.Slack
	// Location is the time zone of times in messages; nil means UTC.
	Location *time.Location
	// Pace, when set, holds new messages (quotes, a scan's summary) to Slack's rate of about one a
	// second per channel, shared out between the invocations that may post at once. Thread replies
	// and updates are not held: a click's answer must not wait behind a scan.
	Pace *rate.Limiter
}

// post sends a new message to the channel once Pace allows it.
func (s *Slack) post(ctx context.Context, text string, blocks []slack.Block) (notify.Ref, error) {
	if s.Pace != nil {
		if err := s.Pace.Wait(ctx); err != nil {
			return notify.Ref{}, fmt.Errorf("renewal: waiting for Slack's pace: %w", err)
		}
	}
	return s.Out.Post(ctx, text, blocks)
}

func (s *Slack) when(t time.Time) string {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func periodText(t bss.PeriodType, n int) string {
	unit := "month"
	if t == bss.Year {
		unit = "year"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// render draws a quote as its message shows it in its current state: the offer, then either the
// buttons (pending) or what happened to it. The fallback text is what notifications and screen
// readers show.
func (s *Slack) render(q *Quote) (string, []slack.Block) {
	text := fmt.Sprintf("Renewal quote for %s: %d resource(s), %s, %s to pay", q.Account, len(q.Items), periodText(q.PeriodType, q.PeriodNum), q.Amount)
	header := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Renewal quote: "+q.Account, false, false))
	blocks, status := s.quoteBlocks(q)
	if status != "" {
		text += ". " + status
	}
	return text, append([]slack.Block{header}, blocks...)
}

// quoteBlocks draws one quote without a header: its resources, prices, id and deadline, then what
// happened to it or its own Approve/Reject buttons. status is the line saying what happened, if any.
func (s *Slack) quoteBlocks(q *Quote) (blocks []slack.Block, status string) {
	var lines []string
	for _, it := range q.Items {
		state := "expires"
		if it.Lapsed {
			// BSS does not tell when a lapsed resource is deleted (it depends on the grace and
			// retention periods of the account), so no date is made up.
			state = "lapsed — renew before deletion; expired"
		}
		lines = append(lines, fmt.Sprintf("• *%s* (%s, %s) %s %s", notify.Escape(it.Name), notify.Escape(it.Type),
			notify.Escape(it.Region), state, s.when(it.Expires)))
	}
	resources := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Join(lines, "\n"), false, false), nil, nil)
	discount := q.Discount.String()
	if q.DiscountName != "" {
		discount += " (" + notify.Escape(q.DiscountName) + ")"
	}
	fields := []*slack.TextBlockObject{
		slack.NewTextBlockObject(slack.MarkdownType, "*Period*\n"+periodText(q.PeriodType, q.PeriodNum), false, false),
		slack.NewTextBlockObject(slack.MarkdownType, "*Official price*\n"+q.Official.String(), false, false),
		slack.NewTextBlockObject(slack.MarkdownType, "*Discount*\n"+discount, false, false),
		slack.NewTextBlockObject(slack.MarkdownType, "*Amount to pay*\n"+q.Amount.String(), false, false),
	}
	prices := slack.NewSectionBlock(nil, fields, nil)
	ctxText := fmt.Sprintf("Quote %s · approve by %s", q.ID, s.when(q.Deadline))
	if q.TwoApprovers {
		ctxText += " · needs two different approvers"
	}
	blocks = []slack.Block{resources, prices,
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, ctxText, false, false))}
	status = s.status(q)
	if status != "" {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, status, false, false), nil, nil))
	}
	if q.State == Pending {
		blocks = append(blocks, slackapp.ApproveReject(q.ID))
	}
	return blocks, status
}

// status is the line under the offer that says what happened to it; "" for a fresh pending quote.
func (s *Slack) status(q *Quote) string {
	approvers := make([]string, len(q.Approvals))
	for i, a := range q.Approvals {
		approvers[i] = fmt.Sprintf("<@%s> at %s", a.UserID, s.when(a.At))
	}
	approved := "approved by " + strings.Join(approvers, " and ")
	switch q.State {
	case Pending:
		if len(q.Approvals) > 0 {
			return fmt.Sprintf(":ballot_box_with_check: %d of %d approvals: %s", len(q.Approvals), q.ApprovalsNeeded(), approved)
		}
		return ""
	case Approving, Ordering:
		return ":hourglass_flowing_sand: Renewing... " + approved
	case Renewed:
		line := fmt.Sprintf(":white_check_mark: Renewed for %s, %s", q.Amount, approved)
		if len(q.OrderIDs) > 0 {
			line += ". Order " + strings.Join(q.OrderIDs, ", ")
		}
		if q.Note != "" {
			line += ". " + notify.Escape(q.Note)
		}
		return line
	case Failed:
		return ":x: Not renewed: " + notify.Escape(q.Reason)
	case Rejected:
		return fmt.Sprintf(":no_entry: Rejected by <@%s> at %s. Nothing was ordered.", q.Decider, s.when(q.DecidedAt))
	case Expired:
		return fmt.Sprintf(":hourglass: Expired at %s without a decision. Nothing was ordered.", s.when(q.Deadline))
	case Superseded:
		return ":arrows_counterclockwise: Superseded: " + notify.Escape(q.Note) + ". Nothing was ordered; see the new quote."
	}
	return ""
}

// decided tells a person who clicked a quote that is no longer open what happened to it.
func (s *Slack) decided(q *Quote) string {
	switch q.State {
	case Approving, Ordering, Renewed, Failed:
		by := make([]string, len(q.Approvals))
		for i, a := range q.Approvals {
			by[i] = fmt.Sprintf("<@%s> at %s", a.UserID, s.when(a.At))
		}
		return fmt.Sprintf("This quote was already approved by %s; it is %s.", strings.Join(by, " and "), q.State)
	case Rejected:
		return fmt.Sprintf("This quote was already rejected by <@%s> at %s.", q.Decider, s.when(q.DecidedAt))
	case Expired:
		return fmt.Sprintf("This quote expired at %s without a decision.", s.when(q.Deadline))
	case Superseded:
		return "This quote was superseded by a newer one (the price changed): use the new message."
	}
	return "This quote is " + string(q.State) + "."
}

// decidedOrOpen is decided for a closed quote, and the approvals so far for an open one.
func (s *Slack) decidedOrOpen(q *Quote) string {
	if q.State != Pending {
		return s.decided(q)
	}
	return fmt.Sprintf("The quote is open with %d of %d approvals.", len(q.Approvals), q.ApprovalsNeeded())
}
