-- Tenant queries (db.InTenant).

-- name: CreateLead :one
INSERT INTO leads (id, org_id, name, email, phone, company, source, status, value_amount, value_currency, notes)
VALUES (@id, @org_id, @name, @email, @phone, @company, @source, 'new', @value_amount, @value_currency, @notes)
RETURNING *;

-- name: GetLead :one
SELECT * FROM leads WHERE org_id = @org_id AND id = @id;

-- name: GetLeadByEmail :one
-- email_key, not lower(email): see migration 00011.
SELECT * FROM leads WHERE org_id = @org_id AND email_key = lower(@email);

-- name: ListLeads :many
-- Filters are optional; q matches name, e-mail and company.
SELECT * FROM leads
 WHERE org_id = @org_id
   AND (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
   AND (sqlc.narg('source')::text IS NULL OR source = sqlc.narg('source')::text)
   AND (sqlc.narg('q')::text IS NULL
        OR name ILIKE '%' || sqlc.narg('q')::text || '%'
        OR email ILIKE '%' || sqlc.narg('q')::text || '%'
        OR company ILIKE '%' || sqlc.narg('q')::text || '%')
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: UpdateLead :one
-- No row when the version is stale (or the lead is gone).
UPDATE leads
   SET name = @name, email = @email, phone = @phone, company = @company, source = @source,
       value_amount = @value_amount, value_currency = @value_currency, notes = @notes,
       version = version + 1, updated_at = now()
 WHERE org_id = @org_id AND id = @id AND version = @version
RETURNING *;

-- name: SetLeadStatus :one
UPDATE leads
   SET status = @status, lost_reason = @lost_reason, version = version + 1, updated_at = now()
 WHERE org_id = @org_id AND id = @id AND (sqlc.narg('version')::int IS NULL OR version = sqlc.narg('version')::int)
RETURNING *;

-- name: AddLeadActivity :one
INSERT INTO lead_activities (id, org_id, lead_id, kind, detail, actor)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;

-- name: ListLeadActivities :many
SELECT * FROM lead_activities
 WHERE org_id = @org_id AND lead_id = @lead_id
   AND (sqlc.narg('after')::uuid IS NULL OR id > sqlc.narg('after')::uuid)
 ORDER BY id
 LIMIT @lim;

-- name: LockLead :one
-- The lead, locked until the transaction ends: a change that reads the
-- lead before writing it (a status change records the status it left)
-- waits for a concurrent change to commit, then reads its result.
SELECT * FROM leads WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: LeadSummary :many
-- The board's columns: leads and their value by status and currency, with
-- ListLeads' filters.
SELECT status, value_currency AS currency, count(*)::int AS leads, coalesce(sum(value_amount), 0)::bigint AS amount
  FROM leads
 WHERE org_id = @org_id
   AND (sqlc.narg('source')::text IS NULL OR source = sqlc.narg('source')::text)
   AND (sqlc.narg('q')::text IS NULL
        OR name ILIKE '%' || sqlc.narg('q')::text || '%'
        OR email ILIKE '%' || sqlc.narg('q')::text || '%'
        OR company ILIKE '%' || sqlc.narg('q')::text || '%')
 GROUP BY status, value_currency
 ORDER BY status, value_currency;
