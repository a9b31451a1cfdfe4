package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// DatabaseOptions is the retry policy of activities that only talk to
// Postgres: quick, retried for a while, validation and missing rows final.
var DatabaseOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		MaximumAttempts:        10,
		NonRetryableErrorTypes: []string{ErrInvalidInput, ErrLeadGone},
	},
}

// Application error types activities return for final failures.
const (
	ErrInvalidInput = "InvalidInput"
	ErrLeadGone     = "LeadGone"
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

// Sales holds the sales engine's activities.
type Sales struct {
	FollowUps FollowUpRecorder
}

// RecordFollowUpDue records a due follow-up step.
func (s *Sales) RecordFollowUpDue(ctx context.Context, f FollowUpDue) error {
	if f.OrgID == "" || f.LeadID == "" || f.Step < 1 {
		return temporal.NewNonRetryableApplicationError("follow-up without org, lead or step", ErrInvalidInput, nil)
	}
	return s.FollowUps.RecordFollowUpDue(ctx, f)
}
