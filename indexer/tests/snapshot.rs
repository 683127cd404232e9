//! Snapshots of hostile and damaged repositories: a symlinked README, huge blobs, an alias
//! bomb in publiccode.yml, a missing object, tag names libgit2 cannot read. Extraction
//! reports each and keeps the rest.

mod support;

use chrono::Utc;
use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::FetchLimits;
use civiforge_indexer::snapshot::{
    IndexOutcome, RepositorySnapshot, extract_snapshot, index_repository,
};
use support::{TestRepo, mirror_dir};

const LOCAL: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};

fn indexed(repo: &TestRepo, mirror: &std::path::Path) -> RepositorySnapshot {
    match index_repository(
        &repo.url(),
        mirror,
        &LOCAL,
        &FetchLimits::default(),
        None,
        Utc::now(),
    )
    .expect("index")
    {
        IndexOutcome::Indexed(snapshot) => *snapshot,
        IndexOutcome::Unchanged { .. } => panic!("first indexing cannot be unchanged"),
    }
}

#[test]
fn a_symlinked_readme_is_not_followed() {
    let mut repo = TestRepo::new();
    repo.symlink("README.md", "/etc/passwd");
    repo.write("LICENSE", "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the \"Software\"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software. The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND.");
    repo.commit("Lien piégé");
    let (_keep, mirror) = mirror_dir();
    let snapshot = indexed(&repo, &mirror);
    assert!(snapshot.readme.is_none(), "{:?}", snapshot.readme);
    assert!(
        snapshot
            .problems
            .iter()
            .any(|p| p.contains("lien symbolique")),
        "{:?}",
        snapshot.problems
    );
    assert_eq!(snapshot.licence.as_deref(), Some("MIT"));
}

#[test]
fn huge_blobs_are_skipped_not_read() {
    let mut repo = TestRepo::new();
    let huge = "Une ligne de README beaucoup trop longue pour être lue en entier.\n".repeat(40_000);
    repo.write("README.md", &huge);
    repo.write("data/export.bin", vec![0u8; 20 * 1024 * 1024]);
    repo.write("app/main.py", "print('bonjour')\n");
    repo.commit("Gros fichiers");
    repo.tag("1.0.0");
    let (_keep, mirror) = mirror_dir();
    let snapshot = indexed(&repo, &mirror);
    assert!(snapshot.readme.is_none());
    assert!(
        snapshot
            .problems
            .iter()
            .any(|p| p.contains("README.md est trop gros")),
        "{:?}",
        snapshot.problems
    );
    assert_eq!(snapshot.versions.len(), 1);
    assert_eq!(
        snapshot.languages.first().map(|(l, _)| l.as_str()),
        Some("Python")
    );
}

#[test]
fn an_alias_bomb_in_publiccode_is_refused_quickly() {
    let mut repo = TestRepo::new();
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
    }
    repo.write("publiccode.yml", &bomb);
    repo.write("README.md", "# Projet\n");
    repo.commit("Bombe");
    let (_keep, mirror) = mirror_dir();
    let started = std::time::Instant::now();
    let snapshot = indexed(&repo, &mirror);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let report = snapshot.publiccode.expect("a report");
    assert!(!report.is_valid());
    assert!(
        snapshot.readme.is_some(),
        "the rest of the snapshot is kept"
    );
}

#[test]
fn a_missing_object_does_not_abort_the_snapshot() {
    let mut repo = TestRepo::new();
    repo.write("README.md", "# openCourrier\n\nCourrier de la mairie.\n");
    repo.write(
        "publiccode.yml",
        "publiccodeYmlVersion: \"0.4\"\nname: openCourrier\n",
    );
    repo.commit("Initial");
    repo.tag("v1.0");
    // A fresh commit's objects are loose files: delete the README's blob, as a damaged disk
    // or an interrupted copy would.
    let git = git2::Repository::open(repo.path()).expect("repository");
    let tree = git.head().expect("head").peel_to_tree().expect("tree");
    let blob = tree
        .get_name("README.md")
        .expect("readme entry")
        .id()
        .to_string();
    std::fs::remove_file(
        repo.path()
            .join(".git/objects")
            .join(&blob[..2])
            .join(&blob[2..]),
    )
    .expect("remove blob");
    let snapshot = extract_snapshot(&git, &repo.url(), Some("main"), Utc::now());
    assert!(snapshot.readme.is_none());
    assert!(
        snapshot
            .problems
            .iter()
            .any(|p| p.contains("README.md est absent")),
        "{:?}",
        snapshot.problems
    );
    assert_eq!(snapshot.versions.len(), 1, "the rest is kept");
    assert!(snapshot.publiccode.is_some());
}

