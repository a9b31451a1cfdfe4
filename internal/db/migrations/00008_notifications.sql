-- In-app notifications (seed FR75-78): what the web shell's bell shows an
-- org's members, such as a follow-up falling due or a high-value lead.

-- +goose Up
CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('followup_due', 'high_value_lead')),
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    subject_id uuid,
    read_at    timestamptz,
    read_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_org_idx ON notifications (org_id, id);
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notifications
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE notifications;
