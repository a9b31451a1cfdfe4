package brand_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/paging"
)

// in runs fn in the org's tenant transaction and returns its error.
func (b *testBundle) in(fn func(ctx context.Context, tx pgx.Tx) error) error {
	return b.db.App.InTenant(context.Background(), b.org, fn)
}

func (b *testBundle) createSite(t *testing.T, svc *brand.Service, in brand.SiteInput) brand.Site {
	t.Helper()
	var out brand.Site
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		out, err = svc.CreateSite(ctx, tx, b.owner, in)
		return err
	}); err != nil {
		t.Fatalf("create site %+v: %v", in, err)
	}
	return out
}

func (b *testBundle) pages(t *testing.T, svc *brand.Service, siteID uuid.UUID) []brand.Page {
	t.Helper()
	var out []brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		out, _, err = svc.Pages(ctx, tx, b.owner, siteID, paging.Page{Limit: 100})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (b *testBundle) eventCount(t *testing.T, typ string) int {
	t.Helper()
	var n int
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM system_events WHERE org_id = $1 AND type = $2", b.org, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func codeOf(err error) services.Code {
	var se *services.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

func fieldsOf(err error) map[string]string {
	var se *services.Error
	if errors.As(err, &se) {
		return se.Fields
	}
	return nil
}

func TestSlugsAreDerivedFromTheNameAndUniqueAcrossOrgs(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	// A name of its own, so parallel tests on the same database do not share it.
	word := "bakery-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	first := b.createSite(t, svc, brand.SiteInput{Name: "Rosa's " + word + "!"})
	if first.Slug != "rosas-"+word || first.Version != 1 || first.Theme.Family != "professional" {
		t.Fatalf("first site: slug %q version %d theme %+v", first.Slug, first.Version, first.Theme)
	}
	second := b.createSite(t, svc, brand.SiteInput{Name: "Rosas " + word})
	if second.Slug != "rosas-"+word+"-2" {
		t.Fatalf("second slug = %q, want the -2 suffix", second.Slug)
	}
	// Another org: the slug is global, a public address.
	other := newOrg(t, b.db, b.briefs)
	third := other.createSite(t, svc, brand.SiteInput{Name: "Rosas " + word})
	if third.Slug != "rosas-"+word+"-3" {
		t.Fatalf("another org's slug = %q, want the -3 suffix", third.Slug)
	}
	// A slug asked for and taken is a conflict; a malformed one invalid.
	taken := first.Slug
	err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.CreateSite(ctx, tx, b.owner, brand.SiteInput{Name: "x", Slug: &taken})
		return err
	})
	if codeOf(err) != services.Conflict || fieldsOf(err)["slug"] == "" {
		t.Fatalf("a taken slug: %v, want a Conflict naming slug", err)
	}
	for _, bad := range []string{"ab", "Rosas", "-rosas", "rosas-", "ro_sas", strings.Repeat("a", 64)} {
		err := b.in(func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.CreateSite(ctx, tx, b.owner, brand.SiteInput{Name: "x", Slug: &bad})
			return err
		})
		if codeOf(err) != services.Invalid || fieldsOf(err)["slug"] == "" {
			t.Errorf("slug %q: %v, want Invalid naming slug", bad, err)
		}
	}
	for name, want := range map[string]string{"A": "a-site", "!!": "site", "Café Über": "caf-ber"} {
		if got := brand.Slugify(name); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", name, got, want)
		}
	}
	// Without a name there is nothing to derive a slug from.
	err = b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.CreateSite(ctx, tx, b.owner, brand.SiteInput{})
		return err
	})
	if codeOf(err) != services.Invalid || fieldsOf(err)["name"] == "" {
		t.Fatalf("no name: %v", err)
	}
}

