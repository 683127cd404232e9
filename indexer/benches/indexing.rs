//! Indexing benchmark (run with `cargo bench -p civiforge-indexer --bench indexing`).
//!
//! Generates repositories of realistic shape with `git fast-import` (one with ~5,000 commits,
//! ~500 tags of mixed styles and ~2,000 files; three small ones), serves them with
//! `git daemon` on loopback (a server that packs, as a forge does over HTTPS), then reports
//! side by side: civiforge's first indexing against `git clone --mirror` of the same URL (the
//! floor), an unchanged refresh, a refresh after one new tag, and peak memory (maximum
//! resident set size of a child process, from `/usr/bin/time`). Method and numbers are in
//! docs/benchmarks.md.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::FetchLimits;
use civiforge_indexer::snapshot::{IndexOutcome, extract_snapshot, index_repository};

const POLICY: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: true,
};

/// Shape of a generated repository.
struct Shape {
    name: &'static str,
    commits: usize,
    files: usize,
    tags: usize,
}

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

const EXTENSIONS: &[&str] = &[
    "php", "py", "js", "sql", "html", "css", "md", "xml", "json", "txt",
];

fn tag_name(i: usize) -> String {
    let (major, minor, patch) = (i / 100 + 1, (i / 10) % 10, i % 10);
    match i % 9 {
        0 => format!("v{major}.{minor}.{patch}"),
        1 => format!("{major}.{minor:02}"),
        2 => format!("release-{major}.{minor}.{patch}"),
        3 => format!("openelec-{major}.{minor}.{patch}"),
        4 => format!("{major}.{minor}.{patch}.{}", i % 7),
        5 => format!("{major}.{minor}.{}rc{}", patch + 1, i % 13),
        6 => format!("{i}-speedup"),
        7 => format!("celery-probe-{i}"),
        _ => format!("{major}.{minor}.{patch}"),
    }
}

/// A deterministic pseudo-random sequence, so that every run builds the same repositories.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// Builds a bare repository of the given shape with one `git fast-import` stream.
fn generate(shape: &Shape, dir: &Path) -> PathBuf {
    let path = dir.join(format!("{}.git", shape.name));
    std::fs::create_dir_all(&path).expect("dir");
    git(&path, &["init", "-q", "--bare", "-b", "main"]);
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(&path)
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    let mut stream = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
    let mut random = Lcg(shape.commits as u64);
    let mut time = 1_400_000_000u64;
    let tag_every = (shape.commits / shape.tags).max(1);
    let mut tags = 0;
    for commit in 1..=shape.commits {
        time += 3_600 + (random.next() % 86_400) as u64;
        let author = random.next() % 30;
        writeln!(stream, "commit refs/heads/main\nmark :{commit}").expect("write");
        writeln!(
            stream,
            "author Agent {author} <agent{author}@mairie.fr> {time} +0100"
        )
        .expect("write");
        writeln!(
            stream,
            "committer Agent {author} <agent{author}@mairie.fr> {time} +0100"
        )
        .expect("write");
        let message = format!("Modification n°{commit}");
        writeln!(stream, "data {}\n{message}", message.len()).expect("write");
        if commit > 1 {
            writeln!(stream, "from :{}", commit - 1).expect("write");
        }
        // The first commit creates every file; later ones change a few.
        let changed: Vec<usize> = if commit == 1 {
            (0..shape.files).collect()
        } else {
            (0..1 + random.next() % 5)
                .map(|_| random.next() % shape.files)
                .collect()
        };
        for file in changed {
            let extension = EXTENSIONS[file % EXTENSIONS.len()];
            let content = format!(
                "// fichier {file}, version {commit}\n{}",
                "ligne de code de la commune\n".repeat(20 + random.next() % 200)
            );
            writeln!(
                stream,
                "M 100644 inline src/module{}/file{file}.{extension}",
                file % 40
            )
            .expect("write");
            writeln!(stream, "data {}\n{content}", content.len()).expect("write");
        }
        if commit == 1 {
            let readme = "# Logiciel de la commune\n\nGestion des **listes électorales**.\n\n## Installation\n\nVoir [INSTALL](docs/INSTALL.md).\n";
            writeln!(
                stream,
                "M 100644 inline README.md\ndata {}\n{readme}",
                readme.len()
            )
            .expect("write");
        }
        if commit % tag_every == 0 && tags < shape.tags {
            let name = tag_name(tags);
            if tags % 2 == 0 {
                writeln!(stream, "tag {name}\nfrom :{commit}\ntagger Agent 0 <agent0@mairie.fr> {time} +0100\ndata 7\nversion").expect("write");
            } else {
                writeln!(stream, "reset refs/tags/{name}\nfrom :{commit}").expect("write");
            }
            tags += 1;
        }
    }
    drop(stream);
    assert!(child.wait().expect("fast-import").success());
    path
}

/// Elapsed seconds and peak resident memory (KiB) of a command, from `/usr/bin/time`.
fn measured(command: &mut Command) -> (f64, u64) {
    let started = Instant::now();
    let output = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(command.get_program())
        .args(command.get_args())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("/usr/bin/time (package `time`)");
    let elapsed = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stderr);
    let peak = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    (elapsed, peak)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut daemon = Command::new("git")
        .args([
            "daemon",
            "--export-all",
            "--reuseaddr",
            "--listen=127.0.0.1",
            &format!("--port={port}"),
        ])
        .arg(format!("--base-path={}", work.path().display()))
        .arg(work.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon");
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "| repository | commits | files | tags | git clone --mirror | civiforge first indexing | ratio | of which extraction | peak RSS git / civiforge | unchanged refresh (median of 20) | refresh after one new tag |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for shape in SHAPES {
        let source = generate(shape, work.path());
        let url = format!("git://127.0.0.1:{port}/{}.git", shape.name);
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
    let _ = daemon.kill();
    let _ = daemon.wait();
}
