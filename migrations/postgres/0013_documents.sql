-- Shared documents (specifications, comparative studies, minutes) attached to a project or
-- to a working group: either a file kept under <data-dir>/documents/ by its SHA-256, or a
-- link. Keep in step with ../sqlite/0013_documents.sql.
CREATE TABLE documents (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      BIGINT REFERENCES projects (id) ON DELETE CASCADE,
    group_id        BIGINT REFERENCES working_groups (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,          -- specification, study, minutes, other
    dated           DATE NOT NULL,          -- the document's own date
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    url             TEXT,                   -- a link, or else a file:
    sha256          TEXT,
    filename        TEXT,
    media_type      TEXT,
    size_bytes      BIGINT,
    uploaded_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    CHECK ((project_id IS NULL) <> (group_id IS NULL)),
    CHECK ((url IS NULL) <> (sha256 IS NULL))
);
CREATE INDEX documents_project ON documents (project_id, dated);
CREATE INDEX documents_group ON documents (group_id, dated);
CREATE INDEX documents_sha256 ON documents (sha256);
