// Package activities holds Xentri's Temporal activities: all the I/O that
// workflows need (database writes, events, object storage, LLM calls, n8n).
// Activities are methods on structs (Sales, DeadLetters, Diagnostics), and
// workflow code calls them through a nil pointer of the struct
// (`var a *activities.Sales; workflow.ExecuteActivity(ctx, a.RecordFollowUpDue, in)`).
// Each is idempotent, because Temporal may run it more than once.
//
// # Why a thin layer, and not the services' own structs
//
// The domain work is done by the bounded context's service
// (services/sales.FollowUps, services/ops.Recorder, ...), which the struct
// here holds through one small interface per context, declared here where
// it is consumed. The layer exists for two reasons, and does nothing else:
//
//   - Imports. Services start and query their workflows, so they import
//     package workflows; workflows name their activities, so they import
//     this package. If workflows named the services' structs instead, the
//     two would import each other. This package imports no service.
//   - Temporal's retry semantics in one place. Services return
//     services.Error; Final turns the ones no retry can mend (invalid input,
//     permission, not found) into non-retryable application errors, and
//     the named options in policies.go bound every retry. Services know
//     nothing of Temporal.
//
// A new bounded context with activities adds one file here: its inputs and
// outputs, one interface of what its service does for the workflow, and a
// struct whose methods validate the input, call the service and pass the
// error through Final. The worker registers the struct with the service in
// it (worker.Register).
package activities
