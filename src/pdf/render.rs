//! Turning laid-out pages into `printpdf` operations and PDF bytes.
//!
//! Every text line is its own `BT … ET` object positioned with an absolute
//! `Td` (printpdf's `SetTextCursor` emits `Td`, which is *relative* to the
//! previous line start inside one text object, so sharing a text object
//! between lines would accumulate offsets).

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, Rect, TextItem, TextRenderingMode,
};

use super::font::Font;
use super::layout::{mm, Item, PageSetup, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use super::text::sanitize;
use super::PdfError;

/// Font size of the running header and footer (points).
const RUNNING_SIZE: f32 = 9.0;
/// Grey level of the running header and footer text.
const RUNNING_GREY: f32 = 0.3;
/// Stroke width of synthetic bold, as a fraction of the font size.
const BOLD_STROKE: f32 = 0.03;

/// Serialize `pages` (laid out under `setup`) into a PDF.
pub(crate) fn render(
    font: &Font,
    title: &str,
    setup: &PageSetup,
    pages: &[Vec<Item>],
) -> Result<Vec<u8>, PdfError> {
    let mut doc = PdfDocument::new(title);
    let font_id = doc.add_font(font.parsed());
    let total = pages.len();
    let mut pdf_pages = Vec::with_capacity(total);
    for (index, items) in pages.iter().enumerate() {
        let mut pen = Pen {
            ops: Vec::new(),
            font_id: &font_id,
            page_height: setup.page_height(),
            line_width: None,
        };
        for item in items {
            pen.item(item);
        }
        running_lines(&mut pen, font, setup, index + 1, total);
        pdf_pages.push(PdfPage::new(Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM), pen.ops));
    }

    let options = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let bytes = doc.with_pages(pdf_pages).save(&options, &mut warnings);
    let errors: Vec<String> = warnings
        .iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg.clone())
        .collect();
    if !errors.is_empty() {
        return Err(PdfError::Serialize(errors.join("; ")));
    }
    if bytes.is_empty() {
        return Err(PdfError::Serialize("printpdf produced no output".into()));
    }
    Ok(bytes)
}

/// Accumulates the operations of one page.
struct Pen<'a> {
    ops: Vec<Op>,
    font_id: &'a FontId,
    page_height: f32,
    /// Current stroke width, to avoid repeating `w` for every table border.
    line_width: Option<f32>,
}

impl Pen<'_> {
    fn point(&self, x: f32, y_from_top: f32) -> Point {
        Point {
            x: Pt(x),
            y: Pt(self.page_height - y_from_top),
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Text {
                x,
                baseline,
                size,
                bold,
                text,
            } => self.text(*x, *baseline, *size, *bold, text),
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                width,
            } => {
                if self.line_width != Some(*width) {
                    self.ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    self.line_width = Some(*width);
                }
                let points = vec![
                    LinePoint {
                        p: self.point(*x1, *y1),
                        bezier: false,
                    },
                    LinePoint {
                        p: self.point(*x2, *y2),
                        bezier: false,
                    },
                ];
                self.ops.push(Op::DrawLine {
                    line: Line {
                        points,
                        is_closed: false,
                    },
                });
            }
            Item::Fill { x, y, w, h, grey } => {
                self.fill_grey(*grey);
                self.ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(*x),
                        y: Pt(self.page_height - y - h),
                        width: Pt(*w),
                        height: Pt(*h),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
                self.fill_grey(0.0);
            }
        }
    }

    fn fill_grey(&mut self, grey: f32) {
        self.ops.push(Op::SetFillColor {
            col: Color::Greyscale(Greyscale::new(grey, None)),
        });
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        let pos = self.point(x, baseline);
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont {
            font: PdfFontHandle::External(self.font_id.clone()),
            size: Pt(size),
        });
        if bold {
            // Fill + stroke thickens the outlines: a synthetic bold.
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::FillStroke,
            });
            self.ops.push(Op::SetOutlineThickness {
                pt: Pt(size * BOLD_STROKE),
            });
            self.line_width = Some(size * BOLD_STROKE);
        }
        self.ops.push(Op::SetTextCursor { pos });
        self.ops.push(Op::ShowText {
            items: vec![TextItem::Text(text.to_owned())],
        });
        if bold {
            self.ops.push(Op::SetTextRenderingMode {
                mode: TextRenderingMode::Fill,
            });
        }
        self.ops.push(Op::EndTextSection);
    }
}

/// Replace `{page}` / `{pages}`; a running line is a single line.
fn substitute(template: &str, page: usize, pages: usize) -> String {
    sanitize(template)
        .replace('\n', " ")
        .replace("{page}", &page.to_string())
        .replace("{pages}", &pages.to_string())
}

/// `text`, shortened with `…` if wider than `max` points.
fn fit(font: &Font, text: &str, size: f32, max: f32) -> String {
    if font.text_width(text, size) <= max {
        return text.to_owned();
    }
    let mut s: String = text.to_owned();
    while !s.is_empty() && font.text_width(&s, size) + font.text_width("…", size) > max {
        s.pop();
    }
    s.push('…');
    s
}

/// Draw header and footer of page `page` (1-based) of `pages`.
fn running_lines(pen: &mut Pen<'_>, font: &Font, setup: &PageSetup, page: usize, pages: usize) {
    let left = setup.content_left();
    let width = setup.content_width();
    let asc = font.ascender_em() * RUNNING_SIZE;
    let desc = font.descender_em() * RUNNING_SIZE;
    let draw = |pen: &mut Pen<'_>, texts: &(String, String), baseline: f32, rule_y: f32| {
        let l = substitute(&texts.0, page, pages);
        let r = fit(
            font,
            &substitute(&texts.1, page, pages),
            RUNNING_SIZE,
            width,
        );
        let rw = font.text_width(&r, RUNNING_SIZE);
        let l = fit(font, &l, RUNNING_SIZE, (width - rw - mm(4.0)).max(0.0));
        pen.fill_grey(RUNNING_GREY);
        if !l.is_empty() {
            pen.text(left, baseline, RUNNING_SIZE, false, &l);
        }
        if !r.is_empty() {
            pen.text(left + width - rw, baseline, RUNNING_SIZE, false, &r);
        }
        pen.fill_grey(0.0);
        pen.item(&Item::Line {
            x1: left,
            y1: rule_y,
            x2: left + width,
            y2: rule_y,
            width: 0.4,
        });
    };
    if let Some(texts) = &setup.header {
        let rule_y = setup.content_top() - mm(3.0);
        draw(pen, texts, rule_y - 2.5 - desc, rule_y);
    }
    if let Some(texts) = &setup.footer {
        let rule_y = setup.content_bottom() + mm(3.0);
        draw(pen, texts, rule_y + 2.5 + asc, rule_y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_fitting() {
        assert_eq!(
            substitute("第 {page} 页 / 共 {pages} 页", 2, 7),
            "第 2 页 / 共 7 页"
        );
        assert_eq!(substitute("a\nb\tc", 1, 1), "a b c");
        let font = Font::embedded().unwrap();
        let long = "很长的标题".repeat(50);
        let short = fit(&font, &long, 9.0, 100.0);
        assert!(short.ends_with('…'));
        assert!(font.text_width(&short, 9.0) <= 100.0);
        assert_eq!(fit(&font, "短", 9.0, 100.0), "短");
    }
}
