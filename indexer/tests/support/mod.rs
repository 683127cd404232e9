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

/// A `git://` server on loopback, as `git daemon` would be: each connection names a
/// repository under `root`, which `git upload-pack` serves. Its replies can be slowed to a
/// trickle (`bytes` every `pause`), to play a slow or stalling forge.
pub struct GitServer {
    pub port: u16,
    /// Connections accepted so far.
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

/// How a [`GitServer`] paces its replies.
#[derive(Debug, Clone, Copy)]
pub struct Trickle {
    pub bytes: usize,
    pub pause: std::time::Duration,
}

impl GitServer {
    pub fn start(root: &Path, trickle: Option<Trickle>) -> GitServer {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let accepting = std::thread::spawn({
            let (connections, stop) = (connections.clone(), stop.clone());
            move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            let root = root.clone();
                            std::thread::spawn(move || serve_upload_pack(stream, &root, trickle));
                        }
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                    }
                }
            }
        });
        GitServer {
            port,
            connections,
            stop,
            accepting: Some(accepting),
        }
    }

    /// The `git://` URL of the repository `name` under the server's root.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

/// One `git://` connection: the request line (a pkt-line naming the service and the path),
/// then `git upload-pack` speaking to the client through the socket.
fn serve_upload_pack(stream: std::net::TcpStream, root: &Path, trickle: Option<Trickle>) {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let mut input = stream.try_clone().expect("clone stream");
    input.set_nonblocking(false).expect("blocking");
    let mut length = [0u8; 4];
    if input.read_exact(&mut length).is_err() {
        return;
    }
    let length = usize::from_str_radix(std::str::from_utf8(&length).unwrap_or("0"), 16)
        .unwrap_or(0)
        .saturating_sub(4);
    let mut request = vec![0u8; length];
    if input.read_exact(&mut request).is_err() {
        return;
    }
    let request = String::from_utf8_lossy(&request);
    let Some(path) = request
        .strip_prefix("git-upload-pack ")
        .and_then(|rest| rest.split('\0').next())
    else {
        return;
    };
    let mut child = Command::new("git")
        .arg("upload-pack")
        .arg(root.join(path.trim_start_matches('/')))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("git upload-pack");
    let mut to_git = child.stdin.take().expect("stdin");
    let mut from_git = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        // A plain loop rather than `std::io::copy`, whose splice(2) path on Linux held the
        // client's requests back.
        let mut buffer = [0u8; 4096];
        while let Ok(read @ 1..) = input.read(&mut buffer) {
            if to_git.write_all(&buffer[..read]).is_err() {
                break;
            }
        }
    });
    let mut output = stream;
    let _ = output.set_nonblocking(false);
    let chunk = trickle.map_or(64 * 1024, |t| t.bytes);
    let mut buffer = vec![0u8; chunk];
    loop {
        let read = match from_git.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if output.write_all(&buffer[..read]).is_err() {
            break;
        }
        if let Some(trickle) = trickle {
            std::thread::sleep(trickle.pause);
        }
    }
    let _ = output.shutdown(std::net::Shutdown::Both);
    let _ = child.kill();
    let _ = child.wait();
}

/// Bytes that do not compress, so that a file's size is what crosses the network.
pub fn incompressible(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            // xorshift64*: enough to defeat zlib, no dependency.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}
