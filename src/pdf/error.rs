//! What can go wrong building a PDF, in words for the caseworker.

/// Errors from building or serializing a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The font bytes could not be parsed as an OpenType/TrueType face.
    #[error("无法解析字体：{0}")]
    Font(String),
    /// The requested geometry cannot be laid out (for example margins wider
    /// than the page, or fixed table columns wider than the text area).
    #[error("版面设置无效：{0}")]
    Layout(String),
    /// A table row has more cells than the table has columns.
    #[error("表格第 {row} 行（从 0 数起）有 {cells} 格，而表格只有 {columns} 列")]
    TableShape {
        /// Zero-based index of the offending row.
        row: usize,
        /// Number of cells in that row.
        cells: usize,
        /// Number of columns in the table.
        columns: usize,
    },
    /// `printpdf` reported an error while writing the file.
    #[error("无法写出 PDF：{0}")]
    Serialize(String),
    /// A picture cannot be used: the bytes are not a JPEG this module can
    /// embed (not a JPEG, truncated or damaged header, or an unusual
    /// encoding such as lossless or 12-bit JPEG). The message is Chinese,
    /// for the caseworker, and says which photo and what is wrong.
    #[error("图片无法放入 PDF：{0}")]
    Image(String),
}
