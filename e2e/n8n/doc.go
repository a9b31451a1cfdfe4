// Package n8ne2e is the opt-in end-to-end test of Xentri with a real n8n:
// go test -tags e2e -count=1 -timeout 30m ./e2e/n8n/...
//
// It installs the n8n pinned in package.json (package-lock.json) with npm
// into a cache dir, runs it on Postgres, imports the templates in
// deploy/n8n, runs `xentri dev` subscribed to n8n, and checks that a
// sign-up's events reach n8n's workflow and that n8n starts a Xentri
// workflow that completes. Without the e2e build tag the package is empty.
package n8ne2e
