-- Tenant queries (db.InTenant).

-- name: CreateCopilotSession :one
INSERT INTO copilot_sessions (id, org_id, started_by) VALUES ($1, $2, $3)
RETURNING *;

-- name: GetCopilotSession :one
SELECT * FROM copilot_sessions WHERE org_id = @org_id AND id = @id;

-- name: LockCopilotSession :one
-- Turns of one session are numbered in order: the lock serialises them.
SELECT * FROM copilot_sessions WHERE org_id = @org_id AND id = @id FOR UPDATE;

-- name: ListCopilotSessions :many
SELECT * FROM copilot_sessions
 WHERE org_id = @org_id
   AND (sqlc.narg('after')::uuid IS NULL OR id < sqlc.narg('after')::uuid)
 ORDER BY id DESC
 LIMIT @lim;

-- name: EndCopilotSession :execrows
UPDATE copilot_sessions SET status = @status, ended_at = now(), updated_at = now()
 WHERE org_id = @org_id AND id = @id AND status = 'open';

-- name: AddCopilotMessage :one
INSERT INTO copilot_messages (id, org_id, session_id, turn, client_message_id, kind, text, facts, reply)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING *;

-- name: GetCopilotMessageByClientID :one
SELECT * FROM copilot_messages
 WHERE org_id = @org_id AND session_id = @session_id AND client_message_id = @client_message_id;

-- name: ListCopilotMessages :many
SELECT * FROM copilot_messages
 WHERE org_id = @org_id AND session_id = @session_id
 ORDER BY turn;

-- name: ListRecentCopilotMessages :many
-- The org's latest messages across its sessions, newest first (the caller
-- puts them back in the order they were said).
SELECT * FROM copilot_messages
 WHERE org_id = @org_id
 ORDER BY created_at DESC, id DESC
 LIMIT @lim;
