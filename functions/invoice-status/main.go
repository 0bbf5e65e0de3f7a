// Command invoice-status is the Lambda function that tells finance people when an invoice request of
// an international-site partner or customer changes state (issued, rejected, returned). It runs on an
// EventBridge Scheduler schedule; see template.yaml.
package main

import (
	"github.com/bsswatch/bsswatch/functions/internal/boot"
	"github.com/bsswatch/bsswatch/pkg/check"
)

func main() { boot.Check(check.Invoice) }
