//! Outgoing mail: the worker takes queued messages from the outbox table and delivers them by
//! SMTP (`--smtp-url`), or, without a mail server (the embedded default), writes each as an
//! `.eml` file under `<data-dir>/outbox/` and logs it. A request only queues: a slow mail
//! server never holds one.

pub mod messages;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::model::{OutgoingMail, QueuedMail};
use crate::store::Store;

/// Delivery attempts before a message is given up (its last error stays in the outbox).
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a taken message is out of other workers' reach.
const LEASE: Duration = Duration::from_secs(300);
/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(1);

/// Where messages go.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// `.eml` files in a folder, for instances without a mail server.
    Folder { dir: PathBuf, from: Mailbox },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
            Mailer::Folder { dir, .. } => write!(f, "Mailer::Folder({})", dir.display()),
        }
    }
}

impl Mailer {
    /// The mailer a configuration names: SMTP when `smtp_url` is set, else the outbox folder
    /// of the data directory.
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("adresse d'expédition invalide « {from} »"))?;
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .with_context(|| {
                        format!(
                            "adresse du serveur de messagerie invalide (--smtp-url) : attendu \
                             smtp://HÔTE:PORT, smtp://…?tls=required ou smtps://… ({})",
                            crate::store::redact_url(url)
                        )
                    })?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                Ok(Mailer::Smtp { transport, from })
            }
            None => Ok(Mailer::Folder {
                dir: data_dir.join("outbox"),
                from,
            }),
        }
    }

    /// Delivers one message; the error says why, for the outbox's record.
    pub async fn deliver(&self, queued: &QueuedMail) -> Result<(), String> {
        let (Mailer::Smtp { from, .. } | Mailer::Folder { from, .. }) = self;
        let message = build(from, &queued.mail).map_err(|e| e.to_string())?;
        match self {
            Mailer::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Mailer::Folder { dir, .. } => {
                let path = dir.join(format!(
                    "{}-{}.eml",
                    queued.created_at.format("%Y%m%dT%H%M%S"),
                    queued.id
                ));
                let bytes = message.formatted();
                let dir = dir.clone();
                // The messages hold single-use links: the outbox is the service's alone.
                let written = tokio::task::spawn_blocking(move || {
                    crate::private_files::create_dir(&dir)?;
                    crate::private_files::create_file(&path)?;
                    std::fs::write(&path, bytes).map(|()| path)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
                tracing::info!(to = %queued.mail.recipient, file = %written.display(), "message written to the outbox");
                Ok(())
            }
        }
    }
}

/// The message in MIME: plain text and HTML alternatives, in UTF-8.
fn build(from: &Mailbox, mail: &OutgoingMail) -> anyhow::Result<Message> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .with_context(|| format!("destinataire invalide « {} »", mail.recipient))?;
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(
            mail.text_body.clone(),
            mail.html_body.clone(),
        ))?)
}

/// Delay before a message is tried again: a minute, then doubling, at most six hours.
pub fn retry_delay(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 10) - 1).unwrap_or(0);
    Duration::from_secs((60 * 2u64.pow(exponent)).min(6 * 3600))
}

/// Delivers every due message once; returns how many were delivered.
pub async fn deliver_due(store: &dyn Store, mailer: &Mailer) -> anyhow::Result<usize> {
    let now = chrono::Utc::now();
    let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let due = store.claim_mail(now, lease, MAX_ATTEMPTS, 20).await?;
    let mut delivered = 0;
    for queued in due {
        match mailer.deliver(&queued).await {
            Ok(()) => {
                store.mail_sent(queued.id, chrono::Utc::now()).await?;
                delivered += 1;
            }
            Err(error) => {
                let next = chrono::Utc::now()
                    + chrono::Duration::from_std(retry_delay(queued.attempts)).unwrap_or_default();
                tracing::warn!(message = queued.id, attempts = queued.attempts, %error, "mail delivery failed");
                store.mail_failed(queued.id, &error, next).await?;
            }
        }
    }
    Ok(delivered)
}

/// The worker's mail loop, until `stop` says so.
pub async fn run(store: Arc<dyn Store>, mailer: Mailer, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = deliver_due(store.as_ref(), &mailer).await {
            tracing::warn!(error = %format!("{error:#}"), "outbox");
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
