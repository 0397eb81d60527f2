//! A4 PDF documents in Simplified Chinese.
//!
//! `printpdf` only knows how to place a string at a point; it has no line
//! wrapping, tables or pagination (its HTML mode does, but wastes page space).
//! This module adds a small layout engine on top of it:
//!
//! * [`Document`] — A4 portrait builder: title, headings, wrapped paragraphs,
//!   key–value lines, rules, spacing, page breaks, keep-together groups,
//!   [`Table`]s and signature lines, with a running header and footer
//!   (`第 N 页 / 共 M 页`).
//! * [`Font`] — the embedded Noto Sans CJK SC face and its glyph advance
//!   widths, which all measuring uses, so text is never cut off or overlapping.
//! * [`Table`] / [`Column`] — tables whose header row repeats on every page,
//!   whose cells wrap, and whose rows never split across pages (unless a
//!   single row is taller than a page, in which case it is continued).
//! * JPEG pictures with captions — [`Document::image`],
//!   [`Document::photo_grid`] and [`Document::full_page_image`]. The JPEG
//!   bytes are embedded unchanged (`DCTDecode`), so a photo costs its file
//!   size, and EXIF orientation is honoured.
//!
//! The font is compiled into the binary (no dependency on installed fonts) and
//! subset on output, so a two-page document is a few tens of kilobytes.
//!
//! Lengths in the API are millimetres (`_mm`), font sizes are points (`_pt`).
//!
//! ```no_run
//! use bangfu::pdf::{Align, Column, Document, Table};
//!
//! # fn main() -> Result<(), bangfu::pdf::PdfError> {
//! let mut doc = Document::new("最低生活保障审批表")?;
//! doc.title("最低生活保障审批表");
//! doc.key_value("户主姓名", "张三");
//! doc.key_value("身份证号", "34102419810412011X");
//! doc.paragraph("经村民代表评议，该户家庭收入低于当地低保标准，同意纳入最低生活保障。");
//! let mut members = Table::new(vec![
//!     Column::fraction("姓名", 1.0),
//!     Column::fraction("关系", 1.0),
//!     Column::mm("月收入（元）", 30.0).align(Align::Right),
//! ]);
//! members.row(["张三", "户主", "1,200.00"]);
//! doc.table(members);
//! doc.signature_line(&["申请人（签字）", "日期"]);
//! let bytes = doc.to_bytes()?;
//! std::fs::write("out.pdf", bytes).ok();
//! # Ok(())
//! # }
//! ```

mod append;
mod document;
mod error;
mod flow;
mod font;
mod image;
mod page;
mod photo;
mod render;
mod table;
mod text;

pub use append::{append_pdfs, appendable_pages, Appended};
pub use document::Document;
pub use error::PdfError;
pub use font::Font;
pub use page::{Align, TextStyle, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
pub use table::{Column, ColumnWidth, Table};
