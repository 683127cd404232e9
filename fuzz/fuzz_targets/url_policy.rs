//! Fuzz target: the repository URL policy (`civiforge_indexer::url_policy`), under all four
//! combinations of `allow_local` and `allow_private_networks`.
//!
//! Invariants checked for every input:
//! - an accepted remote URL is `https://`, or `http://`/`git://` only when private networks
//!   are allowed; it has no user name or password and has a host;
//! - under the strict policies its host is neither a literal address outside the globally
//!   reachable unicast space (judged by an oracle written here from the IANA special-purpose
//!   registries, independent of the code under test, and by `is_public_address`) nor a
//!   local name (`localhost`, `*.localhost`, `*.local`, `*.internal`, a name without a dot);
//! - an accepted local path is absolute and only accepted with `allow_local`;
//! - the canonical text (`as_string`) is at most `MAX_URL_LENGTH` long, holds no whitespace
//!   or control character, does not start with `-`, and checking it again gives the same
//!   location (accepting is idempotent);
//! - checking is deterministic, and a more permissive policy accepts whatever a stricter one
//!   accepts, with the same result; what the strictest policy refuses for its form (empty,
//!   too long, forbidden characters) every policy refuses alike, and a host refused only as
//!   private is accepted where private networks are allowed.

#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use civiforge_indexer::url_policy::{MAX_URL_LENGTH, is_public_address};
use civiforge_indexer::{RepositoryLocation, RepositoryUrlPolicy, UrlPolicyError};
use libfuzzer_sys::fuzz_target;
use url::Host;

/// Strictest first; `POLICIES[i]` allows no more than `POLICIES[j]` when `i & j == i`.
const POLICIES: [RepositoryUrlPolicy; 4] = [
    RepositoryUrlPolicy {
        allow_local: false,
        allow_private_networks: false,
    },
    RepositoryUrlPolicy {
        allow_local: true,
        allow_private_networks: false,
    },
    RepositoryUrlPolicy {
        allow_local: false,
        allow_private_networks: true,
    },
    RepositoryUrlPolicy {
        allow_local: true,
        allow_private_networks: true,
    },
];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let results = POLICIES.map(|policy| policy.check(input));
    for (policy, result) in POLICIES.iter().zip(&results) {
        assert_eq!(&policy.check(input), result, "not deterministic: {input:?}");
        if let Ok(location) = result {
            check_accepted(policy, input, location);
        }
    }
    check_between_policies(input, &results);
});

fn check_accepted(policy: &RepositoryUrlPolicy, input: &str, location: &RepositoryLocation) {
    match location {
        RepositoryLocation::Remote(url) => {
            let scheme_ok = match url.scheme() {
                "https" => true,
                "http" | "git" => policy.allow_private_networks,
                _ => false,
            };
            assert!(scheme_ok, "{policy:?} accepted scheme of {input:?} → {url}");
            assert!(
                url.username().is_empty() && url.password().is_none(),
                "{policy:?} accepted credentials in {input:?} → {url}"
            );
            let host = url.host();
            assert!(
                host.is_some(),
                "{policy:?} accepted {input:?} without a host"
            );
            if !policy.allow_private_networks
                && let Some(host) = host
            {
                check_public_host(&host, input);
            }
        }
        RepositoryLocation::Local(path) => {
            assert!(policy.allow_local, "{policy:?} accepted local {input:?}");
            assert!(path.is_absolute(), "relative path from {input:?}: {path:?}");
        }
    }
    let canonical = location.as_string();
    assert!(
        canonical.len() <= MAX_URL_LENGTH,
        "{policy:?}: canonical text of {input:?} is {} bytes, over MAX_URL_LENGTH",
        canonical.len()
    );
    assert!(
        !canonical
            .chars()
            .any(|c| c.is_whitespace() || c.is_control()),
        "{policy:?}: canonical text of {input:?} has whitespace or control characters: \
         {canonical:?}"
    );
    assert!(
        !canonical.starts_with('-'),
        "{policy:?}: canonical text of {input:?} starts with '-' (a git option)"
    );
    assert_eq!(
        policy.check(&canonical).as_ref(),
        Ok(location),
        "{policy:?}: not idempotent: {input:?} → {canonical:?}"
    );
}

