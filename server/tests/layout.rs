//! The shape of the code, checked: the API and the pages never import each other, nothing
//! but the binary imports the command line, every module says what it is for, and no file
//! grows past about 500 lines.

use std::path::{Path, PathBuf};

/// "About 500 lines": a file past this has become several things.
const MAX_LINES: usize = 550;

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
