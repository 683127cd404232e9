//! Safe fetching of a repository into a bare local mirror. The URL is checked against the
//! policy again at every fetch (form, then every address its host resolves to), redirects
//! are refused, and connection, silence, wall-clock and byte limits stop a hostile or broken
//! server (libgit2 still follows a redirect within the same host, whose addresses were
//! checked; a redirect to any other host is refused). A listing of the remote's refs comes first, so that an unchanged repository costs
//! one round trip and no download.

use std::cell::Cell;
use std::net::ToSocketAddrs;
use std::path::Path;
use std::time::{Duration, Instant};

use git2::{
    AutotagOption, Direction, FetchOptions, FetchPrune, RemoteCallbacks, RemoteRedirect, Repository,
};
use sha2::{Digest, Sha256};

use crate::url_policy::{RepositoryLocation, RepositoryUrlPolicy, UrlPolicyError};

/// Bounds on one fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// Longest wait for a TCP connection.
    pub connect_timeout: Duration,
    /// Longest silence from the server once connected.
    pub read_timeout: Duration,
    /// Longest whole fetch.
    pub deadline: Duration,
    /// Most bytes received in one fetch.
    pub max_bytes: usize,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            deadline: Duration::from_secs(10 * 60),
            max_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Sets libgit2's process-wide network timeouts. Call once, before any fetch and before
