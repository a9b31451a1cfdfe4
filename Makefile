# The front door. `make help` lists the targets.

SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --verify -q HEAD || echo unknown)
LDFLAGS := -X github.com/xentri/xentri/internal/platform/buildinfo.Version=$(VERSION) \
           -X github.com/xentri/xentri/internal/platform/buildinfo.Commit=$(COMMIT)
# Test flags; e.g. `make test TESTFLAGS='-run TestTenant -v'`.
TESTFLAGS ?=
# How long `make test` fuzzes each fuzz target; e.g. FUZZTIME=5m to hunt.
FUZZTIME ?= 10s
# The web shell's sources (Astro + React, Node 20.3+ and npm); its build goes
# to web/dist, which is committed and embedded in the binary.
WEB_APP := web/app
NPM ?= npm

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_\/.-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: dev
dev: bin/temporal bin/xentri ## Bring the whole stack up on this machine (Postgres, Redis, Temporal + UI, S3, API, worker)
	./bin/xentri dev

.PHONY: build
build: bin/xentri ## Build the xentri binary into bin/

.PHONY: bin/xentri
bin/xentri:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $@ ./cmd/xentri

# After the tests, a short fuzz of what reads untrusted input: request
# bodies and paging cursors. go test -fuzz takes one target in one package
# per run; a crasher is saved under testdata/fuzz/ and from then on runs
# with every go test.
.PHONY: test
test: bin/temporal web-test ## Run every test: the web shell's, then Go unit, and integration against real Postgres, Redis and a Temporal dev server, then the shell in chromium
	$(GO) test -race -count=1 -timeout 30m $(TESTFLAGS) ./...
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeJSON$$' -fuzztime $(FUZZTIME) ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeCursor$$' -fuzztime $(FUZZTIME) ./services/paging/
	$(MAKE) web-e2e

.PHONY: web-e2e
web-e2e: bin/temporal bin/xentri $(WEB_APP)/node_modules/.package-lock.json ## The shell in Debian's chromium against a real xentri dev: axe on every app, screenshots (web/app/e2e-artifacts), the 3G paint budget
	cd $(WEB_APP) && node e2e/run.mjs

.PHONY: e2e-n8n
e2e-n8n: bin/temporal ## End-to-end test against a real n8n 1.123.5 (Node.js 20.19+ and npm; the first run installs n8n: ~7 min, 1.6 GB)
	$(GO) test -tags e2e -count=1 -timeout 30m -v $(TESTFLAGS) ./e2e/n8n/...

.PHONY: generate
generate: bin/sqlc $(WEB_APP)/node_modules/.package-lock.json ## Regenerate committed code: sqlc queries, .env.example, the web shell's TypeScript types
	cd internal/db && ../../bin/sqlc generate
	$(GO) run ./cmd/xentri env > .env.example
	cd $(WEB_APP) && $(NPM) run --silent generate

# verify also rebuilds the web shell: web/dist must be exactly what its
# sources build (the build is deterministic).
.PHONY: verify
verify: generate web ## Fail when generated code or the built web shell differs from what is committed
	@git diff --exit-code -- internal/db/dbsqlc .env.example || \
	  (echo "generated files are stale: run 'make generate' and commit the result" >&2; exit 1)
	@test -z "$$(git status --porcelain -- internal/db/dbsqlc)" || \
	  (echo "generated files are untracked: commit internal/db/dbsqlc" >&2; exit 1)
	@git diff --exit-code --stat -- $(WEB_APP)/src/generated && test -z "$$(git status --porcelain -- $(WEB_APP)/src/generated)" || \
	  (echo "the web shell's types are stale: run 'make generate' and commit $(WEB_APP)/src/generated" >&2; exit 1)
	@git diff --exit-code --stat -- web/dist && test -z "$$(git status --porcelain -- web/dist)" || \
	  (echo "web/dist is not what its sources build: run 'make web' and commit web/dist" >&2; exit 1)

# The web shell. node_modules comes from package-lock.json alone (npm ci),
# again whenever the lock file changes.
.PHONY: web-deps
web-deps: $(WEB_APP)/node_modules/.package-lock.json ## Install the web shell's packages (npm ci) if missing or stale

$(WEB_APP)/node_modules/.package-lock.json: $(WEB_APP)/package.json $(WEB_APP)/package-lock.json
	cd $(WEB_APP) && $(NPM) ci --no-audit --no-fund
	@touch $@

.PHONY: web
web: $(WEB_APP)/node_modules/.package-lock.json ## Build the web shell into web/dist (embedded in the binary; commit it), precompressed
	cd $(WEB_APP) && $(NPM) run --silent build

.PHONY: web-test
web-test: $(WEB_APP)/node_modules/.package-lock.json ## The web shell's type check and unit tests (Vitest)
	cd $(WEB_APP) && $(NPM) run --silent typecheck && $(NPM) test --silent

.PHONY: lint
lint: bin/staticcheck bin/workflowcheck ## gofmt, go vet, staticcheck and workflowcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '/dbsqlc/')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	./bin/staticcheck ./...
	./bin/workflowcheck ./workflows/...

# Pinned tools, each built from its own module under tools/ so their
# dependencies never touch the application's go.mod.
bin/temporal: tools/temporal/go.mod tools/temporal/go.sum ## Build the pinned Temporal CLI v1.5.1 (first time: about 5 minutes)
	cd tools/temporal && $(GO) build -o ../../bin/temporal github.com/temporalio/cli/cmd/temporal

bin/sqlc: tools/dev/go.mod tools/dev/go.sum
	cd tools/dev && $(GO) build -o ../../bin/sqlc github.com/sqlc-dev/sqlc/cmd/sqlc

bin/staticcheck: tools/dev/go.mod tools/dev/go.sum
	cd tools/dev && $(GO) build -o ../../bin/staticcheck honnef.co/go/tools/cmd/staticcheck

# Flags what would make a workflow nondeterministic (time.Now, math/rand,
# native goroutines and channels, map ranges, I/O) in workflow code and in
# everything it calls.
bin/workflowcheck: tools/dev/go.mod tools/dev/go.sum
	cd tools/dev && $(GO) build -o ../../bin/workflowcheck go.temporal.io/sdk/contrib/tools/workflowcheck

.PHONY: clean
clean: ## Remove built binaries (keeps the .xentri data dir)
	rm -rf bin/
