//! Indexing benchmark (run with `cargo bench -p civiforge-indexer --bench indexing`).
//!
//! Generates repositories of realistic shape with `git fast-import` (one with ~5,000 commits,
//! ~500 tags of mixed styles and ~2,000 files; three small ones), serves them with
//! `git daemon` on loopback (a server that packs, as a forge does over HTTPS), then reports
//! side by side: civiforge's first indexing against `git clone --mirror` of the same URL (the
//! floor), an unchanged refresh, a refresh after one new tag, and peak memory (maximum
//! resident set size of a child process, from `/usr/bin/time`). Method and numbers are in
//! docs/benchmarks.md.

mod support {
    pub mod repositories;
}

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::repositories::{GitDaemon, Shape, generate, git, measured, median};

use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::FetchLimits;
use civiforge_indexer::snapshot::{IndexOutcome, extract_snapshot, index_repository};

const POLICY: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: true,
};

const SHAPES: &[Shape] = &[
    Shape {
        name: "large",
        commits: 5_000,
        files: 2_000,
        tags: 500,
    },
    Shape {
        name: "small-1",
        commits: 60,
        files: 25,
        tags: 8,
    },
    Shape {
        name: "small-2",
        commits: 120,
        files: 40,
        tags: 12,
    },
    Shape {
        name: "small-3",
        commits: 30,
        files: 15,
        tags: 4,
    },
];

fn index_once(url: &str, mirror: &Path, previous: Option<&str>) -> (IndexOutcome, Duration) {
    let started = Instant::now();
    let outcome = index_repository(
        url,
        mirror,
        &POLICY,
        &FetchLimits::default(),
        previous,
        chrono::Utc::now(),
    )
    .expect("index");
    (outcome, started.elapsed())
}

fn digest_of(outcome: &IndexOutcome) -> String {
    match outcome {
        IndexOutcome::Unchanged { refs_digest } => refs_digest.clone(),
        IndexOutcome::Indexed(snapshot) => snapshot.refs_digest.clone(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Child mode: one first indexing, so that its peak memory is measured alone.
    if let Some(position) = args.iter().position(|a| a == "--index-child") {
        let (url, mirror) = (&args[position + 1], PathBuf::from(&args[position + 2]));
        let (outcome, _) = index_once(url, &mirror, None);
        assert!(matches!(outcome, IndexOutcome::Indexed(_)));
        return;
    }
    let work = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("current exe");
    let daemon = GitDaemon::start(work.path());
    println!(
        "| repository | commits | files | tags | git clone --mirror | civiforge first indexing | ratio | of which extraction | peak RSS git / civiforge | unchanged refresh (median of 20) | refresh after one new tag |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for shape in SHAPES {
        let source = generate(shape, work.path());
        let url = daemon.url(&format!("{}.git", shape.name));
        let clone_target = work.path().join(format!("{}-clone.git", shape.name));
        let (git_seconds, git_peak) = measured(
            Command::new("git")
                .args(["clone", "-q", "--mirror", "--no-local", &url])
                .arg(&clone_target),
        );
        let mirror = work.path().join(format!("{}-mirror.git", shape.name));
        let (civiforge_seconds, civiforge_peak) = measured(
            Command::new(&exe)
                .arg("--index-child")
                .arg(&url)
                .arg(&mirror),
        );
        // Extraction alone, on the mirror the child made: the rest of the first indexing is
        // the transfer.
        let bare = git2::Repository::open_bare(&mirror).expect("mirror");
        let started = Instant::now();
        let snapshot = extract_snapshot(&bare, &url, Some("main"), chrono::Utc::now());
        let extraction = started.elapsed();
        // Some generated names repeat: count the tags that exist.
        let tags = snapshot.versions.len();
        assert!(tags > 0);
        // Refreshes in this process, on the mirror the child made.
        let (outcome, _) = index_once(&url, &mirror, Some("unknown"));
        let digest = digest_of(&outcome);
        let unchanged = median(
            (0..20)
                .map(|_| {
                    let (outcome, elapsed) = index_once(&url, &mirror, Some(&digest));
                    assert!(matches!(outcome, IndexOutcome::Unchanged { .. }));
                    elapsed
                })
                .collect(),
        );
        git(&source, &["tag", "bench-new-9.9.9", "main"]);
        let (outcome, new_tag) = index_once(&url, &mirror, Some(&digest));
        assert!(matches!(outcome, IndexOutcome::Indexed(_)));
        println!(
            "| {} | {} | {} | {} | {:.2} s | {:.2} s | {:.2}× | {:.2} s | {} / {} MiB | {:.1} ms | {:.0} ms |",
            shape.name,
            shape.commits,
            shape.files,
            tags,
            git_seconds,
            civiforge_seconds,
            civiforge_seconds / git_seconds,
            extraction.as_secs_f64(),
            git_peak / 1024,
            civiforge_peak / 1024,
            unchanged.as_secs_f64() * 1000.0,
            new_tag.as_secs_f64() * 1000.0,
        );
    }
    drop(daemon);
}
