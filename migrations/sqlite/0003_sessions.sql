-- Browser sessions, kept server-side. Keep in step with ../postgres/0003_sessions.sql.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,          -- SHA-256 of the cookie's value
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
