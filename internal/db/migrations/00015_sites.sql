-- The brand engine's content (issue 12): an org's sites and their pages.
-- A site's slug is its public address under XENTRI_SITES_DOMAIN, so it is
-- unique across every org. A page's content lives in immutable versions;
-- the page points at its current one, and every save makes a new one.
-- Publishing (releases pinning page versions) comes later.

-- +goose Up
CREATE TABLE sites (
    id             uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug           text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$'),
    custom_domains text[] NOT NULL DEFAULT '{}' CHECK (cardinality(custom_domains) <= 20),
    -- {colors: {...}, fonts: {...}, logo_url}
    theme          jsonb NOT NULL DEFAULT '{}',
    -- [{label, path}]
    navigation     jsonb NOT NULL DEFAULT '[]',
    -- the pages' defaults: {title, description, og_image, noindex}
    seo            jsonb NOT NULL DEFAULT '{}',
    -- bumped on every update; If-Match "vN" names it
    version        int NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sites_org_idx ON sites (org_id, id);
ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sites
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

CREATE TABLE pages (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    site_id         uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    path            text NOT NULL CHECK (path = '/' OR path ~ '^(/[a-z0-9]+(-[a-z0-9]+)*)+$'),
    -- 0 only inside the transaction that creates the page and its first
    -- version.
    current_version int NOT NULL DEFAULT 0 CHECK (current_version >= 0),
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (length(path) <= 1024)
);
-- A deleted page frees its path.
CREATE UNIQUE INDEX pages_site_path_key ON pages (site_id, path) WHERE deleted_at IS NULL;
CREATE INDEX pages_org_site_idx ON pages (org_id, site_id, id);
ALTER TABLE pages ENABLE ROW LEVEL SECURITY;
ALTER TABLE pages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pages
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

CREATE TABLE page_versions (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    page_id       uuid NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    number        int NOT NULL CHECK (number >= 1),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    -- {title, description, og_image, canonical, noindex}
    seo           jsonb NOT NULL DEFAULT '{}',
    -- [{type, data, cites?}], each data valid against contracts/blocks/{type}.schema.json
    blocks        jsonb NOT NULL DEFAULT '[]',
    -- user:{id}, job:api-token:{id} or brief (drafted from the Brief)
    author        text NOT NULL CHECK (length(author) BETWEEN 1 AND 255),
    restored_from int CHECK (restored_from IS NULL OR restored_from >= 1),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (page_id, number)
);
ALTER TABLE page_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE page_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON page_versions
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE page_versions;
DROP TABLE pages;
DROP TABLE sites;