func TestASiteFromTheBriefDraftsEveryPageOfTheWebsiteContextWithCitedCopy(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	// No Brief, nothing to draft from.
	err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.CreateSite(ctx, tx, b.owner, brand.SiteInput{FromBrief: true})
		return err
	})
	if codeOf(err) != services.Unprocessable {
		t.Fatalf("from_brief without a Brief: %v, want Unprocessable", err)
	}
	facts := bakery("friendly")
	facts["identity.business_name"] = "Rosa's Bakery " + uuid.NewString()[:8]
	b.compose(t, facts)
	before := b.eventCount(t, contracts.EventPageUpdated)
	site := b.createSite(t, svc, brand.SiteInput{FromBrief: true})
	if site.Name != facts["identity.business_name"] || !strings.HasPrefix(site.Slug, "rosas-bakery-") {
		t.Fatalf("site from the Brief: name %q slug %q", site.Name, site.Slug)
	}
	if site.Theme != brand.ThemeFor("friendly") {
		t.Fatalf("theme %+v, want the friendly family's", site.Theme)
	}
	pages := b.pages(t, svc, site.ID)
	byPath := map[string]brand.Page{}
	for _, p := range pages {
		byPath[p.Path] = p
		if p.Version != 1 {
			t.Errorf("%s at version %d, want 1", p.Path, p.Version)
		}
	}
	// The bakery's website context: home, about, products, pricing, contact.
	for _, path := range []string{"/", "/about", "/products", "/pricing", "/contact"} {
		if _, ok := byPath[path]; !ok {
			t.Fatalf("no page at %s; pages %v", path, byPath)
		}
	}
	if len(site.Navigation) != len(pages) {
		t.Errorf("navigation %v, want a link to each of the %d pages", site.Navigation, len(pages))
	}
	if n := b.eventCount(t, contracts.EventPageUpdated) - before; n != len(pages) {
		t.Errorf("%d page.updated events, want one per drafted page (%d)", n, len(pages))
	}
	// Each page's meta description is what the page says, not the outline's
	// instruction to whoever writes it.
	for path, p := range byPath {
		desc := p.SEO.Description
		if desc == "" || strings.HasPrefix(desc, "Say ") || strings.Contains(strings.ToLower(desc), "lead visitors") {
			t.Errorf("%s's meta description %q is not the page's own words", path, desc)
		}
	}
	if home := byPath["/"].Blocks; len(home) < 3 || home[1].Type != brand.BlockFeatures {
		t.Errorf("the home page shows no offerings after its hero: %+v", home)
	}
	d := b.data(t)
	values := valuesOf(t, d)
	want := map[string]string{"/": brand.BlockHero, "/about": brand.BlockRichText, "/products": brand.BlockFeatures,
		"/pricing": brand.BlockPricing, "/contact": brand.BlockContactForm}
	for path, typ := range want {
		var found *brand.Block
		for i, bl := range byPath[path].Blocks {
			if bl.Type == typ {
				found = &byPath[path].Blocks[i]
			}
		}
		if found == nil {
			t.Errorf("%s has no %s block: %+v", path, typ, byPath[path].Blocks)
			continue
		}
		if len(found.Cites) == 0 {
			t.Errorf("%s's %s cites nothing", path, typ)
		}
		// Every cited field is in the Brief, and its value is in the block.
		text := strings.ToLower(string(found.Data))
		for _, c := range found.Cites {
			section, field, _ := strings.Cut(c, ".")
			if _, ok := d.Sections[section].Fields[field]; !ok {
				t.Errorf("%s's %s cites %s, which the Brief lacks", path, typ, c)
				continue
			}
			vs := values[c]
			used := false
			for _, v := range vs {
				if strings.Contains(text, strings.ToLower(v)) {
					used = true
				}
			}
			if !used && c != "offerings.price_points" {
				t.Errorf("%s's %s cites %s but shows none of %v: %s", path, typ, c, vs, found.Data)
			}
		}
		// Nothing the Brand Voice avoids.
		for _, w := range []string{"cheap", "discount"} {
			if strings.Contains(text, w) {
				t.Errorf("%s's %s holds the avoided %q: %s", path, typ, w, found.Data)
			}
		}
	}
	var pricing struct {
		Plans []struct {
			Label    string
			Amount   int64
			Currency string
		}
	}
	for _, bl := range byPath["/pricing"].Blocks {
		if bl.Type == brand.BlockPricing {
			_ = json.Unmarshal(bl.Data, &pricing)
		}
	}
	if len(pricing.Plans) != 1 || pricing.Plans[0].Amount != 450 || pricing.Plans[0].Currency != "EUR" {
		t.Errorf("pricing plans %+v, want the Brief's price point", pricing.Plans)
	}
	if !strings.Contains(string(byPath["/contact"].Blocks[0].Data), "ola@rosas-bakery.example") {
		t.Errorf("the contact form lacks the Brief's e-mail: %s", byPath["/contact"].Blocks[0].Data)
	}
}

