-- The platform operator (issue 5): whoever runs Xentri sees the dead letters
-- of every org, to re-drive or discard them, and nothing else across orgs.
--
-- Like a tenant transaction, an operator transaction is marked by a setting
-- made for that transaction only (db.AsOperator sets app.operator, after
-- the caller proved to be the operator). Only the policies below read it, so
-- the mark opens dead_letters across orgs and no other table.

-- +goose Up
CREATE FUNCTION app_is_operator() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('app.operator', true), '') = 'on' $$;

CREATE POLICY operator_read ON dead_letters FOR SELECT USING (app_is_operator());
CREATE POLICY operator_settle ON dead_letters FOR UPDATE USING (app_is_operator());

-- +goose Down
DROP POLICY operator_settle ON dead_letters;
DROP POLICY operator_read ON dead_letters;
DROP FUNCTION app_is_operator();
