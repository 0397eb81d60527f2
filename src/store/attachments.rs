//! Attachments in the store: content-addressed bytes in `blobs`, and one
//! change-logged `attachments` row per photo or scan.

use rusqlite::types::Value as SqlValue;
use rusqlite::OptionalExtension;

use super::columns::{self, opt_int, opt_text};

/// A stored attachment column that does not read back.
fn corrupt(column: &str, problem: impl std::fmt::Display) -> StoreError {
    columns::corrupt(&format!("attachments.{column}"), problem)
}

use super::{Records, Result, Store, StoreError, Tx};
use crate::attachments::{Attachment, AttachmentKind};
use crate::dates::parse_iso_date;

const COLUMNS: &str =
    "id, household_id, member_name, visit_id, event_id, kind, caption, taken_on, \
                       blob_sha256, mime, size, width, height, original_name, added_on";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Result<Attachment>> {
    let id: String = r.get(0)?;
    let kind: String = r.get(5)?;
    let taken_on: Option<String> = r.get(7)?;
    let added_on: String = r.get(14)?;
    let size: i64 = r.get(10)?;
    let width: Option<i64> = r.get(11)?;
    let height: Option<i64> = r.get(12)?;
    let visit_id: Option<String> = r.get(3)?;
    let event_id: Option<String> = r.get(4)?;
    let parse = || -> Result<Attachment> {
        let uuid = |s: &str, place: &str| s.parse::<uuid::Uuid>().map_err(|e| corrupt(place, e));
        let date = |s: &str, place: &str| parse_iso_date(s).ok_or_else(|| corrupt(place, s));
        let pixels = |v: Option<i64>, place: &str| {
            v.map(|n| u32::try_from(n).map_err(|e| corrupt(place, e)))
                .transpose()
        };
        Ok(Attachment {
            id: uuid(&id, "id")?,
            household_id: r.get(1).map_err(StoreError::from)?,
            member_name: r.get(2).map_err(StoreError::from)?,
            visit_id: visit_id
                .as_deref()
                .map(|v| uuid(v, "visit_id"))
                .transpose()?,
            event_id: event_id
                .as_deref()
                .map(|v| uuid(v, "event_id"))
                .transpose()?,
            kind: AttachmentKind::from_code(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            caption: r.get(6).map_err(StoreError::from)?,
            taken_on: taken_on
                .as_deref()
                .map(|d| date(d, "taken_on"))
                .transpose()?,
            sha256: r.get(8).map_err(StoreError::from)?,
            mime: r.get(9).map_err(StoreError::from)?,
            size: u64::try_from(size).map_err(|e| corrupt("size", e))?,
            width: pixels(width, "width")?,
            height: pixels(height, "height")?,
            original_name: r.get(13).map_err(StoreError::from)?,
            added_on: date(&added_on, "added_on")?,
        })
    };
    Ok(parse())
}

impl Tx<'_> {
    /// Keeps `bytes` under their SHA-256 (`sha256`, lowercase hex); returns
    /// whether they were new. The caller computed the hash from the bytes.
    pub fn put_blob(&self, sha256: &str, mime: &str, bytes: &[u8]) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached(
                "INSERT OR IGNORE INTO blobs (sha256, mime, size, bytes) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(rusqlite::params![sha256, mime, bytes.len() as i64, bytes])?;
        Ok(n > 0)
    }

    /// Saves an attachment's row (its blob must already be stored).
    pub fn save_attachment(&self, a: &Attachment) -> Result<()> {
        self.put(
            "attachments",
            &a.id.to_string(),
            &[
                ("household_id", SqlValue::Text(a.household_id.clone())),
                ("member_name", opt_text(a.member_name.as_deref())),
                (
                    "visit_id",
                    opt_text(a.visit_id.map(|v| v.to_string()).as_deref()),
                ),
                (
                    "event_id",
                    opt_text(a.event_id.map(|v| v.to_string()).as_deref()),
                ),
                ("kind", SqlValue::Text(a.kind.code().to_owned())),
                ("caption", SqlValue::Text(a.caption.clone())),
                (
                    "taken_on",
                    opt_text(a.taken_on.map(|d| d.to_string()).as_deref()),
                ),
                ("blob_sha256", SqlValue::Text(a.sha256.clone())),
                ("mime", SqlValue::Text(a.mime.clone())),
                ("size", SqlValue::Integer(a.size as i64)),
                ("width", opt_int(a.width)),
                ("height", opt_int(a.height)),
                ("original_name", SqlValue::Text(a.original_name.clone())),
                ("added_on", SqlValue::Text(a.added_on.to_string())),
            ],
        )?;
        Ok(())
    }

    /// Removes an attachment's row. Its bytes stay in `blobs`: the change
    /// log still names them, and a bundle that carries the row needs them.
    pub fn delete_attachment(&self, id: uuid::Uuid) -> Result<bool> {
        self.delete("attachments", &id.to_string())
    }
}

impl Store {
    /// The attachments of a household (by record id), oldest first.
    pub fn attachments(&self, household_id: &str) -> Result<Vec<Attachment>> {
        self.records().attachments(household_id)
    }
}

impl Records<'_> {
    /// The attachments of a household (by record id), oldest first.
    pub fn attachments(&self, household_id: &str) -> Result<Vec<Attachment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE household_id = ?1 ORDER BY added_on, id"
        ))?;
        let rows = stmt.query_map([household_id], from_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|a| a))
            .collect()
    }
}

impl Store {
    /// One attachment by id.
    pub fn attachment(&self, id: uuid::Uuid) -> Result<Option<Attachment>> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM attachments WHERE id = ?1"),
                [id.to_string()],
                from_row,
            )
            .optional()?
            .transpose()
    }

    /// The bytes stored under `sha256`.
    pub fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn()
            .query_row("SELECT bytes FROM blobs WHERE sha256 = ?1", [sha256], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Bytes the household's attachments take (each distinct content once).
    pub fn attachment_bytes(&self, household_id: &str) -> Result<u64> {
        let total: i64 = self.conn().query_row(
            "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE sha256 IN
               (SELECT blob_sha256 FROM attachments WHERE household_id = ?1)",
            [household_id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(total).unwrap_or(0))
    }
}
