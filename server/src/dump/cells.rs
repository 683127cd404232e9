//! A dump's cells as JSON: numbers, strings and booleans as themselves, moments in RFC 3339
//! with microseconds in UTC (what PostgreSQL keeps, so that a dump taken from either engine
//! after a round trip is the same text), dates as `YYYY-MM-DD`, and `null`.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;

use crate::store::dump::{Cell, DumpColumn, Kind};

pub fn timestamp_text(moment: &DateTime<Utc>) -> String {
    moment.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn cell_json(cell: Cell) -> Value {
    match cell {
        Cell::Integer(value) => value.map_or(Value::Null, Value::from),
        Cell::Text(value) => value.map_or(Value::Null, Value::from),
        Cell::Boolean(value) => value.map_or(Value::Null, Value::from),
        Cell::Timestamp(value) => value.map_or(Value::Null, |v| Value::from(timestamp_text(&v))),
        Cell::Date(value) => value.map_or(Value::Null, |v| {
            Value::from(v.format("%Y-%m-%d").to_string())
        }),
    }
}

pub fn row_json(row: Vec<Cell>) -> Value {
    Value::Array(row.into_iter().map(cell_json).collect())
}

/// The cell `value` holds for `column`, or what is wrong with it, in French.
pub fn cell_from_json(column: &DumpColumn, value: Value) -> Result<Cell, String> {
    let wrong = |expected: &str, value: &Value| {
        let mut shown = value.to_string();
        if shown.chars().count() > 40 {
            shown = shown.chars().take(40).collect::<String>() + "…";
        }
        format!("colonne {} : {expected} attendu, reçu {shown}", column.name)
    };
    if value.is_null() {
        return Ok(match column.kind {
            Kind::Integer => Cell::Integer(None),
            Kind::Text => Cell::Text(None),
            Kind::Boolean => Cell::Boolean(None),
            Kind::Timestamp => Cell::Timestamp(None),
            Kind::Date => Cell::Date(None),
        });
    }
    match column.kind {
        Kind::Integer => value
            .as_i64()
            .map(|n| Cell::Integer(Some(n)))
            .ok_or_else(|| wrong("un nombre entier", &value)),
        Kind::Text => match value {
            Value::String(text) => Ok(Cell::Text(Some(text))),
            other => Err(wrong("un texte", &other)),
        },
        Kind::Boolean => value
            .as_bool()
            .map(|b| Cell::Boolean(Some(b)))
            .ok_or_else(|| wrong("true ou false", &value)),
        Kind::Timestamp => value
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|moment| Cell::Timestamp(Some(moment.with_timezone(&Utc))))
            .ok_or_else(|| wrong("un instant RFC 3339 (2026-12-07T10:00:00Z)", &value)),
        Kind::Date => value
            .as_str()
            .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .map(|date| Cell::Date(Some(date)))
            .ok_or_else(|| wrong("une date AAAA-MM-JJ", &value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: DumpColumn = DumpColumn {
        name: "created_at",
        kind: Kind::Timestamp,
    };

    #[test]
    fn cells_come_back_as_they_went() {
        let moment = DateTime::parse_from_rfc3339("2026-12-07T10:11:12.123456789+01:00")
            .expect("moment")
            .with_timezone(&Utc);
        let row = row_json(vec![
            Cell::Integer(Some(-3)),
            Cell::Text(Some("Saint-Étienne".into())),
            Cell::Boolean(Some(true)),
            Cell::Timestamp(Some(moment)),
            Cell::Date(NaiveDate::from_ymd_opt(2007, 6, 11)),
            Cell::Text(None),
        ]);
        assert_eq!(
            row.to_string(),
            r#"[-3,"Saint-Étienne",true,"2026-12-07T09:11:12.123456Z","2007-06-11",null]"#
        );
        let back = cell_from_json(&AT, row[3].clone()).expect("moment");
        assert_eq!(
            back,
            Cell::Timestamp(DateTime::from_timestamp_micros(moment.timestamp_micros()))
        );
    }

    #[test]
    fn a_wrong_cell_says_what_was_expected() {
        for (value, expected) in [
            (Value::from("hier"), "instant RFC 3339"),
            (Value::from(3), "instant RFC 3339"),
        ] {
            let error = cell_from_json(&AT, value).expect_err("refused");
            assert!(
                error.contains("created_at") && error.contains(expected),
                "{error}"
            );
        }
        let count = DumpColumn {
            name: "attempts",
            kind: Kind::Integer,
        };
        let error = cell_from_json(&count, Value::from(1.5)).expect_err("refused");
        assert!(error.contains("nombre entier"), "{error}");
    }
}
