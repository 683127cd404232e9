//! Where a repository's files are on the web, so that a README's relative links and images
//! point at the forge that hosts it, and how links are rewritten.

use url::Url;

/// Prefix of every `id` in a rendered README, so that its anchors cannot clash with (or
/// hijack) the ids of the page that embeds it.
pub(super) const ID_PREFIX: &str = "readme-";

/// Where a repository's files are seen on the web, to rewrite relative links and images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkBase {
    /// Pages showing a file, ends with '/': relative links are resolved against it.
    pub blob: Url,
    /// A file's raw bytes, ends with '/': relative images are resolved against it.
    pub raw: Url,
}

/// The URL layouts of the forges that host French communes' software.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forge {
    GitHub,
    GitLab,
    Gitea,
}

impl LinkBase {
    /// For a repository URL and its default branch: GitHub (https://github.com/o/r(.git) →
    /// blob https://github.com/o/r/blob/{branch}/, raw https://github.com/o/r/raw/{branch}/),
    /// GitLab and its instances (gitlab.com, gitlab.adullact.net, any host whose name starts
    /// with "gitlab.": …/-/blob/{branch}/, …/-/raw/{branch}/), Gitea/Forgejo/Codeberg
    /// (…/src/branch/{branch}/, …/raw/branch/{branch}/), and the GitLab layout for unknown
    /// http(s) hosts (the most common self-hosted forge in French administrations).
    /// None for local paths and non-http URLs. Credentials, query and fragment are dropped;
    /// an empty branch becomes `HEAD`, which every one of these forges understands.
    pub fn for_repository(repository_url: &str, branch: &str) -> Option<LinkBase> {
        let url = Url::parse(repository_url.trim()).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let mut segments: Vec<&str> = url
            .path_segments()?
            .filter(|segment| !segment.is_empty())
            .collect();
        if let Some(last) = segments.last_mut() {
            *last = last.strip_suffix(".git").unwrap_or(last);
            if last.is_empty() {
                segments.pop();
            }
        }
        let forge = forge_of(&host);
        if forge == Forge::GitHub {
            // github.com/owner/repo/tree/main is a page of the repository, not a longer name.
            segments.truncate(2);
        }
        if segments.len() < 2 {
            return None;
        }
        let branch = branch.trim_matches('/');
        let branch = if branch.is_empty() { "HEAD" } else { branch };
        let (blob, raw): (&[&str], &[&str]) = match forge {
            Forge::GitHub => (&["blob"], &["raw"]),
            Forge::GitLab => (&["-", "blob"], &["-", "raw"]),
            Forge::Gitea => (&["src", "branch"], &["raw", "branch"]),
        };
        let base = |kind: &[&str]| -> Option<Url> {
            let mut base = url.clone();
            base.set_username("").ok()?;
            base.set_password(None).ok()?;
            base.set_query(None);
            base.set_fragment(None);
            {
                let mut path = base.path_segments_mut().ok()?;
                path.clear();
                path.extend(&segments);
                path.extend(kind);
                path.extend(branch.split('/'));
                // The trailing '/' makes `Url::join` resolve inside the branch.
                path.push("");
            }
            Some(base)
        };
        Some(LinkBase {
            blob: base(blob)?,
            raw: base(raw)?,
        })
    }
}

fn forge_of(host: &str) -> Forge {
    let host = host.strip_prefix("www.").unwrap_or(host);
    if host == "github.com" {
        Forge::GitHub
    } else if host == "codeberg.org"
        || host == "gitea.com"
        || ["gitea.", "forgejo.", "codeberg."]
            .iter()
            .any(|prefix| host.starts_with(prefix))
    {
        Forge::Gitea
    } else {
        // gitlab.com, gitlab.adullact.net, gitlab.* and unknown hosts.
        Forge::GitLab
    }
}

/// Which attribute a URL comes from: links go to the forge's pages, images to raw files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Link,
    Image,
}

/// The URL to keep for an `href`/`src` found in a README, or None to drop the attribute.
/// Absolute http(s) and mailto URLs are kept (ammonia has already refused other schemes);
/// `#section` becomes `#readme-section`; relative paths are resolved within the repository.
pub(super) fn rewrite_url(value: &str, target: Target, links: Option<&LinkBase>) -> Option<String> {
    let value = value.trim();
    if let Ok(url) = Url::parse(value) {
        return match (target, url.scheme()) {
            (_, "http" | "https") | (Target::Link, "mailto") => Some(value.to_owned()),
            _ => None,
        };
    }
    if let Some(fragment) = value.strip_prefix('#') {
        return (target == Target::Link && !fragment.is_empty())
            .then(|| format!("#{}", prefixed_id(fragment)));
    }
    if value.starts_with("//") {
        // Scheme-relative: an absolute URL for a page served over https.
        return Url::parse(&format!("https:{value}"))
            .ok()
            .map(|url| url.to_string());
    }
    let links = links?;
    let base = match target {
        Target::Link => &links.blob,
        Target::Image => &links.raw,
    };
    let relative = within_repository(value)?;
    base.join(&relative).ok().map(|url| url.to_string())
}

/// A relative path as seen from the repository root, where the README is: `./a`, `a`, and
/// `/a` (which forges read as repository-root relative) all give `a`; `..` stops at the root
/// so that a link cannot climb out of the branch into another page of the forge.
fn within_repository(value: &str) -> Option<String> {
    let split = value.find(['?', '#']).unwrap_or(value.len());
    let (path, rest) = value.split_at(split);
    let mut kept: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            segment => kept.push(segment),
        }
    }
    if kept.is_empty() && rest.is_empty() {
        return None;
    }
    let mut relative = kept.join("/");
    if path.ends_with('/') && !relative.is_empty() {
        relative.push('/');
    }
    relative.push_str(rest);
    Some(relative)
}

/// An element id (or the target of an in-page link) with the README prefix.
pub(super) fn prefixed_id(id: &str) -> String {
    if id.starts_with(ID_PREFIX) {
        id.to_owned()
    } else {
        format!("{ID_PREFIX}{id}")
    }
}
