-- Pooling: structures (OPSN, associations, intercommunales…) created by their agents, whose
-- members are kept in organisation_memberships (relation 'structure'); adoptions a structure
-- declared for a member; working groups with their members, projects, providers and actions.
-- Keep in step with ../sqlite/0012_mutualisation.sql.
ALTER TABLE organisations ADD COLUMN created_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE adoptions ADD COLUMN declared_by_organisation TEXT
    REFERENCES organisations (id) ON DELETE SET NULL;
ALTER TABLE adoption_events ADD COLUMN declared_by_organisation TEXT;

CREATE TABLE working_groups (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    theme       TEXT NOT NULL,
    status      TEXT NOT NULL,              -- proposed, active, closed
    lead_id     TEXT NOT NULL REFERENCES organisations (id),
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE working_group_members (
    group_id        BIGINT NOT NULL REFERENCES working_groups (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,          -- lead, member, observer, provider
    position        BIGINT NOT NULL,
    PRIMARY KEY (group_id, organisation_id)
);
CREATE INDEX working_group_members_organisation ON working_group_members (organisation_id);

CREATE TABLE working_group_projects (
    group_id   BIGINT NOT NULL REFERENCES working_groups (id) ON DELETE CASCADE,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    PRIMARY KEY (group_id, project_id)
);
CREATE INDEX working_group_projects_project ON working_group_projects (project_id);

CREATE TABLE working_group_actions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id       BIGINT NOT NULL REFERENCES working_groups (id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    text           TEXT NOT NULL,
    target_version TEXT,
    due            DATE,
    state          TEXT NOT NULL,           -- planned, done, dropped
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX working_group_actions_group ON working_group_actions (group_id, position);

-- Service providers of a project: companies and public operators offering support, hosting,
-- training or development, with the départements (or Belgian provinces) they cover; none
-- listed means everywhere.
CREATE TABLE project_providers (
    project_id      BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    services        TEXT NOT NULL,          -- comma-separated: support,hosting,training,development
    declared_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, organisation_id)
);
CREATE INDEX project_providers_organisation ON project_providers (organisation_id);

CREATE TABLE project_provider_areas (
    project_id      BIGINT NOT NULL,
    organisation_id TEXT NOT NULL,
    area            TEXT NOT NULL,          -- département code (13, 2A, 974) or Belgian province code (be-50000)
    PRIMARY KEY (project_id, organisation_id, area),
    FOREIGN KEY (project_id, organisation_id)
        REFERENCES project_providers (project_id, organisation_id) ON DELETE CASCADE
);
CREATE INDEX project_provider_areas_area ON project_provider_areas (area);
