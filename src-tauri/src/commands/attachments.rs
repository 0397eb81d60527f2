//! Attachment commands: add a photo or scan from a file or a camera/scanner
//! folder, list a household's attachments with thumbnails, open one.

use std::path::{Path, PathBuf};

use bangfu::attach::{attach_file, NewAttachment};
use bangfu::attachments::{media, Attachment, AttachmentKind};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::printing::write_and_open;
use crate::error::{CommandError, Result};
use crate::state::{today, with_store};
use crate::AppState;

/// Long edge of a thumbnail on the household page.
const THUMBNAIL_EDGE: u32 = 240;

/// An attachment as the household page shows it.
#[derive(Debug, Serialize)]
pub struct AttachmentView {
    #[serde(flatten)]
    attachment: Attachment,
    /// Chinese name of the kind.
    kind_zh: &'static str,
    /// `data:image/jpeg;base64,…` for pictures.
    thumbnail: Option<String>,
}

fn data_url(jpeg: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

#[tauri::command]
pub fn list_attachments(state: State<AppState>, code: String) -> Result<Vec<AttachmentView>> {
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        store
            .attachments(&id)?
            .into_iter()
            .map(|a| {
                let thumbnail = match a.is_image() {
                    false => None,
                    true => store
                        .blob(&a.sha256)?
                        .and_then(|bytes| media::thumbnail(&bytes, THUMBNAIL_EDGE).ok())
                        .map(|t| data_url(&t)),
                };
                Ok(AttachmentView {
                    kind_zh: a.kind.zh(),
                    attachment: a,
                    thumbnail,
                })
            })
            .collect()
    })
}

/// What the add form sends.
#[derive(Debug, Deserialize)]
pub struct AddAttachment {
    code: String,
    path: String,
    kind: String,
    caption: String,
    taken_on: Option<chrono::NaiveDate>,
    member_name: Option<String>,
}

#[tauri::command]
pub fn add_attachment(state: State<AppState>, add: AddAttachment) -> Result<String> {
    let kind = AttachmentKind::from_code(&add.kind)
        .ok_or_else(|| CommandError::new(format!("未知的附件类别“{}”", add.kind)))?;
    let new = NewAttachment {
        household: add.code,
        kind,
        caption: add.caption,
        taken_on: add.taken_on,
        member_name: add.member_name.filter(|m| !m.trim().is_empty()),
        visit_id: None,
        event_id: None,
    };
    with_store(&state, |store| {
        let (a, fresh) = attach_file(store, Path::new(add.path.trim()), &new, today())
            .map_err(|e| CommandError::new(e.to_string()))?;
        if let Some(warning) = bangfu::attach::pdf_warning(store, &a)? {
            return Ok(format!("已添加{}，但{warning}", a.kind.zh()));
        }
        Ok(if fresh {
            format!("已添加{}：{}", a.kind.zh(), a.original_name)
        } else {
            format!(
                "已添加{}：{}（内容与已有附件相同，未重复保存）",
                a.kind.zh(),
                a.original_name
            )
        })
    })
}

/// A picture or PDF found in a camera or scanner folder.
#[derive(Debug, Serialize)]
pub struct FolderFile {
    path: String,
    name: String,
    bytes: u64,
    modified: Option<String>,
}

/// The pictures and PDFs in `dir` (a camera or scanner folder), newest first.
#[tauri::command]
pub fn folder_files(dir: String) -> Result<Vec<FolderFile>> {
    let dir = PathBuf::from(dir.trim());
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| CommandError::new(format!("无法打开文件夹 {}：{e}", dir.display())))?;
    let mut files: Vec<(std::time::SystemTime, FolderFile)> = entries
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            let name = e.file_name().to_string_lossy().into_owned();
            let ext = Path::new(&name)
                .extension()?
                .to_string_lossy()
                .to_ascii_lowercase();
            if !["jpg", "jpeg", "png", "pdf"].contains(&ext.as_str()) {
                return None;
            }
            let modified = meta.modified().ok()?;
            let local: chrono::DateTime<chrono::Local> = modified.into();
            Some((
                modified,
                FolderFile {
                    path: e.path().display().to_string(),
                    name,
                    bytes: meta.len(),
                    modified: Some(local.format("%Y-%m-%d %H:%M").to_string()),
                },
            ))
        })
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    Ok(files.into_iter().map(|(_, f)| f).take(500).collect())
}

/// Writes the attachment to the print folder and opens it in the system viewer.
#[tauri::command]
pub fn open_attachment(
    app: tauri::AppHandle,
    state: State<AppState>,
    code: String,
    id: uuid::Uuid,
) -> Result<String> {
    let (name, bytes) = with_store(&state, |store| {
        let a = store
            .attachment(id)?
            .ok_or_else(|| CommandError::new("找不到这个附件"))?;
        let bytes = store
            .blob(&a.sha256)?
            .ok_or_else(|| CommandError::new("附件内容缺失"))?;
        Ok((a.file_name(&code), bytes))
    })?;
    write_and_open(&app, &state, &name, &bytes)
}
