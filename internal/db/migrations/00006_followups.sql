-- Follow-ups: the steps of a lead's cadence that fell due (issue 5).

-- +goose Up
CREATE TABLE lead_followups (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    lead_id    uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    step       int NOT NULL CHECK (step >= 1),
    due_at     timestamptz NOT NULL,
    status     text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'done')),
    -- The workflow's key for the step: a retried activity records it once.
    step_key   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, step_key)
);
CREATE INDEX lead_followups_lead_idx ON lead_followups (org_id, lead_id, step);
ALTER TABLE lead_followups ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_followups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_followups
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE lead_followups;
