// Package workflows holds Xentri's Temporal workflow definitions: lead
// follow-up, brief generation, website publishing and the rest of DESIGN.md §6.
//
// Workflow code is deterministic: no I/O, no clocks, no randomness, no
// goroutines; all of that happens in activities, called through a nil
// pointer of the activity struct (`var a *activities.X`).
//
// # Changing a workflow that has runs in flight
//
// Temporal replays a running workflow's history through the current code, so
// a change to the commands a workflow issues (an activity added, removed or
// moved, a timer changed) must be versioned with workflow.GetVersion. The
// lead follow-up does it where it started to read the org's cadence:
//
//	if workflow.GetVersion(ctx, "cadence-from-settings", workflow.DefaultVersion, 1) == 1 {
//		// the new behaviour: the PlanFollowUps activity, then the timers
//	}
//
// A run that started before the change finds no marker in its history, gets
// DefaultVersion and keeps the old path (straight to the first timer); a new
// run records marker 1 and takes the new one. Give each change its own
// change id; for a second change to the same spot, raise the maximum
// (DefaultVersion, 2) and branch on the value. Once no run of the old
// version is left (check in Temporal UI), raise the minimum to drop the old
// branch, and keep the GetVersion call.
//
// The replay tests hold us to it. testdata/histories holds histories
// recorded from real runs on the dev server, at least one per workflow type
// (`go test ./worker -run TestReplayRecordedHistories -update-histories`
// records them again), and make test replays every one through the current
// code, so a change that is not versioned fails CI. A history from before a
// change is kept under a new name (lead_followup_v0_*) instead of being
// recorded again, as the stand-in for runs still in flight. Before a deploy,
// `xentri replay --workflow-id ID` checks one production run the same way.
package workflows
