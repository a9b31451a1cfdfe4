// Package contracts is the shared contract of Xentri (the seed's
// packages/ts-schema): openapi.yaml describes every REST endpoint,
// asyncapi.yaml every event channel, and events/*.schema.json each event
// payload by type and version. Go types are generated from these files or
// checked against them in tests, never kept in sync by hand.
package contracts
