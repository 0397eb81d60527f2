//! The append-only change log: every row written is recorded with its new
//! content, author and time, each entry hash-chained to the one before.
//!
//! It is the audit trail for 回头看 and what sync bundles carry. Verification
//! checks the chain and compares every live row with the last entry that
//! wrote it, so an edit made behind the program's back is named.

use std::collections::HashMap;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::schema::LOGGED_TABLES;
use super::{Result, StoreError};

/// Hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A transaction that records every row it writes in the change log.
pub struct Tx<'a> {
    tx: Transaction<'a>,
    author: &'a str,
    at: String,
    /// Hash of the newest entry, kept so each append needs no lookup.
    last_hash: std::cell::RefCell<String>,
}

impl<'a> Tx<'a> {
    pub(super) fn new(tx: Transaction<'a>, author: &'a str) -> Result<Self> {
        let at = chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let last: Option<String> = tx
            .query_row(
                "SELECT hash FROM change_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let last_hash = std::cell::RefCell::new(last.unwrap_or_else(|| GENESIS.to_owned()));
        Ok(Tx {
            tx,
            author,
            at,
            last_hash,
        })
    }

    pub(super) fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }

    /// The records as this transaction sees them (its own writes included).
    pub fn records(&self) -> super::Records<'_> {
        super::Records { conn: &self.tx }
    }

    /// The connection, for reads inside the transaction.
    pub fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Inserts or updates the row `id` of `table` and logs it if anything changed.
    ///
    /// Returns whether the row changed. `table` and column names come from
    /// code, never from input.
    pub fn put(
        &self,
        table: &'static str,
        id: &str,
        columns: &[(&'static str, SqlValue)],
    ) -> Result<bool> {
        debug_assert!(LOGGED_TABLES.contains(&table));
        let before = row_json(&self.tx, table, id)?;
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let placeholders: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
        let updates: Vec<String> = names
            .iter()
            .map(|n| format!("{n} = excluded.{n}"))
            .collect();
        let sql = format!(
            "INSERT INTO {table} (id, {}) VALUES ({}) ON CONFLICT(id) DO UPDATE SET {}",
            names.join(", "),
            placeholders.join(", "),
            updates.join(", ")
        );
        let mut values: Vec<SqlValue> = Vec::with_capacity(columns.len() + 1);
        values.push(SqlValue::Text(id.to_owned()));
        values.extend(columns.iter().map(|(_, v)| v.clone()));
        self.tx
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))?;
        let after = row_json(&self.tx, table, id)?;
        if before.as_ref() == after.as_ref() {
            return Ok(false);
        }
        let op = if before.is_none() { "insert" } else { "update" };
        self.append(table, id, op, after.as_ref())?;
        Ok(true)
    }

    /// Deletes the row `id` of `table`, logging it; no-op if absent.
    pub fn delete(&self, table: &'static str, id: &str) -> Result<bool> {
        debug_assert!(LOGGED_TABLES.contains(&table));
        let n = self
            .tx
            .prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
            .execute([id])?;
        if n > 0 {
            self.append(table, id, "delete", None)?;
        }
        Ok(n > 0)
    }

    fn append(&self, table: &str, record_id: &str, op: &str, row: Option<&Value>) -> Result<()> {
        let prev = self.last_hash.borrow().clone();
        let entry = Entry {
            seq: 0,
            entry_id: uuid::Uuid::now_v7().to_string(),
            table: table.to_owned(),
            record_id: record_id.to_owned(),
            op: op.to_owned(),
            row_json: row.map(Value::to_string),
            author: self.author.to_owned(),
            at: self.at.clone(),
            prev_hash: prev,
            hash: String::new(),
        };
        let hash = entry.compute_hash();
        self.tx
            .prepare_cached(
                "INSERT INTO change_log (entry_id, tbl, record_id, op, row_json, author, at, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                entry.entry_id,
                entry.table,
                entry.record_id,
                entry.op,
                entry.row_json,
                entry.author,
                entry.at,
                entry.prev_hash,
                hash
            ])?;
        *self.last_hash.borrow_mut() = hash;
        Ok(())
    }
}

/// One change-log entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Position in this store's log.
    pub seq: i64,
    /// Entry id (UUID v7).
    pub entry_id: String,
    /// Table written.
    pub table: String,
    /// Record id of the row.
    pub record_id: String,
    /// `insert`, `update` or `delete`.
    pub op: String,
    /// New row as JSON (`None` for a delete).
    pub row_json: Option<String>,
    /// `device/caseworker`.
    pub author: String,
    /// UTC time of the transaction.
    pub at: String,
    /// Hash of the entry before.
    pub prev_hash: String,
    /// SHA-256 over this entry and `prev_hash`.
    pub hash: String,
}

