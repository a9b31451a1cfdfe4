package worker

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// loggingInterceptor logs the end of every activity and workflow execution,
// with its duration and outcome, through the SDK's loggers (which are replay
// safe inside workflows and carry the workflow and run ids).
type loggingInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func newLoggingInterceptor() interceptor.WorkerInterceptor { return &loggingInterceptor{} }

func (*loggingInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &activityLogger{}
	a.Next = next
	return a
}

func (*loggingInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	w := &workflowLogger{}
	w.Next = next
	return w
}

type activityLogger struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *activityLogger) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	start := time.Now()
	res, err := a.Next.ExecuteActivity(ctx, in)
	info := activity.GetInfo(ctx)
	log := activity.GetLogger(ctx)
	kv := []any{"activity_type", info.ActivityType.Name, "attempt", info.Attempt, "duration_ms", time.Since(start).Milliseconds()}
	if err != nil {
		log.Warn("activity failed", append(kv, "error", err)...)
	} else {
		log.Debug("activity completed", kv...)
	}
	return res, err
}

type workflowLogger struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *workflowLogger) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	start := workflow.Now(ctx)
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	log := workflow.GetLogger(ctx)
	kv := []any{"workflow_type", workflow.GetInfo(ctx).WorkflowType.Name, "duration", workflow.Now(ctx).Sub(start).String()}
	if err != nil {
		log.Warn("workflow failed", append(kv, "error", err)...)
	} else {
		log.Info("workflow completed", kv...)
	}
	return res, err
}
