-- The event log (seed ADR-002, DESIGN.md §5): system_events is the source of
-- truth and the outbox; the relay moves committed events to Redis Streams.

-- +goose Up

-- The relay reads every org's events: a role of its own, which sees this one
-- table across orgs and nothing else. Like xentri_app it is created here
-- without LOGIN; operators, or `xentri dev`, give it a password.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xentri_relay') THEN
        CREATE ROLE xentri_relay NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
END
$$;
-- +goose StatementEnd
GRANT USAGE ON SCHEMA public TO xentri_relay;

CREATE TABLE system_events (
    id           uuid PRIMARY KEY, -- the envelope id, a UUIDv7
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    dedupe_key   text,
    envelope     jsonb NOT NULL,
    -- Insertion order. Emit serializes the event-writing transactions of one
    -- org (a transaction-scoped advisory lock), so within an org pos order is
    -- commit order.
    pos          bigint GENERATED ALWAYS AS IDENTITY,
    -- Set by the relay once the event is on its stream: the relay's durable
    -- position. An event is never skipped, whenever its transaction commits,
    -- because nothing is "behind the cursor": unpublished is a row property.
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX system_events_dedupe_key ON system_events (org_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX system_events_unpublished ON system_events (pos) WHERE published_at IS NULL;
CREATE INDEX system_events_org_pos ON system_events (org_id, pos);

ALTER TABLE system_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE system_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON system_events
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());
CREATE POLICY relay_read ON system_events FOR SELECT TO xentri_relay USING (true);
CREATE POLICY relay_mark ON system_events FOR UPDATE TO xentri_relay USING (true);

-- The app writes and reads its org's events; the log is immutable to it.
REVOKE UPDATE, DELETE ON system_events FROM xentri_app;
GRANT SELECT, UPDATE (published_at, updated_at) ON system_events TO xentri_relay;

-- +goose Down
DROP TABLE system_events;
REVOKE USAGE ON SCHEMA public FROM xentri_relay;
