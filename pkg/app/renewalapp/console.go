package renewalapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// consoleLines bounds an answer; the rest is counted.
const consoleLines = 30

// watches maps the /bsswatch subcommands that list open findings to their checks.
var watches = map[string]string{"balance": check.Balance, "coupons": check.Coupon, "invoices": check.Invoice}

const consoleHelp = "*/bsswatch* answers only you, from what bsswatch last saw (no call to Huawei Cloud):\n" +
	"• `/bsswatch balance [customer]`: low balances open now, optionally of one customer (name or id)\n" +
	"• `/bsswatch coupons`: coupons and coupon quotas about to expire unused\n" +
	"• `/bsswatch invoices`: the invoice requests still open, with their state\n" +
	"• `/bsswatch renewals`: renewal quotes waiting for a decision\n" +
	"• `/bsswatch status`: the last run of each check, the checks that cannot run, and snoozes\n" +
	"• `/bsswatch help`: this text"

// command answers a /bsswatch slash command, privately and at once: Slack's signature and the
// workspace and app are verified exactly as for button clicks, and the answer is read from the state
// store. A request that does not verify gets 401 and reads nothing.
func command(ctx context.Context, a *app.App, svc *renewal.Service, h http.Header, body []byte) (int, string) {
	if err := svc.Verifier.Verify(h, body); err != nil {
		a.Log.WarnContext(ctx, "command refused", "reason", err.Error())
		return http.StatusUnauthorized, ""
	}
	c, err := slackapp.ParseCommand(body)
	if err != nil {
		a.Log.WarnContext(ctx, "command refused", "reason", err.Error())
		return http.StatusBadRequest, ""
	}
	if c.TeamID != svc.TeamID || (c.APIAppID != "" && c.APIAppID != svc.AppID) {
		a.Log.WarnContext(ctx, "command refused", "reason", "another workspace or app", "team", c.TeamID)
		return http.StatusOK, ephemeral("bsswatch answers only in the workspace it is configured for.")
	}
	a.Log.InfoContext(ctx, "command", "user", c.UserID, "sub", c.Sub)
	var text string
	switch name, ok := watches[c.Sub]; {
	case ok:
		text, err = openFindings(ctx, a, name, strings.Join(c.Args, " "))
	case c.Sub == "renewals":
		text, err = pendingQuotes(ctx, svc)
	case c.Sub == "status":
		text, err = status(ctx, a)
	default:
		text = consoleHelp
		if c.Sub != "" && c.Sub != "help" {
			text = fmt.Sprintf("I don't know `%s`.\n", notify.Escape(c.Sub)) + text
		}
	}
	if err != nil {
		a.Log.WarnContext(ctx, "command", "sub", c.Sub, "error", err.Error())
		text = "bsswatch could not read its state just now; try again in a minute."
	}
	return http.StatusOK, ephemeral(text)
}

func ephemeral(text string) string {
	b, _ := json.Marshal(map[string]string{"response_type": "ephemeral", "text": text})
	return string(b)
}

// accounts lists the configured profiles, in name order: the accounts a check may have groups for.
func accounts(a *app.App) []string { return slices.Sorted(maps.Keys(a.Config.Profiles)) }

// openFindings lists the findings of name open in any account, those of one customer when filter is
// set (matched against title and subject, ignoring case).
func openFindings(ctx context.Context, a *app.App, name, filter string) (string, error) {
	var lines []string
	for _, acct := range accounts(a) {
		st, err := alert.ReadStatus(ctx, a.Store, name, acct, a.Now())
		if err != nil {
			return "", err
		}
		for _, f := range st.Findings {
			if filter != "" && !strings.Contains(strings.ToLower(f.Title+" "+f.Subject), strings.ToLower(filter)) {
				continue
			}
			lines = append(lines, fmt.Sprintf("%s %s · %s · %s", icon(f.Severity), f.Severity, notify.Escape(f.Title), acct))
		}
	}
	if len(lines) == 0 {
		if filter != "" {
			return fmt.Sprintf("Nothing open for %q in the %s check.", filter, name), nil
		}
		return fmt.Sprintf("Nothing open in the %s check.", name), nil
	}
	return fmt.Sprintf("*%s: %d open*\n", name, len(lines)) + clip(lines), nil
}

func icon(s notify.Severity) string {
	switch s {
	case notify.Critical:
		return ":red_circle:"
	case notify.Warning:
		return ":large_orange_circle:"
	}
	return ":large_blue_circle:"
}

// pendingQuotes lists the quotes of every renewal account that wait for a decision or are being
// ordered, from the accounts' resource holds.
func pendingQuotes(ctx context.Context, svc *renewal.Service) (string, error) {
	var lines []string
	for _, acct := range slices.Sorted(maps.Keys(svc.Accounts)) {
		holds, err := svc.Store.Holds(ctx, acct)
		if err != nil {
			return "", err
		}
		seen := map[string]bool{}
		for _, id := range slices.Sorted(maps.Values(holds)) {
			if seen[id] {
				continue
			}
			seen[id] = true
			q, err := svc.Store.Get(ctx, id)
			if errors.Is(err, renewal.ErrNotFound) {
				continue
			}
			if err != nil {
				return "", err
			}
			if !q.State.Live() {
				continue
			}
			lines = append(lines, fmt.Sprintf("• %s: %d resource(s), %s, %s, decide by %s", acct, len(q.Items), q.Amount, q.State,
				q.Deadline.UTC().Format("2006-01-02 15:04 UTC")))
		}
	}
	if len(lines) == 0 {
		return "No renewal quote is waiting.", nil
	}
	return fmt.Sprintf("*renewal quotes: %d open*\n", len(lines)) + clip(lines), nil
}

// status tells, per configured check, when it last ran and with what, and which accounts it cannot
// (fully) check right now.
func status(ctx context.Context, a *app.App) (string, error) {
	runs, err := a.LastRuns(ctx)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, name := range a.Configured() {
		r, ok := runs[name]
		if !ok {
			lines = append(lines, fmt.Sprintf("*%s*: has not run yet", name))
		} else {
			lines = append(lines, fmt.Sprintf("*%s*: last run %s, %d account(s), %d finding(s), %d account(s) not fully checked",
				name, r.At.UTC().Format("2006-01-02 15:04 UTC"), r.Accounts, r.Findings, len(r.CheckErrors)))
		}
		for _, acct := range accounts(a) {
			st, err := alert.ReadStatus(ctx, a.Store, name, acct, a.Now())
			if err != nil {
				return "", err
			}
			if st.Failing {
				lines = append(lines, fmt.Sprintf("    :x: %s failing since %s: %s", acct, st.FailingSince.UTC().Format(time.DateTime), notify.Escape(st.FailureReason)))
			}
			for _, z := range st.Snoozes {
				lines = append(lines, fmt.Sprintf("    :zzz: %s: %d finding(s) snoozed by <@%s> until %s", acct, z.Findings, z.By, z.Until.UTC().Format("2006-01-02 15:04 UTC")))
			}
		}
	}
	return clip(lines), nil
}

func clip(lines []string) string {
	if len(lines) > consoleLines {
		lines = append(lines[:consoleLines], fmt.Sprintf("… and %d more", len(lines)-consoleLines))
	}
	return strings.Join(lines, "\n")
}
