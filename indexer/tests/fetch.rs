//! Fetching real repositories into mirrors: first fetch, unchanged refresh, new and removed
//! tags, a vanished repository, and the URL policy applied again at fetch time.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Once;
use std::time::{Duration, Instant};

use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::{FetchError, FetchLimits, fetch_mirror, init_network_timeouts};
use civiforge_indexer::tags::read_tags;
use support::{TestRepo, mirror_dir};

const LOCAL: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: false,
};
const LOCAL_AND_PRIVATE: RepositoryUrlPolicy = RepositoryUrlPolicy {
    allow_local: true,
    allow_private_networks: true,
};

fn short_limits() -> FetchLimits {
    FetchLimits {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(20),
        max_bytes: 64 * 1024 * 1024,
    }
}

fn init_timeouts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| init_network_timeouts(&short_limits()).expect("timeouts"));
}

fn tag_names(mirror: &std::path::Path) -> Vec<String> {
    let repo = git2::Repository::open_bare(mirror).expect("mirror");
    let mut names: Vec<String> = read_tags(&repo).into_iter().map(|t| t.name).collect();
    names.sort();
    names
}

#[test]
fn fetches_then_skips_unchanged_then_follows_new_and_removed_tags() {
    init_timeouts();
    let mut repo = TestRepo::new();
    repo.write("README.md", "# openElec\n");
    repo.commit("Première version");
    repo.tag("v1.0.0");
    repo.write("src/app.py", "print('bonjour')\n");
    repo.commit("Deuxième version");
    repo.annotated_tag("v1.1.0");
    let (_keep, mirror) = mirror_dir();

    let first =
        fetch_mirror(&repo.url(), &mirror, &LOCAL, &short_limits(), None).expect("first fetch");
    assert!(first.changed);
    assert_eq!(first.default_branch.as_deref(), Some("main"));
    assert_eq!(tag_names(&mirror), ["v1.0.0", "v1.1.0"]);

    let again = fetch_mirror(
        &repo.url(),
        &mirror,
        &LOCAL,
        &short_limits(),
        Some(&first.refs_digest),
    )
    .expect("refresh");
    assert!(!again.changed, "same refs: nothing downloaded");
    assert_eq!(again.refs_digest, first.refs_digest);
    assert_eq!(again.bytes_received, 0);

    repo.write("src/app.py", "print('bonjour, Istres')\n");
    repo.commit("Troisième version");
    repo.annotated_tag("v1.2.0");
    let grown = fetch_mirror(
        &repo.url(),
        &mirror,
        &LOCAL,
        &short_limits(),
        Some(&again.refs_digest),
    )
    .expect("new tag");
    assert!(grown.changed);
    assert_eq!(tag_names(&mirror), ["v1.0.0", "v1.1.0", "v1.2.0"]);

    repo.git(&["tag", "-d", "v1.0.0"]);
    let shrunk = fetch_mirror(
        &repo.url(),
        &mirror,
        &LOCAL,
        &short_limits(),
        Some(&grown.refs_digest),
    )
    .expect("lost tag");
    assert!(shrunk.changed);
    assert_eq!(
        tag_names(&mirror),
        ["v1.1.0", "v1.2.0"],
        "removed tags are pruned"
    );
}

#[test]
fn tags_carry_commit_and_tagger_dates() {
    let mut repo = TestRepo::new();
    repo.at(1_500_000_000);
    let first = repo.commit("Initial");
    repo.tag("2.03");
    repo.at(1_700_000_000);
    let second = repo.commit("Suivant");
    repo.at(1_700_086_400);
    repo.annotated_tag("openelec-4.1.0");
    let (_keep, mirror) = mirror_dir();
    fetch_mirror(&repo.url(), &mirror, &LOCAL, &short_limits(), None).expect("fetch");
    let bare = git2::Repository::open_bare(&mirror).expect("mirror");
    let mut tags = read_tags(&bare);
    tags.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(tags[0].name, "2.03");
    assert_eq!(tags[0].commit.as_deref(), Some(first.as_str()));
    assert_eq!(
        tags[0].commit_date.map(|d| d.timestamp()),
        Some(1_500_000_000)
    );
    assert_eq!(tags[0].tagger_date, None, "lightweight tags have no tagger");
    assert_eq!(tags[1].name, "openelec-4.1.0");
    assert_eq!(tags[1].commit.as_deref(), Some(second.as_str()));
    assert_eq!(
        tags[1].tagger_date.map(|d| d.timestamp()),
        Some(1_700_086_400)
    );
}

