package renewalapp

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// isSnooze reports whether a body is a click on a snooze or unsnooze button. It only routes: the
// request is verified by the handler it is routed to.
func isSnooze(body []byte) bool {
	act, err := slackapp.ParseAction(body)
	return err == nil && (act.ActionID == notify.ActionSnooze || act.ActionID == notify.ActionUnsnooze)
}

// snoozeClick answers a click on a digest's Snooze buttons or a snooze note's Unsnooze button. It is
// verified exactly like a renewal click (signature within the window, workspace and app), and only
// the snoozers (approvals.snoozers, or else the approvers) may act; the snooze is recorded in the
// state store with who, when and until, and the digest's thread says so, with an Unsnooze button.
// Anything refused changes nothing.
func snoozeClick(ctx context.Context, a *app.App, svc *renewal.Service, h http.Header, body []byte) int {
	if err := svc.Verifier.Verify(h, body); err != nil {
		a.Log.WarnContext(ctx, "snooze refused", "reason", err.Error())
		return http.StatusUnauthorized
	}
	act, err := slackapp.ParseAction(body)
	if err != nil {
		a.Log.WarnContext(ctx, "snooze refused", "reason", err.Error())
		return http.StatusBadRequest
	}
	if act.TeamID != svc.TeamID || act.APIAppID != svc.AppID {
		a.Log.WarnContext(ctx, "snooze refused", "reason", "foreign team or app", "team", act.TeamID)
		return http.StatusForbidden
	}
	z, err := notify.ParseSnooze(act.Value)
	if _, known := a.Config.Profiles[z.Account]; err != nil || !slices.Contains(check.Names(), z.Check) || !known {
		a.Log.WarnContext(ctx, "snooze refused", "reason", "not a snooze of a configured check and account")
		return http.StatusBadRequest
	}
	who := svc.Approvers
	if s := a.Config.Approvals.Snoozers; len(s) > 0 {
		who = &slackapp.Approvers{Users: s}
	}
	ok, err := who.Allowed(ctx, act.UserID)
	if err != nil || !ok {
		a.Log.WarnContext(ctx, "snooze by someone not allowed", "user", act.UserID)
		tell(ctx, a, act, "You may not snooze bsswatch alerts; nothing was changed.")
		return http.StatusOK
	}
	thread := notify.Ref{Channel: act.ChannelID, TS: act.MessageTS}
	now := a.Now()
	var note string
	var buttons []slack.Block
	if act.ActionID == notify.ActionUnsnooze {
		n, err := alert.Unsnooze(ctx, a.Store, z.Check, z.Account)
		if err != nil {
			a.Log.ErrorContext(ctx, "unsnooze", "error", err.Error())
			return http.StatusInternalServerError
		}
		note = fmt.Sprintf(":alarm_clock: Unsnoozed by <@%s> (%d snooze(s) ended): reminders are back.", act.UserID, n)
	} else {
		until := now.Add(z.For)
		n, err := alert.Snooze(ctx, a.Store, z.Check, z.Account, z.Fingerprint, act.UserID, now, until)
		if err != nil {
			a.Log.ErrorContext(ctx, "snooze", "error", err.Error())
			return http.StatusInternalServerError
		}
		if n == 0 {
			tell(ctx, a, act, "That is no longer open; nothing to snooze.")
			return http.StatusOK
		}
		note = fmt.Sprintf(":zzz: Snoozed by <@%s> until %s: %d finding(s) will not be reminded; one that gets worse is told at once.",
			act.UserID, until.In(loc(a)).Format("2006-01-02 15:04 MST"), n)
		buttons = []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, note, false, false), nil, nil),
			notify.UnsnoozeButton(z.Check, z.Account)}
	}
	a.Log.InfoContext(ctx, "snooze", "check", z.Check, "account", z.Account, "user", act.UserID, "action", act.ActionID, "for", z.For.String())
	if err := svc.Slack.Out.Reply(ctx, thread, note, buttons...); err != nil {
		a.Log.WarnContext(ctx, "snooze note", "error", err.Error())
	}
	return http.StatusOK
}

func loc(a *app.App) *time.Location {
	if a.Config.Location != nil {
		return a.Config.Location
	}
	return time.UTC
}

// tell answers the clicker privately through the click's response_url.
func tell(ctx context.Context, a *app.App, act slackapp.Action, text string) {
	if err := slackapp.Respond(ctx, a.HTTPClient(), act.ResponseURL, slackapp.Ephemeral(text)); err != nil {
		a.Log.WarnContext(ctx, "answer the click", "error", err.Error())
	}
}
