-- civiforge catalogue schema, PostgreSQL dialect. Keep in step with ../sqlite/0001_catalogue.sql:
-- the parity tests run the same store suite on both.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id           TEXT PRIMARY KEY,          -- commune-13047, epci-200035442, org-imio
    kind         TEXT NOT NULL,             -- commune, departement, region, epci, organisation
    code         TEXT,                      -- INSEE code, département/région code, SIREN
    name         TEXT NOT NULL,
    search_key   TEXT NOT NULL,             -- folded name: lower-case ASCII words
    subkind      TEXT,                      -- CC, CA, CU, METRO for EPCI; OPSN, SSLL... later
    siren        TEXT,
    departement  TEXT,
    region       TEXT,
    population   BIGINT,
    postal_codes TEXT,
    email_domains TEXT,
    website      TEXT,
    is_reference BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX organisations_kind ON organisations (kind, departement);
CREATE INDEX organisations_search_key ON organisations (search_key);
CREATE INDEX organisations_siren ON organisations (siren);

-- Old and secondary codes (delegated or associated communes, merged communes, municipal
-- arrondissements) that resolve to a current organisation.
CREATE TABLE organisation_aliases (
    alias           TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE
);

-- Membership of an organisation in another: commune in EPCI, later member of an OPSN.
CREATE TABLE organisation_memberships (
    member_id  TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    parent_id  TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    relation   TEXT NOT NULL,               -- epci, opsn, association
    PRIMARY KEY (member_id, parent_id, relation)
);
CREATE INDEX organisation_memberships_parent ON organisation_memberships (parent_id, relation);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,     -- stored lower-cased
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,            -- Argon2id PHC string
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    is_moderator  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,      -- SHA-256 of the token; the token is shown once
    label        TEXT NOT NULL,
    scopes       TEXT NOT NULL,             -- space-separated
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE projects (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    summary         TEXT NOT NULL,
    repository_url  TEXT NOT NULL UNIQUE,
    license         TEXT,                   -- SPDX expression
    hidden          BOOLEAN NOT NULL DEFAULT FALSE,
    index_state     TEXT NOT NULL DEFAULT 'pending', -- pending, ok, failed
    last_indexed_at TIMESTAMPTZ,
    index_error     TEXT,
    readme_html     TEXT,
    readme_text     TEXT,
    publiccode_json TEXT,
    health_json     TEXT,
    refs_digest     TEXT,                   -- digest of the refs last indexed
    registered_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE project_categories (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    PRIMARY KEY (project_id, category)
);
CREATE INDEX project_categories_category ON project_categories (category);

CREATE TABLE project_maintainers (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,               -- owner, maintainer
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE versions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,              -- the tag as written
    semver      TEXT,                       -- normalised, or NULL for branch-like tags
    is_release  BOOLEAN NOT NULL DEFAULT FALSE,
    date        TIMESTAMPTZ,
    commit_id   TEXT,
    UNIQUE (project_id, name)
);

CREATE TABLE adoptions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    version         TEXT,
    status          TEXT NOT NULL,          -- in_use, evaluating, stopped
    since           DATE,                   -- a date
    declared_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    verification    TEXT NOT NULL,          -- unverified, agent, moderator, maintainer, confirmed
    declared_at     TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, organisation_id)
);
CREATE INDEX adoptions_organisation ON adoptions (organisation_id);

-- Every declaration and change of an adoption, kept for history and audit.
CREATE TABLE adoption_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    adoption_id     BIGINT NOT NULL REFERENCES adoptions (id) ON DELETE CASCADE,
    version         TEXT,
    status          TEXT NOT NULL,
    since           DATE,
    declared_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    verification    TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX adoption_events_adoption ON adoption_events (adoption_id);

-- Work for the indexing workers. A job is safe to run twice.
CREATE TABLE jobs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL,               -- index_project
    project_id BIGINT REFERENCES projects (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,               -- queued, running, done, failed
    attempts   BIGINT NOT NULL DEFAULT 0,
    run_after  TIMESTAMPTZ NOT NULL,
    locked_by  TEXT,
    locked_at  TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
-- At most one waiting job of a kind per project: asking twice queues once.
CREATE UNIQUE INDEX jobs_one_queued ON jobs (kind, project_id) WHERE state = 'queued';

-- Every change that the search index must follow, written in the same transaction.
CREATE TABLE change_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity     TEXT NOT NULL,               -- project
    entity_id  BIGINT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
