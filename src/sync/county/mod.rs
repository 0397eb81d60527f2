//! The county side: its keys, registered devices, taking in bundles and
//! writing acknowledgements.
//!
//! - [`store`]: what the county needs of a store ([`CountyStore`]), with
//!   the SQLite implementation in `sqlite.rs`;
//! - `intake.rs`: verifying and applying one bundle — each entry authorised
//!   ([`admission`](crate::sync::admission)) and merged field by field
//!   ([`merge`](crate::sync::merge));
//! - here: the county's identity and keys, device registration, conflicts
//!   and acknowledgements.
//!
//! Conflicts are listed by `bangfu county conflicts` and sent back,
//! encrypted, in the acknowledgements of both devices.

mod intake;
mod sqlite;
pub mod store;

use std::path::Path;

pub use intake::{import_bundle, peek_bundle, ImportReport};
pub use store::{ConflictFilter, CountyStore, RegisteredDevice};

use super::identity::{keys_dir, parse_recipient, KeySet, PublicKey, SealKey};
use super::sealed;
use super::wire::{
    json_bytes, AckManifest, Conflict, CountyKeyManifest, PayloadInfo, Registration, ACK_FORMAT,
    ACK_PAYLOAD, COUNTY_KEY_FORMAT, REGISTRATION_FORMAT,
};
use super::{reject, Result, SyncError};
use crate::store::Store;

/// Key file prefix of the county.
pub const KEY_PREFIX: &str = "county";
/// How far ahead of the county's clock an entry's time may be before the
/// conflict says the device's clock is wrong.
const CLOCK_TOLERANCE: chrono::Duration = chrono::Duration::hours(24);

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

/// Moves household `code` to `village` at the county: a county action (a
/// laptop may never move a household between villages). The change is
/// change-logged; afterwards the old village's laptop can no longer write
/// the household, and the new village's can. Returns the village it left.
pub fn move_household(
    store: &mut Store,
    county: &County,
    code: &str,
    village: &str,
) -> Result<String> {
    let village = village.trim();
    if village.is_empty() {
        return Err(SyncError::Invalid("请写明迁入的村（社区）".into()));
    }
    if let Some(problem) = crate::limits::text_problem(village, crate::limits::TextKind::Short) {
        return Err(SyncError::Invalid(format!("村（社区）名称{problem}")));
    }
    let (_, mut household) = store.household(code)?;
    if household.region_code != county.public.region {
        return Err(SyncError::Invalid(format!(
            "户 {code} 的行政区划 {} 不属于本县（{}）",
            household.region_code, county.public.region
        )));
    }
    if household.village == village {
        return Err(SyncError::Invalid(format!("户 {code} 已在 {village}")));
    }
    let from = std::mem::replace(&mut household.village, village.to_owned());
    store.write(|tx| tx.save_household(&household).map(drop))?;
    Ok(from)
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

/// Every registered device.
pub fn devices<S: CountyStore>(store: &S) -> Result<Vec<RegisteredDevice>> {
    Ok(store.devices()?)
}

/// Registers the device of a registration file; returns it and whether it was new.
pub fn register_device<S: CountyStore>(
    store: &mut S,
    path: &Path,
) -> Result<(RegisteredDevice, bool)> {
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
    if let Some(existing) = store.device(&r.device_id)? {
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
    store.add_device(&r, &super::now())?;
    let device = store
        .device(&r.device_id)?
        .ok_or_else(|| SyncError::Setup("登记后找不到设备".into()))?;
    Ok((device, true))
}

/// Writes the acknowledgement for `device_id`'s last imported bundle to `out`.
pub fn write_ack<S: CountyStore>(
    store: &S,
    county: &County,
    device_id: &str,
    out: &Path,
) -> Result<AckManifest> {
    let Some(device) = store.device(device_id)? else {
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
pub fn conflicts_of<S: CountyStore>(store: &S, device_id: &str) -> Result<Vec<Conflict>> {
    conflicts_where(store, ConflictFilter::OpenOf(device_id))
}

/// Conflicts: open ones, or all with `all`.
pub fn conflicts<S: CountyStore>(store: &S, all: bool) -> Result<Vec<Conflict>> {
    conflicts_where(
        store,
        if all {
            ConflictFilter::All
        } else {
            ConflictFilter::Open
        },
    )
}

/// Conflicts chosen by `which`, each with its note on the devices' clocks.
fn conflicts_where<S: CountyStore>(store: &S, which: ConflictFilter) -> Result<Vec<Conflict>> {
    let mut list = store.conflicts(which)?;
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

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
