package brand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/brief"
	"github.com/xentri/xentri/services/brief/extract"
	"github.com/xentri/xentri/services/paging"
)

// Page is a page of a site at its current version. Version is the current
// version's number; If-Match "vN" names it.
type Page struct {
	ID        uuid.UUID `json:"id"`
	SiteID    uuid.UUID `json:"site_id"`
	Path      string    `json:"path"`
	Version   int       `json:"version"`
	Title     string    `json:"title"`
	SEO       SEO       `json:"seo"`
	Blocks    []Block   `json:"blocks"`
	Author    string    `json:"author"`     // the current version's
	CreatedAt time.Time `json:"created_at"` // the page's first version
	UpdatedAt time.Time `json:"updated_at"` // the current version
}

// PageVersion is one immutable version of a page: every save makes one.
type PageVersion struct {
	Number       int       `json:"number"`
	PageID       uuid.UUID `json:"page_id"`
	Title        string    `json:"title"`
	SEO          SEO       `json:"seo"`
	Blocks       []Block   `json:"blocks"`
	Author       string    `json:"author"`
	RestoredFrom *int      `json:"restored_from"`
	CreatedAt    time.Time `json:"created_at"`
}

// PageInput is a page's content: POST /sites/{id}/pages takes its path,
// PUT /pages/{id} may repeat it but not change it.
type PageInput struct {
	Path   string  `json:"path"`
	Title  string  `json:"title"`
	SEO    *SEO    `json:"seo"`
	Blocks []Block `json:"blocks"`
}

// check validates a page's content and returns it as a version to save.
func (in PageInput) check() (PageVersion, error) {
	bad := map[string]string{}
	title := strings.TrimSpace(in.Title)
	checkText(bad, "title", title, 200, true)
	v := PageVersion{Title: title}
	if in.SEO != nil {
		v.SEO = *in.SEO
		checkSEO(bad, "seo", v.SEO)
	}
	if len(bad) > 0 {
		return PageVersion{}, &services.Error{Code: services.Invalid, Message: "The page is not valid: " + firstProblem(bad), Fields: bad}
	}
	blocks, err := CheckBlocks(in.Blocks)
	if err != nil {
		return PageVersion{}, err
	}
	v.Blocks = blocks
	return v, nil
}

func author(m access.Membership) string {
	a := m.Principal.Actor()
	return a.Type + ":" + a.ID
}

// Pages pages through a site's live pages, oldest first.
func (s *Service) Pages(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID, page paging.Page) ([]Page, string, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return nil, "", err
	}
	st := storeIn(tx)
	if _, err := st.site(ctx, m.OrgID, siteID, false); err != nil {
		return nil, "", fmt.Errorf("pages: %w", err)
	}
	out, next, err := st.pages(ctx, m.OrgID, siteID, page)
	if err != nil {
		return nil, "", fmt.Errorf("pages: %w", err)
	}
	return out, next, nil
}

// CreatePage adds a page to a site, at version 1 (xentri.page.updated.v1).
// A path the site has a live page at is a Conflict.
func (s *Service) CreatePage(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID, in PageInput) (Page, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Page{}, err
	}
	return s.createPage(ctx, tx, m, siteID, in)
}

func (s *Service) createPage(ctx context.Context, tx pgx.Tx, m access.Membership, siteID uuid.UUID, in PageInput) (Page, error) {
	st := storeIn(tx)
	if _, err := st.site(ctx, m.OrgID, siteID, false); err != nil {
		return Page{}, fmt.Errorf("create page: %w", err)
	}
	if !validPath(in.Path) {
		return Page{}, &services.Error{Code: services.Invalid, Message: `A page's path is "/" or lowercase words joined by hyphens, such as /about or /services/plumbing.`,
			Fields: map[string]string{"path": "must be / or like /about, lowercase letters, digits and hyphens"}}
	}
	v, err := in.check()
	if err != nil {
		return Page{}, err
	}
	row, ok, err := st.insertPage(ctx, m.OrgID, siteID, in.Path)
	if err != nil {
		return Page{}, fmt.Errorf("create page: %w", err)
	}
	if !ok {
		return Page{}, &services.Error{Code: services.Conflict, Message: fmt.Sprintf("The site has a page at %s already.", in.Path),
			Fields: map[string]string{"path": "is taken"}}
	}
	v.Author = author(m)
	return s.save(ctx, tx, st, row, v, m.Principal.Actor())
}

