//! The page: A4 geometry, margins and the running header and footer,
//! alignment and text styles, and the checks that keep sizes sensible.
//!
//! Internally all lengths are points and `y` grows downwards from the top
//! edge of the page; the renderer flips to PDF coordinates.

use super::error::PdfError;

/// Width of an A4 page in millimetres.
pub const PAGE_WIDTH_MM: f32 = 210.0;
/// Height of an A4 page in millimetres.
pub const PAGE_HEIGHT_MM: f32 = 297.0;

const PT_PER_MM: f32 = 72.0 / 25.4;

/// Millimetres to points.
pub(crate) fn mm(v: f32) -> f32 {
    v * PT_PER_MM
}

/// Tolerance for comparing layout positions (points).
pub(crate) const EPS: f32 = 0.01;

/// Horizontal alignment of text within its line or table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush left (default).
    #[default]
    Left,
    /// Centred.
    Center,
    /// Flush right, e.g. for money columns.
    Right,
}

/// How a paragraph is set. Start from [`TextStyle::default`] (body text,
/// 10.5 pt = Chinese 五号) and adjust with the builder methods.
#[derive(Debug, Clone, PartialEq)]
pub struct TextStyle {
    /// Font size in points.
    pub size_pt: f32,
    /// Synthetic bold (the bundled font has no bold face; glyphs are
    /// filled and thinly stroked instead).
    pub bold: bool,
    /// Horizontal alignment of every line.
    pub align: Align,
    /// Indentation of the first line of each paragraph, in em (Chinese body
    /// text customarily uses 2).
    pub first_line_indent_em: f32,
    /// Distance between baselines as a multiple of the font size.
    pub line_height: f32,
    /// Extra space before the block (dropped at the top of a page), mm.
    pub space_before_mm: f32,
    /// Extra space after the block (dropped at the top of a page), mm.
    pub space_after_mm: f32,
}

impl Default for TextStyle {
    fn default() -> Self {
        Self {
            size_pt: 10.5,
            bold: false,
            align: Align::Left,
            first_line_indent_em: 0.0,
            line_height: 1.5,
            space_before_mm: 0.0,
            space_after_mm: 1.5,
        }
    }
}

impl TextStyle {
    /// Set the font size in points.
    pub fn size(mut self, size_pt: f32) -> Self {
        self.size_pt = size_pt;
        self
    }

    /// Set synthetic bold on or off.
    pub fn bold(mut self, bold: bool) -> Self {
        self.bold = bold;
        self
    }

    /// Set the alignment.
    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }

    /// Indent the first line of each paragraph by `em` font sizes.
    pub fn indent(mut self, em: f32) -> Self {
        self.first_line_indent_em = em;
        self
    }

    /// Set the space before and after the block, in millimetres.
    pub fn spacing_mm(mut self, before: f32, after: f32) -> Self {
        self.space_before_mm = before;
        self.space_after_mm = after;
        self
    }

    pub(crate) fn title() -> Self {
        Self::default()
            .size(18.0)
            .bold(true)
            .align(Align::Center)
            .spacing_mm(0.0, 4.0)
    }

    pub(crate) fn heading() -> Self {
        Self::default().size(13.0).bold(true).spacing_mm(3.0, 1.5)
    }
}

/// Page geometry and running header/footer, shared by layout and rendering.
#[derive(Debug, Clone)]
pub(crate) struct PageSetup {
    /// Top, right, bottom, left margins in points.
    pub margins: [f32; 4],
    /// Header `(left, right)` texts; `{page}` and `{pages}` are substituted.
    pub header: Option<(String, String)>,
    /// Footer `(left, right)` texts; `{page}` and `{pages}` are substituted.
    pub footer: Option<(String, String)>,
}

impl PageSetup {
    pub fn page_width(&self) -> f32 {
        mm(PAGE_WIDTH_MM)
    }

    pub fn page_height(&self) -> f32 {
        mm(PAGE_HEIGHT_MM)
    }

    pub fn content_left(&self) -> f32 {
        self.margins[3]
    }

    pub fn content_width(&self) -> f32 {
        self.page_width() - self.margins[1] - self.margins[3]
    }

    pub fn content_top(&self) -> f32 {
        self.margins[0]
    }

    pub fn content_bottom(&self) -> f32 {
        self.page_height() - self.margins[2]
    }
}

/// Reject sizes that would make the layout meaningless (zero, negative,
/// NaN or absurdly large).
pub(crate) fn check_size(size_pt: f32) -> Result<(), PdfError> {
    if size_pt.is_finite() && size_pt > 0.0 && size_pt <= 200.0 {
        Ok(())
    } else {
        Err(PdfError::Layout(format!(
            "字号 {size_pt} 磅不在 0–200 磅之间"
        )))
    }
}

pub(crate) fn check_style(style: &TextStyle) -> Result<(), PdfError> {
    check_size(style.size_pt)?;
    let ok = |v: f32, max: f32| v.is_finite() && (0.0..=max).contains(&v);
    let valid = ok(style.line_height, 10.0)
        && style.line_height > 0.0
        && ok(style.first_line_indent_em, 100.0)
        && ok(style.space_before_mm, 300.0)
        && ok(style.space_after_mm, 300.0);
    if !valid {
        return Err(PdfError::Layout(format!(
            "文字样式无效（字号 {} 磅、行距 {}、首行缩进 {} 字、段前 {} 毫米、段后 {} 毫米）",
            style.size_pt,
            style.line_height,
            style.first_line_indent_em,
            style.space_before_mm,
            style.space_after_mm
        )));
    }
    Ok(())
}
