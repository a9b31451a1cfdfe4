package sales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/workflows"
)

// Settings are an org's sales settings. Today they hold the follow-up
// cadence; the Universal Brief's sales context will write them too.
type Settings struct {
	// FollowUpCadenceDays are the days after a lead arrives (or is
	// contacted) when its follow-ups fall due, strictly increasing.
	FollowUpCadenceDays []int `json:"followup_cadence_days"`
	// Source says where the cadence comes from: "org" (set by the org) or
	// "default".
	Source    string     `json:"source"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Limits of a cadence: a step a year away at most, twenty steps at most.
const (
	maxCadenceSteps = 20
	maxCadenceDay   = 365
)

// GetSettings returns the org's sales settings, or the defaults.
func (s *Service) GetSettings(ctx context.Context, tx pgx.Tx, m core.Membership) (Settings, error) {
	if !m.Principal.Allows("leads:read") {
		return Settings{}, services.Errorf(services.Forbidden, "This API token lacks the leads:read scope.")
	}
	return settingsOf(ctx, dbsqlc.New(tx), m.OrgID)
}

// PutSettings replaces the org's sales settings. Owners and admins only;
// a lead's cadence is fixed when its follow-ups start, so the new cadence
// applies to leads created from now on.
func (s *Service) PutSettings(ctx context.Context, tx pgx.Tx, m core.Membership, in Settings) (Settings, error) {
	if m.Principal.Token != nil || !m.Role.Manages() {
		return Settings{}, services.Errorf(services.Forbidden, "Only owners and admins may change the sales settings.")
	}
	if msg := validCadence(in.FollowUpCadenceDays); msg != "" {
		return Settings{}, &services.Error{Code: services.Invalid, Message: "followup_cadence_days " + msg + ".",
			Fields: map[string]string{"followup_cadence_days": msg}}
	}
	days := make([]int32, len(in.FollowUpCadenceDays))
	for i, d := range in.FollowUpCadenceDays {
		days[i] = int32(d)
	}
	var by *uuid.UUID
	if m.Principal.UserID != uuid.Nil {
		by = &m.Principal.UserID
	}
	row, err := dbsqlc.New(tx).PutSalesSettings(ctx, dbsqlc.PutSalesSettingsParams{OrgID: m.OrgID, FollowupCadenceDays: days, UpdatedBy: by})
	if err != nil {
		return Settings{}, err
	}
	return fromSettingsRow(row), nil
}

func validCadence(days []int) string {
	switch {
	case len(days) == 0:
		return "needs at least one day"
	case len(days) > maxCadenceSteps:
		return fmt.Sprintf("has at most %d days", maxCadenceSteps)
	case days[0] < 1 || days[len(days)-1] > maxCadenceDay:
		return fmt.Sprintf("are days from 1 to %d", maxCadenceDay)
	}
	for i := 1; i < len(days); i++ {
		if days[i] <= days[i-1] {
			return "must increase strictly, such as [1, 3, 7]"
		}
	}
	return ""
}

func settingsOf(ctx context.Context, q *dbsqlc.Queries, orgID uuid.UUID) (Settings, error) {
	row, err := q.GetSalesSettings(ctx, orgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Settings{FollowUpCadenceDays: slices.Clone(workflows.DefaultCadence()), Source: "default"}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	return fromSettingsRow(row), nil
}

func fromSettingsRow(r dbsqlc.SalesSetting) Settings {
	days := make([]int, len(r.FollowupCadenceDays))
	for i, d := range r.FollowupCadenceDays {
		days[i] = int(d)
	}
	return Settings{FollowUpCadenceDays: days, Source: "org", UpdatedAt: &r.UpdatedAt}
}

// Planner answers the follow-up workflow's question "which cadence?" from
// the org's sales settings: the database side of the FollowUpPlan activity.
type Planner struct {
	DB *db.DB
	// Day is how long a cadence day lasts (XENTRI_FOLLOWUP_DAY).
	Day time.Duration
}

var _ activities.FollowUpPlanner = (*Planner)(nil)

// FollowUpPlan reads the org's cadence.
func (p *Planner) FollowUpPlan(ctx context.Context, org string) (activities.FollowUpPlan, error) {
	orgID, err := uuid.Parse(org)
	if err != nil {
		return activities.FollowUpPlan{}, temporal.NewNonRetryableApplicationError("malformed org id", activities.ErrInvalidInput, nil)
	}
	var set Settings
	err = p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) (err error) {
		set, err = settingsOf(ctx, dbsqlc.New(tx), orgID)
		return err
	})
	if err != nil {
		return activities.FollowUpPlan{}, fmt.Errorf("sales settings: %w", err)
	}
	return activities.FollowUpPlan{Cadence: set.FollowUpCadenceDays, Day: p.Day}, nil
}
