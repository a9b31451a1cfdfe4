package worker

import (
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/workflows"
)

// deadLetterInterceptor gives every workflow a dead letter when it fails
// for good: Temporal keeps no queue of failed workflows, so the worker
// records one (a dead_letters row, xentri.workflow.failed.v1, an entry on
// xentri:dlq) in this one place rather than in each workflow
// (workflows.RecordDeadLetter).
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
	workflows.RecordDeadLetter(ctx, in.Args, err)
	return res, err
}