impl Entry {
    /// SHA-256 (hex) over the previous hash and every field but `seq` and `hash`.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.prev_hash.as_str(),
            self.entry_id.as_str(),
            self.table.as_str(),
            self.record_id.as_str(),
            self.op.as_str(),
            self.row_json.as_deref().unwrap_or("\u{0}"),
            self.author.as_str(),
            self.at.as_str(),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Reads entries with `seq` greater than `after`, in order.
pub fn entries_after(conn: &Connection, after: i64) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, entry_id, tbl, record_id, op, row_json, author, at, prev_hash, hash
         FROM change_log WHERE seq > ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([after], |r| {
        Ok(Entry {
            seq: r.get(0)?,
            entry_id: r.get(1)?,
            table: r.get(2)?,
            record_id: r.get(3)?,
            op: r.get(4)?,
            row_json: r.get(5)?,
            author: r.get(6)?,
            at: r.get(7)?,
            prev_hash: r.get(8)?,
            hash: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A row as a JSON object of its columns, or `None` when absent.
pub fn row_json(conn: &Connection, table: &str, id: &str) -> Result<Option<Value>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT * FROM {table} WHERE id = ?1"))?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    Ok(stmt
        .query_row([id], |r| row_to_json(r, &names))
        .optional()?)
}

fn row_to_json(r: &rusqlite::Row, names: &[String]) -> rusqlite::Result<Value> {
    let mut obj = Map::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let v = match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::from(n),
            ValueRef::Real(f) => Value::String(f.to_string()),
            ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::String(hex::encode(b)),
        };
        obj.insert(name.clone(), v);
    }
    Ok(Value::Object(obj))
}

/// Something `log verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogProblem {
    /// An entry whose hash or link does not match: the chain is broken here.
    BrokenChain {
        /// Sequence number of the first broken entry.
        seq: i64,
        /// Its entry id.
        entry_id: String,
        /// Table and record it concerns.
        table: String,
        /// Record id.
        record_id: String,
    },
    /// A row that differs from what the log last recorded for it.
    RowDiffers {
        /// Table.
        table: String,
        /// Record id.
        record_id: String,
        /// Column names whose values differ.
        columns: Vec<String>,
    },
    /// A row present with no log entry, or logged alive but missing.
    Unlogged {
        /// Table.
        table: String,
        /// Record id.
        record_id: String,
        /// `true` if the row exists but was never logged.
        present: bool,
    },
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogProblem::BrokenChain { seq, entry_id, table, record_id } => write!(
                f,
                "变更日志第 {seq} 条（{entry_id}，{table} {record_id}）哈希链断裂：该条或其后记录被改动"
            ),
            LogProblem::RowDiffers { table, record_id, columns } => write!(
                f,
                "{table} 表记录 {record_id} 与变更日志不一致（字段：{}）：数据在程序之外被修改",
                columns.join("、")
            ),
            LogProblem::Unlogged { table, record_id, present: true } => {
                write!(f, "{table} 表记录 {record_id} 没有变更日志：数据在程序之外被添加")
            }
            LogProblem::Unlogged { table, record_id, present: false } => {
                write!(f, "{table} 表记录 {record_id} 在日志中存在但已缺失：数据在程序之外被删除")
            }
        }
    }
}

/// Checks the chain, then every logged table against the log's last word on each row.
pub fn verify(conn: &Connection) -> Result<Vec<LogProblem>> {
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_owned();
    let mut last: HashMap<(String, String), Option<String>> = HashMap::new();
    for e in entries_after(conn, 0)? {
        if problems.is_empty() && (e.prev_hash != prev || e.compute_hash() != e.hash) {
            problems.push(LogProblem::BrokenChain {
                seq: e.seq,
                entry_id: e.entry_id.clone(),
                table: e.table.clone(),
                record_id: e.record_id.clone(),
            });
        }
        prev = e.hash.clone();
        last.insert((e.table, e.record_id), e.row_json);
    }
    for table in LOGGED_TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY id"))?;
        let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
        let rows = stmt.query_map([], |r| row_to_json(r, &names))?;
        for row in rows {
            let row = row?;
            let id = row
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match last.remove(&(table.to_string(), id.clone())) {
                Some(Some(logged)) => {
                    let logged: Value =
                        serde_json::from_str(&logged).map_err(|e| StoreError::Corrupt {
                            place: format!("change_log {table} {id}"),
                            problem: e.to_string(),
                        })?;
                    if logged != row {
                        let logged_keys = logged.as_object().into_iter().flat_map(|o| o.keys());
                        let mut columns: Vec<String> = names
                            .iter()
                            .chain(logged_keys)
                            .filter(|n| logged.get(n.as_str()) != row.get(n.as_str()))
                            .cloned()
                            .collect();
                        columns.sort();
                        columns.dedup();
                        problems.push(LogProblem::RowDiffers {
                            table: table.to_string(),
                            record_id: id,
                            columns,
                        });
                    }
                }
                _ => problems.push(LogProblem::Unlogged {
                    table: table.to_string(),
                    record_id: id,
                    present: true,
                }),
            }
        }
    }
    let mut missing: Vec<_> = last
        .into_iter()
        .filter(|(_, row)| row.is_some())
        .map(|((table, record_id), _)| LogProblem::Unlogged {
            table,
            record_id,
            present: false,
        })
        .collect();
    missing.sort_by_key(|p| p.to_string());
    problems.extend(missing);
    Ok(problems)
}
