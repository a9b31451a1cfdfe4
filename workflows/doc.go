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
// moved, a timer changed) must be versioned:
//
//	v := workflow.GetVersion(ctx, "followup-notify", workflow.DefaultVersion, 1)
//	if v == 1 {
//		// the new behaviour, for runs that reach this point after the deploy
//	}
//
// Old runs keep taking the DefaultVersion branch; once none is left, the old
// branch can go (keep the GetVersion call with a raised minimum). The replay
// tests (worker/testdata/histories, recorded from real runs with
// `go test ./worker -run TestReplayRecordedHistories -update-histories`) fail
// in CI when a change is not versioned, and `xentri replay --workflow-id ID`
// checks one production run against the code before a deploy.
package workflows
