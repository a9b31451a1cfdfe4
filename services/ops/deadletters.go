// Package ops is what operators and engineers use on running workflows:
// the dead letters of workflows that failed for good, their re-drive and
// discard.
package ops

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
)

// DeadLetterStream is where workflow failures are announced.
const DeadLetterStream = "xentri:dlq"

// Store records dead letters: a row, xentri.workflow.failed.v1 through the
// outbox, and an entry on xentri:dlq.
type Store struct {
	DB     *db.DB
	Events *events.Writer
	Redis  *redis.Client
}

var _ activities.DeadLetterStore = (*Store)(nil)

// RecordDeadLetter stores d once per run.
func (s *Store) RecordDeadLetter(ctx context.Context, d activities.DeadLetter) error {
	orgID, err := uuid.Parse(d.OrgID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("dead letter without an org", activities.ErrInvalidInput, err)
	}
	var env contracts.Envelope
	err = s.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		row, err := dbsqlc.New(tx).RecordDeadLetter(ctx, dbsqlc.RecordDeadLetterParams{
			ID: uuid.Must(uuid.NewV7()), OrgID: orgID, WorkflowType: d.WorkflowType, WorkflowID: d.WorkflowID, RunID: d.RunID,
			TaskQueue: d.TaskQueue, Input: d.Input, FailureType: d.FailureType, FailureMessage: d.FailureMessage, Attempts: int32(d.Attempts),
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // recorded by an earlier attempt
		}
		if err != nil {
			return err
		}
		env, err = s.Events.Envelope(ctx, events.Event{
			Type: contracts.EventWorkflowFailed, OrgID: orgID, Actor: events.Actor{Type: "system", ID: "worker"},
			CorrelationID: d.WorkflowID,
			Payload: contracts.WorkflowFailed{WorkflowID: d.WorkflowID, RunID: d.RunID, WorkflowType: d.WorkflowType,
				Failure: contracts.WorkflowFailure{Message: d.FailureMessage, Type: d.FailureType}, Attempts: max(d.Attempts, 1),
				DeadLetterID: row.ID.String()},
		})
		if err != nil {
			return err
		}
		return s.Events.Write(ctx, tx, env)
	})
	if err != nil || env.ID == "" || s.Redis == nil {
		return err
	}
	raw, _ := json.Marshal(env)
	return s.Redis.XAdd(ctx, &redis.XAddArgs{Stream: DeadLetterStream, Values: []any{
		contracts.FieldEnvelope, string(raw), contracts.FieldID, env.ID, contracts.FieldType, env.Type, contracts.FieldOrgID, env.OrgID,
		"reason", d.FailureMessage, "group", "workflows", "attempts", d.Attempts, "failed_at", time.Now().UTC().Format(time.RFC3339),
	}}).Err()
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

// page turns rows fetched with limit+1 into a page of linked letters.
func (s *Service) page(rows []dbsqlc.DeadLetter, limit int) ([]DeadLetter, string) {
	return core.Paginate(rows, limit, func(r dbsqlc.DeadLetter) uuid.UUID { return r.ID },
		func(r dbsqlc.DeadLetter) DeadLetter { return s.linked(fromRow(r)) })
}

func canOperate(m core.Membership) error {
	if m.Principal.Token != nil || !m.Role.Manages() {
		return services.Errorf(services.Forbidden, "Only owners and admins may handle dead letters.")
	}
	return nil
}

