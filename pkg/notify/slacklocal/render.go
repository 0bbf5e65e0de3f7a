package slacklocal

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

// emoji maps the emoji codes our messages use to characters a terminal shows; other codes stay as
// written.
var emoji = strings.NewReplacer(
	":red_circle:", "🔴", ":warning:", "⚠️", ":information_source:", "ℹ️",
	":white_check_mark:", "✅", ":x:", "❌", ":repeat:", "🔁", ":pencil2:", "✏️",
)

// bold and italic match Slack's mrkdwn emphasis, which a terminal shows as stray characters.
var (
	bold   = regexp.MustCompile(`\*([^*\n]+)\*`)
	italic = regexp.MustCompile(`(^|[\s(])_([^_\n]+)_`)
	strike = regexp.MustCompile(`~([^~\n]+)~`)
)

// unescape undoes the three escapes Slack requires in mrkdwn and plain text.
var unescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// Render returns the message as a person would read it in a terminal: its blocks one after another
// (or its text when it has none), emoji codes shown as characters. A reply in a thread is indented.
func (m Message) Render() string {
	body := RenderBlocks(m.Blocks)
	if body == "" {
		body = text(m.Text) + "\n"
	}
	if m.ThreadTS == "" {
		return body
	}
	lines := strings.SplitAfter(strings.TrimSuffix(body, "\n"), "\n")
	return "    ↳ " + strings.Join(lines, "      ") + "\n"
}

// RenderBlocks returns blocks as plain text, a blank line between sections, mrkdwn emphasis dropped.
// Block types without a text form show as their type in brackets.
func RenderBlocks(blocks slack.Blocks) string {
	var b strings.Builder
	for i, bl := range blocks.BlockSet {
		if _, afterHeader := blocks.BlockSet[max(i-1, 0)].(*slack.HeaderBlock); i > 0 && !afterHeader {
			b.WriteString("\n")
		}
		switch bl := bl.(type) {
		case *slack.HeaderBlock:
			t := textObject(bl.Text)
			fmt.Fprintf(&b, "%s\n%s\n", t, strings.Repeat("=", len([]rune(t))))
		case *slack.SectionBlock:
			if t := textObject(bl.Text); t != "" {
				b.WriteString(t + "\n")
			}
			for _, f := range bl.Fields {
				// Slack shows a field's first line as its label above the value.
				b.WriteString("  " + strings.Replace(textObject(f), "\n", ": ", 1) + "\n")
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range bl.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, textObject(t))
				}
			}
			b.WriteString("  " + strings.Join(parts, " | ") + "\n")
		case *slack.ActionBlock:
			var buttons []string
			if bl.Elements != nil {
				for _, e := range bl.Elements.ElementSet {
					if btn, ok := e.(*slack.ButtonBlockElement); ok {
						buttons = append(buttons, "[ "+textObject(btn.Text)+" ]")
					}
				}
			}
			b.WriteString("  " + strings.Join(buttons, " ") + "\n")
		case *slack.DividerBlock:
			b.WriteString("----\n")
		case *slack.MarkdownBlock:
			b.WriteString(text(bl.Text) + "\n")
		default:
			fmt.Fprintf(&b, "[%s block]\n", bl.BlockType())
		}
	}
	return b.String()
}

func textObject(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	return text(t.Text)
}

func text(s string) string {
	s = italic.ReplaceAllString(bold.ReplaceAllString(strike.ReplaceAllString(s, "$1"), "$1"), "$1$2")
	return emoji.Replace(unescape.Replace(s))
}

// Transcript renders channel ("" for all channels) as a person would scroll it: each top-level message
// as it looks now, followed by its thread replies, oldest first.
func (s *Server) Transcript(channel string) string {
	var b strings.Builder
	for i, m := range s.Messages(channel) {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "#%s  %s", m.Channel, m.TS)
		if m.Edits > 0 {
			fmt.Fprintf(&b, "  (edited %d×)", m.Edits)
		}
		b.WriteString("\n" + m.Render())
		for _, r := range s.Replies(m.Channel, m.TS) {
			b.WriteString(r.Render())
		}
	}
	return b.String()
}
