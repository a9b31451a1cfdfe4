package brief_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/cache"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/paging"
	"github.com/xentri/xentri/services/sales"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is what a brief test works with besides the service: the
// database (the owner pool to arrange and inspect, bypassing RLS), the
// sales service the Brief hands its cadence to, and an org of its own with
// an owner.
type testBundle struct {
	db    *testenv.Database
	sales *sales.Service
	cache *cache.ReadCache
	org   uuid.UUID
	owner access.Membership
}

// setup returns the brief service on the real Postgres and Redis, and a
// fresh org.
func setup(t *testing.T) (*brief.Service, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	org, user := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'test org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	w := &events.Writer{Log: zerolog.Nop()}
	rc := cache.NewReadCache(testenv.Redis(t))
	salesSvc := &sales.Service{DB: d.App, Events: w, Log: zerolog.Nop()}
	svc := &brief.Service{DB: d.App, Events: w, Cache: rc, Log: zerolog.Nop(), Sales: salesSvc}
	return svc, &testBundle{db: d, sales: salesSvc, cache: rc, org: org,
		owner: access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}}
}

func (b *testBundle) inTenant(t *testing.T, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	if err := b.db.App.InTenant(context.Background(), b.org, fn); err != nil {
		t.Fatal(err)
	}
}

// try runs fn in a tenant transaction and returns its error.
func (b *testBundle) try(fn func(ctx context.Context, tx pgx.Tx) error) error {
	return b.db.App.InTenant(context.Background(), b.org, fn)
}

func (b *testBundle) events(t *testing.T, typ string) int {
	t.Helper()
	var n int
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM system_events WHERE org_id = $1 AND type = $2", b.org, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *testBundle) compose(t *testing.T, svc *brief.Service, facts ...extract.Fact) (brief.Version, []brief.Proposal) {
	t.Helper()
	var (
		v  brief.Version
		ps []brief.Proposal
	)
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		v, ps, err = svc.Compose(ctx, tx, b.org, brief.Author{Type: brief.AuthorCopilot, ID: "session-1"}, facts, "From the conversation.")
		return err
	})
	return v, ps
}

func (b *testBundle) current(t *testing.T, svc *brief.Service) brief.Brief {
	t.Helper()
	var out brief.Brief
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		out, err = svc.Current(ctx, tx, b.owner)
		return err
	})
	return out
}

func (b *testBundle) edit(svc *brief.Service, section string, fields map[string]any, ifMatch int) (brief.Brief, error) {
	raw := map[string]json.RawMessage{}
	for k, v := range fields {
		raw[k], _ = json.Marshal(v)
	}
	var out brief.Brief
	err := b.try(func(ctx context.Context, tx pgx.Tx) (err error) {
		out, err = svc.EditSection(ctx, tx, b.owner, section, raw, ifMatch)
		return err
	})
	return out, err
}

func fact(section, field string, value any, quote string) extract.Fact {
	raw, _ := json.Marshal(value)
	return extract.Fact{Section: section, Field: field, Value: raw, Confidence: 0.8,
		Sources: []extract.Source{{MessageID: "m1", Start: 0, End: len([]rune(quote)), Quote: quote}}}
}

func value(t *testing.T, d brief.Data, section, field string) string {
	t.Helper()
	f, ok := d.Sections[section].Fields[field]
	if !ok {
		return ""
	}
	return string(f.Value)
}

