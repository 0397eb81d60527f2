//! The device side: its identity, the county's key, exporting bundles and
//! taking acknowledgements back.
//!
//! State kept in the store's device-local `settings` (never change-logged):
//!
//! | key | what |
//! |---|---|
//! | `device_id`, `caseworker`, `village` | who this device is |
//! | `sync.device` | [`DeviceState`]: key id, starting point of its log |
//! | `sync.acked` | [`Acked`]: what the county last acknowledged (where exports start) |
//! | `sync.county` | the county's public key file's manifest |
//! | `sync.last_export` | the last bundle written, for the warning when it is replaced |
//! | `sync.conflicts` | conflicts sent back with the last acknowledgement |

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::bundle::{self, Destination, Sender, Start};
use super::identity::{keys_dir, parse_recipient, KeySet, PublicKey, SealKey};
use super::wire::{
    json_bytes, AckManifest, BundleManifest, Conflict, CountyKeyManifest, Registration, ACK_FORMAT,
    ACK_PAYLOAD, COUNTY_KEY_FORMAT, REGISTRATION_FORMAT,
};
use super::{reject, sealed, Result, SyncError};
use crate::store::changelog::GENESIS;
use crate::store::Store;

/// Key file prefix of a device.
pub const KEY_PREFIX: &str = "device";

/// The device's identity record (`sync.device`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    /// Key id of the device key.
    pub key_id: String,
    /// Starting point of this device's exports (0 / genesis, or the head of a copied store).
    pub base_seq: i64,
    /// Hash at the starting point.
    pub base_hash: String,
    /// When the identity was created.
    pub created_at: String,
    /// Device id of the store this one was copied from, if any.
    #[serde(default)]
    pub copied_from: Option<String>,
    /// The age recipient of the device's decryption key, so that a key file
    /// swapped for another identity is refused (absent in identities made
    /// before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_recipient: Option<String>,
}

/// What the county last acknowledged (`sync.acked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acked {
    /// Device-local sequence number of the last acknowledged entry.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// Sequence number of the last acknowledged bundle (0: none yet).
    pub sequence: u64,
    /// When the acknowledgement was written.
    #[serde(default)]
    pub at: Option<String>,
}

/// The last bundle written (`sync.last_export`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastExport {
    /// Its sequence number.
    pub sequence: u64,
    /// Device-local sequence number of its last entry.
    pub last_seq: i64,
    /// When.
    pub at: String,
}

/// A device with its keys, loaded.
pub struct Device {
    /// Device id.
    pub id: String,
    /// Caseworker.
    pub caseworker: String,
    /// Village.
    pub village: String,
    /// Identity record.
    pub state: DeviceState,
    /// Keys.
    pub keys: KeySet,
}

impl Device {
    /// The registration manifest for this device.
    pub fn registration(&self) -> Registration {
        Registration {
            format: REGISTRATION_FORMAT.into(),
            device_id: self.id.clone(),
            caseworker: self.caseworker.clone(),
            village: self.village.clone(),
            public_key: self.keys.signing.public().to_base64(),
            key_id: self.keys.signing.public().key_id(),
            age_recipient: self.keys.recipient(),
            base_seq: self.state.base_seq,
            base_hash: self.state.base_hash.clone(),
            created_at: self.state.created_at.clone(),
        }
    }

    /// Writes the registration file (signed by the device key) to `out`.
    pub fn write_registration(&self, out: &Path) -> Result<()> {
        let r = self.registration();
        let bytes = json_bytes(&r)?;
        sealed::write(
            out,
            &bytes,
            &self.keys.signing,
            &format!(
                "{REGISTRATION_FORMAT} device={} key={}",
                r.device_id, r.key_id
            ),
            None,
        )
    }
}

fn get_json<T: serde::de::DeserializeOwned>(store: &Store, key: &str) -> Result<Option<T>> {
    match store.setting(key)? {
        None => Ok(None),
        Some(text) if text == "null" => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| SyncError::Setup(format!("本机设置 {key} 无法解析：{e}"))),
    }
}

fn set_json<T: Serialize>(store: &mut Store, key: &str, value: Option<&T>) -> Result<()> {
    let text = match value {
        Some(v) => serde_json::to_string(v)
            .map_err(|e| SyncError::Setup(format!("无法保存设置 {key}：{e}")))?,
        None => "null".into(),
    };
    Ok(store.set_setting(key, &text)?)
}