/// A tag whose name is not UTF-8 (git takes any bytes; libgit2's Rust binding cannot read
/// it as text) is skipped and reported, and the repository is indexed with its other tags,
/// over `git://` and from a local path alike.
#[test]
fn a_tag_libgit2_cannot_read_is_skipped_and_reported() {
    use std::os::unix::ffi::OsStrExt;
    let mut repo = TestRepo::new();
    repo.write("README.md", "# openMarchés\n");
    repo.commit("Initial");
    repo.annotated_tag("v1.0.0");
    repo.commit("Suite");
    repo.tag("v1.1.0");
    // `café-2.0` in Latin-1, made with the git command line.
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9-2.0");
    let made = std::process::Command::new("git")
        .arg("tag")
        .arg(latin1)
        .current_dir(repo.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git tag");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let root = repo.path().parent().expect("parent").to_path_buf();
    let name = repo
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let server = support::GitServer::start(&root, None);
    for url in [server.url(&name), repo.url()] {
        let (_keep, mirror) = mirror_dir();
        let policy = RepositoryUrlPolicy {
            allow_local: true,
            allow_private_networks: true,
        };
        let outcome = index_repository(
            &url,
            &mirror,
            &policy,
            &FetchLimits::default(),
            None,
            Utc::now(),
        )
        .unwrap_or_else(|error| panic!("{url}: {error}"));
        let IndexOutcome::Indexed(snapshot) = outcome else {
            panic!("{url}: first indexing cannot be unchanged");
        };
        let mut tags: Vec<&str> = snapshot.versions.iter().map(|v| v.name.as_str()).collect();
        tags.sort_unstable();
        assert_eq!(tags, ["v1.0.0", "v1.1.0"], "{url}");
        assert!(
            snapshot
                .problems
                .iter()
                .any(|p| p.contains("caf\u{FFFD}-2.0") && p.contains("ignoré")),
            "{url}: {:?}",
            snapshot.problems
        );
        assert!(snapshot.readme.is_some(), "{url}: the rest is kept");
    }
}

/// A tag file whose name git itself refuses (`a..b`, written by hand): a git server leaves
/// it out and the repository is indexed; libgit2's local transport lists every reference
/// first and cannot skip it, so a local path is refused with a message naming it.
#[test]
fn a_tag_name_git_refuses_is_left_out_by_a_git_server() {
    let mut repo = TestRepo::new();
    repo.write("README.md", "# openElec\n");
    let head = repo.commit("Initial");
    repo.tag("v2.0.0");
    std::fs::write(repo.path().join(".git/refs/tags/a..b"), format!("{head}\n")).expect("ref");
    let root = repo.path().parent().expect("parent").to_path_buf();
    let name = repo
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let server = support::GitServer::start(&root, None);
    let policy = RepositoryUrlPolicy {
        allow_local: true,
        allow_private_networks: true,
    };
    let index = |url: &str| {
        let (_keep, mirror) = mirror_dir();
        index_repository(
            url,
            &mirror,
            &policy,
            &FetchLimits::default(),
            None,
            Utc::now(),
        )
    };
    let Ok(IndexOutcome::Indexed(snapshot)) = index(&server.url(&name)) else {
        panic!("indexed over git://");
    };
    assert_eq!(snapshot.versions.len(), 1);
    let error = index(&repo.url()).expect_err("local transport");
    assert!(
        error.to_string().contains("refs/tags/a..b") && error.to_string().contains("nom invalide"),
        "{error}"
    );
}
