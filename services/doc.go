// Package services holds Xentri's domain logic, one subpackage per bounded
// context: core (users, orgs, memberships, API tokens, accounts), sales
// (leads, their timeline, follow-ups and sales settings), ops (dead letters
// of failed workflows), integrations (n8n subscriptions and the event
// bridge), automation (the workflows automations start by name),
// notification (the bell), system (the operator's diagnostics), brief (the
// Universal Brief, its versions, contexts and proposals, and the Strategy
// Co-pilot; the engines that read the owner's words in brief/extract) and
// brand (copy written from the Brief in its Brand Voice, and the sites and
// pages it drafts).
//
// Every context has the same files:
//
//   - service.go (or one file per entity: org.go, member.go, token.go): the
//     operations. Tenant operations take the org gate's transaction and the
//     caller's access.Membership, check the caller first (Membership.Need,
//     NeedManager), and wrap their errors with the operation's name.
//   - store.go: the context's hand-written store over the sqlc queries of
//     internal/db/dbsqlc. It maps rows to the context's types and passes
//     every query error through db.Interpret: pgx.ErrNoRows becomes the
//     context's not-found error (sales.ErrNoLead, core.ErrNoMember, ...),
//     anything else is wrapped with the query's name. Nothing else in a
//     context calls dbsqlc.
//   - service_test.go: the service against a real Postgres, with setup(t)
//     returning the service and a small testBundle.
//
// Leaf packages hold what the contexts share and nothing else: access (who
// is calling: Principal, Membership, roles, scopes), paging (Page, Paginate,
// cursors) and notification (Add, which other contexts call in the
// transaction of the change they report).
//
// Contexts know nothing of HTTP (package api decodes, calls a service,
// encodes) and nothing of Temporal's retry rules (package activities maps
// their errors with activities.Final). This package itself holds Error, the
// one typed error that the API maps to an HTTP problem.
package services
