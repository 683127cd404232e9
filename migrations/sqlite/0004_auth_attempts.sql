-- Sign-in and sign-up attempts, for rate limits shared by every instance. Keep in step with
-- ../postgres/0004_auth_attempts.sql.
CREATE TABLE auth_attempts (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,                      -- ip:1.2.3.4, account:someone@example.org, signup-ip:…
    at  TEXT NOT NULL
);
CREATE INDEX auth_attempts_key ON auth_attempts (key, at);
