-- Tenant queries: run them only inside db.InTenant; row-level security
-- hides every row outside it. They name the org too, as a second guard.

-- name: AddOrgMember :one
INSERT INTO org_members (id, org_id, user_id, role) VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: ListOrgMembers :many
SELECT m.id, m.user_id, u.email, m.role, m.created_at, m.updated_at
  FROM org_members m
  JOIN users u ON u.id = m.user_id
 WHERE m.org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL OR m.id > sqlc.narg('after')::uuid)
 ORDER BY m.id
 LIMIT @lim;

-- name: GetOrgMember :one
SELECT m.id, m.user_id, u.email, m.role, m.created_at, m.updated_at
  FROM org_members m
  JOIN users u ON u.id = m.user_id
 WHERE m.org_id = @org_id AND m.user_id = @user_id;

-- name: CountOrgMembersByRole :one
SELECT count(*) FILTER (WHERE role = 'owner') AS owners, count(*) AS members
  FROM org_members WHERE org_id = $1;

-- name: UpdateOrgMemberRole :execrows
UPDATE org_members SET role = @role, updated_at = now()
 WHERE org_id = @org_id AND user_id = @user_id;

-- name: DeleteOrgMember :execrows
DELETE FROM org_members WHERE org_id = @org_id AND user_id = @user_id;

-- name: ListUserMemberships :many
-- Run in the user's own transaction (db.AsUser).
SELECT org_id, role FROM org_members WHERE user_id = $1 ORDER BY org_id;

-- name: DeleteUserMemberships :execrows
-- Run in the user's own transaction (db.AsUser).
DELETE FROM org_members WHERE user_id = $1;
