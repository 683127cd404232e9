//! Fetching real repositories into mirrors: first fetch, unchanged refresh, new and removed
//! tags, a vanished repository, the URL policy applied again at fetch time (a name that
//! resolves to loopback included), and the byte cap and deadline that stop a hostile or
//! broken server.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Once;
use std::time::{Duration, Instant};

use civiforge_indexer::RepositoryUrlPolicy;
use civiforge_indexer::fetch::{FetchError, FetchLimits, fetch_mirror, init_network_timeouts};
use civiforge_indexer::tags::read_tags;
use support::{GitServer, TestRepo, Trickle, incompressible, mirror_dir};

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
        "removed tags leave the upstream's names"
    );
    let kept = git2::Repository::open_bare(&mirror).expect("mirror");
    assert!(
        kept.refname_to_id("refs/civiforge/withdrawn-tags/v1.0.0")
            .is_ok(),
        "but the mirror keeps what they named"
    );
}

/// An upstream that deletes a tag, moves another and force-pushes its branch loses nothing
/// from the mirror: each old target stays under civiforge's refs; a fast-forward keeps none.
#[test]
fn rewritten_history_is_kept_under_civiforges_refs() {
    init_timeouts();
    let mut repo = TestRepo::new();
    repo.write("README.md", "# openCourrier\n");
    let first = repo.commit("Première version").trim().to_string();
    repo.annotated_tag("2.0.0");
    repo.write("src/courrier.php", "<?php\n");
    let published = repo.commit("Courrier entrant").trim().to_string();
    repo.tag("2.1.0");
    let (_keep, mirror) = mirror_dir();
    let fetched = fetch_mirror(&repo.url(), &mirror, &LOCAL, &short_limits(), None).expect("fetch");
    assert!(fetched.kept.is_empty());
    let annotated = git2::Repository::open_bare(&mirror)
        .expect("mirror")
        .refname_to_id("refs/tags/2.0.0")
        .expect("annotated tag");

    // A fast-forward: nothing to keep.
    repo.write("src/courrier.php", "<?php echo 'registre';\n");
    let ahead = repo.commit("Registre").trim().to_string();
    let grown = fetch_mirror(&repo.url(), &mirror, &LOCAL, &short_limits(), None).expect("fetch");
    assert!(grown.kept.is_empty(), "{:?}", grown.kept);

    // The upstream rewrites: a tag deleted, a tag moved, the branch reset and committed on.
    repo.git(&["tag", "-d", "2.0.0"]);
    repo.git(&["reset", "-q", "--hard", &first]);
    repo.write("src/autre.php", "<?php\n");
    repo.commit("Histoire réécrite");
    repo.git(&["tag", "-f", "2.1.0"]);
    let rewritten =
        fetch_mirror(&repo.url(), &mirror, &LOCAL, &short_limits(), None).expect("fetch");
    let mut kept: Vec<&str> = rewritten.kept.iter().map(|k| k.kept_as.as_str()).collect();
    kept.sort();
    let expected = [
        format!("refs/civiforge/previous-heads/{ahead}/main"),
        format!("refs/civiforge/replaced-tags/{published}/2.1.0"),
        "refs/civiforge/withdrawn-tags/2.0.0".to_string(),
    ];
    assert_eq!(
        kept,
        expected.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let mirror = git2::Repository::open_bare(&mirror).expect("mirror");
    assert_eq!(
        mirror
            .refname_to_id("refs/civiforge/withdrawn-tags/2.0.0")
            .expect("kept tag"),
        annotated,
        "the tag object itself is kept, with its message and date"
    );
    for commit in [&first, &published, &ahead] {
        let oid = git2::Oid::from_str(commit).expect("oid");
        assert!(
            mirror.find_commit(oid).is_ok(),
            "{commit} still in the mirror"
        );
    }
    assert_eq!(tag_names_of(&mirror), ["2.1.0"]);
    let heads = civiforge_indexer::preserve::previous_heads(&mirror);
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert_eq!(
        (heads[0].branch.as_str(), heads[0].commit.as_str()),
        ("main", ahead.as_str())
    );
    assert!(heads[0].committed_at > 0);
}

fn tag_names_of(repo: &git2::Repository) -> Vec<String> {
    let mut names: Vec<String> = read_tags(repo).into_iter().map(|t| t.name).collect();
    names.sort();
    names
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

/// A repository with one big file that does not compress, served by a loopback `git://`
/// server: (repository, server, its URL).
fn big_repository_served(size: usize, trickle: Option<Trickle>) -> (TestRepo, GitServer, String) {
    let mut repo = TestRepo::new();
    repo.write("README.md", "# Gros dépôt\n");
    repo.write("data/blob.bin", incompressible(size));
    repo.commit("Données");
    repo.tag("1.0");
    let root = repo.path().parent().expect("parent").to_path_buf();
    let name = repo
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let server = GitServer::start(&root, trickle);
    let url = server.url(&name);
    (repo, server, url)
}

#[test]
fn a_repository_over_the_byte_cap_is_refused_and_the_mirror_stays_usable() {
    init_timeouts();
    let (_repo, server, url) = big_repository_served(3 * 1024 * 1024, None);
    let (_keep, mirror) = mirror_dir();
    let capped = FetchLimits {
        max_bytes: 512 * 1024,
        ..short_limits()
    };
    let error =
        fetch_mirror(&url, &mirror, &LOCAL_AND_PRIVATE, &capped, None).expect_err("too large");
    assert!(
        matches!(error, FetchError::TooLarge { limit } if limit == 512 * 1024),
        "{error:?}"
    );
    assert!(error.to_string().contains("taille permise"), "{error}");
    assert!(
        server.connections.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the fetch went through the loopback server"
    );

    // With room enough, the same mirror takes the whole repository.
    let whole = fetch_mirror(&url, &mirror, &LOCAL_AND_PRIVATE, &short_limits(), None)
        .expect("fetch under a larger cap");
    assert!(whole.changed);
    assert!(whole.bytes_received > 3 * 1024 * 1024, "{whole:?}");
    assert_eq!(tag_names(&mirror), ["1.0"]);
}

#[test]
fn a_slow_server_is_cut_off_at_the_deadline() {
    init_timeouts();
    // About 130 kB/s: never silent for long enough to trip the read timeout, but some
    // fifteen seconds for the whole repository.
    let trickle = Trickle {
        bytes: 8 * 1024,
        pause: Duration::from_millis(60),
    };
    let (_repo, server, url) = big_repository_served(2 * 1024 * 1024, Some(trickle));
    let (_keep, mirror) = mirror_dir();
    let limits = FetchLimits {
        deadline: Duration::from_secs(2),
        ..short_limits()
    };
    let started = Instant::now();
    let error =
        fetch_mirror(&url, &mirror, &LOCAL_AND_PRIVATE, &limits, None).expect_err("deadline");
    let elapsed = started.elapsed();
    assert!(
        matches!(error, FetchError::DeadlineExceeded(2)),
        "{error:?} after {elapsed:?}"
    );
    assert!(error.to_string().contains("délai de 2 secondes"), "{error}");
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(8),
        "cut off after {elapsed:?}"
    );
    assert!(server.connections.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

/// Known gap: the deadline is only looked at when libgit2 hands over a whole packet (up to
/// 64 kB) of the pack, and not at all while the refs are listed. A server that sends one
/// byte every tenth of a second is never silent long enough for the read timeout and holds
/// the fetch for hours. Run with `--ignored` to see it.
#[test]
#[ignore = "known gap: the fetch deadline is not enforced while a server trickles bytes"]
fn a_server_trickling_single_bytes_is_cut_off_at_the_deadline() {
    init_timeouts();
    let trickle = Trickle {
        bytes: 1,
        pause: Duration::from_millis(100),
    };
    let (_repo, _server, url) = big_repository_served(64 * 1024, Some(trickle));
    let limits = FetchLimits {
        deadline: Duration::from_secs(2),
        ..short_limits()
    };
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (_keep, mirror) = mirror_dir();
        let result = fetch_mirror(&url, &mirror, &LOCAL_AND_PRIVATE, &limits, None);
        let _ = done.send(result.map(|_| ()));
    });
    match outcome.recv_timeout(Duration::from_secs(15)) {
        Ok(Err(FetchError::DeadlineExceeded(2))) => {}
        Ok(other) => panic!("expected the deadline, got {other:?}"),
        Err(_) => panic!("a 2-second deadline did not stop the fetch within 15 s"),
    }
}

/// A name that passes the check of form (it has a dot and no local suffix) but that the
/// resolver maps to loopback. The resolver is made to say so in a private mount namespace,
/// where a hosts file of the test's own replaces /etc/hosts for this process only: nothing
/// else on the machine sees it, and no DNS server is asked.
const LOOPBACK_NAME: &str = "forge.civiforge.test";
const INNER: &str = "CIVIFORGE_TEST_INSIDE_NAMESPACE";

#[test]
fn a_name_that_resolves_to_loopback_is_refused_at_fetch_time() {
    let hosts = tempfile::NamedTempFile::new().expect("hosts file");
    std::fs::write(hosts.path(), format!("127.0.0.1 {LOOPBACK_NAME}\n")).expect("write hosts");
    let output = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--", "sh", "-c"])
        .arg("mount --bind \"$1\" /etc/hosts && shift && exec \"$@\"")
        .arg("sh")
        .arg(hosts.path())
        .arg(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "name_resolving_to_loopback_inside_a_namespace",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(INNER, "1")
        .output()
        .expect(
            "this test needs util-linux's `unshare` (a private mount namespace in which a \
             hosts file replaces /etc/hosts)",
        );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the check inside the namespace failed (it needs user and mount namespaces):\n\
         {stdout}\n{stderr}"
    );
}

/// Runs only inside the namespace made by the test above.
#[test]
#[ignore = "run by a_name_that_resolves_to_loopback_is_refused_at_fetch_time"]
fn name_resolving_to_loopback_inside_a_namespace() {
    assert_eq!(
        std::env::var(INNER).as_deref(),
        Ok("1"),
        "run through a_name_that_resolves_to_loopback_is_refused_at_fetch_time"
    );
    init_timeouts();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    let (_keep, mirror) = mirror_dir();

    let strict = RepositoryUrlPolicy::default();
    let url = format!("https://{LOOPBACK_NAME}:{port}/openelec.git");
    assert!(
        strict.check(&url).is_ok(),
        "the name passes the check of form: only resolution can refuse it"
    );
    let error = fetch_mirror(&url, &mirror, &strict, &short_limits(), None).expect_err("loopback");
    assert!(
        matches!(&error, FetchError::PrivateAddress { host, address }
            if host == LOOPBACK_NAME && address.is_loopback()),
        "{error:?}"
    );
    assert!(error.to_string().contains(LOOPBACK_NAME), "{error}");
    assert!(
        listener.accept().is_err(),
        "no connection was attempted to the refused address"
    );
    assert!(!mirror.exists(), "nothing was written for a refused host");

    // Where private networks are allowed, the same name is fetched from: the name did
    // resolve to this loopback listener.
    let open = RepositoryUrlPolicy {
        allow_local: false,
        allow_private_networks: true,
    };
    let url = format!("http://{LOOPBACK_NAME}:{port}/openelec.git");
    let reached = std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok((stream, _)) = listener.accept() {
                drop(stream);
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    });
    let error = fetch_mirror(&url, &mirror, &open, &short_limits(), None)
        .expect_err("the listener is no git server");
    assert!(matches!(error, FetchError::Unreachable(_)), "{error:?}");
    assert!(
        reached.join().expect("listener"),
        "the fetch reached loopback"
    );
}
