//! Signed files: a container holding `manifest.json`, its minisign signature
//! `manifest.json.minisig` and, for most kinds, one payload whose name, size
//! and SHA-256 the manifest records.
//!
//! Opening checks, in order: the file size (before reading), the container's
//! structure, the manifest's size and JSON; the caller then picks the key from
//! the manifest and calls [`Opened::verify`], and checks the payload against
//! the manifest with [`Opened::check_payload`] before using it.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::container::{self, Member};
use super::identity::{PublicKey, SigningKey};
use super::wire::PayloadInfo;
use super::{
    checked_size, reject, Result, MAX_FILE_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES,
};

/// Name of the manifest member.
pub const MANIFEST: &str = "manifest.json";
/// Name of the signature member.
pub const SIGNATURE: &str = "manifest.json.minisig";

/// Writes a signed file to `path` (atomically).
pub fn write(
    path: &Path,
    manifest: &[u8],
    key: &SigningKey,
    trusted_comment: &str,
    payload: Option<(&str, &[u8])>,
) -> Result<()> {
    let signature = key.sign(manifest, trusted_comment)?;
    let mut members: Vec<(&str, &[u8])> =
        vec![(MANIFEST, manifest), (SIGNATURE, signature.as_bytes())];
    if let Some(p) = payload {
        members.push(p);
    }
    super::write_file(
        path,
        &container::to_bytes(&members),
        crate::files::Access::Normal,
    )
}

/// Just the `format` field of a manifest.
#[derive(Deserialize)]
struct Peek {
    format: String,
}

/// A signed file, opened but not yet trusted.
pub struct Opened {
    /// Where it came from.
    pub path: PathBuf,
    file: File,
    /// The manifest bytes, exactly as signed.
    pub manifest: Vec<u8>,
    /// Its `format` field.
    pub format: String,
    signature: String,
    payload: Option<Member>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Opened({}, {})", self.path.display(), self.format)
    }
}

/// Opens the signed file at `path`, which must be of kind `format` (a
/// `bangfu.*.v1` name, described by `what` in messages) and hold the payload
/// `payload` (name) or none.
pub fn open(path: &Path, format: &str, what: &str, payload: Option<&str>) -> Result<Opened> {
    let size = checked_size(path)?;
    let mut file = File::open(path).map_err(|e| reject(path, format!("无法打开：{e}")))?;
    let mut expected = vec![
        (MANIFEST, MAX_MANIFEST_BYTES),
        (SIGNATURE, MAX_SIGNATURE_BYTES),
    ];
    if let Some(name) = payload {
        expected.push((name, MAX_FILE_BYTES));
    }
    let damaged = |e: container::ContainerError| reject(path, format!("不是有效的{what}：{e}"));
    let members = match container::read_layout(&mut file, size, &expected) {
        Ok(m) => m,
        Err(e) => {
            // A file of another kind is named as such.
            return Err(match peek_format(&mut file, size) {
                Some(found) if found != format => wrong_kind(path, &found, what),
                _ => damaged(e),
            });
        }
    };
    let manifest = container::read_member(&mut file, &members[0]).map_err(damaged)?;
    let peek: Peek = serde_json::from_slice(&manifest).map_err(|e| {
        reject(
            path,
            format!("不是有效的{what}：清单 manifest.json 无法解析（{e}）"),
        )
    })?;
    if peek.format != format {
        return Err(wrong_kind(path, &peek.format, what));
    }
    let signature =
        String::from_utf8(container::read_member(&mut file, &members[1]).map_err(damaged)?)
            .map_err(|_| {
                reject(
                    path,
                    format!("不是有效的{what}：签名文件不是文本（被改动）"),
                )
            })?;
    Ok(Opened {
        path: path.to_owned(),
        file,
        manifest,
        format: peek.format,
        signature,
        payload: members.get(2).cloned(),
    })
}

