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

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::{Connection, OptionalExtension};

use super::admission::PRIVATE_TABLES;
use super::identity::KeySet;
use super::sealed::Opened;
use super::wire::{
    blob_named, BlobLine, BundleManifest, Item, Line, PayloadInfo, ATTACHMENTS_TABLE, BLOB_COLUMN,
    BUNDLE_FORMAT, BUNDLE_PAYLOAD,
};
use super::{reject, Result, SyncError, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_PLAIN_BYTES};
use crate::attachments::MAX_STORED_BYTES;
use crate::store::changelog::{entries_after, Entry};

/// What a bundle is called in messages.
pub const WHAT: &str = "数据包";

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
    check_continuity(&entries, &start.after_hash)?;
    let mut reader = LogReader::new(conn, start.after_seq)?;
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&to.recipient as &dyn age::Recipient))
            .map_err(|e| SyncError::Setup(format!("无法加密：{e}")))?;
    let sink = encryptor.wrap_output(Vec::new()).map_err(failed)?;
    let mut gz = GzEncoder::new(sink, flate2::Compression::default());
    let mut totals = Totals::default();
    let (mut last_seq, mut last_hash) = (first_seq, first_hash.clone());
    // The lines of one entry: the content it names (if new), then the entry.
    let mut lines = Vec::with_capacity(4096);
    for e in entries {
        lines.clear();
        let new_blob = reader.blob_line(&e, &mut lines)?;
        let (seq, hash) = (e.seq, e.hash.clone());
        let line = if PRIVATE_TABLES.contains(&e.table.as_str()) {
            Line::withholding(e) // the device keeps it; see `admission`
        } else {
            let base = reader.base(&e)?;
            Line::carrying(e, base)
        };
        push_line(&Item::Entry(line), &mut lines)?;
        if totals.entries > 0 && totals.plain_bytes + lines.len() as u64 > part_plain_bytes {
            break; // the next part starts with this entry
        }
        gz.write_all(&lines).map_err(failed)?;
        totals.plain_bytes += lines.len() as u64;
        totals.entries += 1;
        (last_seq, last_hash) = (seq, hash);
        if let Some((sha, size)) = new_blob {
            totals.blobs += 1;
            totals.blob_bytes += size;
            reader.blobs_sent.insert(sha);
        }
    }
    let payload = gz.finish().map_err(failed)?.finish().map_err(failed)?;
    let manifest = BundleManifest {
        format: BUNDLE_FORMAT.into(),
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
        entry_count: totals.entries,
        plain_bytes: totals.plain_bytes,
        blob_count: totals.blobs,
        blob_bytes: totals.blob_bytes,
        created_at: super::now(),
        payload: PayloadInfo::of(BUNDLE_PAYLOAD, &payload),
    };
    seal(out, &manifest, &payload, sender)?;
    Ok(Some(manifest))
}

/// What a bundle's payload holds so far.
#[derive(Default)]
struct Totals {
    entries: u64,
    plain_bytes: u64,
    blobs: u64,
    blob_bytes: u64,
}

fn failed(e: std::io::Error) -> SyncError {
    SyncError::Setup(format!("生成数据包失败：{e}"))
}

/// Appends `item` as one JSON line.
fn push_line(item: &Item, lines: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(&mut *lines, item)
        .map_err(|e| SyncError::Setup(format!("生成数据包失败：{e}")))?;
    lines.push(b'\n');
    Ok(())
}

/// The local log must continue from what the county acknowledged, unbroken.
fn check_continuity(entries: &[Entry], after_hash: &str) -> Result<()> {
    let mut prev = after_hash;
    for e in entries {
        if e.prev_hash != prev || e.compute_hash() != e.hash {
            return Err(SyncError::Setup(format!(
                "本机变更日志第 {} 条（{} {}）与前一条衔接不上，不能导出；请先运行 bangfu log verify 查明原因",
                e.seq, e.table, e.record_id
            )));
        }
        prev = &e.hash;
    }
    Ok(())
}

