package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// Slack is a destination that posts as a Slack app's bot user through the Web API, so that a group's
// message is edited in place as it changes and its history lives in the message's thread.
type Slack struct {
	name    string
	channel string
	token   string
	api     *slack.Client
	set     settings
}

// NewSlack returns a Slack bot destination posting to channel (an id such as C0123, or a name) with a
// bot token (xoxb-...). It errors when a field is empty; the token is checked by Slack on first use.
func NewSlack(name, token, channel string, opts ...Option) (*Slack, error) {
	switch {
	case name == "":
		return nil, errors.New("notify: slack destination needs a name")
	case token == "":
		return nil, fmt.Errorf("notify: slack %s: no bot token", name)
	case channel == "":
		return nil, fmt.Errorf("notify: slack %s: no channel", name)
	}
	s := build(opts)
	api := []slack.Option{slack.OptionHTTPClient(s.client)}
	if s.apiURL != "" {
		api = append(api, slack.OptionAPIURL(strings.TrimSuffix(s.apiURL, "/")+"/"))
	}
	return &Slack{name: name, channel: channel, token: token, api: slack.New(token, api...), set: s}, nil
}

// Name returns the destination's configured name.
func (s *Slack) Name() string { return s.name }

// Send posts msg as a new message when prev is zero and returns its channel id and ts. With prev set,
// it edits that message to msg's blocks and then replies in its thread: the changes for an update, a
// reminder for a repeat, "resolved" for a resolution. If the original was deleted, it posts msg anew
// and returns the new Ref. A 429 is waited out (Retry-After) up to the configured attempts; other Slack
// errors come back wrapped with the destination name and API method, and never contain the token.
// When the edit succeeded but the thread reply did not, Send returns prev together with the error.
func (s *Slack) Send(ctx context.Context, msg Message, prev Ref) (Ref, error) {
	// Open alerts can be snoozed from where they are read; the click goes to the Slack app.
	tail := msg.Kind == KindFiring || msg.Kind == KindUpdate || msg.Kind == KindRepeat
	content := []slack.MsgOption{
		slack.MsgOptionText(fallback(msg), false),
		slack.MsgOptionBlocks(renderBlocks(msg, tail)...),
	}
	// A new message has no thread yet (a group that opens on findings recorded earlier, a destination
	// that never saw the original, an original someone deleted): what changed goes into the message
	// itself, in the one call, so a retry never posts twice.
	fresh := content
	if len(msg.Changes) > 0 {
		fresh = []slack.MsgOption{content[0], slack.MsgOptionBlocks(renderBlocks(msg, tail, changesSection(msg.Changes))...)}
	}
	if prev.IsZero() {
		return s.post(ctx, s.channel, fresh...)
	}
	if prev.Channel == "" {
		prev.Channel = s.channel
	}
	err := s.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, prev.Channel, prev.TS, content...)
		return err
	})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "message_not_found" {
		// Someone deleted the original; a fresh message keeps the group visible.
		return s.post(ctx, s.channel, fresh...)
	}
	if err != nil {
		return prev, err
	}
	if reply := threadReply(msg); reply != "" {
		if _, err := s.post(ctx, prev.Channel, slack.MsgOptionTS(prev.TS), slack.MsgOptionText(reply, false)); err != nil {
			return prev, err
		}
	}
	return prev, nil
}

// Post sends a message of the caller's own (a renewal quote, an answer) to the destination's channel
// and returns where it lives. Like Send it waits out 429s and never puts the token in an error.
func (s *Slack) Post(ctx context.Context, text string, blocks []slack.Block) (Ref, error) {
	return s.post(ctx, s.channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
}

// Update replaces the text and blocks of a message that Post returned.
func (s *Slack) Update(ctx context.Context, ref Ref, text string, blocks []slack.Block) error {
	if ref.IsZero() {
		return fmt.Errorf("notify: slack %s: chat.update: no message to update", s.name)
	}
	return s.call(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := s.api.UpdateMessageContext(ctx, ref.Channel, ref.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		return err
	})
}

// Reply posts text (and blocks, if any: buttons) in the thread of ref; a zero ref has no thread and
// is left alone.
func (s *Slack) Reply(ctx context.Context, ref Ref, text string, blocks ...slack.Block) error {
	if ref.IsZero() {
		return nil
	}
	opts := []slack.MsgOption{slack.MsgOptionTS(ref.TS), slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	_, err := s.post(ctx, ref.Channel, opts...)
	return err
}

// GroupMembers lists the user ids of a user group (usergroups.users.list, scope usergroups:read).
func (s *Slack) GroupMembers(ctx context.Context, group string) ([]string, error) {
	var members []string
	err := s.call(ctx, "usergroups.users.list", func(ctx context.Context) error {
		var err error
		members, err = s.api.GetUserGroupMembersContext(ctx, group)
		return err
	})
	return members, err
}

func (s *Slack) post(ctx context.Context, channel string, opts ...slack.MsgOption) (Ref, error) {
	var ref Ref
	err := s.call(ctx, "chat.postMessage", func(ctx context.Context) error {
		ch, ts, err := s.api.PostMessageContext(ctx, channel, opts...)
		ref = Ref{Channel: ch, TS: ts}
		return err
	})
	if err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// call runs one Web API call, waiting out 429s, and wraps its error with the destination and method.
func (s *Slack) call(ctx context.Context, method string, fn func(context.Context) error) error {
	err := retryRateLimited(ctx, s.set, fn)
	if err == nil {
		return nil
	}
	return fmt.Errorf("notify: slack %s: %s: %w", s.name, method, redact(err, "[token]", s.token))
}

// retryRateLimited calls fn until it succeeds, fails with anything but slack-go's RateLimitedError,
// runs out of attempts, or is asked to wait longer than allowed. Slack answers 429 with Retry-After in
// whole seconds, per method and workspace (https://docs.slack.dev/apis/web-api/rate-limits).
func retryRateLimited(ctx context.Context, set settings, fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, set.attemptTimeout)
		err := fn(actx)
		cancel()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		switch {
		case attempt >= set.attempts:
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		case rl.RetryAfter > set.maxRetryAfter:
			return fmt.Errorf("%w (longer than the %s we wait)", err, set.maxRetryAfter)
		}
		if werr := set.waitFor(ctx, rl.RetryAfter); werr != nil {
			return fmt.Errorf("%w (%w)", err, werr)
		}
	}
}

// threadReply is what goes into the original message's thread for msg, or "" for nothing.
func threadReply(msg Message) string {
	var head string
	switch msg.Kind {
	case KindResolved, KindCheckRecovered:
		head = ":white_check_mark: Resolved"
		if msg.Kind == KindCheckRecovered {
			head = ":white_check_mark: Recovered"
		}
		if !msg.At.IsZero() {
			head += " at " + msg.At.Format("2006-01-02 15:04 MST")
		}
		head += "."
	case KindRepeat:
		head = ":repeat: Still firing: " + slackEscape.Replace(msg.Summary)
	default:
		if len(msg.Changes) == 0 {
			return ""
		}
		head = ":pencil2: Changes:"
	}
	if len(msg.Changes) == 0 {
		return head
	}
	return head + "\n" + bullets(msg.Changes)
}