/// The `format` of whatever manifest leads the file, if one can be read.
fn peek_format(file: &mut File, size: u64) -> Option<String> {
    let member = container::read_first(file, size, MANIFEST, MAX_MANIFEST_BYTES)?;
    let bytes = container::read_member(file, &member).ok()?;
    serde_json::from_slice::<Peek>(&bytes)
        .ok()
        .map(|p| p.format)
}

fn wrong_kind(path: &Path, found: &str, what: &str) -> super::SyncError {
    let kind = match found {
        super::wire::BUNDLE_FORMAT => "数据包",
        super::wire::ACK_FORMAT => "回执",
        super::wire::POLICY_FORMAT => "政策文件",
        super::wire::REGISTRATION_FORMAT => "设备登记文件",
        super::wire::COUNTY_KEY_FORMAT => "县级公钥文件",
        _ => "未知类型的文件",
    };
    reject(path, format!("这是{kind}（{found}），不是{what}"))
}

impl Opened {
    /// Parses the manifest as `T` (unknown fields are refused).
    pub fn manifest<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.manifest)
            .map_err(|e| reject(&self.path, format!("{what}的清单无法解析：{e}")))
    }

    /// Checks the signature over the manifest with `key`, naming `signer` in messages.
    pub fn verify(&self, key: &PublicKey, signer: &str) -> Result<()> {
        key.verify(&self.manifest, &self.signature)
            .map_err(|problem| {
                reject(
                    &self.path,
                    format!(
                        "{signer}的签名校验失败：{problem}；文件可能被篡改或损坏，未做任何更改"
                    ),
                )
            })
    }

    /// Checks the payload's name, size and SHA-256 against what the (verified) manifest says.
    pub fn check_payload(&mut self, info: &PayloadInfo) -> Result<()> {
        let Some(member) = self.payload.clone() else {
            return Err(reject(&self.path, "缺少数据部分"));
        };
        if member.name != info.name || member.size != info.bytes {
            return Err(reject(
                &self.path,
                format!(
                    "数据部分 {}（{} 字节）与清单记载的 {}（{} 字节）不符：文件被篡改或损坏",
                    member.name, member.size, info.name, info.bytes
                ),
            ));
        }
        let mut hasher = Sha256::new();
        let path = self.path.clone();
        let mut reader = self.payload_reader()?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| reject(&path, format!("读取失败：{e}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        if hex::encode(hasher.finalize()) != info.sha256 {
            return Err(reject(
                &self.path,
                format!(
                    "数据部分 {} 的 SHA-256 与已签名的清单不符：文件被篡改或损坏，未做任何更改",
                    info.name
                ),
            ));
        }
        Ok(())
    }

    /// Streams the payload's bytes (call [`Opened::check_payload`] first).
    pub fn payload_reader(&mut self) -> Result<BufReader<std::io::Take<&File>>> {
        let member = self
            .payload
            .clone()
            .ok_or_else(|| reject(&self.path, "缺少数据部分"))?;
        self.file
            .seek(SeekFrom::Start(member.offset))
            .map_err(|e| reject(&self.path, format!("读取失败：{e}")))?;
        Ok(BufReader::with_capacity(
            64 * 1024,
            (&self.file).take(member.size),
        ))
    }

    /// Reads a small payload (at most `limit` bytes) into memory, after checking it.
    pub fn payload_bytes(&mut self, info: &PayloadInfo, limit: u64) -> Result<Vec<u8>> {
        if info.bytes > limit {
            return Err(reject(
                &self.path,
                format!("数据部分有 {} 字节，超过上限 {limit} 字节", info.bytes),
            ));
        }
        self.check_payload(info)?;
        let mut out = Vec::with_capacity(info.bytes as usize);
        self.payload_reader()?
            .read_to_end(&mut out)
            .map_err(|e| reject(&self.path, format!("读取失败：{e}")))?;
        Ok(out)
    }
}
