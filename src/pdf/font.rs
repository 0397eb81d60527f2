//! The embedded CJK font and glyph-width measurement.
//!
//! All layout decisions (wrapping, alignment, table cells) are based on the
//! advance widths in the font's `hmtx` table, looked up through its `cmap`.
//! That is exactly how `printpdf` encodes `TextItem::Text` (one glyph per
//! `char`, no shaping or kerning), so the measured width is the drawn width.

use std::sync::OnceLock;

use printpdf::ParsedFont;

use super::error::PdfError;

/// Noto Sans CJK SC Regular (SIL OFL 1.1, see `assets/fonts/OFL.txt`).
static EMBEDDED_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular.otf");

/// A parsed font face used both for measuring text and for embedding in the
/// PDF (only the glyphs actually used are embedded).
#[derive(Clone)]
pub struct Font {
    parsed: ParsedFont,
    units_per_em: f32,
    ascender: f32,
    descender: f32,
    notdef_advance: f32,
}

impl Font {
    /// The font compiled into the binary: Noto Sans CJK SC Regular, which
    /// covers all CJK Unified Ideographs (including Extension A), Latin
    /// letters, digits and CJK punctuation.
    ///
    /// The font is parsed once per process (a few tens of milliseconds) and
    /// cloned (cheap) on every later call.
    pub fn embedded() -> Result<Self, PdfError> {
        static PARSED: OnceLock<Result<Font, String>> = OnceLock::new();
        match PARSED.get_or_init(|| Self::from_bytes(EMBEDDED_FONT, 0).map_err(|e| e.to_string())) {
            Ok(font) => Ok(font.clone()),
            Err(e) => Err(PdfError::Font(e.clone())),
        }
    }

    /// Parse a TrueType/OpenType font. `index` selects the face inside a
    /// `.ttc`/`.otc` collection (use `0` for a single-face file).
    ///
    /// The font must map ASCII digits and Latin letters, or those characters
    /// will be drawn as empty boxes.
    pub fn from_bytes(bytes: &[u8], index: usize) -> Result<Self, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, index, &mut warnings).ok_or_else(|| {
            let detail: Vec<String> = warnings.iter().map(|w| format!("{w:?}")).collect();
            PdfError::Font(if detail.is_empty() {
                "not a supported TrueType/OpenType font".to_owned()
            } else {
                detail.join("; ")
            })
        })?;
        let metrics = parsed.pdf_font_metrics;
        if metrics.units_per_em == 0 {
            return Err(PdfError::Font("字体的 units_per_em 为 0".to_owned()));
        }
        let units_per_em = f32::from(metrics.units_per_em);
        let notdef_advance = f32::from(parsed.get_horizontal_advance(0)) / units_per_em;
        // Some fonts leave the hhea metrics at zero; fall back to typical
        // CJK proportions so lines still get a sensible height.
        let (ascender, descender) = if metrics.ascender > 0 {
            (
                f32::from(metrics.ascender) / units_per_em,
                f32::from(metrics.descender).abs() / units_per_em,
            )
        } else {
            (0.88, 0.12)
        };
        Ok(Self {
            parsed,
            units_per_em,
            ascender,
            descender,
            notdef_advance,
        })
    }

    /// Whether the font has a glyph for `c`. Characters without one are drawn
    /// as the font's "missing glyph" box.
    pub fn has_glyph(&self, c: char) -> bool {
        self.parsed.lookup_glyph_index(u32::from(c)).is_some()
    }

    /// The characters of `text` that the font cannot draw (deduplicated, in
    /// order of first appearance, control characters ignored). Use this to
    /// warn about rare characters before producing a document.
    pub fn missing_chars(&self, text: &str) -> Vec<char> {
        let mut missing = Vec::new();
        for c in text.chars() {
            if !c.is_control() && !self.has_glyph(c) && !missing.contains(&c) {
                missing.push(c);
            }
        }
        missing
    }

    /// Advance width of `c` in em (multiply by the font size in points).
    pub fn char_width_em(&self, c: char) -> f32 {
        match self.parsed.lookup_glyph_index(u32::from(c)) {
            Some(gid) => f32::from(self.parsed.get_horizontal_advance(gid)) / self.units_per_em,
            None => self.notdef_advance,
        }
    }

    /// Width of `text` in points when set at `size_pt`.
    pub fn text_width(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|c| self.char_width_em(c)).sum::<f32>() * size_pt
    }

    /// Height above the baseline of the tallest glyphs, in em.
    pub fn ascender_em(&self) -> f32 {
        self.ascender
    }

    /// Depth below the baseline of the deepest glyphs, in em (positive).
    pub fn descender_em(&self) -> f32 {
        self.descender
    }

    /// The underlying `printpdf` face, for embedding.
    pub(crate) fn parsed(&self) -> &ParsedFont {
        &self.parsed
    }
}

impl std::fmt::Debug for Font {
    // The parsed face holds megabytes of tables; show only the metrics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("units_per_em", &self.units_per_em)
            .field("ascender", &self.ascender)
            .field("descender", &self.descender)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_measures_cjk_and_digits() {
        let font = Font::embedded().unwrap();
        // CJK ideographs are full-width, digits are about half an em.
        assert!((font.char_width_em('中') - 1.0).abs() < 0.01);
        let digit = font.char_width_em('1');
        assert!(digit > 0.4 && digit < 0.7, "digit width {digit}");
        assert!((font.text_width("中文", 10.0) - 20.0).abs() < 0.2);
        assert!(font
            .missing_chars("34102419810412011X 张三 ，。")
            .is_empty());
        assert!(font.ascender_em() > 0.5 && font.descender_em() > 0.0);
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(matches!(
            Font::from_bytes(b"not a font", 0),
            Err(PdfError::Font(_))
        ));
    }
}
