//! Converting between model values and SQLite column values, shared by the
//! store's tables: what to write, and a [`StoreError::Corrupt`] naming the
//! column when a stored value does not read back.

use rusqlite::types::Value as SqlValue;

use super::{Result, StoreError};
use crate::dates::parse_iso_date;

/// A text column.
pub(super) fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_owned())
}

/// A nullable text column.
pub(super) fn opt_text(s: Option<&str>) -> SqlValue {
    s.map_or(SqlValue::Null, text)
}

/// A 0/1 column.
pub(super) fn flag(b: bool) -> SqlValue {
    SqlValue::Integer(i64::from(b))
}

/// A nullable integer column.
pub(super) fn opt_int(v: Option<u32>) -> SqlValue {
    v.map_or(SqlValue::Null, |n| SqlValue::Integer(i64::from(n)))
}

/// A nullable date column (ISO 8601).
pub(super) fn opt_date(d: Option<chrono::NaiveDate>) -> SqlValue {
    d.map_or(SqlValue::Null, |d| SqlValue::Text(d.to_string()))
}

/// A JSON text column.
pub(super) fn json<T: serde::Serialize>(v: &T) -> SqlValue {
    SqlValue::Text(serde_json::to_string(v).unwrap_or_default())
}

/// A nullable JSON text column.
pub(super) fn opt_json<T: serde::Serialize>(v: Option<&T>) -> SqlValue {
    v.map_or(SqlValue::Null, json)
}

/// A stored value at `place` (table.column and record) that does not read back.
pub(super) fn corrupt(place: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        place: place.to_owned(),
        problem: e.to_string(),
    }
}

/// A stored date.
pub(super) fn date(s: &str, place: &str) -> Result<chrono::NaiveDate> {
    parse_iso_date(s).ok_or_else(|| corrupt(place, s))
}

/// A stored record id.
pub(super) fn uuid(s: &str, place: &str) -> Result<uuid::Uuid> {
    s.parse().map_err(|e| corrupt(place, e))
}
