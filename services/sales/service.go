package sales

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
	"github.com/xentri/xentri/workflows"
)

// Service implements the lead operations, in the org gate's transaction.
type Service struct {
	Events *events.Writer
	Cache  *cache.ReadCache // optional: the seed's lead:{org}:{id} entity cache
	Log    zerolog.Logger
	// Temporal starts each new lead's follow-up workflow; nil, none starts.
	Temporal  client.Client
	TaskQueue string
	// WorkflowLink makes the Temporal UI address of a workflow (optional).
	WorkflowLink func(workflowID string) string
	// HighValue notifies the org of a new lead worth at least this much, in
	// minor units of any currency; 0 turns it off.
	HighValue int64
	// FollowUpDay is how long a day of the follow-up cadence lasts
	// (XENTRI_FOLLOWUP_DAY); 24h when zero.
	FollowUpDay time.Duration
}

// FollowUpWorkflowID is the id of a lead's follow-up workflow.
func FollowUpWorkflowID(leadID uuid.UUID) string { return "lead-followup/" + leadID.String() }

// Filter narrows a lead list.
type Filter struct {
	Status *string
	Source *string
	Query  *string
}

// Create stores a lead, its first timeline entry and xentri.lead.created.v1.
func (s *Service) Create(ctx context.Context, tx pgx.Tx, m core.Membership, in LeadInput) (Lead, error) {
	if !m.Principal.Allows("leads:write") {
		return Lead{}, services.Errorf(services.Forbidden, "This API token lacks the leads:write scope.")
	}
	return s.create(ctx, tx, m.OrgID, m.Principal.Actor(), in, "manual")
}

func (s *Service) create(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, actor events.Actor, in LeadInput, defaultSource string) (Lead, error) {
	if err := in.normalize(defaultSource); err != nil {
		return Lead{}, err
	}
	q := dbsqlc.New(tx)
	if err := emailTaken(ctx, q, orgID, in.Email, uuid.Nil); err != nil {
		return Lead{}, err
	}
	amount, currency := moneyColumns(in.Value)
	row, err := q.CreateLead(ctx, dbsqlc.CreateLeadParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Name: in.Name, Email: in.Email, Phone: in.Phone, Company: in.Company,
		Source: in.Source, ValueAmount: amount, ValueCurrency: currency, Notes: in.Notes,
	})
	if db.IsUniqueViolation(err) {
		return Lead{}, services.Errorf(services.Conflict, "Another lead already has this e-mail address.")
	}
	if err != nil {
		return Lead{}, fmt.Errorf("create lead: %w", err)
	}
	lead := leadFromRow(row)
	if err := s.activity(ctx, tx, lead, "created", actor, map[string]any{"source": lead.Source}); err != nil {
		return Lead{}, err
	}
	// Started before the event is emitted: Emit holds the org's event lock
	// until commit, and a Temporal round trip under it would queue every
	// other write of the org behind this one.
	if err := s.startFollowUps(ctx, q, &lead); err != nil {
		return Lead{}, err
	}
	payload := contracts.LeadCreated{LeadID: lead.ID.String(), Source: lead.Source, Status: string(lead.Status)}
	if lead.Value != nil {
		payload.Value = &contracts.Money{Amount: lead.Value.Amount, Currency: lead.Value.Currency}
	}
	if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventLeadCreated, OrgID: orgID, Actor: actor, Payload: payload}); err != nil {
		return Lead{}, err
	}
	if s.HighValue > 0 && lead.Value != nil && lead.Value.Amount >= s.HighValue {
		title := fmt.Sprintf("High-value lead: %s, %d.%02d %s", lead.Name, lead.Value.Amount/100, lead.Value.Amount%100, lead.Value.Currency)
		if err := core.Notify(ctx, tx, orgID, "high_value_lead", title, &lead.ID); err != nil {
			return Lead{}, err
		}
	}
	return lead, nil
}