/// Reads what an export needs around each entry from the device's store:
/// the row before it, and the attachment contents the county lacks.
struct LogReader<'c> {
    base: rusqlite::CachedStatement<'c>,
    blob: rusqlite::CachedStatement<'c>,
    /// Records whose row before is already in this bundle.
    seen: HashSet<(String, String)>,
    /// Contents the county has: named by an entry it acknowledged, or sent
    /// earlier in this bundle.
    blobs_sent: HashSet<String>,
}

impl<'c> LogReader<'c> {
    fn new(conn: &'c Connection, after_seq: i64) -> Result<Self> {
        let db = crate::store::StoreError::from;
        let blobs_sent = {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT DISTINCT json_extract(row_json, '$.{BLOB_COLUMN}') FROM change_log
                     WHERE tbl = '{ATTACHMENTS_TABLE}' AND seq <= ?1 AND row_json IS NOT NULL"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map([after_seq], |r| r.get::<_, Option<String>>(0))
                .map_err(db)?;
            rows.filter_map(|r| r.transpose())
                .collect::<rusqlite::Result<_>>()
                .map_err(db)?
        };
        Ok(LogReader {
            base: conn
                .prepare_cached(
                    "SELECT row_json FROM change_log WHERE tbl = ?1 AND record_id = ?2 AND seq < ?3
                     ORDER BY seq DESC LIMIT 1",
                )
                .map_err(db)?,
            blob: conn
                .prepare_cached("SELECT mime, bytes FROM blobs WHERE sha256 = ?1")
                .map_err(db)?,
            seen: HashSet::new(),
            blobs_sent,
        })
    }

    /// The row as it was before `e`, for the first entry of each record in
    /// the bundle (the county needs it to tell which fields changed).
    fn base(&mut self, e: &Entry) -> Result<Option<String>> {
        if !self.seen.insert((e.table.clone(), e.record_id.clone())) {
            return Ok(None);
        }
        let base: Option<Option<String>> = self
            .base
            .query_row(rusqlite::params![e.table, e.record_id, e.seq], |r| r.get(0))
            .optional()
            .map_err(crate::store::StoreError::from)?;
        Ok(base.flatten())
    }

    /// Appends the blob line of the content `e` names, when the county does
    /// not have it yet; its SHA-256 and size.
    fn blob_line(&mut self, e: &Entry, lines: &mut Vec<u8>) -> Result<Option<(String, u64)>> {
        let Some(sha) = blob_named(&e.table, e.row_json.as_deref()) else {
            return Ok(None);
        };
        if self.blobs_sent.contains(&sha) {
            return Ok(None);
        }
        let blob: Option<(String, Vec<u8>)> = self
            .blob
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
        push_line(&Item::Blob(BlobLine::new(&sha, &mime, &bytes)), lines)?;
        Ok(Some((sha, bytes.len() as u64)))
    }
}

/// Signs `manifest` and writes the bundle file.
fn seal(out: &Path, manifest: &BundleManifest, payload: &[u8], sender: &Sender) -> Result<()> {
    // Parts are cut well under this; the check keeps a caller's budget honest.
    if payload.len() as u64 > MAX_FILE_BYTES / 2 {
        return Err(SyncError::Setup(format!(
            "数据包压缩加密后有 {} 字节，超过单个数据包 {} MB 的上限",
            payload.len(),
            MAX_FILE_BYTES / 2 / 1024 / 1024
        )));
    }
    let manifest_bytes = super::wire::json_bytes(manifest)?;
    let mut comment = format!(
        "{BUNDLE_FORMAT} device={} sequence={} entries={} region={}",
        manifest.device_id, manifest.sequence, manifest.entry_count, manifest.region
    );
    if manifest.blob_count > 0 {
        comment.push_str(&format!(" blobs={}", manifest.blob_count));
    }
    super::sealed::write(
        out,
        &manifest_bytes,
        &sender.keys.signing,
        &comment,
        Some((BUNDLE_PAYLOAD, payload)),
    )
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
