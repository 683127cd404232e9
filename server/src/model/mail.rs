//! E-mail: the single-use links sent to addresses, and messages waiting in the outbox.

use chrono::{DateTime, Utc};

/// A message to send: French plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

/// A message taken from the outbox for one delivery attempt.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: i64,
    /// Including this one.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub mail: OutgoingMail,
}

/// What a followed link did.
#[derive(Debug, Clone)]
pub struct UsedEmailToken {
    pub user_id: i64,
    /// The address the link was sent to (now the account's, for a confirmation).
    pub email: String,
}
