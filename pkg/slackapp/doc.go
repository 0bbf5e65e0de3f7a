// Package slackapp holds what bsswatch needs to be a Slack app: Block Kit builders for approval
// buttons, verification of the requests Slack sends to a Lambda Function URL, parsing of button
// clicks, the check that a clicking user may approve, and answers through a click's response_url.
//
// A click is trusted only after Verify: Slack signs the raw body with the app's signing secret
// (https://docs.slack.dev/authentication/verifying-requests-from-slack/). A signature proves the
// request came from Slack within the window, not that it is the first delivery: a captured request
// can be replayed inside those five minutes, so whatever a click changes must change through a
// conditional write that only the first click can win.
package slackapp
