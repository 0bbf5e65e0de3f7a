package notify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestRenderBlocksStaysWithinSlackLimits(t *testing.T) {
	tests := []struct {
		name      string
		items     int
		extra     []string
		wantBlock int
		wantMore  string // "" when every item fits
	}{
		{"few items", 3, nil, 1 + 1 + 3 + 1, ""},
		{"exactly full", 47, nil, 50, ""},
		{"one too many", 48, nil, 50, "…and 2 more"},
		{"many with extra sections", 300, []string{"changes", "reminder"}, 50, "…and 256 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := Message{Title: "t", Summary: "s", Check: "coupons", Account: "a"}
			for i := range tt.items {
				msg.Items = append(msg.Items, Item{Title: fmt.Sprintf("item %d", i), Severity: Severity(i % 3)})
			}
			blocks := renderBlocks(msg, false, tt.extra...)
			if len(blocks) != tt.wantBlock {
				t.Errorf("got %d blocks, want %d", len(blocks), tt.wantBlock)
			}
			if _, ok := blocks[len(blocks)-1].(*slack.ContextBlock); !ok {
				t.Errorf("last block is %T, want the context block", blocks[len(blocks)-1])
			}
			last := blocks[len(blocks)-2].(*slack.SectionBlock).Text.Text
			if tt.wantMore != "" && last != tt.wantMore {
				t.Errorf("last section = %q, want %q", last, tt.wantMore)
			}
			if tt.wantMore == "" && strings.HasPrefix(last, "…and") {
				t.Errorf("last section = %q, want an item", last)
			}
		})
	}
}

func TestRenderBlocksOrdersWorstFirstAndEscapes(t *testing.T) {
	msg := Message{Kind: KindFiring, Severity: Warning, Title: strings.Repeat("x", 200), Summary: "a <@U123> & b",
		Items: []Item{
			{Title: "info", Severity: Info},
			{Title: "warn 1", Severity: Warning},
			{Title: "crit", Severity: Critical},
			{Title: "warn 2", Severity: Warning},
		}}
	blocks := renderBlocks(msg, false)
	header := blocks[0].(*slack.HeaderBlock).Text.Text
	if n := len([]rune(header)); n != maxHeaderRunes || !strings.HasSuffix(header, "…") || !strings.HasPrefix(header, ":warning: ") {
		t.Errorf("header = %q (%d runes), want the warning emoji, cut to %d runes with …", header, n, maxHeaderRunes)
	}
	if got, want := blocks[1].(*slack.SectionBlock).Text.Text, "a &lt;@U123&gt; &amp; b"; got != want {
		t.Errorf("summary = %q, want %q (a mention must not ping)", got, want)
	}
	var order []string
	for _, b := range blocks[2:6] {
		line, _, _ := strings.Cut(b.(*slack.SectionBlock).Text.Text, "\n")
		order = append(order, line)
	}
	want := []string{":red_circle: *crit*", ":warning: *warn 1*", ":warning: *warn 2*", ":information_source: *info*"}
	if strings.Join(order, "|") != strings.Join(want, "|") {
		t.Errorf("items = %q, want %q", order, want)
	}
}

func TestRenderBlocksShowsNotesUnderTheSummary(t *testing.T) {
	msg := Message{Title: "t", Summary: "2 coupons: 2 warning", Notes: []string{"¥1.00 in 1 coupon <x>", "¥2.00 in 1 test coupon"}}
	blocks := renderBlocks(msg, false)
	got := blocks[2].(*slack.SectionBlock).Text.Text
	if want := "¥1.00 in 1 coupon &lt;x&gt;\n¥2.00 in 1 test coupon"; got != want {
		t.Errorf("notes section = %q, want %q", got, want)
	}
	if n := len(renderBlocks(Message{Title: "t", Summary: "s"}, false)); n != len(blocks)-1 {
		t.Errorf("a message without notes has %d blocks, want %d", n, len(blocks)-1)
	}
}

func TestRenderBlocksKeepsRoomForButtons(t *testing.T) {
	msg := Message{Kind: KindFiring, Title: "t", Summary: "s", Check: "balance", Account: "a"}
	for i := range 300 {
		msg.Items = append(msg.Items, Item{Title: fmt.Sprintf("item %d", i)})
	}
	blocks := renderBlocks(msg, true)
	if len(blocks) != maxBlocks {
		t.Errorf("got %d blocks, want %d", len(blocks), maxBlocks)
	}
	if _, ok := blocks[len(blocks)-1].(*slack.ActionBlock); !ok {
		t.Errorf("last block is %T, want the buttons", blocks[len(blocks)-1])
	}
	if more := blocks[len(blocks)-3].(*slack.SectionBlock).Text.Text; !strings.HasPrefix(more, "…and ") {
		t.Errorf("the section before the context is %q, want the count of items not shown", more)
	}
}
