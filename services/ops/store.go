package ops

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/paging"
)

// ErrNoDeadLetter answers for a dead letter the org does not have.
var ErrNoDeadLetter = services.Errorf(services.NotFound, "This organisation has no such dead letter.")

// record stores a dead letter once per run; recorded is false when an
// earlier attempt stored it.
func record(ctx context.Context, tx dbsqlc.DBTX, orgID uuid.UUID, d activities.DeadLetter) (id uuid.UUID, recorded bool, err error) {
	row, err := dbsqlc.New(tx).RecordDeadLetter(ctx, dbsqlc.RecordDeadLetterParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, WorkflowType: d.WorkflowType, WorkflowID: d.WorkflowID, RunID: d.RunID,
		TaskQueue: d.TaskQueue, Input: d.Input, FailureType: d.FailureType, FailureMessage: d.FailureMessage, Attempts: int32(d.Attempts),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, db.Interpret("record dead letter", err, nil)
	}
	return row.ID, true, nil
}

// letters is where dead letters are looked up and settled: in one org, or
// across orgs for the operator.
type letters interface {
	get(ctx context.Context, id uuid.UUID) (DeadLetter, error) // locked for update
	settle(ctx context.Context, id uuid.UUID, status string, runID *string) error
}

type tenantLetters struct {
	q   *dbsqlc.Queries
	org uuid.UUID
}

func (t tenantLetters) get(ctx context.Context, id uuid.UUID) (DeadLetter, error) {
	row, err := t.q.GetDeadLetter(ctx, dbsqlc.GetDeadLetterParams{OrgID: t.org, ID: id})
	if err != nil {
		return DeadLetter{}, db.Interpret("get dead letter", err, ErrNoDeadLetter)
	}
	return fromRow(row), nil
}

func (t tenantLetters) list(ctx context.Context, status *string, page paging.Page) ([]DeadLetter, string, error) {
	rows, err := t.q.ListDeadLetters(ctx, dbsqlc.ListDeadLettersParams{OrgID: t.org, Status: status, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list dead letters", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, rowID, fromRow)
	return out, next, nil
}

func (t tenantLetters) settle(ctx context.Context, id uuid.UUID, status string, runID *string) error {
	err := t.q.SettleDeadLetter(ctx, dbsqlc.SettleDeadLetterParams{OrgID: t.org, ID: id, Status: status, RedriveRunID: runID})
	return db.Interpret("settle dead letter", err, nil)
}

type operatorLetters struct{ q *dbsqlc.Queries }

func (o operatorLetters) get(ctx context.Context, id uuid.UUID) (DeadLetter, error) {
	row, err := o.q.GetAnyDeadLetter(ctx, id)
	if err != nil {
		return DeadLetter{}, db.Interpret("get any dead letter", err, services.Errorf(services.NotFound, "No dead letter has id %s.", id))
	}
	return fromRow(row), nil
}

func (o operatorLetters) list(ctx context.Context, org *uuid.UUID, status *string, page paging.Page) ([]DeadLetter, string, error) {
	rows, err := o.q.ListAllDeadLetters(ctx, dbsqlc.ListAllDeadLettersParams{OrgID: org, Status: status, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list every org's dead letters", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, rowID, fromRow)
	return out, next, nil
}

func (o operatorLetters) settle(ctx context.Context, id uuid.UUID, status string, runID *string) error {
	err := o.q.SettleAnyDeadLetter(ctx, dbsqlc.SettleAnyDeadLetterParams{ID: id, Status: status, RedriveRunID: runID})
	return db.Interpret("settle any dead letter", err, nil)
}

func rowID(r dbsqlc.DeadLetter) uuid.UUID { return r.ID }

func fromRow(r dbsqlc.DeadLetter) DeadLetter {
	return DeadLetter{ID: r.ID, OrgID: r.OrgID, WorkflowType: r.WorkflowType, WorkflowID: r.WorkflowID, RunID: r.RunID, TaskQueue: r.TaskQueue,
		Input: r.Input, FailureType: r.FailureType, FailureMessage: r.FailureMessage, Attempts: r.Attempts, Status: r.Status,
		RedriveRunID: r.RedriveRunID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// lettersOf is the store of one org's dead letters, in its tenant tx.
func lettersOf(tx dbsqlc.DBTX, org uuid.UUID) tenantLetters {
	return tenantLetters{dbsqlc.New(tx), org}
}

// everyOrgsLetters is the operator's store of every org's dead letters, in
// a db.AsOperator transaction.
func everyOrgsLetters(tx dbsqlc.DBTX) operatorLetters { return operatorLetters{dbsqlc.New(tx)} }
