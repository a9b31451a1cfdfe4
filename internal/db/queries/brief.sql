-- Tenant queries (db.InTenant) of the Universal Brief.

-- name: EnsureBrief :exec
-- The org's brief row, made when missing (at version 0 until the caller
-- saves the first version in the same transaction).
INSERT INTO briefs (id, org_id) VALUES (@id, @org_id)
ON CONFLICT (org_id) DO NOTHING;

-- name: LockBrief :one
-- The brief, locked until the transaction ends: every new version is made
-- under this lock, so versions are numbered one after the other.
SELECT * FROM briefs WHERE org_id = @org_id FOR UPDATE;

-- name: GetBrief :one
SELECT * FROM briefs WHERE org_id = @org_id AND current_version > 0;

-- name: SetBriefVersion :exec
UPDATE briefs SET current_version = @current_version, updated_at = now()
 WHERE org_id = @org_id AND id = @id;

-- name: AddBriefVersion :one
INSERT INTO brief_versions (id, org_id, brief_id, number, data, author_type, author_id, summary, changes, restored_from)
VALUES (@id, @org_id, @brief_id, @number, @data, @author_type, @author_id, @summary, @changes, @restored_from)
RETURNING *;

-- name: GetBriefVersion :one
SELECT * FROM brief_versions WHERE org_id = @org_id AND number = @number;

-- name: ListBriefVersions :many
-- Newest first; the cursor is the id of the last version of the previous
-- page.
SELECT v.* FROM brief_versions v
 WHERE v.org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL
        OR v.number < (SELECT a.number FROM brief_versions a WHERE a.org_id = v.org_id AND a.id = sqlc.narg('after')::uuid))
 ORDER BY v.number DESC
 LIMIT @lim;

-- name: PutBriefContext :exec
INSERT INTO brief_contexts (id, org_id, version, category, data)
VALUES (@id, @org_id, @version, @category, @data)
ON CONFLICT (org_id, version, category) DO UPDATE SET data = EXCLUDED.data, updated_at = now();

-- name: GetBriefContext :one
SELECT * FROM brief_contexts WHERE org_id = @org_id AND version = @version AND category = @category;

-- name: AddBriefProposal :one
INSERT INTO brief_proposals (id, org_id, brief_id, section, kind, based_on_version, fields, instruction)
VALUES (@id, @org_id, @brief_id, @section, @kind, @based_on_version, @fields, @instruction)
RETURNING *;

-- name: GetBriefProposal :one
SELECT * FROM brief_proposals WHERE org_id = @org_id AND id = @id;

-- name: LockBriefProposal :one
SELECT * FROM brief_proposals WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: PendingBriefProposals :many
-- The pending proposals of a section, to avoid proposing the same change
-- twice.
SELECT * FROM brief_proposals
 WHERE org_id = @org_id AND section = @section AND status = 'pending'
 ORDER BY id;

-- name: ListBriefProposals :many
-- Newest first, optionally of one status.
SELECT * FROM brief_proposals
 WHERE org_id = @org_id
   AND (sqlc.narg('status')::text IS NULL OR status = sqlc.narg('status')::text)
   AND (sqlc.narg('after')::uuid IS NULL OR id < sqlc.narg('after')::uuid)
 ORDER BY id DESC
 LIMIT @lim;

-- name: DecideBriefProposal :one
-- No row when the proposal was decided already.
UPDATE brief_proposals
   SET status = @status, reason = @reason, accepted_version = @accepted_version,
       decided_by = @decided_by, decided_at = now(), updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status = 'pending'
RETURNING *;
