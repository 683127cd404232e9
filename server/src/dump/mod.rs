//! `civiforge export` and `civiforge import-dump`: the whole catalogue as one JSON document,
//! the same from SQLite and PostgreSQL, read back into either. Rows are streamed both ways
//! (a catalogue of a million adoptions never sits in memory); an import is one transaction
//! that writes everything or nothing, and the search index is rebuilt after it.
//!
//! ```json
//! {"format": "civiforge-dump", "version": 1, "engine": "sqlite", "exported_at": "…",
//!  "tables": [{"name": "users", "columns": ["id", "email", …], "rows": [[1, "…", …], …]}, …]}
//! ```

mod cells;
mod reader;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::store::Store;
use crate::store::dump::{Cell, DumpSink, DumpTable, ImportTally};

pub use reader::read_dump;

/// The value of the `format` key.
pub const FORMAT: &str = "civiforge-dump";
/// The newest version of the format this binary writes and reads.
pub const VERSION: u64 = 1;

/// Writes the whole catalogue to `out`; answers rows per table.
pub async fn export(
    store: &dyn Store,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ImportTally> {
    // `format` first: a reader knows what it reads before any row.
    write!(
        out,
        "{{\"format\":{},\"version\":{VERSION},\"engine\":{},\"exported_at\":{},\"tables\":[",
        serde_json::to_string(FORMAT)?,
        serde_json::to_string(store.engine())?,
        serde_json::to_string(&cells::timestamp_text(&chrono::Utc::now()))?
    )?;
    let mut writer = JsonWriter {
        out,
        tables: 0,
        rows: 0,
    };
    let tally = store.export_rows(&mut writer).await?;
    if writer.tables > 0 {
        write!(writer.out, "]}}")?;
    }
    writeln!(writer.out, "\n]}}")?;
    writer.out.flush()?;
    Ok(tally)
}

/// Writes each table as it comes, a row per line.
struct JsonWriter<'a> {
    out: &'a mut (dyn Write + Send),
    tables: usize,
    /// Rows of the current table so far.
    rows: u64,
}

impl DumpSink for JsonWriter<'_> {
    fn table(&mut self, table: &'static DumpTable) -> std::io::Result<()> {
        let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        let closing = if self.tables == 0 { "" } else { "]}," };
        write!(
            self.out,
            "{closing}\n{{\"name\":{},\"columns\":{},\"rows\":[",
            serde_json::to_string(table.name)?,
            serde_json::to_string(&names)?
        )?;
        self.tables += 1;
        self.rows = 0;
        Ok(())
    }

    fn row(&mut self, row: Vec<Cell>) -> std::io::Result<()> {
        self.out
            .write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
        self.rows += 1;
        serde_json::to_writer(&mut *self.out, &cells::row_json(row))?;
        Ok(())
    }
}

/// [`export`] into `path`, written beside it and renamed once complete, readable by its
/// owner only (it holds password hashes).
pub async fn export_to_file(store: &dyn Store, path: &Path) -> anyhow::Result<ImportTally> {
    let file_name = path
        .file_name()
        .with_context(|| format!("« {} » n'est pas un nom de fichier", path.display()))?;
    let mut partial = path.to_path_buf();
    partial.set_file_name(format!(".{}.partiel", file_name.to_string_lossy()));
    let _ = std::fs::remove_file(&partial);
    crate::private_files::create_file(&partial)
        .with_context(|| format!("impossible de créer {}", partial.display()))?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&partial)
        .with_context(|| format!("impossible d'écrire {}", partial.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let written = export(store, &mut out).await;
    let finished = written.and_then(|tally| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("impossible d'écrire {}", path.display()))?;
        Ok(tally)
    });
    if finished.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    finished
}

/// Reads the dump at `path` into the store's empty catalogue, in one transaction.
pub async fn import(store: &dyn Store, path: &Path) -> anyhow::Result<ImportTally> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("impossible de lire {}", path.display()))?;
    let (parts, received) = tokio::sync::mpsc::channel(4);
    let reading = tokio::task::spawn_blocking(move || {
        read_dump(std::io::BufReader::new(file), &parts);
    });
    let imported = store.import_rows(received).await;
    // The reader stops when the store hangs up; its outcome is in what the store answered.
    let _ = reading.await;
    Ok(imported?)
}

/// One line per table with rows, for the command's output.
pub fn summary(tally: &ImportTally) -> String {
    tally
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{table} : {rows}"))
        .collect::<Vec<_>>()
        .join("\n")
}
