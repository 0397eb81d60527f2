//! Opening the store: the start screen's status, the passphrase, the first
//! start, and backups.

use std::path::PathBuf;

use bangfu::store::{FileState, Passphrase, Store};
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, Result};
use crate::state::{lock_store, reindex, today, with_store};
use crate::AppState;

/// Where the store is on the way to being open.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No store yet: first start.
    New,
    /// A store from before encryption: it needs a passphrase set.
    Unencrypted,
    /// An encrypted store waiting for its passphrase.
    Locked,
    /// Open.
    Open,
}

/// The start screen's facts.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    db_path: String,
    stage: Stage,
    households: usize,
    caseworker: Option<String>,
    village: Option<String>,
    device_id: Option<String>,
    /// When the last backup was written, if ever.
    last_backup: Option<String>,
    /// A reminder to back up is due.
    backup_due: bool,
}

fn status_of(state: &State<AppState>, store: Option<&mut Store>) -> Result<AppStatus> {
    let db_path = state.db_path.display().to_string();
    let Some(store) = store else {
        let stage = match Store::look_at(&state.db_path)? {
            FileState::New => Stage::New,
            FileState::Plain => Stage::Unencrypted,
            FileState::Encrypted(_) => Stage::Locked,
        };
        return Ok(AppStatus {
            db_path,
            stage,
            households: 0,
            caseworker: None,
            village: None,
            device_id: None,
            last_backup: None,
            backup_due: false,
        });
    };
    let households = store.household_summaries(None)?.len();
    let last = store.last_backup()?;
    Ok(AppStatus {
        db_path,
        stage: Stage::Open,
        households,
        caseworker: store.setting("caseworker")?,
        village: store.setting("village")?,
        device_id: Some(store.device_id()?),
        backup_due: households > 0 && bangfu::store::backup_overdue(last.as_ref(), today()),
        last_backup: last.map(|b| b.at),
    })
}

#[tauri::command]
pub fn app_status(state: State<AppState>) -> Result<AppStatus> {
    let mut slot = lock_store(&state)?;
    status_of(&state, slot.as_mut())
}

/// Opens the store with `store`'s passphrase and makes it the app's store.
fn install_store(
    state: &State<AppState>,
    slot: &mut Option<Store>,
    store: Store,
) -> Result<AppStatus> {
    reindex(state, &store)?;
    *slot = Some(store);
    status_of(state, slot.as_mut())
}

/// Opens the store with the caseworker's passphrase (encrypting a store from
/// before encryption). A wrong passphrase is an error and changes nothing.
#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, passphrase: String) -> Result<AppStatus> {
    let mut slot = lock_store(&state)?;
    if slot.is_some() {
        return status_of(&state, slot.as_mut());
    }
    let found = Store::look_at(&state.db_path)?;
    if found == FileState::New {
        return Err(CommandError::new("还没有数据库，请先建立"));
    }
    let passphrase = Passphrase::new(passphrase);
    // The window's 设置口令并加密 screen is the explicit choice to adopt an
    // unencrypted store from an earlier version.
    let mut store = match found {
        FileState::Plain => Store::adopt_unencrypted(&state.db_path, &passphrase)?,
        found => Store::open_found(&state.db_path, found, &passphrase)?,
    };
    store.device_id()?;
    bangfu::sync::device::seal_key_files(&mut store, &state.db_path)?;
    install_store(&state, &mut slot, store)
}

/// What the first-start form sends.
#[derive(Debug, serde::Deserialize)]
pub struct NewStore {
    passphrase: String,
    caseworker: String,
    village: String,
    demo: bool,
}

/// First start: creates the encrypted store, records the caseworker and the
/// village, makes the device key, and fills in the demo village if asked.
#[tauri::command]
pub async fn create_store(state: State<'_, AppState>, setup: NewStore) -> Result<AppStatus> {
    let mut problems = Vec::new();
    if setup.caseworker.trim().is_empty() {
        problems.push("协理员姓名：不能为空".to_owned());
    }
    if setup.village.trim().is_empty() {
        problems.push("所在村：不能为空".to_owned());
    }
    let passphrase = Passphrase::new(setup.passphrase);
    if let Some(why) = passphrase.weakness() {
        problems.push(why);
    }
    if !problems.is_empty() {
        return Err(CommandError::form("有填写错误，数据库尚未建立", problems));
    }
    let mut slot = lock_store(&state)?;
    let found = Store::look_at(&state.db_path)?;
    if found != FileState::New {
        return Err(CommandError::new("数据库已经存在，请输入口令打开"));
    }
    let mut store = Store::open_found(&state.db_path, found, &passphrase)?;
    bangfu::sync::device::init(
        &mut store,
        &state.db_path,
        Some(&setup.caseworker),
        Some(&setup.village),
        false,
    )?;
    if setup.demo {
        bangfu::demo::install(&mut store, today(), 60, None)
            .map_err(|e| CommandError::new(e.to_string()))?;
    }
    install_store(&state, &mut slot, store)
}

/// Writes an encrypted backup of the store into `dir` (the app's backup
/// folder when empty) and returns its path.
#[tauri::command]
pub fn backup_now(state: State<AppState>, dir: String) -> Result<String> {
    let dir = match dir.trim() {
        "" => state.backup_dir.clone(),
        chosen => PathBuf::from(chosen),
    };
    let out = dir.join(format!(
        "帮扶备份-{}.sqlite",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    ));
    with_store(&state, |store| {
        store.backup_to(&out)?;
        Ok(out.display().to_string())
    })
}
