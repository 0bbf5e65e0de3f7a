package slackapp

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"gopkg.in/yaml.v3"
)

// TestManifest keeps docs/slack-app-manifest.yaml in step with what this package and the notifier
// call: it must decode as a Slack manifest with no unknown keys, grant the scopes the calls need
// and no more, and send clicks over HTTPS rather than Socket Mode.
func TestManifest(t *testing.T) {
	data, err := os.ReadFile("../../docs/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m slack.Manifest
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	// chat.postMessage and chat.update need chat:write; usergroups.users.list (Approvers) needs
	// usergroups:read; the /bsswatch slash command needs commands.
	if got, want := slices.Sorted(slices.Values(m.OAuthConfig.Scopes.Bot)), []string{"chat:write", "commands", "usergroups:read"}; !slices.Equal(got, want) {
		t.Errorf("bot scopes = %q, want %q", got, want)
	}
	if len(m.OAuthConfig.Scopes.User) > 0 {
		t.Errorf("user scopes = %q, want none", m.OAuthConfig.Scopes.User)
	}
	in := m.Settings.Interactivity
	if in == nil || !in.IsEnabled || !strings.HasPrefix(in.RequestUrl, "https://") || !strings.HasSuffix(in.RequestUrl, "/") {
		t.Errorf("interactivity = %+v, want enabled with an https request_url ending in /", in)
	}
	if cmds := m.Features.SlashCommands; len(cmds) != 1 || cmds[0].Command != "/bsswatch" || cmds[0].Url != in.RequestUrl {
		t.Errorf("slash commands = %+v, want /bsswatch sent to the interactivity URL", cmds)
	}
	if m.Settings.SocketModeEnabled {
		t.Error("socket mode is enabled; clicks must reach the Function URL")
	}
	if got, want := []string{m.Display.Name, m.Features.BotUser.DisplayName}, []string{"bsswatch", "bsswatch"}; !slices.Equal(got, want) {
		t.Errorf("names = %q, want %q", got, want)
	}
}
