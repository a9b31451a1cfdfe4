package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
)

// DiagnosticsInput names the dependencies to check from a worker; empty
// means all of activities.DependencyNames().
type DiagnosticsInput struct {
	Checks []string `json:"checks"`
}

// DiagnosticsResult is "ok" or the error, per dependency, as a worker sees it.
type DiagnosticsResult struct {
	Checks map[string]string `json:"checks"`
}

// Diagnostics checks, from whichever worker picks it up, that the
// dependencies activities need answer. Where /readyz tells what the API
// process sees, this tells what the worker fleet sees, through the whole
// path an operator cares about: API -> Temporal -> worker -> dependency.
func Diagnostics(ctx workflow.Context, in DiagnosticsInput) (DiagnosticsResult, error) {
	known := activities.DependencyNames()
	checks := in.Checks
	if len(checks) == 0 {
		checks = known
	}
	for _, c := range checks {
		if !slices.Contains(known, c) {
			return DiagnosticsResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("unknown check %q", c), "InvalidInput", nil)
		}
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		// A failed check is a result, not an error; only a lost worker retries.
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3, NonRetryableErrorTypes: []string{"InvalidInput"}},
	})
	var a *activities.Diagnostics
	var res map[string]string
	if err := workflow.ExecuteActivity(ctx, a.CheckDependencies, checks).Get(ctx, &res); err != nil {
		return DiagnosticsResult{}, err
	}
	return DiagnosticsResult{Checks: res}, nil
}
