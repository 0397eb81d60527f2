//! The bangfu desktop app: a thin shell of Tauri commands over the core
//! library. Every rule, check and document lives in `bangfu`; a command here
//! only opens the store, calls the core and turns its errors into Chinese
//! messages for the window.

mod attachments;
mod commands;

use std::path::PathBuf;
use std::sync::Mutex;

use bangfu::search::SearchIndex;
use bangfu::store::Store;
use tauri::Manager;

/// What the commands share: the store (once unlocked) and the search index over it.
pub struct AppState {
    /// Path of the SQLite file.
    pub db_path: PathBuf,
    /// The store, one writer at a time; `None` until the passphrase opens it.
    pub store: Mutex<Option<Store>>,
    /// Search index, rebuilt after each write that changes households.
    pub index: Mutex<SearchIndex>,
    /// Where printed PDFs go.
    pub print_dir: PathBuf,
    /// Where backups go unless the caseworker names another folder.
    pub backup_dir: PathBuf,
}

/// Starts the app. The store is `$BANGFU_DB` when set (tests), else
/// `bangfu.sqlite` in the platform's app data directory. It stays locked
/// until the window gives its passphrase (`unlock`, or `create_store` on
/// first start).
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let db_path = std::env::var_os("BANGFU_DB")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("bangfu.sqlite"));
            let print_dir = std::env::var_os("BANGFU_PRINT_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("打印"));
            app.manage(AppState {
                backup_dir: print_dir.with_file_name("备份"),
                db_path,
                store: Mutex::new(None),
                index: Mutex::new(SearchIndex::default()),
                print_dir,
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::unlock,
            commands::create_store,
            commands::backup_now,
            commands::search_households,
            commands::household_detail,
            commands::check_id_number,
            commands::save_household,
            commands::evaluate_household,
            commands::save_visit,
            commands::discard_visit,
            commands::add_event,
            commands::add_measure,
            commands::due_list,
            commands::villages,
            commands::audit_findings,
            commands::print_dossier,
            commands::print_notice,
            commands::get_settings,
            commands::set_setting,
            commands::sync_status,
            commands::import_county_key,
            commands::export_bundle,
            commands::import_ack,
            commands::import_policy,
            attachments::list_attachments,
            attachments::add_attachment,
            attachments::folder_files,
            attachments::open_attachment,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("帮扶无法启动：{e}");
            std::process::exit(1);
        });
}
