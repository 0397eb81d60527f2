//! The app's store and search index, as the commands reach them.

use bangfu::search::SearchIndex;
use bangfu::store::Store;
use tauri::State;

use crate::error::{CommandError, Result};
use crate::AppState;

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The store slot, locked for this command.
pub(crate) fn lock_store<'a>(
    state: &'a State<AppState>,
) -> Result<std::sync::MutexGuard<'a, Option<Store>>> {
    state
        .store
        .lock()
        .map_err(|_| CommandError::new("数据库正忙，请重试"))
}

pub(crate) fn with_store<T>(
    state: &State<AppState>,
    f: impl FnOnce(&mut Store) -> Result<T>,
) -> Result<T> {
    let mut slot = lock_store(state)?;
    let store = slot
        .as_mut()
        .ok_or_else(|| CommandError::new("数据库尚未打开，请先输入口令"))?;
    f(store)
}

/// Rebuilds the search index after a write that changed households.
pub(crate) fn reindex(state: &State<AppState>, store: &Store) -> Result<()> {
    let index = SearchIndex::build(store)?;
    if let Ok(mut slot) = state.index.lock() {
        *slot = index;
    }
    Ok(())
}
