package brand

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/blob"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
)

// ReleaseObjects is the object storage a publish writes a release to
// (*blob.Store).
type ReleaseObjects interface {
	Put(ctx context.Context, key string, body []byte, contentType string, meta map[string]string) error
	Stat(ctx context.Context, key string) (blob.Object, error)
	Copy(ctx context.Context, src, dst string) error
	RemovePrefix(ctx context.Context, prefix string) (int, error)
}

// SitePurger drops the cached copies of a site (cache.SiteCache: the Redis
// key site:{org}:{site}, and every API process's memory through pub/sub).
type SitePurger interface {
	Purge(ctx context.Context, orgID, siteID uuid.UUID) error
}

// ReleasePrefix is where a release's files live in object storage.
func ReleasePrefix(siteID, releaseID uuid.UUID) string {
	return "releases/" + siteID.String() + "/" + releaseID.String() + "/"
}

// Publisher does the steps of the site-publish workflow
// (activities.Publisher) and of its schedules. Each step is idempotent: a
// retried step finds its own work done and does not do it twice.
type Publisher struct {
	DB      *db.DB
	Objects ReleaseObjects
	Events  *events.Writer
	// Purger drops Xentri's cached copies of a site (nil: none to drop).
	Purger SitePurger
	// PurgeURL is a CDN's purge webhook (optional); HTTP calls it.
	PurgeURL string
	HTTP     *http.Client
	// SiteURL is a site's public address (config.SiteURL).
	SiteURL func(slug string) string
	// Enqueue queues a publish on the site's workflow (Publishing.Enqueue),
	// for schedules that come due.
	Enqueue func(ctx context.Context, r activities.PublishRequest) (Started, error)
}

var _ activities.Publisher = (*Publisher)(nil)

// Errors of the publish steps.
var (
	ErrNoRelease       = services.Errorf(services.NotFound, "No such release.")
	errReleaseConflict = "The site's live release changed while this release was being made (a rollback, or another publish): publish again to build on what is live now."
)

// Snapshot pins the site's settings and page versions (r.Pins, or every
// live page's current version) and the media they use in a release row,
// numbered in order under the site's lock. A release that exists already is
// returned as it is; one that failed is taken again (a re-drive), which is
// safe because a failed release was never served.
func (p *Publisher) Snapshot(ctx context.Context, r activities.PublishRequest) (activities.Snapshot, error) {
	orgID, siteID, releaseID := uuid.MustParse(r.OrgID), uuid.MustParse(r.SiteID), uuid.MustParse(r.ReleaseID)
	var out activities.Snapshot
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		siteRow, err := q.LockSite(ctx, dbsqlc.LockSiteParams{OrgID: orgID, ID: siteID})
		if err != nil {
			return db.Interpret("lock site", err, ErrNoSite)
		}
		retake := false
		existing, err := q.GetRelease(ctx, dbsqlc.GetReleaseParams{OrgID: orgID, ID: releaseID})
		switch err = db.Interpret("get release", err, ErrNoRelease); {
		case err == nil && existing.SiteID != siteID:
			return services.Errorf(services.Invalid, "Release %s belongs to another site.", releaseID)
		case err == nil && existing.Status != "failed":
			out = snapshotOf(existing)
			return nil
		case err == nil:
			retake = true
		case !errors.Is(err, ErrNoRelease):
			return err
		}
		site, err := siteFromRow(siteRow)
		if err != nil {
			return err
		}
		pages, err := pinnedPages(ctx, q, orgID, siteID, r.Pins)
		if err != nil {
			return err
		}
		media, err := mediaOf(ctx, q, orgID, site, pages)
		if err != nil {
			return err
		}
		var live []PinnedPage
		if siteRow.LiveReleaseID != nil {
			liveRow, err := q.GetRelease(ctx, dbsqlc.GetReleaseParams{OrgID: orgID, ID: *siteRow.LiveReleaseID})
			if err != nil {
				return db.Interpret("get live release", err, nil)
			}
			if err := json.Unmarshal(liveRow.Pages, &live); err != nil {
				return fmt.Errorf("live release pages: %w", err)
			}
		}
		pins := pinsOf(pages)
		siteJSON, pinsJSON, changesJSON, mediaJSON, err := encodeSnapshot(site, pins, changesBetween(live, pins), media)
		if err != nil {
			return err
		}
		var row dbsqlc.SiteRelease
		if retake {
			row, err = q.RetakeRelease(ctx, dbsqlc.RetakeReleaseParams{OrgID: orgID, ID: releaseID, Site: siteJSON, Pages: pinsJSON,
				Changes: changesJSON, Media: mediaJSON, BaseReleaseID: siteRow.LiveReleaseID, WorkflowID: nonEmpty(r.WorkflowID), RunID: nonEmpty(r.RunID)})
		} else {
			var number int32
			if number, err = q.NextReleaseNumber(ctx, dbsqlc.NextReleaseNumberParams{OrgID: orgID, SiteID: siteID}); err != nil {
				return db.Interpret("next release number", err, nil)
			}
			row, err = q.InsertRelease(ctx, dbsqlc.InsertReleaseParams{ID: releaseID, OrgID: orgID, SiteID: siteID, Number: number,
				Trigger: r.Trigger, Author: r.Author, Site: siteJSON, Pages: pinsJSON, Changes: changesJSON, Media: mediaJSON,
				BaseReleaseID: siteRow.LiveReleaseID, WorkflowID: nonEmpty(r.WorkflowID), RunID: nonEmpty(r.RunID)})
		}
		if err != nil {
			return db.Interpret("save release", err, nil)
		}
		out = snapshotOf(row)
		return nil
	})
	if err != nil {
		return activities.Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	return out, nil
}

