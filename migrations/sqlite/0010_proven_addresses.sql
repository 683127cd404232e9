-- Proven e-mail addresses and outgoing mail. An address vouches for nothing (no claim verified
-- by its domain) until its owner follows the link sent to it.
ALTER TABLE users ADD COLUMN email_confirmed_at TEXT;
-- Administrators and moderators were made on the server, by someone who knows them.
UPDATE users SET email_confirmed_at = created_at WHERE is_admin OR is_moderator;

-- Single-use links sent by e-mail: confirming an address (at sign-up, or a new one), or
-- resetting a password. Only the SHA-256 of the token is kept.
CREATE TABLE email_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,             -- confirm_email | reset_password
    token_hash   TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,             -- the address the link was sent to
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);

-- Messages waiting to be sent by the worker (SMTP, or an .eml file in the outbox folder).
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient    TEXT NOT NULL,
    subject      TEXT NOT NULL,
    text_body    TEXT NOT NULL,
    html_body    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at      TEXT,
    last_error   TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
