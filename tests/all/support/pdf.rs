//! Reading PDFs back with poppler-utils (`pdftotext`, `pdffonts`,
//! `pdfinfo`, `pdftoppm`), as a user's viewer would see them.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::p;

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

/// Writes `bytes` to `dir/name` and returns the path; see [`keep`].
pub fn write_pdf(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write pdf");
    keep(&path);
    path
}

/// Copies a printed paper into the folder `BANGFU_TEST_KEEP` names, when it
/// is set, for viewing.
pub fn keep(path: &Path) {
    if let Some(dir) = std::env::var_os("BANGFU_TEST_KEEP") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create BANGFU_TEST_KEEP");
        std::fs::copy(path, dir.join(path.file_name().expect("a file name"))).expect("keep a copy");
    }
}

/// Text of the whole document (or of page `page`, from 1) in content-stream
/// order, so a table cell wrapped over lines stays together.
pub fn pdf_text(pdf: &Path, page: Option<usize>) -> String {
    match page {
        Some(n) => {
            let n = n.to_string();
            poppler("pdftotext", &["-raw", "-f", &n, "-l", &n, p(pdf), "-"])
        }
        None => poppler("pdftotext", &["-raw", p(pdf), "-"]),
    }
}

/// Removes all whitespace: pdftotext breaks lines where the PDF wraps them.
pub fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The number of pages `pdfinfo` reports.
pub fn page_count(pdf: &Path) -> usize {
    poppler("pdfinfo", &[p(pdf)])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("pdfinfo reports Pages:")
}

/// The document has exactly one font, the CJK font, embedded and subset
/// (`ABCDEF+NotoSansCJKsc-…`) with a ToUnicode map.
#[track_caller]
pub fn assert_font_embedded_and_subset(pdf: &Path) {
    let fonts = poppler("pdffonts", &[p(pdf)]);
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(rows.len(), 1, "expected exactly one font:\n{fonts}");
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert!(cols.len() >= 6, "odd pdffonts row {:?}", rows[0]);
    let name = cols[0];
    let (prefix, base) = name
        .split_once('+')
        .unwrap_or_else(|| panic!("font {name} has no subset prefix:\n{fonts}"));
    assert!(
        prefix.len() == 6 && prefix.chars().all(|c| c.is_ascii_uppercase()),
        "font {name}: subset prefix must be six capital letters:\n{fonts}"
    );
    assert!(base.contains("NotoSansCJKsc"), "unexpected font {name}");
    // emb sub uni are the last five columns before "object ID".
    let n = cols.len();
    assert_eq!(
        &cols[n - 5..n - 2],
        &["yes", "yes", "yes"],
        "font {name} must be embedded, subset and have a ToUnicode map:\n{fonts}"
    );
}

/// A rendered page as 8-bit grey pixels.
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Reads a binary 8-bit PGM (P5), as `pdftoppm -gray` writes.
pub fn read_pgm(path: &Path) -> Gray {
    let bytes = std::fs::read(path).expect("read PGM");
    // "P5" WIDTH HEIGHT MAXVAL, whitespace-separated, then one whitespace byte.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P5", "{} is not a binary PGM", path.display());
    assert_eq!(fields[3], "255", "{}: 8-bit grey expected", path.display());
    let width: usize = fields[1].parse().expect("width");
    let height: usize = fields[2].parse().expect("height");
    let pixels = bytes[i + 1..].to_vec();
    assert_eq!(
        pixels.len(),
        width * height,
        "{}: short PGM",
        path.display()
    );
    Gray {
        width,
        height,
        pixels,
    }
}

/// Renders every page in grey at `dpi` into a folder of its own under
/// `scratch`; fails unless there is one image for each page `pdfinfo`
/// counts. The pages in order.
#[track_caller]
pub fn render_gray(pdf: &Path, scratch: &Path, dpi: u32) -> Vec<Gray> {
    let pages = page_count(pdf);
    let dir = scratch.join(format!(
        "render-{}",
        pdf.file_stem().expect("a file name").to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).expect("render folder");
    let prefix = dir.join("page");
    poppler(
        "pdftoppm",
        &["-r", &dpi.to_string(), "-gray", p(pdf), p(&prefix)],
    );
    let mut images: Vec<(usize, PathBuf)> = std::fs::read_dir(&dir)
        .expect("read render folder")
        .map(|e| e.expect("dir entry").path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_owned();
            let n = name
                .strip_prefix("page-")?
                .strip_suffix(".pgm")?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect();
    images.sort();
    let numbers: Vec<usize> = images.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        numbers,
        (1..=pages).collect::<Vec<_>>(),
        "pdftoppm must render every one of the {pages} pages of {}",
        pdf.display()
    );
    images.iter().map(|(_, path)| read_pgm(path)).collect()
}

/// One word as `pdftotext -bbox` reports it (PDF points, origin top left).
#[derive(Debug)]
pub struct WordBox {
    /// From 1.
    pub page: usize,
    pub page_width: f64,
    pub page_height: f64,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub text: String,
}

/// Every word of the document with its box, page by page.
pub fn word_boxes(pdf: &Path) -> Vec<WordBox> {
    let html = poppler("pdftotext", &["-bbox", p(pdf), "-"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = tag
            .find(&key)
            .unwrap_or_else(|| panic!("no {name} in {tag}"))
            + key.len();
        let end = start + tag[start..].find('"').expect("closing quote");
        tag[start..end].parse().expect("number")
    };
    let (mut page, mut page_width, mut page_height) = (0, 0.0, 0.0);
    let mut out = Vec::new();
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
            page_width = attr(line, "width");
            page_height = attr(line, "height");
        } else if line.starts_with("<word ") {
            let text_start = line.find('>').expect(">") + 1;
            let text_end = line.rfind("</word>").expect("</word>");
            out.push(WordBox {
                page,
                page_width,
                page_height,
                x0: attr(line, "xMin"),
                y0: attr(line, "yMin"),
                x1: attr(line, "xMax"),
                y1: attr(line, "yMax"),
                text: line[text_start..text_end].to_owned(),
            });
        }
    }
    out
}
