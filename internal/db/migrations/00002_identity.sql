-- Identity: local sign-in, cross-org reads of one's own memberships, API
-- tokens and idempotency keys (issue: identity, organisations and tenant
-- isolation).

-- +goose Up

-- The user of a user transaction (db.AsUser), or NULL. Like
-- app_current_org_id, '' after the transaction counts as none.
CREATE FUNCTION app_current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.current_user_id', true), '')::uuid $$;

-- In a user transaction (no tenant set) a user sees their own memberships in
-- every org, and may delete them (leave, account deletion). A tenant
-- transaction never sets the user, so these policies add nothing there.
CREATE POLICY member_self_read ON org_members FOR SELECT
    USING (app_current_user_id() IS NOT NULL AND user_id = app_current_user_id());
CREATE POLICY member_self_leave ON org_members FOR DELETE
    USING (app_current_user_id() IS NOT NULL AND user_id = app_current_user_id());

-- An org row is visible in its own tenant transaction, and to its members in
-- a user transaction. It is created inside the tenant transaction of its own
-- new id, which the tenant policy's check accepts.
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON orgs
    USING (app_current_org_id() IS NOT NULL AND id = app_current_org_id());
CREATE POLICY member_read ON orgs FOR SELECT
    USING (app_current_user_id() IS NOT NULL
           AND id IN (SELECT m.org_id FROM org_members m WHERE m.user_id = app_current_user_id()));

-- The local identity provider (AUTH_PROVIDER=local): what GoTrue keeps in
-- its auth schema, for the embedded default.
CREATE TABLE auth_identities (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (email LIKE '%_@_%'),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX auth_identities_email_key ON auth_identities (lower(email));

CREATE TABLE auth_sessions (
    id          uuid PRIMARY KEY,
    identity_id uuid NOT NULL REFERENCES auth_identities (id) ON DELETE CASCADE,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_sessions_identity_id_idx ON auth_sessions (identity_id);

-- Refresh tokens are stored as SHA-256 hashes and used once: refreshing
-- marks the token used and issues its successor; presenting a used token
-- again revokes the whole session (it was stolen, or the client is broken).
CREATE TABLE auth_refresh_tokens (
    id         uuid PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    used_at    timestamptz,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_refresh_tokens_session_id_idx ON auth_refresh_tokens (session_id);

-- Org-scoped API tokens for integrations (n8n): xnt_ tokens, stored hashed.
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes       text[] NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_org_id_idx ON api_tokens (org_id, id);
ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_tokens
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- Idempotency-Key records (IETF draft), per org, kept 24 hours. A request
-- claims its key as 'running'; its response is stored as 'done' in the same
-- transaction as its effect.
CREATE TABLE idempotency_keys (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     bytea NOT NULL,
    state            text NOT NULL CHECK (state IN ('running', 'done')),
    response_status  int,
    response_headers jsonb,
    response_body    bytea,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, key)
);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- Ids of erased accounts, and nothing else: an access token issued before
-- the erasure stays valid until it expires, and must not bring the user
-- record back.
CREATE TABLE deleted_users (
    id         uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE deleted_users;
DROP TABLE idempotency_keys;
DROP TABLE api_tokens;
DROP TABLE auth_refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE auth_identities;
DROP POLICY member_read ON orgs;
DROP POLICY tenant_isolation ON orgs;
ALTER TABLE orgs NO FORCE ROW LEVEL SECURITY;
ALTER TABLE orgs DISABLE ROW LEVEL SECURITY;
DROP POLICY member_self_leave ON org_members;
DROP POLICY member_self_read ON org_members;
DROP FUNCTION app_current_user_id();
