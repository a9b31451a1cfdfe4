-- name: CreateOrg :one
-- Run in the tenant transaction of the new org's own id.
INSERT INTO orgs (id, name) VALUES ($1, $2)
RETURNING *;

-- name: GetOrg :one
SELECT * FROM orgs WHERE id = $1;

-- name: LockOrg :one
-- Serializes changes to an org's memberships, so that it always keeps an owner.
SELECT id FROM orgs WHERE id = $1 FOR UPDATE;

-- name: DeleteOrg :execrows
-- Every tenant row goes with it: each org_id references orgs ON DELETE CASCADE.
DELETE FROM orgs WHERE id = $1;

-- name: ListUserOrgs :many
-- Run in the user's own transaction (db.AsUser): their orgs, with their role.
SELECT o.id, o.name, m.role, o.created_at, m.created_at AS joined_at
  FROM org_members m
  JOIN orgs o ON o.id = m.org_id
 WHERE m.user_id = @user_id
   AND (sqlc.narg('after')::uuid IS NULL OR o.id > sqlc.narg('after')::uuid)
 ORDER BY o.id
 LIMIT @lim;
