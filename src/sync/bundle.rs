//! Bundles: a device's change-log entries since its last acknowledged export,
//! as JSON lines, gzip-compressed, encrypted with age to the county's X25519
//! key, in a signed file whose manifest the device signs.
//!
//! A lost USB stick shows the manifest (device, counts, hashes, times) but
//! no one's data: the entries are readable only with the county's key.
//!
//! The payload has two kinds of line ([`Item`]): change-log entries
//! ([`Line`], hash-chained), and attachment contents ([`BlobLine`]: the bytes
//! of a photo or scan, named by their SHA-256, outside the chain). A blob
//! line comes just before the first entry of the bundle whose `attachments`
//! row names it, once per bundle, and only when no entry the county already
//! acknowledged named it.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use base64::Engine as _;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::identity::KeySet;
use super::sealed::{Opened, PayloadInfo};
use super::{reject, Result, SyncError, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_PLAIN_BYTES};
use crate::attachments::MAX_STORED_BYTES;
use crate::store::changelog::{entries_after, Entry};

/// `format` of a bundle's manifest.
pub const FORMAT: &str = "bangfu.bundle.v1";
/// Name of the encrypted payload member.
pub const PAYLOAD: &str = "payload.age";
/// What a bundle is called in messages.
pub const WHAT: &str = "数据包";

/// The signed manifest of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// [`FORMAT`].
    pub format: String,
    /// The sending device.
    pub device_id: String,
    /// Its caseworker, as set on the device.
    pub caseworker: String,
    /// Its village.
    pub village: String,
    /// Region code of the county it is for.
    pub region: String,
    /// Key id of the county key it is encrypted to.
    pub county_key_id: String,
    /// 1 for the device's first bundle, then one more for each after it (an
    /// export too large for one file continues in the next numbers).
    pub sequence: u64,
    /// Hash the first entry follows (the last entry the county acknowledged,
    /// or the device's starting point).
    pub first_prev_hash: String,
    /// Hash of the first entry.
    pub first_hash: String,
    /// Hash of the last entry.
    pub last_hash: String,
    /// Device-local sequence number of the first entry.
    pub first_seq: i64,
    /// Device-local sequence number of the last entry.
    pub last_seq: i64,
    /// Number of entries.
    pub entry_count: u64,
    /// Size of the JSON lines before compression (entries and blob lines).
    pub plain_bytes: u64,
    /// Number of blob lines (attachment contents, each distinct). Absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub blob_count: u64,
    /// Their total size in bytes, decoded (not base64). Absent when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub blob_bytes: u64,
    /// When the bundle was made (UTC).
    pub created_at: String,
    /// The encrypted payload.
    pub payload: PayloadInfo,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The table whose rows name attachment contents.
pub const ATTACHMENTS_TABLE: &str = "attachments";
/// The column of an `attachments` row that names its content by SHA-256.
pub const BLOB_COLUMN: &str = "blob_sha256";

/// One line of the payload: a change-log entry, and for the first entry of
/// each record in the bundle the row as the device had it before (`base`),
/// which the county needs to tell which fields this device changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Device-local position.
    pub seq: i64,
    /// Entry id.
    pub entry_id: String,
    /// Table.
    pub table: String,
    /// Record id.
    pub record_id: String,
    /// insert, update or delete.
    pub op: String,
    /// The row after the change.
    pub row_json: Option<String>,
    /// `device/caseworker`.
    pub author: String,
    /// Time of the change (UTC).
    pub at: String,
    /// Hash of the entry before.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
    /// The row before, when the entry that wrote it is not in this bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// True for an entry of a table the device keeps to itself
    /// ([`PRIVATE_TABLES`](super::admission::PRIVATE_TABLES)): its content
    /// (`row_json`) stays on the device, and the county follows the chain
    /// through it by `prev_hash` and `hash` without applying anything.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

