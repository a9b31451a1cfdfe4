package worker

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
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

// Init puts the trace id into every logger activities get, so an activity's
// log lines join the trace of the request that started its workflow.
func (a *activityLogger) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	o := &traceIDLogger{}
	o.Next = outbound
	return a.Next.Init(o)
}

type traceIDLogger struct {
	interceptor.ActivityOutboundInterceptorBase
}

func (o *traceIDLogger) GetLogger(ctx context.Context) log.Logger {
	l := o.Next.GetLogger(ctx)
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return log.With(l, "trace_id", sc.TraceID().String())
	}
	return l
}

func (a *activityLogger) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	start := time.Now()
	res, err := a.Next.ExecuteActivity(ctx, in)
	info := activity.GetInfo(ctx)
	logger := activity.GetLogger(ctx)
	kv := []any{"activity_type", info.ActivityType.Name, "attempt", info.Attempt, "duration_ms", time.Since(start).Milliseconds()}
	if err != nil {
		logger.Warn("activity failed", append(kv, "error", err)...)
	} else {
		logger.Info("activity completed", kv...)
	}
	return res, err
}

type workflowLogger struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *workflowLogger) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	start := workflow.Now(ctx)
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	logger := workflow.GetLogger(ctx)
	kv := []any{"workflow_type", workflow.GetInfo(ctx).WorkflowType.Name, "duration", workflow.Now(ctx).Sub(start).String()}
	if err != nil {
		logger.Warn("workflow failed", append(kv, "error", err)...)
	} else {
		logger.Info("workflow completed", kv...)
	}
	return res, err
}
