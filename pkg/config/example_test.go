package config_test

import (
	"errors"
	"fmt"

	"github.com/bsswatch/bsswatch/pkg/config"
)

func ExampleParse() {
	doc := []byte(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: 0a1b2c, ak: env:BSS_AK, sk: AKSECRETINCLEAR}
state: {backend: dynamodb}
destinations:
  ops: {type: slack, token: env:SLACK_BOT_TOKEN, channel: C0123456}
routes:
  - {to: [ops], min_severity: warning}
ops: [ops]
checks:
  balance:
    partner:
      profile: partner-cn
      thresholds:
        cash: {currency: CNY, warning: "5k", critical: "10000"}
`)
	_, err := config.Parse(doc, nil)
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Println(e)
		}
	}
	// Output:
	// profiles.partner-cn.sk: a literal secret is not allowed: store it in Secrets Manager, SSM Parameter Store or an environment variable and write a reference (arn:aws:secretsmanager:…[#key], ssm:/name, env:NAME) (line 2)
	// state.table: required for backend dynamodb (or set BSSWATCH_STATE_TABLE) (line 3)
	// checks.balance.partner.thresholds.cash.warning: not a decimal: "5k" (line 14)
}
