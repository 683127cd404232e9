//! The `civiforge` binary: parses the command line, sets up logs, runs the command, and on
//! failure prints one line that says what went wrong.

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("CIVIFORGE_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = civiforge::cli::Cli::parse();
    match civiforge::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("civiforge : erreur : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
