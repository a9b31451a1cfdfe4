// Package activities holds Xentri's Temporal activities: all the I/O that
// workflows need (database writes, events, object storage, LLM calls, n8n).
// Activities are methods on structs that hold their clients; each is
// idempotent, because Temporal may run it more than once, and marks
// permanent failures (validation, permission) non-retryable.
package activities
