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

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/events/stream"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/workflows"
)

// FollowUps is the sales engine's side of the lead follow-up workflow: it
// reads an org's cadence and records follow-up steps as they fall due
// (activities.Sales calls it).
type FollowUps struct {
	DB     *db.DB
	Events *events.Writer
	// Day is how long a cadence day lasts (XENTRI_FOLLOWUP_DAY).
	Day time.Duration
}

var _ activities.FollowUps = (*FollowUps)(nil)

// Plan reads the org's cadence from its sales settings.
func (f *FollowUps) Plan(ctx context.Context, orgID uuid.UUID) (activities.FollowUpPlan, error) {
	var set Settings
	err := f.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) (err error) {
		set, err = storeIn(tx).settings(ctx, orgID, workflows.DefaultCadence)
		return err
	})
	if err != nil {
		return activities.FollowUpPlan{}, fmt.Errorf("plan follow-ups: %w", err)
	}
	return activities.FollowUpPlan{Cadence: set.FollowUpCadenceDays, Day: f.Day}, nil
}

// RecordDue stores the due step, its timeline entry, a notification and
// xentri.followup.scheduled.v1 (which n8n turns into the e-mail or message)
// in one transaction, once per step key. A lead that no longer exists is
// ErrNoLead.
func (f *FollowUps) RecordDue(ctx context.Context, due activities.FollowUpDue) error {
	orgID, err1 := uuid.Parse(due.OrgID)
	leadID, err2 := uuid.Parse(due.LeadID)
	if err1 != nil || err2 != nil {
		return services.Errorf(services.Invalid, "malformed org or lead id")
	}
	err := f.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		lead, err := st.lead(ctx, orgID, leadID)
		if err != nil {
			return fmt.Errorf("load lead: %w", err)
		}
		followUpID, recorded, err := st.recordFollowUp(ctx, orgID, leadID, due.Step, due.DueAt, due.Key)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if !recorded {
			return nil // recorded by an earlier attempt
		}
		detail := map[string]any{"step": due.Step, "due_at": due.DueAt, "next_due_at": due.NextDueAt}
		if err := st.addActivity(ctx, lead, "followup_due", events.Actor{Type: "job", ID: "lead-followup"}, detail); err != nil {
			return fmt.Errorf("timeline: %w", err)
		}
		if err := notification.Add(ctx, tx, orgID, notification.KindFollowUpDue,
			fmt.Sprintf("Follow up with %s (step %d)", lead.Name, due.Step), &leadID); err != nil {
			return err
		}
		err = f.Events.Emit(ctx, tx, events.Event{
			Type: contracts.EventFollowupScheduled, OrgID: orgID, Actor: events.Actor{Type: "job", ID: FollowUpWorkflowID(leadID)},
			CorrelationID: FollowUpWorkflowID(leadID),
			Payload: contracts.FollowupScheduled{LeadID: leadID.String(), FollowupID: followUpID.String(), DueAt: due.DueAt.UTC(),
				Step: due.Step, Channel: channelFor(lead)},
		})
		if err != nil {
			return fmt.Errorf("emit: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record follow-up: %w", err)
	}
	return nil
}

// channelFor is how the lead can be reached.
func channelFor(l Lead) string {
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
// before, or never started) is not an error. An event it cannot read is
// permanent: no retry will mend it, so it goes to the dead-letter stream.
func (s *Signaller) Handle(ctx context.Context, e contracts.Envelope) error {
	if e.Type != contracts.EventLeadUpdated {
		return nil
	}
	var p contracts.LeadUpdated
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return stream.Permanent(fmt.Errorf("lead.updated payload: %w", err))
	}
	switch p.Status {
	case string(StatusContacted), string(StatusWon), string(StatusLost):
	default:
		return nil
	}
	leadID, err := uuid.Parse(p.LeadID)
	if err != nil {
		return stream.Permanent(fmt.Errorf("lead.updated lead_id %q: %w", p.LeadID, err))
	}
	err = s.Temporal.SignalWorkflow(ctx, FollowUpWorkflowID(leadID), "", workflows.SignalLeadStatus, workflows.LeadStatusSignal{Status: p.Status})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("signal follow-ups: %w", err)
	}
	return nil
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
