//! Printing: the dossier and the village notice, written to the print
//! folder and opened in the system's PDF viewer.

use std::path::PathBuf;

use bangfu::casefile::CaseFile;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandError, Result};
use crate::state::{today, with_store};
use crate::AppState;

pub(crate) fn write_and_open(
    app: &tauri::AppHandle,
    state: &State<AppState>,
    name: &str,
    bytes: &[u8],
) -> Result<String> {
    let path: PathBuf = state.print_dir.join(bangfu::files::safe_file_name(name));
    std::fs::create_dir_all(&state.print_dir)
        .map_err(|e| CommandError::new(format!("无法创建打印目录：{e}")))?;
    bangfu::files::write_atomically(&path, bytes, bangfu::files::Access::OwnerOnly)
        .map_err(|e| CommandError::new(format!("无法写入 {}：{e}", path.display())))?;
    if std::env::var_os("BANGFU_NO_OPEN").is_none() {
        // A missing PDF viewer is not a failure: the file is there to print.
        let _ = app
            .opener()
            .open_path(path.display().to_string(), None::<&str>);
    }
    Ok(path.display().to_string())
}

#[tauri::command]
pub fn print_dossier(
    app: tauri::AppHandle,
    state: State<AppState>,
    code: String,
) -> Result<String> {
    let bytes = with_store(&state, |store| {
        let file = CaseFile::load(store, &code)?;
        bangfu::documents::dossier_pdf(&file, today(), Default::default())
            .map_err(|e| CommandError::new(format!("生成 PDF 失败：{e}")))
    })?;
    write_and_open(&app, &state, &format!("一户一档-{code}.pdf"), &bytes)
}

#[tauri::command]
pub fn print_notice(
    app: tauri::AppHandle,
    state: State<AppState>,
    village: String,
    phone: String,
) -> Result<String> {
    let bytes = with_store(&state, |store| {
        let files = bangfu::casefile::case_files(store, Some(&village))?;
        let options = bangfu::documents::NoticeOptions::for_village(
            store,
            &village,
            today(),
            Some(&phone),
            None,
        )?;
        bangfu::documents::notice_pdf(&files, &options)
            .map_err(|e| CommandError::new(format!("生成 PDF 失败：{e}")))
    })?;
    write_and_open(&app, &state, &format!("公示-{village}.pdf"), &bytes)
}

/// Prints the 低保申请审核确认表 (`kind` = `dibao`) or the 特困人员认定表
/// (`tekun`) of a household and opens it.
#[tauri::command]
pub fn print_case_form(
    app: tauri::AppHandle,
    state: State<AppState>,
    code: String,
    kind: String,
) -> Result<String> {
    let which = match kind.as_str() {
        "tekun" => bangfu::documents::CaseForm::Tekun,
        _ => bangfu::documents::CaseForm::Dibao,
    };
    let bytes = with_store(&state, |store| {
        let file = CaseFile::load(store, &code)?;
        bangfu::documents::case_form_pdf(&file, which, today())
            .map_err(|e| CommandError::new(format!("生成 PDF 失败：{e}")))
    })?;
    write_and_open(
        &app,
        &state,
        &format!("{}-{code}.pdf", which.title()),
        &bytes,
    )
}
