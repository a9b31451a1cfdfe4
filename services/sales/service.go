package sales

import (
	"context"
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
	"github.com/xentri/xentri/internal/events"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/paging"
	"github.com/xentri/xentri/workflows"
)

// Service implements the lead operations. Those taking a Membership run in
// the org gate's transaction; Capture opens its own.
type Service struct {
	DB     *db.DB // for Capture, which no org gate opens a transaction for
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
func (s *Service) Create(ctx context.Context, tx pgx.Tx, m access.Membership, in LeadInput) (Lead, error) {
	if err := m.Need(access.ScopeLeadsWrite); err != nil {
		return Lead{}, err
	}
	lead, err := s.create(ctx, tx, m.OrgID, m.Principal.Actor(), in, "manual")
	if err != nil {
		return Lead{}, fmt.Errorf("create lead: %w", err)
	}
	return lead, nil
}

func (s *Service) create(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, actor events.Actor, in LeadInput, defaultSource string) (Lead, error) {
	if err := in.normalize(defaultSource); err != nil {
		return Lead{}, err
	}
	st := storeIn(tx)
	if err := emailTaken(ctx, st, orgID, in.Email, uuid.Nil); err != nil {
		return Lead{}, err
	}
	lead, err := st.createLead(ctx, orgID, in)
	if err != nil {
		return Lead{}, fmt.Errorf("store: %w", err)
	}
	if err := st.addActivity(ctx, lead, "created", actor, map[string]any{"source": lead.Source}); err != nil {
		return Lead{}, fmt.Errorf("timeline: %w", err)
	}
	// Started before the event is emitted: Emit holds the org's event lock
	// until commit, and a Temporal round trip under it would queue every
	// other write of the org behind this one.
	if err := s.startFollowUps(ctx, st, &lead); err != nil {
		return Lead{}, err
	}
	payload := contracts.LeadCreated{LeadID: lead.ID.String(), Source: lead.Source, Status: string(lead.Status)}
	if lead.Value != nil {
		payload.Value = &contracts.Money{Amount: lead.Value.Amount, Currency: lead.Value.Currency}
	}
	if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventLeadCreated, OrgID: orgID, Actor: actor, Payload: payload}); err != nil {
		return Lead{}, fmt.Errorf("emit: %w", err)
	}
	if s.HighValue > 0 && lead.Value != nil && lead.Value.Amount >= s.HighValue {
		title := fmt.Sprintf("High-value lead: %s, %d.%02d %s", lead.Name, lead.Value.Amount/100, lead.Value.Amount%100, lead.Value.Currency)
		if err := notification.Add(ctx, tx, orgID, notification.KindHighValueLead, title, &lead.ID); err != nil {
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
func (s *Service) startFollowUps(ctx context.Context, st store, lead *Lead) error {
	if s.Temporal == nil {
		return nil
	}
	set, err := st.settings(ctx, lead.OrgID, workflows.DefaultCadence)
	if err != nil {
		return fmt.Errorf("sales settings: %w", err)
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

// Capture stores a lead from a website's contact form (source website), in
// the org's own tenant transaction. The org must exist. A second form from
// an address the org already has a lead for is not an error: the visitor
// is told their message arrived, and learns nothing of the org's leads.
func (s *Service) Capture(ctx context.Context, orgID uuid.UUID, in LeadInput) error {
	if orgID == uuid.Nil {
		return ErrNoOrg // never an org: answered like any unknown one
	}
	in.Source, in.Value = "website", nil
	err := s.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		if err := storeIn(tx).orgExists(ctx, orgID); err != nil {
			return err
		}
		_, err := s.create(ctx, tx, orgID, events.Actor{Type: "system", ID: "website-form"}, in, "website")
		return err
	})
	if services.ErrorCode(err) == services.Conflict {
		return nil // already known; see above
	}
	if err != nil {
		return fmt.Errorf("capture lead: %w", err)
	}
	return nil
}

// Get returns a lead, from the entity cache when it holds it.
func (s *Service) Get(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Lead, error) {
	if err := m.Need(access.ScopeLeadsRead); err != nil {
		return Lead{}, err
	}
	if s.Cache != nil {
		var cached Lead
		if ok, err := s.Cache.Get(ctx, cache.LeadKey(m.OrgID.String(), id.String()), &cached); err == nil && ok {
			return cached, nil
		}
	}
	lead, err := storeIn(tx).lead(ctx, m.OrgID, id)
	if err != nil {
		return Lead{}, fmt.Errorf("get lead: %w", err)
	}
	s.remember(ctx, m.OrgID, lead)
	return lead, nil
}

// List pages through the org's leads.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m access.Membership, f Filter, page paging.Page) ([]Lead, string, error) {
	if err := m.Need(access.ScopeLeadsRead); err != nil {
		return nil, "", err
	}
	if f.Status != nil {
		if _, ok := ParseStatus(*f.Status); !ok {
			return nil, "", &services.Error{Code: services.Invalid, Message: "status must be new, contacted, qualified, won or lost.",
				Fields: map[string]string{"status": "is not a lead status"}}
		}
	}
	out, next, err := storeIn(tx).leads(ctx, m.OrgID, f, page)
	if err != nil {
		return nil, "", fmt.Errorf("list leads: %w", err)
	}
	return out, next, nil
}

// Update replaces a lead's details if version is current; a stale version
// is a PreconditionFailed (412).
func (s *Service) Update(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, version int32, in LeadInput) (Lead, error) {
	if err := m.Need(access.ScopeLeadsWrite); err != nil {
		return Lead{}, err
	}
	st := storeIn(tx)
	before, err := st.lockLead(ctx, m.OrgID, id)
	if err != nil {
		return Lead{}, fmt.Errorf("update lead: %w", err)
	}
	if err := in.normalize(before.Source); err != nil {
		return Lead{}, err
	}
	if before.Version != version {
		return Lead{}, stale(before.Version)
	}
	if err := emailTaken(ctx, st, m.OrgID, in.Email, id); err != nil {
		return Lead{}, err
	}
	lead, err := st.updateLead(ctx, m.OrgID, id, version, in)
	if errors.Is(err, errVersion) {
		return Lead{}, stale(before.Version)
	}
	if err != nil {
		return Lead{}, fmt.Errorf("update lead: %w", err)
	}
	if changes := changedFields(before, lead); len(changes) > 0 {
		if err := st.addActivity(ctx, lead, "updated", m.Principal.Actor(), map[string]any{"changes": changes}); err != nil {
			return Lead{}, fmt.Errorf("update lead: timeline: %w", err)
		}
		if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventLeadUpdated, OrgID: m.OrgID, Actor: m.Principal.Actor(),
			Payload: contracts.LeadUpdated{LeadID: id.String(), Changes: changes}}); err != nil {
			return Lead{}, fmt.Errorf("update lead: emit: %w", err)
		}
	}
	s.forget(ctx, m.OrgID, id)
	return lead, nil
}

