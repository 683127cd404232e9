//! The `civiforge serve` process the HTTP phase drives: its binary, its start until
//! `/healthz` answers, its memory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::measure::process::proc_status_kib;

/// The `civiforge` binary beside the bench's own, built or brought up to date first
/// (`cargo bench` builds the bench's binary only; a no-op when it is fresh).
pub fn server_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("the bench binary has no target folder")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "civiforge",
            "--bin",
            "civiforge",
        ])
        .status()?;
    anyhow::ensure!(status.success(), "cargo build of civiforge failed");
    Ok(profile_dir.join("civiforge"))
}

/// A running `civiforge serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub pid: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the server on `database_url` and `data_dir`; returns once `/healthz` answers,
    /// with the time that took.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        data_dir: &Path,
        client: &reqwest::Client,
    ) -> anyhow::Result<(Server, Duration)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let started = Instant::now();
        let child = Command::new(binary)
            .args(["serve", "--no-worker"])
            .env("CIVIFORGE_DATABASE_URL", database_url)
            .env("CIVIFORGE_DATA_DIR", data_dir)
            .env("CIVIFORGE_LISTEN", format!("127.0.0.1:{port}"))
            .env("CIVIFORGE_REFRESH_INTERVAL", "86400")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let server = Server {
            pid: child.id().to_string(),
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        loop {
            if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await
                && response.status().is_success()
            {
                return Ok((server, started.elapsed()));
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(120),
                "civiforge serve did not become healthy in two minutes"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    pub fn rss_kib(&self, key: &str) -> Option<u64> {
        proc_status_kib(&self.pid, key)
    }
}
