//! `civiforge backup DIR`: a consistent copy of an instance while it runs. The database: SQLite
//! through `VACUUM INTO` (one transaction's view), PostgreSQL through `pg_dump` in its custom
//! format. Each repository through `git clone --mirror --no-local` (git's own protocol reads
//! refs and objects consistently even while a fetch or a `gc` runs). Documents are written
//! once under their digest and copied as they are. `manifest.json` records the search index's
//! position (the change log's last id at the copy): a restored instance rebuilds its index
//! from the database (`civiforge reindex-search`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::store::Store;

/// What a backup holds, as `manifest.json` says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub engine: String,
    /// `civiforge.db` (SQLite) or `civiforge.pgdump` (PostgreSQL, for `pg_restore`).
    pub database: String,
    /// The change log's last id when the database was copied.
    pub search_position: i64,
    pub repositories: usize,
    pub documents: usize,
}

/// Where things are and how to reach the database.
pub struct BackupSource<'a> {
    pub store: &'a dyn Store,
    pub data_dir: &'a Path,
    pub database_url: &'a str,
}

/// Writes the backup into `target`, which must not exist or be empty.
pub async fn run(source: &BackupSource<'_>, target: &Path) -> anyhow::Result<Manifest> {
    if target.exists()
        && std::fs::read_dir(target)
            .with_context(|| format!("impossible de lire {}", target.display()))?
            .next()
            .is_some()
    {
        bail!(
            "le dossier {} n'est pas vide : choisissez un dossier neuf pour la sauvegarde",
            target.display()
        );
    }
    crate::private_files::create_dir(target)
        .with_context(|| format!("impossible de créer {}", target.display()))?;
    let search_position = source.store.last_change_id().await?;
    let database = copy_database(source, target).await?;
    let (data_dir, into) = (source.data_dir.to_path_buf(), target.to_path_buf());
    let (repositories, documents) = tokio::task::spawn_blocking(move || {
        anyhow::Ok((
            copy_repositories(&data_dir.join("mirrors"), &into.join("mirrors"))?,
            copy_files(&data_dir.join("documents"), &into.join("documents"))?,
        ))
    })
    .await??;
    let key = source.data_dir.join(crate::secrets::KEY_FILE);
    if key.is_file() {
        let copy = target.join(crate::secrets::KEY_FILE);
        std::fs::copy(&key, &copy).context("copie de la clé de l'instance impossible")?;
        crate::private_files::make_private(&copy)?;
    }
    let manifest = Manifest {
        format: "civiforge-backup".into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        engine: source.store.engine().into(),
        database,
        search_position,
        repositories,
        documents,
    };
    std::fs::write(
        target.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok(manifest)
}

async fn copy_database(source: &BackupSource<'_>, target: &Path) -> anyhow::Result<String> {
    let file = target.join("civiforge.db");
    if source.store.copy_database(&file).await? {
        crate::private_files::make_private(&file)?;
        return Ok("civiforge.db".into());
    }
    let file = target.join("civiforge.pgdump");
    pg_dump(source.database_url, &file)?;
    Ok("civiforge.pgdump".into())
}

/// `pg_dump --format=custom`, the password given in its environment rather than on its
/// command line (which other users of the machine can read).
fn pg_dump(database_url: &str, file: &Path) -> anyhow::Result<()> {
    let mut url = url::Url::parse(database_url).context("adresse de la base illisible")?;
    let password = url.password().map(str::to_string);
    let _ = url.set_password(None);
    let mut command = Command::new("pg_dump");
    command
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(file)
        .arg("--dbname")
        .arg(url.as_str());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|error| {
        anyhow::anyhow!(
            "pg_dump introuvable ({error}) : installez le paquet postgresql-client-15 pour \
             sauvegarder une base PostgreSQL"
        )
    })?;
    if !output.status.success() {
        bail!(
            "pg_dump a échoué : {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    crate::private_files::make_private(file)?;
    Ok(())
}

/// Every `<id>.git` under `from`, cloned as a mirror into `into`.
fn copy_repositories(from: &Path, into: &Path) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    crate::private_files::create_dir(into)?;
    let mut copied = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if !path.join("HEAD").is_file() || !name.to_string_lossy().ends_with(".git") {
            continue;
        }
        let output = Command::new(crate::forge::git_program())
            .env_clear()
            .envs(crate::forge::base_environment())
            .args(["clone", "--mirror", "--no-local", "--quiet"])
            .arg(&path)
            .arg(into.join(&name))
            .output()
            .context("git introuvable")?;
        if !output.status.success() {
            bail!(
                "copie du dépôt {} impossible : {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        copied += 1;
    }
    Ok(copied)
}

/// The regular files under `from`, copied to the same places under `into`.
fn copy_files(from: &Path, into: &Path) -> anyhow::Result<usize> {
    let mut pending: Vec<(PathBuf, PathBuf)> = vec![(from.to_path_buf(), into.to_path_buf())];
    let mut copied = 0;
    while let Some((source, target)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&source) else {
            continue;
        };
        crate::private_files::create_dir(&target)?;
        for entry in entries.flatten() {
            let kind = entry.file_type()?;
            let (from, to) = (entry.path(), target.join(entry.file_name()));
            if kind.is_dir() {
                pending.push((from, to));
            } else if kind.is_file() && !entry.file_name().to_string_lossy().starts_with('.') {
                // Names starting with a dot are files still being written.
                std::fs::copy(&from, &to)
                    .with_context(|| format!("copie de {} impossible", from.display()))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}
