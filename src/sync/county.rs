//! The county side: its keys, registered devices, importing bundles (checks,
//! field-by-field merge, conflicts) and writing acknowledgements.
//!
//! A county store is an ordinary [`Store`] in its own file: applying an entry
//! writes the row through the same change-logged [`Tx::put`], so the county
//! keeps its own audit log, and `sync_*` tables record devices, imports, who
//! last set each field and the conflicts.
//!
//! **Merge.** For each column of an incoming row, the device's *base* (the
//! row as the device had it before this change) tells whether the device
//! changed that column. Columns it did not change are left as the county has
//! them, so two devices changing different fields of one household both
//! apply. A column it changed from the value the county holds is applied. A
//! column it changed while another device had changed the same column to a
//! different value is a **conflict**: both values are kept in
//! `sync_conflicts`, and the later change (by the entry's time; at equal
//! times the greater device id) is the one the county row holds until a
//! caseworker settles it. A later change of that column by either device
//! settles the conflict. Conflicts are listed by `bangfu county conflicts`
//! and sent back, encrypted, in the acknowledgements of both devices.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::admission::{self, Facts, Place, Scope};
use super::bundle::{self, BlobLine, BundleManifest, Item, Line, Lines};
use super::device::{json_bytes, Registration, REGISTRATION_FORMAT};
use super::identity::{keys_dir, parse_recipient, KeySet, PublicKey, SealKey};
use super::sealed::{self, PayloadInfo};
use super::{reject, Result, SyncError};
use crate::attachments::media;
use crate::attachments::MAX_STORED_BYTES;
use crate::store::changelog::row_json;
use crate::store::{Store, StoreError, Tx};

/// `format` of the county's public key file.
pub const COUNTY_KEY_FORMAT: &str = "bangfu.county-key.v1";
/// `format` of an acknowledgement.
pub const ACK_FORMAT: &str = "bangfu.ack.v1";
/// Name of the acknowledgement's encrypted conflicts member.
pub const ACK_PAYLOAD: &str = "conflicts.age";
/// Key file prefix of the county.
pub const KEY_PREFIX: &str = "county";
/// The deterministic rule applied to conflicts, in words.
pub const RULE: &str = "暂按较晚送到县里的修改（设备上的时间不作准）；两个值都已保留，请熟悉该户的协理员核实后再改一次以确认";

/// How far ahead of the county's clock an entry's time may be before the
/// conflict says the device's clock is wrong.
const CLOCK_TOLERANCE: chrono::Duration = chrono::Duration::hours(24);

/// The signed manifest of the county's public key file, which devices import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountyKeyManifest {
    /// [`COUNTY_KEY_FORMAT`].
    pub format: String,
    /// Region code (6 digits).
    pub region: String,
    /// Name of the county office.
    pub name: String,
    /// minisign public key (base64 line).
    pub public_key: String,
    /// Its key id.
    pub key_id: String,
    /// age recipient bundles are encrypted to.
    pub age_recipient: String,
    /// When the keys were made.
    pub created_at: String,
}

/// The signed manifest of an acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckManifest {
    /// [`ACK_FORMAT`].
    pub format: String,
    /// County region.
    pub region: String,
    /// County key id.
    pub county_key_id: String,
    /// The device acknowledged.
    pub device_id: String,
    /// Last bundle applied.
    pub sequence: u64,
    /// Device-local sequence number of the last entry applied.
    pub last_seq: i64,
    /// Hash of the last entry applied.
    pub last_hash: String,
    /// Open conflicts involving the device (listed in the payload).
    pub open_conflicts: u64,
    /// When written.
    pub created_at: String,
    /// The encrypted conflicts.
    pub payload: PayloadInfo,
}

/// One side of a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    /// Device that set the value.
    pub device_id: String,
    /// The value (the whole row for a deletion conflict; null for the deletion).
    pub value: Value,
    /// Time of the change.
    pub at: String,
    /// Hash of its change-log entry.
    pub entry_hash: String,
}

/// Two devices changed the same field of the same record to different values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    /// Number at the county.
    pub id: i64,
    /// Table.
    pub table: String,
    /// Record id.
    pub record_id: String,
    /// Column (`*` when a deletion met a change).
    pub column: String,
    /// Household file number, when known.
    pub household: Option<String>,
    /// The value the county held.
    pub held: Side,
    /// The value that arrived.
    pub incoming: Side,
    /// `held` or `incoming`: the value the county row now has.
    pub winner: String,
    /// The rule, in words.
    pub rule: String,
    /// When found.
    pub detected_at: String,
    /// `open` or `settled`.
    pub status: String,
    /// Device whose later change settled it.
    pub settled_by: Option<String>,
    /// When.
    pub settled_at: Option<String>,
    /// Set when a side's time is later than the county's clock when the
    /// conflict was found: that device's clock is wrong (the order does not
    /// depend on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_note: Option<String>,
}

impl Conflict {
    /// The winning value.
    pub fn winning_value(&self) -> &Value {
        if self.winner == "incoming" {
            &self.incoming.value
        } else {
            &self.held.value
        }
    }
}

/// The county, loaded: identity and keys.
pub struct County {
    /// Its public key file manifest.
    pub public: CountyKeyManifest,
    /// Its keys.
    pub keys: KeySet,
}

fn county_identity(store: &Store) -> Result<Option<CountyKeyManifest>> {
    match store.setting("county.identity")? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| SyncError::Setup(format!("县级设置 county.identity 无法解析：{e}"))),
    }
}

