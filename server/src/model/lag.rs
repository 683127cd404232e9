//! Version lag: which versions a project's adopters run, and how far each is behind the
//! project's latest release, in releases and in months.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::LatestVersion;

/// The adopters of one version as the store counts them (adoptions in use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionUsage {
    /// As the adopters declared it; `None` when they did not say.
    pub declared: Option<String>,
    pub adopters: i64,
    /// The tag the declared version names (`2.1.0` names `v2.1.0` too), if any.
    pub tag: Option<String>,
    pub tag_date: Option<DateTime<Utc>>,
    /// Releases newer than that tag.
    pub releases_behind: Option<i64>,
}

/// One version in use by a project's adopters.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionInUse {
    /// The version as declared; null for adopters who did not say which.
    pub version: Option<String>,
    pub adopters: i64,
    /// The tag it names, when the repository has it.
    pub tag: Option<String>,
    /// Releases published since (0: the latest); null when the version is not a known tag.
    pub releases_behind: Option<i64>,
    /// Whole months between this version's date and the latest release's.
    pub months_behind: Option<i64>,
}

/// A project's adopters grouped by version, newest first, then versions civiforge cannot
/// place (not a tag of the repository), then adopters who gave none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionLag {
    pub latest: Option<LatestVersion>,
    pub versions: Vec<VersionInUse>,
    /// Adopters on a known version older than the latest release.
    pub adopters_behind: i64,
}

impl VersionLag {
    pub fn new(latest: Option<LatestVersion>, usage: Vec<VersionUsage>) -> Self {
        let latest_date = latest.as_ref().and_then(|l| l.date);
        let mut versions: Vec<VersionInUse> = usage
            .into_iter()
            .map(|u| VersionInUse {
                months_behind: u
                    .releases_behind
                    .and_then(|_| months_between(u.tag_date?, latest_date?)),
                version: u.declared,
                adopters: u.adopters,
                tag: u.tag,
                releases_behind: u.releases_behind,
            })
            .collect();
        versions.sort_by_key(|v| {
            (
                v.version.is_none(),
                v.releases_behind.is_none(),
                v.releases_behind,
                v.version.clone(),
            )
        });
        let adopters_behind = versions
            .iter()
            .filter(|v| v.releases_behind.is_some_and(|n| n > 0))
            .map(|v| v.adopters)
            .sum();
        VersionLag {
            latest,
            versions,
            adopters_behind,
        }
    }
}

/// A newer release of something an organisation uses.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateAvailable {
    pub project: String,
    pub project_name: String,
    /// The version the organisation declared.
    pub version: String,
    pub latest: String,
    pub releases_behind: i64,
    pub months_behind: Option<i64>,
}

/// A release of a project an organisation uses, for its feed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UsedRelease {
    pub project: String,
    pub project_name: String,
    pub version: String,
    pub date: Option<DateTime<Utc>>,
}

/// Whole months from `from` to `to` (0 when `to` is not later).
pub fn months_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<i64> {
    let mut months =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    if to.day() < from.day() {
        months -= 1;
    }
    Some(months.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("date")
    }

    #[test]
    fn months_are_whole_months() {
        assert_eq!(months_between(at(2024, 1, 31), at(2024, 3, 1)), Some(1));
        assert_eq!(months_between(at(2023, 6, 11), at(2024, 6, 11)), Some(12));
        assert_eq!(months_between(at(2024, 6, 11), at(2024, 1, 1)), Some(0));
    }

    #[test]
    fn versions_are_ordered_newest_first_then_unplaced_then_unsaid() {
        let usage = |declared: Option<&str>, behind: Option<i64>, adopters| VersionUsage {
            declared: declared.map(str::to_string),
            adopters,
            tag: declared.filter(|_| behind.is_some()).map(str::to_string),
            tag_date: behind.map(|n| at(2024 - n as i32, 1, 1)),
            releases_behind: behind,
        };
        let lag = VersionLag::new(
            Some(LatestVersion {
                name: "v3.0".into(),
                date: Some(at(2024, 1, 1)),
            }),
            vec![
                usage(None, None, 4),
                usage(Some("0.9"), None, 1),
                usage(Some("v1.0"), Some(2), 3),
                usage(Some("v3.0"), Some(0), 2),
            ],
        );
        let order: Vec<_> = lag.versions.iter().map(|v| v.version.clone()).collect();
        assert_eq!(
            order,
            [
                Some("v3.0".into()),
                Some("v1.0".into()),
                Some("0.9".into()),
                None
            ]
        );
        assert_eq!(lag.versions[1].months_behind, Some(24));
        assert_eq!(lag.adopters_behind, 3);
    }
}
