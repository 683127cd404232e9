//! Tests of tag classification and version ordering, on tag shapes seen in real repositories.

use super::*;

#[test]
fn classifies_real_world_tags() {
    // (tag, semver, is_release)
    let cases: &[(&str, Option<&str>, bool)] = &[
        // Plain and v-prefixed releases.
        ("4.2.0", Some("4.2.0"), true),
        ("v2.3.0", Some("2.3.0"), true),
        ("V1.0", Some("1.0.0"), true),
        ("2.03", Some("2.3.0"), true),
        ("v01.002.0003", Some("1.2.3"), true),
        ("1.0", Some("1.0.0"), true),
        ("5", Some("5.0.0"), true),
        ("v5", Some("5.0.0"), true),
        ("refs/tags/v1.2.3", Some("1.2.3"), true),
        // Word prefixes.
        ("release-1.2", Some("1.2.0"), true),
        ("release/2.1", Some("2.1.0"), true),
        ("release-v3.0.1", Some("3.0.1"), true),
        ("version-3.1", Some("3.1.0"), true),
        ("version_2.0.4", Some("2.0.4"), true),
        ("rel-1.4", Some("1.4.0"), true),
        ("release-5", Some("5.0.0"), true),
        ("r2.1", Some("2.1.0"), true),
        // Project-name prefixes (openMairie, monorepos, npm).
        ("openelec-4.1.0", Some("4.1.0"), true),
        ("openmairie_4.9.0", Some("4.9.0"), true),
        ("opencimetiere-v3.0.0-rc2", Some("3.0.0-rc.2"), false),
        ("python3-1.2.0", Some("1.2.0"), true),
        ("server/v1.2.0", Some("1.2.0"), true),
        ("@scope/pkg@1.2.3", Some("1.2.3"), true),
        // More than three components (Plone, old Zope packages).
        ("4.2.28.19", Some("4.2.28+19"), true),
        ("4.2.28.3", Some("4.2.28+3"), true),
        ("1.2.3.4.5", Some("1.2.3+4.5"), true),
        // Pre-releases in many spellings.
        ("4.2.29rc12", Some("4.2.29-rc.12"), false),
        ("1.0-beta2", Some("1.0.0-beta.2"), false),
        ("2.0.0-alpha.1", Some("2.0.0-alpha.1"), false),
        ("3.0RC1", Some("3.0.0-rc.1"), false),
        ("v2.1-rc", Some("2.1.0-rc"), false),
        ("1.0a1", Some("1.0.0-alpha.1"), false),
        ("1.0b2", Some("1.0.0-beta.2"), false),
        ("1.0.dev3", Some("1.0.0-dev.3"), false),
        ("2.0-SNAPSHOT", Some("2.0.0-snapshot"), false),
        ("1.0-M1", Some("1.0.0-m.1"), false),
        ("1.0.0-beta-02", Some("1.0.0-beta.2"), false),
        ("1.0.0-x.7.z.92", Some("1.0.0-x.7.z.92"), false),
        (
            "v1.2.3-rc.1+exp.sha.5114f85",
            Some("1.2.3-rc.1+exp.sha.5114f85"),
            false,
        ),
        // Release words, editions, revisions, build metadata.
        ("2.1-final", Some("2.1.0"), true),
        ("1.0.0.RELEASE", Some("1.0.0"), true),
        ("3.2.GA", Some("3.2.0"), true),
        ("v16.0.0-ee", Some("16.0.0+ee"), true),
        ("v16.0.0-ce", Some("16.0.0+ce"), true),
        ("1.2-3", Some("1.2.0+3"), true),
        ("2.2.post1", Some("2.2.0+post.1"), true),
        ("1.2.3+build.5", Some("1.2.3+build.5"), true),
        ("2024.1.0", Some("2024.1.0"), true),
        // Branch-like tags.
        ("celery-probe-2", None, false),
        ("1363-speedup", None, false),
        ("latest", None, false),
        ("stable", None, false),
        ("test", None, false),
        ("backup-2019", None, false),
        ("2019-01-15", None, false),
        ("r1234", None, false),
        ("1363", None, false),
        ("v2019", None, false),
        ("2.1.x", None, false),
        ("1.2-hotfix", None, false),
        ("go1.21.0", None, false),
        ("99999999999999999999999.0", None, false),
        ("v", None, false),
        ("", None, false),
        ("   ", None, false),
    ];
    assert!(cases.len() >= 40);
    for (tag, semver, is_release) in cases {
        let parsed = parse_version_tag(tag);
        assert_eq!(parsed.tag, *tag);
        assert_eq!(
            (parsed.semver.as_deref(), parsed.is_release),
            (*semver, *is_release),
            "{tag}"
        );
    }
}

