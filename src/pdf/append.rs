//! Appending the pages of other PDFs (a scanned 申请书 kept as PDF) to a
//! document this module wrote, with lopdf (which printpdf writes with).
//!
//! The other PDFs come from a scanner and are untrusted: one that cannot be
//! read, is encrypted, has no pages, or makes the parser panic is reported
//! and left out, never stopping the document it was to be appended to.

use lopdf::{Object, ObjectId};

use super::error::PdfError;

/// Page attributes a page may inherit from its page-tree parents; they are
/// copied onto each appended page, which gets a new parent.
const INHERITED: &[&[u8]] = &[b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Deepest page tree followed (a loop in a hostile file ends here).
const MAX_TREE_DEPTH: usize = 64;

/// What [`append_pdfs`] did with one extra PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// All its pages were appended.
    Pages(usize),
    /// It was left out, and why (Chinese).
    Skipped(String),
}

/// Appends every page of each PDF in `extra` to `base`, in order. Returns the
/// new file and, for each extra PDF, what happened to it.
pub fn append_pdfs(base: &[u8], extra: &[&[u8]]) -> Result<(Vec<u8>, Vec<Appended>), PdfError> {
    let bad = |e: lopdf::Error| PdfError::Serialize(e.to_string());
    let mut doc = lopdf::Document::load_mem(base).map_err(bad)?;
    let pages_id = doc
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(bad)?;
    let mut outcome = Vec::with_capacity(extra.len());
    for bytes in extra {
        let mut other = match std::panic::catch_unwind(|| standalone_pages(bytes)) {
            Ok(Ok(other)) => other,
            Ok(Err(why)) => {
                outcome.push(Appended::Skipped(why));
                continue;
            }
            Err(_) => {
                outcome.push(Appended::Skipped("文件结构无法解析".into()));
                continue;
            }
        };
        other.renumber_objects_with(doc.max_id + 1);
        doc.max_id = other.max_id;
        let pages: Vec<ObjectId> = other.get_pages().into_values().collect();
        doc.objects.extend(other.objects);
        for page in &pages {
            if let Ok(dict) = doc.get_dictionary_mut(*page) {
                dict.set("Parent", Object::Reference(pages_id));
            }
        }
        let tree = doc.get_dictionary_mut(pages_id).map_err(bad)?;
        let kids = tree
            .get_mut(b"Kids")
            .and_then(Object::as_array_mut)
            .map_err(bad)?;
        kids.extend(pages.iter().map(|p| Object::Reference(*p)));
        let count = kids.len() as i64;
        tree.set("Count", count);
        outcome.push(Appended::Pages(pages.len()));
    }
    // The other files' catalogs and page trees are no longer referenced.
    doc.prune_objects();
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| PdfError::Serialize(e.to_string()))?;
    Ok((out, outcome))
}

/// The number of pages [`append_pdfs`] would take from `bytes`, or why it
/// would leave the file out.
pub fn appendable_pages(bytes: &[u8]) -> Result<usize, String> {
    match std::panic::catch_unwind(|| standalone_pages(bytes)) {
        Ok(Ok(doc)) => Ok(doc.get_pages().len()),
        Ok(Err(why)) => Err(why),
        Err(_) => Err("文件结构无法解析".into()),
    }
}

/// Reads an untrusted PDF and makes each page carry the attributes it
/// inherited, so it can be given a new parent.
fn standalone_pages(bytes: &[u8]) -> Result<lopdf::Document, String> {
    let mut doc = lopdf::Document::load_mem(bytes).map_err(|e| format!("无法读取（{e}）"))?;
    if doc.is_encrypted() {
        return Err("文件已加密".into());
    }
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err("没有页面".into());
    }
    for page in pages {
        let parent_of = |doc: &lopdf::Document, id: ObjectId| {
            doc.get_dictionary(id)
                .ok()
                .and_then(|d| d.get(b"Parent").ok())
                .and_then(|p| p.as_reference().ok())
        };
        // Nearest ancestor first, so its value wins.
        let mut found: Vec<(Vec<u8>, Object)> = Vec::new();
        let mut current = parent_of(&doc, page);
        for _ in 0..MAX_TREE_DEPTH {
            let Some(id) = current else { break };
            let Ok(parent) = doc.get_dictionary(id) else {
                break;
            };
            for key in INHERITED {
                if let Ok(value) = parent.get(key) {
                    found.push((key.to_vec(), value.clone()));
                }
            }
            current = parent_of(&doc, id);
        }
        let dict = doc
            .get_dictionary_mut(page)
            .map_err(|e| format!("页面无法读取（{e}）"))?;
        for (key, value) in found {
            if !dict.has(&key) {
                dict.set(key, value);
            }
        }
    }
    Ok(doc)
}
