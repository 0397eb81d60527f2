//! Policies sent down: the county signs a `policy.toml`; a device accepts it
//! only with a valid signature by the county key it has configured.
//!
//! The policy is public, so it travels in clear (`policy.toml` in the
//! container, its SHA-256 in the signed manifest): `tar xf` and `minisign -V`
//! are enough to read and check it by hand.

use std::path::Path;

use super::county::County;
use super::device::county_key;
use super::identity::PublicKey;
use super::sealed;
use super::wire::{json_bytes, PayloadInfo, PolicyManifest, POLICY_FORMAT, POLICY_PAYLOAD};
use super::{reject, Result, SyncError};
use crate::policy::Policy;
use crate::store::{PolicySaved, Store, StoreError};

/// Largest policy accepted.
const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// Signs the policy at `policy` (checked first) into a policy file at `out`.
pub fn publish(county: &County, policy: &Path, out: &Path) -> Result<PolicyManifest> {
    let meta = std::fs::metadata(policy)
        .map_err(|e| SyncError::Invalid(format!("无法读取政策文件 {}：{e}", policy.display())))?;
    if meta.len() > MAX_POLICY_BYTES {
        return Err(SyncError::Invalid(format!(
            "政策文件 {} 超过 {} 字节",
            policy.display(),
            MAX_POLICY_BYTES
        )));
    }
    let text = std::fs::read_to_string(policy)
        .map_err(|e| SyncError::Invalid(format!("无法读取政策文件 {}：{e}", policy.display())))?;
    let p = Policy::from_toml(&text, &policy.display().to_string())
        .map_err(|e| SyncError::Invalid(e.to_string()))?;
    if p.region_code != county.public.region {
        return Err(SyncError::Invalid(format!(
            "政策文件 {} 的 region_code 是 {}，不是本县的 {}",
            policy.display(),
            p.region_code,
            county.public.region
        )));
    }
    let m = PolicyManifest {
        format: POLICY_FORMAT.into(),
        region: county.public.region.clone(),
        county_key_id: county.public.key_id.clone(),
        policy_version: p.version.clone(),
        effective_from: p.effective_from.to_string(),
        created_at: super::now(),
        payload: PayloadInfo::of(POLICY_PAYLOAD, text.as_bytes()),
    };
    sealed::write(
        out,
        &json_bytes(&m)?,
        &county.keys.signing,
        &format!(
            "{POLICY_FORMAT} region={} version={} effective_from={}",
            m.region, m.policy_version, m.effective_from
        ),
        Some((POLICY_PAYLOAD, text.as_bytes())),
    )?;
    Ok(m)
}

/// Accepts a signed policy file on a device: checks the county's signature,
/// the policy itself (its plausible ranges included), that the policy is
/// for the signing county's region, and that it is newer (by the signed
/// `created_at`) than the policy held for the same effective date; then
/// keeps it in the store, where evaluations pick it up from its effective
/// date on ([`Store::policy_set`]). Anything refused changes nothing.
pub fn import(store: &mut Store, path: &Path) -> Result<(PolicyManifest, Policy, PolicySaved)> {
    let what = "政策文件";
    let Some(county) = county_key(store)? else {
        return Err(SyncError::Setup(
            "尚未导入县级公钥，无法核对政策文件的签名：请先运行 bangfu device import-county-key"
                .into(),
        ));
    };
    let mut opened = sealed::open(path, POLICY_FORMAT, what, Some(POLICY_PAYLOAD))?;
    let m: PolicyManifest = opened.manifest(what)?;
    opened.verify(&PublicKey::from_base64(&county.public_key)?, "县级")?;
    if m.region != county.region || m.county_key_id != county.key_id {
        return Err(reject(
            path,
            format!(
                "这是 {} 的政策文件，不是本机所属的 {} 的",
                m.region, county.region
            ),
        ));
    }
    let bytes = opened.payload_bytes(&m.payload, MAX_POLICY_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| reject(path, "政策内容不是 UTF-8 文本"))?;
    let policy = Policy::from_toml(&text, &path.display().to_string())
        .map_err(|e| reject(path, format!("政策内容无效：{e}")))?;
    if policy.version != m.policy_version || policy.effective_from.to_string() != m.effective_from {
        return Err(reject(path, "政策内容的版本或生效日期与清单不符"));
    }
    if policy.region_code != m.region {
        return Err(reject(
            path,
            format!(
                "政策内容的 region_code 是 {}，而签发它的是 {} 的县级密钥：县里只能为本县签发政策",
                policy.region_code, m.region
            ),
        ));
    }
    let signed_at = chrono::DateTime::parse_from_rfc3339(&m.created_at)
        .map_err(|_| {
            reject(
                path,
                format!("清单中的签发时间 \"{}\" 不是有效的时间", m.created_at),
            )
        })?
        .with_timezone(&chrono::Utc);
    let saved = match store.save_policy(&policy, &text, signed_at) {
        Err(StoreError::OlderPolicy(problem)) => return Err(reject(path, problem)),
        other => other?,
    };
    Ok((m, policy, saved))
}
