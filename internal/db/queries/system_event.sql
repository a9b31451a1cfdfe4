-- name: InsertSystemEvent :execrows
-- Run in the emitting transaction (db.InTenant). No row when the org already
-- has an event with this dedupe key.
INSERT INTO system_events (id, org_id, type, occurred_at, dedupe_key, envelope)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;

-- name: UnpublishedEvents :many
-- The relay's next batch (as xentri_relay), in insertion order.
SELECT id, org_id, type, envelope::text AS envelope, created_at
  FROM system_events
 WHERE published_at IS NULL
 ORDER BY pos
 LIMIT $1;

-- name: MarkEventsPublished :execrows
UPDATE system_events SET published_at = now(), updated_at = now()
 WHERE id = ANY(@ids::uuid[]) AND published_at IS NULL;
