//! The [`Document`] builder: it records content blocks; [`Document::to_bytes`]
//! then lays them out top to bottom ([`flow`](super::flow), with tables and
//! pictures in their own modules), and finally draws the running header and
//! footer, now that the total page count is known.

use super::error::PdfError;
use super::flow::{Item, Layouter};
use super::font::Font;
use super::image::{Jpeg, Picture};
use super::page::{check_style, mm, PageSetup, TextStyle};
use super::photo;
use super::render;
use super::table::{layout_table, Table};
use super::text::sanitize;

/// One piece of recorded content.
#[derive(Debug, Clone)]
enum Block {
    Text {
        text: String,
        style: TextStyle,
        keep_with_next: bool,
    },
    KeyValue {
        key: String,
        value: String,
    },
    Rule,
    Space(f32),
    PageBreak,
    Group(Vec<Block>),
    Table(Table),
    Signature(Vec<String>),
    /// Box sizes in points.
    Image {
        picture: Picture,
        caption: String,
        max_w: f32,
        max_h: f32,
    },
    /// Picture box height in points.
    PhotoGrid {
        photos: Vec<(Picture, String)>,
        columns: usize,
        photo_h: f32,
    },
    FullPageImage {
        picture: Picture,
        caption: String,
    },
}

/// A4 portrait document builder.
///
/// Content methods append in reading order and return `&mut Self` so calls
/// can be chained. Nothing is laid out until [`Document::to_bytes`] (or
/// [`Document::page_count`]).
///
/// Defaults: margins 20 mm top/bottom and 18 mm left/right; header shows the
/// document title on the left; footer shows `第 N 页 / 共 M 页` on the right;
/// body text 10.5 pt.
#[derive(Debug, Clone)]
pub struct Document {
    font: Font,
    title: String,
    setup: PageSetup,
    body: TextStyle,
    key_width_mm: f32,
    blocks: Vec<Block>,
    /// Every JPEG added, in order; pictures refer to them by index.
    images: Vec<Jpeg>,
}

impl Document {
    /// A new, empty document using the embedded font. `title` goes into the
    /// PDF metadata and the default page header.
    pub fn new(title: impl Into<String>) -> Result<Self, PdfError> {
        Ok(Self::with_font(title, Font::embedded()?))
    }

    /// A new, empty document using `font` (e.g. a [`Font`] parsed once and
    /// cloned for many documents).
    pub fn with_font(title: impl Into<String>, font: Font) -> Self {
        let title = title.into();
        Self {
            font,
            setup: PageSetup {
                margins: [mm(20.0), mm(18.0), mm(20.0), mm(18.0)],
                header: Some((title.clone(), String::new())),
                footer: Some((String::new(), "第 {page} 页 / 共 {pages} 页".to_owned())),
            },
            title,
            body: TextStyle::default(),
            key_width_mm: 32.0,
            blocks: Vec::new(),
            images: Vec::new(),
        }
    }

    /// The font used for measuring and drawing.
    pub fn font(&self) -> &Font {
        &self.font
    }

    /// Set the page margins in millimetres. The header and footer are drawn
    /// inside the top and bottom margins, so keep those at least ~12 mm.
    pub fn margins_mm(&mut self, top: f32, right: f32, bottom: f32, left: f32) -> &mut Self {
        self.setup.margins = [mm(top), mm(right), mm(bottom), mm(left)];
        self
    }

    /// Set the running header: `left` and `right` texts on one line above
    /// the content, separated from it by a thin rule. `{page}` and `{pages}`
    /// are replaced by the page number and the page count. A text too long
    /// for the line is shortened with `…`.
    pub fn header(&mut self, left: impl Into<String>, right: impl Into<String>) -> &mut Self {
        self.setup.header = Some((left.into(), right.into()));
        self
    }

    /// Set the running footer (same rules as [`Document::header`]), e.g.
    /// `doc.footer("某某村村民委员会", "第 {page} 页 / 共 {pages} 页")`.
    pub fn footer(&mut self, left: impl Into<String>, right: impl Into<String>) -> &mut Self {
        self.setup.footer = Some((left.into(), right.into()));
        self
    }

