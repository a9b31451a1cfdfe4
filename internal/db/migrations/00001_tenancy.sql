-- The foundation of tenancy (seed ADR-003, DESIGN.md §4).
--
-- Migrations run as the owner role. The application connects as xentri_app,
-- which owns nothing and is subject to row-level security everywhere.

-- +goose Up

-- xentri_app is created here (without LOGIN) when missing, so the grants
-- below can name it. Operators, or `xentri dev`, give it LOGIN and a password.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xentri_app') THEN
        CREATE ROLE xentri_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO xentri_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO xentri_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO xentri_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO xentri_app;

-- The org of the current tenant transaction, or NULL outside one.
-- current_setting(..., true) is NULL before the setting was ever made in a
-- session but '' after a transaction-scoped set_config ended, so both mean
-- "no tenant". Policies call this, and therefore fail closed.
CREATE FUNCTION app_current_org_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid $$;

-- An organisation: the tenant. Its id is the org_id of every tenant row.
CREATE TABLE orgs (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A person who can sign in. The id is the auth provider's subject.
CREATE TABLE users (
    id         uuid PRIMARY KEY,
    email      text NOT NULL CHECK (email LIKE '%_@_%'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Who belongs to which org, and as what: the first tenant table.
CREATE TABLE org_members (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, user_id)
);
CREATE INDEX org_members_user_id_idx ON org_members (user_id);

-- Every table with an org_id gets these three statements; a test fails the
-- build when one does not.
ALTER TABLE org_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON org_members
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE org_members;
DROP TABLE users;
DROP TABLE orgs;
DROP FUNCTION app_current_org_id();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM xentri_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM xentri_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM xentri_app;
REVOKE USAGE ON SCHEMA public FROM xentri_app;