func TestPageVersionsIfMatchAndRestore(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	site := b.createSite(t, svc, brand.SiteInput{Name: "Versions " + uuid.NewString()[:8]})
	hero := func(h string) []brand.Block {
		return []brand.Block{{Type: brand.BlockHero, Data: json.RawMessage(`{"headline":` + strconvQuote(h) + `}`)}}
	}
	var p brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/", Title: "Home", Blocks: hero("One")})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	update := func(ifMatch int, h string) (brand.Page, error) {
		var out brand.Page
		err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
			out, err = svc.UpdatePage(ctx, tx, b.owner, p.ID, brand.PageInput{Title: "Home", Blocks: hero(h)}, ifMatch)
			return err
		})
		return out, err
	}
	v2, err := update(1, "Two")
	if err != nil || v2.Version != 2 {
		t.Fatalf("update at v1: %+v %v", v2, err)
	}
	if _, err := update(1, "Stale"); codeOf(err) != services.PreconditionFailed {
		t.Fatalf("a stale If-Match: %v, want PreconditionFailed", err)
	}
	if _, err := update(0, "None"); codeOf(err) != services.Invalid || fieldsOf(err)["If-Match"] == "" {
		t.Fatalf("no If-Match: %v, want Invalid naming If-Match", err)
	}
	var restored brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		restored, err = svc.RestorePage(ctx, tx, b.owner, p.ID, 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if restored.Version != 3 || !strings.Contains(string(restored.Blocks[0].Data), "One") {
		t.Fatalf("restore of v1: %+v", restored)
	}
	var versions []brand.PageVersion
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		versions, _, err = svc.PageVersions(ctx, tx, b.owner, p.ID, paging.Page{Limit: 10})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(versions) != 3 || versions[0].Number != 3 || versions[0].RestoredFrom == nil || *versions[0].RestoredFrom != 1 || versions[2].Number != 1 {
		t.Fatalf("versions %+v", versions)
	}
	if err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.RestorePage(ctx, tx, b.owner, p.ID, 9)
		return err
	}); codeOf(err) != services.NotFound {
		t.Fatalf("restore of a version that does not exist: %v", err)
	}
	// The same path twice is a conflict.
	if err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/", Title: "Again", Blocks: hero("x")})
		return err
	}); codeOf(err) != services.Conflict {
		t.Fatalf("a second page at /: %v", err)
	}
	// The site's own If-Match.
	updateSite := func(ifMatch int) error {
		return b.in(func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.UpdateSite(ctx, tx, b.owner, site.ID, brand.SiteUpdate{Name: "Renamed"}, ifMatch)
			return err
		})
	}
	if err := updateSite(1); err != nil {
		t.Fatal(err)
	}
	if err := updateSite(1); codeOf(err) != services.PreconditionFailed {
		t.Fatalf("a stale site If-Match: %v", err)
	}
}

func strconvQuote(s string) string { raw, _ := json.Marshal(s); return string(raw) }

func TestABadBlockIsRefusedNamingItsIndexAndField(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	site := b.createSite(t, svc, brand.SiteInput{Name: "Blocks " + uuid.NewString()[:8]})
	create := func(blocks ...brand.Block) error {
		return b.in(func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/b", Title: "B", Blocks: blocks})
			return err
		})
	}
	good := brand.Block{Type: brand.BlockRichText, Data: json.RawMessage(`{"markdown":"# Hi\n\n<script>kept as written</script>"}`)}
	tests := []struct {
		name  string
		block brand.Block
		field string
	}{
		{"unknown type", brand.Block{Type: "marquee", Data: json.RawMessage(`{}`)}, "blocks[1].type"},
		{"no data", brand.Block{Type: brand.BlockHero}, "blocks[1].data"},
		{"a required field missing", brand.Block{Type: brand.BlockHero, Data: json.RawMessage(`{"subheadline":"x"}`)}, "blocks[1].data"},
		{"a field too long", brand.Block{Type: brand.BlockHero, Data: json.RawMessage(`{"headline":"` + strings.Repeat("x", 201) + `"}`)}, "blocks[1].data.headline"},
		{"a field unknown", brand.Block{Type: brand.BlockCTA, Data: json.RawMessage(`{"heading":"h","button":{"label":"l","href":"/c"},"onclick":"x"}`)}, "blocks[1].data"},
		{"a bad link", brand.Block{Type: brand.BlockCTA, Data: json.RawMessage(`{"heading":"h","button":{"label":"l","href":"javascript:alert(1)"}}`)}, "blocks[1].data.button.href"},
		{"a bad nested item", brand.Block{Type: brand.BlockPricing, Data: json.RawMessage(`{"plans":[{"label":"a","amount":-1,"currency":"EUR"}]}`)}, "blocks[1].data.plans.0.amount"},
	}
	for _, tt := range tests {
		err := create(good, tt.block)
		if codeOf(err) != services.Invalid {
			t.Errorf("%s: %v, want Invalid", tt.name, err)
			continue
		}
		if _, ok := fieldsOf(err)[tt.field]; !ok {
			t.Errorf("%s: fields %v, want %s named", tt.name, fieldsOf(err), tt.field)
		}
	}
	many := make([]brand.Block, brand.MaxBlocks+1)
	for i := range many {
		many[i] = good
	}
	if err := create(many...); codeOf(err) != services.Invalid || fieldsOf(err)["blocks"] == "" {
		t.Errorf("%d blocks: %v", len(many), err)
	}
	if err := create(many[:brand.MaxBlocks]...); err != nil {
		t.Errorf("%d blocks: %v", brand.MaxBlocks, err)
	}
	if err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/About", Title: "A"})
		return err
	}); codeOf(err) != services.Invalid || fieldsOf(err)["path"] == "" {
		t.Errorf("an uppercase path: %v", err)
	}
}

