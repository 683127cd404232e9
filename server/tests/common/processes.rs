//! Helpers of the tests that run real `civiforge` processes: a free loopback port, and a git
//! repository made with the `git` command line, as a forge would hold it.

use std::path::Path;
use std::process::Command;

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Makes a git repository at `path` with a README, one commit and an annotated tag.
pub fn make_repository(path: &Path, readme: &str, tag: &str) {
    std::fs::create_dir_all(path).expect("repo dir");
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(path)
            .env("GIT_AUTHOR_NAME", "Alice")
            .env("GIT_AUTHOR_EMAIL", "alice@mairie.fr")
            .env("GIT_COMMITTER_NAME", "Alice")
            .env("GIT_COMMITTER_EMAIL", "alice@mairie.fr")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(path.join("README.md"), readme).expect("readme");
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "Initial"]);
    git(&["tag", "-a", tag, "-m", tag]);
}
