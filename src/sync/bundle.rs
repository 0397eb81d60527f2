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
use crate::store::changelog::entries_after;

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
        let line = if PRIVATE_TABLES.contains(&e.table.as_str()) {
            Line::withholding(e) // the device keeps it; see `admission`
        } else {
            Line::carrying(e, base)
        };
        push_line(&Item::Entry(line), &mut lines)?;
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
        entry_count: count,
        plain_bytes,
        blob_count,
        blob_bytes,
        created_at: super::now(),
        payload: PayloadInfo::of(BUNDLE_PAYLOAD, &payload),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| SyncError::Setup(format!("生成数据包失败：{e}")))?;
    manifest_bytes.push(b'\n');
    let mut comment = format!(
        "{BUNDLE_FORMAT} device={} sequence={} entries={count} region={}",
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
        Some((BUNDLE_PAYLOAD, &payload)),
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