func TestADeletedPageIsGoneAndItsPathFree(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	site := b.createSite(t, svc, brand.SiteInput{Name: "Delete " + uuid.NewString()[:8]})
	var p brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/gone", Title: "Gone"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.in(func(ctx context.Context, tx pgx.Tx) error { return svc.DeletePage(ctx, tx, b.owner, p.ID) }); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"get":          b.in(func(ctx context.Context, tx pgx.Tx) error { _, err := svc.Page(ctx, tx, b.owner, p.ID); return err }),
		"delete again": b.in(func(ctx context.Context, tx pgx.Tx) error { return svc.DeletePage(ctx, tx, b.owner, p.ID) }),
		"update": b.in(func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.UpdatePage(ctx, tx, b.owner, p.ID, brand.PageInput{Title: "x"}, 1)
			return err
		}),
	} {
		if codeOf(err) != services.NotFound {
			t.Errorf("%s of a deleted page: %v, want NotFound", name, err)
		}
	}
	if got := b.pages(t, svc, site.ID); len(got) != 0 {
		t.Fatalf("pages after the delete: %+v", got)
	}
	var n int
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM page_versions WHERE page_id = $1", p.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the deleted page's versions: %d %v, want kept", n, err)
	}
	if err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/gone", Title: "Back"})
		return err
	}); err != nil {
		t.Fatalf("a new page at a deleted page's path: %v", err)
	}
}

func TestAnotherOrgSeesNoSiteOrPage(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	site := b.createSite(t, svc, brand.SiteInput{Name: "Private " + uuid.NewString()[:8]})
	var p brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/", Title: "Home"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	other := newOrg(t, b.db, b.briefs)
	err := other.in(func(ctx context.Context, tx pgx.Tx) error {
		sites, _, err := svc.Sites(ctx, tx, other.owner, paging.Page{Limit: 10})
		if err != nil || len(sites) != 0 {
			t.Errorf("another org lists %v, %v", sites, err)
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM pages) + (SELECT count(*) FROM page_versions)").Scan(&n); err != nil || n != 0 {
			t.Errorf("another org's transaction sees %d rows (%v): RLS", n, err)
		}
		for name, err := range map[string]error{
			"site": func() error { _, err := svc.Site(ctx, tx, other.owner, site.ID); return err }(),
			"pages": func() error {
				_, _, err := svc.Pages(ctx, tx, other.owner, site.ID, paging.Page{Limit: 10})
				return err
			}(),
			"page": func() error { _, err := svc.Page(ctx, tx, other.owner, p.ID); return err }(),
			"versions": func() error {
				_, _, err := svc.PageVersions(ctx, tx, other.owner, p.ID, paging.Page{Limit: 10})
				return err
			}(),
		} {
			if codeOf(err) != services.NotFound {
				t.Errorf("another org's %s: %v, want NotFound", name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A token without the site scopes reads and writes nothing.
	token := access.Membership{OrgID: b.org, Role: access.RoleMember, Principal: access.Principal{Token: &access.TokenPrincipal{
		ID: uuid.New(), OrgID: b.org, Scopes: []string{access.ScopeBriefRead}}}}
	err = b.in(func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Site(ctx, tx, token, site.ID)
		return err
	})
	if codeOf(err) != services.Forbidden || !strings.Contains(err.Error(), "site:read") {
		t.Fatalf("a token without site:read: %v", err)
	}
}

func TestThePageEventIsWrittenInTheSavingTransaction(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	site := b.createSite(t, svc, brand.SiteInput{Name: "Events " + uuid.NewString()[:8]})
	before := b.eventCount(t, contracts.EventPageUpdated)
	// A save that rolls back leaves neither the page nor its event.
	boom := errors.New("boom")
	err := b.in(func(ctx context.Context, tx pgx.Tx) error {
		if _, err := svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/", Title: "Home"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := b.eventCount(t, contracts.EventPageUpdated); n != before {
		t.Fatalf("a rolled-back save left %d events", n-before)
	}
	var p brand.Page
	if err := b.in(func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = svc.CreatePage(ctx, tx, b.owner, site.ID, brand.PageInput{Path: "/", Title: "Home"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var env contracts.Envelope
	var raw []byte
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT envelope FROM system_events WHERE org_id = $1 AND type = $2 ORDER BY occurred_at DESC LIMIT 1",
		b.org, contracts.EventPageUpdated).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	var payload contracts.PageUpdated
	if err := json.Unmarshal(env.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if payload != (contracts.PageUpdated{SiteID: site.ID.String(), PageID: p.ID.String(), Path: "/"}) {
		t.Fatalf("payload %+v", payload)
	}
}