func TestComposeMakesTheFirstVersionFromFacts(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	err := b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Current(ctx, tx, b.owner)
		return err
	})
	var se *services.Error
	if !errors.As(err, &se) || se.Code != services.NotFound || !strings.Contains(se.Message, "Co-pilot session") {
		t.Fatalf("no brief yet: %v, want a not-found that says to start a co-pilot session", err)
	}

	v, ps := b.compose(t, svc,
		fact("identity", "business_name", "Rosa's Bakery", "Rosa's Bakery"),
		fact("offerings", "products", []string{"sourdough", "wedding cakes"}, "sourdough and wedding cakes"),
		fact("brand_voice", "tone", []string{"friendly"}, "friendly"),
		fact("nowhere", "nothing", "x", "x"),                       // no such field: skipped
		fact("identity", "founded_year", "two thousand", "two th"), // wrong shape: skipped
	)
	if v.Number != 1 || len(ps) != 0 || v.Author.Type != brief.AuthorCopilot {
		t.Fatalf("first compose = v%d by %+v, %d proposals", v.Number, v.Author, len(ps))
	}
	if got := value(t, v.Data, "identity", "business_name"); got != `"Rosa's Bakery"` {
		t.Fatalf("business_name = %s", got)
	}
	f := v.Data.Sections["identity"].Fields["business_name"]
	if f.Origin != brief.OriginExtracted || f.Confidence != 0.8 || len(f.Sources) != 1 || f.Sources[0].Quote != "Rosa's Bakery" {
		t.Fatalf("field = %+v", f)
	}
	if _, ok := v.Data.Sections["identity"].Fields["founded_year"]; ok {
		t.Fatal("a fact of the wrong shape was stored")
	}
	var asked []string
	for _, m := range v.Data.Missing {
		asked = append(asked, m.Section+"."+m.Field)
		if m.Section == "identity" && m.Field == "founded_year" && m.Question != "In what year did you start the business?" {
			t.Errorf("question = %q", m.Question)
		}
	}
	if len(asked) != len(extract.Fields())-3 || slices.Contains(asked, "identity.business_name") || !slices.Contains(asked, "contact.email") {
		t.Fatalf("missing = %v", asked)
	}
	if n := b.events(t, contracts.EventBriefCreated); n != 1 {
		t.Fatalf("%d brief.created events, want 1", n)
	}
	cur := b.current(t, svc)
	if cur.Version != 1 || cur.ID == uuid.Nil || value(t, cur.Data, "offerings", "products") != `["sourdough","wedding cakes"]` {
		t.Fatalf("current = %+v", cur)
	}

	// The same facts again change nothing: no version, no event.
	again, _ := b.compose(t, svc, fact("identity", "business_name", "Rosa's Bakery", "Rosa's Bakery"))
	if again.Number != 1 || b.events(t, contracts.EventBriefUpdated) != 0 {
		t.Fatalf("an unchanged compose made v%d", again.Number)
	}
}

func TestComposeKeepsWhatTheOwnerSetAndProposesInstead(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("identity", "business_name", "Rosa's Bakery", "Rosa's Bakery"), fact("identity", "team_size", 3, "three of us"))
	edited, err := b.edit(svc, "identity", map[string]any{"business_name": "Rosa Bakes"}, 1)
	if err != nil || edited.Version != 2 {
		t.Fatalf("edit: v%d, %v", edited.Version, err)
	}
	f := edited.Data.Sections["identity"].Fields["business_name"]
	if f.Origin != brief.OriginUser || f.Confidence != 1 || len(f.Sources) != 0 {
		t.Fatalf("edited field = %+v", f)
	}

	v, ps := b.compose(t, svc, fact("identity", "business_name", "Rosa's Bakery Ltd", "Rosa's Bakery Ltd"), fact("identity", "team_size", 4, "four of us"))
	if v.Number != 3 || value(t, v.Data, "identity", "business_name") != `"Rosa Bakes"` || value(t, v.Data, "identity", "team_size") != "4" {
		t.Fatalf("compose over an edit: v%d %s / %s", v.Number, value(t, v.Data, "identity", "business_name"), value(t, v.Data, "identity", "team_size"))
	}
	if len(ps) != 1 || ps[0].Section != "identity" || ps[0].Status != brief.StatusPending || ps[0].BasedOnVersion != 3 ||
		string(ps[0].Fields["business_name"].Value) != `"Rosa's Bakery Ltd"` || len(ps[0].Fields) != 1 {
		t.Fatalf("proposals = %+v", ps)
	}
	if n := b.events(t, contracts.EventAIProposalGenerated); n != 1 {
		t.Fatalf("%d proposal events, want 1", n)
	}
	// The same conflict again makes no second proposal.
	if _, ps := b.compose(t, svc, fact("identity", "business_name", "Rosa's Bakery Ltd", "x")); len(ps) != 0 || b.events(t, contracts.EventAIProposalGenerated) != 1 {
		t.Fatalf("a repeated conflict made %d proposals", len(ps))
	}

	// Accepting it makes a version with the proposal's value.
	var accepted brief.Proposal
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		accepted, err = svc.Accept(ctx, tx, b.owner, ps[0].ID)
		return err
	})
	cur := b.current(t, svc)
	if accepted.Status != brief.StatusAccepted || accepted.AcceptedVersion == nil || *accepted.AcceptedVersion != 4 || cur.Version != 4 ||
		value(t, cur.Data, "identity", "business_name") != `"Rosa's Bakery Ltd"` || cur.Data.Sections["identity"].Fields["business_name"].Origin != brief.OriginProposal {
		t.Fatalf("accepted = %+v, current v%d %+v", accepted, cur.Version, cur.Data.Sections["identity"])
	}
	if cur.Author.Type != brief.AuthorProposal || cur.Author.ID != ps[0].ID.String() {
		t.Fatalf("author = %+v", cur.Author)
	}
	// Deciding twice is a conflict.
	err = b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Reject(ctx, tx, b.owner, ps[0].ID, nil)
		return err
	})
	if services.ErrorCode(err) != services.Conflict {
		t.Fatalf("reject after accept: %v, want conflict", err)
	}
}

