// Command balance-alert is the Lambda function that warns when the partner's, a sub-customer's or a
// customer's own balance runs low. It runs on an EventBridge Scheduler schedule; see template.yaml.
package main

import (
	"github.com/bsswatch/bsswatch/functions/internal/boot"
	"github.com/bsswatch/bsswatch/pkg/check"
)

func main() { boot.Check(check.Balance) }