/// The device identity record, if this store has one.
pub fn state(store: &Store) -> Result<Option<DeviceState>> {
    get_json(store, "sync.device")
}

/// What the county last acknowledged.
pub fn acked(store: &Store) -> Result<Option<Acked>> {
    get_json(store, "sync.acked")
}

/// The last bundle written.
pub fn last_export(store: &Store) -> Result<Option<LastExport>> {
    get_json(store, "sync.last_export")
}

/// Conflicts sent back with the last acknowledgement.
pub fn conflicts(store: &Store) -> Result<Vec<Conflict>> {
    Ok(get_json(store, "sync.conflicts")?.unwrap_or_default())
}

/// The county key configured on this device.
pub fn county_key(store: &Store) -> Result<Option<CountyKeyManifest>> {
    get_json(store, "sync.county")
}

/// Creates this device's identity (or returns the existing one): keys in
/// `<db>.keys/`, device id, caseworker and village.
///
/// `copied` says this store file was copied from another device: it gets a
/// new device id, and its exports start after what the store already holds
/// (the original device sends that).
pub fn init(
    store: &mut Store,
    db: &Path,
    name: Option<&str>,
    village: Option<&str>,
    copied: bool,
) -> Result<(Device, bool)> {
    if store.setting("county.identity")?.is_some() {
        return Err(SyncError::Invalid(
            "这是县级数据库，不能作为协理员设备；请用 --db 指定设备的数据库".into(),
        ));
    }
    let dir = keys_dir(db);
    let existing = state(store)?;
    let have_keys = KeySet::exists(&dir, KEY_PREFIX);
    let seal = SealKey::ensure(store)?;
    for (key, value) in [("caseworker", name), ("village", village)] {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            store.set_setting(key, v)?;
        }
    }
    if have_keys && copied {
        return Err(SyncError::Invalid(format!(
            "{} 中已有设备密钥：--copied-store 只用于从别的设备复制来、尚无本机密钥的数据库",
            dir.display()
        )));
    }
    if let (true, Some(_)) = (have_keys, &existing) {
        return Ok((load(store, db)?, false));
    }
    if let (false, Some(st), false) = (have_keys, &existing, copied) {
        return Err(SyncError::Setup(format!(
            "这个数据库属于设备 {}（密钥号 {}），但找不到它的密钥文件夹 {}。\
             如果数据库是从别的设备复制来的，请加 --copied-store 建立新的设备身份；\
             如果密钥丢失，请把数据库复制一份后加 --copied-store 建立新身份，并请县里重新登记",
            store.setting("device_id")?.unwrap_or_default(),
            st.key_id,
            dir.display()
        )));
    }
    let caseworker = store.setting("caseworker")?.unwrap_or_default();
    let village_name = store.setting("village")?.unwrap_or_default();
    if caseworker.is_empty() || village_name.is_empty() {
        return Err(SyncError::Invalid(
            "请用 --name 和 --village 给出协理员姓名和所在村（或先用 bangfu settings set 设置）"
                .into(),
        ));
    }
    let keys = if have_keys {
        KeySet::load(&dir, KEY_PREFIX, Some(&seal))?
    } else {
        KeySet::create(&dir, KEY_PREFIX, &seal)?
    };
    let (base_seq, base_hash, copied_from) = if copied {
        let head: Option<(i64, String)> = store
            .conn()
            .query_row(
                "SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let from = store.setting("device_id")?;
        let id = uuid::Uuid::now_v7().to_string();
        store.set_setting("device_id", &id)?;
        let (seq, hash) = head.unwrap_or((0, GENESIS.to_owned()));
        (seq, hash, from)
    } else {
        store.device_id()?;
        (0, GENESIS.to_owned(), None)
    };
    let st = DeviceState {
        key_id: keys.signing.public().key_id(),
        base_seq,
        base_hash: base_hash.clone(),
        created_at: super::now(),
        copied_from,
        age_recipient: Some(keys.recipient()),
    };
    set_json(
        store,
        "sync.acked",
        Some(&Acked {
            seq: base_seq,
            hash: base_hash,
            sequence: 0,
            at: None,
        }),
    )?;
    set_json::<LastExport>(store, "sync.last_export", None)?;
    set_json::<Vec<Conflict>>(store, "sync.conflicts", None)?;
    set_json(store, "sync.device", Some(&st))?;
    Ok((load(store, db)?, true))
}

