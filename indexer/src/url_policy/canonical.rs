//! One spelling per repository, so that a repository is registered once: the forms of a
//! URL or a path that name the same repository are brought to one canonical text, and the
//! `.git` twin (`/x` and `/x.git`, which forges serve alike) is given for the uniqueness
//! check.

use std::path::{Component, Path, PathBuf};

use url::Url;

/// An accepted remote URL in its canonical form: no query or fragment (they name no other
/// repository), the host without its final dot, the path without empty segments (doubled
/// or trailing slashes) and without a final `/.git` (the work tree's git folder). The URL
/// parser has already lower-cased the scheme and host, dropped the default port and
/// resolved `.` and `..`.
pub(super) fn canonical_url(mut url: Url) -> Url {
    url.set_query(None);
    url.set_fragment(None);
    if let Some(host) = url.host_str()
        && host.len() > 1
        && host.ends_with('.')
    {
        let trimmed = host.trim_end_matches('.').to_string();
        // A domain without its final dot is still a domain: this cannot fail.
        let _ = url.set_host(Some(&trimmed));
    }
    let mut segments: Vec<String> = url
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(str::to_string)
        .collect();
    while segments.len() > 1 && segments.last().is_some_and(|s| s == ".git") {
        segments.pop();
    }
    url.set_path(&format!("/{}", segments.join("/")));
    url
}

/// A local path in its canonical form: `.`, `..`, doubled and trailing slashes resolved as
/// text (the path may not exist yet), and a final `/.git` removed.
pub(super) fn canonical_path(path: &Path) -> PathBuf {
    let mut canonical = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                canonical.pop();
            }
            other => canonical.push(other.as_os_str()),
        }
    }
    while canonical.file_name().is_some_and(|name| name == ".git")
        && canonical
            .parent()
            .is_some_and(|parent| parent != Path::new("/"))
    {
        canonical.pop();
    }
    canonical
}

/// The other spelling forges serve for the same repository: without `.git` when the URL
/// has it, with it otherwise. None for a host's root.
pub(super) fn git_twin(url: &Url) -> Option<String> {
    let path = url.path();
    if path == "/" || path.ends_with("/.git") {
        return None;
    }
    let mut twin = url.clone();
    match path.strip_suffix(".git") {
        Some(stem) => twin.set_path(stem),
        None => twin.set_path(&format!("{path}.git")),
    }
    Some(twin.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::{RepositoryLocation, RepositoryUrlPolicy};

    const OPEN: RepositoryUrlPolicy = RepositoryUrlPolicy {
        allow_local: true,
        allow_private_networks: false,
    };

    fn canonical(input: &str) -> String {
        OPEN.check(input)
            .unwrap_or_else(|error| panic!("{input}: {error}"))
            .as_string()
    }

    #[test]
    fn every_spelling_of_a_url_gives_one_text() {
        for input in [
            "https://forge.example.org/mairie/openelec.git",
            "https://Forge.Example.org/mairie/openelec.git",
            "HTTPS://FORGE.EXAMPLE.ORG/mairie/openelec.git",
            "https://forge.example.org/mairie/openelec.git/",
            "https://forge.example.org//mairie//openelec.git",
            "https://forge.example.org/mairie/openelec.git?ref=main",
            "https://forge.example.org/mairie/openelec.git#readme",
            "https://forge.example.org:443/mairie/openelec.git",
            "https://forge.example.org/mairie/openelec.git/.git",
            "https://forge.example.org/mairie/autre/../openelec.git",
            "https://forge.example.org/mairie/./openelec.git",
            "https://forge.example.org/mairie/%2e%2e/mairie/openelec.git",
            "https://forge.example.org./mairie/openelec.git",
        ] {
            assert_eq!(
                canonical(input),
                "https://forge.example.org/mairie/openelec.git",
                "{input}"
            );
        }
        assert_eq!(
            canonical("https://forge.example.org/mairie/openelec/.git"),
            "https://forge.example.org/mairie/openelec"
        );
        assert_eq!(
            canonical("https://forge.example.org:8443/x"),
            "https://forge.example.org:8443/x",
            "another port is another server"
        );
        assert_eq!(
            canonical("https://forge.example.org/Mairie/X"),
            "https://forge.example.org/Mairie/X",
            "paths keep their case"
        );
    }

    #[test]
    fn the_git_twin_is_the_other_spelling() {
        let spellings = |input: &str| OPEN.check(input).expect("accepted").spellings();
        assert_eq!(
            spellings("https://forge.example.org/x.git/"),
            [
                "https://forge.example.org/x.git",
                "https://forge.example.org/x"
            ]
        );
        assert_eq!(
            spellings("https://forge.example.org/x"),
            [
                "https://forge.example.org/x",
                "https://forge.example.org/x.git"
            ]
        );
        assert_eq!(
            spellings("https://forge.example.org/"),
            ["https://forge.example.org/"]
        );
        assert_eq!(
            spellings("/srv/git/x.git"),
            ["/srv/git/x.git"],
            "local folders differ"
        );
    }

    #[test]
    fn local_paths_are_resolved_as_text() {
        for input in [
            "/srv/git/depot",
            "/srv/git/depot/",
            "/srv//git/depot",
            "/srv/./git/depot",
            "/srv/autre/../git/depot",
            "/srv/git/depot/.git",
            "file:///srv/git/depot/",
        ] {
            assert_eq!(
                OPEN.check(input),
                Ok(RepositoryLocation::Local("/srv/git/depot".into())),
                "{input}"
            );
        }
        assert_eq!(
            OPEN.check("/.git"),
            Ok(RepositoryLocation::Local("/.git".into()))
        );
    }

    #[test]
    fn canonical_texts_check_again_to_themselves() {
        for input in [
            "https://forge.example.org//a//b/.git/?x#y",
            "https://forge.example.org./",
            "/a/../../b/.git/",
        ] {
            let text = canonical(input);
            assert_eq!(canonical(&text), text, "{input}");
        }
    }
}
