//! The bangfu desktop app: a thin shell of Tauri commands over the core
//! library. Every rule, check and document lives in `bangfu`; a command here
//! only opens the store, calls the core and turns its errors into Chinese
//! messages for the window.

mod commands;

use std::path::PathBuf;
use std::sync::Mutex;

use bangfu::search::SearchIndex;
use bangfu::store::Store;
use tauri::Manager;

/// What the commands share: the open store and the search index over it.
pub struct AppState {
    /// Path of the SQLite file.
    pub db_path: PathBuf,
    /// The store, one writer at a time.
    pub store: Mutex<Store>,
    /// Search index, rebuilt after each write that changes households.
    pub index: Mutex<SearchIndex>,
    /// Where printed PDFs go.
    pub print_dir: PathBuf,
}

/// Starts the app. The store is `$BANGFU_DB` when set (tests), else
/// `bangfu.sqlite` in the platform's app data directory.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let db_path = std::env::var_os("BANGFU_DB")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("bangfu.sqlite"));
            let mut store = Store::open(&db_path)?;
            store.device_id()?;
            // The device key is made on first start; a store whose keys are
            // missing still opens, and the sync screen says what is wrong.
            if let Ok(None) = bangfu::sync::device::state(&store) {
                if let Err(e) = bangfu::sync::device::init(&mut store, &db_path, None, None, false)
                {
                    eprintln!("设备密钥未能建立：{e}");
                }
            }
            let index = SearchIndex::build(&store)?;
            let print_dir = std::env::var_os("BANGFU_PRINT_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("打印"));
            app.manage(AppState {
                db_path,
                store: Mutex::new(store),
                index: Mutex::new(index),
                print_dir,
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::create_demo,
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
            commands::print_dossier,
            commands::print_notice,
            commands::get_settings,
            commands::set_setting,
            commands::sync_status,
            commands::import_county_key,
            commands::export_bundle,
            commands::import_ack,
            commands::import_policy,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("帮扶无法启动：{e}");
            std::process::exit(1);
        });
}