impl Line {
    /// The change-log entry this line carries.
    pub fn entry(&self) -> Entry {
        Entry {
            seq: self.seq,
            entry_id: self.entry_id.clone(),
            table: self.table.clone(),
            record_id: self.record_id.clone(),
            op: self.op.clone(),
            row_json: self.row_json.clone(),
            author: self.author.clone(),
            at: self.at.clone(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }

    fn new(e: Entry, base: Option<String>) -> Line {
        let withheld = super::admission::PRIVATE_TABLES.contains(&e.table.as_str());
        Line {
            seq: e.seq,
            entry_id: e.entry_id,
            table: e.table,
            record_id: e.record_id,
            op: e.op,
            row_json: if withheld { None } else { e.row_json },
            author: e.author,
            at: e.at,
            prev_hash: e.prev_hash,
            hash: e.hash,
            base: if withheld { None } else { base },
            withheld,
        }
    }
}

/// A line of the payload carrying the bytes of one attachment (a photo or
/// scan), which `attachments` rows name by SHA-256. Not part of the hash
/// chain: the county checks the bytes against `blob`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobLine {
    /// SHA-256 of the bytes, lowercase hex.
    pub blob: String,
    /// `image/jpeg` or `application/pdf`.
    pub mime: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

impl BlobLine {
    /// The line carrying `bytes`.
    pub fn new(sha256: &str, mime: &str, bytes: &[u8]) -> BlobLine {
        BlobLine {
            blob: sha256.to_owned(),
            mime: mime.to_owned(),
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// Most characters of `data` a blob within [`MAX_STORED_BYTES`] takes.
    pub const MAX_DATA_CHARS: u64 = MAX_STORED_BYTES.div_ceil(3) * 4;

    /// The bytes, decoded. Refuses (without decoding) more than
    /// [`Self::MAX_DATA_CHARS`] characters.
    pub fn decode(&self) -> std::result::Result<Vec<u8>, String> {
        if self.data.len() as u64 > Self::MAX_DATA_CHARS {
            return Err(format!(
                "超过单个附件 {} MB 的上限",
                MAX_STORED_BYTES / 1024 / 1024
            ));
        }
        base64::engine::general_purpose::STANDARD
            .decode(&self.data)
            .map_err(|e| format!("不是有效的 base64（{e}）"))
    }
}

/// One line of a bundle's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Item {
    /// A change-log entry.
    Entry(Line),
    /// The bytes of an attachment.
    Blob(BlobLine),
}

impl Item {
    /// Parses one line: a blob line when it has a `blob` field, else an entry.
    ///
    /// Not `#[serde(untagged)]` on the way in: an untagged enum's only error
    /// is "data did not match any variant", where this names the field at
    /// fault (a missing `hash`, an unknown field), as the reader did before
    /// blob lines.
    pub fn from_json(bytes: &[u8]) -> serde_json::Result<Item> {
        #[derive(Deserialize)]
        struct Kind {
            #[serde(default)]
            blob: Option<serde::de::IgnoredAny>,
        }
        let kind: Kind = serde_json::from_slice(bytes)?;
        if kind.blob.is_some() {
            serde_json::from_slice(bytes).map(Item::Blob)
        } else {
            serde_json::from_slice(bytes).map(Item::Entry)
        }
    }
}

/// The blob an `attachments` row (JSON text) names, if any.
pub fn blob_named(table: &str, row_json: Option<&str>) -> Option<String> {
    #[derive(Deserialize)]
    struct Names {
        #[serde(default)]
        blob_sha256: Option<String>,
    }
    if table != ATTACHMENTS_TABLE {
        return None;
    }
    serde_json::from_str::<Names>(row_json?).ok()?.blob_sha256
}

/// Who sends a bundle.
pub struct Sender<'a> {
    /// Device id.
    pub device_id: &'a str,
    /// Caseworker's name.
    pub caseworker: &'a str,
    /// Village.
    pub village: &'a str,
    /// The device's keys (signs the manifest).
    pub keys: &'a KeySet,
}

/// The county a bundle is for.
pub struct Destination {
    /// Region code.
    pub region: String,
    /// Key id of its signing key.
    pub key_id: String,
    /// Its age recipient.
    pub recipient: age::x25519::Recipient,
}

/// Where an export starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// Entries after this device-local sequence number are exported.
    pub after_seq: i64,
    /// Hash of the entry at `after_seq` (or the starting point).
    pub after_hash: String,
    /// Sequence number of the bundle.
    pub sequence: u64,
}

/// Exports the entries after `start` to a bundle at `out`: all of them, or
/// as many as fit in `part_plain_bytes` of payload lines (at least one entry,
/// with the content it names) — the next part then starts after the last
/// entry this one holds. `None` (and no file) when there is nothing new.
pub fn export(
    conn: &Connection,
    sender: &Sender,
    to: &Destination,
    start: &Start,
    part_plain_bytes: u64,
    out: &Path,
) -> Result<Option<BundleManifest>> {
    let entries = entries_after(conn, start.after_seq)?;
    let Some(first) = entries.first() else {
        return Ok(None);
    };
    let (first_seq, first_hash) = (first.seq, first.hash.clone());
    // The local log must continue from what the county acknowledged, unbroken.
    let mut prev = start.after_hash.clone();
    for e in &entries {
        if e.prev_hash != prev || e.compute_hash() != e.hash {
            return Err(SyncError::Setup(format!(
                "本机变更日志第 {} 条（{} {}）与前一条衔接不上，不能导出；请先运行 bangfu log verify 查明原因",
                e.seq, e.table, e.record_id
            )));
        }
        prev = e.hash.clone();
    }
    let mut base_stmt = conn
        .prepare_cached(
            "SELECT row_json FROM change_log WHERE tbl = ?1 AND record_id = ?2 AND seq < ?3
         ORDER BY seq DESC LIMIT 1",
        )
        .map_err(crate::store::StoreError::from)?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    // Contents the county already has: named by an entry it acknowledged.
    let mut blobs_sent: HashSet<String> = {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT DISTINCT json_extract(row_json, '$.{BLOB_COLUMN}') FROM change_log
                 WHERE tbl = '{ATTACHMENTS_TABLE}' AND seq <= ?1 AND row_json IS NOT NULL"
            ))
            .map_err(crate::store::StoreError::from)?;
        let rows = stmt
            .query_map([start.after_seq], |r| r.get::<_, Option<String>>(0))
            .map_err(crate::store::StoreError::from)?;
        rows.filter_map(|r| r.transpose())
            .collect::<rusqlite::Result<_>>()
            .map_err(crate::store::StoreError::from)?
    };
    let mut blob_stmt = conn
        .prepare_cached("SELECT mime, bytes FROM blobs WHERE sha256 = ?1")
        .map_err(crate::store::StoreError::from)?;
    let (mut blob_count, mut blob_bytes) = (0u64, 0u64);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&to.recipient as &dyn age::Recipient))
            .map_err(|e| SyncError::Setup(format!("无法加密：{e}")))?;
    let fail = |e: std::io::Error| SyncError::Setup(format!("生成数据包失败：{e}"));
    let sink = encryptor.wrap_output(Vec::new()).map_err(fail)?;
    let mut gz = GzEncoder::new(sink, flate2::Compression::default());
    let mut plain_bytes = 0u64;
    // The lines of one entry: the content it names (if new), then the entry.
    let mut lines = Vec::with_capacity(4096);
    let push_line = |item: &Item, lines: &mut Vec<u8>| -> Result<()> {
        serde_json::to_writer(&mut *lines, item)
            .map_err(|e| SyncError::Setup(format!("生成数据包失败：{e}")))?;
        lines.push(b'\n');
        Ok(())
    };
    let mut count = 0u64;
    let (mut last_seq, mut last_hash) = (first_seq, first_hash.clone());
    for e in entries {
        lines.clear();
        let mut new_blob = None;
        if let Some(sha) = blob_named(&e.table, e.row_json.as_deref()) {
            if !blobs_sent.contains(&sha) {
                let blob: Option<(String, Vec<u8>)> = blob_stmt
                    .query_row([&sha], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(crate::store::StoreError::from)?;
                let place = format!("本机变更日志第 {} 条（附件 {}）", e.seq, e.record_id);
                let Some((mime, bytes)) = blob else {
                    return Err(SyncError::Setup(format!(
                        "{place}引用的照片或扫描件内容（SHA-256 {}…）在本机数据库中找不到，不能导出；请联系技术支持",
                        short(&sha)
                    )));
                };
                if super::sha256_hex(&bytes) != sha || bytes.len() as u64 > MAX_STORED_BYTES {
                    return Err(SyncError::Setup(format!(
                        "{place}的照片或扫描件内容（SHA-256 {}…，{} 字节）与其哈希不符或超过上限：本机数据库中的附件被改动或损坏，不能导出；请联系技术支持",
                        short(&sha),
                        bytes.len()
                    )));
                }
                let size = bytes.len() as u64;
                let line = Item::Blob(BlobLine::new(&sha, &mime, &bytes));
                drop(bytes);
                push_line(&line, &mut lines)?;
                new_blob = Some((sha, size));
            }
        }
        let key = (e.table.clone(), e.record_id.clone());
        let base = if seen.contains(&key) {
            None
        } else {
            let base: Option<Option<String>> = base_stmt
                .query_row(rusqlite::params![e.table, e.record_id, e.seq], |r| r.get(0))
                .optional()
                .map_err(crate::store::StoreError::from)?;
            seen.insert(key);
            base.flatten()
        };
        let (seq, hash) = (e.seq, e.hash.clone());
        push_line(&Item::Entry(Line::new(e, base)), &mut lines)?;
        if count > 0 && plain_bytes + lines.len() as u64 > part_plain_bytes {
            break; // the next part starts with this entry
        }
        gz.write_all(&lines).map_err(fail)?;
        plain_bytes += lines.len() as u64;
        count += 1;
        (last_seq, last_hash) = (seq, hash);
        if let Some((sha, size)) = new_blob {
            blob_count += 1;
            blob_bytes += size;
            blobs_sent.insert(sha);
        }
    }
    let payload = gz.finish().map_err(fail)?.finish().map_err(fail)?;
    // Parts are cut well under this; the check keeps a caller's budget honest.
    if payload.len() as u64 > MAX_FILE_BYTES / 2 {
        return Err(SyncError::Setup(format!(
            "数据包压缩加密后有 {} 字节，超过单个数据包 {} MB 的上限",
            payload.len(),
            MAX_FILE_BYTES / 2 / 1024 / 1024
        )));
    }
    let manifest = BundleManifest {
        format: FORMAT.into(),
        device_id: sender.device_id.into(),
        caseworker: sender.caseworker.into(),
        village: sender.village.into(),
        region: to.region.clone(),
        county_key_id: to.key_id.clone(),
        sequence: start.sequence,
        first_prev_hash: start.after_hash.clone(),
        first_hash,
        last_hash,
        first_seq,
        last_seq,
        entry_count: count,
        plain_bytes,
        blob_count,
        blob_bytes,
        created_at: super::now(),
        payload: PayloadInfo::of(PAYLOAD, &payload),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| SyncError::Setup(format!("生成数据包失败：{e}")))?;
    manifest_bytes.push(b'\n');
    let mut comment = format!(
        "{FORMAT} device={} sequence={} entries={count} region={}",
        sender.device_id, start.sequence, to.region
    );
    if blob_count > 0 {
        comment.push_str(&format!(" blobs={blob_count}"));
    }
    super::sealed::write(
        out,
        &manifest_bytes,
        &sender.keys.signing,
        &comment,
        Some((PAYLOAD, &payload)),
    )?;
    Ok(Some(manifest))
}

