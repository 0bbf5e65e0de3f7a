// Command coupon-expiry is the Lambda function that warns before coupon quotas, coupons issued to
// customers and the partner's own coupons (test coupons among them) expire unused. It runs on an
// EventBridge Scheduler schedule; see template.yaml.
package main

import (
	"github.com/bsswatch/bsswatch/functions/internal/boot"
	"github.com/bsswatch/bsswatch/pkg/check"
)

func main() { boot.Check(check.Coupon) }
