// Package automation lets automations start Xentri workflows: a registry of
// the workflows n8n may start by name, each with the JSON Schema its input
// must fit, and the starting and status of their runs, scoped to one org.
package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/internal/db"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
)

// entry is one startable workflow.
type entry struct {
	name     string
	workflow any
	schema   *jsonschema.Schema
	decode   func(json.RawMessage) (any, error)
	opts     options
}

// Option changes how a registered workflow is started.
type Option func(*options)

type options struct {
	withOrg bool
	id      func(org uuid.UUID, input map[string]any) (string, error)
	kind    string
	entity  func(org uuid.UUID, input map[string]any) (string, error)
	start   StartFunc
}

// StartFunc starts what a hook asks for in a way of its own, and names the
// workflow run that does it.
type StartFunc func(ctx context.Context, org uuid.UUID, input map[string]any) (workflowID, runID string, err error)

// WithStart has start begin the run instead of a plain start of the
// workflow: for a workflow that queues requests (the site publish, one per
// site, signalled with each request) rather than running once per call.
// The input is still checked against the schema first.
func WithStart(start StartFunc) Option { return func(o *options) { o.start = start } }

// WithOrg sets the input's org_id to the caller's org after validation: the
// caller never chooses it (and the schema should not allow it).
func WithOrg() Option { return func(o *options) { o.withOrg = true } }

// WithWorkflowID gives the run a meaningful id made from the org and the
// input (such as lead-followup/{lead_id}) instead of hook/{name}/{org}/{key};
// a run already going under it is returned rather than started twice. An
// error from id refuses the input as invalid.
func WithWorkflowID(id func(org uuid.UUID, input map[string]any) (string, error)) Option {
	return func(o *options) { o.id = id }
}

// WithEntity names what a run works on, for its XentriKind and
// XentriEntityId search attributes; without it a run works on its org
// (kind "org", entity the org id). An error from entity refuses the input as
// invalid.
func WithEntity(kind string, entity func(org uuid.UUID, input map[string]any) (string, error)) Option {
	return func(o *options) { o.kind, o.entity = kind, entity }
}

// Registry holds the workflows that may be started by name.
type Registry struct{ entries map[string]entry }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{entries: map[string]entry{}} }

// Register adds a workflow under name, with the JSON Schema of its input.
func Register[In, Out any](r *Registry, name, inputSchema string, wf func(workflow.Context, In) (Out, error), opts ...Option) error {
	if _, dup := r.entries[name]; dup {
		return fmt.Errorf("automation: %q registered twice", name)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(inputSchema))
	if err != nil {
		return fmt.Errorf("automation: %s schema: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // a uuid that is not one is refused, not passed on
	url := "https://xentri.app/schemas/hooks/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return fmt.Errorf("automation: %s schema: %w", name, err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		return fmt.Errorf("automation: %s schema: %w", name, err)
	}
	o := options{kind: "org", entity: func(org uuid.UUID, _ map[string]any) (string, error) { return org.String(), nil }}
	for _, opt := range opts {
		opt(&o)
	}
	r.entries[name] = entry{name: name, workflow: wf, schema: schema, opts: o, decode: func(raw json.RawMessage) (any, error) {
		var in In
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err := dec.Decode(&in)
		return in, err
	}}
	return nil
}

// Names lists the registered workflows.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.entries))
	for n := range r.entries {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Run is a started workflow run.
type Run struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	StatusURL  string `json:"status_url"`
	// TemporalUIURL opens the run in Temporal UI, when its address is known.
	TemporalUIURL string `json:"temporal_ui_url,omitempty"`
}

// Service starts registered workflows and reports on them.
type Service struct {
	DB        *db.DB // CheckOrg's
	Registry  *Registry
	Temporal  client.Client
	TaskQueue string
	// WorkflowLink makes the Temporal UI address of a workflow (optional).
	WorkflowLink func(workflowID string) string
}

func (s *Service) run(id, runID string) Run {
	r := Run{WorkflowID: id, RunID: runID, StatusURL: statusURL(id)}
	if s.WorkflowLink != nil {
		r.TemporalUIURL = s.WorkflowLink(id) + "/" + runID
	}
	return r
}

// Start validates input against the workflow's schema and starts it for
// org. A key (the caller's Idempotency-Key) makes the workflow id, so a
// retried call finds the same run instead of starting another.
func (s *Service) Start(ctx context.Context, orgID uuid.UUID, name string, input json.RawMessage, key string) (Run, error) {
	e, ok := s.Registry.entries[name]
	if !ok {
		return Run{}, services.Errorf(services.NotFound, "No workflow is registered as %q; registered: %s.", name, strings.Join(s.Registry.Names(), ", "))
	}
	if s.Temporal == nil {
		return Run{}, errNoTemporal
	}
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage("{}")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(input))
	if err != nil {
		return Run{}, &services.Error{Code: services.Invalid, Message: "input is not JSON.", Fields: map[string]string{"input": "is not JSON"}}
	}
	if err := e.schema.Validate(doc); err != nil {
		return Run{}, &services.Error{Code: services.Invalid, Message: "input does not fit the workflow's schema: " + oneLine(err),
			Fields: map[string]string{"input": oneLine(err)}}
	}
	fields, _ := doc.(map[string]any)
	if e.opts.withOrg && fields != nil {
		fields["org_id"] = orgID.String()
		input, _ = json.Marshal(fields)
	}
	in, err := e.decode(input)
	if err != nil {
		return Run{}, &services.Error{Code: services.Invalid, Message: "input does not fit the workflow: " + err.Error(), Fields: map[string]string{"input": err.Error()}}
	}
	if e.opts.start != nil {
		id, runID, err := e.opts.start(ctx, orgID, fields)
		if err != nil {
			return Run{}, err
		}
		return s.run(id, runID), nil
	}
	if key == "" {
		key = uuid.NewString()
	}
	id := "hook/" + name + "/" + orgID.String() + "/" + key
	if e.opts.id != nil {
		if id, err = e.opts.id(orgID, fields); err != nil {
			return Run{}, &services.Error{Code: services.Invalid, Message: "input: " + err.Error(), Fields: map[string]string{"input": err.Error()}}
		}
	}
	entity, err := e.opts.entity(orgID, fields)
	if err != nil {
		return Run{}, &services.Error{Code: services.Invalid, Message: "input: " + err.Error(), Fields: map[string]string{"input": err.Error()}}
	}
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    itemporal.Attributes(orgID.String(), e.opts.kind, entity),
	}, e.workflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		// The key's run already finished: answer with it.
		desc, derr := s.Temporal.DescribeWorkflow(ctx, id, "")
		if derr != nil {
			return Run{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not answer.", Err: derr}
		}
		return s.run(id, desc.WorkflowExecution.RunID), nil
	}
	if err != nil {
		return Run{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not accept the workflow.", Err: err}
	}
	return s.run(id, run.GetRunID()), nil
}

