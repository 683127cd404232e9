-- Browser sessions, kept server-side. Keep in step with ../sqlite/0003_sessions.sql.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,          -- SHA-256 of the cookie's value
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