    /// Remove the running header.
    pub fn no_header(&mut self) -> &mut Self {
        self.setup.header = None;
        self
    }

    /// Remove the running footer.
    pub fn no_footer(&mut self) -> &mut Self {
        self.setup.footer = None;
        self
    }

    /// Set the body text style used by [`Document::paragraph`],
    /// [`Document::key_value`], [`Document::signature_line`] and as the
    /// default table font size.
    pub fn body_style(&mut self, style: TextStyle) -> &mut Self {
        self.body = style;
        self
    }

    /// Set the width of the key column of [`Document::key_value`] lines.
    pub fn key_width_mm(&mut self, width: f32) -> &mut Self {
        self.key_width_mm = width;
        self
    }

    /// A centred, large, bold document title. It is kept on the same page as
    /// the start of the following content.
    pub fn title(&mut self, text: impl Into<String>) -> &mut Self {
        self.push_text(text.into(), TextStyle::title(), true)
    }

    /// A bold section heading, kept on the same page as the start of the
    /// following content.
    pub fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.push_text(text.into(), TextStyle::heading(), true)
    }

    /// A paragraph of body text, wrapped to the text width. `\n` starts a new
    /// line. Long paragraphs continue on the next page.
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        let style = self.body.clone();
        self.push_text(text.into(), style, false)
    }

    /// A bold label that stays on the same page as the block after it (a
    /// caption over a table or a row of photos).
    pub fn label(&mut self, text: impl Into<String>) -> &mut Self {
        self.push_text(text.into(), TextStyle::default().bold(true), true)
    }

    /// A paragraph with an explicit style.
    pub fn paragraph_styled(&mut self, text: impl Into<String>, style: TextStyle) -> &mut Self {
        self.push_text(text.into(), style, false)
    }

    /// A `key  value` line: the key in a fixed-width column (see
    /// [`Document::key_width_mm`]), the value wrapping in the rest of the
    /// line. The key is drawn exactly as given (add `：` yourself if wanted).
    pub fn key_value(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::KeyValue {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// A thin horizontal rule across the text width.
    pub fn rule(&mut self) -> &mut Self {
        self.blocks.push(Block::Rule);
        self
    }

    /// Vertical space in millimetres (dropped at the top of a page).
    pub fn space_mm(&mut self, height: f32) -> &mut Self {
        self.blocks.push(Block::Space(mm(height.max(0.0))));
        self
    }

    /// Continue on a new page. Ignored when the current page is still
    /// empty, so it never produces a blank page.
    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// Keep everything added inside `build` on one page: if it does not fit
    /// on the rest of the current page it starts on a new one. Content taller
    /// than a whole page flows across pages as usual.
    ///
    /// ```no_run
    /// # let mut doc = bangfu::pdf::Document::new("t").unwrap();
    /// doc.keep_together(|d| {
    ///     d.heading("审批意见");
    ///     d.paragraph("同意。");
    ///     d.signature_line(&["审批人", "日期"]);
    /// });
    /// ```
    pub fn keep_together(&mut self, build: impl FnOnce(&mut Self)) -> &mut Self {
        let start = self.blocks.len();
        build(self);
        let group: Vec<Block> = self.blocks.drain(start..).collect();
        self.blocks.push(Block::Group(group));
        self
    }

    /// A table (see [`Table`]).
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// A row of signature fields: the text width is divided equally between
    /// the `labels`, each drawn as `label ________` with room above the line
    /// for a handwritten signature, e.g.
    /// `doc.signature_line(&["申请人（签字）", "日期"])`.
    pub fn signature_line(&mut self, labels: &[&str]) -> &mut Self {
        self.blocks.push(Block::Signature(
            labels.iter().map(|s| (*s).to_owned()).collect(),
        ));
        self
    }

    /// A JPEG picture with its caption under it (smaller type, wrapped).
    ///
    /// The picture is scaled up or down to fit `max_width_mm × max_height_mm`
    /// (and the text width and page height), keeping its aspect ratio and
    /// EXIF orientation, and is left-aligned. Picture and caption move to the
    /// next page together when they do not fit. The JPEG is embedded as it
    /// is, without re-encoding. An empty caption is allowed.
    ///
    /// Fails with [`PdfError::Image`] when the JPEG header cannot be read,
    /// and with [`PdfError::Layout`] when a box size is not a positive
    /// number; nothing is added then.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), bangfu::pdf::PdfError> {
    /// # let mut doc = bangfu::pdf::Document::new("t")?;
    /// let photo = std::fs::read("kitchen.jpg").unwrap_or_default();
    /// doc.heading("入户照片");
    /// doc.image(&photo, "厨房：灶台与水缸，2026 年 3 月 5 日", 120.0, 90.0)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn image(
        &mut self,
        jpeg: &[u8],
        caption: impl Into<String>,
        max_width_mm: f32,
        max_height_mm: f32,
    ) -> Result<&mut Self, PdfError> {
        check_box("图片框", max_width_mm)?;
        check_box("图片框", max_height_mm)?;
        let caption = caption.into();
        let picture = self.add_jpeg(jpeg, &describe_photo(None, &caption))?;
        self.blocks.push(Block::Image {
            picture,
            caption,
            max_w: mm(max_width_mm),
            max_h: mm(max_height_mm),
        });
        Ok(self)
    }

    /// Captioned JPEG photos side by side, `columns` to a row (2 suits
    /// phone photos of a home visit).
    ///
    /// The text width is divided into equal cells; each photo is fitted into
    /// its cell's width and `photo_height_mm`, centred, with its caption
    /// (smaller type, wrapped to the cell) centred under it. Photos in a row
    /// share a bottom line. A row is never split: when it does not fit, it
    /// starts the next page. Each photo is embedded once, as it is.
    ///
    /// Fails with [`PdfError::Image`] naming the first photo (by position and
    /// caption) whose JPEG header cannot be read, and with
    /// [`PdfError::Layout`] for a non-positive height; nothing is added then.
    /// `columns` of 0, or so many that a cell is narrower than 15 mm, make
    /// [`Document::to_bytes`] fail with [`PdfError::Layout`].
    ///
    /// ```no_run
    /// # fn main() -> Result<(), bangfu::pdf::PdfError> {
    /// # let mut doc = bangfu::pdf::Document::new("t")?;
    /// let photos: Vec<(Vec<u8>, String)> = Vec::new(); // (JPEG bytes, caption)
    /// doc.heading("入户调查照片");
    /// doc.photo_grid(&photos, 2, 60.0)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn photo_grid<B, S>(
        &mut self,
        photos: &[(B, S)],
        columns: usize,
        photo_height_mm: f32,
    ) -> Result<&mut Self, PdfError>
    where
        B: AsRef<[u8]>,
        S: AsRef<str>,
    {
        check_box("照片框", photo_height_mm)?;
        let first_new = self.images.len();
        let mut placed = Vec::with_capacity(photos.len());
        for (i, (jpeg, caption)) in photos.iter().enumerate() {
            let caption = caption.as_ref();
            match self.add_jpeg(jpeg.as_ref(), &describe_photo(Some(i + 1), caption)) {
                Ok(picture) => placed.push((picture, caption.to_owned())),
                Err(e) => {
                    self.images.truncate(first_new);
                    return Err(e);
                }
            }
        }
        self.blocks.push(Block::PhotoGrid {
            photos: placed,
            columns,
            photo_h: mm(photo_height_mm),
        });
        Ok(self)
    }

    /// A scanned document (户口簿, 残疾人证, …) on a page of its own: starts
    /// a new page, fits the JPEG to the whole content area (keeping its
    /// aspect ratio and EXIF orientation, centred) with its caption centred
    /// under it; whatever follows starts on a new page. A heading or title
    /// just before it stays with it on the scan's page (the scan shrinks to
    /// make room).
    ///
    /// Fails with [`PdfError::Image`] when the JPEG header cannot be read;
    /// nothing is added then.
    pub fn full_page_image(
        &mut self,
        jpeg: &[u8],
        caption: impl Into<String>,
    ) -> Result<&mut Self, PdfError> {
        let caption = caption.into();
        let picture = self.add_jpeg(jpeg, &describe_photo(None, &caption))?;
        self.blocks.push(Block::FullPageImage { picture, caption });
        Ok(self)
    }

    /// Characters used in the document that the font cannot draw (they
    /// would appear as empty boxes). Empty for well-formed Chinese text.
    pub fn missing_chars(&self) -> Vec<char> {
        let mut all = String::new();
        collect_text(&self.blocks, &mut all);
        if let Some((l, r)) = &self.setup.header {
            all.push_str(l);
            all.push_str(r);
        }
        if let Some((l, r)) = &self.setup.footer {
            all.push_str(l);
            all.push_str(r);
        }
        all.push_str(&self.title);
        self.font.missing_chars(&all)
    }

    /// Lay the document out and return the number of pages it will have.
    pub fn page_count(&self) -> Result<usize, PdfError> {
        Ok(self.layout()?.len())
    }

    /// Lay out and serialize the document. The font is embedded as a subset
    /// containing only the glyphs used.
    pub fn to_bytes(self) -> Result<Vec<u8>, PdfError> {
        let pages = self.layout()?;
        render::render(&self.font, &self.title, &self.setup, &pages, &self.images)
    }

    /// Read a JPEG's header and keep it; `what` names the picture in the
    /// error message.
    fn add_jpeg(&mut self, jpeg: &[u8], what: &str) -> Result<Picture, PdfError> {
        let parsed = Jpeg::parse(jpeg).map_err(|e| PdfError::Image(format!("{what}：{e}")))?;
        let picture = Picture::new(self.images.len(), &parsed);
        self.images.push(parsed);
        Ok(picture)
    }

    fn push_text(&mut self, text: String, style: TextStyle, keep_with_next: bool) -> &mut Self {
        self.blocks.push(Block::Text {
            text,
            style,
            keep_with_next,
        });
        self
    }

    fn layout(&self) -> Result<Vec<Vec<Item>>, PdfError> {
        let s = &self.setup;
        if s.margins.iter().any(|m| !m.is_finite() || *m < 0.0) {
            return Err(PdfError::Layout("页边距不能为负数".into()));
        }
        if s.content_width() < mm(30.0) || s.content_bottom() - s.content_top() < mm(40.0) {
            return Err(PdfError::Layout(
                "页边距太宽，正文区域不足 30 毫米 × 40 毫米".into(),
            ));
        }
        if !self.key_width_mm.is_finite() || self.key_width_mm <= 0.0 {
            return Err(PdfError::Layout("栏目名称的宽度必须大于 0".into()));
        }
        check_style(&self.body)?;
        check_blocks(&self.blocks)?;
        let mut l = Layouter::new(&self.font, s, &self.body, mm(self.key_width_mm));
        lay_out(&mut l, &self.blocks)?;
        Ok(l.pages)
    }
}

