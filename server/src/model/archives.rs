//! Release archives of a version, as the versions API and the project page list them.

use serde::Serialize;
use utoipa::ToSchema;

/// The two formats an archive is built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum ArchiveFormat {
    #[serde(rename = "tar.gz")]
    TarGz,
    #[serde(rename = "zip")]
    Zip,
}

impl ArchiveFormat {
    pub const ALL: [ArchiveFormat; 2] = [ArchiveFormat::TarGz, ArchiveFormat::Zip];

    /// The end of the file's name, and the format's name in the database and for `git archive`.
    pub fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::TarGz => "tar.gz",
            ArchiveFormat::Zip => "zip",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ArchiveFormat::TarGz => "application/gzip",
            ArchiveFormat::Zip => "application/zip",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == text)
    }

    /// `4.2.0.tar.gz` → (`4.2.0`, tar.gz); none for another ending or no version.
    pub fn split_file_name(name: &str) -> Option<(&str, Self)> {
        Self::ALL.into_iter().find_map(|format| {
            let version = name.strip_suffix(format.extension())?.strip_suffix('.')?;
            (!version.is_empty()).then_some((version, format))
        })
    }
}

/// One archive of a version: where to download it and, once it was built, its digest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionArchive {
    pub format: ArchiveFormat,
    /// Relative to the instance: `/projets/{slug}/archive/{version}.tar.gz`.
    pub url: String,
    /// SHA-256 of the file, in hexadecimal; null until it was first built.
    pub sha256: Option<String>,
    pub size_bytes: Option<i64>,
}

impl VersionArchive {
    /// The archives of one version: every format, each with its digest when `built` has one.
    pub fn of_version(
        slug: &str,
        version: &str,
        built: &[(ArchiveFormat, String, i64)],
    ) -> Vec<VersionArchive> {
        let encoded = path_segment(version);
        ArchiveFormat::ALL
            .into_iter()
            .map(|format| {
                let digest = built.iter().find(|(f, _, _)| *f == format);
                VersionArchive {
                    format,
                    url: format!("/projets/{slug}/archive/{encoded}.{}", format.extension()),
                    sha256: digest.map(|(_, sha, _)| sha.clone()),
                    size_bytes: digest.map(|(_, _, size)| *size),
                }
            })
            .collect()
    }
}

/// A tag as one segment of an address: everything but unreserved characters percent-encoded
/// (a tag may hold `/`, spaces or any letter).
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_split_into_version_and_format() {
        assert_eq!(
            ArchiveFormat::split_file_name("4.2.0.tar.gz"),
            Some(("4.2.0", ArchiveFormat::TarGz))
        );
        assert_eq!(
            ArchiveFormat::split_file_name("v1.zip"),
            Some(("v1", ArchiveFormat::Zip))
        );
        assert_eq!(ArchiveFormat::split_file_name(".zip"), None);
        assert_eq!(ArchiveFormat::split_file_name("4.2.0.tar"), None);
    }

    #[test]
    fn tags_with_any_character_make_one_segment() {
        let links = VersionArchive::of_version("openelec", "release/4.2 é", &[]);
        assert_eq!(
            links[0].url,
            "/projets/openelec/archive/release%2F4.2%20%C3%A9.tar.gz"
        );
        assert_eq!(links[1].sha256, None);
    }
}
