//! Which repository URLs civiforge accepts. Every URL comes from a user and is hostile until
//! checked: this module checks its form (scheme, host, characters) and literal addresses,
//! and brings it to its canonical spelling (`canonical.rs`); the fetcher checks it again,
//! with DNS resolution, before every fetch.

mod canonical;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use url::{Host, Url};

/// Longest repository URL accepted; real forge URLs are far shorter.
pub const MAX_URL_LENGTH: usize = 2048;

/// What the instance allows, from `--allow-local-repositories` and `--allow-private-networks`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepositoryUrlPolicy {
    /// Absolute paths and `file://` URLs (tests, private instances).
    pub allow_local: bool,
    /// `http://`, and hosts that are loopback, private, link-local or otherwise not public.
    pub allow_private_networks: bool,
}

/// A repository URL that passed the policy's checks of form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepositoryLocation {
    /// An `https://` (or, when private networks are allowed, `http://`) URL.
    Remote(Url),
    /// A folder on this machine (only with `allow_local`).
    Local(PathBuf),
}

impl RepositoryLocation {
    /// The canonical text stored for the project (canonical even for a location built by
    /// hand rather than by [`RepositoryUrlPolicy::check`]: the uniqueness check relies on it).
    pub fn as_string(&self) -> String {
        match self {
            RepositoryLocation::Remote(url) => canonical::canonical_url(url.clone()).to_string(),
            RepositoryLocation::Local(path) => {
                canonical::canonical_path(path).display().to_string()
            }
        }
    }

    /// Every text a project holding this repository may be stored under: the canonical one
    /// first, then for a URL its `.git` twin (`/x` and `/x.git`).
    pub fn spellings(&self) -> Vec<String> {
        let mut spellings = vec![self.as_string()];
        if let RepositoryLocation::Remote(url) = self
            && let Some(twin) = canonical::git_twin(url)
        {
            spellings.push(twin);
        }
        spellings
    }
}

/// Why a URL was refused; the messages are shown to users, in French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlPolicyError {
    #[error("l'adresse du dépôt est vide")]
    Empty,
    #[error("l'adresse du dépôt dépasse {MAX_URL_LENGTH} caractères")]
    TooLong,
    #[error("l'adresse du dépôt contient des espaces ou des caractères de contrôle")]
    ForbiddenCharacters,
    #[error("l'adresse du dépôt n'est pas une URL valide ({0})")]
    Malformed(String),
    #[error(
        "le protocole « {0} » n'est pas accepté : donnez une adresse https:// (par exemple https://gitlab.com/groupe/projet.git)"
    )]
    SchemeNotAllowed(String),
    #[error(
        "les dépôts locaux (chemins et file://) sont refusés sur cette instance (option --allow-local-repositories)"
    )]
    LocalNotAllowed,
    #[error("le chemin local doit être absolu")]
    RelativePath,
    #[error("l'adresse du dépôt ne doit contenir ni identifiant ni mot de passe")]
    Credentials,
    #[error("l'adresse du dépôt n'a pas de nom d'hôte")]
    MissingHost,
    #[error(
        "l'hôte « {0} » désigne une adresse locale ou privée, refusée sur cette instance (option --allow-private-networks)"
    )]
    PrivateHost(String),
}