/// Makes a county store: keys in `<db>.keys/`, region and name; returns the
/// county and whether it was new (an existing one is returned as it is).
pub fn init(store: &mut Store, db: &Path, region: &str, name: &str) -> Result<(County, bool)> {
    if let Some(existing) = county_identity(store)? {
        if existing.region != region {
            return Err(SyncError::Invalid(format!(
                "该数据库已是 {}（{}）的县级数据库，不能改为 {region}",
                existing.name, existing.region
            )));
        }
        return Ok((load(store, db)?, false));
    }
    if region.len() != 6 || !region.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SyncError::Invalid(format!(
            "--region 的值“{region}”不是 6 位行政区划代码"
        )));
    }
    if name.trim().is_empty() {
        return Err(SyncError::Invalid("--name 不能为空".into()));
    }
    if store.log_len()? > 0
        && store.setting("device_id")?.is_some()
        && super::device::state(store)?.is_some()
    {
        return Err(SyncError::Invalid(
            "该数据库是协理员设备的数据库，不能同时作为县级数据库；请用 --db 指定一个新文件".into(),
        ));
    }
    let dir = keys_dir(db);
    let seal = SealKey::ensure(store)?;
    let keys = if KeySet::exists(&dir, KEY_PREFIX) {
        KeySet::load(&dir, KEY_PREFIX, Some(&seal))?
    } else {
        KeySet::create(&dir, KEY_PREFIX, &seal)?
    };
    let public = CountyKeyManifest {
        format: COUNTY_KEY_FORMAT.into(),
        region: region.into(),
        name: name.trim().into(),
        public_key: keys.signing.public().to_base64(),
        key_id: keys.signing.public().key_id(),
        age_recipient: keys.recipient(),
        created_at: super::now(),
    };
    store.device_id()?;
    store.set_setting("caseworker", name.trim())?;
    let text = serde_json::to_string(&public)
        .map_err(|e| SyncError::Setup(format!("无法保存县级设置：{e}")))?;
    store.set_setting("county.identity", &text)?;
    Ok((County { public, keys }, true))
}

/// Loads the county of this store.
pub fn load(store: &Store, db: &Path) -> Result<County> {
    let Some(public) = county_identity(store)? else {
        return Err(SyncError::Setup(format!(
            "{} 不是县级数据库：请先运行 bangfu --db {} county init --region 行政区划代码 --name 单位名称",
            db.display(),
            db.display()
        )));
    };
    let keys = KeySet::load(
        &keys_dir(db),
        KEY_PREFIX,
        SealKey::of_store(store)?.as_ref(),
    )?;
    if keys.signing.public().key_id() != public.key_id || keys.recipient() != public.age_recipient {
        return Err(SyncError::Setup(format!(
            "密钥文件夹 {} 中的密钥不是本县数据库记录的密钥（{}）",
            keys_dir(db).display(),
            public.key_id
        )));
    }
    Ok(County { public, keys })
}

impl County {
    /// Writes the public key file devices import (self-signed).
    pub fn write_public_file(&self, out: &Path) -> Result<()> {
        let bytes = json_bytes(&self.public)?;
        sealed::write(
            out,
            &bytes,
            &self.keys.signing,
            &format!(
                "{COUNTY_KEY_FORMAT} region={} key={}",
                self.public.region, self.public.key_id
            ),
            None,
        )
    }
}

/// A device registered at the county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisteredDevice {
    /// Device id.
    pub device_id: String,
    /// Caseworker.
    pub caseworker: String,
    /// Village.
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

fn device_row(conn: &Connection, id: &str) -> Result<Option<RegisteredDevice>> {
    Ok(conn
        .query_row(
            "SELECT device_id, caseworker, village, public_key, key_id, age_recipient, registered_at,
                    last_sequence, last_seq, last_hash
             FROM sync_devices WHERE device_id = ?1",
            [id],
            |r| {
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
            },
        )
        .optional()
        .map_err(StoreError::from)?)
}

/// Every registered device.
pub fn devices(store: &Store) -> Result<Vec<RegisteredDevice>> {
    let ids: Vec<String> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT device_id FROM sync_devices ORDER BY village, caseworker, device_id")
            .map_err(StoreError::from)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(StoreError::from)?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(StoreError::from)?
    };
    ids.iter()
        .filter_map(|id| device_row(store.conn(), id).transpose())
        .collect()
}

/// Registers the device of a registration file; returns it and whether it was new.
pub fn register_device(store: &mut Store, path: &Path) -> Result<(RegisteredDevice, bool)> {
    let what = "设备登记文件";
    let opened = sealed::open(path, REGISTRATION_FORMAT, what, None)?;
    let r: Registration = opened.manifest(what)?;
    let key = PublicKey::from_base64(&r.public_key).map_err(|e| reject(path, e.to_string()))?;
    if key.key_id() != r.key_id {
        return Err(reject(path, "公钥与其密钥号不符：文件被改动"));
    }
    opened.verify(&key, "设备")?;
    parse_recipient(&r.age_recipient).map_err(|e| reject(path, e.to_string()))?;
    if uuid::Uuid::parse_str(&r.device_id).is_err() {
        return Err(reject(path, format!("设备编号“{}”格式错误", r.device_id)));
    }
    if let Some(existing) = device_row(store.conn(), &r.device_id)? {
        if existing.public_key == r.public_key && existing.age_recipient == r.age_recipient {
            return Ok((existing, false));
        }
        return Err(reject(
            path,
            format!(
                "设备 {} 已用另一把密钥（{}）登记，本文件的密钥是 {}：不能覆盖已登记的设备",
                r.device_id, existing.key_id, r.key_id
            ),
        ));
    }
    store.write(|tx| {
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
                super::now()
            ],
        )?;
        Ok::<_, StoreError>(())
    })?;
    let device = device_row(store.conn(), &r.device_id)?
        .ok_or_else(|| SyncError::Setup("登记后找不到设备".into()))?;
    Ok((device, true))
}

