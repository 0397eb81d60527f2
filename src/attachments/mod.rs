//! Attachments: photos and scanned papers in the household file (一户一档):
//! the house (住房照片), ID documents and the 户口簿 (证件), the signed
//! application (申请书), the village's review record (评议记录).
//!
//! What an attachment is ([`Attachment`], [`AttachmentKind`]), its limits,
//! and how a file becomes what the store keeps ([`media::prepare`]: photos
//! upright and re-encoded to a few hundred KB, PDFs as they are). Attaching
//! a file to a household and exporting a household's files, over the store,
//! are in [`crate::attach`].

pub mod media;
mod sniff;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::code_enum;

code_enum!(
    /// What an attachment shows.
    AttachmentKind {
        HousePhoto = "house_photo" / "住房照片",
        IdDocument = "id_document" / "证件",
        Application = "application" / "申请书",
        ReviewRecord = "review_record" / "评议记录",
        Other = "other" / "其他",
    }
);

impl AttachmentKind {
    /// Photos go into the dossier's sections; the rest are listed as scans.
    pub fn is_scan(self) -> bool {
        !matches!(self, AttachmentKind::HousePhoto | AttachmentKind::Other)
    }
}

/// Largest file kept (after re-encoding; a PDF is kept as it is).
pub const MAX_STORED_BYTES: u64 = 12 * 1024 * 1024;

/// Most bytes of attachments one household may hold.
pub const MAX_HOUSEHOLD_BYTES: u64 = 100 * 1024 * 1024;

/// One attachment: what it is and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Record id (UUID v7).
    pub id: uuid::Uuid,
    /// Record id of the household.
    pub household_id: String,
    /// The member it concerns, by name (a 残疾人证, an ID card).
    pub member_name: Option<String>,
    /// The visit it was taken on.
    pub visit_id: Option<uuid::Uuid>,
    /// The workflow step it documents (a 民主评议 record).
    pub event_id: Option<uuid::Uuid>,
    /// What it shows.
    pub kind: AttachmentKind,
    /// The caseworker's caption.
    pub caption: String,
    /// When the photo was taken or the paper signed.
    pub taken_on: Option<NaiveDate>,
    /// SHA-256 of the stored bytes (lowercase hex).
    pub sha256: String,
    /// `image/jpeg` or `application/pdf`.
    pub mime: String,
    /// Stored size in bytes.
    pub size: u64,
    /// Picture width in pixels (photos only).
    pub width: Option<u32>,
    /// Picture height in pixels.
    pub height: Option<u32>,
    /// The imported file's name.
    pub original_name: String,
    /// When it was added.
    pub added_on: NaiveDate,
}

impl Attachment {
    /// Whether it is a picture (else a PDF).
    pub fn is_image(&self) -> bool {
        self.mime == media::MediaKind::Jpeg.mime()
    }

    /// A file name for exporting it: `<code>-<kind>-<date>-<hash prefix>.<ext>`.
    pub fn file_name(&self, household_code: &str) -> String {
        let ext = if self.is_image() { "jpg" } else { "pdf" };
        let date = self.taken_on.unwrap_or(self.added_on);
        crate::files::safe_file_name(&format!(
            "{household_code}-{}-{date}-{}.{ext}",
            self.kind.zh(),
            self.sha256.get(..8).unwrap_or(&self.sha256)
        ))
    }
}
