-- An org's sales settings (issue 5): the days after a new (or contacted)
-- lead when its follow-ups fall due. Orgs without a row use the default
-- cadence (1, 3, 7); later the Universal Brief's sales context writes here.

-- +goose Up
CREATE TABLE sales_settings (
    org_id                uuid PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    followup_cadence_days int[] NOT NULL CHECK (cardinality(followup_cadence_days) BETWEEN 1 AND 20),
    updated_by            uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE sales_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE sales_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sales_settings
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE sales_settings;
