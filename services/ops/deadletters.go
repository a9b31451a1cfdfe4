// Package ops is what operators and engineers use on running workflows:
// the dead letters of workflows that failed for good, their re-drive and
// discard.
package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// DeadLetterStream is where workflow failures are announced.
const DeadLetterStream = "xentri:dlq"

// Recorder records dead letters: a row, xentri.workflow.failed.v1 through the
// outbox, and an entry on xentri:dlq.
type Recorder struct {
	DB     *db.DB
	Events *events.Writer
	Redis  *redis.Client
}

var _ activities.DeadLetterStore = (*Recorder)(nil)

// RecordDeadLetter stores d once per run.
func (s *Recorder) RecordDeadLetter(ctx context.Context, d activities.DeadLetter) error {
	orgID, err := uuid.Parse(d.OrgID)
	if err != nil {
		return &services.Error{Code: services.Invalid, Message: "A dead letter needs its org.", Err: err}
	}
	var env contracts.Envelope
	err = s.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		id, recorded, err := record(ctx, tx, orgID, d)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if !recorded {
			return nil // recorded by an earlier attempt
		}
		env, err = s.Events.Envelope(ctx, events.Event{
			Type: contracts.EventWorkflowFailed, OrgID: orgID, Actor: events.Actor{Type: "system", ID: "worker"},
			CorrelationID: d.WorkflowID,
			Payload: contracts.WorkflowFailed{WorkflowID: d.WorkflowID, RunID: d.RunID, WorkflowType: d.WorkflowType,
				Failure: contracts.WorkflowFailure{Message: d.FailureMessage, Type: d.FailureType}, Attempts: max(d.Attempts, 1),
				DeadLetterID: id.String()},
		})
		if err != nil {
			return fmt.Errorf("event: %w", err)
		}
		return s.Events.Write(ctx, tx, env)
	})
	if err != nil {
		return fmt.Errorf("record dead letter: %w", err)
	}
	if env.ID == "" || s.Redis == nil {
		return nil
	}
	raw, _ := json.Marshal(env)
	err = s.Redis.XAdd(ctx, &redis.XAddArgs{Stream: DeadLetterStream, Values: []any{
		contracts.FieldEnvelope, string(raw), contracts.FieldID, env.ID, contracts.FieldType, env.Type, contracts.FieldOrgID, env.OrgID,
		"reason", d.FailureMessage, "group", "workflows", "attempts", d.Attempts, "failed_at", time.Now().UTC().Format(time.RFC3339),
	}}).Err()
	if err != nil {
		return fmt.Errorf("announce dead letter on %s: %w", DeadLetterStream, err)
	}
	return nil
}

// The states of a dead letter: open until it is re-driven or discarded.
const (
	StatusOpen      = "open"
	StatusRedriven  = "redriven"
	StatusDiscarded = "discarded"
)

// IsStatus says whether s is a dead letter's state, for list filters.
func IsStatus(s string) bool {
	return s == StatusOpen || s == StatusRedriven || s == StatusDiscarded
}