// startFollowUps starts the lead's follow-up workflow before the lead's
// transaction commits. If the start fails, the lead is not stored; if the
// commit fails after the start, the workflow's first step finds no lead
// and ends. Neither side is orphaned.
//
// The org's cadence is read here, in the lead's transaction, and given to
// the workflow, which then needs no activity to ask for it: one Temporal
// round trip less for every new lead.
func (s *Service) startFollowUps(ctx context.Context, q *dbsqlc.Queries, lead *Lead) error {
	if s.Temporal == nil {
		return nil
	}
	set, err := settingsOf(ctx, q, lead.OrgID)
	if err != nil {
		return err
	}
	id := FollowUpWorkflowID(lead.ID)
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    itemporal.Attributes(lead.OrgID.String(), "lead", lead.ID.String(), itemporal.LeadID.ValueSet(lead.ID.String())),
	}, workflows.LeadFollowUp, workflows.LeadFollowUpInput{
		OrgID: lead.OrgID.String(), LeadID: lead.ID.String(), Since: lead.CreatedAt, Cadence: set.FollowUpCadenceDays, Day: s.FollowUpDay,
	})
	if err != nil {
		return &services.Error{Code: services.Unavailable, Message: "The lead's follow-ups could not be scheduled; nothing was stored, try again.", Err: err}
	}
	lead.FollowUps = &WorkflowRef{ID: id}
	if s.WorkflowLink != nil {
		lead.FollowUps.URL = s.WorkflowLink(id)
	}
	return nil
}

// Capture stores a lead from a public form (source website), in the org's
// tenant transaction. The org must exist.
func (s *Service) Capture(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, in LeadInput) (Lead, error) {
	if _, err := dbsqlc.New(tx).GetOrg(ctx, orgID); errors.Is(err, pgx.ErrNoRows) {
		return Lead{}, services.Errorf(services.NotFound, "No such organisation.")
	} else if err != nil {
		return Lead{}, err
	}
	in.Source, in.Value = "website", nil
	return s.create(ctx, tx, orgID, events.Actor{Type: "system", ID: "website-form"}, in, "website")
}

// Get returns a lead, from the entity cache when it holds it.
func (s *Service) Get(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID) (Lead, error) {
	if !m.Principal.Allows("leads:read") {
		return Lead{}, services.Errorf(services.Forbidden, "This API token lacks the leads:read scope.")
	}
	if s.Cache != nil {
		var cached Lead
		if ok, err := s.Cache.Get(ctx, cache.LeadKey(m.OrgID.String(), id.String()), &cached); err == nil && ok {
			return cached, nil
		}
	}
	row, err := dbsqlc.New(tx).GetLead(ctx, dbsqlc.GetLeadParams{OrgID: m.OrgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return Lead{}, errNoLead
	}
	if err != nil {
		return Lead{}, err
	}
	lead := leadFromRow(row)
	s.remember(ctx, m.OrgID, lead)
	return lead, nil
}

var errNoLead = services.Errorf(services.NotFound, "This organisation has no such lead.")

// List pages through the org's leads.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m core.Membership, f Filter, page core.Page) ([]Lead, string, error) {
	if !m.Principal.Allows("leads:read") {
		return nil, "", services.Errorf(services.Forbidden, "This API token lacks the leads:read scope.")
	}
	if f.Status != nil {
		if _, ok := ParseStatus(*f.Status); !ok {
			return nil, "", &services.Error{Code: services.Invalid, Message: "status must be new, contacted, qualified, won or lost.",
				Fields: map[string]string{"status": "is not a lead status"}}
		}
	}
	rows, err := dbsqlc.New(tx).ListLeads(ctx, dbsqlc.ListLeadsParams{
		OrgID: m.OrgID, Status: f.Status, Source: f.Source, Q: f.Query, After: page.After, Lim: int32(page.Limit + 1),
	})
	if err != nil {
		return nil, "", err
	}
	out, next := core.Paginate(rows, page.Limit, func(r dbsqlc.Lead) uuid.UUID { return r.ID }, leadFromRow)
	return out, next, nil
}

