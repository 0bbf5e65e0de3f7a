package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// playConsole uses Slack as a console, through the function URL's handler as Slack calls it: a
// /bsswatch balance answer, a Snooze click on the partner's digest, and a day later the reminder that
// only the digest nobody snoozed gets.
func (d *demo) playConsole(ctx context.Context, w io.Writer, channel string) error {
	svc, inproc, err := renewalapp.Local(d.app)
	if err != nil {
		return err
	}
	defer inproc.Wait()
	handler := renewalapp.Handler(d.app, svc, nil)
	post := func(body []byte) (events.LambdaFunctionURLResponse, error) {
		raw, err := json.Marshal(slackapp.FunctionURLRequest(slackapp.Sign(demoSigning, d.now.Now(), body), body))
		if err != nil {
			return events.LambdaFunctionURLResponse{}, err
		}
		out, err := handler(ctx, raw)
		resp, _ := out.(events.LambdaFunctionURLResponse)
		return resp, err
	}

	fmt.Fprintf(w, "\n▶ %s types /bsswatch balance: answered privately from the state store, no call to BSS\n", demoApprover)
	calls := d.box.Calls()
	body := []byte(url.Values{"command": {"/bsswatch"}, "text": {"balance"}, "user_id": {demoApprover}, "team_id": {d.cfg.SlackApp.TeamID},
		"api_app_id": {d.cfg.SlackApp.AppID}, "channel_id": {channel}, "response_url": {d.slack.WebhookURL()}}.Encode())
	resp, err := post(body)
	if err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("/bsswatch balance: HTTP %d, %v", resp.StatusCode, err)
	}
	var answer struct{ Text string }
	if err := json.Unmarshal([]byte(resp.Body), &answer); err != nil || !strings.Contains(answer.Text, "open*") {
		return fmt.Errorf("/bsswatch balance answered %q", resp.Body)
	}
	lines := strings.Split(answer.Text, "\n")
	for i, l := range lines {
		if i == 6 {
			fmt.Fprintf(w, "    … %d more lines\n", len(lines)-i)
			break
		}
		fmt.Fprintln(w, "    "+l)
	}
	for api, n := range d.box.Calls() {
		if calls[api] != n {
			return fmt.Errorf("/bsswatch balance called %s", api)
		}
	}

	digest, value, err := snoozable(d.slack.Messages(channel), "partner-cn")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n▶ %s clicks \"Snooze 7 days\" on the partner's digest\n", demoApprover)
	click := slackapp.Action{ActionID: notify.ActionSnooze, Value: value, UserID: demoApprover, UserName: "finance-lead",
		TeamID: d.cfg.SlackApp.TeamID, APIAppID: d.cfg.SlackApp.AppID, ChannelID: digest.Channel, MessageTS: digest.TS,
		ResponseURL: d.slack.WebhookURL(), ActionTS: fmt.Sprintf("%d.000200", d.now.Now().Unix())}
	if resp, err := post(slackapp.Body(click)); err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("snooze click: HTTP %d, %v", resp.StatusCode, err)
	}
	replies := d.slack.Replies(digest.Channel, digest.TS)
	if len(replies) == 0 || !strings.Contains(replies[len(replies)-1].Text, "Snoozed by") {
		return errors.New("the snooze left no note in the digest's thread")
	}
	fmt.Fprintf(w, "\n  #%s  (reply in the digest's thread)\n", channel)
	printPlain(w, replies[len(replies)-1])

	d.now.advance(25 * time.Hour)
	fmt.Fprintf(w, "\n▶ balance-alert at %s, a day later: past the 24h repeat interval\n", d.clock())
	res, evs, err := d.invoke(ctx)
	if err != nil {
		return err
	}
	d.summary(w, res, evs)
	for _, e := range evs {
		if e.Message.ThreadTS == digest.TS || e.Message.TS == digest.TS {
			return errors.New("the snoozed digest was reminded")
		}
	}
	fmt.Fprintf(w, "  the snoozed partner digest stays quiet; %d reminder call(s) went to the digest nobody snoozed\n", len(evs))
	return nil
}

// snoozable finds the digest of account in messages and the value of its "Snooze 7 days" button.
func snoozable(messages []slacklocal.Message, account string) (slacklocal.Message, string, error) {
	for _, m := range messages {
		if !strings.Contains(m.Render(), "account "+account) {
			continue
		}
		for _, b := range m.Blocks.BlockSet {
			a, ok := b.(*slack.ActionBlock)
			if !ok || a.Elements == nil {
				continue
			}
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == notify.ActionSnooze && btn.Text.Text == "Snooze 7 days" {
					return m, btn.Value, nil
				}
			}
		}
	}
	return slacklocal.Message{}, "", fmt.Errorf("no digest of %s with a snooze button", account)
}
