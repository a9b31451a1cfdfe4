-- Tenant queries (db.InTenant).

-- name: CreateNotification :exec
INSERT INTO notifications (id, org_id, kind, title, subject_id) VALUES ($1, $2, $3, $4, $5);

-- name: ListNotifications :many
SELECT * FROM notifications
 WHERE org_id = @org_id
   AND (NOT @unread_only::bool OR read_at IS NULL)
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: MarkNotificationRead :execrows
UPDATE notifications SET read_at = coalesce(read_at, now()), read_by = coalesce(read_by, @read_by), updated_at = now()
 WHERE org_id = @org_id AND id = @id;

-- name: CountUnreadNotifications :one
SELECT count(*)::int FROM notifications WHERE org_id = @org_id AND read_at IS NULL;

-- name: MarkAllNotificationsRead :execrows
UPDATE notifications SET read_at = now(), read_by = @read_by, updated_at = now()
 WHERE org_id = @org_id AND read_at IS NULL;
