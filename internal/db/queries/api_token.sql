-- Tenant queries (db.InTenant).

-- name: CreateAPIToken :one
INSERT INTO api_tokens (id, org_id, name, scopes, token_hash, created_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;

-- name: ListAPITokens :many
SELECT * FROM api_tokens
 WHERE org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: DeleteAPIToken :execrows
DELETE FROM api_tokens WHERE org_id = @org_id AND id = @id;

-- name: GetAPITokenByHash :one
SELECT * FROM api_tokens WHERE org_id = @org_id AND token_hash = @token_hash;

-- name: TouchAPIToken :exec
-- At most one write a minute per token, however busy it is.
UPDATE api_tokens SET last_used_at = now()
 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
