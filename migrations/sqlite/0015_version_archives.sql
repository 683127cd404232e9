-- The release archives built from a project's repository (`git archive` of a version's
-- commit): their digest and size, shown beside the download links. The files themselves are a
-- cache under <data-dir>/archives/, rebuilt with the same bytes when evicted; a row whose
-- commit is no longer the version's is stale and ignored. Keep in step with
-- ../postgres/0015_version_archives.sql.
CREATE TABLE version_archives (
    project_id  INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version     TEXT NOT NULL,              -- the tag as written
    format      TEXT NOT NULL,              -- tar.gz, zip
    commit_id   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    built_at    TEXT NOT NULL,
    PRIMARY KEY (project_id, version, format)
);
