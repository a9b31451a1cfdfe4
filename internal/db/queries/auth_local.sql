-- The local identity provider's tables (global, no tenant).

-- name: CreateIdentity :one
INSERT INTO auth_identities (id, email, password_hash) VALUES ($1, $2, $3)
RETURNING *;

-- name: GetIdentityByEmail :one
SELECT * FROM auth_identities WHERE lower(email) = lower(@email);

-- name: DeleteIdentity :execrows
DELETE FROM auth_identities WHERE id = $1;

-- name: CreateSession :one
INSERT INTO auth_sessions (id, identity_id) VALUES ($1, $2)
RETURNING *;

-- name: RevokeSession :exec
UPDATE auth_sessions SET revoked_at = now(), updated_at = now()
 WHERE id = $1 AND revoked_at IS NULL;

-- name: CreateRefreshToken :exec
INSERT INTO auth_refresh_tokens (id, session_id, token_hash, expires_at) VALUES ($1, $2, $3, $4);

-- name: UseRefreshToken :one
-- Marks a live token used, once; no row when it was used, expired, or its
-- session was revoked.
UPDATE auth_refresh_tokens t SET used_at = now(), updated_at = now()
  FROM auth_sessions s, auth_identities i
 WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now()
   AND s.id = t.session_id AND s.revoked_at IS NULL
   AND i.id = s.identity_id
RETURNING t.session_id, i.id AS identity_id, i.email;

-- name: GetRefreshTokenSession :one
SELECT session_id, used_at FROM auth_refresh_tokens WHERE token_hash = $1;
