package brand

import (
	"context"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/paging"
)

// ErrNoAsset is the answer for a media asset that does not exist or is
// another org's.
var ErrNoAsset = services.Errorf(services.NotFound, "No such media asset.")

// mediaStore runs the media queries in one transaction.
type mediaStore struct{ q *dbsqlc.Queries }

func mediaStoreIn(tx dbsqlc.DBTX) mediaStore { return mediaStore{dbsqlc.New(tx)} }

func (s mediaStore) add(ctx context.Context, a Asset, createdBy *uuid.UUID) (Asset, error) {
	row, err := s.q.AddMediaAsset(ctx, dbsqlc.AddMediaAssetParams{ID: a.ID, OrgID: a.OrgID, ObjectKey: a.ObjectKey,
		Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, CreatedBy: createdBy})
	if err != nil {
		return Asset{}, db.Interpret("add media asset", err, nil)
	}
	return assetOf(row), nil
}

func (s mediaStore) get(ctx context.Context, orgID, id uuid.UUID) (Asset, error) {
	row, err := s.q.GetMediaAsset(ctx, dbsqlc.GetMediaAssetParams{OrgID: orgID, ID: id})
	if err != nil {
		return Asset{}, db.Interpret("get media asset", err, ErrNoAsset)
	}
	return assetOf(row), nil
}

func (s mediaStore) lock(ctx context.Context, orgID, id uuid.UUID) (Asset, error) {
	row, err := s.q.LockMediaAsset(ctx, dbsqlc.LockMediaAssetParams{OrgID: orgID, ID: id})
	if err != nil {
		return Asset{}, db.Interpret("lock media asset", err, ErrNoAsset)
	}
	return assetOf(row), nil
}

// finish moves a pending asset to status (ready or failed).
func (s mediaStore) finish(ctx context.Context, a Asset, status string, checksum, failure *string) (Asset, error) {
	row, err := s.q.FinishMediaAsset(ctx, dbsqlc.FinishMediaAssetParams{OrgID: a.OrgID, ID: a.ID, Status: status,
		Checksum: checksum, Failure: failure})
	if err != nil {
		return Asset{}, db.Interpret("finish media asset", err, nil)
	}
	return assetOf(row), nil
}

func (s mediaStore) list(ctx context.Context, orgID uuid.UUID, status *string, page paging.Page) ([]Asset, string, error) {
	rows, err := s.q.ListMediaAssets(ctx, dbsqlc.ListMediaAssetsParams{OrgID: orgID, After: page.After, Status: status, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list media assets", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.MediaAsset) uuid.UUID { return r.ID }, assetOf)
	return out, next, nil
}

func assetOf(r dbsqlc.MediaAsset) Asset {
	return Asset{ID: r.ID, OrgID: r.OrgID, ObjectKey: r.ObjectKey, Filename: r.Filename, ContentType: r.ContentType,
		Size: r.Size, Status: r.Status, Checksum: r.Checksum, Failure: r.Failure, CreatedBy: r.CreatedBy,
		CompletedAt: r.CompletedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