/// other threads use libgit2.
pub fn init_network_timeouts(limits: &FetchLimits) -> Result<(), git2::Error> {
    let connect = i32::try_from(limits.connect_timeout.as_millis()).unwrap_or(i32::MAX);
    let read = i32::try_from(limits.read_timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: these write two global integers in libgit2; the caller runs this before any
    // other thread uses libgit2, so nothing reads them concurrently.
    #[allow(unsafe_code)]
    unsafe {
        git2::opts::set_server_connect_timeout_in_milliseconds(connect)?;
        git2::opts::set_server_timeout_in_milliseconds(read)?;
    }
    Ok(())
}

/// Why a fetch failed; messages are for maintainers, in French.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("adresse refusée : {0}")]
    Policy(#[from] UrlPolicyError),
    #[error("le nom d'hôte « {0} » ne se résout pas")]
    Unresolvable(String),
    #[error("l'hôte « {host} » se résout en une adresse locale ou privée ({address}), refusée")]
    PrivateAddress {
        host: String,
        address: std::net::IpAddr,
    },
    #[error("le dépôt dépasse la taille permise ({limit} octets reçus au plus)")]
    TooLarge { limit: usize },
    #[error("la récupération a dépassé le délai de {0} secondes")]
    DeadlineExceeded(u64),
    #[error("le dépôt est introuvable ou inaccessible : {0}")]
    Unreachable(String),
    #[error("erreur git : {0}")]
    Git(String),
    #[error("erreur de fichier sur le miroir local : {0}")]
    Io(#[from] std::io::Error),
}

/// What a fetch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOutcome {
    /// Digest of every branch and tag the remote advertised.
    pub refs_digest: String,
    /// False when the digest equals the one given: nothing was downloaded.
    pub changed: bool,
    /// The remote's default branch, such as `main`.
    pub default_branch: Option<String>,
    pub bytes_received: usize,
    /// Old targets of refs the upstream removed or rewrote, kept under civiforge's refs.
    pub kept: Vec<crate::preserve::Kept>,
}

/// Fetches `repository_url` into the bare mirror at `mirror`, unless its refs still have
/// `previous_digest`. Blocking: run it off the async executor.
pub fn fetch_mirror(
    repository_url: &str,
    mirror: &Path,
    policy: &RepositoryUrlPolicy,
    limits: &FetchLimits,
    previous_digest: Option<&str>,
) -> Result<FetchOutcome, FetchError> {
    let location = policy.check(repository_url)?;
    let fetch_url = match &location {
        RepositoryLocation::Remote(url) => {
            check_resolved_addresses(url, policy)?;
            url.to_string()
        }
        RepositoryLocation::Local(path) => {
            if !path.exists() {
                return Err(FetchError::Unreachable(format!(
                    "le dossier {} n'existe pas",
                    path.display()
                )));
            }
            path.display().to_string()
        }
    };
    let repo = open_or_init_mirror(mirror)?;
    let started = Instant::now();
    let mut remote = repo.remote_anonymous(&fetch_url).map_err(git_error)?;

    // One connection lists the refs; fetching again only when they changed.
    let listed = Cell::new(0usize);
    let (refs_digest, default_branch) = {
        let connection = remote
            .connect_auth(
                Direction::Fetch,
                Some(guarded_callbacks(limits, started, &listed)),
                None,
            )
            .map_err(|e| classify(e, limits, started))?;
        let mut refs: Vec<(String, String)> = connection
            .list()
            .map_err(git_error)?
            .iter()
            // A name that is not UTF-8 is left out of the digest; the snapshot reports the
            // tag it makes in the mirror (`tags::read_tags_reporting`).
            .filter_map(|head| Some((head_name(head)?, head.oid().to_string())))
            .filter(|(name, _)| name.starts_with("refs/heads/") || name.starts_with("refs/tags/"))
            .collect();
        refs.sort();
        let default_branch = connection
            .default_branch()
            .ok()
            .and_then(|b| b.as_str().ok().map(str::to_string));
        (digest(&refs), default_branch)
    };
    if previous_digest == Some(refs_digest.as_str()) && repo.head().is_ok() {
        return Ok(FetchOutcome {
            refs_digest,
            changed: false,
            default_branch: short_branch(default_branch),
            bytes_received: 0,
            kept: Vec::new(),
        });
    }

    // What the upstream removes or rewrites is kept under civiforge's own refs.
    let published = crate::preserve::published_refs(&repo);
    let received = Cell::new(0usize);
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(guarded_callbacks(limits, started, &received))
        .follow_redirects(RemoteRedirect::None)
        .download_tags(AutotagOption::None)
        .prune(FetchPrune::On);
    remote
        .fetch(
            &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            Some(&mut options),
            None,
        )
        .map_err(|e| classify(e, limits, started))?;
    let kept = crate::preserve::keep_what_went(&repo, &published).map_err(git_error)?;
    if let Some(branch) = &default_branch {
        // HEAD of the mirror follows the remote's default branch.
        if repo.find_reference(branch).is_ok() {
            repo.set_head(branch).map_err(git_error)?;
        }
    }
    Ok(FetchOutcome {
        refs_digest,
        changed: true,
        default_branch: short_branch(default_branch),
        bytes_received: received.get(),
        kept,
    })
}

/// The name of a ref the remote advertised, or None when it is not UTF-8: git takes any
/// bytes in a ref name, and git2's `RemoteHead::name` unwraps its conversion to text (a
/// panic, caught here, its message silenced: one such tag must not fail the repository).
fn head_name(head: &git2::RemoteHead<'_>) -> Option<String> {
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|quiet| quiet.set(true));
    let name = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| head.name().to_string()));
    QUIET.with(|quiet| quiet.set(false));
    name.ok()
}

fn short_branch(branch: Option<String>) -> Option<String> {
    branch.map(|b| b.strip_prefix("refs/heads/").unwrap_or(&b).to_string())
}

/// Every address the host resolves to must be allowed. libgit2 resolves the name again when
/// it connects; the window between the two look-ups is documented in docs/security.md.
fn check_resolved_addresses(
    url: &url::Url,
    policy: &RepositoryUrlPolicy,
) -> Result<(), FetchError> {
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(9418);
    let addresses: Vec<_> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|_| FetchError::Unresolvable(host.clone()))?
        .collect();
    if addresses.is_empty() {
        return Err(FetchError::Unresolvable(host));
    }
    for address in addresses {
        if !policy.address_allowed(address.ip()) {
            return Err(FetchError::PrivateAddress {
                host,
                address: address.ip(),
            });
        }
    }
    Ok(())
}

