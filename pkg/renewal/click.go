package renewal

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// Outcome says what a click did; HandleClick returns it with the HTTP status for Slack.
type Outcome string

// The outcomes of a click.
const (
	Refused        Outcome = "refused"         // unsigned, stale, forged, malformed or foreign: 4xx, nothing changed
	NotAllowed     Outcome = "not_allowed"     // the user may not decide: told privately, nothing changed
	AlreadyDecided Outcome = "already_decided" // someone else decided first: told privately, nothing changed
	Unknown        Outcome = "unknown_quote"   // no such quote: told privately
	Approved       Outcome = "approved"        // pending -> approving, order dispatched
	FirstApproval  Outcome = "first_approval"  // 1 of 2 approvals recorded
	RejectedNow    Outcome = "rejected"        // pending -> rejected
	ExpiredNow     Outcome = "expired"         // the click came after the deadline: pending -> expired
	Failure        Outcome = "error"           // the store failed: 500, Slack retries nothing for clicks
)

var errSameApprover = errors.New("renewal: the same person cannot give both approvals")

// HandleClick answers one Slack interaction request: h and body are the request's headers and raw
// body. It verifies the signature over the raw body and the request's age, checks the team and app,
// then the user against the approvers, and makes one conditional write; for an approval it replaces
// the buttons with "renewing..." and dispatches the order without waiting for it. A person who may
// not decide, a click on a quote someone already decided, and a second click get a private
// (ephemeral) answer saying who decided what and when, and change nothing.
//
// It returns the HTTP status to answer (200 for anything Slack should not retry or show as an error,
// 401 for a bad or missing signature, 400 for a malformed payload, 403 for another workspace or app,
// 500 when the store failed) and the Outcome. It never returns the signing secret or a response URL
// in anything it logs.
func (s *Service) HandleClick(ctx context.Context, h http.Header, body []byte) (int, Outcome) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(s.ClickBudget, DefaultClickBudget))
	defer cancel()
	log := s.log()
	if err := s.Verifier.Verify(h, body); err != nil {
		log.WarnContext(ctx, "click refused", "reason", err.Error())
		return http.StatusUnauthorized, Refused
	}
	act, err := slackapp.ParseAction(body)
	if err != nil {
		log.WarnContext(ctx, "click refused", "reason", err.Error())
		return http.StatusBadRequest, Refused
	}
	if act.TeamID != s.TeamID || act.APIAppID != s.AppID {
		log.WarnContext(ctx, "click refused", "reason", "foreign team or app", "team", act.TeamID, "app", act.APIAppID)
		return http.StatusForbidden, Refused
	}
	if act.ActionID != slackapp.ActionApprove && act.ActionID != slackapp.ActionReject {
		log.WarnContext(ctx, "click refused", "reason", "unknown action", "action", act.ActionID)
		return http.StatusBadRequest, Refused
	}
	log = log.With("quote", act.Value, "user", act.UserID, "action", act.ActionID)
	allowed, err := s.Approvers.Allowed(ctx, act.UserID)
	if err != nil {
		// Fail closed: nobody decides while the allow-list cannot be read.
		log.ErrorContext(ctx, "approver check", "error", err.Error())
		s.tell(ctx, act, "Your permission to decide renewals could not be checked just now; nothing was changed. Try again in a minute.")
		return http.StatusOK, NotAllowed
	}
	if !allowed {
		msg := "You are not on the list of renewal approvers; nothing was changed."
		if q, err := s.Store.Get(ctx, act.Value); err == nil {
			msg += " " + s.Slack.decidedOrOpen(&q)
		}
		log.WarnContext(ctx, "click by a non-approver")
		s.tell(ctx, act, msg)
		return http.StatusOK, NotAllowed
	}
	now := s.now()
	approval := Approval{UserID: act.UserID, UserName: act.UserName, At: now}
	q, err := s.Store.Transition(ctx, act.Value, []State{Pending}, func(q *Quote) error {
		switch {
		case !now.Before(q.Deadline):
			q.State = Expired
		case act.ActionID == slackapp.ActionReject:
			q.State, q.Decider, q.DecidedAt = Rejected, act.UserID, now
		case q.ApprovedBy(act.UserID):
			return errSameApprover
		default:
			q.Approvals = append(q.Approvals, approval)
			if len(q.Approvals) >= q.ApprovalsNeeded() {
				q.State, q.Decider, q.DecidedAt = Approving, act.UserID, now
			}
		}
		return nil
	})
	var se *StateError
	switch {
	case errors.Is(err, ErrNotFound):
		s.tell(ctx, act, "This quote is not known (it may be older than the retention period).")
		return http.StatusOK, Unknown
	case errors.As(err, &se):
		log.InfoContext(ctx, "click on a decided quote", "state", se.Quote.State)
		s.tell(ctx, act, s.Slack.decided(&se.Quote))
		return http.StatusOK, AlreadyDecided
	case errors.Is(err, errSameApprover):
		s.tell(ctx, act, fmt.Sprintf("You already approved this quote. It needs a second, different approver (amount %s).", q.Amount))
		return http.StatusOK, AlreadyDecided
	case err != nil:
		log.ErrorContext(ctx, "click", "error", err.Error())
		s.tell(ctx, act, "The decision could not be recorded; nothing was changed. Try again.")
		return http.StatusInternalServerError, Failure
	}
	actor := fmt.Sprintf("%s (%s)", act.UserName, act.UserID)
	switch q.State {
	case Expired:
		s.show(ctx, &q, "")
		s.tell(ctx, act, s.Slack.decided(&q))
		s.audit(ctx, &q, actor, "expired", "clicked after the deadline")
		return http.StatusOK, ExpiredNow
	case Rejected:
		s.show(ctx, &q, "")
		s.audit(ctx, &q, actor, "rejected", "")
		s.reply(ctx, &q, fmt.Sprintf("Rejected by <@%s>. Nothing was ordered.", act.UserID))
		return http.StatusOK, RejectedNow
	case Pending:
		s.show(ctx, &q, "")
		s.audit(ctx, &q, actor, "approved", fmt.Sprintf("1 of %d approvals", q.ApprovalsNeeded()))
		return http.StatusOK, FirstApproval
	}
	// Approving: the buttons go first, so the worker's later edits are never overwritten by ours.
	s.show(ctx, &q, "")
	if err := s.Dispatcher.Dispatch(ctx, q.ID); err != nil {
		// The quote stays in approving; the next scan resumes it.
		log.ErrorContext(ctx, "dispatch order", "error", err.Error())
	}
	s.audit(ctx, &q, actor, "approved", fmt.Sprintf("%d of %d approvals; amount %s", len(q.Approvals), q.ApprovalsNeeded(), q.Amount))
	return http.StatusOK, Approved
}

// tell answers the clicking user privately through the click's response_url.
func (s *Service) tell(ctx context.Context, act slackapp.Action, text string) {
	if act.ResponseURL == "" {
		return
	}
	if err := slackapp.Respond(ctx, s.HTTPClient, act.ResponseURL, slackapp.Ephemeral(text)); err != nil {
		s.log().WarnContext(ctx, "ephemeral answer", "quote", act.Value, "error", err.Error())
	}
}