// Page returns a live page at its current version.
func (s *Service) Page(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) (Page, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return Page{}, err
	}
	st := storeIn(tx)
	row, err := st.pageRow(ctx, m.OrgID, id, false)
	if err != nil {
		return Page{}, fmt.Errorf("page: %w", err)
	}
	p, err := st.page(ctx, row)
	if err != nil {
		return Page{}, fmt.Errorf("page: %w", err)
	}
	return p, nil
}

// UpdatePage saves a page's content as its next version. ifMatch is the
// version the caller read: 0 when they sent none (Invalid), a stale one
// PreconditionFailed. The path cannot change.
func (s *Service) UpdatePage(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, in PageInput, ifMatch int) (Page, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Page{}, err
	}
	st := storeIn(tx)
	row, err := st.pageRow(ctx, m.OrgID, id, true)
	if err != nil {
		return Page{}, fmt.Errorf("update page: %w", err)
	}
	if err := checkIfMatch(ifMatch, int(row.CurrentVersion), "page"); err != nil {
		return Page{}, err
	}
	if in.Path != "" && in.Path != row.Path {
		return Page{}, &services.Error{Code: services.Invalid, Message: "A page's path cannot change; make a new page at the new path.",
			Fields: map[string]string{"path": "cannot change"}}
	}
	v, err := in.check()
	if err != nil {
		return Page{}, err
	}
	v.Author = author(m)
	return s.save(ctx, tx, st, row, v, m.Principal.Actor())
}

// DeletePage deletes a page softly: it is gone from the site, its versions
// kept, and its path free (xentri.page.updated.v1).
func (s *Service) DeletePage(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) error {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return err
	}
	row, err := storeIn(tx).deletePage(ctx, m.OrgID, id)
	if err != nil {
		return fmt.Errorf("delete page: %w", err)
	}
	return s.emit(ctx, tx, row, m.Principal.Actor())
}

// PageVersions pages through a live page's versions, newest first.
func (s *Service) PageVersions(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, page paging.Page) ([]PageVersion, string, error) {
	if err := m.Need(access.ScopeSiteRead); err != nil {
		return nil, "", err
	}
	st := storeIn(tx)
	if _, err := st.pageRow(ctx, m.OrgID, id, false); err != nil {
		return nil, "", fmt.Errorf("page versions: %w", err)
	}
	out, next, err := st.versions(ctx, m.OrgID, id, page)
	if err != nil {
		return nil, "", fmt.Errorf("page versions: %w", err)
	}
	return out, next, nil
}

// RestorePage saves version n of a page again, as its next version
// (restored_from n): a new draft, which publishes nothing by itself.
func (s *Service) RestorePage(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID, n int) (Page, error) {
	if err := m.Need(access.ScopeSiteWrite); err != nil {
		return Page{}, err
	}
	st := storeIn(tx)
	row, err := st.pageRow(ctx, m.OrgID, id, true)
	if err != nil {
		return Page{}, fmt.Errorf("restore page: %w", err)
	}
	old, err := st.version(ctx, m.OrgID, id, n)
	if err != nil {
		return Page{}, fmt.Errorf("restore page: %w", err)
	}
	v := PageVersion{Title: old.Title, SEO: old.SEO, Blocks: old.Blocks, Author: author(m), RestoredFrom: &n}
	return s.save(ctx, tx, st, row, v, m.Principal.Actor())
}

