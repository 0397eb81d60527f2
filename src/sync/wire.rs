//! The sync formats, in one place: the name of every kind of file, and each
//! manifest, registration, bundle line, conflict and acknowledgement as it
//! travels. Everything else in `sync` builds on these; they depend on
//! nothing of sync but its limits. The formats are described for people in
//! `docs/sync-format.md`.
//!
//! | file | `format` | signed by | payload |
//! |---|---|---|---|
//! | device registration | [`REGISTRATION_FORMAT`] | the device | none |
//! | county public key | [`COUNTY_KEY_FORMAT`] | the county | none |
//! | bundle | [`BUNDLE_FORMAT`] | the device | [`BUNDLE_PAYLOAD`]: entries and attachment contents, gzip, age-encrypted to the county |
//! | acknowledgement | [`ACK_FORMAT`] | the county | [`ACK_PAYLOAD`]: conflicts, age-encrypted to the device |
//! | policy | [`POLICY_FORMAT`] | the county | [`POLICY_PAYLOAD`] in clear |

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Result, SyncError};
use crate::attachments::MAX_STORED_BYTES;
use crate::store::changelog::Entry;

/// `format` of a device registration file.
pub const REGISTRATION_FORMAT: &str = "bangfu.device.v1";

/// `format` of the county's public key file.
pub const COUNTY_KEY_FORMAT: &str = "bangfu.county-key.v1";
/// `format` of an acknowledgement.
pub const ACK_FORMAT: &str = "bangfu.ack.v1";
/// Name of the acknowledgement's encrypted conflicts member.
pub const ACK_PAYLOAD: &str = "conflicts.age";

/// `format` of a bundle's manifest.
pub const BUNDLE_FORMAT: &str = "bangfu.bundle.v1";
/// Name of the encrypted payload member.
pub const BUNDLE_PAYLOAD: &str = "payload.age";

/// `format` of a signed policy file.
pub const POLICY_FORMAT: &str = "bangfu.policy-file.v1";
/// Name of the policy member.
pub const POLICY_PAYLOAD: &str = "policy.toml";

/// The deterministic rule applied to conflicts, in words.
pub const RULE: &str = "暂按较晚送到县里的修改（设备上的时间不作准）；两个值都已保留，请熟悉该户的协理员核实后再改一次以确认";

/// What the manifest says about the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadInfo {
    /// Member name.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 (hex) of the member's bytes.
    pub sha256: String,
}

impl PayloadInfo {
    /// Describes `bytes` stored as `name`.
    pub fn of(name: &str, bytes: &[u8]) -> PayloadInfo {
        PayloadInfo {
            name: name.to_owned(),
            bytes: bytes.len() as u64,
            sha256: super::sha256_hex(bytes),
        }
    }
}

/// The signed manifest of a device registration file, which the county imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// [`REGISTRATION_FORMAT`].
    pub format: String,
    /// Device id.
    pub device_id: String,
    /// Caseworker's name.
    pub caseworker: String,
    /// Village.
    pub village: String,
    /// minisign public key (base64 line).
    pub public_key: String,
    /// Its key id.
    pub key_id: String,
    /// age recipient for acknowledgements.
    pub age_recipient: String,
    /// Device-local sequence number its first bundle starts after.
    pub base_seq: i64,
    /// Hash its first bundle's first entry follows.
    pub base_hash: String,
    /// When the identity was created.
    pub created_at: String,
}

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

/// The signed manifest of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// [`BUNDLE_FORMAT`].
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
    /// (its private tables, such as its own eligibility decisions): its content
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

    /// The line carrying the change-log entry `e`, with the row as it was
    /// before (`base`) when the entry that wrote that is not in the bundle.
    pub fn carrying(e: Entry, base: Option<String>) -> Line {
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
            withheld: false,
        }
    }

    /// The line standing for `e` without its content (see [`Line::withheld`]).
    pub fn withholding(e: Entry) -> Line {
        Line {
            row_json: None,
            withheld: true,
            ..Line::carrying(e, None)
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

/// The signed manifest of a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyManifest {
    /// [`POLICY_FORMAT`].
    pub format: String,
    /// County region.
    pub region: String,
    /// County key id.
    pub county_key_id: String,
    /// The policy's `version`.
    pub policy_version: String,
    /// The policy's `effective_from`.
    pub effective_from: String,
    /// When signed.
    pub created_at: String,
    /// The policy text.
    pub payload: PayloadInfo,
}

/// A manifest as the bytes that are signed: pretty JSON and a newline.
pub fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| SyncError::Setup(format!("无法生成 JSON：{e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
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
            format: BUNDLE_FORMAT.into(),
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
            payload: PayloadInfo::of(BUNDLE_PAYLOAD, b"x"),
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