/// Reject a picture box size that is not a positive number of millimetres.
fn check_box(what: &str, size_mm: f32) -> Result<(), PdfError> {
    if size_mm.is_finite() && size_mm > 0.0 {
        Ok(())
    } else {
        Err(PdfError::Layout(format!(
            "{what}的尺寸 {size_mm} 毫米必须大于 0"
        )))
    }
}

/// How a picture is named in error messages: `第 3 张照片（厨房）`.
fn describe_photo(position: Option<usize>, caption: &str) -> String {
    let caption: String = sanitize(caption)
        .replace('\n', " ")
        .chars()
        .take(30)
        .collect();
    let caption = caption.trim();
    match (position, caption.is_empty()) {
        (Some(n), true) => format!("第 {n} 张照片"),
        (Some(n), false) => format!("第 {n} 张照片（{caption}）"),
        (None, true) => "图片".to_owned(),
        (None, false) => format!("图片（{caption}）"),
    }
}

fn check_blocks(blocks: &[Block]) -> Result<(), PdfError> {
    for b in blocks {
        match b {
            Block::Text { style, .. } => check_style(style)?,
            Block::Group(inner) => check_blocks(inner)?,
            _ => {}
        }
    }
    Ok(())
}

fn collect_text(blocks: &[Block], out: &mut String) {
    for b in blocks {
        match b {
            Block::Text { text, .. } => out.push_str(text),
            Block::KeyValue { key, value } => {
                out.push_str(key);
                out.push_str(value);
            }
            Block::Group(inner) => collect_text(inner, out),
            Block::Table(t) => t.collect_text(out),
            Block::Signature(labels) => labels.iter().for_each(|s| out.push_str(s)),
            Block::Image { caption, .. } | Block::FullPageImage { caption, .. } => {
                out.push_str(caption);
            }
            Block::PhotoGrid { photos, .. } => photos.iter().for_each(|(_, c)| out.push_str(c)),
            Block::Rule | Block::Space(_) | Block::PageBreak => {}
        }
    }
}