// DeadLetter is what the ops API shows of one.
type DeadLetter struct {
	ID             uuid.UUID       `json:"id"`
	OrgID          uuid.UUID       `json:"org_id"`
	WorkflowType   string          `json:"workflow_type"`
	WorkflowID     string          `json:"workflow_id"`
	RunID          string          `json:"run_id"`
	TaskQueue      string          `json:"task_queue"`
	Input          json.RawMessage `json:"input"`
	FailureType    string          `json:"failure_type"`
	FailureMessage string          `json:"failure_message"`
	Attempts       int32           `json:"attempts"`
	Status         string          `json:"status"`
	RedriveRunID   *string         `json:"redrive_run_id"`
	// TemporalUIURL opens the workflow in Temporal UI: the failed run and,
	// once re-driven, the new one.
	TemporalUIURL string    `json:"temporal_ui_url,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Service lists, re-drives and discards dead letters: an org's, for its
// owners and admins (the methods taking a Membership), or every org's, for
// the platform operator (the Operator* methods, in a db.AsOperator
// transaction).
type Service struct {
	Temporal client.Client
	// WorkflowLink makes the Temporal UI address of a workflow (optional).
	WorkflowLink func(workflowID string) string
}

// linked adds the Temporal UI address to a letter.
func (s *Service) linked(d DeadLetter) DeadLetter {
	if s.WorkflowLink != nil {
		d.TemporalUIURL = s.WorkflowLink(d.WorkflowID)
	}
	return d
}

// linkedAll adds the Temporal UI address to every letter of a page.
func (s *Service) linkedAll(page []DeadLetter) []DeadLetter {
	for i := range page {
		page[i] = s.linked(page[i])
	}
	return page
}

func canOperate(m access.Membership) error { return m.NeedManager("", "dead letters") }

// List pages through the org's dead letters, all of them or those of one
// status.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m access.Membership, status *string, page paging.Page) ([]DeadLetter, string, error) {
	if err := canOperate(m); err != nil {
		return nil, "", err
	}
	out, next, err := lettersOf(tx, m.OrgID).list(ctx, status, page)
	if err != nil {
		return nil, "", fmt.Errorf("list dead letters: %w", err)
	}
	return s.linkedAll(out), next, nil
}

// Redrive starts the workflow again, under the same id, with the stored
// input or an edited one, links the new run and marks the letter.
func (s *Service) Redrive(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	if err := canOperate(m); err != nil {
		return DeadLetter{}, err
	}
	return s.redrive(ctx, lettersOf(tx, m.OrgID), id, input)
}

// Discard closes a dead letter without running it again.
func (s *Service) Discard(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) error {
	if err := canOperate(m); err != nil {
		return err
	}
	_, err := s.discard(ctx, lettersOf(tx, m.OrgID), id)
	return err
}

// OperatorList pages through every org's dead letters (or one org's).
func (s *Service) OperatorList(ctx context.Context, tx pgx.Tx, org *uuid.UUID, status *string, page paging.Page) ([]DeadLetter, string, error) {
	out, next, err := everyOrgsLetters(tx).list(ctx, org, status, page)
	if err != nil {
		return nil, "", fmt.Errorf("list dead letters: %w", err)
	}
	return s.linkedAll(out), next, nil
}

// OperatorShow returns one dead letter of any org.
func (s *Service) OperatorShow(ctx context.Context, tx pgx.Tx, id uuid.UUID) (DeadLetter, error) {
	d, err := everyOrgsLetters(tx).get(ctx, id)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("show dead letter: %w", err)
	}
	return s.linked(d), nil
}

// OperatorRedrive is Redrive for a dead letter of any org.
func (s *Service) OperatorRedrive(ctx context.Context, tx pgx.Tx, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	return s.redrive(ctx, everyOrgsLetters(tx), id, input)
}

// OperatorDiscard is Discard for a dead letter of any org.
func (s *Service) OperatorDiscard(ctx context.Context, tx pgx.Tx, id uuid.UUID) (DeadLetter, error) {
	return s.discard(ctx, everyOrgsLetters(tx), id)
}

// open fetches a dead letter that is still open.
func open(ctx context.Context, l letters, id uuid.UUID) (DeadLetter, error) {
	d, err := l.get(ctx, id)
	if err != nil {
		return d, err
	}
	if d.Status != StatusOpen {
		return d, services.Errorf(services.Conflict, "This dead letter is already %s.", d.Status)
	}
	return d, nil
}

func (s *Service) redrive(ctx context.Context, l letters, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	d, err := open(ctx, l, id)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("redrive: %w", err)
	}
	if len(input) == 0 {
		input = d.Input
	}
	if s.Temporal == nil {
		return DeadLetter{}, services.Errorf(services.Unavailable, "Workflows are not running here.")
	}
	var args []json.RawMessage
	if err := json.Unmarshal(input, &args); err != nil {
		return DeadLetter{}, &services.Error{Code: services.Invalid, Message: "input must be the workflow's arguments, a JSON array.",
			Fields: map[string]string{"input": "must be a JSON array"}}
	}
	argv := make([]any, len(args))
	for i, a := range args {
		argv[i] = a
	}
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: d.WorkflowID, TaskQueue: d.TaskQueue, TypedSearchAttributes: s.attributesOf(ctx, d),
	}, d.WorkflowType, argv...)
	if err != nil {
		return DeadLetter{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not start the run: " + err.Error(), Err: err}
	}
	runID := run.GetRunID()
	if err := l.settle(ctx, id, StatusRedriven, &runID); err != nil {
		return DeadLetter{}, fmt.Errorf("redrive: %w", err)
	}
	d.Status, d.RedriveRunID = StatusRedriven, &runID
	return s.linked(d), nil
}

// attributesOf gives the new run the failed run's search attributes, so it
// is found where the failed one was; when Temporal no longer has the failed
// run, the org's.
func (s *Service) attributesOf(ctx context.Context, row DeadLetter) temporal.SearchAttributes {
	org := row.OrgID.String()
	updates := []temporal.SearchAttributeUpdate{}
	if desc, err := s.Temporal.DescribeWorkflow(ctx, row.WorkflowID, row.RunID); err == nil {
		updates = append(updates, desc.TypedSearchAttributes.Copy())
		if kind, ok := desc.TypedSearchAttributes.GetKeyword(itemporal.Kind); ok && kind != "" {
			return temporal.NewSearchAttributes(append(updates, itemporal.OrgID.ValueSet(org))...)
		}
	}
	return itemporal.Attributes(org, "org", org, updates...)
}

func (s *Service) discard(ctx context.Context, l letters, id uuid.UUID) (DeadLetter, error) {
	d, err := open(ctx, l, id)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("discard: %w", err)
	}
	if err := l.settle(ctx, id, StatusDiscarded, nil); err != nil {
		return DeadLetter{}, fmt.Errorf("discard: %w", err)
	}
	d.Status = StatusDiscarded
	return s.linked(d), nil
}
