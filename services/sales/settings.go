package sales

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/workflows"
)

// Settings are an org's sales settings. Today they hold the follow-up
// cadence, which the owner sets by hand or the Universal Brief's sales
// pipeline context sets (ApplyBriefCadence) until the owner does.
type Settings struct {
	// FollowUpCadenceDays are the days after a lead arrives (or is
	// contacted) when its follow-ups fall due, strictly increasing.
	FollowUpCadenceDays []int `json:"followup_cadence_days"`
	// Source says where the cadence comes from: "org" (set by the org's
	// owner or an admin), "brief" (from the Universal Brief) or "default".
	Source    string     `json:"source"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Limits of a cadence: a step a year away at most, twenty steps at most.
const (
	maxCadenceSteps = 20
	maxCadenceDay   = 365
)

// GetSettings returns the org's sales settings, or the defaults.
func (s *Service) GetSettings(ctx context.Context, tx pgx.Tx, m access.Membership) (Settings, error) {
	if err := m.Need(access.ScopeLeadsRead); err != nil {
		return Settings{}, err
	}
	set, err := storeIn(tx).settings(ctx, m.OrgID, workflows.DefaultCadence)
	if err != nil {
		return Settings{}, fmt.Errorf("get sales settings: %w", err)
	}
	return set, nil
}

// PutSettings replaces the org's sales settings. Owners and admins only;
// a lead's cadence is fixed when its follow-ups start, so the new cadence
// applies to leads created from now on.
func (s *Service) PutSettings(ctx context.Context, tx pgx.Tx, m access.Membership, in Settings) (Settings, error) {
	if err := m.NeedManager("", "the sales settings"); err != nil {
		return Settings{}, err
	}
	if msg := validCadence(in.FollowUpCadenceDays); msg != "" {
		return Settings{}, &services.Error{Code: services.Invalid, Message: "followup_cadence_days " + msg + ".",
			Fields: map[string]string{"followup_cadence_days": msg}}
	}
	set, err := storeIn(tx).putSettings(ctx, m.OrgID, in.FollowUpCadenceDays, m.Principal.UserRef())
	if err != nil {
		return Settings{}, fmt.Errorf("put sales settings: %w", err)
	}
	return set, nil
}

// ApplyBriefCadence sets the org's follow-up cadence from its Universal
// Brief (the sales pipeline context), in the Brief's transaction. It writes
// only when the org has no settings yet or the Brief set the ones it has: a
// cadence the owner set by hand stays, and applied is false. The days are
// validated as PutSettings validates them. Like PutSettings, it applies to
// leads created from now on.
func (s *Service) ApplyBriefCadence(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, days []int) (applied bool, err error) {
	if msg := validCadence(days); msg != "" {
		return false, &services.Error{Code: services.Invalid, Message: "The Brief's follow-up cadence " + msg + ".",
			Fields: map[string]string{"sales.follow_up_days": msg}}
	}
	applied, err = storeIn(tx).putBriefCadence(ctx, orgID, days)
	if err != nil {
		return false, fmt.Errorf("apply the brief's cadence: %w", err)
	}
	return applied, nil
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
