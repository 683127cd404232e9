-- Sign-in and sign-up attempts, for rate limits shared by every instance. Keep in step with
-- ../sqlite/0004_auth_attempts.sql.
CREATE TABLE auth_attempts (
    id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,                      -- ip:1.2.3.4, account:someone@example.org, signup-ip:…
    at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_attempts_key ON auth_attempts (key, at);
