-- The Strategy Co-pilot's sessions and their transcripts. The session's
-- workflow (copilot-session/{id}) keeps only where the session stands; what
-- the owner said, and what the co-pilot read from it, lives here.

-- +goose Up
CREATE TABLE copilot_sessions (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    started_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished', 'idle')),
    ended_at    timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX copilot_sessions_org_idx ON copilot_sessions (org_id, id);
ALTER TABLE copilot_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE copilot_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON copilot_sessions
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- One row per owner message, with the co-pilot's reply: a retried message
-- (the same client_message_id) finds its row and gets the same reply.
CREATE TABLE copilot_messages (
    id                uuid PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    session_id        uuid NOT NULL REFERENCES copilot_sessions (id) ON DELETE CASCADE,
    turn              integer NOT NULL CHECK (turn >= 1),
    client_message_id text NOT NULL CHECK (length(client_message_id) BETWEEN 1 AND 200),
    kind              text NOT NULL CHECK (kind IN ('text', 'voice_transcript')),
    text              text NOT NULL CHECK (length(text) BETWEEN 1 AND 8192),
    facts             jsonb NOT NULL DEFAULT '[]',
    reply             jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, client_message_id),
    UNIQUE (session_id, turn)
);
CREATE INDEX copilot_messages_org_idx ON copilot_messages (org_id, session_id, turn);
ALTER TABLE copilot_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE copilot_messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON copilot_messages
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE copilot_messages;
DROP TABLE copilot_sessions;
