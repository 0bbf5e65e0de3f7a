package slackapp_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// A click reaches the Function URL with lower-case headers and a base64 body; it is trusted only
// after Verify, and only then parsed.
func Example() {
	now := time.Date(2026, 11, 21, 8, 0, 42, 0, time.UTC)
	payload := `{"type":"block_actions","user":{"id":"U0123ABCD","name":"li.wei"},"team":{"id":"T0123ABCD"},` +
		`"api_app_id":"A0123ABCD","container":{"type":"message","channel_id":"C0123ABCD","message_ts":"1763712000.000100"},` +
		`"response_url":"https://hooks.slack.com/actions/T0123ABCD/1/secret-part",` +
		`"actions":[{"type":"button","block_id":"renewal.decision","action_id":"renewal.approve","value":"q_7Hc2kW9xQm4L"}]}`
	body := []byte(url.Values{"payload": {payload}}.Encode())
	signed := slackapp.Sign("signing-secret", now, body)
	ev := events.LambdaFunctionURLRequest{
		Headers: map[string]string{
			"x-slack-request-timestamp": signed.Get(slackapp.HeaderTimestamp),
			"x-slack-signature":         signed.Get(slackapp.HeaderSignature),
		},
		Body:            base64.StdEncoding.EncodeToString(body),
		IsBase64Encoded: true,
	}

	h, raw, err := slackapp.FromFunctionURL(ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	v := slackapp.Verifier{SigningSecret: "signing-secret", Now: func() time.Time { return now }}
	if err := v.Verify(h, raw); err != nil {
		fmt.Println(err)
		return
	}
	a, err := slackapp.ParseAction(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a)

	// The same request ten minutes later is a replay.
	late := slackapp.Verifier{SigningSecret: "signing-secret", Now: func() time.Time { return now.Add(10 * time.Minute) }}
	fmt.Println(errors.Is(late.Verify(h, raw), slackapp.ErrStale))
	// Output:
	// renewal.approve value="q_7Hc2kW9xQm4L" user=U0123ABCD team=T0123ABCD app=A0123ABCD channel=C0123ABCD ts=1763712000.000100
	// true
}
