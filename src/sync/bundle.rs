//! Bundles: a device's change-log entries since its last acknowledged export,
//! as JSON lines, gzip-compressed, encrypted with age to the county's X25519
//! key, in a signed file whose manifest the device signs.
//!
//! A lost USB stick shows the manifest (device, counts, hashes, times) but
//! no one's data: the entries are readable only with the county's key.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::identity::KeySet;
use super::sealed::{Opened, PayloadInfo};
use super::{reject, Result, SyncError, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_PLAIN_BYTES};
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
    /// 1 for the device's first bundle, then one more for each acknowledged one.
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
    /// Size of the JSON lines before compression.
    pub plain_bytes: u64,
    /// When the bundle was made (UTC).
    pub created_at: String,
    /// The encrypted payload.
    pub payload: PayloadInfo,
}

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
        Line {
            seq: e.seq,
            entry_id: e.entry_id,
            table: e.table,
            record_id: e.record_id,
            op: e.op,
            row_json: e.row_json,
            author: e.author,
            at: e.at,
            prev_hash: e.prev_hash,
            hash: e.hash,
            base,
        }
    }
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

/// Exports every entry after `start` to a bundle at `out`; `None` (and no
/// file) when there is nothing new.
pub fn export(
    conn: &Connection,
    sender: &Sender,
    to: &Destination,
    start: &Start,
    out: &Path,
) -> Result<Option<BundleManifest>> {
    let entries = entries_after(conn, start.after_seq)?;
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Ok(None);
    };
    let (first_seq, last_seq) = (first.seq, last.seq);
    let (first_hash, last_hash) = (first.hash.clone(), last.hash.clone());
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
    let count = entries.len() as u64;
    let mut base_stmt = conn
        .prepare_cached(
            "SELECT row_json FROM change_log WHERE tbl = ?1 AND record_id = ?2 AND seq < ?3
         ORDER BY seq DESC LIMIT 1",
        )
        .map_err(crate::store::StoreError::from)?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&to.recipient as &dyn age::Recipient))
            .map_err(|e| SyncError::Setup(format!("无法加密：{e}")))?;
    let fail = |e: std::io::Error| SyncError::Setup(format!("生成数据包失败：{e}"));
    let sink = encryptor.wrap_output(Vec::new()).map_err(fail)?;
    let mut gz = GzEncoder::new(sink, flate2::Compression::default());
    let mut plain_bytes = 0u64;
    let mut line_buf = Vec::with_capacity(4096);
    for e in entries {
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
        line_buf.clear();
        serde_json::to_writer(&mut line_buf, &Line::new(e, base))
            .map_err(|e| SyncError::Setup(format!("生成数据包失败：{e}")))?;
        line_buf.push(b'\n');
        plain_bytes += line_buf.len() as u64;
        gz.write_all(&line_buf).map_err(fail)?;
    }
    let payload = gz.finish().map_err(fail)?.finish().map_err(fail)?;
    if payload.len() as u64 > MAX_FILE_BYTES / 2 {
        return Err(SyncError::Setup(format!(
            "自上次回执以来的变更有 {} 字节（压缩加密后），超过单个数据包的上限；请联系技术支持分批导出",
            payload.len()
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
        created_at: super::now(),
        payload: PayloadInfo::of(PAYLOAD, &payload),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| SyncError::Setup(format!("生成数据包失败：{e}")))?;
    manifest_bytes.push(b'\n');
    let comment = format!(
        "{FORMAT} device={} sequence={} entries={count} region={}",
        sender.device_id, start.sequence, to.region
    );
    super::sealed::write(
        out,
        &manifest_bytes,
        &sender.keys.signing,
        &comment,
        Some((PAYLOAD, &payload)),
    )?;
    Ok(Some(manifest))
}

/// Streams the entries of an opened, verified bundle, decrypting with
/// `identity`; memory stays bounded whatever the file holds.
pub struct Lines<'a> {
    path: std::path::PathBuf,
    reader: Box<dyn BufRead + 'a>,
    buf: Vec<u8>,
    /// Lines read so far.
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

    /// The next line, or `None` at the end of the payload.
    pub fn next_line(&mut self) -> Result<Option<Line>> {
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
        serde_json::from_slice(&self.buf).map(Some).map_err(|e| {
            reject(
                &self.path,
                format!("数据部分第 {} 行无法解析：{e}", self.count),
            )
        })
    }
}
