-- Tenant queries (db.InTenant) of media assets.

-- name: AddMediaAsset :one
INSERT INTO media_assets (id, org_id, object_key, filename, content_type, size, created_by)
VALUES (@id, @org_id, @object_key, @filename, @content_type, @size, @created_by)
RETURNING *;

-- name: GetMediaAsset :one
SELECT * FROM media_assets WHERE org_id = @org_id AND id = @id;

-- name: LockMediaAsset :one
SELECT * FROM media_assets WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: FinishMediaAsset :one
UPDATE media_assets
   SET status = @status, checksum = @checksum, failure = @failure, completed_at = now(), updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status = 'pending'
RETURNING *;

-- name: ListMediaAssets :many
-- Newest first (ids are UUIDv7); the cursor is the id of the last asset of
-- the previous page.
SELECT * FROM media_assets
 WHERE org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL OR id < sqlc.narg('after')::uuid)
   AND (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
 ORDER BY id DESC
 LIMIT @lim;
