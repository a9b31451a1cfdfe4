package activities

import (
	"context"
	"time"

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

// FollowUpRecorder stores a due follow-up: a row, a timeline entry, a
// notification and the event of the next step, in one transaction, once per
// Key. It returns ErrLeadGone (as a non-retryable error) when the lead no
// longer exists.
type FollowUpRecorder interface {
	RecordFollowUpDue(ctx context.Context, f FollowUpDue) error
}

// FollowUpPlan is the cadence a lead's follow-ups run on.
type FollowUpPlan struct {
	Cadence []int         `json:"cadence"` // days
	Day     time.Duration `json:"day"`     // a day's length; 24h when zero
}

// FollowUpPlanner reads an org's follow-up cadence from its sales settings.
type FollowUpPlanner interface {
	FollowUpPlan(ctx context.Context, orgID string) (FollowUpPlan, error)
}

// Sales holds the sales engine's activities.
type Sales struct {
	FollowUps FollowUpRecorder
	Planner   FollowUpPlanner
}

// PlanFollowUps returns the org's follow-up cadence.
func (s *Sales) PlanFollowUps(ctx context.Context, orgID string) (FollowUpPlan, error) {
	if orgID == "" {
		return FollowUpPlan{}, temporal.NewNonRetryableApplicationError("follow-up plan without org", ErrInvalidInput, nil)
	}
	return s.Planner.FollowUpPlan(ctx, orgID)
}

// RecordFollowUpDue records a due follow-up step.
func (s *Sales) RecordFollowUpDue(ctx context.Context, f FollowUpDue) error {
	if f.OrgID == "" || f.LeadID == "" || f.Step < 1 {
		return temporal.NewNonRetryableApplicationError("follow-up without org, lead or step", ErrInvalidInput, nil)
	}
	return s.FollowUps.RecordFollowUpDue(ctx, f)
}
