package sales

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/paging"
)

// The store's not-found answers.
var (
	ErrNoLead = services.Errorf(services.NotFound, "This organisation has no such lead.")
	ErrNoOrg  = services.Errorf(services.NotFound, "No such organisation.")
	// errVersion: an update named a version the lead is no longer at.
	errVersion = errors.New("stale lead version")
	// errEmailTaken: the unique index caught a second lead with an e-mail
	// address (a concurrent create that passed the lookup).
	errEmailTaken = services.Errorf(services.Conflict, "Another lead already has this e-mail address.")
)

// store runs the sales queries in one transaction and maps their rows to
// the domain's types; a missing row is the domain's not-found error.
type store struct{ q *dbsqlc.Queries }

func storeIn(tx dbsqlc.DBTX) store { return store{dbsqlc.New(tx)} }

func (s store) orgExists(ctx context.Context, orgID uuid.UUID) error {
	_, err := s.q.GetOrg(ctx, orgID)
	return db.Interpret("get org", err, ErrNoOrg)
}

func (s store) createLead(ctx context.Context, orgID uuid.UUID, in LeadInput) (Lead, error) {
	amount, currency := moneyColumns(in.Value)
	row, err := s.q.CreateLead(ctx, dbsqlc.CreateLeadParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Name: in.Name, Email: in.Email, Phone: in.Phone, Company: in.Company,
		Source: in.Source, ValueAmount: amount, ValueCurrency: currency, Notes: in.Notes,
	})
	if db.IsUniqueViolation(err) {
		return Lead{}, errEmailTaken
	}
	if err != nil {
		return Lead{}, db.Interpret("create lead", err, nil)
	}
	return leadFromRow(row), nil
}

func (s store) lead(ctx context.Context, orgID, id uuid.UUID) (Lead, error) {
	row, err := s.q.GetLead(ctx, dbsqlc.GetLeadParams{OrgID: orgID, ID: id})
	if err != nil {
		return Lead{}, db.Interpret("get lead", err, ErrNoLead)
	}
	return leadFromRow(row), nil
}

// lockLead reads the lead and locks it until the transaction ends, so a
// concurrent change waits and then sees this one's result.
func (s store) lockLead(ctx context.Context, orgID, id uuid.UUID) (Lead, error) {
	row, err := s.q.LockLead(ctx, dbsqlc.LockLeadParams{OrgID: orgID, ID: id})
	if err != nil {
		return Lead{}, db.Interpret("lock lead", err, ErrNoLead)
	}
	return leadFromRow(row), nil
}

func (s store) leadByEmail(ctx context.Context, orgID uuid.UUID, email string) (Lead, error) {
	row, err := s.q.GetLeadByEmail(ctx, dbsqlc.GetLeadByEmailParams{OrgID: orgID, Email: email})
	if err != nil {
		return Lead{}, db.Interpret("get lead by e-mail", err, ErrNoLead)
	}
	return leadFromRow(row), nil
}

func (s store) leads(ctx context.Context, orgID uuid.UUID, f Filter, page paging.Page) ([]Lead, string, error) {
	rows, err := s.q.ListLeads(ctx, dbsqlc.ListLeadsParams{
		OrgID: orgID, Status: f.Status, Source: f.Source, Q: f.Query, After: page.After, Lim: page.Fetch(),
	})
	if err != nil {
		return nil, "", db.Interpret("list leads", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.Lead) uuid.UUID { return r.ID }, leadFromRow)
	return out, next, nil
}

func (s store) summary(ctx context.Context, orgID uuid.UUID, f Filter) ([]dbsqlc.LeadSummaryRow, error) {
	rows, err := s.q.LeadSummary(ctx, dbsqlc.LeadSummaryParams{OrgID: orgID, Source: f.Source, Q: f.Query})
	return rows, db.Interpret("lead summary", err, nil)
}

// updateLead writes in if the lead is still at version; errVersion if not.
func (s store) updateLead(ctx context.Context, orgID, id uuid.UUID, version int32, in LeadInput) (Lead, error) {
	amount, currency := moneyColumns(in.Value)
	row, err := s.q.UpdateLead(ctx, dbsqlc.UpdateLeadParams{
		OrgID: orgID, ID: id, Version: version, Name: in.Name, Email: in.Email, Phone: in.Phone, Company: in.Company,
		Source: in.Source, ValueAmount: amount, ValueCurrency: currency, Notes: in.Notes,
	})
	if db.IsUniqueViolation(err) {
		return Lead{}, errEmailTaken
	}
	if err != nil {
		return Lead{}, db.Interpret("update lead", err, errVersion)
	}
	return leadFromRow(row), nil
}

func (s store) setStatus(ctx context.Context, orgID, id uuid.UUID, st Status, lostReason *string) (Lead, error) {
	row, err := s.q.SetLeadStatus(ctx, dbsqlc.SetLeadStatusParams{OrgID: orgID, ID: id, Status: string(st), LostReason: lostReason})
	if err != nil {
		return Lead{}, db.Interpret("set lead status", err, ErrNoLead)
	}
	return leadFromRow(row), nil
}