// save stores v as the page's next version and emits
// xentri.page.updated.v1, in tx.
func (s *Service) save(ctx context.Context, tx pgx.Tx, st store, row dbsqlc.Page, v PageVersion, actor events.Actor) (Page, error) {
	v, err := st.addVersion(ctx, row, v)
	if err != nil {
		return Page{}, fmt.Errorf("save page: %w", err)
	}
	if err := s.emit(ctx, tx, row, actor); err != nil {
		return Page{}, err
	}
	return pageOf(row, v), nil
}

func (s *Service) emit(ctx context.Context, tx pgx.Tx, row dbsqlc.Page, actor events.Actor) error {
	if err := s.Events.Emit(ctx, tx, events.Event{Type: contracts.EventPageUpdated, OrgID: row.OrgID, Actor: actor,
		Payload: contracts.PageUpdated{SiteID: row.SiteID.String(), PageID: row.ID.String(), Path: row.Path}}); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	return nil
}

// metaDescription is a page's meta description: what its first block says to a
// visitor (a hero's line, a text's first paragraph), or fallback.
func metaDescription(blocks []Block, fallback string) string {
	for _, b := range blocks {
		var data struct {
			Subheadline string `json:"subheadline"`
			Markdown    string `json:"markdown"`
			Heading     string `json:"heading"`
		}
		if json.Unmarshal(b.Data, &data) != nil {
			continue
		}
		for _, text := range []string{data.Subheadline, firstParagraph(data.Markdown), data.Heading} {
			if text = strings.TrimSpace(text); text != "" {
				return shorten(text, 500)
			}
		}
	}
	return shorten(fallback, 500)
}

// firstParagraph is the first paragraph of Markdown that is not a heading,
// with its emphasis marks dropped.
func firstParagraph(md string) string {
	for para := range strings.SplitSeq(md, "\n\n") {
		para = strings.TrimSpace(para)
		if para != "" && !strings.HasPrefix(para, "#") {
			return strings.NewReplacer("**", "", "__", "", "*", "", "_", "").Replace(para)
		}
	}
	return ""
}

// drafter writes the blocks of the pages of the Brief's website context,
// with the copy writer, each block citing the Brief fields it used.
type drafter struct {
	s     *Service
	orgID uuid.UUID
	k     brief.Knowledge
	voice brief.BrandVoice
	facts Facts
}

// one is a suggestion of kind; ok is false when the Brief lacks what the
// kind needs.
func (d drafter) one(ctx context.Context, tx pgx.Tx, kind Kind, service string) (Suggestion, bool, error) {
	count := 1
	in := SuggestInput{Kind: string(kind), Count: &count}
	if service != "" {
		in.Service = &service
	}
	out, err := d.s.suggest(ctx, tx, d.orgID, in)
	var se *services.Error
	if errors.As(err, &se) && (se.Code == services.Unprocessable || se.Code == services.NotFound || se.Code == services.Invalid) {
		return Suggestion{}, false, nil
	}
	if err != nil || len(out.Suggestions) == 0 {
		return Suggestion{}, false, err
	}
	return out.Suggestions[0], true, nil
}

func blockOf(typ string, data any, cites ...[]string) Block {
	raw, _ := json.Marshal(data) // maps of strings, numbers and lists
	var all []string
	for _, c := range cites {
		for _, f := range c {
			if !slices.Contains(all, f) {
				all = append(all, f)
			}
		}
	}
	return Block{Type: typ, Data: raw, Cites: all}
}

func (d drafter) cite(keys ...string) []string {
	var out []string
	for _, k := range keys {
		if d.facts.usable(k) {
			out = append(out, k)
		}
	}
	return out
}