/// Households this device could never send: on a device registered for a
/// village, the county takes only that village's households (see
/// `admission`), and an entry it refuses would block every later bundle of
/// the device. One Chinese sentence for each; none on a store that is not a
/// registered device.
pub fn households_outside_village(
    store: &Store,
    households: &[crate::model::Household],
) -> Result<Vec<String>> {
    if state(store)?.is_none() {
        return Ok(Vec::new());
    }
    let Some(village) = store.setting("village")? else {
        return Ok(Vec::new());
    };
    Ok(households
        .iter()
        .filter(|h| h.village != village)
        .map(|h| {
            format!(
                "户 {} 属于“{}”，而本机登记的是“{village}”：县里只接收本村的户，这一户无法同步，请由该村的协理员录入",
                h.id, h.village
            )
        })
        .collect())
}

/// After a store is opened: seals the private key files an earlier version
/// left unsealed and checks that they belong to this store. Nothing for a
/// store without a device identity (a new or a county store).
pub fn seal_key_files(store: &mut Store, db: &Path) -> Result<()> {
    if state(store)?.is_some() {
        SealKey::ensure(store)?;
        load(store, db)?;
    }
    Ok(())
}

/// Loads this device's identity and keys.
pub fn load(store: &Store, db: &Path) -> Result<Device> {
    let Some(st) = state(store)? else {
        return Err(SyncError::Setup(
            "本机尚未建立设备身份：请先运行 bangfu device init --name 协理员姓名 --village 村名"
                .into(),
        ));
    };
    let keys = KeySet::load(
        &keys_dir(db),
        KEY_PREFIX,
        SealKey::of_store(store)?.as_ref(),
    )?;
    if keys.signing.public().key_id() != st.key_id {
        return Err(SyncError::Setup(format!(
            "密钥文件夹 {} 中的密钥（{}）不是本数据库的设备密钥（{}）",
            keys_dir(db).display(),
            keys.signing.public().key_id(),
            st.key_id
        )));
    }
    if st
        .age_recipient
        .as_ref()
        .is_some_and(|r| *r != keys.recipient())
    {
        return Err(SyncError::Setup(format!(
            "密钥文件夹 {} 中的解密密钥 device.age 不是本设备的（已被替换？），不能使用；请从备份恢复密钥文件夹，或联系技术支持",
            keys_dir(db).display()
        )));
    }
    Ok(Device {
        id: store.setting("device_id")?.unwrap_or_default(),
        caseworker: store.setting("caseworker")?.unwrap_or_default(),
        village: store.setting("village")?.unwrap_or_default(),
        state: st,
        keys,
    })
}

/// Imports the county's public key file (self-signed by the county).
///
/// Returns the key and whether it was new. A different county key replaces
/// the configured one only with `replace`.
pub fn import_county_key(
    store: &mut Store,
    path: &Path,
    replace: Option<&str>,
) -> Result<(CountyKeyManifest, bool)> {
    let what = "县级公钥文件";
    let opened = sealed::open(path, COUNTY_KEY_FORMAT, what, None)?;
    let m: CountyKeyManifest = opened.manifest(what)?;
    let key = PublicKey::from_base64(&m.public_key).map_err(|e| reject(path, e.to_string()))?;
    if key.key_id() != m.key_id {
        return Err(reject(path, "公钥与其密钥号不符：文件被改动"));
    }
    opened.verify(&key, "县级")?;
    parse_recipient(&m.age_recipient).map_err(|e| reject(path, e.to_string()))?;
    if let Some(current) = county_key(store)? {
        if current.key_id == m.key_id && current.age_recipient == m.age_recipient {
            return Ok((m, false));
        }
        // Anyone can make a file that names the same county: only a
        // deliberate reset that names both keys replaces the one in use.
        let both = format!("{}:{}", current.key_id, m.key_id);
        if replace != Some(both.as_str()) {
            return Err(SyncError::Invalid(format!(
                "本机已配置 {}（{}）的公钥，密钥号 {}；新文件是 {}（{}），密钥号 {}。\
                 更换县级公钥后，数据包将只能由新密钥的持有者解开：请先打电话向县民政局核实新密钥号，\
                 确认无误后加 --replace {both} 重新导入",
                current.name, current.region, current.key_id, m.name, m.region, m.key_id
            )));
        }
    }
    set_json(store, "sync.county", Some(&m))?;
    Ok((m, true))
}

