-- Tenant queries: run them only inside db.InTenant; row-level security
-- hides every row outside it.

-- name: AddOrgMember :one
INSERT INTO org_members (id, org_id, user_id, role) VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: ListOrgMembers :many
SELECT * FROM org_members ORDER BY created_at, id;

-- name: UpdateOrgMemberRole :execrows
UPDATE org_members SET role = $2, updated_at = now() WHERE id = $1;

-- name: DeleteOrgMember :execrows
DELETE FROM org_members WHERE id = $1;
