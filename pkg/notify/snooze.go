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

// Snooze names what a snooze or unsnooze button acts on: one alert group (a check for an account),
// or one finding of it (Fingerprint), and, for a snooze, for how long.
type Snooze struct {
	Check, Account string
	For            time.Duration
	Fingerprint    string
}

// value is check/account/duration[/fingerprint]: check and account names never contain "/" (the
// engine refuses them), and a fingerprint is hex.
func (s Snooze) value() string {
	v := s.Check + "/" + s.Account + "/" + s.For.String()
	if s.Fingerprint != "" {
		v += "/" + s.Fingerprint
	}
	return v
}

// maxOptionValue is Slack's limit on an overflow menu option's value.
const maxOptionValue = 150

// ParseSnooze reads a snooze or unsnooze button's value. It errors, without quoting the value, for
// anything a button of SnoozeButtons or UnsnoozeButton would not carry.
func ParseSnooze(value string) (Snooze, error) {
	parts := strings.Split(value, "/")
	if len(parts) < 3 || len(parts) > 4 || parts[0] == "" || parts[1] == "" || len(value) > 2000 {
		return Snooze{}, errors.New("notify: snooze: not a check/account/duration value")
	}
	s := Snooze{Check: parts[0], Account: parts[1]}
	if len(parts) == 4 {
		if !isHex(parts[3]) {
			return Snooze{}, errors.New("notify: snooze: the finding is not a fingerprint")
		}
		s.Fingerprint = parts[3]
	}
	if parts[2] != "" && parts[2] != "0s" {
		d, err := time.ParseDuration(parts[2])
		if err != nil || d <= 0 || d > 31*24*time.Hour {
			return Snooze{}, errors.New("notify: snooze: the duration is not one of a day to a month")
		}
		s.For = d
	}
	return s, nil
}

func isHex(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// snoozeMenu returns the "⋯" menu beside one finding of a digest: snooze that finding alone for
// each of SnoozeFor. It returns nil when the values would not fit Slack's limit.
func snoozeMenu(check, account, fingerprint string) *slack.OverflowBlockElement {
	opts := make([]*slack.OptionBlockObject, len(SnoozeFor))
	for i, d := range SnoozeFor {
		v := Snooze{check, account, d, fingerprint}.value()
		if len(v) > maxOptionValue {
			return nil
		}
		opts[i] = slack.NewOptionBlockObject(v, slack.NewTextBlockObject(slack.PlainTextType, "Snooze this "+label(d), false, false), nil)
	}
	return slack.NewOverflowBlockElement(ActionSnooze, opts...)
}

func label(d time.Duration) string {
	if days := int(d / (24 * time.Hour)); days != 1 {
		return strconv.Itoa(days) + " days"
	}
	return "1 day"
}

// SnoozeButtons returns the buttons under a digest: snooze the group's open findings for each of
// SnoozeFor.
func SnoozeButtons(check, account string) *slack.ActionBlock {
	buttons := make([]slack.ButtonBlockElement, len(SnoozeFor))
	for i, d := range SnoozeFor {
		buttons[i] = *slack.NewButtonBlockElement(ActionSnooze, Snooze{Check: check, Account: account, For: d}.value(),
			slack.NewTextBlockObject(slack.PlainTextType, "Snooze "+label(d), false, false))
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
