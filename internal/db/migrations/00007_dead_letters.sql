-- Dead letters of workflows (issue 5): Temporal keeps no queue of failed
-- workflows, so Xentri does. A workflow that fails for good leaves a row
-- here, which an engineer can inspect, re-drive or discard.

-- +goose Up
CREATE TABLE dead_letters (
    id              uuid PRIMARY KEY,
    org_id          uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    workflow_type   text NOT NULL,
    workflow_id     text NOT NULL,
    run_id          text NOT NULL,
    task_queue      text NOT NULL,
    input           jsonb NOT NULL,
    failure_type    text NOT NULL,
    failure_message text NOT NULL,
    attempts        int NOT NULL DEFAULT 1,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'redriven', 'discarded')),
    redrive_run_id  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, workflow_id, run_id)
);
CREATE INDEX dead_letters_org_idx ON dead_letters (org_id, id);
ALTER TABLE dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE dead_letters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dead_letters
    USING (app_current_org_id() IS NOT NULL AND org_id = app_current_org_id());

-- +goose Down
DROP TABLE dead_letters;
