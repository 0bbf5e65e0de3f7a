package notify

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks): a message holds at
// most 50 blocks, a header 150 characters, a section's text 3000.
const (
	maxBlocks      = 50
	maxHeaderRunes = 150
	maxTextRunes   = 3000
	// maxReplyLines bounds the change lines in one thread reply so a large digest stays readable.
	maxReplyLines = 20
)

var severityEmoji = map[Severity]string{
	Info:     ":information_source:",
	Warning:  ":warning:",
	Critical: ":red_circle:",
}

// slackEscape escapes the three characters Slack reserves for links and mentions in mrkdwn and in the
// fallback text; BSS names can contain them.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes text from BSS or people safe to put in Slack mrkdwn: no accidental links or mentions.
func Escape(text string) string { return slackEscape.Replace(text) }

// renderBlocks renders msg as Block Kit: a header with the severity emoji and title, the summary and
// its notes, extra sections (changes, reminders) when the destination cannot use threads, one section per item
// worst first, and a context line with check, account and time. Items beyond Slack's 50-block limit
// are counted in an "…and N more" line. With snooze, the digest ends with Snooze buttons (within the
// limit) and each open finding has a menu to snooze it alone.
func renderBlocks(msg Message, snooze bool, extra ...string) []slack.Block {
	var tail []slack.Block
	if snooze {
		tail = []slack.Block{SnoozeButtons(msg.Check, msg.Account)}
	}
	title := msg.Title
	emoji := severityEmoji[msg.Severity]
	switch msg.Kind {
	case KindResolved:
		emoji, title = ":white_check_mark:", "Resolved: "+title
	case KindCheckFailed:
		emoji = ":x:"
	case KindCheckRecovered:
		emoji = ":white_check_mark:"
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType,
			truncate(emoji+" "+title, maxHeaderRunes), true, false)),
	}
	if msg.Summary != "" {
		blocks = append(blocks, section(slackEscape.Replace(msg.Summary)))
	}
	if len(msg.Notes) > 0 {
		blocks = append(blocks, section(slackEscape.Replace(strings.Join(msg.Notes, "\n"))))
	}
	for _, e := range extra {
		blocks = append(blocks, section(e))
	}

	items := slices.Clone(msg.Items)
	slices.SortStableFunc(items, func(a, b Item) int { return cmp.Compare(b.Severity, a.Severity) })
	room := maxBlocks - len(blocks) - 1 - len(tail) // the context block (and tail) close the message
	shown := items
	if len(items) > room {
		shown = items[:room-1] // one block goes to the "…and N more" line
	}
	for _, it := range shown {
		sec := section(itemText(it))
		if snooze && it.Status != "resolved" && it.Fingerprint != "" {
			if menu := snoozeMenu(msg.Check, msg.Account, it.Fingerprint); menu != nil {
				sec.Accessory = slack.NewAccessory(menu)
			}
		}
		blocks = append(blocks, sec)
	}
	if n := len(items) - len(shown); n > 0 {
		blocks = append(blocks, section(fmt.Sprintf("…and %d more", n)))
	}

	ctx := fmt.Sprintf("check *%s* · account *%s*", slackEscape.Replace(msg.Check), slackEscape.Replace(msg.Account))
	if !msg.At.IsZero() {
		ctx += " · " + msg.At.Format("2006-01-02 15:04 MST")
	}
	blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, ctx, false, false)))
	return append(blocks, tail...)
}

func itemText(it Item) string {
	emoji := severityEmoji[it.Severity]
	title := "*" + slackEscape.Replace(it.Title) + "*"
	if it.Status == "resolved" {
		emoji, title = ":white_check_mark:", "~"+slackEscape.Replace(it.Title)+"~"
	}
	var b strings.Builder
	b.WriteString(emoji + " " + title)
	if it.Status == "new" || it.Status == "changed" {
		b.WriteString(" _(" + it.Status + ")_")
	}
	if it.Text != "" {
		b.WriteString("\n" + slackEscape.Replace(it.Text))
	}
	for _, f := range it.Fields {
		b.WriteString("\n" + slackEscape.Replace(f.Name) + ": " + slackEscape.Replace(f.Value))
	}
	return b.String()
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(text, maxTextRunes), false, false), nil, nil)
}

// changesSection is the "Changes" block of a message that cannot say them in a thread.
func changesSection(lines []string) string { return "*Changes*\n" + bullets(lines) }

// bullets renders lines as a bulleted list of at most maxReplyLines, counting the rest.
func bullets(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i == maxReplyLines {
			fmt.Fprintf(&b, "\n…and %d more", len(lines)-i)
			break
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("• " + slackEscape.Replace(l))
	}
	return b.String()
}

// fallback is the message's plain text: what Slack shows in notifications and to clients without
// Block Kit.
func fallback(msg Message) string {
	s := msg.Summary
	if s == "" {
		s = msg.Title
	}
	if msg.Kind == KindResolved {
		s = "Resolved: " + s
	}
	return slackEscape.Replace(s)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
