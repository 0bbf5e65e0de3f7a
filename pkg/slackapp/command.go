package slackapp

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
)

// Command is a slash command as Slack posts it (application/x-www-form-urlencoded), split into its
// subcommand and arguments: "/bsswatch balance acme" is Sub "balance", Args ["acme"].
type Command struct {
	Command     string
	Sub         string
	Args        []string
	UserID      string
	TeamID      string
	APIAppID    string
	ChannelID   string
	ResponseURL string
}

// maxCommandBody bounds a slash command's body: Slack's fields are short, the text at most 4,000
// characters.
const maxCommandBody = 16 << 10

// ParseCommand reads a slash command's body (already verified) through slack-go. It returns an error
// that does not quote the body when the body is not a form, is too large, or lacks the command, the
// user or the team.
func ParseCommand(body []byte) (Command, error) {
	if len(body) > maxCommandBody {
		return Command{}, fmt.Errorf("slackapp: slash command body of %d bytes, over %d", len(body), maxCommandBody)
	}
	r, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return Command{}, errors.New("slackapp: slash command: unreadable body")
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s, err := slack.SlashCommandParse(r)
	if err != nil {
		return Command{}, errors.New("slackapp: slash command: the body is not a form")
	}
	if s.Command == "" || s.UserID == "" || s.TeamID == "" {
		return Command{}, errors.New("slackapp: slash command: command, user_id or team_id is missing")
	}
	c := Command{Command: s.Command, UserID: s.UserID, TeamID: s.TeamID, APIAppID: s.APIAppID, ChannelID: s.ChannelID, ResponseURL: s.ResponseURL}
	if f := strings.Fields(s.Text); len(f) > 0 {
		c.Sub, c.Args = strings.ToLower(f[0]), f[1:]
	}
	return c, nil
}

// IsCommand reports whether a body is a slash command (a form with a command field) rather than an
// interaction (a form with a payload field).
func IsCommand(body []byte) bool {
	v, err := url.ParseQuery(string(body))
	return err == nil && v.Has("command") && !v.Has("payload")
}