#[test]
fn a_vanished_repository_fails_with_a_reason_and_keeps_the_mirror() {
    let mut repo = TestRepo::new();
    repo.commit("Initial");
    repo.tag("1.0");
    let (_keep, mirror) = mirror_dir();
    let first = fetch_mirror(&repo.url(), &mirror, &LOCAL, &short_limits(), None).expect("fetch");
    let url = repo.url();
    drop(repo);
    let error = fetch_mirror(
        &url,
        &mirror,
        &LOCAL,
        &short_limits(),
        Some(&first.refs_digest),
    )
    .expect_err("gone");
    assert!(matches!(error, FetchError::Unreachable(_)), "{error:?}");
    assert!(error.to_string().contains("n'existe pas"), "{error}");
    assert_eq!(tag_names(&mirror), ["1.0"], "the mirror keeps what it had");
}

#[test]
fn the_policy_is_applied_again_at_fetch_time() {
    let repo = TestRepo::new();
    let (_keep, mirror) = mirror_dir();
    let strict = RepositoryUrlPolicy::default();
    for url in [
        repo.url(),
        format!("file://{}", repo.url()),
        "https://127.0.0.1/x.git".to_string(),
        "https://2130706433/x.git".to_string(),
        "https://[::ffff:127.0.0.1]/x.git".to_string(),
        "https://localhost/x.git".to_string(),
        "http://example.org/x.git".to_string(),
        "ext::sh -c id".to_string(),
        "--upload-pack=id".to_string(),
    ] {
        let error = fetch_mirror(&url, &mirror, &strict, &short_limits(), None).expect_err(&url);
        assert!(matches!(error, FetchError::Policy(_)), "{url}: {error:?}");
        assert!(!error.to_string().is_empty());
    }
    assert!(!mirror.exists(), "nothing was written for a refused URL");
}

/// A server that answers every request with a redirect to another host (`localhost` is
/// another name than `127.0.0.1`, which is enough for git to see another host).
fn redirecting_server() -> (String, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    listener.set_nonblocking(false).expect("blocking");
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        listener.set_nonblocking(true).expect("nonblocking");
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    let mut buffer = [0u8; 4096];
                    let _ = stream.read(&mut buffer);
                    let _ = stream.write_all(
                        b"HTTP/1.1 302 Found\r\nLocation: http://localhost:9/secret.git/info/refs?service=git-upload-pack\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    served += 1;
                    break;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        served
    });
    (format!("http://{address}/repo.git"), handle)
}

#[test]
fn redirects_to_another_host_are_refused() {
    init_timeouts();
    let (url, server) = redirecting_server();
    let (_keep, mirror) = mirror_dir();
    let error = fetch_mirror(&url, &mirror, &LOCAL_AND_PRIVATE, &short_limits(), None)
        .expect_err("redirect");
    assert!(matches!(error, FetchError::Unreachable(_)), "{error:?}");
    assert!(error.to_string().contains("redirige"), "{error}");
    assert!(
        server.join().expect("server") >= 1,
        "the request reached the test server"
    );
}

#[test]
fn a_silent_server_times_out() {
    init_timeouts();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/repo.git", listener.local_addr().expect("addr"));
    // Accepts the connection and never says a word.
    let holder = std::thread::spawn(move || {
        let connection = listener.accept();
        std::thread::sleep(Duration::from_secs(8));
        drop(connection);
    });
    let (_keep, mirror) = mirror_dir();
    let started = Instant::now();
    let error = fetch_mirror(&url, &mirror, &LOCAL_AND_PRIVATE, &short_limits(), None)
        .expect_err("silence");
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "gave up after {:?}",
        started.elapsed()
    );
    assert!(matches!(error, FetchError::Unreachable(_)), "{error:?}");
    holder.join().expect("holder");
}
