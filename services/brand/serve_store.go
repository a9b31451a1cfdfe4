package brand

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
)

// errNotServed is the router store's answer for a site or release the
// public may not see: none such, or a release that never went live.
var errNotServed = errors.New("not served")

// routerStore runs the site server's reads, in a db.AsSiteRouter
// transaction, where the only visible rows are sites and releases that
// went live.
type routerStore struct{ q *dbsqlc.Queries }

func routerStoreIn(tx pgx.Tx) routerStore { return routerStore{dbsqlc.New(tx)} }

// routedSite is a site as the router sees it.
type routedSite struct {
	ID, OrgID     uuid.UUID
	Slug          string
	LiveReleaseID *uuid.UUID
}

func (s routerStore) siteBySlug(ctx context.Context, slug string) (routedSite, error) {
	row, err := s.q.RouteSiteBySlug(ctx, slug)
	if err != nil {
		return routedSite{}, db.Interpret("route site by slug", err, errNotServed)
	}
	return routedSite{ID: row.ID, OrgID: row.OrgID, Slug: row.Slug, LiveReleaseID: row.LiveReleaseID}, nil
}

func (s routerStore) siteByID(ctx context.Context, id uuid.UUID) (routedSite, error) {
	row, err := s.q.RouteSiteByID(ctx, id)
	if err != nil {
		return routedSite{}, db.Interpret("route site by id", err, errNotServed)
	}
	return routedSite{ID: row.ID, OrgID: row.OrgID, Slug: row.Slug, LiveReleaseID: row.LiveReleaseID}, nil
}

// releaseFiles is the files manifest (JSON) of the site's release id, if
// it ever went live.
func (s routerStore) releaseFiles(ctx context.Context, siteID, id uuid.UUID) ([]byte, error) {
	row, err := s.q.ServedRelease(ctx, dbsqlc.ServedReleaseParams{SiteID: siteID, ID: id})
	if err != nil {
		return nil, db.Interpret("served release", err, errNotServed)
	}
	return row.Files, nil
}
