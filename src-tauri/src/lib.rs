//! The bangfu desktop app: a thin shell of Tauri commands over the core
//! library. Every rule, check and document lives in `bangfu`; a command here
//! only opens the store, calls the core and turns its errors into Chinese
//! messages for the window.

mod commands;
mod error;
mod state;

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
            commands::session::app_status,
            commands::session::unlock,
            commands::session::create_store,
            commands::session::backup_now,
            commands::households::search_households,
            commands::households::household_detail,
            commands::households::check_id_number,
            commands::households::save_household,
            commands::households::evaluate_household,
            commands::casework::save_visit,
            commands::casework::discard_visit,
            commands::casework::add_event,
            commands::casework::case_status,
            commands::casework::add_measure,
            commands::casework::due_list,
            commands::casework::suggested_measures,
            commands::casework::monitoring_list,
            commands::casework::villages,
            commands::casework::audit_findings,
            commands::assistance::temp_aid_register,
            commands::assistance::save_temp_aid_request,
            commands::assistance::pay_temp_aid,
            commands::assistance::temp_aid_allowance,
            commands::assistance::print_temp_aid_form,
            commands::assistance::confirm_household,
            commands::printing::print_dossier,
            commands::printing::print_notice,
            commands::printing::print_case_form,
            commands::settings::get_settings,
            commands::settings::set_setting,
            commands::sync::sync_status,
            commands::sync::import_county_key,
            commands::sync::export_bundle,
            commands::sync::import_ack,
            commands::sync::import_policy,
            commands::attachments::list_attachments,
            commands::attachments::add_attachment,
            commands::attachments::folder_files,
            commands::attachments::open_attachment,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("帮扶无法启动：{e}");
            std::process::exit(1);
        });
}
