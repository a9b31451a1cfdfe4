package brief

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/paging"
)

// The store's not-found answers.
var (
	ErrNoBrief = services.Errorf(services.NotFound,
		"This organisation has no Universal Brief yet: start a Strategy Co-pilot session, and the Brief is made from what you tell it.")
	ErrNoVersion  = services.Errorf(services.NotFound, "The Brief has no such version.")
	ErrNoContext  = services.Errorf(services.NotFound, "This version of the Brief has no such context.")
	ErrNoProposal = services.Errorf(services.NotFound, "The Brief has no such proposal.")
)

// store runs the brief queries in one transaction and maps their rows to
// the domain's types; a missing row is the domain's not-found error.
type store struct{ q *dbsqlc.Queries }

func storeIn(tx dbsqlc.DBTX) store { return store{dbsqlc.New(tx)} }

// lockBrief returns the org's brief row, made when missing (at version 0),
// locked until the transaction ends.
func (s store) lockBrief(ctx context.Context, orgID uuid.UUID) (dbsqlc.Brief, error) {
	if err := s.q.EnsureBrief(ctx, dbsqlc.EnsureBriefParams{ID: uuid.Must(uuid.NewV7()), OrgID: orgID}); err != nil {
		return dbsqlc.Brief{}, db.Interpret("ensure brief", err, nil)
	}
	row, err := s.q.LockBrief(ctx, orgID)
	return row, db.Interpret("lock brief", err, ErrNoBrief)
}

// current is the org's Brief at its current version.
func (s store) current(ctx context.Context, orgID uuid.UUID) (Brief, error) {
	b, err := s.q.GetBrief(ctx, orgID)
	if err != nil {
		return Brief{}, db.Interpret("get brief", err, ErrNoBrief)
	}
	v, err := s.version(ctx, orgID, int(b.CurrentVersion))
	if err != nil {
		return Brief{}, err
	}
	return briefOf(b, v), nil
}

func briefOf(b dbsqlc.Brief, v Version) Brief {
	return Brief{ID: b.ID, OrgID: b.OrgID, Version: v.Number, Data: v.Data, Author: v.Author, Summary: v.Summary,
		CreatedAt: b.CreatedAt, UpdatedAt: v.CreatedAt}
}

func (s store) version(ctx context.Context, orgID uuid.UUID, n int) (Version, error) {
	if n < 1 || n > 1<<30 {
		return Version{}, ErrNoVersion
	}
	row, err := s.q.GetBriefVersion(ctx, dbsqlc.GetBriefVersionParams{OrgID: orgID, Number: int32(n)})
	if err != nil {
		return Version{}, db.Interpret("get brief version", err, ErrNoVersion)
	}
	return versionFromRow(row)
}

func (s store) versions(ctx context.Context, orgID uuid.UUID, page paging.Page) ([]Version, string, error) {
	rows, err := s.q.ListBriefVersions(ctx, dbsqlc.ListBriefVersionsParams{OrgID: orgID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list brief versions", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.BriefVersion) uuid.UUID { return r.ID },
		func(r dbsqlc.BriefVersion) Version {
			v, err := versionFromRow(r)
			if err != nil {
				bad = err
			}
			return v
		})
	return out, next, bad
}

// addVersion stores a version and makes it the brief's current one.
func (s store) addVersion(ctx context.Context, b dbsqlc.Brief, v Version) (Version, error) {
	data, err := json.Marshal(v.Data)
	if err != nil {
		return Version{}, fmt.Errorf("encode brief data: %w", err)
	}
	changes, err := json.Marshal(v.Changes)
	if err != nil {
		return Version{}, fmt.Errorf("encode brief changes: %w", err)
	}
	var restored *int32
	if v.RestoredFrom != nil {
		n := int32(*v.RestoredFrom)
		restored = &n
	}
	row, err := s.q.AddBriefVersion(ctx, dbsqlc.AddBriefVersionParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: b.OrgID, BriefID: b.ID, Number: int32(v.Number), Data: data,
		AuthorType: v.Author.Type, AuthorID: v.Author.ID, Summary: v.Summary, Changes: changes, RestoredFrom: restored,
	})
	if err != nil {
		return Version{}, db.Interpret("add brief version", err, nil)
	}
	if err := s.q.SetBriefVersion(ctx, dbsqlc.SetBriefVersionParams{OrgID: b.OrgID, ID: b.ID, CurrentVersion: row.Number}); err != nil {
		return Version{}, db.Interpret("set brief version", err, nil)
	}
	return versionFromRow(row)
}

func versionFromRow(r dbsqlc.BriefVersion) (Version, error) {
	v := Version{Number: int(r.Number), BriefID: r.BriefID, Author: Author{Type: r.AuthorType, ID: r.AuthorID},
		Summary: r.Summary, CreatedAt: r.CreatedAt, id: r.ID}
	if err := json.Unmarshal(r.Data, &v.Data); err != nil {
		return Version{}, fmt.Errorf("brief version %d: data: %w", r.Number, err)
	}
	if err := json.Unmarshal(r.Changes, &v.Changes); err != nil {
		return Version{}, fmt.Errorf("brief version %d: changes: %w", r.Number, err)
	}
	if v.Changes == nil {
		v.Changes = []Change{}
	}
	for i, c := range v.Changes {
		if len(c.From) > 0 {
			v.Changes[i].From, _ = canonical(c.From)
		}
		if len(c.To) > 0 {
			v.Changes[i].To, _ = canonical(c.To)
		}
	}
	v.Data.normalize()
	if r.RestoredFrom != nil {
		n := int(*r.RestoredFrom)
		v.RestoredFrom = &n
	}
	return v, nil
}