/// The device id and sequence number a bundle claims (unverified: for sorting).
pub fn peek_bundle(path: &Path) -> Option<(String, u64)> {
    let opened = sealed::open(path, bundle::FORMAT, bundle::WHAT, Some(bundle::PAYLOAD)).ok()?;
    let m: BundleManifest = opened.manifest(bundle::WHAT).ok()?;
    Some((m.device_id, m.sequence))
}

/// What importing one bundle did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The device, after the import.
    pub device: RegisteredDevice,
    /// The bundle's manifest.
    pub manifest: BundleManifest,
    /// True when this very bundle had been imported before (nothing changed).
    pub already: bool,
    /// Rows written to the county's tables.
    pub rows_changed: u64,
    /// Conflicts found in this bundle.
    pub new_conflicts: Vec<Conflict>,
    /// Conflicts this bundle settled.
    pub settled: u64,
}

/// Imports one bundle: checks it fully, then applies it in one transaction,
/// or rejects it with nothing applied.
pub fn import_bundle(store: &mut Store, county: &County, path: &Path) -> Result<ImportReport> {
    let what = bundle::WHAT;
    let mut opened = sealed::open(path, bundle::FORMAT, what, Some(bundle::PAYLOAD))?;
    let m: BundleManifest = opened.manifest(what)?;
    let Some(device) = device_row(store.conn(), &m.device_id)? else {
        return Err(reject(
            path,
            format!(
                "来自未登记的设备 {}（自称 {}，{}）：请先用 bangfu county register-device 登记该设备，未做任何更改",
                m.device_id, m.caseworker, m.village
            ),
        ));
    };
    opened.verify(&PublicKey::from_base64(&device.public_key)?, "设备")?;
    if m.region != county.public.region || m.county_key_id != county.public.key_id {
        return Err(reject(
            path,
            format!(
                "这是发给 {}（密钥 {}）的数据包，不是发给本县 {}（{}，密钥 {}）的，未做任何更改",
                m.region,
                m.county_key_id,
                county.public.name,
                county.public.region,
                county.public.key_id
            ),
        ));
    }
    let manifest_sha = super::sha256_hex(&opened.manifest);
    let who = format!(
        "设备 {}（{}，{}）",
        device.device_id, device.caseworker, device.village
    );
    if m.sequence <= device.last_sequence {
        let earlier: Option<String> = store
            .conn()
            .query_row(
                "SELECT manifest_sha256 FROM sync_imports WHERE device_id = ?1 AND sequence = ?2",
                params![device.device_id, m.sequence as i64],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::from)?;
        return match earlier {
            Some(sha) if sha == manifest_sha && m.sequence == device.last_sequence => Ok(ImportReport {
                device,
                manifest: m,
                already: true,
                rows_changed: 0,
                new_conflicts: Vec::new(),
                settled: 0,
            }),
            Some(sha) if sha == manifest_sha => Err(reject(
                path,
                format!(
                    "这是{who}已导入过的第 {} 号数据包，县里已导入到第 {} 号：重放的旧数据包，未做任何更改",
                    m.sequence, device.last_sequence
                ),
            )),
            _ => Err(reject(
                path,
                format!(
                    "{who}的第 {} 号数据包县里已导入过另一份（内容不同）：设备可能在收到回执前重新导出了。\
                     请在设备上导入第 {} 号的回执（bangfu bundle ack）后重新导出；未做任何更改",
                    m.sequence, device.last_sequence
                ),
            )),
        };
    }
    if m.sequence > device.last_sequence + 1 {
        return Err(reject(
            path,
            format!(
                "这是{who}的第 {} 号数据包，但县里只导入到第 {} 号：缺少第 {} 号，请先导入它（数据包须按顺序导入），未做任何更改",
                m.sequence,
                device.last_sequence,
                device.last_sequence + 1
            ),
        ));
    }
    if m.first_prev_hash != device.last_hash {
        return Err(reject(
            path,
            format!(
                "本包接续的记录（哈希 {}…）与县里持有的{who}最后一条记录（哈希 {}…）不符：记录有缺漏或分叉，未做任何更改",
                short(&m.first_prev_hash),
                short(&device.last_hash)
            ),
        ));
    }
    if m.entry_count == 0
        || m.plain_bytes > super::MAX_PLAIN_BYTES
        || m.blob_bytes > m.blob_count.saturating_mul(MAX_STORED_BYTES)
    {
        return Err(reject(path, "清单中的记录数或数据大小不合理"));
    }
    opened.check_payload(&m.payload)?;

    // A bundle's transaction touches many pages: a larger page cache (this
    // connection only) keeps SQLite from spilling them to the WAL mid-way.
    // Fewer, larger checkpoints (each one waits for the disk).
    for (pragma, value) in [
        ("cache_size", -64 * 1024),
        ("wal_autocheckpoint", 16 * 1024),
    ] {
        store
            .conn()
            .pragma_update(None, pragma, value)
            .map_err(StoreError::from)?;
    }
    let identity = county.keys.age.clone();
    let device_id = device.device_id.clone();
    let scope = Scope {
        region: county.public.region.clone(),
        village: device.village.clone(),
    };
    let (rows_changed, conflict_ids, settled) = store.write(|tx| {
        // Checked again inside the transaction, in case another import ran meanwhile.
        let now: (i64, String) = tx
            .conn()
            .query_row(
                "SELECT last_sequence, last_hash FROM sync_devices WHERE device_id = ?1",
                [&device_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(StoreError::from)?;
        if now != (device.last_sequence as i64, device.last_hash.clone()) {
            return Err(reject(
                path,
                "导入期间该设备的数据已被另一个导入更新，请重试",
            ));
        }
        let mut lines = Lines::open(&mut opened, &identity)?;
        let mut ctx = Apply::new(tx, &device_id, m.sequence, scope)?;
        let mut prev = m.first_prev_hash.clone();
        let mut prev_seq = i64::MIN;
        let mut entries = 0u64;
        let mut blobs = Blobs::default();
        while let Some(item) = lines.next_item()? {
            let line = match item {
                Item::Entry(line) => line,
                Item::Blob(b) => {
                    blobs.receive(tx, &m, &b, lines.count).map_err(|e| match e {
                        Problem::Bad(problem) => reject(
                            path,
                            format!(
                                "第 {} 行附件内容（SHA-256 {}…）{problem}，未做任何更改",
                                lines.count,
                                short(&b.blob)
                            ),
                        ),
                        Problem::Store(s) => SyncError::Store(s),
                    })?;
                    continue;
                }
            };
            entries += 1;
            let n = entries;
            let bad = |problem: String| {
                reject(
                    path,
                    format!(
                        "第 {n} 条记录（{} {}）{problem}，未做任何更改",
                        line.table, line.record_id
                    ),
                )
            };
            if n > m.entry_count {
                return Err(bad(format!("超出清单记载的 {} 条", m.entry_count)));
            }
            if line.prev_hash != prev {
                return Err(bad("没有接上前一条（哈希链断裂或缺记录）".into()));
            }
            if !line.withheld && line.entry().compute_hash() != line.hash {
                return Err(bad("的内容与其哈希不符".into()));
            }
            if line.seq <= prev_seq || (n == 1 && (line.seq != m.first_seq || line.hash != m.first_hash)) {
                return Err(bad("的序号或哈希与清单不符".into()));
            }
            prev = line.hash.clone();
            prev_seq = line.seq;
            if line.withheld {
                // Kept on the device; only its place in the chain travels.
                admission::check_withheld(&line).map_err(bad)?;
                continue;
            }
            ctx.apply(tx, &line, n).map_err(|e| match e {
                Problem::Bad(p) => bad(p),
                Problem::Store(s) => SyncError::Store(s),
            })?;
            if let Some(sha) = bundle::blob_named(&line.table, line.row_json.as_deref()) {
                blobs.named.insert(sha);
            }
        }
        if blobs.count != m.blob_count || blobs.bytes != m.blob_bytes {
            return Err(reject(
                path,
                format!(
                    "数据部分有 {} 个附件内容（{} 字节），与清单记载的 {} 个（{} 字节）不符，未做任何更改",
                    blobs.count, blobs.bytes, m.blob_count, m.blob_bytes
                ),
            ));
        }
        let unnamed = blobs
            .lines
            .iter()
            .filter(|(sha, _)| !blobs.named.contains(*sha))
            .min_by_key(|(_, at)| **at);
        if let Some((sha, at)) = unnamed {
            return Err(reject(
                path,
                format!(
                    "第 {at} 行附件内容（SHA-256 {}…）没有随后的附件记录引用它，未做任何更改",
                    short(sha)
                ),
            ));
        }
        if entries != m.entry_count || prev != m.last_hash || prev_seq != m.last_seq || lines.bytes != m.plain_bytes {
            return Err(reject(
                path,
                format!(
                    "数据部分有 {} 条记录，与清单记载的 {} 条（或末条哈希、大小）不符，未做任何更改",
                    entries, m.entry_count
                ),
            ));
        }
        let today = chrono::Local::now().date_naive();
        for (household_id, n) in ctx.touched_in_order() {
            let problems = admission::household_problems(tx.records(), household_id, today)?;
            if let Some(problems) = problems.filter(|p| !p.is_empty()) {
                return Err(reject(
                    path,
                    format!(
                        "第 {n} 条记录写入后，该户的数据不合格：{}；未做任何更改",
                        problems.join("；")
                    ),
                ));
            }
        }
        let conn = tx.conn();
        conn.execute(
            "UPDATE sync_devices SET last_sequence = ?2, last_seq = ?3, last_hash = ?4 WHERE device_id = ?1",
            params![device_id, m.sequence as i64, m.last_seq, m.last_hash],
        )
        .map_err(StoreError::from)?;
        conn.execute(
            "INSERT INTO sync_imports (device_id, sequence, manifest_sha256, first_hash, last_hash, entry_count,
                                       rows_changed, conflicts, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                device_id,
                m.sequence as i64,
                manifest_sha,
                m.first_hash,
                m.last_hash,
                m.entry_count as i64,
                ctx.rows_changed as i64,
                ctx.new_conflicts.len() as i64,
                super::now()
            ],
        )
        .map_err(StoreError::from)?;
        Ok::<_, SyncError>((ctx.rows_changed, ctx.new_conflicts, ctx.settled))
    })?;
    let new_conflicts = load_conflicts(
        store.conn(),
        "id IN (SELECT value FROM json_each(?1))",
        &serde_json::to_string(&conflict_ids).unwrap_or_default(),
    )?;
    let device = device_row(store.conn(), &device_id)?
        .ok_or_else(|| SyncError::Setup("导入后找不到设备".into()))?;
    Ok(ImportReport {
        device,
        manifest: m,
        already: false,
        rows_changed,
        new_conflicts,
        settled,
    })
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The attachment contents (blob lines) of one bundle, as it is applied.
#[derive(Default)]
struct Blobs {
    /// Blob lines read.
    count: u64,
    /// Their bytes, decoded.
    bytes: u64,
    /// Line number of each, by SHA-256.
    lines: HashMap<String, u64>,
    /// Contents named by the bundle's `attachments` entries.
    named: HashSet<String>,
}

impl Blobs {
    /// Checks the blob line at line `at` and keeps its bytes.
    fn receive(
        &mut self,
        tx: &Tx,
        m: &BundleManifest,
        b: &BlobLine,
        at: u64,
    ) -> Result<(), Problem> {
        self.count += 1;
        if self.count > m.blob_count {
            return Err(Problem::Bad(format!("超出清单记载的 {} 个", m.blob_count)));
        }
        if let Some(first) = self.lines.get(&b.blob) {
            return Err(Problem::Bad(format!("在第 {first} 行已出现过，重复")));
        }
        let bytes = b.decode().map_err(Problem::Bad)?;
        if bytes.len() as u64 > MAX_STORED_BYTES {
            return Err(Problem::Bad(format!(
                "有 {} 字节，超过单个附件 {} MB 的上限",
                bytes.len(),
                MAX_STORED_BYTES / 1024 / 1024
            )));
        }
        if super::sha256_hex(&bytes) != b.blob {
            return Err(Problem::Bad("与其哈希不符".into()));
        }
        // The same checks as a file attached on the laptop: a "photo" that
        // is really a web page never reaches the county's store.
        media::check_prepared(&bytes, &b.mime, "附件内容")
            .map_err(|e| Problem::Bad(format!("（标注为“{}”）不合格：{e}", b.mime)))?;
        self.bytes += bytes.len() as u64;
        if self.bytes > m.blob_bytes {
            return Err(Problem::Bad(format!(
                "使总大小超出清单记载的 {} 字节",
                m.blob_bytes
            )));
        }
        tx.put_blob(&b.blob, &b.mime, &bytes)?;
        self.lines.insert(b.blob.clone(), at);
        Ok(())
    }
}

/// Writes the acknowledgement for `device_id`'s last imported bundle to `out`.
pub fn write_ack(
    store: &Store,
    county: &County,
    device_id: &str,
    out: &Path,
) -> Result<AckManifest> {
    let Some(device) = device_row(store.conn(), device_id)? else {
        return Err(SyncError::Invalid(format!("设备 {device_id} 未登记")));
    };
    if device.last_sequence == 0 {
        return Err(SyncError::Invalid(format!(
            "设备 {device_id} 还没有导入过数据包，没有可确认的内容"
        )));
    }
    let conflicts = conflicts_of(store, device_id)?;
    let plain = serde_json::to_vec(&serde_json::json!({ "conflicts": conflicts }))
        .map_err(|e| SyncError::Setup(format!("无法生成回执：{e}")))?;
    let recipient = parse_recipient(&device.age_recipient)?;
    let encrypted = age::encrypt(&recipient, &plain)
        .map_err(|e| SyncError::Setup(format!("无法加密回执：{e}")))?;
    let m = AckManifest {
        format: ACK_FORMAT.into(),
        region: county.public.region.clone(),
        county_key_id: county.public.key_id.clone(),
        device_id: device_id.into(),
        sequence: device.last_sequence,
        last_seq: device.last_seq,
        last_hash: device.last_hash.clone(),
        open_conflicts: conflicts.len() as u64,
        created_at: super::now(),
        payload: PayloadInfo::of(ACK_PAYLOAD, &encrypted),
    };
    sealed::write(
        out,
        &json_bytes(&m)?,
        &county.keys.signing,
        &format!(
            "{ACK_FORMAT} device={device_id} sequence={} conflicts={}",
            m.sequence, m.open_conflicts
        ),
        Some((ACK_PAYLOAD, &encrypted)),
    )?;
    Ok(m)
}

/// Open conflicts involving `device_id`.
pub fn conflicts_of(store: &Store, device_id: &str) -> Result<Vec<Conflict>> {
    load_conflicts(
        store.conn(),
        "status = 'open' AND (held_device = ?1 OR incoming_device = ?1)",
        device_id,
    )
}

/// Conflicts: open ones, or all with `all`.
pub fn conflicts(store: &Store, all: bool) -> Result<Vec<Conflict>> {
    load_conflicts(
        store.conn(),
        if all {
            "?1 = ?1"
        } else {
            "status = 'open' AND ?1 = ?1"
        },
        "",
    )
}

fn load_conflicts(conn: &Connection, filter: &str, arg: &str) -> Result<Vec<Conflict>> {
    let sql = format!(
        "SELECT id, tbl, record_id, col, household_code, held_device, held_value, held_at, held_entry,
                incoming_device, incoming_value, incoming_at, incoming_entry, winner, detected_at,
                status, settled_by, settled_at
         FROM sync_conflicts WHERE {filter} ORDER BY id"
    );
    let mut stmt = conn.prepare(&sql).map_err(StoreError::from)?;
    let value = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
    let rows = stmt
        .query_map([arg], |r| {
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
        })
        .map_err(StoreError::from)?;
    let mut list: Vec<Conflict> = rows
        .collect::<rusqlite::Result<_>>()
        .map_err(StoreError::from)?;
    for c in &mut list {
        c.clock_note = clock_note(c);
    }
    Ok(list)
}

/// Says which side's time was ahead of the county's clock when the conflict
/// was found (beyond [`CLOCK_TOLERANCE`]), if any.
fn clock_note(c: &Conflict) -> Option<String> {
    let time = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let found = time(&c.detected_at)?;
    let ahead: Vec<String> = [("县里原值", &c.held), ("新到的值", &c.incoming)]
        .into_iter()
        .filter(|(_, side)| time(&side.at).is_none_or(|at| at > found + CLOCK_TOLERANCE))
        .map(|(label, side)| format!("{label}的设备时间 {} 晚于县里发现冲突的时间", side.at))
        .collect();
    (!ahead.is_empty()).then(|| {
        format!(
            "{}：该设备的时钟不准，请协理员校正电脑时间；冲突按送到县里的先后处理，不受影响",
            ahead.join("，")
        )
    })
}

// ---------------------------------------------------------------------------
// Applying entries
// ---------------------------------------------------------------------------

/// Who last set one column of a record, and from what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FieldVersion {
    #[serde(rename = "d")]
    device: String,
    #[serde(rename = "t")]
    at: String,
    #[serde(rename = "e")]
    entry: String,
    /// The value it replaced (JSON text), when known.
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    base: Option<String>,
}

/// Versions of a record's columns: who created the record (every column
/// not listed since), and each column set by a later change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct RecordVersions {
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    created: Option<FieldVersion>,
    #[serde(rename = "f", default, skip_serializing_if = "HashMap::is_empty")]
    fields: HashMap<String, FieldVersion>,
}

