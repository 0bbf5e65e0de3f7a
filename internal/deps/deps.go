// Package deps pins the module's dependencies while the packages that use them are written.
package deps

import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	_ "github.com/aws/aws-sdk-go-v2/service/lambda"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	_ "github.com/aws/aws-sdk-go-v2/service/ssm"
	_ "github.com/cenkalti/backoff/v4"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	_ "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
	_ "github.com/shopspring/decimal"
	_ "github.com/slack-go/slack"
	_ "github.com/slack-go/slack/slacktest"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)