// Update replaces a lead's details if version is current; a stale version
// is a PreconditionFailed (412).
func (s *Service) Update(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID, version int32, in LeadInput) (Lead, error) {
	if !m.Principal.Allows("leads:write") {
		return Lead{}, services.Errorf(services.Forbidden, "This API token lacks the leads:write scope.")
	}
	before, err := s.lockedLead(ctx, tx, m.OrgID, id)
	if err != nil {
		return Lead{}, err
	}
	if err := in.normalize(before.Source); err != nil {
		return Lead{}, err
	}
	if before.Version != version {
		return Lead{}, stale(before.Version)
	}
	if err := emailTaken(ctx, dbsqlc.New(tx), m.OrgID, in.Email, id); err != nil {
		return Lead{}, err
	}
	amount, currency := moneyColumns(in.Value)
	row, err := dbsqlc.New(tx).UpdateLead(ctx, dbsqlc.UpdateLeadParams{
		OrgID: m.OrgID, ID: id, Version: version, Name: in.Name, Email: in.Email, Phone: in.Phone, Company: in.Company,
		Source: in.Source, ValueAmount: amount, ValueCurrency: currency, Notes: in.Notes,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Lead{}, stale(before.Version)
	}
	if err != nil {
		return Lead{}, err
	}
	lead := leadFromRow(row)
	changes := changedFields(before, lead)
	if len(changes) > 0 {
		if err := s.activity(ctx, tx, lead, "updated", m.Principal.Actor(), map[string]any{"changes": changes}); err != nil {
			return Lead{}, err
		}
		if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventLeadUpdated, OrgID: m.OrgID, Actor: m.Principal.Actor(),
			Payload: contracts.LeadUpdated{LeadID: id.String(), Changes: changes}}); err != nil {
			return Lead{}, err
		}
	}
	s.forget(ctx, m.OrgID, id)
	return lead, nil
}

// SetStatus moves a lead along the pipeline, with an optional note; lost
// needs a reason.
func (s *Service) SetStatus(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID, status string, note, lostReason *string) (Lead, error) {
	if !m.Principal.Allows("leads:write") {
		return Lead{}, services.Errorf(services.Forbidden, "This API token lacks the leads:write scope.")
	}
	st, ok := ParseStatus(status)
	fields := map[string]string{}
	if !ok {
		fields["status"] = "must be new, contacted, qualified, won or lost"
	}
	lostReason, note = trimmed(lostReason), trimmed(note)
	if st == StatusLost && lostReason == nil {
		fields["lost_reason"] = "is required when the lead is lost"
	}
	if st != StatusLost && lostReason != nil {
		fields["lost_reason"] = "is only for lost leads"
	}
	if note != nil && len(*note) > 5000 {
		fields["note"] = "must be at most 5000 characters"
	}
	if lostReason != nil && len(*lostReason) > 500 {
		fields["lost_reason"] = "must be at most 500 characters"
	}
	if len(fields) > 0 {
		return Lead{}, &services.Error{Code: services.Invalid, Message: "The status change has invalid fields.", Fields: fields}
	}
	before, err := s.lockedLead(ctx, tx, m.OrgID, id)
	if err != nil {
		return Lead{}, err
	}
	row, err := dbsqlc.New(tx).SetLeadStatus(ctx, dbsqlc.SetLeadStatusParams{OrgID: m.OrgID, ID: id, Status: string(st), LostReason: lostReason})
	if err != nil {
		return Lead{}, err
	}
	lead := leadFromRow(row)
	detail := map[string]any{"from": before.Status, "to": st}
	if note != nil {
		detail["note"] = *note
	}
	if lostReason != nil {
		detail["lost_reason"] = *lostReason
	}
	if err := s.activity(ctx, tx, lead, "status_changed", m.Principal.Actor(), detail); err != nil {
		return Lead{}, err
	}
	if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventLeadUpdated, OrgID: m.OrgID, Actor: m.Principal.Actor(),
		Payload: contracts.LeadUpdated{LeadID: id.String(), Changes: []string{"status"}, Status: string(st), PreviousStatus: string(before.Status)}}); err != nil {
		return Lead{}, err
	}
	s.forget(ctx, m.OrgID, id)
	return lead, nil
}

