//! publiccode.yml parsing against the reference parser's fixtures, real files from public
//! repositories, and hostile inputs.

use std::path::{Path, PathBuf};

use civiforge_indexer::publiccode::{MAX_PUBLICCODE_BYTES, PublicCodeReport, parse_publiccode};

/// The test data ships in the repository, each folder with its licence (see its README.md).
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/publiccode");

fn data_dir(sub: &str) -> PathBuf {
    let dir = Path::new(DATA).join(sub);
    assert!(
        dir.is_dir(),
        "test data folder {} is missing from the repository",
        dir.display()
    );
    dir
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable fixture folder") {
            let path = entry.expect("readable fixture entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn parse_file(path: &Path) -> PublicCodeReport {
    parse_publiccode(&std::fs::read(path).expect("readable fixture"))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    Valid,
    ValidWithWarnings,
    Invalid,
}

fn verdict(report: &PublicCodeReport) -> Verdict {
    match (report.errors.is_empty(), report.warnings.is_empty()) {
        (false, _) => Verdict::Invalid,
        (true, true) => Verdict::Valid,
        (true, false) => Verdict::ValidWithWarnings,
    }
}

/// Fixtures whose verdict in the reference parser depends on something civiforge does not do
/// at parse time, with the reason. Paths are relative to `parser-fixtures/`.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "v0/invalid/logo_missing_url.yml",
        "the logo URL answers 404: needs the network",
    ),
    (
        "v0/invalid/logo_missing_file.yml",
        "the logo file is absent from the repository: needs the files",
    ),
    (
        "v0/invalid/no-network/logo_missing_file.yml",
        "same, the logo file is absent",
    ),
    (
        "v0/invalid/no-network/logo_invalid_png.yml",
        "the logo is not a PNG image: needs the file's content",
    ),
    (
        "v0/invalid/monochromeLogo_missing_file.yml",
        "the monochrome logo file is absent",
    ),
    (
        "v0/invalid/no-network/monochromeLogo_invalid_png.yml",
        "the monochrome logo is not a PNG image",
    ),
    (
        "v0/invalid/description_en_screenshots_missing_file.yml",
        "the screenshot file is absent",
    ),
    (
        "v0/invalid/legal_authorsFile_missing_file.yml",
        "the authors file is absent",
    ),
    (
        "v0/invalid/organisation_uri_wrong_italian_pa2.yml",
        "well-formed iPA code missing from the Italian registry (not embedded)",
    ),
    (
        "v0/invalid/fundedBy_uri_wrong_italian_pa2.yml",
        "well-formed iPA code missing from the Italian registry (not embedded)",
    ),
];

#[test]
fn reference_fixtures_agree() {
    let root = data_dir("parser-fixtures");
    let folders = [
        ("v0/valid", Verdict::Valid),
        ("v0/valid_with_warnings", Verdict::ValidWithWarnings),
        ("v0/invalid", Verdict::Invalid),
        ("v1/valid", Verdict::Valid),
        ("v1/invalid", Verdict::Invalid),
        // Files valid in version 0 that version 1 rejects.
        ("v1/invalid_valid_in_v0", Verdict::Invalid),
        ("v1/invalid_valid_with_warnings_in_v0", Verdict::Invalid),
    ];
    let (mut total, mut agree) = (0, 0);
    let mut failures = Vec::new();
    for (folder, expected) in folders {
        let files = yaml_files(&root.join(folder));
        assert!(!files.is_empty(), "no fixture in {folder}");
        for file in files {
            let relative = file
                .strip_prefix(&root)
                .expect("fixture under root")
                .to_string_lossy()
                .into_owned();
            let report = parse_file(&file);
            let got = verdict(&report);
            total += 1;
            let excepted = EXCEPTIONS.iter().any(|(path, _)| *path == relative);
            if got == expected {
                agree += 1;
                assert!(
                    !excepted,
                    "{relative} is listed as an exception but now agrees"
                );
            } else if !excepted {
                failures.push(format!(
                    "{relative}: expected {expected:?}, got {got:?}\n  errors: {:?}\n  warnings: {:?}",
                    report.errors, report.warnings
                ));
            }
        }
    }
    println!(
        "fixture agreement: {agree}/{total} ({} documented exceptions)",
        EXCEPTIONS.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        agree + EXCEPTIONS.len(),
        total,
        "every exception must be a fixture"
    );
}

