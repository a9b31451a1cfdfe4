-- Users are global: the auth provider's subjects, with the e-mail they gave.

-- name: UpsertUser :one
INSERT INTO users (id, email) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, updated_at = now()
RETURNING *;

-- name: GetUser :one
SELECT * FROM users WHERE id = $1;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE lower(email) = lower(@email);

-- name: DeleteUser :execrows
DELETE FROM users WHERE id = $1;

-- name: MarkUserDeleted :exec
INSERT INTO deleted_users (id) VALUES ($1) ON CONFLICT (id) DO NOTHING;

-- name: IsUserDeleted :one
SELECT EXISTS (SELECT FROM deleted_users WHERE id = $1);
