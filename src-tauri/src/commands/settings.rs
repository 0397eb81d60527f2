//! The device settings screen.

use tauri::State;

use crate::error::{CommandError, Result};
use crate::state::with_store;
use crate::AppState;

/// Device settings shown on the settings screen.
const SETTINGS: &[&str] = &["caseworker", "village", "complaint_phone", "issuer"];

#[tauri::command]
pub fn get_settings(state: State<AppState>) -> Result<Vec<(String, String)>> {
    with_store(&state, |store| {
        SETTINGS
            .iter()
            .map(|k| Ok(((*k).to_owned(), store.setting(k)?.unwrap_or_default())))
            .collect()
    })
}

#[tauri::command]
pub fn set_setting(state: State<AppState>, key: String, value: String) -> Result<()> {
    if !SETTINGS.contains(&key.as_str()) {
        return Err(CommandError::new(format!("未知的设置项“{key}”")));
    }
    with_store(&state, |store| Ok(store.set_setting(&key, value.trim())?))
}
