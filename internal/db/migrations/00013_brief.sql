-- The Universal Brief (seed ADR-001): the DNA of an org's business, which
-- the Strategy Co-pilot composes from the owner's words and the owner
-- edits. Every change makes a new immutable version; the brief row points
-- at the current one. Each version's category contexts (brand voice, sales
-- pipeline, website) are derived and stored with it, and changes the
-- co-pilot may not make on its own (a value the owner set) wait as
-- proposals.

-- +goose Up
CREATE TABLE briefs (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL UNIQUE REFERENCES orgs (id) ON DELETE CASCADE,
    -- 0 only inside the transaction that creates the brief and its first
    -- version.
    current_version int NOT NULL DEFAULT 0 CHECK (current_version >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE briefs ENABLE ROW LEVEL SECURITY;
ALTER TABLE briefs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON briefs
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

CREATE TABLE brief_versions (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    brief_id      uuid NOT NULL REFERENCES briefs (id) ON DELETE CASCADE,
    number        int NOT NULL CHECK (number >= 1),
    data          jsonb NOT NULL,
    author_type   text NOT NULL CHECK (author_type IN ('user', 'copilot', 'proposal')),
    author_id     text NOT NULL CHECK (length(author_id) BETWEEN 1 AND 255),
    -- What changed, for people; changes is the same for programs: a list
    -- of {section, field, op, from, to}.
    summary       text NOT NULL CHECK (length(summary) <= 2000),
    changes       jsonb NOT NULL DEFAULT '[]',
    restored_from int CHECK (restored_from IS NULL OR restored_from >= 1),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, number)
);
ALTER TABLE brief_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE brief_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON brief_versions
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

CREATE TABLE brief_contexts (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    version    int NOT NULL CHECK (version >= 1),
    category   text NOT NULL CHECK (category IN ('brand_voice', 'sales_pipeline', 'website')),
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, version, category)
);
ALTER TABLE brief_contexts ENABLE ROW LEVEL SECURITY;
ALTER TABLE brief_contexts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON brief_contexts
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

CREATE TABLE brief_proposals (
    id               uuid PRIMARY KEY,
    org_id           uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    brief_id         uuid NOT NULL REFERENCES briefs (id) ON DELETE CASCADE,
    section          text NOT NULL CHECK (length(section) BETWEEN 1 AND 100),
    -- update: the owner's words now say otherwise than a value they set by
    -- hand; suggestion: proposed through the API (or the co-pilot).
    kind             text NOT NULL CHECK (kind IN ('update', 'suggestion')),
    based_on_version int NOT NULL CHECK (based_on_version >= 1),
    -- {field: {value, confidence?, sources?}}
    fields           jsonb NOT NULL,
    instruction      text CHECK (instruction IS NULL OR length(instruction) <= 2000),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    reason           text CHECK (reason IS NULL OR length(reason) <= 2000),
    accepted_version int CHECK (accepted_version IS NULL OR accepted_version >= 1),
    decided_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'accepted') = (accepted_version IS NOT NULL)),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX brief_proposals_org_status_idx ON brief_proposals (org_id, status, id);
ALTER TABLE brief_proposals ENABLE ROW LEVEL SECURITY;
ALTER TABLE brief_proposals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON brief_proposals
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- Who set an org's follow-up cadence: the owner by hand (PUT
-- /settings/sales), or the Brief's sales pipeline context. The Brief
-- writes only over its own.
ALTER TABLE sales_settings
    ADD COLUMN set_by text NOT NULL DEFAULT 'owner' CHECK (set_by IN ('owner', 'brief'));

-- +goose Down
ALTER TABLE sales_settings DROP COLUMN set_by;
DROP TABLE brief_proposals;
DROP TABLE brief_contexts;
DROP TABLE brief_versions;
DROP TABLE briefs;
