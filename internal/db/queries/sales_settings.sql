-- Tenant queries (db.InTenant).

-- name: GetSalesSettings :one
SELECT * FROM sales_settings WHERE org_id = @org_id;

-- name: PutSalesSettings :one
-- The owner's (or an admin's) cadence: from now on the Brief leaves it be.
INSERT INTO sales_settings (org_id, followup_cadence_days, updated_by, set_by)
VALUES (@org_id, @followup_cadence_days, @updated_by, 'owner')
ON CONFLICT (org_id) DO UPDATE
   SET followup_cadence_days = EXCLUDED.followup_cadence_days, updated_by = EXCLUDED.updated_by,
       set_by = 'owner', updated_at = now()
RETURNING *;

-- name: PutBriefSalesCadence :one
-- The Brief's cadence, written only over no settings or the Brief's own:
-- no row when the owner set the cadence by hand.
INSERT INTO sales_settings (org_id, followup_cadence_days, updated_by, set_by)
VALUES (@org_id, @followup_cadence_days, NULL, 'brief')
ON CONFLICT (org_id) DO UPDATE
   SET followup_cadence_days = EXCLUDED.followup_cadence_days, updated_by = NULL, updated_at = now()
 WHERE sales_settings.set_by = 'brief'
RETURNING *;