pub(crate) fn open_or_init_mirror(path: &Path) -> Result<Repository, FetchError> {
    let repo = match Repository::open_bare(path) {
        Ok(repo) => repo,
        Err(_) => {
            // The service's own: 0700, whatever the umask.
            let mut folder = std::fs::DirBuilder::new();
            folder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
            folder.create(path)?;
            Repository::init_bare(path).map_err(git_error)?
        }
    };
    // The connection that lists refs reads redirects from the repository's configuration:
    // refuse them there as well as in the fetch options.
    let mut config = repo.config().map_err(git_error)?;
    config
        .set_str("http.followRedirects", "false")
        .map_err(git_error)?;
    Ok(repo)
}

/// Callbacks that cancel the transfer past the byte cap or the deadline.
fn guarded_callbacks<'a>(
    limits: &'a FetchLimits,
    started: Instant,
    received: &'a Cell<usize>,
) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.transfer_progress(move |progress| {
        received.set(progress.received_bytes());
        progress.received_bytes() <= limits.max_bytes && started.elapsed() <= limits.deadline
    });
    callbacks.sideband_progress(move |_| started.elapsed() <= limits.deadline);
    callbacks
}

/// Turns a libgit2 error into the reason a maintainer can act on.
fn classify(error: git2::Error, limits: &FetchLimits, started: Instant) -> FetchError {
    if error.code() == git2::ErrorCode::User || error.class() == git2::ErrorClass::Callback {
        if started.elapsed() > limits.deadline {
            return FetchError::DeadlineExceeded(limits.deadline.as_secs());
        }
        return FetchError::TooLarge {
            limit: limits.max_bytes,
        };
    }
    match error.class() {
        git2::ErrorClass::Net
        | git2::ErrorClass::Http
        | git2::ErrorClass::Ssl
        | git2::ErrorClass::Os => {
            let message = error.message().to_string();
            if message.contains("redirect") {
                FetchError::Unreachable(format!(
                    "le serveur redirige ailleurs, ce qui est refusé ({message})"
                ))
            } else if message.contains("timed out") || message.contains("timeout") {
                FetchError::Unreachable(format!("le serveur ne répond pas ({message})"))
            } else {
                FetchError::Unreachable(message)
            }
        }
        // Only libgit2's local transport lists such a name (git servers leave it out), and
        // it lists every reference before anything can be skipped.
        git2::ErrorClass::Reference if error.message().contains("is not valid") => {
            FetchError::Git(format!(
                "le dépôt contient une référence au nom invalide, que libgit2 refuse de lire \
                 ({}) : renommez-la ou supprimez-la",
                error.message()
            ))
        }
        git2::ErrorClass::Repository | git2::ErrorClass::Reference
            if error.code() == git2::ErrorCode::NotFound =>
        {
            FetchError::Unreachable(error.message().to_string())
        }
        _ => git_error(error),
    }
}

fn git_error(error: git2::Error) -> FetchError {
    FetchError::Git(error.message().to_string())
}

/// The digest of a local repository's branches and tags, as [`fetch_mirror`] computes the
/// upstream's.
pub(crate) fn local_refs_digest(repo: &Repository) -> String {
    let mut refs: Vec<(String, String)> = crate::preserve::published_refs(repo)
        .into_iter()
        .map(|(name, oid)| (name, oid.to_string()))
        .collect();
    refs.sort();
    digest(&refs)
}

fn digest(refs: &[(String, String)]) -> String {
    let mut hasher = Sha256::new();
    for (name, oid) in refs {
        hasher.update(name.as_bytes());
        hasher.update(b" ");
        hasher.update(oid.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_resolve_to_loopback_are_refused() {
        let strict = RepositoryUrlPolicy::default();
        let url = url::Url::parse("https://localhost:8443/x.git").expect("url");
        let error = check_resolved_addresses(&url, &strict).expect_err("loopback");
        assert!(
            matches!(error, FetchError::PrivateAddress { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("localhost"));
        let open = RepositoryUrlPolicy {
            allow_local: false,
            allow_private_networks: true,
        };
        assert!(check_resolved_addresses(&url, &open).is_ok());
        let nowhere = url::Url::parse("https://nonexistent.invalid/x.git").expect("url");
        assert!(matches!(
            check_resolved_addresses(&nowhere, &strict),
            Err(FetchError::Unresolvable(_))
        ));
    }
}
