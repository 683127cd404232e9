-- Every write: who, what, when, from where. Keep in step with ../postgres/0005_audit_log.sql.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor    TEXT NOT NULL,                 -- e-mail of the user, or "webhook:github"…
    ip       TEXT,
    action   TEXT NOT NULL,                 -- project.register, adoption.declare…
    target   TEXT NOT NULL,                 -- project slug, organisation id…
    details  TEXT                           -- JSON
);
CREATE INDEX audit_log_at ON audit_log (at);
