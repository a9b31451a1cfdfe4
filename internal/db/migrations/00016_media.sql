-- Media: images an org uploads for its sites (issue 12). The browser
-- uploads straight to object storage with a presigned POST; the row is
-- pending until POST /media/{id}/complete has checked that the object
-- landed with the promised size and type (then ready), or removed it
-- (failed). Object keys are orgs/{org_id}/media/{id}/{filename}.
-- (00015 is the sites migration.)

-- +goose Up
CREATE TABLE media_assets (
    id           uuid PRIMARY KEY,
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    object_key   text NOT NULL UNIQUE CHECK (length(object_key) BETWEEN 1 AND 1024),
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 100),
    size         bigint NOT NULL CHECK (size >= 1),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
    -- The store's ETag of the object once it is ready.
    checksum     text CHECK (checksum IS NULL OR length(checksum) <= 200),
    -- Why a failed upload failed, for the owner.
    failure      text CHECK (failure IS NULL OR length(failure) <= 1000),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    completed_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (completed_at IS NULL)),
    CHECK (object_key LIKE 'orgs/' || org_id::text || '/media/' || id::text || '/%')
);
CREATE INDEX media_assets_org_idx ON media_assets (org_id, id DESC);
ALTER TABLE media_assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_assets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON media_assets
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE media_assets;
