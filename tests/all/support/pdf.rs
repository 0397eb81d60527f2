//! Helpers the PDF-reading tests share: poppler-utils, run as a user would,
//! and what they read back.
// Each test crate uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a poppler tool and returns its stdout; fails the test if it fails.
pub fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler output is UTF-8")
}

/// Writes `bytes` to `dir/name` and returns the path. Set `PDF_LAYOUT_KEEP`
/// to a directory to also keep a copy there for viewing.
pub fn write_pdf(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write pdf");
    if let Some(keep) = std::env::var_os("PDF_LAYOUT_KEEP") {
        std::fs::write(Path::new(&keep).join(name), bytes).expect("keep pdf");
    }
    path
}

/// A temporary path as the `&str` a command line takes.
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Text of the whole document (or of page `page`, from 1) in content-stream
/// order, so a table cell wrapped over lines stays together.
pub fn pdf_text(pdf: &Path, page: Option<usize>) -> String {
    match page {
        Some(n) => {
            let n = n.to_string();
            poppler(
                "pdftotext",
                &["-raw", "-f", &n, "-l", &n, path_str(pdf), "-"],
            )
        }
        None => poppler("pdftotext", &["-raw", path_str(pdf), "-"]),
    }
}

/// Removes all whitespace: pdftotext breaks lines where the PDF wraps them.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The number of pages `pdfinfo` reports.
pub fn page_count(pdf: &Path) -> usize {
    poppler("pdfinfo", &[path_str(pdf)])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("pdfinfo reports Pages:")
}