fn destination(store: &Store) -> Result<Destination> {
    let Some(c) = county_key(store)? else {
        return Err(SyncError::Setup(
            "尚未导入县级公钥：请先运行 bangfu device import-county-key 县里发的公钥文件".into(),
        ));
    };
    Ok(Destination {
        recipient: parse_recipient(&c.age_recipient)?,
        region: c.region,
        key_id: c.key_id,
    })
}

/// Most payload bytes (before compression) one bundle file carries: an
/// export larger than this — a village's first, with its photos — is written
/// as several files, each small enough to copy and upload on its own.
pub const PART_PLAIN_BYTES: u64 = 64 * 1024 * 1024;

/// What `bundle export` did.
pub enum Exported {
    /// Nothing new since the last acknowledgement: no file written.
    Nothing {
        /// Sequence number of the last acknowledged bundle.
        acked_sequence: u64,
    },
    /// One bundle was written, or several consecutive ones when the changes
    /// did not fit in one.
    Written {
        /// Each file written and its manifest, in sequence order.
        parts: Vec<(PathBuf, BundleManifest)>,
        /// An earlier, unacknowledged export whose numbers these reuse: they
        /// hold all of its content and replace it.
        replaces: Option<LastExport>,
    },
}

/// Exports every change since the last acknowledgement to a bundle at `out`,
/// continued in `<out>-2`, `<out>-3`… (before the extension) when it exceeds
/// [`PART_PLAIN_BYTES`].
pub fn export(store: &mut Store, db: &Path, out: &Path) -> Result<Exported> {
    export_in_parts(store, db, out, PART_PLAIN_BYTES)
}

/// [`export`] with another size for the parts.
pub fn export_in_parts(
    store: &mut Store,
    db: &Path,
    out: &Path,
    part_plain_bytes: u64,
) -> Result<Exported> {
    let device = load(store, db)?;
    let to = destination(store)?;
    let acked = acked(store)?.unwrap_or(Acked {
        seq: device.state.base_seq,
        hash: device.state.base_hash.clone(),
        sequence: 0,
        at: None,
    });
    let mut start = Start {
        after_seq: acked.seq,
        after_hash: acked.hash.clone(),
        sequence: acked.sequence + 1,
    };
    let sender = Sender {
        device_id: &device.id,
        caseworker: &device.caseworker,
        village: &device.village,
        keys: &device.keys,
    };
    let mut parts: Vec<(PathBuf, BundleManifest)> = Vec::new();
    loop {
        let path = part_path(out, parts.len() + 1);
        let part = bundle::export(store.conn(), &sender, &to, &start, part_plain_bytes, &path);
        let m = match part {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(e) => {
                // Earlier parts alone would be an export that stops short.
                for (written, _) in &parts {
                    let _ = std::fs::remove_file(written);
                }
                return Err(e);
            }
        };
        start = Start {
            after_seq: m.last_seq,
            after_hash: m.last_hash.clone(),
            sequence: m.sequence + 1,
        };
        parts.push((path, m));
    }
    let Some((_, last)) = parts.last() else {
        return Ok(Exported::Nothing {
            acked_sequence: acked.sequence,
        });
    };
    let replaces = last_export(store)?.filter(|l| l.sequence > acked.sequence);
    set_json(
        store,
        "sync.last_export",
        Some(&LastExport {
            sequence: last.sequence,
            last_seq: last.last_seq,
            at: last.created_at.clone(),
        }),
    )?;
    Ok(Exported::Written { parts, replaces })
}

/// The file of the `n`th part of an export to `out`: `out` itself, then
/// `village-2.bangfu`, `village-3.bangfu`… for `village.bangfu`.
pub fn part_path(out: &Path, n: usize) -> PathBuf {
    if n <= 1 {
        return out.to_path_buf();
    }
    let stem = out.file_stem().unwrap_or_default().to_string_lossy();
    let name = match out.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    out.with_file_name(name)
}

