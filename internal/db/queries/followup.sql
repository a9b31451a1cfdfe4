-- Tenant queries (db.InTenant).

-- name: RecordFollowUp :one
-- No row when the step's key was recorded already.
INSERT INTO lead_followups (id, org_id, lead_id, step, due_at, step_key)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id, step_key) DO NOTHING
RETURNING *;

-- name: ListFollowUps :many
SELECT * FROM lead_followups WHERE org_id = @org_id AND lead_id = @lead_id ORDER BY step, due_at;