/// Lays `blocks` out in reading order.
fn lay_out(l: &mut Layouter<'_>, blocks: &[Block]) -> Result<(), PdfError> {
    for (i, b) in blocks.iter().enumerate() {
        block(l, b, blocks.get(i + 1))?;
    }
    Ok(())
}

/// Lays out one block; `next` is the block after it (for keep-with-next).
fn block(l: &mut Layouter<'_>, b: &Block, next: Option<&Block>) -> Result<(), PdfError> {
    match b {
        Block::Text {
            text,
            style,
            keep_with_next,
        } => {
            // A heading at the end of the document has nothing to keep with.
            let keep = next.filter(|_| *keep_with_next);
            let need = keep.map(|n| first_piece_height(l, n));
            l.text_block(text, style, need);
            l.share_with_scan = matches!(keep, Some(Block::FullPageImage { .. }));
        }
        Block::KeyValue { key, value } => l.key_value(key, value),
        Block::Rule => {
            l.gap(mm(1.5));
            l.ensure(1.0);
            let (x, y) = (l.left, l.y);
            l.hline(x, x + l.width, y, 0.6);
            l.y += 1.0;
            l.gap(mm(1.5));
        }
        Block::Space(h) => l.gap(*h),
        Block::PageBreak => {
            if !l.at_page_top() {
                l.new_page();
            }
        }
        Block::Group(inner) => {
            let mark = l.mark();
            let was_top = l.at_page_top();
            lay_out(l, inner)?;
            if l.pages.len() > mark.pages && !was_top {
                l.reset(&mark);
                l.new_page();
                lay_out(l, inner)?;
            }
        }
        Block::Table(t) => layout_table(l, t)?,
        Block::Signature(labels) => l.signature(labels),
        Block::Image {
            picture,
            caption,
            max_w,
            max_h,
        } => photo::layout_single(l, picture, caption, *max_w, *max_h),
        Block::PhotoGrid {
            photos,
            columns,
            photo_h,
        } => photo::layout_grid(l, photos, *columns, *photo_h)?,
        Block::FullPageImage { picture, caption } => {
            let share = std::mem::take(&mut l.share_with_scan);
            photo::layout_full_page(l, picture, caption, share);
        }
    }
    Ok(())
}

