// Package workflows holds Xentri's Temporal workflow definitions: lead
// follow-up, brief generation, website publishing and the rest of DESIGN.md §6.
//
// Workflow code is deterministic: no I/O, no clocks, no randomness, no
// goroutines; all of that happens in activities, called through a nil
// pointer of the activity struct (`var a *activities.X`). Each workflow
// has a replay test over recorded histories in testdata/, so a change that
// would break running executions fails CI.
package workflows