// List pages through the org's dead letters, all of them or those of one
// status.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m core.Membership, status *string, page core.Page) ([]DeadLetter, string, error) {
	if err := canOperate(m); err != nil {
		return nil, "", err
	}
	rows, err := dbsqlc.New(tx).ListDeadLetters(ctx, dbsqlc.ListDeadLettersParams{OrgID: m.OrgID, Status: status, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := s.page(rows, page.Limit)
	return out, next, nil
}

// Redrive starts the workflow again, under the same id, with the stored
// input or an edited one, links the new run and marks the letter.
func (s *Service) Redrive(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	if err := canOperate(m); err != nil {
		return DeadLetter{}, err
	}
	return s.redrive(ctx, tenantLetters{dbsqlc.New(tx), m.OrgID}, id, input)
}

// Discard closes a dead letter without running it again.
func (s *Service) Discard(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID) error {
	if err := canOperate(m); err != nil {
		return err
	}
	_, err := s.discard(ctx, tenantLetters{dbsqlc.New(tx), m.OrgID}, id)
	return err
}

// OperatorList pages through every org's dead letters (or one org's).
func (s *Service) OperatorList(ctx context.Context, tx pgx.Tx, org *uuid.UUID, status *string, page core.Page) ([]DeadLetter, string, error) {
	rows, err := dbsqlc.New(tx).ListAllDeadLetters(ctx, dbsqlc.ListAllDeadLettersParams{OrgID: org, Status: status, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := s.page(rows, page.Limit)
	return out, next, nil
}

// OperatorShow returns one dead letter of any org.
func (s *Service) OperatorShow(ctx context.Context, tx pgx.Tx, id uuid.UUID) (DeadLetter, error) {
	row, err := operatorLetters{dbsqlc.New(tx)}.get(ctx, id)
	if err != nil {
		return DeadLetter{}, err
	}
	return s.linked(fromRow(row)), nil
}

// OperatorRedrive is Redrive for a dead letter of any org.
func (s *Service) OperatorRedrive(ctx context.Context, tx pgx.Tx, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	return s.redrive(ctx, operatorLetters{dbsqlc.New(tx)}, id, input)
}

// OperatorDiscard is Discard for a dead letter of any org.
func (s *Service) OperatorDiscard(ctx context.Context, tx pgx.Tx, id uuid.UUID) (DeadLetter, error) {
	return s.discard(ctx, operatorLetters{dbsqlc.New(tx)}, id)
}

// letters is where dead letters are looked up and settled: in one org, or
// across orgs for the operator.
type letters interface {
	get(ctx context.Context, id uuid.UUID) (dbsqlc.DeadLetter, error) // locked for update
	settle(ctx context.Context, id uuid.UUID, status string, runID *string) error
}

type tenantLetters struct {
	q   *dbsqlc.Queries
	org uuid.UUID
}

func (t tenantLetters) get(ctx context.Context, id uuid.UUID) (dbsqlc.DeadLetter, error) {
	row, err := t.q.GetDeadLetter(ctx, dbsqlc.GetDeadLetterParams{OrgID: t.org, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return row, services.Errorf(services.NotFound, "This organisation has no such dead letter.")
	}
	return row, err
}

func (t tenantLetters) settle(ctx context.Context, id uuid.UUID, status string, runID *string) error {
	return t.q.SettleDeadLetter(ctx, dbsqlc.SettleDeadLetterParams{OrgID: t.org, ID: id, Status: status, RedriveRunID: runID})
}

type operatorLetters struct{ q *dbsqlc.Queries }

func (o operatorLetters) get(ctx context.Context, id uuid.UUID) (dbsqlc.DeadLetter, error) {
	row, err := o.q.GetAnyDeadLetter(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return row, services.Errorf(services.NotFound, "No dead letter has id %s.", id)
	}
	return row, err
}

func (o operatorLetters) settle(ctx context.Context, id uuid.UUID, status string, runID *string) error {
	return o.q.SettleAnyDeadLetter(ctx, dbsqlc.SettleAnyDeadLetterParams{ID: id, Status: status, RedriveRunID: runID})
}

// open fetches a dead letter that is still open.
func open(ctx context.Context, l letters, id uuid.UUID) (dbsqlc.DeadLetter, error) {
	row, err := l.get(ctx, id)
	if err != nil {
		return row, err
	}
	if row.Status != StatusOpen {
		return row, services.Errorf(services.Conflict, "This dead letter is already %s.", row.Status)
	}
	return row, nil
}

func (s *Service) redrive(ctx context.Context, l letters, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	row, err := open(ctx, l, id)
	if err != nil {
		return DeadLetter{}, err
	}
	if len(input) == 0 {
		input = row.Input
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
		ID: row.WorkflowID, TaskQueue: row.TaskQueue, TypedSearchAttributes: s.attributesOf(ctx, row),
	}, row.WorkflowType, argv...)
	if err != nil {
		return DeadLetter{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not start the run: " + err.Error(), Err: err}
	}
	runID := run.GetRunID()
	if err := l.settle(ctx, id, StatusRedriven, &runID); err != nil {
		return DeadLetter{}, err
	}
	d := fromRow(row)
	d.Status, d.RedriveRunID = StatusRedriven, &runID
	return s.linked(d), nil
}

// attributesOf gives the new run the failed run's search attributes, so it
// is found where the failed one was; when Temporal no longer has the failed
// run, the org's.
func (s *Service) attributesOf(ctx context.Context, row dbsqlc.DeadLetter) temporal.SearchAttributes {
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
	row, err := open(ctx, l, id)
	if err != nil {
		return DeadLetter{}, err
	}
	if err := l.settle(ctx, id, StatusDiscarded, nil); err != nil {
		return DeadLetter{}, err
	}
	d := fromRow(row)
	d.Status = StatusDiscarded
	return s.linked(d), nil
}

func fromRow(r dbsqlc.DeadLetter) DeadLetter {
	return DeadLetter{ID: r.ID, OrgID: r.OrgID, WorkflowType: r.WorkflowType, WorkflowID: r.WorkflowID, RunID: r.RunID, TaskQueue: r.TaskQueue,
		Input: r.Input, FailureType: r.FailureType, FailureMessage: r.FailureMessage, Attempts: r.Attempts, Status: r.Status,
		RedriveRunID: r.RedriveRunID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
