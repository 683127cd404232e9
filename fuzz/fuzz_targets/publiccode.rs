//! Fuzz target: publiccode.yml parsing and validation
//! (`civiforge_indexer::publiccode::parse_publiccode`).
//!
//! Invariants checked:
//! - parsing never panics and is deterministic; the report serialises to JSON (the server
//!   stores it);
//! - a report with nothing read (`publiccode` None) has at least one error: input that is not
//!   UTF-8, not YAML, not a mapping or over `MAX_PUBLICCODE_BYTES` is always diagnosed;
//! - every diagnostic has a message, and its line, when given, is within the file;
//! - a valid file (no errors) has the keys the standard requires (`publiccodeYmlVersion`,
//!   `name`, `url`, `developmentStatus`, `softwareType`, `legal.license`), not blank;
//! - what a valid file maps to is stable: written back as JSON (which is YAML) and parsed
//!   again, it is still valid and maps to the same fields.

#![no_main]

use civiforge_indexer::publiccode::{
    Diagnostic, MAX_PUBLICCODE_BYTES, PublicCodeReport, parse_publiccode,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = parse_publiccode(data);
    assert_eq!(parse_publiccode(data), report, "not deterministic");
    assert_eq!(report.is_valid(), report.errors.is_empty());
    serde_json::to_string(&report).expect("the report serialises to JSON");

    if report.publiccode.is_none() {
        assert!(!report.errors.is_empty(), "nothing read, yet no error");
    }
    if data.len() > MAX_PUBLICCODE_BYTES || std::str::from_utf8(data).is_err() {
        assert!(report.publiccode.is_none() && !report.errors.is_empty());
    }

    let lines = line_count(data);
    for diagnostic in report.errors.iter().chain(&report.warnings) {
        check_diagnostic(diagnostic, lines);
    }

    if report.is_valid() {
        check_valid(&report);
    }
});

/// Lines in the file, counting every YAML line break (and the Unicode ones, to be generous).
fn line_count(data: &[u8]) -> usize {
    let text = String::from_utf8_lossy(data);
    1 + text
        .chars()
        .filter(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
        .count()
}

fn check_diagnostic(diagnostic: &Diagnostic, lines: usize) {
    assert!(
        !diagnostic.message.trim().is_empty(),
        "empty message: {diagnostic:?}"
    );
    if let Some(line) = diagnostic.line {
        // One past the last line for an error at the very end of the file.
        assert!(
            (1..=lines + 1).contains(&line),
            "line {line} outside a file of {lines} lines: {diagnostic:?}"
        );
    }
}

fn check_valid(report: &PublicCodeReport) {
    let publiccode = report
        .publiccode
        .as_ref()
        .expect("a valid file has been read");
    let present = |value: Option<&String>| value.is_some_and(|v| !v.trim().is_empty());
    for (key, value) in [
        (
            "publiccodeYmlVersion",
            publiccode.publiccode_yml_version.as_ref(),
        ),
        ("name", publiccode.name.as_ref()),
        ("url", publiccode.url.as_ref()),
        ("developmentStatus", publiccode.development_status.as_ref()),
        ("softwareType", publiccode.software_type.as_ref()),
        (
            "legal.license",
            publiccode.legal.as_ref().and_then(|l| l.license.as_ref()),
        ),
    ] {
        assert!(present(value), "valid without {key}: {publiccode:?}");
    }

    let json = serde_json::to_vec(publiccode).expect("a PublicCode serialises to JSON");
    let again = parse_publiccode(&json);
    assert!(
        again.is_valid(),
        "valid file no longer valid once written back: {:?}\n{}",
        again.errors,
        String::from_utf8_lossy(&json)
    );
    assert_eq!(
        again.publiccode.as_ref(),
        Some(publiccode),
        "fields changed once written back:\n{}",
        String::from_utf8_lossy(&json)
    );
}
