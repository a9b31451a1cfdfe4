-- Tenant queries (db.InTenant) of the brand engine's sites and pages.

-- name: ListSites :many
SELECT * FROM sites
 WHERE org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: GetSite :one
SELECT * FROM sites WHERE org_id = @org_id AND id = @id;

-- name: LockSite :one
SELECT * FROM sites WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: InsertSite :one
-- No row when the slug is taken (by any org): the caller tries the next.
INSERT INTO sites (id, org_id, name, slug, custom_domains, theme, navigation, seo)
VALUES (@id, @org_id, @name, @slug, @custom_domains, @theme, @navigation, @seo)
ON CONFLICT (slug) DO NOTHING
RETURNING *;

-- name: UpdateSite :one
UPDATE sites
   SET name = @name, custom_domains = @custom_domains, theme = @theme, navigation = @navigation, seo = @seo,
       version = version + 1, updated_at = now()
 WHERE org_id = @org_id AND id = @id
RETURNING *;

-- name: InsertPage :one
-- No row when the site has a live page at the path already.
INSERT INTO pages (id, org_id, site_id, path)
VALUES (@id, @org_id, @site_id, @path)
ON CONFLICT (site_id, path) WHERE deleted_at IS NULL DO NOTHING
RETURNING *;

-- name: GetPage :one
SELECT * FROM pages WHERE org_id = @org_id AND id = @id AND deleted_at IS NULL;

-- name: LockPage :one
SELECT * FROM pages WHERE org_id = @org_id AND id = @id AND deleted_at IS NULL FOR UPDATE;

-- name: ListPages :many
-- A site's live pages, oldest first.
SELECT * FROM pages
 WHERE org_id = @org_id AND site_id = @site_id AND deleted_at IS NULL
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: SetPageVersion :exec
UPDATE pages SET current_version = @current_version, updated_at = now()
 WHERE org_id = @org_id AND id = @id;

-- name: DeletePage :one
UPDATE pages SET deleted_at = now(), updated_at = now()
 WHERE org_id = @org_id AND id = @id AND deleted_at IS NULL
RETURNING *;

-- name: AddPageVersion :one
INSERT INTO page_versions (id, org_id, page_id, number, title, seo, blocks, author, restored_from)
VALUES (@id, @org_id, @page_id, @number, @title, @seo, @blocks, @author, @restored_from)
RETURNING *;

-- name: GetPageVersion :one
SELECT * FROM page_versions WHERE org_id = @org_id AND page_id = @page_id AND number = @number;

-- name: ListPageVersions :many
-- Newest first (ids grow with numbers); the cursor is the id of the last
-- version of the previous page.
SELECT * FROM page_versions
 WHERE org_id = @org_id AND page_id = @page_id
   AND (sqlc.narg('after')::uuid IS NULL OR id < sqlc.narg('after')::uuid)
 ORDER BY id DESC
 LIMIT @lim;