func TestACorrectionReplacesTheValueAndTheOldOneStaysInItsVersion(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("identity", "founded_year", 2012, "2012"))
	v2, _ := b.compose(t, svc, fact("identity", "founded_year", 2014, "actually 2014"))
	if v2.Number != 2 || value(t, v2.Data, "identity", "founded_year") != "2014" || v2.Data.Sections["identity"].Fields["founded_year"].Sources[0].Quote != "actually 2014" {
		t.Fatalf("v2 = %+v", v2.Data.Sections["identity"])
	}
	if len(v2.Changes) != 1 || v2.Changes[0].Op != brief.OpChanged || string(v2.Changes[0].From) != "2012" || string(v2.Changes[0].To) != "2014" {
		t.Fatalf("changes = %+v", v2.Changes)
	}
	var v1 brief.Version
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		v1, err = svc.Version(ctx, tx, b.owner, 1)
		return err
	})
	if value(t, v1.Data, "identity", "founded_year") != "2012" {
		t.Fatalf("v1 now says %s: a version was edited in place", value(t, v1.Data, "identity", "founded_year"))
	}
	if n := b.events(t, contracts.EventBriefUpdated); n != 1 {
		t.Fatalf("%d brief.updated events, want 1", n)
	}
}

func TestRestoreDiffAndVersions(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("identity", "business_name", "A", "A"))
	b.compose(t, svc, fact("identity", "business_name", "B", "B"), fact("contact", "email", "hi@b.example", "hi@b.example"))
	var restored brief.Brief
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		restored, err = svc.Restore(ctx, tx, b.owner, 1)
		return err
	})
	if restored.Version != 3 || value(t, restored.Data, "identity", "business_name") != `"A"` || value(t, restored.Data, "contact", "email") != "" {
		t.Fatalf("restored = v%d %+v", restored.Version, restored.Data)
	}
	var v3 brief.Version
	var d brief.Diff
	var d31 brief.Diff
	var list []brief.Version
	var next string
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		if v3, err = svc.Version(ctx, tx, b.owner, 3); err != nil {
			return err
		}
		if d, err = svc.Diff(ctx, tx, b.owner, 3, nil); err != nil {
			return err
		}
		from := 1
		if d31, err = svc.Diff(ctx, tx, b.owner, 3, &from); err != nil {
			return err
		}
		list, next, err = svc.Versions(ctx, tx, b.owner, paging.Page{Limit: 2})
		return err
	})
	if v3.RestoredFrom == nil || *v3.RestoredFrom != 1 || v3.Author.Type != brief.AuthorUser || v3.Author.ID != b.owner.Principal.UserID.String() {
		t.Fatalf("v3 = %+v", v3)
	}
	want := []brief.Change{
		{Section: "identity", Field: "business_name", Op: brief.OpChanged, From: json.RawMessage(`"B"`), To: json.RawMessage(`"A"`)},
		{Section: "contact", Field: "email", Op: brief.OpRemoved, From: json.RawMessage(`"hi@b.example"`)},
	}
	if d.From != 2 || d.To != 3 || !sameChanges(d.Changes, want) {
		t.Fatalf("diff 2..3 = %+v", d)
	}
	if len(d31.Changes) != 0 {
		t.Fatalf("diff 1..3 = %+v, want none (3 restores 1)", d31)
	}
	if len(list) != 2 || list[0].Number != 3 || list[1].Number != 2 || next == "" {
		t.Fatalf("versions page 1 = %d items, next %q", len(list), next)
	}
	after, err := paging.DecodeCursor(next)
	if err != nil {
		t.Fatal(err)
	}
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		list, next, err = svc.Versions(ctx, tx, b.owner, paging.Page{Limit: 2, After: &after})
		return err
	})
	if len(list) != 1 || list[0].Number != 1 || next != "" {
		t.Fatalf("versions page 2 = %+v, next %q", list, next)
	}
	err = b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Version(ctx, tx, b.owner, 9)
		return err
	})
	if services.ErrorCode(err) != services.NotFound {
		t.Fatalf("version 9: %v, want not found", err)
	}
}