// normalize gives a decoded Data empty lists and maps rather than nulls,
// and canonical values (jsonb re-spaces and reorders what it stores).
func (d *Data) normalize() {
	if d.Sections == nil {
		d.Sections = map[string]Section{}
	}
	for id, s := range d.Sections {
		if s.Fields == nil {
			s.Fields = map[string]Field{}
		}
		for name, f := range s.Fields {
			if f.Sources == nil {
				f.Sources = []extract.Source{}
			}
			if c, err := canonical(f.Value); err == nil {
				f.Value = c
			}
			s.Fields[name] = f
		}
		d.Sections[id] = s
	}
	if d.Missing == nil {
		d.Missing = []Missing{}
	}
}

func (s store) putContexts(ctx context.Context, orgID uuid.UUID, version int, c Contexts) error {
	for _, cat := range Categories() {
		err := s.q.PutBriefContext(ctx, dbsqlc.PutBriefContextParams{
			ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Version: int32(version), Category: string(cat), Data: c.of(cat),
		})
		if err != nil {
			return db.Interpret("put brief context", err, nil)
		}
	}
	return nil
}

func (s store) context(ctx context.Context, orgID uuid.UUID, version int, cat Category) (Context, error) {
	row, err := s.q.GetBriefContext(ctx, dbsqlc.GetBriefContextParams{OrgID: orgID, Version: int32(version), Category: string(cat)})
	if err != nil {
		return Context{}, db.Interpret("get brief context", err, ErrNoContext)
	}
	return Context{Category: Category(row.Category), Version: int(row.Version), Data: row.Data}, nil
}

func (s store) addProposal(ctx context.Context, b dbsqlc.Brief, p Proposal) (Proposal, error) {
	fields, err := json.Marshal(p.Fields)
	if err != nil {
		return Proposal{}, fmt.Errorf("encode proposal fields: %w", err)
	}
	row, err := s.q.AddBriefProposal(ctx, dbsqlc.AddBriefProposalParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: b.OrgID, BriefID: b.ID, Section: p.Section, Kind: p.Kind,
		BasedOnVersion: int32(p.BasedOnVersion), Fields: fields, Instruction: p.Instruction,
	})
	if err != nil {
		return Proposal{}, db.Interpret("add brief proposal", err, nil)
	}
	return proposalFromRow(row)
}

func (s store) pendingProposals(ctx context.Context, orgID uuid.UUID, section string) ([]Proposal, error) {
	rows, err := s.q.PendingBriefProposals(ctx, dbsqlc.PendingBriefProposalsParams{OrgID: orgID, Section: section})
	if err != nil {
		return nil, db.Interpret("pending brief proposals", err, nil)
	}
	out := make([]Proposal, 0, len(rows))
	for _, r := range rows {
		p, err := proposalFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (s store) proposal(ctx context.Context, orgID, id uuid.UUID, lock bool) (Proposal, error) {
	var (
		row dbsqlc.BriefProposal
		err error
	)
	if lock {
		row, err = s.q.LockBriefProposal(ctx, dbsqlc.LockBriefProposalParams{OrgID: orgID, ID: id})
	} else {
		row, err = s.q.GetBriefProposal(ctx, dbsqlc.GetBriefProposalParams{OrgID: orgID, ID: id})
	}
	if err != nil {
		return Proposal{}, db.Interpret("get brief proposal", err, ErrNoProposal)
	}
	return proposalFromRow(row)
}

func (s store) proposals(ctx context.Context, orgID uuid.UUID, status *string, page paging.Page) ([]Proposal, string, error) {
	rows, err := s.q.ListBriefProposals(ctx, dbsqlc.ListBriefProposalsParams{OrgID: orgID, Status: status, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list brief proposals", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.BriefProposal) uuid.UUID { return r.ID },
		func(r dbsqlc.BriefProposal) Proposal {
			p, err := proposalFromRow(r)
			if err != nil {
				bad = err
			}
			return p
		})
	return out, next, bad
}

// decide records a decision; errDecided when the proposal was decided.
func (s store) decide(ctx context.Context, orgID, id uuid.UUID, status string, reason *string, accepted *int, by *uuid.UUID) (Proposal, error) {
	var version *int32
	if accepted != nil {
		n := int32(*accepted)
		version = &n
	}
	row, err := s.q.DecideBriefProposal(ctx, dbsqlc.DecideBriefProposalParams{
		OrgID: orgID, ID: id, Status: status, Reason: reason, AcceptedVersion: version, DecidedBy: by,
	})
	if err != nil {
		return Proposal{}, db.Interpret("decide brief proposal", err, errDecided)
	}
	return proposalFromRow(row)
}

func proposalFromRow(r dbsqlc.BriefProposal) (Proposal, error) {
	p := Proposal{ID: r.ID, BriefID: r.BriefID, Section: r.Section, Kind: r.Kind, BasedOnVersion: int(r.BasedOnVersion),
		Instruction: r.Instruction, Status: r.Status, Reason: r.Reason, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal(r.Fields, &p.Fields); err != nil {
		return Proposal{}, fmt.Errorf("brief proposal %s: fields: %w", r.ID, err)
	}
	for name, f := range p.Fields {
		if f.Sources == nil {
			f.Sources = []extract.Source{}
		}
		if c, err := canonical(f.Value); err == nil {
			f.Value = c
		}
		p.Fields[name] = f
	}
	if r.AcceptedVersion != nil {
		n := int(*r.AcceptedVersion)
		p.AcceptedVersion = &n
	}
	return p, nil
}
