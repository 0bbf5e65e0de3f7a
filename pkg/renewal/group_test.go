package renewal

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// TestGroupFitsSlack: a full message of quotes, each of ten resources and in every state that shows
// a status or buttons, stays within Slack's 50 blocks, with unique block ids and each pending quote's
// own buttons carrying its id.
func TestGroupFitsSlack(t *testing.T) {
	sl := &Slack{}
	var qs []*Quote
	for i := range QuotesPerMessage {
		q := &Quote{ID: fmt.Sprintf("q%d", i), Account: "acme", PeriodType: bss.Month, PeriodNum: 1,
			Amount: money.MustParse("10", "CNY"), Official: money.MustParse("12", "CNY"), Discount: money.MustParse("2", "CNY"),
			Deadline: anchor, State: Pending, TwoApprovers: true,
			Approvals: []Approval{{UserID: "UADA", At: anchor}}}
		for j := range 10 {
			q.Items = append(q.Items, Item{ID: fmt.Sprintf("r%d-%d", i, j), Name: "ecs", Type: "ECS", Region: "cn-north-4", Expires: anchor})
		}
		qs = append(qs, q)
	}
	_, blocks := sl.renderGroup(qs)
	if len(blocks) > 50 {
		t.Errorf("%d blocks, Slack allows 50", len(blocks))
	}
	ids := map[string]bool{}
	var buttons []string
	for _, b := range blocks {
		id := blockID(b)
		if id != "" && ids[id] {
			t.Errorf("block id %q twice", id)
		}
		ids[id] = true
		if a, ok := b.(*slack.ActionBlock); ok {
			buttons = append(buttons, a.Elements.ElementSet[0].(*slack.ButtonBlockElement).Value)
		}
	}
	if got, want := strings.Join(buttons, ","), "q0,q1,q2,q3,q4,q5,q6,q7"; got != want {
		t.Errorf("buttons carry %s, want %s", got, want)
	}
}

func blockID(b slack.Block) string {
	if a, ok := b.(*slack.ActionBlock); ok {
		return a.BlockID
	}
	return ""
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name    string
		reports []Report
		want    string
	}{
		{"nothing expiring", []Report{{Account: "a"}}, ""},
		{"big partner", []Report{
			{Account: "a", Eligible: 2000, QuotedResources: 1000, Quoted: make([]string, 100), Messages: 13, Held: 950, Refused: make([]string, 50), Lapsed: 7},
			{Account: "b", Eligible: 907, QuotedResources: 204, Quoted: make([]string, 21), Messages: 3, Held: 700, Refused: make([]string, 3)},
			{Account: "c", Err: "bss: forbidden"},
		}, "Renewal scan: 2,907 resources expiring: 1,204 quoted (121 quotes) in 16 messages, 1,650 already in a live quote, 53 refused by BSS, 7 already lapsed; 1 accounts not scanned (ops is told which)."},
		{"only failures: ops hears of them, the channel not every scan", []Report{{Account: "c", Err: "x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summary(tt.reports); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestGroupedQuotesDecideAlone: three quotes of one account share one message; approving one
// renews that one only, redraws the message with the others' buttons intact, and its thread reply
// names the quote.
func TestGroupedQuotesDecideAlone(t *testing.T) {
	e := newEnv(t, envOptions{minEligible: 3, autoPay: true})
	ctx := context.Background()
	var qs []*Quote
	for _, id := range e.eligible[:3] {
		p, err := e.sb.QuoteRenewal(e.customer.CustomerID, []string{id}, int(bss.Month), 1)
		if err != nil {
			t.Fatal(err)
		}
		qid, err := NewID()
		if err != nil {
			t.Fatal(err)
		}
		q := &Quote{ID: qid, Account: "acme", CustomerID: e.customer.DomainID, Items: []Item{{ID: id, Name: id, Expires: anchor.Add(240 * time.Hour)}},
			PeriodType: bss.Month, PeriodNum: 1, Amount: money.New(p.Amount, p.Currency), Official: money.New(p.Official, p.Currency),
			Created: anchor, Deadline: anchor.Add(24 * time.Hour), State: Pending}
		if err := e.store.Create(ctx, q); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	if n := e.svc.postGroups(ctx, qs); n != 1 {
		t.Fatalf("posted %d messages, want 1", n)
	}
	for _, q := range qs {
		if q.Message != qs[0].Message || len(q.Group) != 3 {
			t.Fatalf("quote %s in message %v group %v, want all three in one", q.ID, q.Message, q.Group)
		}
	}
	if _, out := e.click(*qs[1], slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	e.inproc.Wait()
	if q := e.get(qs[1].ID); q.State != Renewed {
		t.Fatalf("approved quote is %s, want renewed", q.State)
	}
	for _, i := range []int{0, 2} {
		if q := e.get(qs[i].ID); q.State != Pending {
			t.Errorf("quote %d is %s, want still pending", i, q.State)
		}
	}
	m, _ := e.slack.Message(qs[0].Message.Channel, qs[0].Message.TS)
	var buttons []string
	for _, b := range m.Blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			buttons = append(buttons, a.Elements.ElementSet[0].(*slack.ButtonBlockElement).Value)
		}
	}
	if got, want := strings.Join(buttons, ","), qs[0].ID+","+qs[2].ID; got != want {
		t.Errorf("buttons left for %s, want %s", got, want)
	}
	if text := e.messageText(*qs[0]); !strings.Contains(text, "Renewed for") {
		t.Errorf("message does not show the renewal:\n%s", text)
	}
	replies := e.slack.Replies(qs[0].Message.Channel, qs[0].Message.TS)
	if len(replies) == 0 || !strings.HasPrefix(replies[len(replies)-1].Text, "Quote "+qs[1].ID+": ") {
		t.Errorf("thread replies %v, want the last to name quote %s", replies, qs[1].ID)
	}
}
