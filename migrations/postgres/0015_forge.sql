-- The forge. Keep in step with ../sqlite/0015_forge.sql.
--
-- The release archives built from a project's repository (`git archive` of a version's
-- commit): their digest and size, shown beside the download links. The files themselves are a
-- cache under <data-dir>/archives/, rebuilt with the same bytes when evicted; a row whose
-- commit is no longer the version's is stale and ignored.
CREATE TABLE version_archives (
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version     TEXT NOT NULL,              -- the tag as written
    format      TEXT NOT NULL,              -- tar.gz, zip
    commit_id   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    built_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, version, format)
);

-- Versions whose tag the upstream removed: the mirror keeps their commit (under
-- refs/civiforge/withdrawn-tags/), so they stay listed, marked withdrawn, and their archives
-- served. A tag that comes back leaves this table.
CREATE TABLE withdrawn_versions (
    project_id   BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    semver       TEXT,
    is_release   BOOLEAN NOT NULL,
    date         TIMESTAMPTZ,
    commit_id    TEXT,
    commit_date  TIMESTAMPTZ,
    tagger_date  TIMESTAMPTZ,
    withdrawn_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, name)
);

-- Since when fetching the upstream repository fails because it does not answer or is gone
-- (NULL while it answers): past a delay, the page says the project lives on from its copy.
ALTER TABLE projects ADD COLUMN upstream_failing_since TIMESTAMPTZ;

-- A hosted project's repository lives on civiforge: maintainers push to it, nothing is
-- fetched (its repository_url is civiforge's own address). imported_from is the address it
-- was imported from once, or the upstream it had before its home moved to civiforge.
ALTER TABLE projects ADD COLUMN hosted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE projects ADD COLUMN imported_from TEXT;