impl RecordVersions {
    fn get(&self, column: &str) -> Option<&FieldVersion> {
        self.fields.get(column).or(self.created.as_ref())
    }
}

/// Why an entry could not be applied.
enum Problem {
    /// The entry itself is wrong: the bundle is rejected.
    Bad(String),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
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
}

impl From<rusqlite::Error> for Problem {
    fn from(e: rusqlite::Error) -> Self {
        Problem::from(StoreError::from(e))
    }
}

/// An open conflict, as the merge needs it.
#[derive(Debug, Clone)]
struct OpenConflict {
    id: i64,
    devices: [String; 2],
}

/// State of one bundle's application.
struct Apply {
    device: String,
    /// What the device may write.
    scope: Scope,
    /// Households written to, each with the number of the last entry that did.
    touched: HashMap<String, u64>,
    sequence: u64,
    now: String,
    /// Open conflicts by (table, record, column).
    open: HashMap<(String, String, String), Vec<OpenConflict>>,
    /// The latest row of each record seen in this bundle (the base of the next entry for it).
    seen: HashMap<(String, String), Option<String>>,
    rows_changed: u64,
    new_conflicts: Vec<i64>,
    settled: u64,
}

/// The columns of `table` (names leaked once per table per process, as
/// [`Tx::put`] takes column names that come from code, never from input).
fn table_columns(
    conn: &Connection,
    table: &'static str,
) -> Result<&'static [&'static str], Problem> {
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

fn parse_row(text: Option<&str>, what: &str) -> Result<Option<Map<String, Value>>, Problem> {
    match text {
        None => Ok(None),
        Some(t) => match serde_json::from_str(t) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err(Problem::Bad(format!("的{what}不是 JSON 对象"))),
        },
    }
}

