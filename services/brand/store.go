package brand

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/paging"
)

// The store's not-found answers.
var (
	ErrNoSite        = services.Errorf(services.NotFound, "No such site.")
	ErrNoPage        = services.Errorf(services.NotFound, "No such page.")
	ErrNoPageVersion = services.Errorf(services.NotFound, "The page has no such version.")
)

// store runs the site queries in one transaction and maps their rows to
// the domain's types; a missing row is the domain's not-found error.
type store struct{ q *dbsqlc.Queries }

func storeIn(tx dbsqlc.DBTX) store { return store{dbsqlc.New(tx)} }

func (s store) sites(ctx context.Context, orgID uuid.UUID, page paging.Page) ([]Site, string, error) {
	rows, err := s.q.ListSites(ctx, dbsqlc.ListSitesParams{OrgID: orgID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list sites", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.Site) uuid.UUID { return r.ID }, func(r dbsqlc.Site) Site {
		site, err := siteFromRow(r)
		if err != nil {
			bad = err
		}
		return site
	})
	return out, next, bad
}

func (s store) site(ctx context.Context, orgID, id uuid.UUID, lock bool) (Site, error) {
	var (
		row dbsqlc.Site
		err error
	)
	if lock {
		row, err = s.q.LockSite(ctx, dbsqlc.LockSiteParams{OrgID: orgID, ID: id})
	} else {
		row, err = s.q.GetSite(ctx, dbsqlc.GetSiteParams{OrgID: orgID, ID: id})
	}
	if err != nil {
		return Site{}, db.Interpret("get site", err, ErrNoSite)
	}
	return siteFromRow(row)
}

// insertSite stores a new site; ok is false when its slug is taken.
func (s store) insertSite(ctx context.Context, orgID uuid.UUID, in Site) (Site, bool, error) {
	theme, nav, seo, err := encodeSite(in)
	if err != nil {
		return Site{}, false, err
	}
	row, err := s.q.InsertSite(ctx, dbsqlc.InsertSiteParams{ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Name: in.Name, Slug: in.Slug,
		CustomDomains: in.CustomDomains, Theme: theme, Navigation: nav, Seo: seo})
	if err != nil {
		if err = db.Interpret("insert site", err, errTaken); err == errTaken {
			return Site{}, false, nil
		}
		return Site{}, false, err
	}
	out, err := siteFromRow(row)
	return out, true, err
}

var errTaken = fmt.Errorf("taken")

func (s store) updateSite(ctx context.Context, orgID uuid.UUID, in Site) (Site, error) {
	theme, nav, seo, err := encodeSite(in)
	if err != nil {
		return Site{}, err
	}
	row, err := s.q.UpdateSite(ctx, dbsqlc.UpdateSiteParams{OrgID: orgID, ID: in.ID, Name: in.Name, CustomDomains: in.CustomDomains,
		Theme: theme, Navigation: nav, Seo: seo})
	if err != nil {
		return Site{}, db.Interpret("update site", err, ErrNoSite)
	}
	return siteFromRow(row)
}

func encodeSite(in Site) (theme, nav, seo []byte, err error) {
	if theme, err = json.Marshal(in.Theme); err != nil {
		return nil, nil, nil, fmt.Errorf("encode theme: %w", err)
	}
	if nav, err = json.Marshal(in.Navigation); err != nil {
		return nil, nil, nil, fmt.Errorf("encode navigation: %w", err)
	}
	if seo, err = json.Marshal(in.SEO); err != nil {
		return nil, nil, nil, fmt.Errorf("encode seo: %w", err)
	}
	return theme, nav, seo, nil
}

