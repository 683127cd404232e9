//! Reading files of a commit straight from git objects, never from a work tree: symlinks and
//! submodules are never followed, and every read is capped in size.

use git2::{ObjectType, Repository, Tree};

/// What reading one file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    Content(Vec<u8>),
    /// The name is a symbolic link: its target is not followed.
    Symlink,
    /// The blob is bigger than the cap.
    TooLarge {
        size: usize,
    },
    /// The object is missing from the mirror (a damaged or partial repository).
    Missing,
    /// Not a file (a folder or a submodule).
    NotAFile,
}

/// Git's mode for symbolic links.
const SYMLINK_MODE: i32 = 0o120000;

/// The names at the root of a tree, with whether each is a regular file.
pub fn root_entries(tree: &Tree<'_>) -> Vec<(String, bool)> {
    tree.iter()
        .filter_map(|entry| {
            let name = entry.name().ok()?.to_string();
            let is_file =
                entry.kind() == Some(ObjectType::Blob) && entry.filemode() != SYMLINK_MODE;
            Some((name, is_file))
        })
        .collect()
}

/// Reads the file at `name` in the root of `tree`, at most `max_bytes`.
pub fn read_root_file(
    repo: &Repository,
    tree: &Tree<'_>,
    name: &str,
    max_bytes: usize,
) -> FileRead {
    let Some(entry) = tree.get_name(name) else {
        return FileRead::Missing;
    };
    if entry.filemode() == SYMLINK_MODE {
        return FileRead::Symlink;
    }
    if entry.kind() != Some(ObjectType::Blob) {
        return FileRead::NotAFile;
    }
    let Ok(odb) = repo.odb() else {
        return FileRead::Missing;
    };
    // The header gives the size without inflating the blob.
    match odb.read_header(entry.id()) {
        Ok((size, _)) if size > max_bytes => return FileRead::TooLarge { size },
        Ok(_) => {}
        Err(_) => return FileRead::Missing,
    }
    match repo.find_blob(entry.id()) {
        Ok(blob) => FileRead::Content(blob.content().to_vec()),
        Err(_) => FileRead::Missing,
    }
}

/// Sizes of every regular file under `tree`, by path, stopping after `max_entries`.
pub fn file_sizes(repo: &Repository, tree: &Tree<'_>, max_entries: usize) -> Vec<(String, usize)> {
    let mut files = Vec::new();
    let Ok(odb) = repo.odb() else {
        return files;
    };
    let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if files.len() >= max_entries {
            return git2::TreeWalkResult::Abort;
        }
        if entry.kind() == Some(ObjectType::Blob)
            && entry.filemode() != SYMLINK_MODE
            && let (Ok(name), Ok((size, _))) = (entry.name(), odb.read_header(entry.id()))
        {
            files.push((format!("{dir}{name}"), size));
        }
        git2::TreeWalkResult::Ok
    });
    files
}
