package worker

import (
	"encoding/json"
	"errors"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	itemporal "github.com/xentri/xentri/internal/temporal"
)

// deadLetterInterceptor gives every workflow a dead letter when it fails
// for good: Temporal keeps no queue of failed workflows, so the worker
// records one (a dead_letters row, xentri.workflow.failed.v1, an entry on
// xentri:dlq) in this one place rather than in each workflow.
type deadLetterInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func (*deadLetterInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &deadLetterInbound{}
	i.Next = next
	return i
}

type deadLetterInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (d *deadLetterInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := d.Next.ExecuteWorkflow(ctx, in)
	if err == nil || workflow.IsContinueAsNewError(err) || temporal.IsCanceledError(err) {
		return res, err
	}
	info := workflow.GetInfo(ctx)
	logger := workflow.GetLogger(ctx)
	org, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(itemporal.OrgID)
	if org == "" {
		// Dead letters belong to an org; a platform workflow's failure is
		// in Temporal and the logs only.
		logger.Warn("workflow failed without an org: no dead letter", "error", err)
		return res, err
	}
	input, _ := json.Marshal(in.Args)
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
	return res, err
}