func siteFromRow(r dbsqlc.Site) (Site, error) {
	out := Site{ID: r.ID, OrgID: r.OrgID, Name: r.Name, Slug: r.Slug, CustomDomains: r.CustomDomains, Version: int(r.Version),
		LiveReleaseID: r.LiveReleaseID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if out.CustomDomains == nil {
		out.CustomDomains = []string{}
	}
	if err := json.Unmarshal(r.Theme, &out.Theme); err != nil {
		return Site{}, fmt.Errorf("site %s: theme: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Navigation, &out.Navigation); err != nil {
		return Site{}, fmt.Errorf("site %s: navigation: %w", r.ID, err)
	}
	if out.Navigation == nil {
		out.Navigation = []NavItem{}
	}
	if err := json.Unmarshal(r.Seo, &out.SEO); err != nil {
		return Site{}, fmt.Errorf("site %s: seo: %w", r.ID, err)
	}
	return out, nil
}

// insertPage stores a new page (at version 0); ok is false when the site
// has a live page at its path.
func (s store) insertPage(ctx context.Context, orgID, siteID uuid.UUID, path string) (dbsqlc.Page, bool, error) {
	row, err := s.q.InsertPage(ctx, dbsqlc.InsertPageParams{ID: uuid.Must(uuid.NewV7()), OrgID: orgID, SiteID: siteID, Path: path})
	if err != nil {
		if err = db.Interpret("insert page", err, errTaken); err == errTaken {
			return dbsqlc.Page{}, false, nil
		}
		return dbsqlc.Page{}, false, err
	}
	return row, true, nil
}

func (s store) pageRow(ctx context.Context, orgID, id uuid.UUID, lock bool) (dbsqlc.Page, error) {
	var (
		row dbsqlc.Page
		err error
	)
	if lock {
		row, err = s.q.LockPage(ctx, dbsqlc.LockPageParams{OrgID: orgID, ID: id})
	} else {
		row, err = s.q.GetPage(ctx, dbsqlc.GetPageParams{OrgID: orgID, ID: id})
	}
	return row, db.Interpret("get page", err, ErrNoPage)
}

// page is a live page at its current version.
func (s store) page(ctx context.Context, row dbsqlc.Page) (Page, error) {
	v, err := s.version(ctx, row.OrgID, row.ID, int(row.CurrentVersion))
	if err != nil {
		return Page{}, err
	}
	return pageOf(row, v), nil
}

func pageOf(row dbsqlc.Page, v PageVersion) Page {
	return Page{ID: row.ID, SiteID: row.SiteID, Path: row.Path, Version: v.Number, Title: v.Title, SEO: v.SEO, Blocks: v.Blocks,
		Author: v.Author, CreatedAt: row.CreatedAt, UpdatedAt: v.CreatedAt}
}

func (s store) pages(ctx context.Context, orgID, siteID uuid.UUID, page paging.Page) ([]Page, string, error) {
	rows, err := s.q.ListPages(ctx, dbsqlc.ListPagesParams{OrgID: orgID, SiteID: siteID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list pages", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.Page) uuid.UUID { return r.ID }, func(r dbsqlc.Page) Page {
		p, err := s.page(ctx, r)
		if err != nil {
			bad = err
		}
		return p
	})
	return out, next, bad
}

func (s store) version(ctx context.Context, orgID, pageID uuid.UUID, n int) (PageVersion, error) {
	if n < 1 || n > 1<<30 {
		return PageVersion{}, ErrNoPageVersion
	}
	row, err := s.q.GetPageVersion(ctx, dbsqlc.GetPageVersionParams{OrgID: orgID, PageID: pageID, Number: int32(n)})
	if err != nil {
		return PageVersion{}, db.Interpret("get page version", err, ErrNoPageVersion)
	}
	return versionFromRow(row)
}

func (s store) versions(ctx context.Context, orgID, pageID uuid.UUID, page paging.Page) ([]PageVersion, string, error) {
	rows, err := s.q.ListPageVersions(ctx, dbsqlc.ListPageVersionsParams{OrgID: orgID, PageID: pageID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list page versions", err, nil)
	}
	var bad error
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.PageVersion) uuid.UUID { return r.ID },
		func(r dbsqlc.PageVersion) PageVersion {
			v, err := versionFromRow(r)
			if err != nil {
				bad = err
			}
			return v
		})
	return out, next, bad
}

// addVersion stores v as the page's next version and makes it current.
func (s store) addVersion(ctx context.Context, row dbsqlc.Page, v PageVersion) (PageVersion, error) {
	seo, err := json.Marshal(v.SEO)
	if err != nil {
		return PageVersion{}, fmt.Errorf("encode page seo: %w", err)
	}
	blocks, err := json.Marshal(v.Blocks)
	if err != nil {
		return PageVersion{}, fmt.Errorf("encode page blocks: %w", err)
	}
	var restored *int32
	if v.RestoredFrom != nil {
		n := int32(*v.RestoredFrom)
		restored = &n
	}
	out, err := s.q.AddPageVersion(ctx, dbsqlc.AddPageVersionParams{ID: uuid.Must(uuid.NewV7()), OrgID: row.OrgID, PageID: row.ID,
		Number: row.CurrentVersion + 1, Title: v.Title, Seo: seo, Blocks: blocks, Author: v.Author, RestoredFrom: restored})
	if err != nil {
		return PageVersion{}, db.Interpret("add page version", err, nil)
	}
	if err := s.q.SetPageVersion(ctx, dbsqlc.SetPageVersionParams{OrgID: row.OrgID, ID: row.ID, CurrentVersion: out.Number}); err != nil {
		return PageVersion{}, db.Interpret("set page version", err, nil)
	}
	return versionFromRow(out)
}

func versionFromRow(r dbsqlc.PageVersion) (PageVersion, error) {
	v := PageVersion{Number: int(r.Number), PageID: r.PageID, Title: r.Title, Author: r.Author, CreatedAt: r.CreatedAt}
	if err := json.Unmarshal(r.Seo, &v.SEO); err != nil {
		return PageVersion{}, fmt.Errorf("page version %d: seo: %w", r.Number, err)
	}
	if err := json.Unmarshal(r.Blocks, &v.Blocks); err != nil {
		return PageVersion{}, fmt.Errorf("page version %d: blocks: %w", r.Number, err)
	}
	if v.Blocks == nil {
		v.Blocks = []Block{}
	}
	if r.RestoredFrom != nil {
		n := int(*r.RestoredFrom)
		v.RestoredFrom = &n
	}
	return v, nil
}

func (s store) deletePage(ctx context.Context, orgID, id uuid.UUID) (dbsqlc.Page, error) {
	row, err := s.q.DeletePage(ctx, dbsqlc.DeletePageParams{OrgID: orgID, ID: id})
	return row, db.Interpret("delete page", err, ErrNoPage)
}
