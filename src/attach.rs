//! Attaching a photo or scan to a household, and exporting a household's
//! files: the use cases over the store. Importing a file turns it into what
//! the store keeps ([`media::prepare`]), checks the limits, and saves the
//! bytes once per content (SHA-256) with one change-logged row, in one
//! transaction: all of it or nothing.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::attachments::media::{self, MediaError};
use crate::attachments::{Attachment, AttachmentKind, MAX_HOUSEHOLD_BYTES, MAX_STORED_BYTES};
use crate::store::{Store, StoreError};

/// What to attach a file to, and how to describe it.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Household code.
    pub household: String,
    /// What it shows.
    pub kind: AttachmentKind,
    /// Caption.
    pub caption: String,
    /// When taken or signed.
    pub taken_on: Option<NaiveDate>,
    /// The member it concerns.
    pub member_name: Option<String>,
    /// The visit it belongs to.
    pub visit_id: Option<uuid::Uuid>,
    /// The workflow step it documents.
    pub event_id: Option<uuid::Uuid>,
}

/// Why a file was not attached. Nothing was saved.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// The file is not a usable picture or PDF.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// The store failed or the household does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What would be kept is too big.
    #[error("{name}：处理后仍有 {size} 字节，超过单个附件 {} MB 的上限；PDF 请用扫描软件降低分辨率后再导入", MAX_STORED_BYTES / 1024 / 1024)]
    TooLarge {
        /// File name.
        name: String,
        /// Bytes it would take.
        size: u64,
    },
    /// The household's attachments would take too much.
    #[error("户 {household} 的附件已占 {used} 字节，再加上 {name} 将超过每户 {} MB 的上限", MAX_HOUSEHOLD_BYTES / 1024 / 1024)]
    HouseholdFull {
        /// Household code.
        household: String,
        /// File name.
        name: String,
        /// Bytes already used.
        used: u64,
    },
    /// A member, visit or event named does not belong to the household.
    #[error("{0}")]
    BadLink(String),
}

/// For a PDF just attached: why its pages cannot be printed with the
/// dossier, if they cannot (a damaged, empty or encrypted file). The file is
/// kept — the paper may still be read on screen — and the caseworker is told
/// to scan it again.
pub fn pdf_warning(store: &Store, a: &Attachment) -> Result<Option<String>, StoreError> {
    if a.is_image() {
        return Ok(None);
    }
    let Some(bytes) = store.blob(&a.sha256)? else {
        return Ok(None);
    };
    Ok(crate::pdf::appendable_pages(&bytes).err().map(|why| {
        format!(
            "PDF“{}”的页面无法读取（{why}）：已保存，但打印档案时无法附上，请重新扫描或重新导出 PDF 后再添加",
            a.original_name
        )
    }))
}

/// Attaches the file at `path` to a household. Returns the attachment and
/// whether its bytes were new to the store (the same photo imported twice is
/// kept once).
pub fn attach_file(
    store: &mut Store,
    path: &Path,
    new: &NewAttachment,
    today: NaiveDate,
) -> Result<(Attachment, bool), AttachError> {
    let (household_id, household) = store.household(&new.household)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if let Some(member) = &new.member_name {
        if !household.members.iter().any(|m| &m.name == member) {
            return Err(AttachError::BadLink(format!(
                "户 {} 中没有名为“{member}”的成员",
                new.household
            )));
        }
    }
    if let Some(visit) = new.visit_id {
        if !store.visits(&household_id)?.iter().any(|v| v.id == visit) {
            return Err(AttachError::BadLink(format!(
                "户 {} 没有编号为 {visit} 的入户调查",
                new.household
            )));
        }
    }
    if let Some(event) = new.event_id {
        if !store.events(&household_id)?.iter().any(|e| e.id == event) {
            return Err(AttachError::BadLink(format!(
                "户 {} 没有编号为 {event} 的办理记录",
                new.household
            )));
        }
    }
    let input = media::read_input(path)?;
    let prepared = media::prepare(&input, &name)?;
    drop(input);
    let size = prepared.bytes.len() as u64;
    if size > MAX_STORED_BYTES {
        return Err(AttachError::TooLarge { name, size });
    }
    let used = store.attachment_bytes(&household_id)?;
    let already_here = store
        .attachments(&household_id)?
        .iter()
        .any(|a| a.sha256 == prepared.sha256);
    if !already_here && used + size > MAX_HOUSEHOLD_BYTES {
        return Err(AttachError::HouseholdFull {
            household: new.household.clone(),
            name,
            used,
        });
    }
    let attachment = Attachment {
        id: uuid::Uuid::now_v7(),
        household_id,
        member_name: new.member_name.clone(),
        visit_id: new.visit_id,
        event_id: new.event_id,
        kind: new.kind,
        caption: new.caption.trim().to_owned(),
        taken_on: new.taken_on,
        sha256: prepared.sha256.clone(),
        mime: prepared.kind.mime().to_owned(),
        size,
        width: prepared.width,
        height: prepared.height,
        original_name: name,
        added_on: today,
    };
    let fresh = store.write(|tx| {
        let fresh = tx.put_blob(&prepared.sha256, prepared.kind.mime(), &prepared.bytes)?;
        tx.save_attachment(&attachment)?;
        Ok::<_, StoreError>(fresh)
    })?;
    Ok((attachment, fresh))
}

/// Writes every attachment of a household into `dir` (created if needed),
/// each under [`Attachment::file_name`]; returns the files written.
pub fn export_all(store: &Store, household: &str, dir: &Path) -> Result<Vec<PathBuf>, AttachError> {
    let household_id = store.household_record_id(household)?;
    let list = store.attachments(&household_id)?;
    std::fs::create_dir_all(dir).map_err(|e| io_failure(dir, e))?;
    let mut written = Vec::with_capacity(list.len());
    for a in &list {
        let bytes = store
            .blob(&a.sha256)?
            .ok_or_else(|| StoreError::NotFound(format!("附件 {} 的内容", a.id)))?;
        let path = dir.join(a.file_name(household));
        crate::files::write_atomically(&path, &bytes, crate::files::Access::Normal)
            .map_err(|e| io_failure(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

fn io_failure(path: &Path, e: std::io::Error) -> AttachError {
    AttachError::Store(StoreError::Open {
        path: path.to_owned(),
        problem: e.to_string(),
    })
}
