//! Reads a dump as it streams past (serde's visitors, never the whole document in memory),
//! checking each table, column and cell against what this binary knows, and hands rows to
//! the store in batches through a channel. Whatever is wrong ends the import with a message
//! naming the table, the row and the place in the file.

use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use tokio::sync::mpsc::Sender;

use super::cells::cell_from_json;
use crate::store::dump::{Cell, DumpBatch, DumpColumn, DumpPart, DumpTable};

/// Rows handed to the store at once, unless their text reaches [`BATCH_BYTES`] first (a
/// project's row holds its README).
const BATCH_ROWS: usize = 2_000;
const BATCH_BYTES: usize = 16 * 1024 * 1024;

type Parts = Sender<Result<DumpPart, String>>;

/// Reads `input` to its end, sending its rows then [`DumpPart::End`], or the first error.
pub fn read_dump(input: impl Read, parts: &Parts) {
    let mut reader = serde_json::Deserializer::from_reader(input);
    let outcome = DumpSeed { parts }
        .deserialize(&mut reader)
        .and_then(|()| reader.end());
    let last = match outcome {
        Ok(()) => Ok(DumpPart::End),
        Err(error) => Err(explained(&error)),
    };
    // Nobody listens any more when the store refused a batch: it has said why.
    let _ = parts.blocking_send(last);
}

/// serde_json's error in French, with where in the file it is.
fn explained(error: &serde_json::Error) -> String {
    let place = format!("ligne {}, colonne {}", error.line(), error.column());
    match error.classify() {
        serde_json::error::Category::Io => format!("lecture du fichier impossible : {error}"),
        serde_json::error::Category::Eof => {
            format!("le fichier s'arrête avant la fin du document ({place}) : export incomplet ?")
        }
        serde_json::error::Category::Syntax => {
            format!("le fichier n'est pas un document JSON valide ({place})")
        }
        serde_json::error::Category::Data => {
            let text = error.to_string();
            let message = text.split(" at line ").next().unwrap_or(&text);
            format!("{message} ({place})")
        }
    }
}

struct DumpSeed<'a> {
    parts: &'a Parts,
}

impl<'de> DeserializeSeed<'de> for DumpSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DumpSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("un export de civiforge")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut format_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    let format: String = map.next_value()?;
                    if format != super::FORMAT {
                        return Err(de::Error::custom(format!(
                            "ce fichier n'est pas un export de civiforge (format « {format} »)"
                        )));
                    }
                    format_seen = true;
                }
                "version" => {
                    let version: u64 = map.next_value()?;
                    if version > super::VERSION {
                        return Err(de::Error::custom(format!(
                            "export au format {version}, plus récent que celui que cette \
                             version de civiforge lit ({}) : mettez civiforge à jour",
                            super::VERSION
                        )));
                    }
                }
                "tables" if format_seen => map.next_value_seed(TablesSeed { parts: self.parts })?,
                "tables" => {
                    return Err(de::Error::custom(
                        "ce fichier n'est pas un export de civiforge (pas de clé format)",
                    ));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !format_seen {
            return Err(de::Error::custom(
                "ce fichier n'est pas un export de civiforge (pas de clé format)",
            ));
        }
        Ok(())
    }
}

struct TablesSeed<'a> {
    parts: &'a Parts,
}

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("la liste des tables")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(TableSeed { parts: self.parts })?
            .is_some()
        {}
        Ok(())
    }
}

struct TableSeed<'a> {
    parts: &'a Parts,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("une table : name, columns, rows")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut table: Option<&'static DumpTable> = None;
        let mut columns: Option<Vec<DumpColumn>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => {
                    let name: String = map.next_value()?;
                    table = Some(DumpTable::named(&name).ok_or_else(|| {
                        de::Error::custom(format!(
                            "table « {name} » inconnue de cette version de civiforge"
                        ))
                    })?);
                }
                "columns" => {
                    let table = table.ok_or_else(|| de::Error::custom("table sans nom"))?;
                    let names: Vec<String> = map.next_value()?;
                    columns = Some(known_columns(table, &names).map_err(de::Error::custom)?);
                }
                "rows" => {
                    let (Some(table), Some(columns)) = (table, columns.take()) else {
                        return Err(de::Error::custom(
                            "des lignes avant le nom de la table et ses colonnes",
                        ));
                    };
                    map.next_value_seed(RowsSeed {
                        parts: self.parts,
                        table,
                        columns,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The columns named, each one this binary knows for the table, none twice.
fn known_columns(table: &DumpTable, names: &[String]) -> Result<Vec<DumpColumn>, String> {
    let known = table.columns();
    let mut chosen: Vec<DumpColumn> = Vec::new();
    for name in names {
        let column = known
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("table {} : colonne « {name} » inconnue", table.name))?;
        if chosen.contains(column) {
            return Err(format!("table {} : colonne {name} en double", table.name));
        }
        chosen.push(*column);
    }
    if chosen.is_empty() {
        return Err(format!("table {} : aucune colonne", table.name));
    }
    Ok(chosen)
}

struct RowsSeed<'a> {
    parts: &'a Parts,
    table: &'static DumpTable,
    columns: Vec<DumpColumn>,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl RowsSeed<'_> {
    fn send<E: de::Error>(&self, rows: Vec<Vec<Cell>>) -> Result<(), E> {
        let batch = DumpBatch {
            table: self.table,
            columns: self.columns.clone(),
            rows,
        };
        self.parts
            .blocking_send(Ok(DumpPart::Rows(batch)))
            .map_err(|_| E::custom("l'import s'est arrêté"))
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "les lignes de la table {}", self.table.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut rows = Vec::with_capacity(BATCH_ROWS);
        let mut bytes = 0;
        let mut number = 0_u64;
        while let Some(values) = seq.next_element::<Vec<Value>>()? {
            number += 1;
            let at = |message: String| {
                de::Error::custom(format!(
                    "table {}, ligne {number} : {message}",
                    self.table.name
                ))
            };
            if values.len() != self.columns.len() {
                return Err(at(format!(
                    "{} valeurs pour {} colonnes",
                    values.len(),
                    self.columns.len()
                )));
            }
            let cells = self
                .columns
                .iter()
                .zip(values)
                .map(|(column, value)| cell_from_json(column, value))
                .collect::<Result<Vec<Cell>, String>>()
                .map_err(at)?;
            bytes += cells
                .iter()
                .map(|cell| match cell {
                    Cell::Text(Some(text)) => text.len(),
                    _ => 8,
                })
                .sum::<usize>();
            rows.push(cells);
            if rows.len() == BATCH_ROWS || bytes >= BATCH_BYTES {
                self.send(std::mem::replace(&mut rows, Vec::with_capacity(BATCH_ROWS)))?;
                bytes = 0;
            }
        }
        if !rows.is_empty() {
            self.send(rows)?;
        }
        Ok(())
    }
}
