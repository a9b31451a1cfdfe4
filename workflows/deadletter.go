package workflows

import (
	"encoding/json"
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	itemporal "github.com/xentri/xentri/internal/temporal"
)

// RecordDeadLetter leaves the dead letter of a failure for good (a
// dead_letters row, xentri.workflow.failed.v1, an entry on xentri:dlq):
// re-driving it starts this workflow type, under this id, with args. The
// worker's interceptor calls it for every workflow that fails; a workflow
// that must go on after a failure (the site publish's queue) calls it
// itself. A run without an org leaves none: dead letters belong to an org.
func RecordDeadLetter(ctx workflow.Context, args []any, err error) {
	info := workflow.GetInfo(ctx)
	logger := workflow.GetLogger(ctx)
	org, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(itemporal.OrgID)
	if org == "" {
		logger.Warn("workflow failed without an org: no dead letter", "error", err)
		return
	}
	// encoding/json sorts map keys, so the bytes are the same on replay;
	// they only go into the activity's input and never steer the workflow.
	input, _ := json.Marshal(args) //workflowcheck:ignore
	failureType := "WorkflowError"
	var appErr *temporal.ApplicationError
	var timeoutErr *temporal.TimeoutError
	switch {
	case errors.As(err, &appErr) && appErr.Type() != "":
		failureType = appErr.Type()
	case errors.As(err, &timeoutErr):
		failureType = "Timeout"
	}
	// The workflow's own context may be cancelled; the letter must still go.
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	dctx = workflow.WithActivityOptions(dctx, activities.DatabaseOptions())
	var a *activities.DeadLetters
	derr := workflow.ExecuteActivity(dctx, a.Record, activities.DeadLetter{
		OrgID: org, WorkflowType: info.WorkflowType.Name, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		TaskQueue: info.TaskQueueName, Input: input, FailureType: failureType, FailureMessage: err.Error(), Attempts: int(info.Attempt),
	}).Get(dctx, nil)
	if derr != nil {
		logger.Error("could not record the dead letter", "error", derr)
	}
}
