-- Idempotency keys of requests that act outside an org: creating an org
-- (kept per user), deleting an account (per user) and signing up (per
-- e-mail address, kept as a hash). Tenant requests keep theirs in
-- idempotency_keys, under the org's row-level security.
--
-- The table has no org_id and no row-level security, like users: it is
-- reached only through internal/idempotency, which scopes every query by
-- the caller the request authenticated as (or the e-mail it signs up).

-- +goose Up
CREATE TABLE caller_idempotency_keys (
    id               uuid PRIMARY KEY,
    scope            text NOT NULL CHECK (length(scope) BETWEEN 1 AND 200),
    key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash     bytea NOT NULL,
    state            text NOT NULL CHECK (state IN ('running', 'done')),
    response_status  int,
    response_headers jsonb,
    response_body    bytea,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (scope, key)
);

-- +goose Down
DROP TABLE caller_idempotency_keys;