#[test]
fn real_files_give_a_useful_result() {
    let files = yaml_files(&data_dir("real"));
    assert!(files.len() >= 20, "expected the real publiccode.yml files");
    for file in files {
        let report = parse_file(&file);
        let name = file.display();
        let publiccode = report
            .publiccode
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: not mapped: {:?}", report.errors));
        assert!(
            publiccode.name.as_deref().is_some_and(|n| !n.is_empty()),
            "{name}: no name"
        );
        assert!(publiccode.url.is_some(), "{name}: no url");
        println!(
            "{}: {} errors, {} warnings",
            file.file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default(),
            report.errors.len(),
            report.warnings.len()
        );
        for diagnostic in report.errors.iter().chain(&report.warnings) {
            assert!(!diagnostic.message.is_empty(), "{name}: empty message");
        }
    }
}

fn snapshot_report(sub: &str) -> PublicCodeReport {
    parse_file(&data_dir("").join(sub))
}

#[test]
fn snapshot_real_french_file() {
    insta::assert_yaml_snapshot!(snapshot_report(
        "standard-examples/docs_fr_example_publiccode.yml"
    ));
}

#[test]
fn snapshot_real_file_with_unquoted_version() {
    insta::assert_yaml_snapshot!(snapshot_report("real/Amsterdam__signals-frontend.yml"));
}

#[test]
fn snapshot_real_italian_file() {
    insta::assert_yaml_snapshot!(snapshot_report("real/Comune-Milano__Whistleblowing.yml"));
}

#[test]
fn snapshot_invalid_file() {
    insta::assert_yaml_snapshot!(snapshot_report(
        "parser-fixtures/v0/invalid/mostly_empty.yml"
    ));
}

#[test]
fn billion_laughs_is_rejected_fast() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let started = std::time::Instant::now();
    let report = parse_publiccode(bomb.as_bytes());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(report.publiccode.is_none());
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0].message.contains("limites de sécurité"),
        "{}",
        report.errors[0].message
    );
}

#[test]
fn oversized_input_is_refused() {
    let mut big = b"name: x\nlongDescription: ".to_vec();
    big.resize(MAX_PUBLICCODE_BYTES + 1, b'a');
    let report = parse_publiccode(&big);
    assert!(report.publiccode.is_none());
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].message.contains("limite"),
        "{}",
        report.errors[0].message
    );
}

#[test]
fn non_utf8_input_is_an_error() {
    let report = parse_publiccode(b"name: Caf\xe9\nurl: https://example.org\n");
    assert!(report.publiccode.is_none());
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].message.contains("UTF-8"));
}

#[test]
fn yaml_syntax_error_has_a_line() {
    let report = parse_publiccode(b"name: ok\nurl: [unclosed\nplatforms:\n  - web\n");
    assert!(!report.is_valid());
    assert!(report.errors[0].line.is_some(), "{:?}", report.errors);
}

#[test]
fn arbitrary_inputs_never_panic() {
    let samples: &[&[u8]] = &[
        b"",
        b"~",
        b"- a\n- b\n",
        b"\xef\xbb\xbfname: x\n",
        b"? [a, b]\n: c\n",
        b"name: !!binary aGVsbG8=\n",
        b"description:\n  fr: [1, 2]\n  en: null\n",
        b"maintenance: {type: contract, contractors: [1, {name: [x]}]}\n",
        b"legal: {license: '((((((((((((((((((((MIT'}\n",
        b"a: &x {b: *x}\n",
        b"publiccodeYmlVersion: 0.2\nIT: [1]\nit: {riuso: 3}\n",
    ];
    for sample in samples {
        let _ = parse_publiccode(sample);
    }
    let deep = "[".repeat(10_000);
    let report = parse_publiccode(deep.as_bytes());
    assert!(!report.is_valid());
}