// Activities pages through a lead's timeline, oldest first.
func (s *Service) Activities(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID, page core.Page) ([]Activity, string, error) {
	if !m.Principal.Allows("leads:read") {
		return nil, "", services.Errorf(services.Forbidden, "This API token lacks the leads:read scope.")
	}
	if _, err := dbsqlc.New(tx).GetLead(ctx, dbsqlc.GetLeadParams{OrgID: m.OrgID, ID: id}); errors.Is(err, pgx.ErrNoRows) {
		return nil, "", errNoLead
	}
	rows, err := dbsqlc.New(tx).ListLeadActivities(ctx, dbsqlc.ListLeadActivitiesParams{OrgID: m.OrgID, LeadID: id, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := core.Paginate(rows, page.Limit, func(r dbsqlc.LeadActivity) uuid.UUID { return r.ID },
		func(r dbsqlc.LeadActivity) Activity {
			return Activity{ID: r.ID, Kind: r.Kind, Detail: r.Detail, Actor: r.Actor, CreatedAt: r.CreatedAt}
		})
	return out, next, nil
}

func (s *Service) lockedLead(ctx context.Context, tx pgx.Tx, orgID, id uuid.UUID) (Lead, error) {
	row, err := dbsqlc.New(tx).GetLead(ctx, dbsqlc.GetLeadParams{OrgID: orgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return Lead{}, errNoLead
	}
	if err != nil {
		return Lead{}, err
	}
	return leadFromRow(row), nil
}

func (s *Service) activity(ctx context.Context, tx pgx.Tx, lead Lead, kind string, actor events.Actor, detail map[string]any) error {
	raw, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = dbsqlc.New(tx).AddLeadActivity(ctx, dbsqlc.AddLeadActivityParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: lead.OrgID, LeadID: lead.ID, Kind: kind, Detail: raw, Actor: actor.Type + ":" + actor.ID,
	})
	return err
}

// forget drops the entity cache in the write path (seed §7). It does not
// write the new value: the transaction has not committed yet and may roll
// back. The lead.updated event drops it again after the commit, so a read
// racing the commit cannot leave the old value behind for long.
func (s *Service) forget(ctx context.Context, orgID, id uuid.UUID) {
	if s.Cache == nil {
		return
	}
	if err := s.Cache.Delete(ctx, cache.LeadKey(orgID.String(), id.String())); err != nil {
		s.Log.Warn().Err(err).Msg("lead cache")
	}
}

// remember fills the entity cache from a read; a cache failure only costs a
// later database read.
func (s *Service) remember(ctx context.Context, orgID uuid.UUID, lead Lead) {
	if s.Cache == nil {
		return
	}
	if err := s.Cache.Set(ctx, cache.LeadKey(orgID.String(), lead.ID.String()), lead, cache.LeadTTL); err != nil {
		s.Log.Warn().Err(err).Msg("lead cache")
	}
}

func stale(current int32) error {
	return services.Errorf(services.PreconditionFailed, "The lead changed since you read it (it is at version %d): read it again and retry.", current)
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

// changedFields names the fields an update changed, for the event and the
// timeline (names, never values: the event carries facts, not a dump).
func changedFields(a, b Lead) []string {
	var out []string
	eq := func(x, y *string) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	if a.Name != b.Name {
		out = append(out, "name")
	}
	if !eq(a.Email, b.Email) {
		out = append(out, "email")
	}
	if !eq(a.Phone, b.Phone) {
		out = append(out, "phone")
	}
	if !eq(a.Company, b.Company) {
		out = append(out, "company")
	}
	if a.Source != b.Source {
		out = append(out, "source")
	}
	if (a.Value == nil) != (b.Value == nil) || (a.Value != nil && *a.Value != *b.Value) {
		out = append(out, "value")
	}
	if !eq(a.Notes, b.Notes) {
		out = append(out, "notes")
	}
	return out
}

// emailTaken refuses an e-mail address another lead of the org (not self)
// already has, naming that lead: one lead per address within an org.
func emailTaken(ctx context.Context, q *dbsqlc.Queries, orgID uuid.UUID, email *string, self uuid.UUID) error {
	if email == nil {
		return nil
	}
	existing, err := q.GetLeadByEmail(ctx, dbsqlc.GetLeadByEmailParams{OrgID: orgID, Email: *email})
	switch {
	case errors.Is(err, pgx.ErrNoRows) || (err == nil && existing.ID == self):
		return nil
	case err != nil:
		return fmt.Errorf("look up e-mail: %w", err)
	}
	return &services.Error{Code: services.Conflict,
		Message: fmt.Sprintf("Lead %s (%s) already has this e-mail address.", existing.ID, existing.Name),
		Fields:  map[string]string{"email": "belongs to lead " + existing.ID.String()}}
}

// FollowUps joins the lead's recorded follow-ups with the workflow's view of
// the steps to come.
func (s *Service) FollowUps(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID) (FollowUpView, error) {
	if !m.Principal.Allows("leads:read") {
		return FollowUpView{}, services.Errorf(services.Forbidden, "This API token lacks the leads:read scope.")
	}
	if _, err := s.lockedLead(ctx, tx, m.OrgID, id); err != nil {
		return FollowUpView{}, err
	}
	rows, err := dbsqlc.New(tx).ListFollowUps(ctx, dbsqlc.ListFollowUpsParams{OrgID: m.OrgID, LeadID: id})
	if err != nil {
		return FollowUpView{}, err
	}
	view := FollowUpView{WorkflowID: FollowUpWorkflowID(id), Past: []PastFollowUp{}, Upcoming: []workflows.FUStep{}}
	for _, r := range rows {
		view.Past = append(view.Past, PastFollowUp{ID: r.ID, Step: r.Step, DueAt: r.DueAt, Status: r.Status})
	}
	if s.Temporal == nil {
		return view, nil
	}
	v, err := s.Temporal.QueryWorkflow(ctx, view.WorkflowID, "", workflows.QueryFollowUps)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		view.Ended = "none"
		return view, nil
	}
	if err != nil {
		return FollowUpView{}, &services.Error{Code: services.Unavailable, Message: "Temporal did not answer.", Err: err}
	}
	var st workflows.FUState
	if err := v.Get(&st); err != nil {
		return FollowUpView{}, err
	}
	view.Ended = st.Ended
	if up := st.Upcoming(); up != nil {
		view.Upcoming = up
	}
	return view, nil
}

// Snooze moves the lead's next follow-up to until.
func (s *Service) Snooze(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID, until time.Time) error {
	if !m.Principal.Allows("leads:write") {
		return services.Errorf(services.Forbidden, "This API token lacks the leads:write scope.")
	}
	if !until.After(time.Now()) {
		return &services.Error{Code: services.Invalid, Message: "until must be in the future.", Fields: map[string]string{"until": "must be in the future"}}
	}
	if _, err := s.lockedLead(ctx, tx, m.OrgID, id); err != nil {
		return err
	}
	if s.Temporal == nil {
		return services.Errorf(services.Unavailable, "Follow-ups are not running here.")
	}
	err := s.Temporal.SignalWorkflow(ctx, FollowUpWorkflowID(id), "", workflows.SignalSnooze, until.UTC())
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return services.Errorf(services.NotFound, "This lead has no follow-ups running (won, lost, or all done).")
	}
	if err != nil {
		return &services.Error{Code: services.Unavailable, Message: "Temporal did not answer.", Err: err}
	}
	return nil
}