func snapshotOf(r dbsqlc.SiteRelease) activities.Snapshot {
	var pins []PinnedPage
	_ = json.Unmarshal(r.Pages, &pins)
	return activities.Snapshot{ReleaseID: r.ID.String(), Number: int(r.Number), Pages: len(pins), Activated: r.ActivatedAt != nil}
}

// pinnedPages reads the pages a release publishes: the pinned versions, or
// every live page at its current version.
func pinnedPages(ctx context.Context, q *dbsqlc.Queries, orgID, siteID uuid.UUID, pins map[string]int) ([]RenderPage, error) {
	var rows []dbsqlc.SitePagesAtCurrentRow
	if len(pins) > 0 {
		raw, err := json.Marshal(pins)
		if err != nil {
			return nil, err
		}
		at, err := q.SitePagesAtVersions(ctx, dbsqlc.SitePagesAtVersionsParams{OrgID: orgID, SiteID: siteID, Pins: raw})
		if err != nil {
			return nil, db.Interpret("pinned pages", err, nil)
		}
		if len(at) != len(pins) {
			return nil, services.Errorf(services.Unprocessable, "Some of the pinned page versions are not the site's (%d of %d found).", len(at), len(pins))
		}
		for _, r := range at {
			rows = append(rows, dbsqlc.SitePagesAtCurrentRow(r))
		}
	} else {
		var err error
		if rows, err = q.SitePagesAtCurrent(ctx, dbsqlc.SitePagesAtCurrentParams{OrgID: orgID, SiteID: siteID}); err != nil {
			return nil, db.Interpret("site pages", err, nil)
		}
	}
	if len(rows) == 0 {
		return nil, services.Errorf(services.Unprocessable, "The site has no pages to publish: add a page first.")
	}
	out := make([]RenderPage, 0, len(rows))
	for _, r := range rows {
		p := RenderPage{ID: r.PageID, Path: r.Path, Title: r.Title, Version: int(r.Number)}
		if err := json.Unmarshal(r.Seo, &p.SEO); err != nil {
			return nil, fmt.Errorf("page %s seo: %w", r.PageID, err)
		}
		if err := json.Unmarshal(r.Blocks, &p.Blocks); err != nil {
			return nil, fmt.Errorf("page %s blocks: %w", r.PageID, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ReleaseMedia is an image a release's pages use, copied into the release.
type ReleaseMedia struct {
	ID          uuid.UUID `json:"id"`
	ObjectKey   string    `json:"object_key"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
}

// mediaOf finds the media the site and pages use; each must be a ready
// asset of the org.
func mediaOf(ctx context.Context, q *dbsqlc.Queries, orgID uuid.UUID, site Site, pages []RenderPage) ([]ReleaseMedia, error) {
	ids := MediaIDs(site, pages)
	if len(ids) == 0 {
		return []ReleaseMedia{}, nil
	}
	rows, err := q.ReadyMediaAssets(ctx, dbsqlc.ReadyMediaAssetsParams{OrgID: orgID, Ids: ids})
	if err != nil {
		return nil, db.Interpret("media", err, nil)
	}
	found := map[uuid.UUID]dbsqlc.MediaAsset{}
	for _, r := range rows {
		found[r.ID] = r
	}
	out := make([]ReleaseMedia, 0, len(ids))
	for _, id := range ids {
		r, ok := found[id]
		if !ok {
			return nil, &services.Error{Code: services.Unprocessable,
				Message: fmt.Sprintf("The site uses the image /media/%s, which is not an uploaded image of this organisation (never completed, failed, or another org's): upload it again or remove it.", id)}
		}
		out = append(out, ReleaseMedia{ID: id, ObjectKey: r.ObjectKey, Filename: r.Filename, ContentType: r.ContentType, Size: r.Size})
	}
	return out, nil
}

// PinnedPage is a page version a release publishes.
type PinnedPage struct {
	PageID  uuid.UUID `json:"page_id"`
	Path    string    `json:"path"`
	Version int       `json:"version"`
	Title   string    `json:"title"`
}

// PageChange is how a release differs from the one live when it was made.
type PageChange struct {
	PageID uuid.UUID `json:"page_id"`
	Path   string    `json:"path"`
	Change string    `json:"change"` // added | changed | removed
}

func pinsOf(pages []RenderPage) []PinnedPage {
	out := make([]PinnedPage, 0, len(pages))
	for _, p := range pages {
		out = append(out, PinnedPage{PageID: p.ID, Path: p.Path, Version: p.Version, Title: p.Title})
	}
	return out
}

// changesBetween lists the pages that differ from one release to the next.
func changesBetween(from, to []PinnedPage) []PageChange {
	before := map[uuid.UUID]PinnedPage{}
	for _, p := range from {
		before[p.PageID] = p
	}
	out := []PageChange{}
	for _, p := range to {
		old, ok := before[p.PageID]
		switch {
		case !ok:
			out = append(out, PageChange{PageID: p.PageID, Path: p.Path, Change: "added"})
		case old.Version != p.Version || old.Path != p.Path:
			out = append(out, PageChange{PageID: p.PageID, Path: p.Path, Change: "changed"})
		}
		delete(before, p.PageID)
	}
	for _, p := range from {
		if _, gone := before[p.PageID]; gone {
			out = append(out, PageChange{PageID: p.PageID, Path: p.Path, Change: "removed"})
		}
	}
	return out
}

func encodeSnapshot(site Site, pins []PinnedPage, changes []PageChange, media []ReleaseMedia) (s, p, c, m []byte, err error) {
	if s, err = json.Marshal(site); err == nil {
		if p, err = json.Marshal(pins); err == nil {
			if c, err = json.Marshal(changes); err == nil {
				m, err = json.Marshal(media)
			}
		}
	}
	return s, p, c, m, err
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Render renders a release from what its snapshot pinned into staged files
// (release_files) and records its file list. Rendering is deterministic, so
// a retry stages the same bytes.
func (p *Publisher) Render(ctx context.Context, orgID, releaseID uuid.UUID) (activities.Rendered, error) {
	var out activities.Rendered
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		rel, err := q.LockRelease(ctx, dbsqlc.LockReleaseParams{OrgID: orgID, ID: releaseID})
		if err != nil {
			return db.Interpret("lock release", err, ErrNoRelease)
		}
		switch rel.Status {
		case "snapshot", "rendered":
		case "failed":
			return services.Errorf(services.Invalid, "Release %d was discarded: %s", rel.Number, deref(rel.Failure))
		default: // uploaded or later: rendered before
			var files []File
			_ = json.Unmarshal(rel.Files, &files)
			out = renderedOf(files)
			return nil
		}
		in, media, err := p.renderInput(ctx, q, rel)
		if err != nil {
			return err
		}
		files, err := Render(in)
		if err != nil {
			return services.Errorf(services.Invalid, "Release %d cannot be rendered: %v", rel.Number, err)
		}
		for _, f := range files {
			if err := q.PutReleaseFile(ctx, dbsqlc.PutReleaseFileParams{ReleaseID: releaseID, OrgID: orgID, Path: f.Path,
				ContentType: f.ContentType, Sha256: f.SHA256, Body: f.Body}); err != nil {
				return db.Interpret("stage file", err, nil)
			}
		}
		manifest := append([]File{}, files...)
		for _, m := range media {
			manifest = append(manifest, File{Path: MediaPath(releaseID.String(), m.ID, m.Filename), ContentType: m.ContentType, Size: m.Size})
		}
		sortFiles(manifest)
		raw, err := json.Marshal(manifest)
		if err != nil {
			return err
		}
		if err := q.SetReleaseRendered(ctx, dbsqlc.SetReleaseRenderedParams{OrgID: orgID, ID: releaseID, Files: raw}); err != nil {
			return db.Interpret("release rendered", err, nil)
		}
		out = renderedOf(manifest)
		return nil
	})
	if err != nil {
		return activities.Rendered{}, fmt.Errorf("render: %w", err)
	}
	return out, nil
}

// renderInput reads back what a release's snapshot pinned, and the media
// it copies in.
func (p *Publisher) renderInput(ctx context.Context, q *dbsqlc.Queries, rel dbsqlc.SiteRelease) (RenderInput, []ReleaseMedia, error) {
	var (
		site  Site
		pins  []PinnedPage
		media []ReleaseMedia
	)
	if err := errors.Join(json.Unmarshal(rel.Site, &site), json.Unmarshal(rel.Pages, &pins), json.Unmarshal(rel.Media, &media)); err != nil {
		return RenderInput{}, nil, fmt.Errorf("release %s: %w", rel.ID, err)
	}
	byPage := map[string]int{}
	for _, pin := range pins {
		byPage[pin.PageID.String()] = pin.Version
	}
	pages, err := pinnedPages(ctx, q, rel.OrgID, rel.SiteID, byPage)
	if err != nil {
		return RenderInput{}, nil, err
	}
	return renderInputOf(site, rel.ID.String(), p.SiteURL, pages, media), media, nil
}

// renderInputOf is what Render takes for a site's pages as release
// releaseID (or the drafts, "draft"), the media as the pages link them.
func renderInputOf(site Site, releaseID string, siteURL func(string) string, pages []RenderPage, media []ReleaseMedia) RenderInput {
	files := map[uuid.UUID]MediaFile{}
	for _, m := range media {
		files[m.ID] = MediaFile{Filename: m.Filename, ContentType: m.ContentType}
	}
	base := ""
	if siteURL != nil {
		base = siteURL(site.Slug)
	}
	return RenderInput{Site: site, ReleaseID: releaseID, BaseURL: base, Pages: pages, Media: files}
}

func sortFiles(files []File) {
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
}

func renderedOf(files []File) activities.Rendered {
	out := activities.Rendered{Files: len(files)}
	for _, f := range files {
		out.Bytes += f.Size
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Upload puts a rendered release's files under its prefix, then copies in
// the media its pages use, telling progress after each. An object already
// there with the same bytes (an earlier attempt's) is skipped; one with
// other bytes is a Conflict: a release's files are never overwritten.
func (p *Publisher) Upload(ctx context.Context, orgID, releaseID uuid.UUID, from int, progress func(done int)) error {
	var (
		rel   dbsqlc.SiteRelease
		files []dbsqlc.ReleaseFile
		media []ReleaseMedia
	)
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		var err error
		if rel, err = q.GetRelease(ctx, dbsqlc.GetReleaseParams{OrgID: orgID, ID: releaseID}); err != nil {
			return db.Interpret("get release", err, ErrNoRelease)
		}
		if rel.Status != "rendered" {
			return nil
		}
		if err := json.Unmarshal(rel.Media, &media); err != nil {
			return err
		}
		files, err = q.ReleaseFiles(ctx, dbsqlc.ReleaseFilesParams{OrgID: orgID, ReleaseID: releaseID})
		return db.Interpret("staged files", err, nil)
	})
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	switch rel.Status {
	case "rendered":
	case "snapshot", "failed":
		return services.Errorf(services.Invalid, "Release %d is %s: there is nothing rendered to upload.", rel.Number, rel.Status)
	default:
		return nil // uploaded before
	}
	prefix := ReleasePrefix(rel.SiteID, releaseID)
	total := len(files) + len(media)
	for i := max(from, 0); i < total; i++ {
		if i < len(files) {
			err = p.put(ctx, prefix, files[i])
		} else {
			m := media[i-len(files)]
			err = p.copyMedia(ctx, prefix+MediaPath(releaseID.String(), m.ID, m.Filename), m)
		}
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	err = p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		if err := q.SetReleaseUploaded(ctx, dbsqlc.SetReleaseUploadedParams{OrgID: orgID, ID: releaseID}); err != nil {
			return db.Interpret("release uploaded", err, nil)
		}
		// The store holds them now; the staged copies have done their job.
		return db.Interpret("drop staged files", q.DeleteReleaseFiles(ctx, dbsqlc.DeleteReleaseFilesParams{OrgID: orgID, ReleaseID: releaseID}), nil)
	})
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	return nil
}

// put writes one staged file, unless an earlier attempt did.
func (p *Publisher) put(ctx context.Context, prefix string, f dbsqlc.ReleaseFile) error {
	key := prefix + f.Path
	have, err := p.Objects.Stat(ctx, key)
	switch {
	case err == nil && have.Metadata["sha256"] == f.Sha256:
		return nil
	case err == nil:
		return services.Errorf(services.Conflict, "%s holds other bytes than the release's file: a release is never overwritten.", key)
	case !errors.Is(err, blob.ErrNotFound):
		return err
	}
	return p.Objects.Put(ctx, key, f.Body, f.ContentType, map[string]string{"sha256": f.Sha256})
}

// copyMedia copies an image into the release, unless an earlier attempt did.
func (p *Publisher) copyMedia(ctx context.Context, key string, m ReleaseMedia) error {
	if _, err := p.Objects.Stat(ctx, key); err == nil {
		return nil
	} else if !errors.Is(err, blob.ErrNotFound) {
		return err
	}
	if err := p.Objects.Copy(ctx, m.ObjectKey, key); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return services.Errorf(services.Unprocessable, "The image /media/%s is no longer in the store: upload it again.", m.ID)
		}
		return err
	}
	return nil
}

// Activate is the commit point: the site's live release swaps from the
// one live at the snapshot to this one, and xentri.website.published.v1
// and one xentri.content.published.v1 per added or changed page are
// written, in one transaction. A release that went live already (a retry
// whose first answer was lost) is answered as it was; a live release that
// moved since the snapshot is a Conflict.
func (p *Publisher) Activate(ctx context.Context, orgID, releaseID uuid.UUID) (activities.Activation, error) {
	var out activities.Activation
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		rel, err := q.LockRelease(ctx, dbsqlc.LockReleaseParams{OrgID: orgID, ID: releaseID})
		if err != nil {
			return db.Interpret("lock release", err, ErrNoRelease)
		}
		out = activationOf(rel)
		if rel.ActivatedAt != nil {
			return nil
		}
		if rel.Status != "uploaded" {
			return services.Errorf(services.Invalid, "Release %d is %s, not uploaded: it cannot go live.", rel.Number, rel.Status)
		}
		var changes []PageChange
		if err := json.Unmarshal(rel.Changes, &changes); err != nil {
			return err
		}
		return p.swap(ctx, tx, rel, rel.BaseReleaseID, actorOf(rel.Author), changes)
	})
	if err != nil {
		return activities.Activation{}, fmt.Errorf("activate: %w", err)
	}
	return out, nil
}

func activationOf(rel dbsqlc.SiteRelease) activities.Activation {
	var changes []PageChange
	_ = json.Unmarshal(rel.Changes, &changes)
	out := activities.Activation{ReleaseID: rel.ID.String()}
	for _, c := range changes {
		if c.Change != "removed" {
			out.Changed++
		}
	}
	if rel.BaseReleaseID != nil {
		out.Previous = rel.BaseReleaseID.String()
	}
	return out
}

// swap moves the site's live release from expected to rel, retires the one
// it replaces, and writes the events, in tx: the compare-and-swap both
// publishing and rollback go through.
func (p *Publisher) swap(ctx context.Context, tx pgx.Tx, rel dbsqlc.SiteRelease, expected *uuid.UUID, actor events.Actor, changes []PageChange) error {
	q := dbsqlc.New(tx)
	site, err := q.SwapLiveRelease(ctx, dbsqlc.SwapLiveReleaseParams{OrgID: rel.OrgID, ID: rel.SiteID, ReleaseID: &rel.ID, Expected: expected})
	if err != nil {
		return db.Interpret("swap live release", err, &services.Error{Code: services.Conflict, Message: errReleaseConflict})
	}
	if expected != nil {
		if err := q.MarkReleaseRetired(ctx, dbsqlc.MarkReleaseRetiredParams{OrgID: rel.OrgID, ID: *expected}); err != nil {
			return db.Interpret("retire release", err, nil)
		}
	}
	if err := q.MarkReleaseLive(ctx, dbsqlc.MarkReleaseLiveParams{OrgID: rel.OrgID, ID: rel.ID}); err != nil {
		return db.Interpret("release live", err, nil)
	}
	var pins []PinnedPage
	if err := json.Unmarshal(rel.Pages, &pins); err != nil {
		return err
	}
	published := contracts.WebsitePublished{SiteID: rel.SiteID.String(), ReleaseID: rel.ID.String(), Pages: len(pins)}
	if p.SiteURL != nil {
		published.URL = p.SiteURL(site.Slug)
	}
	if err := p.Events.Emit(ctx, tx, events.Event{Type: contracts.EventWebsitePublished, OrgID: rel.OrgID, Actor: actor, Payload: published}); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	for _, c := range changes {
		if c.Change == "removed" {
			continue
		}
		if err := p.Events.Emit(ctx, tx, events.Event{Type: contracts.EventContentPublished, OrgID: rel.OrgID, Actor: actor,
			Payload: contracts.ContentPublished{SiteID: rel.SiteID.String(), ContentID: c.PageID.String(), Kind: "page"}}); err != nil {
			return fmt.Errorf("emit: %w", err)
		}
	}
	return nil
}

// actorOf reads a release's author ("user:{id}", "job:api-token:{id}",
// "system:schedule") as the events' actor.
func actorOf(author string) events.Actor {
	kind, id, ok := strings.Cut(author, ":")
	if !ok {
		return events.Actor{Type: "system", ID: author}
	}
	return events.Actor{Type: kind, ID: id}
}

// Discard compensates a publish that failed before its commit point: the
// release is marked failed (with why), its staged files dropped, and its
// prefix deleted from the store. A release that went live is never
// touched, whatever the caller believes.
func (p *Publisher) Discard(ctx context.Context, orgID, releaseID uuid.UUID, failure string) error {
	var rel dbsqlc.SiteRelease
	live := false
	err := p.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		var err error
		if rel, err = q.LockRelease(ctx, dbsqlc.LockReleaseParams{OrgID: orgID, ID: releaseID}); err != nil {
			return db.Interpret("lock release", err, ErrNoRelease)
		}
		if live = rel.ActivatedAt != nil; live {
			return nil
		}
		if _, err := q.FailRelease(ctx, dbsqlc.FailReleaseParams{OrgID: orgID, ID: releaseID, Failure: &failure}); err != nil {
			return db.Interpret("fail release", err, nil)
		}
		return db.Interpret("drop staged files", q.DeleteReleaseFiles(ctx, dbsqlc.DeleteReleaseFilesParams{OrgID: orgID, ReleaseID: releaseID}), nil)
	})
	switch {
	case errors.Is(err, ErrNoRelease):
		return nil // the snapshot never saved it: nothing was staged
	case err != nil:
		return fmt.Errorf("discard: %w", err)
	case live:
		return nil
	}
	if _, err := p.Objects.RemovePrefix(ctx, ReleasePrefix(rel.SiteID, releaseID)); err != nil {
		return fmt.Errorf("discard: %w", err)
	}
	return nil
}

// Purge drops the cached copies of a site: Xentri's own (every API
// process's, through the purger), then the CDN's through its purge webhook
// when one is configured. A webhook that refuses (4xx) is final; one that
// is down is retried by the activity.
func (p *Publisher) Purge(ctx context.Context, orgID, siteID, releaseID uuid.UUID) error {
	if p.Purger != nil {
		if err := p.Purger.Purge(ctx, orgID, siteID); err != nil {
			return fmt.Errorf("purge: %w", err)
		}
	}
	if p.PurgeURL == "" {
		return nil
	}
	body, _ := json.Marshal(map[string]any{"paths": []string{"/sites/" + siteID.String()}, "site_id": siteID, "release_id": releaseID})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.PurgeURL, bytes.NewReader(body))
	if err != nil {
		return services.Errorf(services.Invalid, "purge webhook: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	client := p.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("purge webhook: %w", err)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return services.Errorf(services.Invalid, "The CDN's purge webhook refused the purge: %s.", resp.Status)
	}
	return fmt.Errorf("purge webhook: %s", resp.Status)
}