// SetStatus moves a lead along the pipeline, with an optional note; lost
// needs a reason. The lead is locked first, so concurrent changes queue and
// each records the status the previous one left.
func (s *Service) SetStatus(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, status string, note, lostReason *string, version int32) (Lead, error) {
	if err := m.Need(access.ScopeLeadsWrite); err != nil {
		return Lead{}, err
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
	if version < 0 {
		fields["version"] = "must be the version you read (1 or more), or absent"
	}
	if len(fields) > 0 {
		return Lead{}, &services.Error{Code: services.Invalid, Message: "The status change has invalid fields.", Fields: fields}
	}
	store := storeIn(tx)
	before, err := store.lockLead(ctx, m.OrgID, id)
	if err != nil {
		return Lead{}, fmt.Errorf("set status: %w", err)
	}
	if version != 0 && version != before.Version {
		// A board that moved a card from what it last read: the lead
		// changed meanwhile, so the move may no longer make sense.
		return Lead{}, services.Errorf(services.PreconditionFailed,
			"The lead changed since you read it (you read version %d, it is at version %d): read it again and retry.", version, before.Version)
	}
	lead, err := store.setStatus(ctx, m.OrgID, id, st, lostReason)
	if err != nil {
		return Lead{}, fmt.Errorf("set status: %w", err)
	}
	detail := map[string]any{"from": before.Status, "to": st}
	if note != nil {
		detail["note"] = *note
	}
	if lostReason != nil {
		detail["lost_reason"] = *lostReason
	}
	if err := store.addActivity(ctx, lead, "status_changed", m.Principal.Actor(), detail); err != nil {
		return Lead{}, fmt.Errorf("set status: timeline: %w", err)
	}
	if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventLeadUpdated, OrgID: m.OrgID, Actor: m.Principal.Actor(),
		Payload: contracts.LeadUpdated{LeadID: id.String(), Changes: []string{"status"}, Status: string(st), PreviousStatus: string(before.Status)}}); err != nil {
		return Lead{}, fmt.Errorf("set status: emit: %w", err)
	}
	s.forget(ctx, m.OrgID, id)
	return lead, nil
}

