//! Real git repositories made in the tests with the git command line: commits with fixed
//! dates and authors, annotated and lightweight tags, symlinks, big files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A work tree with a `main` branch, in a temporary folder.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
    clock: i64,
}

impl TestRepo {
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = TestRepo {
            dir,
            clock: 1_600_000_000,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `file://` URL of the repository.
    pub fn url(&self) -> String {
        self.path().display().to_string()
    }

    /// Runs git in the work tree with a fixed identity and the current test clock.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_as(args, "Alice Martin", "alice@mairie-istres.fr")
    }

    pub fn git_as(&self, args: &[&str], name: &str, email: &str) -> String {
        let date = format!("@{} +0100", self.clock);
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Moves the clock (seconds since the epoch) used for the next commits and tags.
    pub fn at(&mut self, unix_seconds: i64) -> &mut Self {
        self.clock = unix_seconds;
        self
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) -> &Self {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, content).expect("write");
        self
    }

    pub fn symlink(&self, link: &str, target: &str) -> &Self {
        std::os::unix::fs::symlink(target, self.path().join(link)).expect("symlink");
        self
    }

    pub fn commit(&mut self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.clock += 3600;
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn commit_as(&mut self, message: &str, name: &str, email: &str) -> String {
        self.git_as(&["add", "-A"], name, email);
        self.git_as(
            &["commit", "-q", "--allow-empty", "-m", message],
            name,
            email,
        );
        self.clock += 3600;
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn tag(&mut self, name: &str) -> &mut Self {
        self.git(&["tag", name]);
        self
    }

    pub fn annotated_tag(&mut self, name: &str) -> &mut Self {
        self.git(&["tag", "-a", name, "-m", &format!("Version {name}")]);
        self.clock += 60;
        self
    }
}

/// A fresh folder for a bare mirror.
pub fn mirror_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mirror.git");
    (dir, path)
}