/// Streams the lines of an opened, verified bundle, decrypting with
/// `identity`; memory stays bounded whatever the file holds.
pub struct Lines<'a> {
    path: std::path::PathBuf,
    reader: Box<dyn BufRead + 'a>,
    buf: Vec<u8>,
    /// Lines read so far (entries and blob lines).
    pub count: u64,
    /// Bytes read so far (decompressed).
    pub bytes: u64,
}

impl<'a> Lines<'a> {
    /// Starts decrypting the payload of `opened` (whose payload was checked).
    pub fn open(opened: &'a mut Opened, identity: &age::x25519::Identity) -> Result<Lines<'a>> {
        let path = opened.path.clone();
        let reader = opened.payload_reader()?;
        let decryptor = age::Decryptor::new_buffered(reader)
            .map_err(|e| reject(&path, format!("数据部分无法解密：{e}")))?;
        let plain = decryptor
            .decrypt(std::iter::once(identity as &dyn age::Identity))
            .map_err(|e| {
                reject(
                    &path,
                    format!("数据部分无法用本县密钥解密（{e}）：可能是发给其他县的数据包"),
                )
            })?;
        let limited = GzDecoder::new(plain).take(MAX_PLAIN_BYTES + 1);
        Ok(Lines {
            path,
            reader: Box::new(BufReader::with_capacity(64 * 1024, limited)),
            buf: Vec::new(),
            count: 0,
            bytes: 0,
        })
    }

    /// The next line — an entry or a blob line — or `None` at the end of the payload.
    pub fn next_item(&mut self) -> Result<Option<Item>> {
        // A blob line takes megabytes; do not keep that for the entries after it.
        if self.buf.capacity() > 1024 * 1024 {
            self.buf = Vec::new();
        }
        self.buf.clear();
        let n = (&mut self.reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| reject(&self.path, format!("数据部分解密或解压失败：{e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes += n as u64;
        if self.bytes > MAX_PLAIN_BYTES {
            return Err(reject(
                &self.path,
                format!(
                    "数据部分解压后超过 {} 字节上限，已停止读取",
                    MAX_PLAIN_BYTES
                ),
            ));
        }
        if self.buf.last() != Some(&b'\n') {
            return Err(reject(
                &self.path,
                format!("数据部分第 {} 行不完整或超过长度上限", self.count + 1),
            ));
        }
        self.count += 1;
        Item::from_json(&self.buf).map(Some).map_err(|e| {
            reject(
                &self.path,
                format!("数据部分第 {} 行无法解析：{e}", self.count),
            )
        })
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = r#"{"seq":1,"entry_id":"e","table":"attachments","record_id":"r","op":"insert","row_json":"{\"id\":\"r\",\"blob_sha256\":\"ab\"}","author":"a","at":"t","prev_hash":"p","hash":"h"}"#;

    #[test]
    fn lines_of_both_kinds_parse_and_bad_ones_name_the_field() {
        let Ok(Item::Entry(line)) = Item::from_json(ENTRY.as_bytes()) else {
            panic!("an entry");
        };
        assert_eq!(line.seq, 1);
        assert_eq!(
            blob_named(&line.table, line.row_json.as_deref()).as_deref(),
            Some("ab")
        );
        assert_eq!(blob_named("households", line.row_json.as_deref()), None);

        let blob = BlobLine::new(&crate::sync::sha256_hex(b"abc"), "image/jpeg", b"abc");
        let text = serde_json::to_string(&Item::Blob(blob.clone())).expect("json");
        assert_eq!(
            text,
            format!(
                r#"{{"blob":"{}","mime":"image/jpeg","data":"YWJj"}}"#,
                blob.blob
            )
        );
        assert_eq!(
            Item::from_json(text.as_bytes()).ok(),
            Some(Item::Blob(blob.clone()))
        );
        assert_eq!(blob.decode().ok().as_deref(), Some(&b"abc"[..]));

        // An entry serialises exactly as a `Line` did: old bundles read the same.
        let again = serde_json::to_string(&Item::Entry(line.clone())).expect("json");
        assert_eq!(again, serde_json::to_string(&line).expect("json"));

        let missing = ENTRY.replace(r#","hash":"h""#, "");
        let e = Item::from_json(missing.as_bytes()).expect_err("no hash");
        assert!(e.to_string().contains("hash"), "{e}");
        let extra = text.replace(r#""data""#, r#""size":3,"data""#);
        let e = Item::from_json(extra.as_bytes()).expect_err("unknown field");
        assert!(e.to_string().contains("size"), "{e}");
        let null_blob = ENTRY.replacen('{', r#"{"blob":null,"#, 1);
        assert!(Item::from_json(null_blob.as_bytes()).is_err());
    }

    #[test]
    fn the_largest_blob_fits_in_a_line() {
        let max = BlobLine {
            blob: "0".repeat(64),
            mime: "application/pdf".into(),
            data: "A".repeat(BlobLine::MAX_DATA_CHARS as usize),
        };
        let line = serde_json::to_vec(&max).expect("json").len() as u64 + 1;
        assert!(line <= crate::sync::MAX_LINE_BYTES, "{line}");
        assert_eq!(BlobLine::MAX_DATA_CHARS, 16 * 1024 * 1024);
        let over = BlobLine {
            data: "A".repeat(BlobLine::MAX_DATA_CHARS as usize + 4),
            ..max
        };
        assert!(over.decode().is_err());
    }

    #[test]
    fn a_manifest_without_blobs_is_as_before() {
        let m = BundleManifest {
            format: FORMAT.into(),
            device_id: "d".into(),
            caseworker: "c".into(),
            village: "v".into(),
            region: "341024".into(),
            county_key_id: "k".into(),
            sequence: 1,
            first_prev_hash: "p".into(),
            first_hash: "f".into(),
            last_hash: "l".into(),
            first_seq: 1,
            last_seq: 1,
            entry_count: 1,
            plain_bytes: 10,
            blob_count: 0,
            blob_bytes: 0,
            created_at: "t".into(),
            payload: PayloadInfo::of(PAYLOAD, b"x"),
        };
        let text = serde_json::to_string(&m).expect("json");
        assert!(!text.contains("blob"), "{text}");
        assert_eq!(
            serde_json::from_str::<BundleManifest>(&text).ok(),
            Some(m.clone())
        );
        let with = BundleManifest {
            blob_count: 2,
            blob_bytes: 5,
            ..m
        };
        let text = serde_json::to_string(&with).expect("json");
        assert!(text.contains(r#""blob_count":2,"blob_bytes":5"#), "{text}");
        assert!(
            serde_json::from_str::<BundleManifest>(&text.replace("blob_bytes", "blob_size"))
                .is_err()
        );
    }
}
