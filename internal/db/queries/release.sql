-- Tenant queries (db.InTenant) of site releases and schedules, and the
-- public site server's reads (db.AsSiteRouter).

-- name: SitePagesAtCurrent :many
-- A site's live pages at their current versions, for a snapshot.
SELECT p.id AS page_id, p.path, v.number, v.title, v.seo, v.blocks
  FROM pages p
  JOIN page_versions v ON v.page_id = p.id AND v.number = p.current_version
 WHERE p.org_id = @org_id AND p.site_id = @site_id AND p.deleted_at IS NULL
 ORDER BY p.path;

-- name: SitePagesAtVersions :many
-- The given versions of a site's pages (a schedule's pins, {page_id:
-- version}), deleted pages
-- included: a schedule publishes what it pinned.
SELECT p.id AS page_id, p.path, v.number, v.title, v.seo, v.blocks
  FROM page_versions v
  JOIN pages p ON p.id = v.page_id
  JOIN jsonb_each_text(@pins::jsonb) AS pin ON pin.key::uuid = v.page_id AND pin.value::int = v.number
 WHERE v.org_id = @org_id AND p.site_id = @site_id
 ORDER BY p.path;

-- name: ReadyMediaAssets :many
SELECT * FROM media_assets WHERE org_id = @org_id AND id = ANY(@ids::uuid[]) AND status = 'ready';

-- name: NextReleaseNumber :one
-- Under the site's row lock (LockSite), so two snapshots never share one.
SELECT coalesce(max(number), 0)::int + 1 FROM site_releases WHERE org_id = @org_id AND site_id = @site_id;

-- name: InsertRelease :one
INSERT INTO site_releases (id, org_id, site_id, number, trigger, author, site, pages, changes, media, base_release_id, workflow_id, run_id)
VALUES (@id, @org_id, @site_id, @number, @trigger, @author, @site, @pages, @changes, @media, @base_release_id, @workflow_id, @run_id)
RETURNING *;

-- name: RetakeRelease :one
-- A failed release taken again (a re-driven publish): never served, so its
-- id may carry the new snapshot.
UPDATE site_releases
   SET status = 'snapshot', site = @site, pages = @pages, changes = @changes, media = @media, files = '[]',
       base_release_id = @base_release_id, workflow_id = @workflow_id, run_id = @run_id,
       failure = NULL, attempts = attempts + 1, rendered_at = NULL, uploaded_at = NULL, updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status = 'failed'
RETURNING *;

-- name: GetRelease :one
SELECT * FROM site_releases WHERE org_id = @org_id AND id = @id;

-- name: LockRelease :one
SELECT * FROM site_releases WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: ListReleases :many
-- Newest first (ids are UUIDv7).
SELECT * FROM site_releases
 WHERE org_id = @org_id AND site_id = @site_id
   AND (sqlc.narg('after')::uuid IS NULL OR id < sqlc.narg('after')::uuid)
 ORDER BY id DESC
 LIMIT @lim;

-- name: SetReleaseRendered :exec
UPDATE site_releases SET status = 'rendered', files = @files, rendered_at = now(), updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status IN ('snapshot', 'rendered');

-- name: SetReleaseUploaded :exec
UPDATE site_releases SET status = 'uploaded', uploaded_at = now(), updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status IN ('rendered', 'uploaded');

-- name: FailRelease :one
-- Only a release that never went live can fail.
UPDATE site_releases SET status = 'failed', failure = @failure, updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status IN ('snapshot', 'rendered', 'uploaded', 'failed')
RETURNING *;

-- name: SwapLiveRelease :one
-- The commit point: the site's live release moves from expected to
-- release, or nothing happens (no row) because another swap came first.
UPDATE sites SET live_release_id = @release_id
 WHERE org_id = @org_id AND id = @id AND live_release_id IS NOT DISTINCT FROM sqlc.narg('expected')::uuid
RETURNING *;

-- name: MarkReleaseLive :exec
UPDATE site_releases SET status = 'live', activated_at = coalesce(activated_at, now()), updated_at = now()
 WHERE org_id = @org_id AND id = @id;

-- name: MarkReleaseRetired :exec
UPDATE site_releases SET status = 'retired', updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status = 'live';

-- name: PutReleaseFile :exec
-- Rendering is deterministic: a retried render writes the same bytes.
INSERT INTO release_files (release_id, org_id, path, content_type, sha256, body)
VALUES (@release_id, @org_id, @path, @content_type, @sha256, @body)
ON CONFLICT (release_id, path) DO UPDATE
   SET content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256, body = EXCLUDED.body;

-- name: ReleaseFiles :many
SELECT * FROM release_files WHERE org_id = @org_id AND release_id = @release_id ORDER BY path;

-- name: DeleteReleaseFiles :exec
DELETE FROM release_files WHERE org_id = @org_id AND release_id = @release_id;

-- name: InsertSchedule :one
INSERT INTO site_schedules (id, org_id, site_id, publish_at, pins, workflow_id, author)
VALUES (@id, @org_id, @site_id, @publish_at, @pins, @workflow_id, @author)
RETURNING *;

-- name: GetSchedule :one
SELECT * FROM site_schedules WHERE org_id = @org_id AND id = @id;

-- name: ListSchedules :many
-- In the order they were made.
SELECT * FROM site_schedules
 WHERE org_id = @org_id AND site_id = @site_id
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: SettleSchedule :one
-- scheduled -> fired (with the release it enqueued) or cancelled, once.
UPDATE site_schedules SET status = @status, release_id = @release_id, updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status = 'scheduled'
RETURNING *;

-- name: RouteSiteBySlug :one
-- (db.AsSiteRouter) the site a Host names.
SELECT id, org_id, slug, live_release_id FROM sites WHERE slug = @slug;

-- name: RouteSiteByID :one
-- (db.AsSiteRouter) the site of /sites/{id}/.
SELECT id, org_id, slug, live_release_id FROM sites WHERE id = @id;

-- name: ServedRelease :one
-- (db.AsSiteRouter) a release of the site that went live once: the live
-- one, or an older one whose pages a visitor may still hold.
SELECT id, org_id, site_id, files FROM site_releases WHERE site_id = @site_id AND id = @id;
