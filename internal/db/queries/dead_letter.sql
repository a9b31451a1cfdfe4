-- Tenant queries (db.InTenant).

-- name: RecordDeadLetter :one
-- No row when this run's failure is already recorded.
INSERT INTO dead_letters (id, org_id, workflow_type, workflow_id, run_id, task_queue, input, failure_type, failure_message, attempts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (org_id, workflow_id, run_id) DO NOTHING
RETURNING *;

-- name: ListDeadLetters :many
SELECT * FROM dead_letters
 WHERE org_id = @org_id
   AND (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: GetDeadLetter :one
SELECT * FROM dead_letters WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: SettleDeadLetter :exec
UPDATE dead_letters SET status = @status, redrive_run_id = @redrive_run_id, updated_at = now()
 WHERE org_id = @org_id AND id = @id;

-- Operator queries (db.AsOperator): every org's dead letters.

-- name: ListAllDeadLetters :many
SELECT * FROM dead_letters
 WHERE (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
   AND (sqlc.narg('org_id')::uuid IS NULL OR org_id = sqlc.narg('org_id')::uuid)
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: GetAnyDeadLetter :one
SELECT * FROM dead_letters WHERE id = @id FOR UPDATE;

-- name: SettleAnyDeadLetter :exec
UPDATE dead_letters SET status = @status, redrive_run_id = @redrive_run_id, updated_at = now()
 WHERE id = @id;
