-- Tenant queries (db.InTenant).

-- name: CreateN8NSubscription :one
INSERT INTO n8n_subscriptions (id, org_id, pattern, url, created_by) VALUES ($1, $2, $3, $4, $5)
RETURNING *;

-- name: ListN8NSubscriptions :many
SELECT * FROM n8n_subscriptions
 WHERE org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: DeleteN8NSubscription :execrows
DELETE FROM n8n_subscriptions WHERE org_id = @org_id AND id = @id;

-- name: GetN8NSubscription :one
SELECT * FROM n8n_subscriptions WHERE org_id = @org_id AND id = @id;
