# bsswatch. `make test` runs every test offline; `make demo` shows the whole bundle against the
# built-in sandbox; `sam build` calls the build-<LogicalId> targets below.
GO ?= go
ARTIFACTS_DIR ?= bin
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: setup test vet bench demo build build-BalanceAlertFunction build-RenewalQuoteFunction build-CouponExpiryFunction

DYNALITE_DIR := pkg/state/dynamo/testdata/dynalite

# Installs the local DynamoDB-API server (dynalite, npm) that the state and function tests start; it
# reinstalls only when the lock file changes. Its native install scripts are not needed in memory.
setup: $(DYNALITE_DIR)/node_modules/.package-lock.json

$(DYNALITE_DIR)/node_modules/.package-lock.json: $(DYNALITE_DIR)/package.json $(DYNALITE_DIR)/package-lock.json
	npm ci --prefix $(DYNALITE_DIR) --ignore-scripts --no-audit --no-fund

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

demo:
	$(GO) run ./cmd/bsswatch demo

bench:
	$(GO) run ./cmd/bsswatch bench

build: build-BalanceAlertFunction build-RenewalQuoteFunction build-CouponExpiryFunction

build-BalanceAlertFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/balance-alert

build-RenewalQuoteFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/renewal-quote

build-CouponExpiryFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/coupon-expiry
