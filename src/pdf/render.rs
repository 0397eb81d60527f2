//! Turning laid-out pages into `printpdf` operations and PDF bytes.
//!
//! Every text line is its own `BT … ET` object positioned with an absolute
//! `Td` (printpdf's `SetTextCursor` emits `Td`, which is *relative* to the
//! previous line start inside one text object, so sharing a text object
//! between lines would accumulate offsets).
//!
//! JPEG pictures become image XObjects whose stream is the JPEG file itself
//! with `/Filter /DCTDecode` (printpdf's own image path would decode and
//! re-encode pixels and needs its `jpeg` feature). Each is painted with
//! `q <matrix> cm /Im Do Q`, the matrix mapping the image's unit square onto
//! the laid-out box, turned per the EXIF orientation.

use std::collections::BTreeMap;

use printpdf::{
    Color, CurTransMat, DictItem, ExternalStream, ExternalXObject, FontId, Greyscale, Line,
    LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Point, Pt, Rect, TextItem, TextRenderingMode, XObjectId, XObjectTransform,
};

use super::error::PdfError;
use super::flow::Item;
use super::font::Font;
use super::image::{pdf_color, Jpeg};
use super::page::{mm, PageSetup, PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
use super::text::sanitize;

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
    images: &[Jpeg],
) -> Result<Vec<u8>, PdfError> {
    let mut doc = PdfDocument::new(title);
    let font_id = doc.add_font(font.parsed());
    // Embed each picture that is placed somewhere, once.
    let mut xobjects: Vec<Option<XObjectId>> = vec![None; images.len()];
    for item in pages.iter().flatten() {
        if let Item::Image { image, .. } = item {
            let (Some(slot), Some(jpeg)) = (xobjects.get_mut(*image), images.get(*image)) else {
                return Err(PdfError::Serialize(format!(
                    "版面引用了不存在的第 {image} 张图片"
                )));
            };
            if slot.is_none() {
                *slot = Some(doc.add_xobject(&jpeg_xobject(jpeg)));
            }
        }
    }
    let total = pages.len();
    let mut pdf_pages = Vec::with_capacity(total);
    for (index, items) in pages.iter().enumerate() {
        let mut pen = Pen {
            ops: Vec::new(),
            font_id: &font_id,
            page_height: setup.page_height(),
            line_width: None,
            images,
            xobjects: &xobjects,
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
        return Err(PdfError::Serialize("printpdf 没有输出任何内容".into()));
    }
    Ok(bytes)
}

/// An image XObject carrying the JPEG file unchanged (`DCTDecode`).
fn jpeg_xobject(jpeg: &Jpeg) -> ExternalXObject {
    let name = |s: &str| DictItem::Name(s.as_bytes().to_vec());
    let (space, decode) = pdf_color(jpeg.color);
    let mut dict = BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Image")),
        ("Width".to_owned(), DictItem::Int(i64::from(jpeg.width))),
        ("Height".to_owned(), DictItem::Int(i64::from(jpeg.height))),
        ("ColorSpace".to_owned(), name(space)),
        ("BitsPerComponent".to_owned(), DictItem::Int(8)),
        ("Filter".to_owned(), name("DCTDecode")),
    ]);
    if let Some(decode) = decode {
        dict.insert(
            "Decode".to_owned(),
            DictItem::Array(decode.iter().map(|v| DictItem::Real(*v)).collect()),
        );
    }
    ExternalXObject {
        stream: ExternalStream {
            dict,
            content: jpeg.bytes.to_vec(),
            // Already compressed; Flate over JPEG data only costs time.
            compress: false,
        },
        // No size: printpdf must not add its own pixel-size scaling.
        width: None,
        height: None,
        dpi: None,
    }
}

/// Accumulates the operations of one page.
struct Pen<'a> {
    ops: Vec<Op>,
    font_id: &'a FontId,
    page_height: f32,
    /// Current stroke width, to avoid repeating `w` for every table border.
    line_width: Option<f32>,
    images: &'a [Jpeg],
    /// The XObject of each image that is placed (by image index).
    xobjects: &'a [Option<XObjectId>],
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
            Item::Image { x, y, w, h, image } => {
                let jpeg = self.images.get(*image);
                let id = self.xobjects.get(*image).and_then(Option::as_ref);
                if let (Some(jpeg), Some(id)) = (jpeg, id) {
                    let matrix = jpeg.placement_matrix(*x, self.page_height - y - h, *w, *h);
                    self.ops.push(Op::SaveGraphicsState);
                    self.ops.push(Op::SetTransformationMatrix {
                        matrix: CurTransMat::Raw(matrix),
                    });
                    self.ops.push(Op::UseXobject {
                        id: id.clone(),
                        transform: XObjectTransform {
                            no_auto_scale: true,
                            ..XObjectTransform::default()
                        },
                    });
                    self.ops.push(Op::RestoreGraphicsState);
                }
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