fn json_text(v: &Value) -> String {
    v.to_string()
}

/// The household a record belongs to, by file number.
fn household_code(
    conn: &Connection,
    table: &str,
    record_id: &str,
    row: Option<&Map<String, Value>>,
) -> Option<String> {
    let household_id = if table == "households" {
        Some(record_id.to_owned())
    } else {
        row.and_then(|r| r.get("household_id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }?;
    conn.query_row(
        "SELECT code FROM households WHERE id = ?1",
        [household_id],
        |r| r.get(0),
    )
    .optional()
    .ok()
    .flatten()
}

impl Apply {
    fn new(tx: &Tx, device: &str, sequence: u64, scope: Scope) -> Result<Apply, StoreError> {
        let mut open: HashMap<(String, String, String), Vec<OpenConflict>> = HashMap::new();
        let mut stmt = tx.conn().prepare(
            "SELECT id, tbl, record_id, col, held_device, incoming_device FROM sync_conflicts WHERE status = 'open'",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ),
                OpenConflict {
                    id: r.get(0)?,
                    devices: [r.get(4)?, r.get(5)?],
                },
            ))
        })?;
        for row in rows {
            let (key, c) = row?;
            open.entry(key).or_default().push(c);
        }
        Ok(Apply {
            device: device.to_owned(),
            scope,
            touched: HashMap::new(),
            sequence,
            now: super::now(),
            open,
            seen: HashMap::new(),
            rows_changed: 0,
            new_conflicts: Vec::new(),
            settled: 0,
        })
    }

    /// Refuses an entry the device may not write (see [`admission`]), and
    /// notes the households it touches for the check after the bundle.
    fn admit(
        &mut self,
        conn: &Connection,
        table: &str,
        held: Option<&Map<String, Value>>,
        incoming: Option<&Map<String, Value>>,
        n: u64,
    ) -> Result<(), Problem> {
        let mut unknown_household = None;
        let mut place = |row: &Map<String, Value>| -> Result<Option<(String, Place)>, Problem> {
            if table == "households" {
                let id = row.get("id").and_then(Value::as_str).unwrap_or_default();
                let place = Place::of_household_row(row)
                    .ok_or_else(|| Problem::Bad("缺少户编号、行政区划代码或村名".into()))?;
                return Ok(Some((id.to_owned(), place)));
            }
            let Some(id) = row.get("household_id").and_then(Value::as_str) else {
                return Err(Problem::Bad("缺少所属的户（household_id）".into()));
            };
            let found: Option<Place> = conn
                .prepare_cached("SELECT code, region_code, village FROM households WHERE id = ?1")?
                .query_row([id], |r| {
                    Ok(Place {
                        code: r.get(0)?,
                        region: r.get(1)?,
                        village: r.get(2)?,
                    })
                })
                .optional()?;
            if found.is_none() {
                unknown_household = Some(id.to_owned());
            }
            Ok(found.map(|p| (id.to_owned(), p)))
        };
        let held = held.map(&mut place).transpose()?.flatten();
        let incoming = incoming.map(&mut place).transpose()?.flatten();
        let facts = Facts {
            table,
            held: held.as_ref().map(|(_, p)| p),
            incoming: incoming.as_ref().map(|(_, p)| p),
            unknown_household: unknown_household.as_deref(),
        };
        admission::authorize(&self.scope, &facts).map_err(Problem::Bad)?;
        for (id, _) in held.into_iter().chain(incoming) {
            self.touched.insert(id, n);
        }
        Ok(())
    }

    /// The households this bundle wrote to, by the last entry that did.
    fn touched_in_order(&self) -> Vec<(&str, u64)> {
        let mut list: Vec<(&str, u64)> = self
            .touched
            .iter()
            .map(|(id, n)| (id.as_str(), *n))
            .collect();
        list.sort_by_key(|(id, n)| (*n, *id));
        list
    }

    fn load_versions(
        &self,
        conn: &Connection,
        table: &str,
        id: &str,
    ) -> Result<RecordVersions, Problem> {
        let text: Option<String> = conn
            .prepare_cached(
                "SELECT fields FROM sync_record_versions WHERE tbl = ?1 AND record_id = ?2",
            )?
            .query_row([table, id], |r| r.get(0))
            .optional()?;
        match text {
            None => Ok(RecordVersions::default()),
            Some(t) => serde_json::from_str(&t).map_err(|e| {
                Problem::Store(StoreError::Corrupt {
                    place: format!("sync_record_versions {table} {id}"),
                    problem: e.to_string(),
                })
            }),
        }
    }

    fn save_versions(
        &self,
        conn: &Connection,
        table: &str,
        id: &str,
        v: &RecordVersions,
    ) -> Result<(), Problem> {
        let text = serde_json::to_string(v).map_err(|e| Problem::Bad(e.to_string()))?;
        conn.prepare_cached(
            "INSERT INTO sync_record_versions (tbl, record_id, fields) VALUES (?1, ?2, ?3)
             ON CONFLICT (tbl, record_id) DO UPDATE SET fields = excluded.fields",
        )?
        .execute(params![table, id, text])?;
        Ok(())
    }

    /// Records a conflict, which the incoming value (the later to arrive) wins.
    fn record_conflict(
        &mut self,
        conn: &Connection,
        line: &Line,
        column: &str,
        household: Option<&str>,
        held: (&str, &Value, &str, &str),
        incoming: &Value,
    ) -> Result<(), Problem> {
        conn.prepare_cached(
            "INSERT INTO sync_conflicts (tbl, record_id, col, household_code, held_device, held_value, held_at,
                 held_entry, incoming_device, incoming_value, incoming_at, incoming_entry, incoming_sequence,
                 winner, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            line.table,
            line.record_id,
            column,
            household,
            held.0,
            json_text(held.1),
            held.2,
            held.3,
            self.device,
            json_text(incoming),
            line.at,
            line.hash,
            self.sequence as i64,
            "incoming",
            self.now,
        ])?;
        let id = conn.last_insert_rowid();
        self.new_conflicts.push(id);
        self.open
            .entry((
                line.table.clone(),
                line.record_id.clone(),
                column.to_owned(),
            ))
            .or_default()
            .push(OpenConflict {
                id,
                devices: [held.0.to_owned(), self.device.clone()],
            });
        Ok(())
    }

    /// Settles open conflicts on this field that involve this device; true if any.
    fn settle(
        &mut self,
        conn: &Connection,
        table: &str,
        id: &str,
        column: &str,
    ) -> Result<bool, Problem> {
        let key = (table.to_owned(), id.to_owned(), column.to_owned());
        let Some(list) = self.open.get_mut(&key) else {
            return Ok(false);
        };
        let (mine, others): (Vec<_>, Vec<_>) = list
            .drain(..)
            .partition(|c| c.devices.contains(&self.device));
        *list = others;
        for c in &mine {
            conn.prepare_cached(
                "UPDATE sync_conflicts SET status = 'settled', settled_by = ?2, settled_at = ?3 WHERE id = ?1",
            )?
            .execute(params![c.id, self.device, self.now])?;
            self.settled += 1;
        }
        Ok(!mine.is_empty())
    }

    /// Applies entry number `n` of the bundle.
    fn apply(&mut self, tx: &Tx, line: &Line, n: u64) -> Result<(), Problem> {
        let conn = tx.conn();
        admission::authorize_table(&line.table).map_err(Problem::Bad)?;
        let Some(&table) = crate::store::LOGGED_TABLES
            .iter()
            .find(|t| **t == line.table)
        else {
            return Err(Problem::Bad(format!("写的是未知的表“{}”", line.table)));
        };
        let key = (line.table.clone(), line.record_id.clone());
        let base_text = match self.seen.get(&key) {
            Some(prev) => prev.clone(),
            None => line.base.clone(),
        };
        let base = parse_row(base_text.as_deref(), "原值")?;
        self.seen.insert(key, line.row_json.clone());
        // Most inserts are of new records: a cheap existence check first.
        let exists = line.op != "insert"
            || conn
                .prepare_cached(&format!(
                    "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
                ))?
                .query_row([&line.record_id], |r| r.get::<_, bool>(0))?;
        let cur = match exists {
            false => None,
            true => match row_json(conn, table, &line.record_id)? {
                Some(Value::Object(m)) => Some(m),
                _ => None,
            },
        };
        let incoming = match line.op.as_str() {
            "insert" | "update" => match parse_row(line.row_json.as_deref(), "内容")? {
                Some(row) => Some(row),
                None => return Err(Problem::Bad("缺少内容".into())),
            },
            "delete" => None,
            other => return Err(Problem::Bad(format!("的操作“{other}”未知"))),
        };
        self.admit(conn, table, cur.as_ref(), incoming.as_ref(), n)?;
        let mut versions = match cur {
            Some(_) => self.load_versions(conn, table, &line.record_id)?,
            None => RecordVersions::default(),
        };
        let columns = table_columns(conn, table)?;
        let me = self.device.clone();
        let incoming_version = |b: Option<&Value>| FieldVersion {
            device: me.clone(),
            at: line.at.clone(),
            entry: line.hash.clone(),
            base: b.map(json_text),
        };
        match line.op.as_str() {
            "insert" | "update" => {
                let Some(row) = incoming else {
                    return Err(Problem::Bad("缺少内容".into()));
                };
                if row.get("id").and_then(Value::as_str) != Some(line.record_id.as_str()) {
                    return Err(Problem::Bad("的内容与记录号不符".into()));
                }
                if let Some(unknown) = row.keys().find(|k| !columns.contains(&k.as_str())) {
                    return Err(Problem::Bad(format!(
                        "含有本县数据库 {table} 表没有的字段“{unknown}”（设备上的 bangfu 版本较新？请升级县级程序）"
                    )));
                }
                let mut target = cur.clone().unwrap_or_default();
                let mut changed = false;
                match &cur {
                    None => {
                        for c in columns.iter().filter(|c| **c != "id") {
                            let v = row.get(*c).cloned().unwrap_or(Value::Null);
                            target.insert((*c).to_owned(), v);
                        }
                        versions = RecordVersions {
                            created: Some(incoming_version(None)),
                            fields: HashMap::new(),
                        };
                        changed = true;
                    }
                    Some(cur) => {
                        for (c, v) in row.iter().filter(|(c, _)| c.as_str() != "id") {
                            let cv = cur.get(c).unwrap_or(&Value::Null);
                            let b: Option<&Value> =
                                base.as_ref().map(|m| m.get(c).unwrap_or(&Value::Null));
                            if b == Some(v) {
                                continue; // this device did not change this column
                            }
                            if self.settle(conn, table, &line.record_id, c)? {
                                if v != cv {
                                    target.insert(c.clone(), v.clone());
                                    changed = true;
                                }
                                versions.fields.insert(c.clone(), incoming_version(b));
                                continue;
                            }
                            if v == cv {
                                continue;
                            }
                            let fv = versions.get(c);
                            let apply = b == Some(cv) || fv.is_none_or(|f| f.device == self.device);
                            if apply {
                                target.insert(c.clone(), v.clone());
                                versions.fields.insert(c.clone(), incoming_version(b));
                                changed = true;
                                continue;
                            }
                            let Some(fv) = fv.cloned() else { continue };
                            if fv.base.as_deref() == Some(json_text(v).as_str()) {
                                continue; // the county's value is a later change made from this one
                            }
                            let household = household_code(conn, table, &line.record_id, Some(cur));
                            self.record_conflict(
                                conn,
                                line,
                                c,
                                household.as_deref(),
                                (&fv.device, cv, &fv.at, &fv.entry),
                                v,
                            )?;
                            // The change that reached the county later holds:
                            // arrival order, never the devices' clocks.
                            target.insert(c.clone(), v.clone());
                            versions.fields.insert(c.clone(), incoming_version(b));
                            changed = true;
                        }
                    }
                }
                if changed && table == bundle::ATTACHMENTS_TABLE {
                    let sha = target
                        .get(bundle::BLOB_COLUMN)
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let held: bool = conn
                        .prepare_cached("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?1)")?
                        .query_row([sha], |r| r.get(0))?;
                    if !held {
                        return Err(Problem::Bad(format!(
                            "（附件 {}）的内容缺失：它引用的照片或扫描件（SHA-256 {}…）既不在本数据包中，县里也没有",
                            line.record_id,
                            short(sha)
                        )));
                    }
                }
                if changed {
                    let values: Vec<(&'static str, SqlValue)> = columns
                        .iter()
                        .filter(|c| **c != "id")
                        .map(|c| Ok((*c, to_sql(c, target.get(*c).unwrap_or(&Value::Null))?)))
                        .collect::<Result<_, Problem>>()?;
                    if tx.put(table, &line.record_id, &values)? {
                        self.rows_changed += 1;
                    }
                    self.save_versions(conn, table, &line.record_id, &versions)?;
                }
            }
            "delete" => {
                let Some(cur) = cur else { return Ok(()) };
                // Changes by other devices that this device had not seen when it deleted.
                let unseen: Vec<(&String, &FieldVersion)> = match &base {
                    None => Vec::new(),
                    Some(b) => cur
                        .iter()
                        .filter(|(c, v)| {
                            c.as_str() != "id" && b.get(c.as_str()).unwrap_or(&Value::Null) != *v
                        })
                        .filter_map(|(c, _)| versions.get(c).map(|f| (c, f)))
                        .filter(|(_, f)| f.device != self.device)
                        .collect(),
                };
                // The one the conflict shows; the deletion holds whichever it is.
                let latest = unseen
                    .iter()
                    .max_by(|a, b| (&a.1.at, &a.1.device).cmp(&(&b.1.at, &b.1.device)));
                if let Some((_, fv)) = latest {
                    let fv = (*fv).clone();
                    let household = household_code(conn, table, &line.record_id, Some(&cur));
                    self.record_conflict(
                        conn,
                        line,
                        "*",
                        household.as_deref(),
                        (&fv.device, &Value::Object(cur.clone()), &fv.at, &fv.entry),
                        &Value::Null,
                    )?;
                }
                // The deletion reached the county later: it holds, as a
                // change of a field would.
                if tx.delete(table, &line.record_id)? {
                    self.rows_changed += 1;
                }
                conn.prepare_cached(
                    "DELETE FROM sync_record_versions WHERE tbl = ?1 AND record_id = ?2",
                )?
                .execute([table, line.record_id.as_str()])?;
            }
            _ => {}
        }
        Ok(())
    }
}
