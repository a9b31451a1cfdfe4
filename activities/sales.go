package activities

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
)

// FollowUpDue is one follow-up step falling due.
type FollowUpDue struct {
	OrgID     string     `json:"org_id"`
	LeadID    string     `json:"lead_id"`
	Step      int        `json:"step"`
	DueAt     time.Time  `json:"due_at"`
	NextDueAt *time.Time `json:"next_due_at,omitempty"`
	Key       string     `json:"key"` // records the step once, however often it runs
}

// FollowUpPlan is the cadence a lead's follow-ups run on.
type FollowUpPlan struct {
	Cadence []int         `json:"cadence"` // days
	Day     time.Duration `json:"day"`     // a day's length; 24h when zero
}

// FollowUps is what the sales engine does for the lead follow-up workflow
// (services/sales.FollowUps).
type FollowUps interface {
	// Plan reads the org's follow-up cadence from its sales settings.
	Plan(ctx context.Context, orgID uuid.UUID) (FollowUpPlan, error)
	// RecordDue stores a due step (a row, a timeline entry, a notification
	// and its event) in one transaction, once per key; a lead that no
	// longer exists is a services NotFound.
	RecordDue(ctx context.Context, f FollowUpDue) error
}

// Sales holds the sales engine's activities.
type Sales struct {
	FollowUps FollowUps
}

// PlanFollowUps returns the org's follow-up cadence.
func (s *Sales) PlanFollowUps(ctx context.Context, orgID string) (FollowUpPlan, error) {
	id, err := uuid.Parse(orgID)
	if err != nil {
		return FollowUpPlan{}, temporal.NewNonRetryableApplicationError("follow-up plan without a valid org id", ErrInvalidInput, err)
	}
	plan, err := s.FollowUps.Plan(ctx, id)
	return plan, Final(err)
}

// RecordFollowUpDue records a due follow-up step. A lead that is gone ends
// the workflow quietly (ErrLeadGone), not as a failure.
func (s *Sales) RecordFollowUpDue(ctx context.Context, f FollowUpDue) error {
	if f.OrgID == "" || f.LeadID == "" || f.Step < 1 {
		return temporal.NewNonRetryableApplicationError("follow-up without org, lead or step", ErrInvalidInput, nil)
	}
	return finalAs(s.FollowUps.RecordDue(ctx, f), map[string]string{ErrNotFound: ErrLeadGone})
}
