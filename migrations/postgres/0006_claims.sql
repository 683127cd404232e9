-- Authority to speak for an organisation: a claim, verified by a moderator or by the
-- e-mail domain the organisation's record lists. Keep in step with ../sqlite/0006_claims.sql.
CREATE TABLE claims (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status          TEXT NOT NULL,          -- pending, verified, rejected
    method          TEXT,                   -- email_domain, moderator
    created_at      TIMESTAMPTZ NOT NULL,
    decided_at      TIMESTAMPTZ,
    decided_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    expires_at      TIMESTAMPTZ,
    UNIQUE (user_id, organisation_id)
);
CREATE INDEX claims_status ON claims (status);
