//! What civiforge writes stays the service's own: the folders it creates are 0700, the files
//! that hold secrets (the SQLite database, which holds password hashes, its journal files,
//! the instance key) 0600 — created so whatever the umask, and made so at start when an
//! older version left them readable by all. Existing folders are left as they are (a
//! database may live in a shared folder), with a warning for the data folder.

use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates a folder and its missing parents, each 0700; an existing one is not changed.
pub fn create_dir(path: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

/// Creates the data folder 0700, or warns when an existing one is open to other accounts.
pub fn create_data_dir(path: &Path) -> io::Result<()> {
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            folder = %path.display(),
            mode = format!("{:o}", metadata.permissions().mode() & 0o777),
            "the data folder is open to other accounts: chmod 700 it"
        );
    }
    create_dir(path)
}

/// Creates an empty file 0600 unless one is there.
pub fn create_file(path: &Path) -> io::Result<()> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// Takes the group's and others' rights off a file, if it exists and had any.
pub fn make_private(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => {
            let mode = metadata.permissions().mode() & 0o700;
            tracing::info!(file = %path.display(), "made private (0{mode:o})");
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        }
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}
