//! The `civiforge` binary: parses the command line, sets up logs, runs the command, and on
//! failure prints one line that says what went wrong.

use clap::Parser;

fn main() -> std::process::ExitCode {
    if let Err(error) = civiforge::logging::init() {
        eprintln!("civiforge : erreur : {error}");
        return std::process::ExitCode::FAILURE;
    }
    let cli = civiforge::cli::Cli::parse();
    // libgit2's network timeouts are process-wide: set them before any thread uses libgit2.
    if let Err(error) = civiforge_indexer::fetch::init_network_timeouts(
        &civiforge_indexer::fetch::FetchLimits::default(),
    ) {
        eprintln!("civiforge : erreur : réglage des délais réseau de git impossible : {error}");
        return std::process::ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("civiforge : erreur : démarrage impossible : {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(civiforge::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("civiforge : erreur : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
