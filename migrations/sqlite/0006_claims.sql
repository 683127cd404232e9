-- Authority to speak for an organisation: a claim, verified by a moderator or by the
-- e-mail domain the organisation's record lists. Keep in step with ../postgres/0006_claims.sql.
CREATE TABLE claims (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    status          TEXT NOT NULL,          -- pending, verified, rejected
    method          TEXT,                   -- email_domain, moderator
    created_at      TEXT NOT NULL,
    decided_at      TEXT,
    decided_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at      TEXT,
    UNIQUE (user_id, organisation_id)
);
CREATE INDEX claims_status ON claims (status);
