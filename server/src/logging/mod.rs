//! Logs: the `tracing` subscriber of the binary, and how sqlx reports slow statements.
//!
//! Logs go to standard error, coloured only when it is a terminal (journald and log files get
//! plain text). sqlx logs no statement of its own; a statement slower than
//! [`SLOW_STATEMENT`] is a warning that names it by its first words (sqlx's `summary`, such as
//! `INSERT INTO projects (slug, …`) with its duration and row counts, never by its whole
//! text, which can run to hundreds of parameters. `CIVIFORGE_LOG_FORMAT=json` writes one JSON
//! object per line instead (`json.rs`). Inside a request every line carries its request id.

mod json;

use std::io::IsTerminal;
use std::time::Duration;

use sqlx::ConnectOptions;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::util::SubscriberInitExt;

/// The filter when `CIVIFORGE_LOG` is unset or invalid.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=warn";

/// A statement that takes longer than this is logged as a warning.
pub const SLOW_STATEMENT: Duration = Duration::from_secs(1);

/// The field in which sqlx puts a statement's whole text.
const STATEMENT_FIELD: &str = "db.statement";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// From `CIVIFORGE_LOG_FORMAT` (unset or empty: text); the error names the accepted values.
    pub fn from_env_value(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim).unwrap_or_default() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "la variable d'environnement CIVIFORGE_LOG_FORMAT vaut « {other} » : valeurs \
                 acceptées text ou json"
            )),
        }
    }
}

/// Installs the process's subscriber: filter from `CIVIFORGE_LOG`, format from
/// `CIVIFORGE_LOG_FORMAT`, standard error, colours on a terminal only.
pub fn init() -> Result<(), String> {
    let format = LogFormat::from_env_value(std::env::var("CIVIFORGE_LOG_FORMAT").ok().as_deref())?;
    let filter =
        EnvFilter::try_from_env("CIVIFORGE_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    match format {
        LogFormat::Text => {
            subscriber(filter, std::io::stderr, std::io::stderr().is_terminal()).init();
        }
        LogFormat::Json => subscriber_json(filter, std::io::stderr).init(),
    }
    Ok(())
}

/// The JSON subscriber [`init`] installs for `CIVIFORGE_LOG_FORMAT=json`, writing to `writer`.
pub fn subscriber_json<W>(filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
        .event_format(json::JsonLines)
        .finish()
}

/// The subscriber [`init`] installs, writing to `writer`, with ANSI colours or without.
pub fn subscriber<W>(filter: EnvFilter, writer: W, ansi: bool) -> impl Subscriber + Send + Sync
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        .fmt_fields(WithoutStatementText)
        .finish()
}

/// sqlx's logging settings for every connection: no statement logged of its own, a warning for
/// a slow one (the subscriber prints its summary, not its text: see [`WithoutStatementText`]).
pub fn statement_logging<O: ConnectOptions>(options: O) -> O {
    statement_logging_above(options, SLOW_STATEMENT)
}

/// [`statement_logging`] with another threshold, so that tests can make every statement slow.
pub fn statement_logging_above<O: ConnectOptions>(options: O, threshold: Duration) -> O {
    options
        .log_statements(log::LevelFilter::Off)
        .log_slow_statements(log::LevelFilter::Warn, threshold)
}

/// The default field formatting, less sqlx's `db.statement`: the event keeps its `summary`,
/// duration and row counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct WithoutStatementText;

impl<'a> MakeVisitor<Writer<'a>> for WithoutStatementText {
    type Visitor = SkipStatement<<DefaultFields as MakeVisitor<Writer<'a>>>::Visitor>;

    fn make_visitor(&self, target: Writer<'a>) -> Self::Visitor {
        SkipStatement(DefaultFields::new().make_visitor(target))
    }
}

/// A visitor that passes every field but `db.statement` to the one it wraps.
#[derive(Debug)]
pub struct SkipStatement<V>(V);

impl<V: Visit> Visit for SkipStatement<V> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() != STATEMENT_FIELD {
            self.0.record_str(field, value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if field.name() != STATEMENT_FIELD {
            self.0.record_error(field, value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() != STATEMENT_FIELD {
            self.0.record_debug(field, value);
        }
    }
}

impl<V: VisitOutput<std::fmt::Result>> VisitOutput<std::fmt::Result> for SkipStatement<V> {
    fn finish(self) -> std::fmt::Result {
        self.0.finish()
    }
}

impl<V: VisitFmt> VisitFmt for SkipStatement<V> {
    fn writer(&mut self) -> &mut dyn std::fmt::Write {
        self.0.writer()
    }
}