fn check_public_host(host: &Host<&str>, input: &str) {
    match host {
        Host::Ipv4(v4) => {
            let ip = IpAddr::V4(*v4);
            assert!(is_public_address(ip), "accepted {ip} from {input:?}");
            assert!(
                !oracle_v4_not_global(*v4),
                "accepted {ip} (not globally reachable per IANA) from {input:?}"
            );
        }
        Host::Ipv6(v6) => {
            let ip = IpAddr::V6(*v6);
            assert!(is_public_address(ip), "accepted {ip} from {input:?}");
            assert!(
                !oracle_v6_not_global(*v6),
                "accepted {ip} (not globally reachable per IANA) from {input:?}"
            );
        }
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let local = name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || name.ends_with(".internal")
                || !name.contains('.');
            assert!(!local, "accepted local name {name:?} from {input:?}");
            // A special scheme's host that reads as an address must have been parsed as one.
            assert!(
                name.parse::<IpAddr>().is_err(),
                "address {name:?} kept as a domain name from {input:?}"
            );
        }
    }
}

/// Whether `v4` lies in a block that is not globally reachable (IANA IPv4 Special-Purpose
/// Address Registry), or is multicast or broadcast.
fn oracle_v4_not_global(v4: Ipv4Addr) -> bool {
    let bits = u32::from(v4);
    let within = |prefix: [u8; 4], len: u32| {
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        bits & mask == u32::from(Ipv4Addr::from(prefix)) & mask
    };
    within([0, 0, 0, 0], 8) // "this network"
        || within([10, 0, 0, 0], 8)
        || within([100, 64, 0, 0], 10) // shared address space (CGNAT)
        || within([127, 0, 0, 0], 8)
        || within([169, 254, 0, 0], 16)
        || within([172, 16, 0, 0], 12)
        || within([192, 0, 0, 0], 24) // IETF protocol assignments
        || within([192, 0, 2, 0], 24) // documentation
        || within([192, 168, 0, 0], 16)
        || within([198, 18, 0, 0], 15) // benchmarking
        || within([198, 51, 100, 0], 24) // documentation
        || within([203, 0, 113, 0], 24) // documentation
        || within([224, 0, 0, 0], 4) // multicast
        || within([240, 0, 0, 0], 4) // reserved, and the limited broadcast address
}

/// Whether `v6` is not a globally reachable unicast address: outside 2000::/3 (the only
/// block of the IANA IPv6 address space allocated for global unicast), or in a block of the
/// IANA IPv6 Special-Purpose Address Registry that is not globally reachable. Addresses that
/// embed an IPv4 address (mapped, compatible, NAT64 well-known prefix, 6to4) are judged by
/// that address, as the code under test documents.
fn oracle_v6_not_global(v6: Ipv6Addr) -> bool {
    let bits = u128::from(v6);
    let within = |prefix: u128, len: u32| bits >> (128 - len) == prefix >> (128 - len);
    let v4_at = |shift: u32| Ipv4Addr::from((bits >> shift) as u32);
    if v6.is_unspecified() || v6.is_loopback() {
        return true;
    }
    if within(0xffff_0000_0000, 96) || within(0, 96) {
        // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d.
        return oracle_v4_not_global(v4_at(0));
    }
    if within(0x0064_ff9b << 96, 96) {
        return oracle_v4_not_global(v4_at(0));
    }
    if within(0x2002 << 112, 16) {
        return oracle_v4_not_global(v4_at(80));
    }
    !within(0x2000 << 112, 3)
        || within(0x2001 << 112, 32) // Teredo (embeds an obfuscated client address)
        || within((0x2001 << 112) | (0x0002 << 96), 48) // benchmarking
        || within((0x2001 << 112) | (0x0010 << 96), 28) // ORCHID (deprecated)
        || within(0x2001_0db8 << 96, 32) // documentation
        || within(0x3fff << 112, 20) // documentation (RFC 9637)
}

fn check_between_policies(input: &str, results: &[Result<RepositoryLocation, UrlPolicyError>; 4]) {
    for (i, stricter) in results.iter().enumerate() {
        for (j, looser) in results.iter().enumerate() {
            if i & j == i
                && let Ok(location) = stricter
            {
                assert_eq!(
                    looser.as_ref(),
                    Ok(location),
                    "{:?} accepts {input:?} but {:?} does not",
                    POLICIES[i],
                    POLICIES[j]
                );
            }
        }
    }
    // What the strictest policy refuses for its form alone, every policy refuses alike.
    if let Err(
        error @ (UrlPolicyError::Empty
        | UrlPolicyError::TooLong
        | UrlPolicyError::ForbiddenCharacters),
    ) = &results[0]
    {
        for other in results {
            assert_eq!(other.as_ref(), Err(error), "{input:?}");
        }
    }
    // A host refused only for being private is accepted where private networks are.
    if let Err(UrlPolicyError::PrivateHost(_)) = &results[0] {
        assert!(
            matches!(results[2], Ok(RepositoryLocation::Remote(_))),
            "{input:?}: refused as private, yet not accepted with private networks: {:?}",
            results[2]
        );
    }
}
