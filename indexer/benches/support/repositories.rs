//! Benchmark support shared by the indexing benchmark and the forge benchmark: repositories
//! of realistic shape generated with one `git fast-import` stream (deterministic), `git
//! daemon` on loopback, and timing helpers (peak memory from `/usr/bin/time`).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Shape of a generated repository.
pub struct Shape {
    pub name: &'static str,
    pub commits: usize,
    pub files: usize,
    pub tags: usize,
}

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

pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// Builds a bare repository of the given shape with one `git fast-import` stream.
pub fn generate(shape: &Shape, dir: &Path) -> PathBuf {
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
pub fn measured(command: &mut Command) -> (f64, u64) {
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

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// `git daemon` serving every repository under `root` on a loopback port, stopped on drop.
pub struct GitDaemon {
    child: std::process::Child,
    pub port: u16,
}

impl GitDaemon {
    pub fn start(root: &Path) -> GitDaemon {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let child = Command::new("git")
            .args([
                "daemon",
                "--export-all",
                "--reuseaddr",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
            ])
            .arg(format!("--base-path={}", root.display()))
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon");
        std::thread::sleep(Duration::from_millis(500));
        GitDaemon { child, port }
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