#[test]
fn never_panics_on_odd_tags() {
    let long = "1.".repeat(200);
    for tag in [
        "\u{FFFD}1.0",
        "1é.0",
        "1.0-é",
        "1.0+é",
        "v1.0+",
        "1.0-",
        long.as_str(),
        "-1.0",
        "..1",
    ] {
        let parsed = parse_version_tag(tag);
        if let Some(semver) = &parsed.semver {
            Version::parse(semver).expect("normalised text is valid SemVer");
        }
    }
}

#[test]
fn orders_newest_first() {
    let date = |day: u32| {
        chrono::NaiveDate::from_ymd_opt(2024, 1, day)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a valid date")
            .and_utc()
    };
    let expected = [
        "v16.0.0-ee",
        "4.2.29",
        "4.2.29rc12",
        "4.2.29rc2",
        "4.2.28.19",
        "4.2.28.3",
        "4.2.28",
        "openelec-4.1.0",
        "4.1.0-beta.2",
        "4.1.0-alpha.1",
        "2.03",
        "1.10",
        "v1.9.0",
        "1.0",
        "stable",
        "backup-2019",
        "latest",
        "1363-speedup",
    ];
    let dated = |tag: &str| {
        let parsed = parse_version_tag(tag);
        match tag {
            "stable" => parsed.with_date(date(20)),
            "backup-2019" => parsed.with_date(date(10)),
            "latest" => parsed.with_date(date(1)),
            _ => parsed,
        }
    };
    // A fixed shuffle, so that a failure can be replayed.
    let shuffled = [
        "1.0",
        "latest",
        "4.2.28.3",
        "v16.0.0-ee",
        "4.1.0-alpha.1",
        "1363-speedup",
        "4.2.29rc2",
        "2.03",
        "stable",
        "4.2.28",
        "openelec-4.1.0",
        "1.10",
        "4.2.29",
        "backup-2019",
        "4.2.28.19",
        "v1.9.0",
        "4.1.0-beta.2",
        "4.2.29rc12",
    ];
    let mut versions: Vec<VersionName> = shuffled.iter().map(|tag| dated(tag)).collect();
    versions.sort_by(compare_versions);
    let tags: Vec<&str> = versions.iter().map(|v| v.tag.as_str()).collect();
    assert_eq!(tags, expected);

    let latest_release = versions
        .iter()
        .find(|v| v.is_release)
        .map(|v| v.tag.as_str());
    assert_eq!(latest_release, Some("v16.0.0-ee"));
}

#[test]
fn equal_versions_are_ordered_by_date_then_tag() {
    let old = chrono::DateTime::from_timestamp(1_600_000_000, 0).expect("a valid timestamp");
    let new = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("a valid timestamp");
    let a = parse_version_tag("v1.0").with_date(old);
    let b = parse_version_tag("1.0.0").with_date(new);
    assert_eq!(compare_versions(&a, &b), Ordering::Greater);
    let c = parse_version_tag("v1.0");
    let d = parse_version_tag("1.0.0");
    assert_eq!(compare_versions(&c, &d), Ordering::Less);
    assert_eq!(compare_versions(&c, &c), Ordering::Equal);
}