/// What `bundle ack` did.
pub struct AckApplied {
    /// The acknowledgement.
    pub manifest: AckManifest,
    /// False when it was already applied (or older than one applied).
    pub new: bool,
    /// Conflicts the county sent back.
    pub conflicts: Vec<Conflict>,
}

/// Largest conflicts payload read.
const MAX_ACK_PAYLOAD: u64 = 64 * 1024 * 1024;

/// Takes an acknowledgement from the county: checks the county's signature,
/// moves the export start, and keeps the conflicts sent back.
pub fn apply_ack(store: &mut Store, db: &Path, path: &Path) -> Result<AckApplied> {
    let what = "回执";
    let device = load(store, db)?;
    let Some(county) = county_key(store)? else {
        return Err(SyncError::Setup(
            "尚未导入县级公钥，无法核对回执：请先运行 bangfu device import-county-key".into(),
        ));
    };
    let mut opened = sealed::open(path, ACK_FORMAT, what, Some(ACK_PAYLOAD))?;
    let m: AckManifest = opened.manifest(what)?;
    opened.verify(&PublicKey::from_base64(&county.public_key)?, "县级")?;
    if m.device_id != device.id {
        return Err(reject(
            path,
            format!(
                "这是给设备 {} 的回执，不是本机（{}）的",
                m.device_id, device.id
            ),
        ));
    }
    let encrypted = opened.payload_bytes(&m.payload, MAX_ACK_PAYLOAD)?;
    let plain = age::decrypt(&device.keys.age, &encrypted)
        .map_err(|e| reject(path, format!("回执中的冲突清单无法用本机密钥解密：{e}")))?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Payload {
        conflicts: Vec<Conflict>,
    }
    let payload: Payload = serde_json::from_slice(&plain)
        .map_err(|e| reject(path, format!("回执中的冲突清单无法解析：{e}")))?;
    let current = acked(store)?;
    if let Some(a) = current.as_ref().filter(|a| a.sequence >= m.sequence) {
        // The same acknowledgement written again by the county carries its current conflicts.
        if a.sequence == m.sequence && a.at.as_deref().is_none_or(|at| at <= m.created_at.as_str())
        {
            let refreshed = Acked {
                at: Some(m.created_at.clone()),
                ..a.clone()
            };
            set_json(store, "sync.acked", Some(&refreshed))?;
            set_json(store, "sync.conflicts", Some(&payload.conflicts))?;
        }
        return Ok(AckApplied {
            manifest: m,
            new: false,
            conflicts: payload.conflicts,
        });
    }
    let local: Option<String> = store
        .conn()
        .query_row(
            "SELECT hash FROM change_log WHERE seq = ?1",
            [m.last_seq],
            |r| r.get(0),
        )
        .ok();
    if local.as_deref() != Some(m.last_hash.as_str()) {
        return Err(reject(
            path,
            format!(
                "回执确认的是第 {} 条记录（哈希 {}…），与本机变更日志不符：这份回执不属于本机的数据。\
                 如果本机数据库是从另一台电脑复制来的，两台电脑就在用同一个设备身份：本机请运行 \
                 bangfu device init --copied-store 建立自己的设备身份，把新的登记文件交县里登记后再导出",
                m.last_seq,
                m.last_hash.get(..12).unwrap_or(&m.last_hash)
            ),
        ));
    }
    set_json(
        store,
        "sync.acked",
        Some(&Acked {
            seq: m.last_seq,
            hash: m.last_hash.clone(),
            sequence: m.sequence,
            at: Some(m.created_at.clone()),
        }),
    )?;
    set_json(store, "sync.conflicts", Some(&payload.conflicts))?;
    Ok(AckApplied {
        manifest: m,
        new: true,
        conflicts: payload.conflicts,
    })
}

/// Default path of the registration file: in the keys folder.
pub fn default_registration_path(db: &Path) -> PathBuf {
    keys_dir(db).join("device-registration.bangfu")
}

/// Number of change-log entries not yet acknowledged by the county.
pub fn pending(store: &Store) -> Result<i64> {
    let after = acked(store)?.map_or(0, |a| a.seq);
    Ok(store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM change_log WHERE seq > ?1",
            [after],
            |r| r.get(0),
        )
        .map_err(crate::store::StoreError::from)?)
}
