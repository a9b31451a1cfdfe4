-- The sales engine's leads (seed §4 sales-engine): the CRM records a
-- business owner works, with their timeline.

-- +goose Up
CREATE TABLE leads (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email          text CHECK (email IS NULL OR length(email) <= 254),
    phone          text CHECK (phone IS NULL OR length(phone) <= 32),
    company        text CHECK (company IS NULL OR length(company) <= 200),
    source         text NOT NULL CHECK (length(source) BETWEEN 1 AND 100),
    status         text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'won', 'lost')),
    lost_reason    text CHECK (lost_reason IS NULL OR length(lost_reason) <= 500),
    value_amount   bigint CHECK (value_amount IS NULL OR value_amount >= 0),
    value_currency text CHECK (value_currency IS NULL OR value_currency ~ '^[A-Z]{3}$'),
    notes          text CHECK (notes IS NULL OR length(notes) <= 5000),
    -- Optimistic concurrency: every update bumps it; a stale one is a 412.
    version        int NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((value_amount IS NULL) = (value_currency IS NULL))
);
-- One lead per e-mail address within an org.
CREATE UNIQUE INDEX leads_org_email_key ON leads (org_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX leads_org_id_idx ON leads (org_id, id);
CREATE INDEX leads_org_status_idx ON leads (org_id, status, id);
ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON leads
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- A lead's timeline: created, status changes, notes, follow-ups due and done.
CREATE TABLE lead_activities (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    lead_id    uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('created', 'status_changed', 'note', 'updated', 'followup_due', 'followup_done')),
    detail     jsonb NOT NULL DEFAULT '{}',
    actor      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_activities_lead_idx ON lead_activities (org_id, lead_id, id);
ALTER TABLE lead_activities ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_activities FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_activities
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE lead_activities;
DROP TABLE leads;
