package notify

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// The action ids of the snooze buttons under an alert digest and of the unsnooze button in its thread.
const (
	ActionSnooze   = "alert.snooze"
	ActionUnsnooze = "alert.unsnooze"
)

// BlockSnooze is the block id of the snooze buttons.
const BlockSnooze = "alert.snooze"

// SnoozeFor are the snoozes a digest offers.
var SnoozeFor = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}

// Snooze names what a snooze or unsnooze button acts on: one alert group (a check for an account)
// and, for a snooze, for how long.
type Snooze struct {
	Check, Account string
	For            time.Duration
}

// value is check/account/duration: check and account names never contain "/" (the engine refuses
// them), and the whole stays far under Slack's 2,000 characters.
func (s Snooze) value() string { return s.Check + "/" + s.Account + "/" + s.For.String() }

// ParseSnooze reads a snooze or unsnooze button's value. It errors, without quoting the value, for
// anything a button of SnoozeButtons or UnsnoozeButton would not carry.
func ParseSnooze(value string) (Snooze, error) {
	parts := strings.Split(value, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || len(value) > 2000 {
		return Snooze{}, errors.New("notify: snooze: not a check/account/duration value")
	}
	s := Snooze{Check: parts[0], Account: parts[1]}
	if parts[2] != "" && parts[2] != "0s" {
		d, err := time.ParseDuration(parts[2])
		if err != nil || d <= 0 || d > 31*24*time.Hour {
			return Snooze{}, errors.New("notify: snooze: the duration is not one of a day to a month")
		}
		s.For = d
	}
	return s, nil
}

// SnoozeButtons returns the buttons under a digest: snooze the group's open findings for each of
// SnoozeFor.
func SnoozeButtons(check, account string) *slack.ActionBlock {
	buttons := make([]slack.ButtonBlockElement, len(SnoozeFor))
	for i, d := range SnoozeFor {
		label := "Snooze 1 day"
		if days := int(d / (24 * time.Hour)); days != 1 {
			label = "Snooze " + strconv.Itoa(days) + " days"
		}
		buttons[i] = *slack.NewButtonBlockElement(ActionSnooze, Snooze{check, account, d}.value(),
			slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
	}
	elements := make([]slack.BlockElement, len(buttons))
	for i := range buttons {
		elements[i] = &buttons[i]
	}
	return slack.NewActionBlock(BlockSnooze, elements...)
}

// UnsnoozeButton returns the button a snooze's thread note carries to end it early.
func UnsnoozeButton(check, account string) *slack.ActionBlock {
	b := slack.NewButtonBlockElement(ActionUnsnooze, Snooze{Check: check, Account: account}.value(),
		slack.NewTextBlockObject(slack.PlainTextType, "Unsnooze", false, false))
	return slack.NewActionBlock(BlockSnooze, b)
}
