-- Tenant queries (db.InTenant).

-- name: GetSalesSettings :one
SELECT * FROM sales_settings WHERE org_id = @org_id;

-- name: PutSalesSettings :one
INSERT INTO sales_settings (org_id, followup_cadence_days, updated_by)
VALUES (@org_id, @followup_cadence_days, @updated_by)
ON CONFLICT (org_id) DO UPDATE
   SET followup_cadence_days = EXCLUDED.followup_cadence_days, updated_by = EXCLUDED.updated_by, updated_at = now()
RETURNING *;
