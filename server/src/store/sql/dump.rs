//! The SQL behind [`DumpStore`](crate::store::dump::DumpStore): each table read in its order
//! with typed cells, and written back in multi-row inserts, ids kept, in one transaction.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::dialect::{
    BEGIN_SNAPSHOT, BEGIN_WRITE, Db, Engine, OVERRIDING_IDENTITY, RESET_IDENTITY, TRUNCATE,
};
use crate::store::dump::{
    BatchStream, Cell, DumpBatch, DumpPart, DumpSink, ImportTally, Kind, TABLES,
};
use crate::store::{StoreError, StoreResult};

/// Most parameters one insert binds (SQLite's limit is 32,766, PostgreSQL's 65,535).
const MAX_PARAMETERS: usize = 30_000;

fn cell(row: &<Db as sqlx::Database>::Row, index: usize, kind: Kind) -> sqlx::Result<Cell> {
    Ok(match kind {
        Kind::Integer => Cell::Integer(row.try_get(index)?),
        Kind::Text => Cell::Text(row.try_get(index)?),
        Kind::Boolean => Cell::Boolean(row.try_get(index)?),
        Kind::Timestamp => Cell::Timestamp(row.try_get(index)?),
        Kind::Date => Cell::Date(row.try_get(index)?),
    })
}

fn bind(row: &mut sqlx::query_builder::Separated<'_, Db, &'static str>, cell: Cell) {
    match cell {
        Cell::Integer(value) => row.push_bind(value),
        Cell::Text(value) => row.push_bind(value),
        Cell::Boolean(value) => row.push_bind(value),
        Cell::Timestamp(value) => row.push_bind(value),
        Cell::Date(value) => row.push_bind(value),
    };
}

/// Why the target refuses a dump: it already holds a catalogue of its own.
fn not_empty(users: i64, projects: i64) -> StoreError {
    StoreError::Dump(format!(
        "la base de destination n'est pas vide ({users} compte(s), {projects} projet(s)) : \
         importez dans une base neuve"
    ))
}

impl Engine {
    async fn insert_batch(
        tx: &mut sqlx::Transaction<'_, Db>,
        batch: DumpBatch,
    ) -> StoreResult<u64> {
        let names: Vec<&str> = batch.columns.iter().map(|c| c.name).collect();
        let per_insert = (MAX_PARAMETERS / names.len().max(1)).max(1);
        let head = format!(
            "INSERT INTO {} ({}){} ",
            batch.table.name,
            names.join(", "),
            if batch.table.generated_id {
                OVERRIDING_IDENTITY
            } else {
                ""
            }
        );
        let mut written = 0;
        let mut rows = batch.rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_insert).collect();
            written += chunk.len() as u64;
            let mut query = sqlx::QueryBuilder::<Db>::new(head.clone());
            query.push_values(chunk, |mut row, cells| {
                for value in cells {
                    bind(&mut row, value);
                }
            });
            query.build().execute(&mut **tx).await.map_err(|error| {
                StoreError::Dump(format!(
                    "table {} : ligne refusée par la base ({error})",
                    batch.table.name
                ))
            })?;
        }
        Ok(written)
    }
}

#[async_trait::async_trait]
impl crate::store::dump::DumpStore for Engine {
    async fn export_rows(&self, sink: &mut dyn DumpSink) -> StoreResult<ImportTally> {
        let unwritable = |error: std::io::Error| {
            StoreError::Dump(format!("écriture de l'export impossible : {error}"))
        };
        let mut tx = self.pool.begin_with(BEGIN_SNAPSHOT).await?;
        let mut tally = Vec::new();
        for table in TABLES {
            sink.table(table).map_err(unwritable)?;
            let columns = table.columns();
            let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                names.join(", "),
                table.name,
                table.order_by
            );
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
            let mut count = 0;
            while let Some(row) = rows.try_next().await? {
                let cells = columns
                    .iter()
                    .enumerate()
                    .map(|(index, column)| cell(&row, index, column.kind))
                    .collect::<sqlx::Result<Vec<Cell>>>()?;
                sink.row(cells).map_err(unwritable)?;
                count += 1;
            }
            tally.push((table.name, count));
        }
        tx.commit().await?;
        Ok(tally)
    }

    async fn import_rows(&self, mut batches: BatchStream) -> StoreResult<ImportTally> {
        // A file that is not a dump at all is refused before the database is touched.
        let mut next = Some(batches.recv().await);
        if let Some(Some(Err(message))) = next {
            return Err(StoreError::Dump(message));
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let (users, projects): (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM projects)")
                .fetch_one(&mut *tx)
                .await?;
        if users > 0 || projects > 0 {
            return Err(not_empty(users, projects));
        }
        // The reference data the target loaded on start gives way to the dump's.
        if TRUNCATE {
            let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
            // CASCADE reaches the tables left out that refer to these (tallies, jobs,
            // sessions): empty too, with no account and no project.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "TRUNCATE {} CASCADE",
                names.join(", ")
            )))
            .execute(&mut *tx)
            .await?;
        } else {
            for table in TABLES.iter().rev() {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", table.name)))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let mut tally: ImportTally = TABLES.iter().map(|t| (t.name, 0)).collect();
        loop {
            let part = match next.take() {
                Some(part) => part,
                None => batches.recv().await,
            };
            let batch = match part {
                Some(Ok(DumpPart::Rows(batch))) => batch,
                Some(Ok(DumpPart::End)) => break,
                Some(Err(message)) => return Err(StoreError::Dump(message)),
                None => {
                    return Err(StoreError::Dump(
                        "la lecture du fichier s'est interrompue : rien n'a été importé".into(),
                    ));
                }
            };
            let name = batch.table.name;
            let written = Self::insert_batch(&mut tx, batch).await?;
            if let Some(entry) = tally.iter_mut().find(|(table, _)| *table == name) {
                entry.1 += written;
            }
        }
        if !RESET_IDENTITY.is_empty() {
            for table in TABLES.iter().filter(|t| t.generated_id) {
                sqlx::query(sqlx::AssertSqlSafe(
                    RESET_IDENTITY.replace("{table}", table.name),
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(tally)
    }
}
