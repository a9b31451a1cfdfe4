-- n8n subscriptions made through the API (those from XENTRI_N8N_SUBSCRIPTIONS
-- live in the environment): which of an org's events go to which n8n webhook.

-- +goose Up
CREATE TABLE n8n_subscriptions (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    pattern    text NOT NULL CHECK (length(pattern) BETWEEN 1 AND 200),
    url        text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, pattern, url)
);
ALTER TABLE n8n_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE n8n_subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON n8n_subscriptions
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE n8n_subscriptions;
