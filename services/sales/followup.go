package sales

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/workflows"
)

// FollowUps records follow-up steps as they fall due: the database side of
// the lead follow-up workflow's activity.
type FollowUps struct {
	DB     *db.DB
	Events *events.Writer
}

var _ activities.FollowUpRecorder = (*FollowUps)(nil)

// RecordFollowUpDue stores the due step, its timeline entry and
// xentri.followup.scheduled.v1 (which n8n turns into the e-mail or message)
// in one transaction, once per step key.
func (f *FollowUps) RecordFollowUpDue(ctx context.Context, in activities.FollowUpDue) error {
	orgID, err1 := uuid.Parse(in.OrgID)
	leadID, err2 := uuid.Parse(in.LeadID)
	if err1 != nil || err2 != nil {
		return temporal.NewNonRetryableApplicationError("malformed org or lead id", activities.ErrInvalidInput, nil)
	}
	return f.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		lead, err := q.GetLead(ctx, dbsqlc.GetLeadParams{OrgID: orgID, ID: leadID})
		if errors.Is(err, pgx.ErrNoRows) {
			return temporal.NewNonRetryableApplicationError("the lead no longer exists", activities.ErrLeadGone, nil)
		}
		if err != nil {
			return fmt.Errorf("load lead: %w", err)
		}
		row, err := q.RecordFollowUp(ctx, dbsqlc.RecordFollowUpParams{
			ID: uuid.Must(uuid.NewV7()), OrgID: orgID, LeadID: leadID, Step: int32(in.Step), DueAt: in.DueAt, StepKey: in.Key,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // this step was recorded by an earlier attempt
		}
		if err != nil {
			return fmt.Errorf("record follow-up: %w", err)
		}
		detail, _ := json.Marshal(map[string]any{"step": in.Step, "due_at": in.DueAt, "next_due_at": in.NextDueAt})
		if _, err := q.AddLeadActivity(ctx, dbsqlc.AddLeadActivityParams{
			ID: uuid.Must(uuid.NewV7()), OrgID: orgID, LeadID: leadID, Kind: "followup_due", Detail: detail, Actor: "job:lead-followup",
		}); err != nil {
			return err
		}
		if err := core.Notify(ctx, tx, orgID, "followup_due",
			fmt.Sprintf("Follow up with %s (step %d)", lead.Name, in.Step), &leadID); err != nil {
			return err
		}
		return f.Events.Emit(ctx, tx, events.Event{
			Type: contracts.EventFollowupScheduled, OrgID: orgID, Actor: events.Actor{Type: "job", ID: FollowUpWorkflowID(leadID)},
			CorrelationID: FollowUpWorkflowID(leadID),
			Payload: contracts.FollowupScheduled{LeadID: leadID.String(), FollowupID: row.ID.String(), DueAt: in.DueAt.UTC(),
				Step: in.Step, Channel: channelFor(lead)},
		})
	})
}

// channelFor is how the lead can be reached.
func channelFor(l dbsqlc.Lead) string {
	switch {
	case l.Email != nil:
		return "email"
	case l.Phone != nil:
		return "call"
	}
	return "task"
}

// Signaller passes lead status changes to the lead's follow-up workflow: the
// handler of the "lead-followups" consumer group. Driven by the committed
// xentri.lead.updated.v1 event, a change that rolled back never reaches the
// workflow.
type Signaller struct {
	Temporal client.Client
}

// Handle signals contacted, won and lost to the workflow; other events and
// other statuses are none of its business. A workflow that has ended (won
// before, or never started) is not an error.
func (s *Signaller) Handle(ctx context.Context, e contracts.Envelope) error {
	if e.Type != contracts.EventLeadUpdated {
		return nil
	}
	var p contracts.LeadUpdated
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return nil
	}
	switch p.Status {
	case string(StatusContacted), string(StatusWon), string(StatusLost):
	default:
		return nil
	}
	leadID, err := uuid.Parse(p.LeadID)
	if err != nil {
		return nil
	}
	err = s.Temporal.SignalWorkflow(ctx, FollowUpWorkflowID(leadID), "", workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: p.Status})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return err
}

// FollowUpView is a lead's follow-ups: those recorded, and those to come
// (from the workflow's query).
type FollowUpView struct {
	WorkflowID string             `json:"workflow_id"`
	Ended      string             `json:"ended,omitempty"`
	Past       []PastFollowUp     `json:"past"`
	Upcoming   []workflows.FUStep `json:"upcoming"`
}

// PastFollowUp is a recorded step.
type PastFollowUp struct {
	ID     uuid.UUID `json:"id"`
	Step   int32     `json:"step"`
	DueAt  time.Time `json:"due_at"`
	Status string    `json:"status"`
}
