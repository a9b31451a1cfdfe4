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

// DeadLetter is what the ops API shows of one.
type DeadLetter struct {
	ID             uuid.UUID       `json:"id"`
	WorkflowType   string          `json:"workflow_type"`
	WorkflowID     string          `json:"workflow_id"`
	RunID          string          `json:"run_id"`
	Input          json.RawMessage `json:"input"`
	FailureType    string          `json:"failure_type"`
	FailureMessage string          `json:"failure_message"`
	Attempts       int32           `json:"attempts"`
	Status         string          `json:"status"`
	RedriveRunID   *string         `json:"redrive_run_id"`
	CreatedAt      time.Time       `json:"created_at"`
}

// Service lists, re-drives and discards an org's dead letters.
type Service struct {
	Temporal client.Client
}

func canOperate(m core.Membership) error {
	if m.Principal.Token != nil || !m.Role.Manages() {
		return services.Errorf(services.Forbidden, "Only owners and admins may handle dead letters.")
	}
	return nil
}

// List pages through the org's dead letters, open ones by default.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m core.Membership, status *string, page core.Page) ([]DeadLetter, string, error) {
	if err := canOperate(m); err != nil {
		return nil, "", err
	}
	rows, err := dbsqlc.New(tx).ListDeadLetters(ctx, dbsqlc.ListDeadLettersParams{OrgID: m.OrgID, Status: status, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := core.Paginate(rows, page.Limit, func(r dbsqlc.DeadLetter) uuid.UUID { return r.ID }, fromRow)
	return out, next, nil
}

// Redrive starts the workflow again, under the same id, with the stored
// input or an edited one, links the new run and marks the letter.
func (s *Service) Redrive(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID, input json.RawMessage) (DeadLetter, error) {
	if err := canOperate(m); err != nil {
		return DeadLetter{}, err
	}
	q := dbsqlc.New(tx)
	row, err := q.GetDeadLetter(ctx, dbsqlc.GetDeadLetterParams{OrgID: m.OrgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return DeadLetter{}, services.Errorf(services.NotFound, "This organisation has no such dead letter.")
	}
	if err != nil {
		return DeadLetter{}, err
	}
	if row.Status != "open" {
		return DeadLetter{}, services.Errorf(services.Conflict, "This dead letter is already %s.", row.Status)
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
		ID: row.WorkflowID, TaskQueue: row.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(itemporal.OrgID.ValueSet(m.OrgID.String())),
	}, row.WorkflowType, argv...)
	if err != nil {
		return DeadLetter{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not start the run: " + err.Error(), Err: err}
	}
	runID := run.GetRunID()
	if err := q.SettleDeadLetter(ctx, dbsqlc.SettleDeadLetterParams{OrgID: m.OrgID, ID: id, Status: "redriven", RedriveRunID: &runID}); err != nil {
		return DeadLetter{}, err
	}
	d := fromRow(row)
	d.Status, d.RedriveRunID = "redriven", &runID
	return d, nil
}

// Discard closes a dead letter without running it again.
func (s *Service) Discard(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID) error {
	if err := canOperate(m); err != nil {
		return err
	}
	q := dbsqlc.New(tx)
	row, err := q.GetDeadLetter(ctx, dbsqlc.GetDeadLetterParams{OrgID: m.OrgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return services.Errorf(services.NotFound, "This organisation has no such dead letter.")
	}
	if err != nil {
		return err
	}
	if row.Status != "open" {
		return services.Errorf(services.Conflict, "This dead letter is already %s.", row.Status)
	}
	return q.SettleDeadLetter(ctx, dbsqlc.SettleDeadLetterParams{OrgID: m.OrgID, ID: id, Status: "discarded"})
}

func fromRow(r dbsqlc.DeadLetter) DeadLetter {
	return DeadLetter{ID: r.ID, WorkflowType: r.WorkflowType, WorkflowID: r.WorkflowID, RunID: r.RunID, Input: r.Input,
		FailureType: r.FailureType, FailureMessage: r.FailureMessage, Attempts: r.Attempts, Status: r.Status,
		RedriveRunID: r.RedriveRunID, CreatedAt: r.CreatedAt}
}
