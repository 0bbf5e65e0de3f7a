package slackapp

import "github.com/slack-go/slack"

// The action ids of the renewal buttons; a click's Action.ActionID is one of them.
const (
	ActionApprove = "renewal.approve"
	ActionReject  = "renewal.reject"
)

// BlockRenewalDecision begins the block id of a quote's Approve/Reject buttons ("renewal.decision.<quote id>").
const BlockRenewalDecision = "renewal.decision"

// ButtonsBlock returns an actions block holding buttons, in order.
func ButtonsBlock(blockID string, buttons ...slack.ButtonBlockElement) *slack.ActionBlock {
	elements := make([]slack.BlockElement, len(buttons))
	for i := range buttons {
		elements[i] = &buttons[i]
	}
	return slack.NewActionBlock(blockID, elements...)
}

// ApproveReject returns the buttons of a renewal quote: Approve (primary, behind a confirmation
// dialog, because it orders and may pay) and Reject (danger). Both carry the quote id as their
// value, which Slack limits to 2000 characters; a quote id is far shorter.
func ApproveReject(quoteID string) *slack.ActionBlock {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	approve := slack.NewButtonBlockElement(ActionApprove, quoteID, plain("Approve")).
		WithStyle(slack.StylePrimary).
		WithConfirm(slack.NewConfirmationBlockObject(
			plain("Renew these resources?"),
			plain("This orders the renewal at the quoted price. It cannot be undone from Slack."),
			plain("Renew"), plain("Cancel")))
	reject := slack.NewButtonBlockElement(ActionReject, quoteID, plain("Reject")).WithStyle(slack.StyleDanger)
	// Block ids are unique within a message, and one message may hold several quotes.
	return ButtonsBlock(BlockRenewalDecision+"."+quoteID, *approve, *reject)
}
