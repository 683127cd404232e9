//! Keeping repositories in shape: after each indexing that changed a repository, the worker
//! repacks it once with a reachability bitmap if it has none (a pack as a fetch received it
//! makes every clone count its objects one by one: 1.4× slower to serve, measured in
//! docs/benchmarks.md), and otherwise runs `git gc --auto` — git's own policy, which packs
//! loose objects and merges packs only past its thresholds, so that most runs cost a look at
//! a few files. Nothing reachable is dropped: what an upstream removed is kept under
//! `refs/civiforge/`. And the figures `/metrics` gives: how many repositories, how many bytes.

use std::path::Path;
use std::process::{Command, Stdio};

/// Repacks `repository` with a bitmap when it has none, else runs `git gc --auto`, with the
/// bare environment of every git process civiforge runs; answers git's error output when it
/// fails.
pub fn keep_in_shape(git: &Path, repository: &Path) -> Result<(), String> {
    if has_bitmap(repository) {
        // In the worker's own time, not in a process left behind.
        run_git(
            git,
            repository,
            &["-c", "gc.autoDetach=false", "gc", "--auto", "--quiet"],
        )
    } else {
        run_git(
            git,
            repository,
            &["repack", "-a", "-d", "-q", "--write-bitmap-index"],
        )
    }
}

fn has_bitmap(repository: &Path) -> bool {
    std::fs::read_dir(repository.join("objects/pack")).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "bitmap"))
    })
}

fn run_git(git: &Path, repository: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new(git)
        .env_clear()
        .envs(super::base_environment())
        .arg("--git-dir")
        .arg(repository)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr)
            .trim()
            .chars()
            .take(300)
            .collect())
    }
}

/// How many repositories `root` holds, and their size on disk in bytes.
pub fn usage(root: &Path) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return (0, 0);
    };
    let mut count = 0;
    let mut bytes = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "git") && path.join("HEAD").is_file() {
            count += 1;
            bytes += folder_size(&path);
        }
    }
    (count, bytes)
}

fn folder_size(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => folder_size(&entry.path()),
            Ok(kind) if kind.is_file() => entry.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}
