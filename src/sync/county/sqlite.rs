//! The county's tables in a SQLite [`Store`]: `sync_devices`,
//! `sync_imports`, `sync_record_versions` and `sync_conflicts` (not
//! change-logged: they describe the sync, not the households), and the
//! household records, written through the change-logged [`Tx::put`], so the
//! county keeps its own audit log.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use super::store::{
    ConflictFilter, CountyStore, CountyTx, ImportRecord, NewConflict, OpenConflict, Problem,
    RegisteredDevice,
};
use crate::store::changelog::row_json;
use crate::store::{Store, StoreError, Tx};
use crate::sync::admission::{self, Place};
use crate::sync::merge::RecordVersions;
use crate::sync::wire::Registration;
use crate::sync::wire::{Conflict, Side, RULE};

const DEVICE_COLUMNS: &str = "device_id, caseworker, village, public_key, key_id, age_recipient, \
     registered_at, last_sequence, last_seq, last_hash";

fn device_from(r: &rusqlite::Row) -> rusqlite::Result<RegisteredDevice> {
    Ok(RegisteredDevice {
        device_id: r.get(0)?,
        caseworker: r.get(1)?,
        village: r.get(2)?,
        public_key: r.get(3)?,
        key_id: r.get(4)?,
        age_recipient: r.get(5)?,
        registered_at: r.get(6)?,
        last_sequence: r.get::<_, i64>(7)? as u64,
        last_seq: r.get(8)?,
        last_hash: r.get(9)?,
    })
}

impl CountyStore for Store {
    type Tx<'t> = Tx<'t>;

