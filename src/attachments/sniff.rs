//! What a file is, from its first bytes (magic numbers), never from its
//! name: the kinds bangfu takes (JPEG, PNG, PDF) and, for the rest, a
//! sentence telling the caseworker what the file was found to be and what
//! to do with it.

/// What the first bytes say a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sniffed {
    Jpeg,
    Png,
    Pdf,
    /// Refused; what it looks like, for the message.
    Other(&'static str),
}

pub(super) const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Recognises a file by its magic number.
pub(super) fn sniff(bytes: &[u8]) -> Sniffed {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if bytes.is_empty() {
        Sniffed::Other("文件是空的（0 字节）")
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Jpeg
    } else if starts(PNG_SIGNATURE) {
        Sniffed::Png
    } else if starts(b"%PDF-") {
        Sniffed::Pdf
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Sniffed::Other("这是 GIF 图片")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Sniffed::Other("这是 WebP 图片，请先转存为 JPEG")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && is_heif_brand(&bytes[8..12]) {
        Sniffed::Other(
            "这是 HEIC 照片（苹果手机的默认格式），请先转存为 JPEG，或在手机“设置—相机—格式”中选“兼容性最佳”后重拍",
        )
    } else if starts(b"BM") {
        Sniffed::Other("这是 BMP 图片，请先转存为 JPEG 或 PNG")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Sniffed::Other("这是 TIFF 图片，请先转存为 JPEG、PNG 或 PDF")
    } else if starts(b"PK\x03\x04") {
        Sniffed::Other("这是压缩包或 Word/Excel 文档（.zip/.docx/.xlsx），请先另存为 PDF")
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Sniffed::Other("这是旧版 Word/Excel 文档（.doc/.xls），请先另存为 PDF")
    } else if looks_like_text(bytes) {
        Sniffed::Other("这是文本文件")
    } else {
        Sniffed::Other("无法识别的文件格式")
    }
}

/// HEIF/HEIC major brands (ISO base media file format).
fn is_heif_brand(brand: &[u8]) -> bool {
    matches!(
        brand,
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1"
    )
}

/// True if the first bytes are UTF-8 (or GBK-ish) text without control bytes.
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    !head
        .iter()
        .any(|&b| b < 0x09 || ((0x0E..0x20).contains(&b) && b != 0x1B))
}