// addActivity adds an entry to the lead's timeline.
func (s store) addActivity(ctx context.Context, lead Lead, kind string, actor events.Actor, detail map[string]any) error {
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("encode activity detail: %w", err)
	}
	_, err = s.q.AddLeadActivity(ctx, dbsqlc.AddLeadActivityParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: lead.OrgID, LeadID: lead.ID, Kind: kind, Detail: raw, Actor: actor.Type + ":" + actor.ID,
	})
	return db.Interpret("add lead activity", err, nil)
}

func (s store) activities(ctx context.Context, orgID, leadID uuid.UUID, page paging.Page) ([]Activity, string, error) {
	rows, err := s.q.ListLeadActivities(ctx, dbsqlc.ListLeadActivitiesParams{OrgID: orgID, LeadID: leadID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list lead activities", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.LeadActivity) uuid.UUID { return r.ID },
		func(r dbsqlc.LeadActivity) Activity {
			return Activity{ID: r.ID, Kind: r.Kind, Detail: r.Detail, Actor: r.Actor, CreatedAt: r.CreatedAt}
		})
	return out, next, nil
}

// recordFollowUp stores a due step once per key; recorded is false when an
// earlier attempt stored it.
func (s store) recordFollowUp(ctx context.Context, orgID, leadID uuid.UUID, step int, dueAt time.Time, key string) (id uuid.UUID, recorded bool, err error) {
	row, err := s.q.RecordFollowUp(ctx, dbsqlc.RecordFollowUpParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, LeadID: leadID, Step: int32(step), DueAt: dueAt, StepKey: key,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, db.Interpret("record follow-up", err, nil)
	}
	return row.ID, true, nil
}

func (s store) followUps(ctx context.Context, orgID, leadID uuid.UUID) ([]PastFollowUp, error) {
	rows, err := s.q.ListFollowUps(ctx, dbsqlc.ListFollowUpsParams{OrgID: orgID, LeadID: leadID})
	if err != nil {
		return nil, db.Interpret("list follow-ups", err, nil)
	}
	out := make([]PastFollowUp, 0, len(rows))
	for _, r := range rows {
		out = append(out, PastFollowUp{ID: r.ID, Step: r.Step, DueAt: r.DueAt, Status: r.Status})
	}
	return out, nil
}

// settings returns the org's sales settings, or the defaults.
func (s store) settings(ctx context.Context, orgID uuid.UUID, defaults func() []int) (Settings, error) {
	row, err := s.q.GetSalesSettings(ctx, orgID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Settings{FollowUpCadenceDays: defaults(), Source: "default"}, nil
	}
	if err != nil {
		return Settings{}, db.Interpret("get sales settings", err, nil)
	}
	return settingsFromRow(row), nil
}

func (s store) putSettings(ctx context.Context, orgID uuid.UUID, cadence []int, by *uuid.UUID) (Settings, error) {
	days := make([]int32, len(cadence))
	for i, d := range cadence {
		days[i] = int32(d)
	}
	row, err := s.q.PutSalesSettings(ctx, dbsqlc.PutSalesSettingsParams{OrgID: orgID, FollowupCadenceDays: days, UpdatedBy: by})
	if err != nil {
		return Settings{}, db.Interpret("put sales settings", err, nil)
	}
	return settingsFromRow(row), nil
}

// putBriefCadence writes the Brief's cadence unless the owner set one by
// hand; applied is false when they did.
func (s store) putBriefCadence(ctx context.Context, orgID uuid.UUID, cadence []int) (applied bool, err error) {
	days := make([]int32, len(cadence))
	for i, d := range cadence {
		days[i] = int32(d)
	}
	_, err = s.q.PutBriefSalesCadence(ctx, dbsqlc.PutBriefSalesCadenceParams{OrgID: orgID, FollowupCadenceDays: days})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, db.Interpret("put the brief's sales cadence", err, nil)
	}
	return true, nil
}

func settingsFromRow(r dbsqlc.SalesSetting) Settings {
	days := make([]int, len(r.FollowupCadenceDays))
	for i, d := range r.FollowupCadenceDays {
		days[i] = int(d)
	}
	source := "org"
	if r.SetBy == "brief" {
		source = "brief"
	}
	return Settings{FollowUpCadenceDays: days, Source: source, UpdatedAt: &r.UpdatedAt}
}

func leadFromRow(r dbsqlc.Lead) Lead {
	l := Lead{
		ID: r.ID, OrgID: r.OrgID, Name: r.Name, Email: r.Email, Phone: r.Phone, Company: r.Company, Source: r.Source,
		Status: Status(r.Status), LostReason: r.LostReason, Notes: r.Notes, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.ValueAmount != nil && r.ValueCurrency != nil {
		l.Value = &Money{Amount: *r.ValueAmount, Currency: *r.ValueCurrency}
	}
	return l
}

func moneyColumns(m *Money) (*int64, *string) {
	if m == nil {
		return nil, nil
	}
	return &m.Amount, &m.Currency
}