impl RepositoryUrlPolicy {
    /// Checks the form of a user-given repository URL and returns where it points.
    pub fn check(&self, input: &str) -> Result<RepositoryLocation, UrlPolicyError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlPolicyError::Empty);
        }
        if input.len() > MAX_URL_LENGTH {
            return Err(UrlPolicyError::TooLong);
        }
        if input.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(UrlPolicyError::ForbiddenCharacters);
        }
        // `-` would be read by git as an option (`--upload-pack=...`).
        if input.starts_with('-') {
            return Err(UrlPolicyError::Malformed("commence par un tiret".into()));
        }
        if input.starts_with('/') {
            return self.local(PathBuf::from(input));
        }
        // git's transport syntax `ext::cmd` or `fd::` and scp-like `host:path` are not URLs.
        if let Some((transport, _)) = input.split_once("::")
            && !transport.is_empty()
            && transport.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(UrlPolicyError::SchemeNotAllowed(transport.to_string()));
        }
        let url = Url::parse(input).map_err(|e| match e {
            url::ParseError::RelativeUrlWithoutBase if !input.contains(':') => {
                UrlPolicyError::RelativePath
            }
            url::ParseError::RelativeUrlWithoutBase => {
                UrlPolicyError::SchemeNotAllowed("ssh".into())
            }
            other => UrlPolicyError::Malformed(other.to_string()),
        })?;
        // Percent-encoding and IDNA can make the stored text longer than what was typed.
        if url.as_str().len() > MAX_URL_LENGTH {
            return Err(UrlPolicyError::TooLong);
        }
        match url.scheme() {
            "https" => {}
            // Plain-text protocols only where private networks are allowed (a self-hosted
            // forge or `git daemon` on an internal network).
            "http" | "git" if self.allow_private_networks => {}
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| UrlPolicyError::Malformed("chemin file:// invalide".into()))?;
                return self.local(path);
            }
            other => return Err(UrlPolicyError::SchemeNotAllowed(other.to_string())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlPolicyError::Credentials);
        }
        let host = url.host().ok_or(UrlPolicyError::MissingHost)?;
        if !self.allow_private_networks && !host_may_be_public(&host) {
            return Err(UrlPolicyError::PrivateHost(host.to_string()));
        }
        Ok(RepositoryLocation::Remote(canonical::canonical_url(url)))
    }

    fn local(&self, path: PathBuf) -> Result<RepositoryLocation, UrlPolicyError> {
        if !self.allow_local {
            return Err(UrlPolicyError::LocalNotAllowed);
        }
        if !path.is_absolute() {
            return Err(UrlPolicyError::RelativePath);
        }
        // A `file://` URL's escapes decode to any bytes: the path stored must be text that
        // passes the checks above, so that checking it again gives the same location.
        match path.to_str() {
            Some(text) if !text.chars().any(|c| c.is_control() || c.is_whitespace()) => {}
            _ => return Err(UrlPolicyError::ForbiddenCharacters),
        }
        Ok(RepositoryLocation::Local(canonical::canonical_path(&path)))
    }

    /// Whether an address a host resolved to may be contacted under this policy.
    pub fn address_allowed(&self, address: IpAddr) -> bool {
        self.allow_private_networks || is_public_address(address)
    }
}

/// Literal addresses are judged now; names are judged again after DNS resolution at fetch.
fn host_may_be_public(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(v4) => is_public_address(IpAddr::V4(*v4)),
        Host::Ipv6(v6) => is_public_address(IpAddr::V6(*v6)),
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !(name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || name.ends_with(".internal")
                || !name.contains('.'))
        }
    }
}

/// True only for globally routable unicast addresses.
pub fn is_public_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public_v4(v4);
            }
            let [first, second, ..] = v6.segments();
            // Only 2000::/3 is allocated for global unicast: the rest (unspecified, loopback,
            // multicast, unique and link local, discard, the local-use NAT64 prefix
            // 64:ff9b:1::/48, unallocated blocks) is refused as a whole.
            (first & 0xe000) == 0x2000
                && !(first == 0x2001 && second < 0x0200) // IETF assignments: Teredo, ORCHID…
                && !(first == 0x2001 && second == 0x0db8) // documentation
                && (first & 0xfff0) != 0x3ff0 // documentation (3fff::/20)
        }
    }
}

/// IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 and 6to4 forms.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..5] == [0, 0, 0, 0, 0] && (s[5] == 0xffff || s[5] == 0) && !(s[5] == 0 && s[6] == 0) {
        return Some(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    None
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_unspecified()
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: RepositoryUrlPolicy = RepositoryUrlPolicy {
        allow_local: false,
        allow_private_networks: false,
    };

    #[test]
    fn accepts_public_https_urls() {
        for url in [
            "https://gitlab.adullact.net/openmairie/openelec.git",
            "https://github.com/IMIO/Products.PloneMeeting",
            "https://8.8.8.8/repo.git",
        ] {
            assert!(
                matches!(STRICT.check(url), Ok(RepositoryLocation::Remote(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn refuses_hostile_urls_with_the_reason() {
        let cases = [
            ("", UrlPolicyError::Empty),
            ("file:///etc", UrlPolicyError::LocalNotAllowed),
            ("/srv/git/repo", UrlPolicyError::LocalNotAllowed),
            (
                "ext::sh -c touch% /tmp/pwned",
                UrlPolicyError::ForbiddenCharacters,
            ),
            ("ext::sh", UrlPolicyError::SchemeNotAllowed("ext".into())),
            (
                "ssh://git@example.org/x.git",
                UrlPolicyError::SchemeNotAllowed("ssh".into()),
            ),
            (
                "git@github.com:org/repo.git",
                UrlPolicyError::SchemeNotAllowed("ssh".into()),
            ),
            (
                "http://example.org/x.git",
                UrlPolicyError::SchemeNotAllowed("http".into()),
            ),
            (
                "https://user:secret@example.org/x.git",
                UrlPolicyError::Credentials,
            ),
            (
                "https://localhost/x.git",
                UrlPolicyError::PrivateHost("localhost".into()),
            ),
            (
                "https://2130706433/x.git",
                UrlPolicyError::PrivateHost("127.0.0.1".into()),
            ),
            (
                "https://0x7f.1/x.git",
                UrlPolicyError::PrivateHost("127.0.0.1".into()),
            ),
            (
                "https://[::ffff:127.0.0.1]/x.git",
                UrlPolicyError::PrivateHost("[::ffff:7f00:1]".into()),
            ),
            (
                "https://169.254.169.254/latest",
                UrlPolicyError::PrivateHost("169.254.169.254".into()),
            ),
            (
                "https://100.64.0.1/x",
                UrlPolicyError::PrivateHost("100.64.0.1".into()),
            ),
            (
                "https://[fd00::1]/x",
                UrlPolicyError::PrivateHost("[fd00::1]".into()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(STRICT.check(input), Err(expected), "{input:?}");
        }
        assert!(matches!(
            STRICT.check("--upload-pack=touch /tmp/x"),
            Err(UrlPolicyError::ForbiddenCharacters)
        ));
        assert!(matches!(
            STRICT.check("--upload-pack=x"),
            Err(UrlPolicyError::Malformed(_))
        ));
    }

    #[test]
    fn local_and_private_are_opt_in() {
        let open = RepositoryUrlPolicy {
            allow_local: true,
            allow_private_networks: true,
        };
        assert_eq!(
            open.check("/srv/git/repo"),
            Ok(RepositoryLocation::Local("/srv/git/repo".into()))
        );
        assert_eq!(
            open.check("file:///srv/git/repo"),
            Ok(RepositoryLocation::Local("/srv/git/repo".into()))
        );
        assert!(matches!(
            open.check("http://127.0.0.1:8000/x.git"),
            Ok(RepositoryLocation::Remote(_))
        ));
        assert!(matches!(
            open.check("git://127.0.0.1:9418/x.git"),
            Ok(RepositoryLocation::Remote(_))
        ));
        assert_eq!(
            STRICT.check("git://example.org/x.git"),
            Err(UrlPolicyError::SchemeNotAllowed("git".into()))
        );
        assert_eq!(
            open.check("relative/path"),
            Err(UrlPolicyError::RelativePath)
        );
    }

    #[test]
    fn classifies_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "0.0.0.0",
            "::1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "fe80::1",
        ] {
            let ip: IpAddr = private.parse().expect("test address");
            assert!(!is_public_address(ip), "{private}");
        }
        for public in ["1.1.1.1", "2a00:1450:4007::1", "::ffff:8.8.8.8"] {
            let ip: IpAddr = public.parse().expect("test address");
            assert!(is_public_address(ip), "{public}");
        }
    }

    /// Found by the `url_policy` fuzz target (fuzz/): addresses outside 2000::/3, and the
    /// non-global blocks inside it, were taken for public.
    #[test]
    fn refuses_ipv6_outside_global_unicast() {
        assert_eq!(
            STRICT.check("https://[63:ff9b::808:808]/x.git"),
            Err(UrlPolicyError::PrivateHost("[63:ff9b::808:808]".into()))
        );
        for address in [
            "64:ff9b:1::a00:1", // local-use NAT64
            "::2",
            "100:0:0:1::1",
            "4000::1",
            "5f00::1",
            "2001::a00:1", // Teredo
            "2001:2::1",   // benchmarking
            "2001:db8::1", // documentation
            "3fff::1",     // documentation
            "ffff::1",
        ] {
            let ip: IpAddr = address.parse().expect("test address");
            assert!(!is_public_address(ip), "{address}");
        }
        for address in ["2001:4860:4860::8888", "2606:4700::1111", "2002:808:808::1"] {
            let ip: IpAddr = address.parse().expect("test address");
            assert!(is_public_address(ip), "{address}");
        }
    }

    /// Found by the `url_policy` fuzz target: a `file://` path with escaped control characters,
    /// spaces or bytes that are not UTF-8 was accepted, and its stored text then checked
    /// differently (refused, or another path).
    #[test]
    fn local_paths_decoded_from_file_urls_are_checked_as_text() {
        let local = RepositoryUrlPolicy {
            allow_local: true,
            allow_private_networks: false,
        };
        for input in [
            "file:/%00",
            "file:///srv/a%0ab",
            "file:///srv/a%20b",
            "file:///srv/%ff",
        ] {
            assert_eq!(
                local.check(input),
                Err(UrlPolicyError::ForbiddenCharacters),
                "{input}"
            );
        }
        assert_eq!(
            local.check("file:///srv/%C3%A9t%C3%A9"),
            Ok(RepositoryLocation::Local("/srv/été".into()))
        );
    }

    /// The canonical text of an accepted URL stays within the limit, so that it checks again.
    #[test]
    fn escaping_cannot_stretch_a_url_past_the_limit() {
        let input = format!("https://example.org/{}", "é".repeat(1000));
        assert!(input.len() <= MAX_URL_LENGTH);
        assert_eq!(STRICT.check(&input), Err(UrlPolicyError::TooLong));
    }
}
