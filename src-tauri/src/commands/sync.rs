//! Sync: the county's key, exporting bundles, acknowledgements, policies.

use bangfu::store::Store;
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, Result};
use crate::state::with_store;
use crate::AppState;

/// What the sync screen shows.
#[derive(Debug, Serialize)]
pub struct SyncStatus {
    device_id: String,
    county: Option<String>,
    pending: i64,
    conflicts: usize,
    /// The policies evaluations use, oldest first, each as one line.
    policies: Vec<String>,
}

#[tauri::command]
pub fn sync_status(state: State<AppState>) -> Result<SyncStatus> {
    with_store(&state, |store| {
        Ok(SyncStatus {
            device_id: store.device_id()?,
            county: bangfu::sync::device::county_key(store)?
                .map(|k| format!("{}（{}）", k.name, k.region)),
            pending: bangfu::sync::device::pending(store)?,
            conflicts: bangfu::sync::device::conflicts(store)?.len(),
            policies: policies_in_use(store)?,
        })
    })
}

/// "示例县 2026-01（2026-01-01 起施行）" for each policy in use; the
/// built-in one is marked as such, since a county should send its own.
fn policies_in_use(store: &Store) -> Result<Vec<String>> {
    let (set, source) = store.policy_set()?;
    let note = match source {
        bangfu::store::PolicySource::BuiltIn => "，程序内置，县里的政策尚未导入",
        bangfu::store::PolicySource::Imported => "",
    };
    Ok(set
        .versions()
        .iter()
        .map(|p| {
            format!(
                "{} {}（{} 起施行{note}）",
                p.region_name, p.version, p.effective_from
            )
        })
        .collect())
}

/// Imports the county's public key file, which bundles are encrypted to.
#[tauri::command]
pub fn import_county_key(state: State<AppState>, path: String) -> Result<String> {
    with_store(&state, |store| {
        let (key, _) = bangfu::sync::device::import_county_key(
            store,
            std::path::Path::new(path.trim()),
            None,
        )?;
        Ok(format!("{}（{}）", key.name, key.region))
    })
}

/// Makes the device key on first use, from the caseworker and village in the settings.
fn ensure_device(store: &mut Store, db: &std::path::Path) -> Result<()> {
    if bangfu::sync::device::state(store)?.is_none() {
        bangfu::sync::device::init(store, db, None, None, false)
            .map_err(|e| CommandError::new(format!("请先在“设置”中填写协理员姓名和所在村：{e}")))?;
    }
    Ok(())
}

/// Writes a signed, encrypted bundle of every change since the last
/// acknowledgement (several consecutive files when it is large); returns
/// the files written, none when there was nothing new.
#[tauri::command]
pub fn export_bundle(state: State<AppState>) -> Result<Vec<String>> {
    with_store(&state, |store| {
        ensure_device(store, &state.db_path)?;
        let dir = state.print_dir.with_file_name("同步");
        std::fs::create_dir_all(&dir)
            .map_err(|e| CommandError::new(format!("无法创建目录 {}：{e}", dir.display())))?;
        let out = dir.join(format!(
            "bangfu-{}.bundle",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        match bangfu::sync::device::export(store, &state.db_path, &out)? {
            bangfu::sync::device::Exported::Nothing { .. } => Ok(Vec::new()),
            bangfu::sync::device::Exported::Written { parts, .. } => Ok(parts
                .iter()
                .map(|(path, _)| path.display().to_string())
                .collect()),
        }
    })
}

/// Applies the county's acknowledgement: the next export starts after it.
#[tauri::command]
pub fn import_ack(state: State<AppState>, path: String) -> Result<String> {
    with_store(&state, |store| {
        let applied = bangfu::sync::device::apply_ack(
            store,
            &state.db_path,
            std::path::Path::new(path.trim()),
        )?;
        Ok(if applied.new {
            format!("已确认，县里退回 {} 处冲突待核实", applied.conflicts.len())
        } else {
            "这份回执已经导入过".to_owned()
        })
    })
}

/// Imports a policy file signed by the county.
#[tauri::command]
pub fn import_policy(state: State<AppState>, path: String) -> Result<String> {
    with_store(&state, |store| {
        let (_, policy, saved) =
            bangfu::sync::policy_file::import(store, std::path::Path::new(path.trim()))?;
        let replaced = match saved {
            bangfu::store::PolicySaved::Replaced(old) => format!("，替换了同日生效的 {old}"),
            bangfu::store::PolicySaved::Unchanged => "，此前已导入过".to_owned(),
            bangfu::store::PolicySaved::Added => String::new(),
        };
        Ok(format!(
            "{} {}（{} 起施行，评估自该日起按此政策计算{replaced}）",
            policy.region_name, policy.version, policy.effective_from
        ))
    })
}
