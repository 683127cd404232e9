-- Organisations a project says use it: publiccode.yml `usedBy` names resolved to an
-- organisation when unambiguous, and the list its maintainers keep through the API. A use
-- that the organisation also declares is shown as confirmed (asserted by both sides).
-- Keep in step with ../postgres/0008_known_users.sql.
CREATE TABLE known_users (
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    source          TEXT NOT NULL,          -- publiccode, maintainer
    label           TEXT NOT NULL,          -- the name as the project wrote it
    created_at      TEXT NOT NULL,
    PRIMARY KEY (project_id, organisation_id, source)
);
CREATE INDEX known_users_organisation ON known_users (organisation_id);
