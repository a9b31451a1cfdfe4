package temporal

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
)

// requireAttributes refuses to start a workflow without XentriOrgId,
// XentriKind and XentriEntityId, so no run is missing from an operator's
// search in Temporal UI. Continue-as-new and resets keep a run's attributes.
type requireAttributes struct {
	interceptor.ClientInterceptorBase
}

func (*requireAttributes) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &requireAttributesOutbound{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}}
}

type requireAttributesOutbound struct {
	interceptor.ClientOutboundInterceptorBase
}

func (o *requireAttributesOutbound) ExecuteWorkflow(ctx context.Context, in *interceptor.ClientExecuteWorkflowInput) (client.WorkflowRun, error) {
	if err := checkAttributes(in.WorkflowType, in.Options); err != nil {
		return nil, err
	}
	return o.Next.ExecuteWorkflow(ctx, in)
}

func (o *requireAttributesOutbound) SignalWithStartWorkflow(ctx context.Context, in *interceptor.ClientSignalWithStartWorkflowInput) (client.WorkflowRun, error) {
	if err := checkAttributes(in.WorkflowType, in.Options); err != nil {
		return nil, err
	}
	return o.Next.SignalWithStartWorkflow(ctx, in)
}

func checkAttributes(workflowType string, opts *client.StartWorkflowOptions) error {
	if opts == nil {
		return fmt.Errorf("start %s: no start options", workflowType)
	}
	for _, k := range []temporal.SearchAttributeKeyKeyword{OrgID, Kind, EntityID} {
		if v, _ := opts.TypedSearchAttributes.GetKeyword(k); v == "" {
			return fmt.Errorf("start %s %q: search attribute %s is missing; start workflows with temporal.Attributes(org, kind, entity)", workflowType, opts.ID, k.GetName())
		}
	}
	return nil
}