// errNoTemporal answers where no Temporal client is configured (an API
// serving without workflows, as some tests do).
var errNoTemporal = services.Errorf(services.Unavailable, "Workflows are not running here.")

func statusURL(id string) string { return "/api/v1/workflows/" + id }

// Status is what a caller may know of a run.
type Status struct {
	WorkflowID string          `json:"workflow_id"`
	RunID      string          `json:"run_id"`
	Type       string          `json:"type"`
	Status     string          `json:"status"` // RUNNING, COMPLETED, FAILED, ...
	StartedAt  time.Time       `json:"started_at"`
	ClosedAt   *time.Time      `json:"closed_at"`
	Result     json.RawMessage `json:"result,omitempty"`
	Failure    string          `json:"failure,omitempty"`
}

// Status reports on a workflow of org; another org's workflow, or none, is
// NotFound alike.
func (s *Service) Status(ctx context.Context, orgID uuid.UUID, id string) (Status, error) {
	if s.Temporal == nil {
		return Status{}, errNoTemporal
	}
	notFound := services.Errorf(services.NotFound, "This organisation has no workflow %q.", id)
	desc, err := s.Temporal.DescribeWorkflow(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return Status{}, notFound
	}
	if err != nil {
		return Status{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not answer.", Err: err}
	}
	if org, ok := desc.TypedSearchAttributes.GetKeyword(itemporal.OrgID); !ok || org != orgID.String() {
		return Status{}, notFound
	}
	st := Status{
		WorkflowID: id, RunID: desc.WorkflowExecution.RunID, Type: desc.WorkflowType.Name,
		Status:    strings.TrimPrefix(enumspb.WorkflowExecutionStatus_name[int32(desc.Status)], "WORKFLOW_EXECUTION_STATUS_"),
		StartedAt: desc.WorkflowStartTime,
	}
	if desc.WorkflowCloseTime != nil && !desc.WorkflowCloseTime.IsZero() {
		st.ClosedAt = desc.WorkflowCloseTime
		var result json.RawMessage
		switch err := s.Temporal.GetWorkflow(ctx, id, st.RunID).Get(ctx, &result); {
		case err == nil:
			st.Result = result
		default:
			st.Failure = oneLine(err)
		}
	}
	return st, nil
}

func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", "; ")
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
