//! Sync bundles: signed, encrypted files carried from village to county on a
//! USB stick, and signed acknowledgements and policies carried back.
//!
//! The layers, each using only those above it in this list:
//!
//! - [`wire`]: every format — file kinds, manifests, bundle lines, conflicts;
//! - [`container`] (a strict tar), [`identity`] (keys), [`sealed`] (a signed
//!   file: manifest, signature, payload);
//! - [`admission`] (what a registered device may write, and the validation
//!   of what it wrote) and [`merge`] (the field-level merge, pure);
//! - [`bundle`] (writing and reading a bundle's payload);
//! - [`device`] (the laptop's side), [`county`] (the county's side: its
//!   store trait, the intake of a bundle, acknowledgements) and
//!   [`policy_file`] (signed policies).
//!
//! The format is described for people in `docs/sync-format.md`.

pub mod admission;
pub mod bundle;
pub mod container;
pub mod county;
pub mod device;
pub mod identity;
pub mod merge;
pub mod policy_file;
pub mod sealed;
pub mod wire;

use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// Largest file any sync command reads (checked before reading a byte).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Largest manifest.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024;
/// Largest signature file.
pub const MAX_SIGNATURE_BYTES: u64 = 4 * 1024;
/// Largest decompressed payload of a bundle (decompression bombs stop here).
pub const MAX_PLAIN_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Largest single line in a bundle payload: a change-log entry, or a blob
/// line carrying one attachment of at most
/// [`MAX_STORED_BYTES`](crate::attachments::MAX_STORED_BYTES) (12 MiB), which
/// base64 makes exactly 16 MiB, plus room for the rest of the line: 17 MiB.
pub const MAX_LINE_BYTES: u64 = wire::BlobLine::MAX_DATA_CHARS + 1024 * 1024;
// Bundles written before attachments (lines up to 16 MiB) still read.
const _: () = assert!(MAX_LINE_BYTES >= 16 * 1024 * 1024);

/// Something went wrong with a sync file or the sync set-up.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("无法读写 {path}：{problem}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        problem: String,
    },
    /// A file given to us was rejected (damaged, forged, replayed, …); nothing was applied.
    #[error("{path}：{problem}")]
    Rejected {
        /// The file.
        path: PathBuf,
        /// Why, in words for the person holding it.
        problem: String,
    },
    /// A set-up step is missing (no device identity, no county key, not a county store, …).
    #[error("{0}")]
    Setup(String),
    /// An argument or a local file (policy, key) cannot be used.
    #[error("{0}")]
    Invalid(String),
}

impl SyncError {
    /// True for errors caused by a bad input file or argument (exit status 2).
    pub fn is_input(&self) -> bool {
        matches!(self, SyncError::Rejected { .. } | SyncError::Invalid(_))
    }
}

/// Result alias for sync operations.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// A rejection of `path` for `problem`.
pub(crate) fn reject(path: &Path, problem: impl Into<String>) -> SyncError {
    SyncError::Rejected {
        path: path.to_owned(),
        problem: problem.into(),
    }
}

/// An I/O failure on `path`.
pub(crate) fn io_error(path: &Path, e: impl std::fmt::Display) -> SyncError {
    SyncError::Io {
        path: path.to_owned(),
        problem: e.to_string(),
    }
}

/// Now, in UTC, as the change log writes times.
pub(crate) fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// SHA-256 of `bytes`, hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Writes a sync file (see [`crate::files`]).
pub(crate) fn write_file(path: &Path, bytes: &[u8], access: crate::files::Access) -> Result<()> {
    crate::files::write_atomically(path, bytes, access).map_err(|e| io_error(path, e))
}

/// Size of the file at `path`, rejecting anything over [`MAX_FILE_BYTES`] before it is read.
pub(crate) fn checked_size(path: &Path) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| reject(path, format!("无法读取：{e}")))?;
    if !meta.is_file() {
        return Err(reject(path, "不是普通文件"));
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(reject(
            path,
            format!(
                "文件有 {size} 字节，超过上限 {} MiB，不是有效的 bangfu 文件，未读取",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    Ok(size)
}
