-- Publishing (issue 12): a release is an immutable build of a site, its
-- files under releases/{site_id}/{release_id}/ in object storage. The
-- site-publish/{site_id} workflow takes a snapshot (the release row pinning
-- every page version), renders it into release_files, uploads them, then
-- activates it: the compare-and-swap of sites.live_release_id, the commit
-- point. Rollback is the same swap to a release that was live before.
-- Scheduled publishes pin their page versions when they are made.

-- +goose Up
CREATE TABLE site_releases (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    site_id      uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- 1, 2, 3... per site, in the order snapshots were taken
    number       int NOT NULL CHECK (number >= 1),
    -- snapshot -> rendered -> uploaded -> live -> retired (another went
    -- live; rollback may bring it back); failed before going live.
    status       text NOT NULL DEFAULT 'snapshot'
                 CHECK (status IN ('snapshot', 'rendered', 'uploaded', 'live', 'retired', 'failed')),
    -- what asked for it: POST .../publish, a schedule, or the n8n hook
    trigger      text NOT NULL CHECK (trigger IN ('publish', 'schedule', 'hook')),
    -- user:{id}, job:api-token:{id}, system:... (as page versions)
    author       text NOT NULL CHECK (length(author) BETWEEN 1 AND 255),
    -- the site's settings when the snapshot was taken: {name, slug, theme,
    -- navigation, seo} (they are not versioned, so the release keeps them)
    site         jsonb NOT NULL DEFAULT '{}',
    -- [{page_id, path, version, title}], the pinned page versions
    pages        jsonb NOT NULL DEFAULT '[]',
    -- [{page_id, path, change}] against the release live at the snapshot:
    -- added | changed | removed
    changes      jsonb NOT NULL DEFAULT '[]',
    -- [{id, object_key, filename, content_type, size}], the media the
    -- pages use, copied into the release
    media        jsonb NOT NULL DEFAULT '[]',
    -- [{path, content_type, size, sha256}], the files, once rendered
    files        jsonb NOT NULL DEFAULT '[]',
    -- The live release when the snapshot was taken: activation swaps from
    -- it and from nothing else.
    base_release_id uuid,
    workflow_id  text,
    run_id       text,
    failure      text CHECK (failure IS NULL OR length(failure) <= 2000),
    attempts     int NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    rendered_at  timestamptz,
    uploaded_at  timestamptz,
    -- The first time it went live; a release never activated is never
    -- served, even while its files are in the store.
    activated_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, number),
    -- live and retired releases went live once; a failed one never did
    CHECK (status NOT IN ('live', 'retired') OR activated_at IS NOT NULL),
    CHECK (status <> 'failed' OR activated_at IS NULL)
);
CREATE INDEX site_releases_org_site_idx ON site_releases (org_id, site_id, number DESC);
ALTER TABLE site_releases ENABLE ROW LEVEL SECURITY;
ALTER TABLE site_releases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON site_releases
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- The rendered files of a release, staged for the upload step (a worker
-- that renders need not be the one that uploads). Deleted once the release
-- is uploaded, or failed.
CREATE TABLE release_files (
    release_id   uuid NOT NULL REFERENCES site_releases (id) ON DELETE CASCADE,
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    path         text NOT NULL CHECK (length(path) BETWEEN 1 AND 1100),
    content_type text NOT NULL,
    sha256       text NOT NULL,
    body         bytea NOT NULL,
    PRIMARY KEY (release_id, path)
);
ALTER TABLE release_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE release_files FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON release_files
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

ALTER TABLE sites ADD COLUMN live_release_id uuid REFERENCES site_releases (id);

-- The public site server reads which release of which site a visitor's
-- Host names, before it knows the org. Like app.operator (00009), the
-- setting is made for one transaction (db.AsSiteRouter) and read by these
-- policies only: reads of sites, and of releases that were once live.
CREATE FUNCTION app_is_site_router() RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('app.site_router', true), '') = 'on' $$;
CREATE POLICY site_router_read ON sites FOR SELECT USING (app_is_site_router());
CREATE POLICY site_router_read ON site_releases FOR SELECT
    USING (app_is_site_router() AND activated_at IS NOT NULL);

-- Publishes set for later: each pins the page versions of the moment it
-- was made, and a site-schedule/{id} workflow enqueues it when due.
CREATE TABLE site_schedules (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    site_id     uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    publish_at  timestamptz NOT NULL,
    -- {page_id: version}
    pins        jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'fired', 'cancelled')),
    workflow_id text NOT NULL,
    release_id  uuid,
    author      text NOT NULL CHECK (length(author) BETWEEN 1 AND 255),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX site_schedules_org_site_idx ON site_schedules (org_id, site_id, publish_at);
ALTER TABLE site_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE site_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON site_schedules
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE site_schedules;
DROP POLICY site_router_read ON site_releases;
DROP POLICY site_router_read ON sites;
DROP FUNCTION app_is_site_router();
ALTER TABLE sites DROP COLUMN live_release_id;
DROP TABLE release_files;
DROP TABLE site_releases;
