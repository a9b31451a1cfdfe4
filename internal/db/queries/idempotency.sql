-- Tenant queries (db.InTenant).

-- name: ClaimIdempotencyKey :one
-- Returns no row when the key is already taken.
INSERT INTO idempotency_keys (id, org_id, key, request_hash, state, expires_at)
VALUES ($1, $2, $3, $4, 'running', now() + interval '24 hours')
ON CONFLICT (org_id, key) DO NOTHING
RETURNING id;

-- name: GetIdempotencyKey :one
SELECT *, (expires_at < now())::bool AS expired,
       (state = 'running' AND updated_at < now() - make_interval(secs => @stale_seconds::float8))::bool AS abandoned
  FROM idempotency_keys WHERE org_id = @org_id AND key = @key;

-- name: CompleteIdempotencyKey :exec
UPDATE idempotency_keys
   SET state = 'done', response_status = $2, response_headers = $3, response_body = $4, updated_at = now()
 WHERE id = $1;

-- name: DeleteIdempotencyKey :exec
DELETE FROM idempotency_keys WHERE id = $1;

-- Caller queries: keys of requests outside an org (caller_idempotency_keys).

-- name: ClaimCallerIdempotencyKey :one
-- Returns no row when the key is already taken.
INSERT INTO caller_idempotency_keys (id, scope, key, request_hash, state, expires_at)
VALUES ($1, $2, $3, $4, 'running', now() + interval '24 hours')
ON CONFLICT (scope, key) DO NOTHING
RETURNING id;

-- name: GetCallerIdempotencyKey :one
SELECT *, (expires_at < now())::bool AS expired,
       (state = 'running' AND updated_at < now() - make_interval(secs => @stale_seconds::float8))::bool AS abandoned
  FROM caller_idempotency_keys WHERE scope = @scope AND key = @key;

-- name: CompleteCallerIdempotencyKey :exec
UPDATE caller_idempotency_keys
   SET state = 'done', response_status = $2, response_headers = $3, response_body = $4, updated_at = now()
 WHERE id = $1;

-- name: DeleteCallerIdempotencyKey :exec
DELETE FROM caller_idempotency_keys WHERE id = $1;
