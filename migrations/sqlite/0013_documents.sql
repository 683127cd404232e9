-- Shared documents (specifications, comparative studies, minutes) attached to a project or
-- to a working group: either a file kept under <data-dir>/documents/ by its SHA-256, or a
-- link. Keep in step with ../postgres/0013_documents.sql.
CREATE TABLE documents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id      INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    group_id        INTEGER REFERENCES working_groups (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,          -- specification, study, minutes, other
    dated           TEXT NOT NULL,          -- the document's own date
    organisation_id TEXT REFERENCES organisations (id) ON DELETE SET NULL,
    url             TEXT,                   -- a link, or else a file:
    sha256          TEXT,
    filename        TEXT,
    media_type      TEXT,
    size_bytes      INTEGER,
    uploaded_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    CHECK ((project_id IS NULL) <> (group_id IS NULL)),
    CHECK ((url IS NULL) <> (sha256 IS NULL))
);
CREATE INDEX documents_project ON documents (project_id, dated);
CREATE INDEX documents_group ON documents (group_id, dated);
CREATE INDEX documents_sha256 ON documents (sha256);