func sameChanges(a, b []brief.Change) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestEditSectionValidatesAndNeedsTheCurrentVersion(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("identity", "business_name", "A", "A"), fact("identity", "team_size", 2, "two"))
	if _, err := b.edit(svc, "identity", map[string]any{"business_name": "B"}, 1); err != nil {
		t.Fatal(err)
	}
	_, err := b.edit(svc, "identity", map[string]any{"business_name": "C"}, 1)
	if services.ErrorCode(err) != services.PreconditionFailed {
		t.Fatalf("stale if-match: %v, want precondition failed", err)
	}
	cases := []struct {
		name    string
		section string
		fields  map[string]any
		code    services.Code
	}{
		{"unknown section", "nope", map[string]any{"x": 1}, services.NotFound},
		{"unknown field", "identity", map[string]any{"shoe_size": 1}, services.Invalid},
		{"wrong kind", "identity", map[string]any{"team_size": "many"}, services.Invalid},
		{"fraction", "identity", map[string]any{"founded_year": 2012.5}, services.Invalid},
		{"bad location", "identity", map[string]any{"location": map[string]any{"planet": "Mars"}}, services.Invalid},
		{"bad price", "offerings", map[string]any{"price_points": []any{map[string]any{"label": "x", "amount": 1, "currency": "euro"}}}, services.Invalid},
		{"blank", "identity", map[string]any{"business_name": "  "}, services.Invalid},
		{"nothing", "identity", map[string]any{}, services.Invalid},
	}
	for _, c := range cases {
		if _, err := b.edit(svc, c.section, c.fields, 2); services.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	// null removes a field.
	got, err := b.edit(svc, "identity", map[string]any{"team_size": nil, "location": map[string]string{"city": "Lyon"}}, 2)
	if err != nil || got.Version != 3 || value(t, got.Data, "identity", "team_size") != "" || value(t, got.Data, "identity", "location") != `{"city":"Lyon"}` {
		t.Fatalf("remove and set: v%d %+v, %v", got.Version, got.Data.Sections["identity"], err)
	}
	var updated int
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM system_events WHERE org_id = $1 AND type = $2
		AND envelope->'payload'->'sections_changed' = '["identity"]'`, b.org, contracts.EventBriefUpdated).Scan(&updated); err != nil || updated != 2 {
		t.Fatalf("%d brief.updated events naming identity, %v; want 2", updated, err)
	}
	// A token with brief:read only may not edit.
	reader := access.Membership{OrgID: b.org, Principal: access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org, Scopes: []string{access.ScopeBriefRead}}}}
	err = b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.EditSection(ctx, tx, reader, "identity", map[string]json.RawMessage{"business_name": json.RawMessage(`"X"`)}, 3)
		return err
	})
	if services.ErrorCode(err) != services.Forbidden {
		t.Fatalf("edit with brief:read: %v, want forbidden", err)
	}
}

func TestProposalsOnAnOldVersionConflictAndRejectKeepsTheReason(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("goals", "goals", []string{"more weddings"}, "more weddings"))
	propose := func(section string, fields map[string]string) (brief.Proposal, error) {
		raw := map[string]json.RawMessage{}
		for k, v := range fields {
			raw[k] = json.RawMessage(v)
		}
		var p brief.Proposal
		err := b.try(func(ctx context.Context, tx pgx.Tx) (err error) {
			instr := "make it bolder"
			p, err = svc.Propose(ctx, tx, b.owner, section, raw, &instr)
			return err
		})
		return p, err
	}
	old, err := propose("goals", map[string]string{"goals": `["double wedding orders"]`})
	if err != nil || old.BasedOnVersion != 1 || old.Kind != brief.KindSuggestion || *old.Instruction != "make it bolder" {
		t.Fatalf("propose: %+v, %v", old, err)
	}
	other, err := propose("brand_voice", map[string]string{"tone": `["warm"]`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := propose("goals", map[string]string{"goals": `"not a list"`}); services.ErrorCode(err) != services.Invalid {
		t.Fatalf("a proposal of the wrong kind: %v", err)
	}
	if _, err := b.edit(svc, "goals", map[string]any{"goals": []string{"open a second shop"}}, 1); err != nil {
		t.Fatal(err)
	}
	err = b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Accept(ctx, tx, b.owner, old.ID)
		return err
	})
	var se *services.Error
	if !errors.As(err, &se) || se.Code != services.Conflict || !strings.Contains(se.Message, "version 1") {
		t.Fatalf("accept on an old version: %v, want a conflict naming the versions", err)
	}
	var rejected brief.Proposal
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		reason := "  not now "
		rejected, err = svc.Reject(ctx, tx, b.owner, other.ID, &reason)
		return err
	})
	if rejected.Status != brief.StatusRejected || rejected.Reason == nil || *rejected.Reason != "not now" || rejected.DecidedAt == nil ||
		rejected.DecidedBy == nil || *rejected.DecidedBy != b.owner.Principal.UserID {
		t.Fatalf("rejected = %+v", rejected)
	}
	err = b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Reject(ctx, tx, b.owner, other.ID, nil)
		return err
	})
	if services.ErrorCode(err) != services.Conflict {
		t.Fatalf("reject twice: %v, want conflict", err)
	}
	var pending, all []brief.Proposal
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		status := brief.StatusPending
		if pending, _, err = svc.Proposals(ctx, tx, b.owner, &status, paging.Page{Limit: 10}); err != nil {
			return err
		}
		all, _, err = svc.Proposals(ctx, tx, b.owner, nil, paging.Page{Limit: 10})
		return err
	})
	if len(pending) != 1 || pending[0].ID != old.ID || len(all) != 2 || all[0].ID != other.ID {
		t.Fatalf("pending %d, all %d (newest first?)", len(pending), len(all))
	}
	if n := b.events(t, contracts.EventAIProposalGenerated); n != 2 {
		t.Fatalf("%d proposal events, want 2", n)
	}
}

func TestContextsAreDerivedAndStoredPerVersion(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc,
		fact("identity", "business_name", "Fix-It", "Fix-It"),
		fact("offerings", "products", []string{"boiler repair with a free quote"}, "free quote"),
		fact("brand_voice", "tone", []string{"professional"}, "professional"),
		fact("brand_voice", "avoid", []string{"cheap"}, "cheap"),
		fact("differentiators", "points", []string{"same-day visits"}, "same-day visits"),
	)
	b.compose(t, svc, fact("offerings", "price_points", []extract.PricePoint{{Label: "call-out", Amount: 6000, Currency: "GBP"}}, "60 pounds"))
	count := 0
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM brief_contexts WHERE org_id = $1", b.org).Scan(&count); err != nil || count != 6 {
		t.Fatalf("%d stored contexts, %v; want 3 per version, 6", count, err)
	}
	var voice, pipeline, site brief.Context
	var k brief.Knowledge
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		if voice, err = svc.Context(ctx, tx, b.owner, "brand_voice"); err != nil {
			return err
		}
		if pipeline, err = svc.Context(ctx, tx, b.owner, "sales_pipeline"); err != nil {
			return err
		}
		if site, err = svc.Context(ctx, tx, b.owner, "website"); err != nil {
			return err
		}
		k, err = svc.Knowledge(ctx, tx, b.org, brief.CategoryWebsite, func(_ context.Context, _ pgx.Tx, _ uuid.UUID, br brief.Brief, c brief.Context) (json.RawMessage, error) {
			if br.Version != c.Version {
				t.Errorf("module reader got brief v%d with context v%d", br.Version, c.Version)
			}
			return json.RawMessage(`{"pages":"module"}`), nil
		})
		return err
	})
	var bv brief.BrandVoice
	_ = json.Unmarshal(voice.Data, &bv)
	if voice.Version != 2 || !slices.Equal(bv.Tone, []string{"professional"}) || !slices.Contains(bv.Use, "same-day visits") ||
		!slices.Contains(bv.Avoid, "cheap") || bv.ReadingLevel != "clear, grade 10" {
		t.Fatalf("brand voice = %+v", bv)
	}
	var sp brief.SalesPipeline
	_ = json.Unmarshal(pipeline.Data, &sp)
	if len(sp.Stages) != 5 || sp.Stages[2].ID != "quote_sent" || sp.Stages[2].Status != "qualified" || sp.FollowUpCadenceDays != nil {
		t.Fatalf("sales pipeline = %+v", sp)
	}
	var w brief.Website
	_ = json.Unmarshal(site.Data, &w)
	var slugs []string
	for _, p := range w.Pages {
		slugs = append(slugs, p.Slug)
		if p.Slug == "pricing" && !slices.Contains(p.DrawsOn, "offerings.price_points") {
			t.Errorf("pricing draws on %v", p.DrawsOn)
		}
		if p.Slug == "home" && !slices.Contains(p.DrawsOn, "identity.business_name") {
			t.Errorf("home draws on %v", p.DrawsOn)
		}
	}
	if !slices.Equal(slugs, []string{"home", "about", "services", "pricing", "contact"}) {
		t.Fatalf("pages = %v", slugs)
	}
	if k.Brief.Version != 2 || k.Category.Category != brief.CategoryWebsite || string(k.Module) != `{"pages":"module"}` {
		t.Fatalf("knowledge = v%d %s %s", k.Brief.Version, k.Category.Category, k.Module)
	}
	// The first version's contexts are kept: no pricing page then.
	var first string
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT data::text FROM brief_contexts WHERE org_id = $1 AND version = 1 AND category = 'website'",
		b.org).Scan(&first); err != nil || strings.Contains(first, "pricing") {
		t.Fatalf("v1 website context = %s, %v", first, err)
	}
	err := b.try(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Context(ctx, tx, b.owner, "astrology")
		return err
	})
	if services.ErrorCode(err) != services.NotFound {
		t.Fatalf("unknown category: %v", err)
	}
	// Derive is pure.
	if a, c := brief.Derive(k.Brief.Data), brief.Derive(k.Brief.Data); !sameJSON(a, c) {
		t.Fatal("Derive differs on the same data")
	}
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func (b *testBundle) settings(t *testing.T) sales.Settings {
	t.Helper()
	var set sales.Settings
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		set, err = b.sales.GetSettings(ctx, tx, b.owner)
		return err
	})
	return set
}

func TestTheBriefSetsTheCadenceUnlessTheOwnerDid(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("sales", "follow_up_days", []int{7, 1, 7}, "a day, then a week"))
	if set := b.settings(t); !slices.Equal(set.FollowUpCadenceDays, []int{1, 7}) || set.Source != "brief" {
		t.Fatalf("settings after the brief = %+v, want [1 7] from the brief", set)
	}
	// A later version's cadence replaces the brief's own.
	b.compose(t, svc, fact("sales", "follow_up_days", []int{2, 5}, "two days, then five"))
	if set := b.settings(t); !slices.Equal(set.FollowUpCadenceDays, []int{2, 5}) || set.Source != "brief" {
		t.Fatalf("settings after a new cadence = %+v", set)
	}
	// The owner sets it by hand: the Brief leaves it be from now on.
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
		_, err := b.sales.PutSettings(ctx, tx, b.owner, sales.Settings{FollowUpCadenceDays: []int{3}})
		return err
	})
	v, _ := b.compose(t, svc, fact("sales", "follow_up_days", []int{10, 20}, "ten days"))
	if v.Number != 3 {
		t.Fatalf("compose made v%d", v.Number)
	}
	if set := b.settings(t); !slices.Equal(set.FollowUpCadenceDays, []int{3}) || set.Source != "org" {
		t.Fatalf("settings after the owner's = %+v, want the owner's [3]", set)
	}
	var sp brief.SalesPipeline
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
		c, err := svc.Context(ctx, tx, b.owner, "sales_pipeline")
		_ = json.Unmarshal(c.Data, &sp)
		return err
	})
	if !slices.Equal(sp.FollowUpCadenceDays, []int{10, 20}) {
		t.Fatalf("the context's cadence = %v", sp.FollowUpCadenceDays)
	}
}

func TestTheOwnersCadenceStandsAgainstTheFirstBrief(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
		_, err := b.sales.PutSettings(ctx, tx, b.owner, sales.Settings{FollowUpCadenceDays: []int{4, 8}})
		return err
	})
	b.compose(t, svc, fact("sales", "follow_up_days", []int{1}, "next day"))
	if set := b.settings(t); !slices.Equal(set.FollowUpCadenceDays, []int{4, 8}) || set.Source != "org" {
		t.Fatalf("settings = %+v, want the owner's", set)
	}
}

func TestAnotherOrgSeesNothing(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	v, _ := b.compose(t, svc, fact("identity", "business_name", "Secret Co", "Secret Co"), fact("identity", "team_size", 1, "just me"))
	if _, err := b.edit(svc, "identity", map[string]any{"team_size": 2}, v.Number); err != nil {
		t.Fatal(err)
	}
	_, other := setup(t)
	// The other org's tenant transaction, asking for this org's rows.
	for _, table := range []string{"briefs", "brief_versions", "brief_contexts", "brief_proposals"} {
		var n int
		err := b.db.App.InTenant(context.Background(), other.org, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE org_id = $1", b.org).Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("another org sees %d rows of %s (%v)", n, table, err)
		}
	}
	otherMember := access.Membership{OrgID: other.org, Role: access.RoleOwner, Principal: other.owner.Principal}
	err := b.db.App.InTenant(context.Background(), other.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Current(ctx, tx, otherMember)
		return err
	})
	if !errors.Is(err, brief.ErrNoBrief) {
		t.Fatalf("the other org's brief: %v, want none", err)
	}
}

func TestTheCacheIsRefreshedOnWrite(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	b.compose(t, svc, fact("identity", "business_name", "Old Name", "Old Name"))
	if cur := b.current(t, svc); cur.Version != 1 {
		t.Fatalf("v%d", cur.Version)
	}
	var cached brief.Brief
	if ok, err := b.cache.Get(context.Background(), cache.BriefKey(b.org.String()), &cached); err != nil || !ok || cached.Version != 1 {
		t.Fatalf("cache after a read: %v %v v%d", ok, err, cached.Version)
	}
	if _, err := b.edit(svc, "identity", map[string]any{"business_name": "New Name"}, 1); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.cache.Get(context.Background(), cache.BriefKey(b.org.String()), &cached); ok {
		t.Fatal("the write left the old Brief in the cache")
	}
	if cur := b.current(t, svc); cur.Version != 2 || value(t, cur.Data, "identity", "business_name") != `"New Name"` {
		t.Fatalf("current after the edit = v%d", cur.Version)
	}
}

func TestAFailedComposeLeavesNothing(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	boom := errors.New("boom")
	err := b.try(func(ctx context.Context, tx pgx.Tx) error {
		if _, _, err := svc.Compose(ctx, tx, b.org, brief.Author{Type: brief.AuthorCopilot}, []extract.Fact{fact("identity", "business_name", "X", "X")}, ""); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	for _, table := range []string{"briefs", "brief_versions", "brief_contexts", "system_events"} {
		var n int
		if err := b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE org_id = $1", b.org).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s has %d rows after a rollback (%v): the version and its event are not one transaction", table, n, err)
		}
	}
}