/// How much of `next` a heading kept with it must have on its page:
/// the first unbreakable piece of a picture block, the whole page for a
/// full-page scan, two body lines otherwise.
fn first_piece_height(l: &Layouter<'_>, next: &Block) -> f32 {
    let two_lines = 2.0 * l.body.size_pt * l.body.line_height;
    match next {
        Block::Image {
            picture,
            caption,
            max_w,
            max_h,
        } => photo::single_height(l, picture, caption, *max_w, *max_h),
        Block::PhotoGrid {
            photos,
            columns,
            photo_h,
        } => photo::grid_first_row_height(l, photos, *columns, *photo_h).unwrap_or(two_lines),
        Block::FullPageImage { .. } => l.page_body_height(),
        _ => two_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::super::page::EPS;
    use super::*;

    fn texts(page: &[Item]) -> Vec<&str> {
        page.iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn page_break_is_not_doubled_and_groups_move_whole() {
        let mut doc = Document::new("t").unwrap();
        doc.page_break(); // at top: ignored
        doc.paragraph("第一页");
        doc.page_break();
        doc.page_break(); // already at top: ignored
        doc.paragraph("第二页");
        // Leaves ~28 mm: room for the heading (+2 lines), not for the group.
        doc.space_mm(222.0);
        let mut split = doc.clone();
        let opinion = |d: &mut Document| {
            d.heading("意见");
            d.paragraph("同意");
            d.signature_line(&["审批人", "日期"]);
        };
        doc.keep_together(opinion);
        opinion(&mut split);

        let pages = doc.layout().unwrap();
        assert_eq!(pages.len(), 3);
        assert_eq!(texts(&pages[0]), vec!["第一页"]);
        assert_eq!(texts(&pages[1]), vec!["第二页"]);
        // The group starts a page of its own and is not split.
        assert_eq!(texts(&pages[2]), vec!["意见", "同意", "审批人", "日期"]);

        // Without keep_together the heading stays on page 2.
        let pages = split.layout().unwrap();
        assert_eq!(pages.len(), 3);
        assert!(texts(&pages[1]).contains(&"意见"));
    }

    #[test]
    fn text_stays_inside_the_content_box() {
        let mut doc = Document::new("t").unwrap();
        let long = "社会救助是保障困难群众基本生活的托底性制度安排。".repeat(200);
        doc.paragraph_styled(long.clone(), TextStyle::default().indent(2.0));
        doc.key_value("家庭住址", "某某省某某市某某县某某乡某某村".repeat(10));
        let pages = doc.layout().unwrap();
        assert!(pages.len() >= 3);
        let s = &doc.setup;
        let mut joined = String::new();
        for page in &pages {
            for item in page {
                if let Item::Text {
                    x,
                    baseline,
                    size,
                    text,
                    ..
                } = item
                {
                    let w = doc.font.text_width(text, *size);
                    assert!(*x >= s.content_left() - EPS);
                    assert!(
                        x + w <= s.content_left() + s.content_width() + 0.05,
                        "{text}"
                    );
                    assert!(*baseline > s.content_top() && *baseline < s.content_bottom());
                    joined.push_str(text);
                }
            }
        }
        assert!(joined.starts_with(&long));
    }

    /// The header of a baseline RGB JPEG of `w × h` pixels (enough for
    /// layout, which never decodes pictures).
    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0xFF, 0xD9]);
        v
    }

    /// `(page, x, y, w, h)` of every picture.
    fn pictures(pages: &[Vec<Item>]) -> Vec<(usize, f32, f32, f32, f32)> {
        let mut out = Vec::new();
        for (p, page) in pages.iter().enumerate() {
            for item in page {
                if let Item::Image { x, y, w, h, .. } = item {
                    out.push((p, *x, *y, *w, *h));
                }
            }
        }
        out
    }

    fn assert_inside(doc: &Document, pics: &[(usize, f32, f32, f32, f32)]) {
        let s = &doc.setup;
        for &(p, x, y, w, h) in pics {
            assert!(x >= s.content_left() - EPS, "page {p}: x {x}");
            assert!(x + w <= s.content_left() + s.content_width() + EPS);
            assert!(y >= s.content_top() - EPS, "page {p}: y {y}");
            assert!(
                y + h <= s.content_bottom() + EPS,
                "page {p}: bottom {}",
                y + h
            );
        }
    }

    #[test]
    fn a_picture_moves_with_its_caption_and_heading() {
        let mut doc = Document::new("t").unwrap();
        doc.paragraph("前文");
        // Leaves ~60 mm: not enough for a 90 mm picture.
        doc.space_mm(185.0);
        doc.heading("入户照片");
        doc.image(&jpeg(400, 300), "厨房", 120.0, 90.0).unwrap();
        doc.paragraph("后文");
        let pages = doc.layout().unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(texts(&pages[0]), vec!["前文"]);
        assert_eq!(texts(&pages[1]), vec!["入户照片", "厨房", "后文"]);
        let pics = pictures(&pages);
        assert_eq!(pics.len(), 1);
        let (p, x, _, w, h) = pics[0];
        assert_eq!(p, 1);
        assert!((x - doc.setup.content_left()).abs() < EPS);
        assert!((w - mm(120.0)).abs() < 0.01 && (h - mm(90.0)).abs() < 0.01);
        assert_inside(&doc, &pics);
    }

    #[test]
    fn photo_grid_rows_are_never_split() {
        let mut doc = Document::new("t").unwrap();
        doc.heading("照片");
        let shapes = [(400, 300), (300, 400), (1000, 100), (100, 1000), (640, 480)];
        let photos: Vec<(Vec<u8>, String)> = (0..11)
            .map(|i| {
                let (w, h) = shapes[i % shapes.len()];
                (jpeg(w, h), format!("照片{i:02}"))
            })
            .collect();
        doc.photo_grid(&photos, 3, 70.0).unwrap();
        let pages = doc.layout().unwrap();
        let pics = pictures(&pages);
        assert_eq!(pics.len(), 11);
        assert!(pages.len() >= 2);
        assert_inside(&doc, &pics);
        // Photos of one row (3 per row) are on one page and share their
        // bottom edge; every caption is drawn once.
        for row in pics.chunks(3) {
            assert!(row.iter().all(|p| p.0 == row[0].0), "{row:?}");
            let bottom = row[0].2 + row[0].4;
            assert!(row.iter().all(|p| (p.2 + p.4 - bottom).abs() < 0.01));
            assert!(row.iter().all(|p| p.4 <= mm(70.0) + EPS));
        }
        let all: Vec<&str> = pages.iter().flat_map(|p| texts(p)).collect();
        for (_, caption) in &photos {
            assert_eq!(all.iter().filter(|t| **t == caption).count(), 1);
        }
        // The heading is on the page of the first row.
        assert_eq!(texts(&pages[0])[0], "照片");
        assert_eq!(pics[0].0, 0);

        let mut bad = Document::new("t").unwrap();
        bad.photo_grid(&photos, 0, 50.0).unwrap();
        assert!(matches!(bad.layout(), Err(PdfError::Layout(_))));
        let mut bad = Document::new("t").unwrap();
        bad.photo_grid(&photos, 20, 50.0).unwrap();
        assert!(matches!(bad.layout(), Err(PdfError::Layout(_))));
    }

    #[test]
    fn full_page_scans_own_their_pages() {
        let mut doc = Document::new("t").unwrap();
        doc.full_page_image(&jpeg(700, 1169), "户口簿").unwrap();
        doc.full_page_image(&jpeg(1169, 827), "").unwrap();
        doc.page_break();
        doc.paragraph("正文");
        doc.heading("附件：残疾人证");
        doc.full_page_image(&jpeg(827, 1169), "残疾人证").unwrap();
        doc.paragraph("后文");
        let pages = doc.layout().unwrap();
        assert_eq!(
            pages.len(),
            5,
            "no blank page, nothing shares a scan's page"
        );
        assert_eq!(texts(&pages[0]), vec!["户口簿"]);
        assert!(texts(&pages[1]).is_empty());
        assert_eq!(texts(&pages[2]), vec!["正文"]);
        assert_eq!(texts(&pages[3]), vec!["附件：残疾人证", "残疾人证"]);
        assert_eq!(texts(&pages[4]), vec!["后文"]);
        let pics = pictures(&pages);
        assert_eq!(pics.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 3]);
        assert_inside(&doc, &pics);
        // The narrow portrait scan is as tall as the page allows (minus its
        // caption), the landscape one as wide as the text.
        let s = &doc.setup;
        let body = s.content_bottom() - s.content_top();
        assert!(pics[0].4 > body - mm(8.0), "{:?}", pics[0]);
        assert!((pics[1].3 - s.content_width()).abs() < 0.01);
    }

    #[test]
    fn bad_geometry_is_an_error() {
        let mut doc = Document::new("t").unwrap();
        doc.margins_mm(20.0, 100.0, 20.0, 100.0);
        assert!(matches!(doc.page_count(), Err(PdfError::Layout(_))));

        let mut doc = Document::new("t").unwrap();
        doc.paragraph_styled("x", TextStyle::default().size(f32::NAN));
        assert!(matches!(doc.page_count(), Err(PdfError::Layout(_))));

        let mut doc = Document::new("t").unwrap();
        let mut t = crate::pdf::Table::new(vec![crate::pdf::Column::fraction("a", 1.0)]);
        t.font_size(0.0);
        doc.table(t);
        assert!(matches!(doc.page_count(), Err(PdfError::Layout(_))));
    }
}
