//! What the county side needs of a store: registered devices, imported
//! bundles, conflicts, and — inside one transaction per bundle — the
//! records, their field versions and attachment contents.
//!
//! [`CountyStore`] is implemented for the SQLite [`Store`](crate::store::Store)
//! (in `county/sqlite.rs`); a server database is a second
//! implementation of the same two traits, and the intake, the merge and the
//! acknowledgements work on either unchanged.

use serde_json::{Map, Value};

use crate::store::StoreError;
use crate::sync::admission::Place;
use crate::sync::merge::RecordVersions;
use crate::sync::wire::{Conflict, Registration};

/// Why an entry could not be applied.
#[derive(Debug)]
pub enum Problem {
    /// The entry itself is wrong: the bundle is refused. The words follow
    /// "第 n 条记录（表 记录号）".
    Bad(String),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        Problem::Store(e)
    }
}

/// A device registered at the county.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisteredDevice {
    /// Device id.
    pub device_id: String,
    /// Caseworker.
    pub caseworker: String,
    /// Village: the only one whose households the device may write.
    pub village: String,
    /// minisign public key.
    pub public_key: String,
    /// Key id.
    pub key_id: String,
    /// age recipient.
    pub age_recipient: String,
    /// When registered.
    pub registered_at: String,
    /// Last bundle imported (0: none).
    pub last_sequence: u64,
    /// Device-local sequence number of the last entry held.
    pub last_seq: i64,
    /// Hash of the last entry held (the device's starting point before any bundle).
    pub last_hash: String,
}

/// Which conflicts to list.
#[derive(Debug, Clone, Copy)]
pub enum ConflictFilter<'a> {
    /// Open ones.
    Open,
    /// All, settled ones too.
    All,
    /// Open ones involving a device.
    OpenOf(&'a str),
    /// These, by number.
    Ids(&'a [i64]),
}

/// One imported bundle, as the county records it.
#[derive(Debug, Clone)]
pub struct ImportRecord<'a> {
    /// The device.
    pub device_id: &'a str,
    /// Bundle number.
    pub sequence: u64,
    /// SHA-256 of its manifest (tells a replay from a different bundle).
    pub manifest_sha256: &'a str,
    /// Hash of its first entry.
    pub first_hash: &'a str,
    /// Device-local number of its last entry.
    pub last_seq: i64,
    /// Hash of its last entry (the device's position after it).
    pub last_hash: &'a str,
    /// Entries in it.
    pub entry_count: u64,
    /// Rows it changed.
    pub rows_changed: u64,
    /// Conflicts it found.
    pub conflicts: u64,
    /// When imported.
    pub imported_at: &'a str,
}

/// An open conflict, as the merge needs it.
#[derive(Debug, Clone)]
pub struct OpenConflict {
    /// Its number.
    pub id: i64,
    /// Table, record id, column.
    pub field: (String, String, String),
    /// The two devices it is between.
    pub devices: [String; 2],
}

/// A conflict to record.
#[derive(Debug, Clone)]
pub struct NewConflict<'a> {
    /// Table.
    pub table: &'a str,
    /// Record id.
    pub record_id: &'a str,
    /// Column (`*` for a deletion that met a change).
    pub column: &'a str,
    /// The household's file number, when known.
    pub household: Option<&'a str>,
    /// Device, value, time and entry of the value the county held.
    pub held: (&'a str, &'a Value, &'a str, &'a str),
    /// Device, value, time and entry of the value that arrived (and holds).
    pub incoming: (&'a str, &'a Value, &'a str, &'a str),
    /// Bundle number it arrived in.
    pub sequence: u64,
    /// When found.
    pub detected_at: &'a str,
}

/// A county's store, outside a bundle's transaction.
pub trait CountyStore {
    /// The transaction a bundle is applied in.
    type Tx<'t>: CountyTx
    where
        Self: 't;

    /// A registered device.
    fn device(&self, id: &str) -> Result<Option<RegisteredDevice>, StoreError>;
    /// Every registered device, by village and caseworker.
    fn devices(&self) -> Result<Vec<RegisteredDevice>, StoreError>;
    /// Registers the device of `r` at `at`.
    fn add_device(&mut self, r: &Registration, at: &str) -> Result<(), StoreError>;
    /// The manifest SHA-256 of bundle `sequence` of `device`, if imported.
    fn imported_manifest(&self, device: &str, sequence: u64) -> Result<Option<String>, StoreError>;
    /// Conflicts, in the order found.
    fn conflicts(&self, which: ConflictFilter) -> Result<Vec<Conflict>, StoreError>;
    /// Runs `apply` as one transaction: all of it is kept, or none.
    fn transaction<T, E: From<StoreError>>(
        &mut self,
        apply: impl FnOnce(&Self::Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>;
}

/// Inside the transaction a bundle is applied in.
pub trait CountyTx {
    /// The device's bundle number and hash of its last entry held.
    fn device_position(&self, device: &str) -> Result<(u64, String), StoreError>;
    /// Records an imported bundle and moves the device's position past it.
    fn record_import(&self, r: &ImportRecord) -> Result<(), StoreError>;
    /// The columns of a table a device writes (see
    /// [`DEVICE_TABLES`](crate::sync::admission::DEVICE_TABLES)).
    fn columns(&self, table: &'static str) -> Result<&'static [&'static str], StoreError>;
    /// The record as the county holds it, as JSON columns.
    fn row(&self, table: &'static str, id: &str) -> Result<Option<Map<String, Value>>, StoreError>;
    /// Writes the record (every column but `id`), change-logged; whether it changed.
    fn put_row(
        &self,
        table: &'static str,
        id: &str,
        row: &Map<String, Value>,
    ) -> Result<bool, Problem>;
    /// Deletes the record, change-logged; whether it was there.
    fn delete_row(&self, table: &'static str, id: &str) -> Result<bool, Problem>;
    /// Where a household is, by record id.
    fn household_place(&self, id: &str) -> Result<Option<Place>, StoreError>;
    /// What is wrong with a household and the records under it, read back
    /// (see [`household_problems`](crate::sync::admission::household_problems));
    /// `None` when it is not there.
    fn household_problems(
        &self,
        id: &str,
        today: chrono::NaiveDate,
    ) -> Result<Option<Vec<String>>, StoreError>;
    /// The steps of a household's case (办理流程), in date order.
    fn case_steps(&self, household_id: &str)
        -> Result<Vec<crate::casework::CaseEvent>, StoreError>;
    /// Field versions of a record.
    fn versions(&self, table: &str, id: &str) -> Result<RecordVersions, StoreError>;
    /// Saves them (`None`: the record is gone).
    fn save_versions(
        &self,
        table: &str,
        id: &str,
        v: Option<&RecordVersions>,
    ) -> Result<(), StoreError>;
    /// Every open conflict.
    fn open_conflicts(&self) -> Result<Vec<OpenConflict>, StoreError>;
    /// Records a conflict; its number.
    fn add_conflict(&self, c: &NewConflict) -> Result<i64, StoreError>;
    /// Marks a conflict settled by `device` at `at`.
    fn settle_conflict(&self, id: i64, device: &str, at: &str) -> Result<(), StoreError>;
    /// Whether the county holds an attachment content.
    fn has_blob(&self, sha256: &str) -> Result<bool, StoreError>;
    /// Keeps an attachment content (checked by the caller); whether it was new.
    fn put_blob(&self, sha256: &str, mime: &str, bytes: &[u8]) -> Result<bool, StoreError>;
}
