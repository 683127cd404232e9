//! The shape of the code, checked: the API and the pages never import each other, no two
//! top-level modules import each other, nothing but the binary imports the command line, every module says what it is for, and no file
//! grows past about 500 lines.

use std::path::{Path, PathBuf};

/// "About 500 lines": a file past this has become several things.
const MAX_LINES: usize = 520;

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty(), "no Rust file under {}", dir.display());
    files.sort();
    files
}

fn server_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("source file")
}

#[test]
fn the_api_and_the_pages_do_not_import_each_other() {
    for (folder, forbidden) in [("http", "crate::pages"), ("pages", "crate::http")] {
        for file in rust_files(&server_src().join(folder)) {
            assert!(
                !read(&file).contains(forbidden),
                "{} uses {forbidden}: shared rules belong in domain/, shared state in state.rs",
                file.display()
            );
        }
    }
}

/// The top-level module a file of `server/src` belongs to (`domain` for `domain/lag.rs`).
fn top_module(file: &Path) -> String {
    let relative = file.strip_prefix(server_src()).expect("under src");
    let first = relative.components().next().expect("component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// Two top-level modules never import each other: requests flow adapter → domain → store,
/// and the helpers below them (validation, model, text) reach back to none of them.
#[test]
fn top_level_modules_import_each_other_in_no_circle() {
    let mut uses: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let files = rust_files(&server_src());
    let modules: std::collections::BTreeSet<String> = files.iter().map(|f| top_module(f)).collect();
    for file in &files {
        let from = top_module(file);
        let text = read(file);
        for (at, _) in text.match_indices("crate::") {
            let to: String = text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if to != from && modules.contains(&to) {
                uses.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    for (from, targets) in &uses {
        for to in targets {
            assert!(
                !uses.get(to).is_some_and(|back| back.contains(from)),
                "{from} and {to} import each other"
            );
        }
    }
}

#[test]
fn only_the_binary_uses_the_command_line_module() {
    for file in rust_files(&server_src()) {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "cli.rs" || name == "main.rs" || name == "lib.rs" {
            continue;
        }
        assert!(
            !read(&file).contains("crate::cli"),
            "{} uses crate::cli: operations belong in domain/",
            file.display()
        );
    }
}

#[test]
fn every_module_says_what_it_is_for_and_stays_small() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = rust_files(&server_src());
    files.extend(rust_files(&root.join("indexer/src")));
    files.extend(rust_files(&root.join("bench/src")));
    for file in files {
        let text = read(&file);
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! line",
            file.display()
        );
        let lines = text.lines().count();
        assert!(
            lines <= MAX_LINES,
            "{} has {lines} lines: split it by what its parts do",
            file.display()
        );
    }
}
