package notify_test

import (
	"context"
	"fmt"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

// A group's first message is posted; its update edits that message and lists the changes in its
// thread.
func ExampleSlack() {
	srv := slacklocal.New()
	defer srv.Close()
	slackDest, err := notify.NewSlack("alerts", "xoxb-example", "C0ALERTS", notify.WithAPIURL(srv.APIURL()))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	msg := notify.Message{ID: "1", Kind: notify.KindFiring, Check: "balance", Account: "partner-cn",
		Severity: notify.Warning, Title: "Balance low", Summary: "Acme is below ¥1,000.00",
		Items: []notify.Item{{Severity: notify.Warning, Status: "new", Title: "Acme",
			Fields: []notify.Field{{Name: "Balance", Value: "¥800.00"}}}}}
	first, err := slackDest.Send(ctx, msg, notify.Ref{})
	if err != nil {
		fmt.Println(err)
		return
	}

	msg.ID, msg.Kind, msg.Severity = "2", notify.KindUpdate, notify.Critical
	msg.Summary = "Acme is below ¥200.00"
	msg.Items[0] = notify.Item{Severity: notify.Critical, Status: "changed", Title: "Acme",
		Fields: []notify.Field{{Name: "Balance", Value: "¥150.00"}}}
	msg.Changes = []string{"Acme: warning -> critical (¥150.00)"}
	if _, err := slackDest.Send(ctx, msg, first); err != nil {
		fmt.Println(err)
		return
	}

	for _, m := range srv.Messages("") {
		fmt.Print(m.Render())
		for _, r := range srv.Replies(m.Channel, m.TS) {
			fmt.Print(r.Render())
		}
	}
	// Output:
	// 🔴 Balance low
	// =============
	// Acme is below ¥200.00
	//
	// 🔴 Acme (changed)
	// Balance: ¥150.00
	//
	//   check balance · account partner-cn
	//
	//   [ Snooze 1 day ] [ Snooze 7 days ]
	//     ↳ ✏️ Changes:
	//       • Acme: warning -> critical (¥150.00)
}
