// Package system holds operator-facing capabilities of the platform itself,
// such as checking from the worker fleet that every dependency answers.
package system

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/activities"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/workflows"
)

// Service starts platform workflows.
type Service struct {
	Temporal  client.Client
	TaskQueue string
}

// Diagnostics runs the Diagnostics workflow and waits for its report.
// requestID makes the workflow id (system-diagnostics/{request id}), so a
// retried request finds the same run instead of starting another.
func (s *Service) Diagnostics(ctx context.Context, requestID string, checks []string) (workflows.DiagnosticsResult, string, error) {
	for _, c := range checks {
		if !slices.Contains(activities.DependencyNames(), c) {
			return workflows.DiagnosticsResult{}, "", &services.Error{
				Code:    services.Invalid,
				Message: fmt.Sprintf("Unknown check %q; known checks are %v.", c, activities.DependencyNames()),
				Fields:  map[string]string{"checks": "unknown check " + c},
			}
		}
	}
	if s.Temporal == nil {
		return workflows.DiagnosticsResult{}, "", services.Errorf(services.Unavailable, "Workflows are not running here.")
	}
	id := "system-diagnostics/" + requestID
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             s.TaskQueue,
		TypedSearchAttributes: itemporal.Attributes(itemporal.PlatformOrg, "system", requestID),
	}, workflows.Diagnostics, workflows.DiagnosticsInput{Checks: checks})
	if err != nil {
		return workflows.DiagnosticsResult{}, id, &services.Error{Code: services.Unavailable, Message: "Temporal did not accept the workflow.", Err: err}
	}
	var res workflows.DiagnosticsResult
	if err := run.Get(ctx, &res); err != nil {
		if ctx.Err() != nil {
			return res, id, fmt.Errorf("diagnostics %s: %w", id, ctx.Err())
		}
		return res, id, fmt.Errorf("diagnostics %s: %w", id, err)
	}
	return res, id, nil
}
