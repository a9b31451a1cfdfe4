// Package services holds Xentri's domain logic, one subpackage per bounded
// context of the seed: core (users, orgs, memberships, tokens), brief (the
// Universal Brief and the Strategy Co-pilot), brand (sites, pages, media) and
// sales (leads, follow-ups). Each subpackage declares the storage interfaces it
// consumes and knows nothing of HTTP or Temporal.
//
// This package itself holds what every context shares: Error, the one typed
// error that the API maps to an HTTP problem.
package services