// blocks drafts the blocks of one page of the website outline.
func (d drafter) blocks(ctx context.Context, tx pgx.Tx, p brief.Page) ([]Block, error) {
	var out []Block
	name := d.facts.Name
	if name == "" {
		name = p.Title
	}
	cta := func() error {
		s, ok, err := d.one(ctx, tx, KindCTA, "")
		if err != nil || !ok {
			return err
		}
		out = append(out, blockOf(BlockCTA, map[string]any{"heading": shorten(s.Text, 200),
			"button": map[string]string{"label": "Get in touch", "href": "/contact"}}, s.Cites))
		return nil
	}
	switch p.Slug {
	case "home":
		s, ok, err := d.one(ctx, tx, KindHero, "")
		if err != nil {
			return nil, err
		}
		hero := map[string]any{"headline": shorten(name, 200), "cta": map[string]string{"label": "Get in touch", "href": "/contact"}}
		var cites []string
		if ok {
			hero["subheadline"] = shorten(s.Text, 500)
			cites = s.Cites
		}
		out = append(out, blockOf(BlockHero, hero, d.cite("identity.business_name"), cites))
		// What the business offers, at a glance; the products page says
		// more of each.
		if len(d.facts.Products) > 0 {
			var items []map[string]any
			for _, product := range d.facts.Products[:min(len(d.facts.Products), 6)] {
				items = append(items, map[string]any{"title": shorten(capitalize(product), 120)})
			}
			out = append(out, blockOf(BlockFeatures, map[string]any{"heading": shorten("What "+name+" offers", 200), "items": items},
				d.cite("offerings.products")))
		}
		if err := cta(); err != nil {
			return nil, err
		}
	case "about":
		s, ok, err := d.one(ctx, tx, KindAbout, "")
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, blockOf(BlockRichText, map[string]any{"markdown": "## About " + name + "\n\n" + s.Text},
				d.cite("identity.business_name"), s.Cites))
		}
	case "services", "products":
		var items []map[string]any
		cites := d.cite("offerings.products")
		for _, product := range d.facts.Products[:min(len(d.facts.Products), 12)] {
			item := map[string]any{"title": shorten(capitalize(product), 120)}
			s, ok, err := d.one(ctx, tx, KindServiceDescription, product)
			if err != nil {
				return nil, err
			}
			if ok {
				item["description"] = shorten(s.Text, 1000)
				cites = append(cites, s.Cites...)
			}
			items = append(items, item)
		}
		if len(items) > 0 {
			out = append(out, blockOf(BlockFeatures, map[string]any{"heading": p.Title, "items": items}, cites))
		}
		if err := cta(); err != nil {
			return nil, err
		}
	case "pricing":
		var plans []map[string]any
		if f, ok := d.k.Brief.Data.Sections["offerings"].Fields["price_points"]; ok {
			var points []extract.PricePoint
			_ = json.Unmarshal(f.Value, &points)
			for _, pp := range points[:min(len(points), 24)] {
				if Avoided(pp.Label, d.voice.Avoid) {
					continue
				}
				plans = append(plans, map[string]any{"label": shorten(capitalize(pp.Label), 200), "amount": pp.Amount, "currency": pp.Currency,
					"cta": map[string]string{"label": "Ask us", "href": "/contact"}})
			}
		}
		if len(plans) > 0 {
			out = append(out, blockOf(BlockPricing, map[string]any{"heading": p.Title, "plans": plans}, []string{"offerings.price_points"}))
		}
	case "contact":
		form := map[string]any{"heading": "Get in touch", "fields": []string{"name", "email", "phone", "message"}, "submit_label": "Send"}
		if name != "" {
			form["intro"] = shorten("Write to "+name+" and we will answer soon.", 1000)
		}
		if d.facts.Email != "" {
			form["email"] = shorten(d.facts.Email, 254)
		}
		if d.facts.Phone != "" {
			form["phone"] = shorten(d.facts.Phone, 50)
		}
		out = append(out, blockOf(BlockContactForm, form, d.cite("identity.business_name", "contact.email", "contact.phone")))
	}
	if out == nil {
		out = []Block{}
	}
	return out, nil
}
