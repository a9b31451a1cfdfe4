package brief

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/paging"
)

// CadenceSetter sets an org's follow-up cadence from the Brief's sales
// pipeline context (sales.Service), in the Brief's transaction; applied is
// false when the owner set the cadence by hand.
type CadenceSetter interface {
	ApplyBriefCadence(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, days []int) (applied bool, err error)
}

// Service implements the Brief's operations. Those taking a Membership run
// in the org gate's transaction and check the caller's scope; Compose and
// Knowledge take the org's id, for workflows and other contexts that act
// for the org.
type Service struct {
	DB     *db.DB
	Events *events.Writer
	Cache  *cache.ReadCache // optional: the seed's brief:{org} cache
	Log    zerolog.Logger
	// Sales receives the follow-up cadence of each saved version's sales
	// pipeline context (optional: nil sets none).
	Sales CadenceSetter
}

// Proposal kinds.
const (
	KindUpdate     = "update"     // the owner's words now say otherwise than a value they set
	KindSuggestion = "suggestion" // proposed through the API or by the co-pilot
)

// Proposal statuses.
const (
	StatusPending  = "pending"
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
)

// Proposal is a change to one section of the Brief waiting for the owner:
// accepted, it makes a new version; rejected, it is kept with the reason.
type Proposal struct {
	ID             uuid.UUID                `json:"id"`
	BriefID        uuid.UUID                `json:"brief_id"`
	Section        string                   `json:"section"`
	Kind           string                   `json:"kind"`
	BasedOnVersion int                      `json:"based_on_version"`
	Fields         map[string]ProposedField `json:"fields"`
	Instruction    *string                  `json:"instruction"`
	Status         string                   `json:"status"`
	Reason         *string                  `json:"reason"`
	// AcceptedVersion is the version accepting it made.
	AcceptedVersion *int       `json:"accepted_version"`
	DecidedBy       *uuid.UUID `json:"decided_by"`
	DecidedAt       *time.Time `json:"decided_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// ProposedField is a value a proposal would set.
type ProposedField struct {
	Value      json.RawMessage  `json:"value"`
	Confidence float64          `json:"confidence"`
	Sources    []extract.Source `json:"sources"`
}

var errDecided = services.Errorf(services.Conflict, "This proposal was decided already.")

// Current returns the org's Brief, from the cache when it holds it.
func (s *Service) Current(ctx context.Context, tx pgx.Tx, m access.Membership) (Brief, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return Brief{}, err
	}
	if s.Cache != nil {
		var cached Brief
		if ok, err := s.Cache.Get(ctx, cache.BriefKey(m.OrgID.String()), &cached); err == nil && ok && cached.OrgID == m.OrgID {
			return cached, nil
		}
	}
	b, err := storeIn(tx).current(ctx, m.OrgID)
	if err != nil {
		return Brief{}, fmt.Errorf("current brief: %w", err)
	}
	s.remember(ctx, b)
	return b, nil
}

// Versions pages through the Brief's versions, newest first.
func (s *Service) Versions(ctx context.Context, tx pgx.Tx, m access.Membership, page paging.Page) ([]Version, string, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return nil, "", err
	}
	out, next, err := storeIn(tx).versions(ctx, m.OrgID, page)
	if err != nil {
		return nil, "", fmt.Errorf("brief versions: %w", err)
	}
	return out, next, nil
}

// Version returns version n of the Brief.
func (s *Service) Version(ctx context.Context, tx pgx.Tx, m access.Membership, n int) (Version, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return Version{}, err
	}
	v, err := storeIn(tx).version(ctx, m.OrgID, n)
	if err != nil {
		return Version{}, fmt.Errorf("brief version: %w", err)
	}
	return v, nil
}

// Diff lists the fields version n changed from version from (nil: n-1; 0:
// the empty Brief, so everything n holds is added).
func (s *Service) Diff(ctx context.Context, tx pgx.Tx, m access.Membership, n int, from *int) (Diff, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return Diff{}, err
	}
	st := storeIn(tx)
	to, err := st.version(ctx, m.OrgID, n)
	if err != nil {
		return Diff{}, fmt.Errorf("brief diff: %w", err)
	}
	f := n - 1
	if from != nil {
		f = *from
	}
	if f < 0 {
		return Diff{}, &services.Error{Code: services.Invalid, Message: "from must be a version number, or 0 for the empty Brief.",
			Fields: map[string]string{"from": "must be 0 or more"}}
	}
	base := Data{}
	if f > 0 {
		v, err := st.version(ctx, m.OrgID, f)
		if err != nil {
			return Diff{}, fmt.Errorf("brief diff: from: %w", err)
		}
		base = v.Data
	}
	return Diff{From: f, To: n, Changes: diff(base, to.Data)}, nil
}

// Restore makes a new version equal to version n (author the caller,
// restored_from n). Restoring what the Brief already holds changes nothing
// and returns the Brief as it is.
func (s *Service) Restore(ctx context.Context, tx pgx.Tx, m access.Membership, n int) (Brief, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Brief{}, err
	}
	st := storeIn(tx)
	b, cur, err := s.lock(ctx, st, m.OrgID)
	if err != nil {
		return Brief{}, fmt.Errorf("restore brief: %w", err)
	}
	if cur == nil {
		return Brief{}, ErrNoBrief
	}
	old, err := st.version(ctx, m.OrgID, n)
	if err != nil {
		return Brief{}, fmt.Errorf("restore brief: %w", err)
	}
	if n == cur.Number || len(diff(cur.Data, old.Data)) == 0 {
		return briefOf(b, *cur), nil
	}
	actor := m.Principal.Actor()
	v, err := s.save(ctx, tx, b, cur, old.Data.clone(), Author{Type: AuthorUser, ID: actor.ID}, actor,
		fmt.Sprintf("Restored version %d. ", n), &n)
	if err != nil {
		return Brief{}, fmt.Errorf("restore brief: %w", err)
	}
	return briefOf(b, v), nil
}

// EditSection sets fields of a section by hand (origin user, confidence 1,
// no sources); a null value removes the field. ifMatch is the version the
// owner read: a stale one is a PreconditionFailed (412).
func (s *Service) EditSection(ctx context.Context, tx pgx.Tx, m access.Membership, section string, fields map[string]json.RawMessage, ifMatch int) (Brief, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Brief{}, err
	}
	values, err := checkFields(section, fields, true)
	if err != nil {
		return Brief{}, err
	}
	st := storeIn(tx)
	b, cur, err := s.lock(ctx, st, m.OrgID)
	if err != nil {
		return Brief{}, fmt.Errorf("edit brief: %w", err)
	}
	if cur == nil {
		return Brief{}, ErrNoBrief
	}
	if ifMatch != cur.Number {
		return Brief{}, services.Errorf(services.PreconditionFailed,
			"The Brief changed since you read it (you read version %d, it is at version %d): read it again and retry.", ifMatch, cur.Number)
	}
	next := cur.Data.clone()
	now := time.Now().UTC()
	var confirmed []string
	for _, name := range sortedKeys(values) {
		v := values[name]
		if v == nil {
			next.remove(section, name)
			continue
		}
		if old, ok := next.field(section, name); ok && sameValue(old.Value, v) && old.Origin != OriginUser {
			confirmed = append(confirmed, section+"."+name)
		}
		next.set(section, name, Field{Value: v, Confidence: 1, Origin: OriginUser, Sources: []extract.Source{}, UpdatedAt: now})
	}
	if len(diff(cur.Data, next)) == 0 && len(confirmed) == 0 {
		return briefOf(b, *cur), nil
	}
	summary := "Edited " + section + " by hand. "
	if len(confirmed) > 0 {
		summary += "Confirmed " + strings.Join(confirmed, ", ") + ". "
	}
	actor := m.Principal.Actor()
	v, err := s.save(ctx, tx, b, cur, next, Author{Type: AuthorUser, ID: actor.ID}, actor, summary, nil, section)
	if err != nil {
		return Brief{}, fmt.Errorf("edit brief: %w", err)
	}
	return briefOf(b, v), nil
}

// Compose is the heart of generation: it folds facts read from the owner's
// words into the org's Brief, in tx (the org's tenant transaction), and
// saves the result as a new version when anything changed (the first
// version when the org has none: xentri.brief.created.v1; else
// xentri.brief.updated.v1). A fact for a field that is absent or was
// extracted sets it; a fact that disagrees with a value the owner set (by
// hand or by accepting a proposal) does not overwrite it but becomes a
// pending proposal for that section (xentri.ai.proposal.generated.v1),
// once; a fact that agrees changes nothing. A fact for a field the Brief
// does not have, or with a value of the wrong shape, is skipped and logged.
// With nothing changed, it returns the current version and makes none.
func (s *Service) Compose(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, author Author, facts []extract.Fact, summary string) (Version, []Proposal, error) {
	if author.Type != AuthorCopilot && author.Type != AuthorUser {
		return Version{}, nil, services.Errorf(services.Invalid, "A composed Brief is written by the co-pilot or a user, not %q.", author.Type)
	}
	if author.ID == "" {
		author.ID = AuthorCopilot
	}
	kinds := specs()
	st := storeIn(tx)
	b, cur, err := s.lock(ctx, st, orgID)
	if err != nil {
		return Version{}, nil, fmt.Errorf("compose brief: %w", err)
	}
	next := Data{Sections: map[string]Section{}}
	if cur != nil {
		next = cur.Data.clone()
	}
	now := time.Now().UTC()
	conflicts := map[string]map[string]ProposedField{}
	for _, f := range facts {
		kind, ok := kinds[f.Section][f.Field]
		if !ok {
			s.Log.Warn().Str("section", f.Section).Str("field", f.Field).Msg("brief: a fact for no field of the Brief, skipped")
			continue
		}
		value, msg := checkValue(kind, f.Value)
		if msg != "" || f.Confidence < 0 || f.Confidence > 1 {
			s.Log.Warn().Str("section", f.Section).Str("field", f.Field).Str("problem", msg).Float64("confidence", f.Confidence).
				Msg("brief: an invalid fact, skipped")
			continue
		}
		sources := slices.Clone(f.Sources)
		if sources == nil {
			sources = []extract.Source{}
		}
		old, exists := next.field(f.Section, f.Field)
		switch {
		case exists && sameValue(old.Value, value):
			// the Brief says so already
		case !exists || old.Origin == OriginExtracted:
			next.set(f.Section, f.Field, Field{Value: value, Confidence: f.Confidence, Origin: OriginExtracted, Sources: sources, UpdatedAt: now})
		default: // the owner's value stands; propose the new one
			if conflicts[f.Section] == nil {
				conflicts[f.Section] = map[string]ProposedField{}
			}
			conflicts[f.Section][f.Field] = ProposedField{Value: value, Confidence: f.Confidence, Sources: sources}
		}
	}
	var v Version
	var base Data
	if cur != nil {
		base = cur.Data
	}
	if cur == nil || len(diff(base, next)) > 0 {
		actor := events.Actor{Type: "system", ID: "strategy-copilot"}
		if author.Type == AuthorUser {
			actor = userActor(author.ID)
		}
		if summary = strings.TrimSpace(summary); summary != "" {
			summary += " "
		}
		if v, err = s.save(ctx, tx, b, cur, next, author, actor, summary, nil); err != nil {
			return Version{}, nil, fmt.Errorf("compose brief: %w", err)
		}
		b.CurrentVersion = int32(v.Number)
	} else {
		v = *cur
	}
	var proposals []Proposal
	for _, section := range Sections() {
		fields, ok := conflicts[section]
		if !ok {
			continue
		}
		p, made, err := s.propose(ctx, tx, st, b, Proposal{Section: section, Kind: KindUpdate, BasedOnVersion: v.Number, Fields: fields},
			events.Actor{Type: "system", ID: "strategy-copilot"})
		if err != nil {
			return Version{}, nil, fmt.Errorf("compose brief: %w", err)
		}
		if made {
			proposals = append(proposals, p)
		}
	}
	return v, proposals, nil
}

// Propose records a pending proposal to set fields of a section, based on
// the current version.
func (s *Service) Propose(ctx context.Context, tx pgx.Tx, m access.Membership, section string, fields map[string]json.RawMessage, instruction *string) (Proposal, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Proposal{}, err
	}
	values, err := checkFields(section, fields, false)
	if err != nil {
		return Proposal{}, err
	}
	if instruction != nil {
		t := strings.TrimSpace(*instruction)
		switch {
		case t == "":
			instruction = nil
		case len(t) > 2000:
			return Proposal{}, &services.Error{Code: services.Invalid, Message: "The instruction is too long.",
				Fields: map[string]string{"instruction": "must be at most 2000 characters"}}
		default:
			instruction = &t
		}
	}
	st := storeIn(tx)
	b, cur, err := s.lock(ctx, st, m.OrgID)
	if err != nil {
		return Proposal{}, fmt.Errorf("propose: %w", err)
	}
	if cur == nil {
		return Proposal{}, ErrNoBrief
	}
	proposed := map[string]ProposedField{}
	for name, v := range values {
		proposed[name] = ProposedField{Value: v, Confidence: 1, Sources: []extract.Source{}}
	}
	p, _, err := s.propose(ctx, tx, st, b, Proposal{Section: section, Kind: KindSuggestion, BasedOnVersion: cur.Number, Fields: proposed,
		Instruction: instruction}, m.Principal.Actor())
	if err != nil {
		return Proposal{}, fmt.Errorf("propose: %w", err)
	}
	return p, nil
}

// propose stores p and emits xentri.ai.proposal.generated.v1, unless a
// pending proposal of the section would set the same values already (made
// is false, and that one is returned).
func (s *Service) propose(ctx context.Context, tx pgx.Tx, st store, b dbsqlc.Brief, p Proposal, actor events.Actor) (Proposal, bool, error) {
	pending, err := st.pendingProposals(ctx, b.OrgID, p.Section)
	if err != nil {
		return Proposal{}, false, err
	}
	for _, q := range pending {
		if q.BasedOnVersion == p.BasedOnVersion && sameProposal(q.Fields, p.Fields) {
			return q, false, nil
		}
	}
	p, err = st.addProposal(ctx, b, p)
	if err != nil {
		return Proposal{}, false, err
	}
	if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventAIProposalGenerated, OrgID: b.OrgID, Actor: actor,
		Payload: contracts.AIProposalGenerated{ProposalID: p.ID.String(), BriefID: b.ID.String(), SectionID: p.Section, Kind: p.Kind}}); err != nil {
		return Proposal{}, false, fmt.Errorf("emit: %w", err)
	}
	return p, true, nil
}

func sameProposal(a, b map[string]ProposedField) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y, ok := b[k]
		if !ok || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// Proposals pages through the Brief's proposals, newest first, of one
// status when status is not nil.
func (s *Service) Proposals(ctx context.Context, tx pgx.Tx, m access.Membership, status *string, page paging.Page) ([]Proposal, string, error) {
	if err := m.Need(access.ScopeBriefRead); err != nil {
		return nil, "", err
	}
	if status != nil && !slices.Contains([]string{StatusPending, StatusAccepted, StatusRejected}, *status) {
		return nil, "", &services.Error{Code: services.Invalid, Message: "status must be pending, accepted or rejected.",
			Fields: map[string]string{"status": "is not a proposal status"}}
	}
	out, next, err := storeIn(tx).proposals(ctx, m.OrgID, status, page)
	if err != nil {
		return nil, "", fmt.Errorf("brief proposals: %w", err)
	}
	return out, next, nil
}

// Accept applies a pending proposal as a new version (its fields of origin
// proposal, confidence 1) and marks it accepted. A proposal made on an
// older version than the Brief's current one is a Conflict: the section
// may have changed under it.
func (s *Service) Accept(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Proposal, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Proposal{}, err
	}
	st := storeIn(tx)
	// The brief first, then the proposal: the order Compose takes them in.
	b, cur, err := s.lock(ctx, st, m.OrgID)
	if err != nil {
		return Proposal{}, fmt.Errorf("accept proposal: %w", err)
	}
	p, err := st.proposal(ctx, m.OrgID, id, true)
	if err != nil {
		return Proposal{}, fmt.Errorf("accept proposal: %w", err)
	}
	if p.Status != StatusPending {
		return Proposal{}, services.Errorf(services.Conflict, "This proposal was %s already.", p.Status)
	}
	if cur == nil {
		return Proposal{}, ErrNoBrief
	}
	if cur.Number > p.BasedOnVersion {
		return Proposal{}, services.Errorf(services.Conflict,
			"The Brief changed since this proposal was made (it was based on version %d, the Brief is at version %d): reject it, and propose again from the current Brief.",
			p.BasedOnVersion, cur.Number)
	}
	next := cur.Data.clone()
	now := time.Now().UTC()
	for _, name := range sortedKeys(p.Fields) {
		f := p.Fields[name]
		next.set(p.Section, name, Field{Value: f.Value, Confidence: 1, Origin: OriginProposal, Sources: f.Sources, UpdatedAt: now})
	}
	v := *cur
	if !sameData(cur.Data, next) {
		v, err = s.save(ctx, tx, b, cur, next, Author{Type: AuthorProposal, ID: p.ID.String()}, m.Principal.Actor(),
			"Accepted a proposal for "+p.Section+". ", nil, p.Section)
		if err != nil {
			return Proposal{}, fmt.Errorf("accept proposal: %w", err)
		}
	}
	p, err = st.decide(ctx, m.OrgID, id, StatusAccepted, nil, &v.Number, m.Principal.UserRef())
	if err != nil {
		return Proposal{}, fmt.Errorf("accept proposal: %w", err)
	}
	return p, nil
}

// Reject keeps a pending proposal as rejected, with the reason.
func (s *Service) Reject(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, reason *string) (Proposal, error) {
	if err := m.Need(access.ScopeBriefWrite); err != nil {
		return Proposal{}, err
	}
	if reason != nil {
		t := strings.TrimSpace(*reason)
		if len(t) > 2000 {
			return Proposal{}, &services.Error{Code: services.Invalid, Message: "The reason is too long.",
				Fields: map[string]string{"reason": "must be at most 2000 characters"}}
		}
		reason = &t
		if t == "" {
			reason = nil
		}
	}
	st := storeIn(tx)
	p, err := st.proposal(ctx, m.OrgID, id, true)
	if err != nil {
		return Proposal{}, fmt.Errorf("reject proposal: %w", err)
	}
	if p.Status != StatusPending {
		return Proposal{}, services.Errorf(services.Conflict, "This proposal was %s already.", p.Status)
	}
	p, err = st.decide(ctx, m.OrgID, id, StatusRejected, reason, nil, m.Principal.UserRef())
	if err != nil {
		return Proposal{}, fmt.Errorf("reject proposal: %w", err)
	}
	return p, nil
}

// lock locks the org's brief (making its row when missing) and returns it
// with its current version, nil when it has none yet.
func (s *Service) lock(ctx context.Context, st store, orgID uuid.UUID) (dbsqlc.Brief, *Version, error) {
	b, err := st.lockBrief(ctx, orgID)
	if err != nil {
		return dbsqlc.Brief{}, nil, err
	}
	if b.CurrentVersion == 0 {
		return b, nil, nil
	}
	v, err := st.version(ctx, orgID, int(b.CurrentVersion))
	if err != nil {
		return dbsqlc.Brief{}, nil, err
	}
	return b, &v, nil
}

// save stores data as the brief's next version with its category
// contexts, hands the sales pipeline's cadence to sales, emits
// xentri.brief.created.v1 (the first version) or xentri.brief.updated.v1,
// and drops the cached Brief. touched names sections that changed though
// no value did (a value confirmed by hand).
func (s *Service) save(ctx context.Context, tx pgx.Tx, b dbsqlc.Brief, cur *Version, data Data, author Author, actor events.Actor,
	summary string, restoredFrom *int, touched ...string) (Version, error) {
	var base Data
	if cur != nil {
		base = cur.Data
	}
	data.normalize()
	data.recomputeMissing()
	changes := diff(base, data)
	v := Version{Number: int(b.CurrentVersion) + 1, Data: data, Author: author, Changes: changes, RestoredFrom: restoredFrom,
		Summary: strings.TrimSpace(summary + describe(changes))}
	if cur == nil && len(changes) == 0 {
		v.Summary = strings.TrimSpace(summary + "A new Brief, with nothing known yet.")
	}
	if len(v.Summary) > 2000 {
		v.Summary = v.Summary[:1997] + "..."
	}
	st := storeIn(tx)
	v, err := st.addVersion(ctx, b, v)
	if err != nil {
		return Version{}, err
	}
	contexts := Derive(v.Data)
	if err := st.putContexts(ctx, b.OrgID, v.Number, contexts); err != nil {
		return Version{}, err
	}
	if days := contexts.SalesPipeline.FollowUpCadenceDays; len(days) > 0 && s.Sales != nil {
		if _, err := s.Sales.ApplyBriefCadence(ctx, tx, b.OrgID, days); err != nil {
			return Version{}, fmt.Errorf("sales cadence: %w", err)
		}
	}
	e := events.Event{OrgID: b.OrgID, Actor: actor}
	if v.Number == 1 {
		e.Type = contracts.EventBriefCreated
		created := contracts.BriefCreated{BriefID: b.ID.String(), Version: v.Number}
		if id, err := uuid.Parse(author.ID); err == nil && author.Type == AuthorCopilot {
			created.SessionID = id.String()
		}
		e.Payload = created
	} else {
		sections := sectionsOf(changes)
		for _, t := range touched {
			if !slices.Contains(sections, t) {
				sections = append(sections, t)
			}
		}
		if len(sections) == 0 { // a restore or accept that changed origins only
			sections = Sections()[:1]
		}
		e.Type, e.Payload = contracts.EventBriefUpdated, contracts.BriefUpdated{BriefID: b.ID.String(), Version: v.Number, SectionsChanged: sections}
	}
	if err := s.Events.Emit(ctx, tx, e); err != nil {
		return Version{}, fmt.Errorf("emit: %w", err)
	}
	s.forget(ctx, b.OrgID)
	return v, nil
}

// sameData compares two versions' data field by field, values, origins
// and confidences alike.
func sameData(a, b Data) bool {
	if len(diff(a, b)) > 0 {
		return false
	}
	for id, sec := range b.Sections {
		for name, f := range sec.Fields {
			old, ok := a.field(id, name)
			if !ok || old.Origin != f.Origin || old.Confidence != f.Confidence {
				return false
			}
		}
	}
	return true
}

// userActor is how a user author appears on events: a user id, or an API
// token (api-token:{id}) as a job.
func userActor(id string) events.Actor {
	if _, err := uuid.Parse(id); err == nil {
		return events.Actor{Type: "user", ID: id}
	}
	return events.Actor{Type: "job", ID: id}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// forget drops the cached Brief in the write path (seed §7); the brief
// event drops it again after the commit, so a read racing the commit
// cannot leave the old Brief behind for long.
func (s *Service) forget(ctx context.Context, orgID uuid.UUID) {
	if s.Cache == nil {
		return
	}
	if err := s.Cache.Delete(ctx, cache.BriefKey(orgID.String())); err != nil {
		s.Log.Warn().Err(err).Msg("brief cache")
	}
}

// remember fills the cache from a read; a cache failure only costs a later
// database read.
func (s *Service) remember(ctx context.Context, b Brief) {
	if s.Cache == nil {
		return
	}
	if err := s.Cache.Set(ctx, cache.BriefKey(b.OrgID.String()), b, cache.BriefTTL); err != nil {
		s.Log.Warn().Err(err).Msg("brief cache")
	}
}
