package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
)

// SiteScheduleWorkflowID names a scheduled publish's workflow.
func SiteScheduleWorkflowID(scheduleID string) string { return "site-schedule/" + scheduleID }

// SiteScheduleInput is a publish set for a time.
type SiteScheduleInput struct {
	OrgID      string    `json:"org_id"`
	SiteID     string    `json:"site_id"`
	ScheduleID string    `json:"schedule_id"`
	PublishAt  time.Time `json:"publish_at"`
}

// SiteScheduleResult says whether the schedule fired.
type SiteScheduleResult struct {
	Fired bool `json:"fired"`
}

// SiteSchedule waits for a scheduled publish's time on a durable timer, then
// queues its publish (with the page versions pinned when it was made)
// behind any publish of the site that runs. Cancelling the workflow cancels
// the schedule. A one-off time needs no Temporal Schedule: a timer is
// cancellable, survives restarts and shows in Temporal UI under the org and
// the site like the publish it starts.
func SiteSchedule(ctx workflow.Context, in SiteScheduleInput) (SiteScheduleResult, error) {
	var a *activities.Brand
	if wait := in.PublishAt.Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			if temporal.IsCanceledError(err) {
				dctx, cancel := workflow.NewDisconnectedContext(ctx)
				defer cancel()
				dctx = workflow.WithActivityOptions(dctx, activities.DatabaseOptions())
				if cerr := workflow.ExecuteActivity(dctx, a.CancelSchedule, in.OrgID, in.ScheduleID).Get(dctx, nil); cerr != nil {
					return SiteScheduleResult{}, cerr
				}
			}
			return SiteScheduleResult{}, err
		}
	}
	var fired bool
	dbCtx := workflow.WithActivityOptions(ctx, activities.DatabaseOptions())
	if err := workflow.ExecuteActivity(dbCtx, a.FireSchedule, in.OrgID, in.ScheduleID).Get(ctx, &fired); err != nil {
		return SiteScheduleResult{}, err
	}
	return SiteScheduleResult{Fired: fired}, nil
}