// Activities pages through a lead's timeline, oldest first.
func (s *Service) Activities(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, page paging.Page) ([]Activity, string, error) {
	if err := m.Need(access.ScopeLeadsRead); err != nil {
		return nil, "", err
	}
	st := storeIn(tx)
	if _, err := st.lead(ctx, m.OrgID, id); err != nil {
		return nil, "", fmt.Errorf("lead timeline: %w", err)
	}
	out, next, err := st.activities(ctx, m.OrgID, id, page)
	if err != nil {
		return nil, "", fmt.Errorf("lead timeline: %w", err)
	}
	return out, next, nil
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
func emailTaken(ctx context.Context, st store, orgID uuid.UUID, email *string, self uuid.UUID) error {
	if email == nil {
		return nil
	}
	existing, err := st.leadByEmail(ctx, orgID, *email)
	switch {
	case errors.Is(err, ErrNoLead) || (err == nil && existing.ID == self):
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
func (s *Service) FollowUps(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (FollowUpView, error) {
	if err := m.Need(access.ScopeLeadsRead); err != nil {
		return FollowUpView{}, err
	}
	st := storeIn(tx)
	if _, err := st.lead(ctx, m.OrgID, id); err != nil {
		return FollowUpView{}, fmt.Errorf("follow-ups: %w", err)
	}
	past, err := st.followUps(ctx, m.OrgID, id)
	if err != nil {
		return FollowUpView{}, fmt.Errorf("follow-ups: %w", err)
	}
	view := FollowUpView{WorkflowID: FollowUpWorkflowID(id), Past: past, Upcoming: []workflows.FUStep{}}
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
	var state workflows.FUState
	if err := v.Get(&state); err != nil {
		return FollowUpView{}, fmt.Errorf("follow-ups: query result: %w", err)
	}
	view.Ended = state.Ended
	if up := state.Upcoming(); up != nil {
		view.Upcoming = up
	}
	return view, nil
}

// Snooze moves the lead's next follow-up to until.
func (s *Service) Snooze(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, until time.Time) error {
	if err := m.Need(access.ScopeLeadsWrite); err != nil {
		return err
	}
	if !until.After(time.Now()) {
		return &services.Error{Code: services.Invalid, Message: "until must be in the future.", Fields: map[string]string{"until": "must be in the future"}}
	}
	if _, err := storeIn(tx).lead(ctx, m.OrgID, id); err != nil {
		return fmt.Errorf("snooze: %w", err)
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

// ColumnValue is the sum of a board column's lead values in one currency.
type ColumnValue struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"` // minor units
}

// Column is one status of the board: how many leads are in it and what
// they are worth, by currency (leads without a value count, and add no
// value).
type Column struct {
	Status Status        `json:"status"`
	Leads  int           `json:"leads"`
	Value  []ColumnValue `json:"value"`
}

// Summary counts the org's leads by status, every status in the order of
// the pipeline, with the same filters as List (its status filter aside).
func (s *Service) Summary(ctx context.Context, tx pgx.Tx, m access.Membership, f Filter) ([]Column, error) {
	if err := m.Need(access.ScopeLeadsRead); err != nil {
		return nil, err
	}
	rows, err := storeIn(tx).summary(ctx, m.OrgID, f)
	if err != nil {
		return nil, fmt.Errorf("lead summary: %w", err)
	}
	out := make([]Column, 0, len(Statuses()))
	at := map[Status]int{}
	for _, st := range Statuses() {
		at[st] = len(out)
		out = append(out, Column{Status: st, Value: []ColumnValue{}})
	}
	for _, r := range rows {
		i, ok := at[Status(r.Status)]
		if !ok {
			continue
		}
		out[i].Leads += int(r.Leads)
		if r.Currency != nil {
			out[i].Value = append(out[i].Value, ColumnValue{Currency: *r.Currency, Amount: r.Amount})
		}
	}
	return out, nil
}
