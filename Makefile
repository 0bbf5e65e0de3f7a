# bsswatch. `make test` runs every test offline; `make demo` shows the whole bundle against the
# built-in sandbox; `sam build` calls the build-<LogicalId> targets below.
GO ?= go
ARTIFACTS_DIR ?= bin
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: setup test vet lint bench demo build build-BalanceAlertFunction build-RenewalQuoteFunction build-CouponExpiryFunction build-InvoiceStatusFunction

DYNALITE_DIR := pkg/state/dynamo/testdata/dynalite
S3RVER_DIR := pkg/config/testdata/s3rver
SQS_DIR := pkg/workqueue/testdata/sqs

# Installs the local AWS-API servers the tests start (npm): dynalite (DynamoDB) for the state and
# function tests, s3rver (S3) for the configuration source tests, local-aws-sqs (SQS) for the renewal
# scan's work queue. Each reinstalls only when its lock file changes; their native install scripts
# are not needed in memory.
setup: $(DYNALITE_DIR)/node_modules/.package-lock.json $(S3RVER_DIR)/node_modules/.package-lock.json $(SQS_DIR)/node_modules/.package-lock.json

%/node_modules/.package-lock.json: %/package.json %/package-lock.json
	npm ci --prefix $* --ignore-scripts --no-audit --no-fund

test: setup lint
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# cfn-lint comes from PyPI, which not every machine reaches (Debian has no package of it): where it
# is missing the lint is skipped with a line saying so; functions/template_test.go still runs.
lint:
	@if command -v cfn-lint >/dev/null; then \
		echo "cfn-lint template.yaml"; cfn-lint template.yaml; \
	else \
		echo "cfn-lint not installed: template.yaml not linted (pip install cfn-lint)"; \
	fi

vet:
	$(GO) vet ./...

# `go run` would compile in silence, for minutes on a fresh machine: build first, saying so, with a
# line per 25 packages compiled (go build -v names each; compiler errors, which hold spaces, pass
# through), then run.
DEMO_BIN := bin/bsswatch
demo:
	@echo "make demo: compiling cmd/bsswatch into $(DEMO_BIN) (the first time takes a few minutes; later ones seconds)"
	@bash -o pipefail -c 'total=$$($(GO) list -deps ./cmd/bsswatch | wc -l); \
		$(GO) build -v -o $(DEMO_BIN) ./cmd/bsswatch 2>&1 | \
		awk -v total=$$total '"'"'/ / {print; next} {n++; if (n % 25 == 0) {printf "  %d of at most %d packages compiled\n", n, total; fflush()}}'"'"''
	@echo "make demo: running $(DEMO_BIN) demo"
	@$(DEMO_BIN) demo

bench: setup
	$(GO) run ./cmd/bsswatch bench

build: build-BalanceAlertFunction build-RenewalQuoteFunction build-CouponExpiryFunction build-InvoiceStatusFunction

build-BalanceAlertFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/balance-alert

build-RenewalQuoteFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/renewal-quote

build-CouponExpiryFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/coupon-expiry

build-InvoiceStatusFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/invoice-status