    fn device(&self, id: &str) -> Result<Option<RegisteredDevice>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM sync_devices WHERE device_id = ?1"),
                [id],
                device_from,
            )
            .optional()?)
    }

    fn devices(&self) -> Result<Vec<RegisteredDevice>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {DEVICE_COLUMNS} FROM sync_devices ORDER BY village, caseworker, device_id"
        ))?;
        let rows = stmt.query_map([], device_from)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn add_device(&mut self, r: &Registration, at: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.conn().execute(
                "INSERT INTO sync_devices (device_id, caseworker, village, public_key, key_id, age_recipient,
                                           base_seq, base_hash, registered_at, last_sequence, last_seq, last_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?7, ?8)",
                params![
                    r.device_id,
                    r.caseworker,
                    r.village,
                    r.public_key,
                    r.key_id,
                    r.age_recipient,
                    r.base_seq,
                    r.base_hash,
                    at
                ],
            )?;
            Ok(())
        })
    }

    fn imported_manifest(&self, device: &str, sequence: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT manifest_sha256 FROM sync_imports WHERE device_id = ?1 AND sequence = ?2",
                params![device, sequence as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn conflicts(&self, which: ConflictFilter) -> Result<Vec<Conflict>, StoreError> {
        let (filter, arg) = match which {
            ConflictFilter::Open => ("status = 'open' AND ?1 = ?1", String::new()),
            ConflictFilter::All => ("?1 = ?1", String::new()),
            ConflictFilter::OpenOf(device) => (
                "status = 'open' AND (held_device = ?1 OR incoming_device = ?1)",
                device.to_owned(),
            ),
            ConflictFilter::Ids(ids) => (
                "id IN (SELECT value FROM json_each(?1))",
                serde_json::to_string(ids).unwrap_or_default(),
            ),
        };
        let sql = format!(
            "SELECT id, tbl, record_id, col, household_code, held_device, held_value, held_at, held_entry,
                    incoming_device, incoming_value, incoming_at, incoming_entry, winner, detected_at,
                    status, settled_by, settled_at
             FROM sync_conflicts WHERE {filter} ORDER BY id"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let value = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
        let rows = stmt.query_map([arg], |r| {
            Ok(Conflict {
                id: r.get(0)?,
                table: r.get(1)?,
                record_id: r.get(2)?,
                column: r.get(3)?,
                household: r.get(4)?,
                held: Side {
                    device_id: r.get(5)?,
                    value: value(r.get(6)?),
                    at: r.get(7)?,
                    entry_hash: r.get(8)?,
                },
                incoming: Side {
                    device_id: r.get(9)?,
                    value: value(r.get(10)?),
                    at: r.get(11)?,
                    entry_hash: r.get(12)?,
                },
                winner: r.get(13)?,
                rule: RULE.into(),
                detected_at: r.get(14)?,
                status: r.get(15)?,
                settled_by: r.get(16)?,
                settled_at: r.get(17)?,
                clock_note: None,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn transaction<T, E: From<StoreError>>(
        &mut self,
        apply: impl FnOnce(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        // A bundle's transaction touches many pages: a larger page cache (this
        // connection only) keeps SQLite from spilling them to the WAL mid-way,
        // and fewer, larger checkpoints (each one waits for the disk).
        for (pragma, value) in [
            ("cache_size", -64 * 1024),
            ("wal_autocheckpoint", 16 * 1024),
        ] {
            self.conn()
                .pragma_update(None, pragma, value)
                .map_err(StoreError::from)?;
        }
        self.write(apply)
    }
}

impl CountyTx for Tx<'_> {
    fn device_position(&self, device: &str) -> Result<(u64, String), StoreError> {
        let (sequence, hash): (i64, String) = self.conn().query_row(
            "SELECT last_sequence, last_hash FROM sync_devices WHERE device_id = ?1",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((sequence as u64, hash))
    }

    fn record_import(&self, r: &ImportRecord) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE sync_devices SET last_sequence = ?2, last_seq = ?3, last_hash = ?4 WHERE device_id = ?1",
            params![r.device_id, r.sequence as i64, r.last_seq, r.last_hash],
        )?;
        conn.execute(
            "INSERT INTO sync_imports (device_id, sequence, manifest_sha256, first_hash, last_hash, entry_count,
                                       rows_changed, conflicts, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.device_id,
                r.sequence as i64,
                r.manifest_sha256,
                r.first_hash,
                r.last_hash,
                r.entry_count as i64,
                r.rows_changed as i64,
                r.conflicts as i64,
                r.imported_at
            ],
        )?;
        Ok(())
    }

    fn columns(&self, table: &'static str) -> Result<&'static [&'static str], StoreError> {
        table_columns(self.conn(), table)
    }

    fn row(&self, table: &'static str, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        let exists: bool = self
            .conn()
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
            ))?
            .query_row([id], |r| r.get(0))?;
        if !exists {
            return Ok(None); // most inserts are of new records: the cheap check first
        }
        Ok(match row_json(self.conn(), table, id)? {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        })
    }

    fn put_row(
        &self,
        table: &'static str,
        id: &str,
        row: &Map<String, Value>,
    ) -> Result<bool, Problem> {
        let values: Vec<(&'static str, SqlValue)> = self
            .columns(table)?
            .iter()
            .filter(|c| **c != "id")
            .map(|c| Ok((*c, to_sql(c, row.get(*c).unwrap_or(&Value::Null))?)))
            .collect::<Result<_, Problem>>()?;
        self.put(table, id, &values).map_err(refusal)
    }

    fn delete_row(&self, table: &'static str, id: &str) -> Result<bool, Problem> {
        self.delete(table, id).map_err(refusal)
    }

    fn household_place(&self, id: &str) -> Result<Option<Place>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT code, region_code, village FROM households WHERE id = ?1")?
            .query_row([id], |r| {
                Ok(Place {
                    code: r.get(0)?,
                    region: r.get(1)?,
                    village: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn household_problems(
        &self,
        id: &str,
        today: chrono::NaiveDate,
    ) -> Result<Option<Vec<String>>, StoreError> {
        admission::household_problems(self.records(), id, today)
    }

    fn case_steps(
        &self,
        household_id: &str,
    ) -> Result<Vec<crate::casework::CaseEvent>, StoreError> {
        self.records().events(household_id)
    }

    fn versions(&self, table: &str, id: &str) -> Result<RecordVersions, StoreError> {
        let text: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT fields FROM sync_record_versions WHERE tbl = ?1 AND record_id = ?2",
            )?
            .query_row([table, id], |r| r.get(0))
            .optional()?;
        match text {
            None => Ok(RecordVersions::default()),
            Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
                place: format!("sync_record_versions {table} {id}"),
                problem: e.to_string(),
            }),
        }
    }

    fn save_versions(
        &self,
        table: &str,
        id: &str,
        v: Option<&RecordVersions>,
    ) -> Result<(), StoreError> {
        let Some(v) = v else {
            self.conn()
                .prepare_cached(
                    "DELETE FROM sync_record_versions WHERE tbl = ?1 AND record_id = ?2",
                )?
                .execute([table, id])?;
            return Ok(());
        };
        let text = serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.conn()
            .prepare_cached(
                "INSERT INTO sync_record_versions (tbl, record_id, fields) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tbl, record_id) DO UPDATE SET fields = excluded.fields",
            )?
            .execute(params![table, id, text])?;
        Ok(())
    }

    fn open_conflicts(&self) -> Result<Vec<OpenConflict>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, tbl, record_id, col, held_device, incoming_device FROM sync_conflicts WHERE status = 'open'",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OpenConflict {
                id: r.get(0)?,
                field: (r.get(1)?, r.get(2)?, r.get(3)?),
                devices: [r.get(4)?, r.get(5)?],
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn add_conflict(&self, c: &NewConflict) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO sync_conflicts (tbl, record_id, col, household_code, held_device, held_value, held_at,
                 held_entry, incoming_device, incoming_value, incoming_at, incoming_entry, incoming_sequence,
                 winner, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'incoming', ?14)",
        )?
        .execute(params![
            c.table,
            c.record_id,
            c.column,
            c.household,
            c.held.0,
            c.held.1.to_string(),
            c.held.2,
            c.held.3,
            c.incoming.0,
            c.incoming.1.to_string(),
            c.incoming.2,
            c.incoming.3,
            c.sequence as i64,
            c.detected_at,
        ])?;
        Ok(conn.last_insert_rowid())
    }

    fn settle_conflict(&self, id: i64, device: &str, at: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE sync_conflicts SET status = 'settled', settled_by = ?2, settled_at = ?3 WHERE id = ?1",
            )?
            .execute(params![id, device, at])?;
        Ok(())
    }

    fn has_blob(&self, sha256: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)")?
            .query_row([sha256], |r| r.get(0))?)
    }

    fn put_blob(&self, sha256: &str, mime: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        Tx::put_blob(self, sha256, mime, bytes)
    }
}

/// A constraint the row breaks, in words for the county; other failures as they are.
fn refusal(e: StoreError) -> Problem {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            let msg = msg.unwrap_or_else(|| f.to_string());
            Problem::Bad(if msg.contains("FOREIGN KEY") {
                format!("引用了县里没有的户或记录（{msg}）：可能需要先导入其他设备的数据包")
            } else if msg.contains("UNIQUE") {
                format!(
                    "与县里已有的另一条记录重复（{msg}）：例如同一户编号在两台设备上各自新建了一户，请核实后由一台设备修改"
                )
            } else {
                format!("无法写入县级数据库（{msg}）")
            })
        }
        other => Problem::Store(other),
    }
}

/// The columns of `table` (names leaked once per table per process, as
/// [`Tx::put`] takes column names that come from code, never from input).
fn table_columns(
    conn: &Connection,
    table: &'static str,
) -> Result<&'static [&'static str], StoreError> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static [&'static str]>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(columns) = map.get(table) {
        return Ok(columns);
    }
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let leaked: Vec<&'static str> = names
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect();
    let leaked: &'static [&'static str] = Box::leak(leaked.into_boxed_slice());
    map.insert(table, leaked);
    Ok(leaked)
}

fn to_sql(column: &str, v: &Value) -> Result<SqlValue, Problem> {
    match v {
        Value::Null => Ok(SqlValue::Null),
        Value::String(s) => Ok(SqlValue::Text(s.clone())),
        Value::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .ok_or_else(|| Problem::Bad(format!("的字段 {column} 不是整数"))),
        _ => Err(Problem::Bad(format!("的字段 {column} 类型不对"))),
    }
}
