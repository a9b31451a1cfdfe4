-- First-start initialisation of the compose postgres service (mounted into
-- /docker-entrypoint-initdb.d, run once by psql as the postgres superuser on an
-- empty data directory). Passwords come from the container's environment, set
-- in docker-compose.yml; none is written here.
--
-- Databases: xentri (made by POSTGRES_DB), n8n and gotrue (below). Temporal's
-- temporal and temporal_visibility are made by temporalio/auto-setup itself.

\set ON_ERROR_STOP on
\getenv app_password XENTRI_APP_DB_PASSWORD
\getenv relay_password XENTRI_RELAY_DB_PASSWORD
\getenv n8n_password N8N_DB_PASSWORD
\getenv gotrue_password GOTRUE_DB_PASSWORD

\if :{?app_password}
\else
  \warn 'XENTRI_APP_DB_PASSWORD is not set in the postgres container'
  SELECT 1/0 AS missing_password;
\endif
\if :{?relay_password}
\else
  \warn 'XENTRI_RELAY_DB_PASSWORD is not set in the postgres container'
  SELECT 1/0 AS missing_password;
\endif
\if :{?n8n_password}
\else
  \warn 'N8N_DB_PASSWORD is not set in the postgres container'
  SELECT 1/0 AS missing_password;
\endif
\if :{?gotrue_password}
\else
  \warn 'GOTRUE_DB_PASSWORD is not set in the postgres container'
  SELECT 1/0 AS missing_password;
\endif

-- The role api, worker and relay connect as. Row-level security applies to it:
-- not a superuser, no BYPASSRLS, and (the migrations see to it) it owns no
-- table. The owner role that runs the migrations is postgres.
CREATE ROLE xentri_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'app_password';
GRANT CONNECT, TEMPORARY ON DATABASE xentri TO xentri_app;

-- The role the event relay connects as: the migrations let it read and mark
-- system_events across orgs, and nothing else.
CREATE ROLE xentri_relay LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'relay_password';
GRANT CONNECT ON DATABASE xentri TO xentri_relay;

-- n8n keeps its workflows and credentials in a database of its own.
CREATE ROLE n8n LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'n8n_password';
CREATE DATABASE n8n OWNER n8n;

-- GoTrue (Supabase Auth) migrates its own tables into the auth schema of the
-- gotrue database, as supabase_auth_admin.
CREATE ROLE supabase_auth_admin LOGIN NOSUPERUSER NOINHERIT CREATEROLE NOREPLICATION
  PASSWORD :'gotrue_password';
CREATE DATABASE gotrue OWNER supabase_auth_admin;
ALTER ROLE supabase_auth_admin SET search_path = auth;

\connect gotrue
CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;

\connect xentri
-- Table, sequence and function grants to xentri_app come from the migrations,
-- which know which tables are append-only.
GRANT USAGE ON SCHEMA public TO xentri_app;
