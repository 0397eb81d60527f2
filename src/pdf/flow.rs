//! The pagination engine: a cursor down the content area of the current
//! page that places lines, rules and pictures as [`Item`]s, starting a new
//! page whenever the next unbreakable piece does not fit. Text blocks
//! (paragraphs, key–value lines, signature lines) are laid out here; tables
//! and pictures in their own modules, on top of it.

use super::font::Font;
use super::page::{mm, Align, PageSetup, TextStyle, EPS};
use super::text::{sanitize, wrap};

/// Something placed on a page. Coordinates in points, `y` from the top.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A single line of text; `baseline` is the baseline's distance from the
    /// top edge.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// A stroked straight line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// A filled rectangle (`y` is its top edge); `grey` 0 = black, 1 = white.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: f32,
    },
    /// A picture filling the box whose top-left corner is `x, y` (its size
    /// already has the picture's displayed aspect ratio); `image` indexes
    /// the document's JPEGs.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        image: usize,
    },
}

/// A position in the layout to which it can be rewound.
pub(crate) struct Mark {
    pub pages: usize,
    items: usize,
    y: f32,
}

/// The pagination state: placed items per page and the vertical cursor.
pub(crate) struct Layouter<'a> {
    pub font: &'a Font,
    pub pages: Vec<Vec<Item>>,
    /// Top of the free space on the current page.
    pub y: f32,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub width: f32,
    pub body: &'a TextStyle,
    key_width: f32,
    /// Set by a heading kept with a full-page scan: the scan goes on the
    /// heading's page instead of starting a new one.
    pub share_with_scan: bool,
}

impl<'a> Layouter<'a> {
    pub fn new(font: &'a Font, setup: &PageSetup, body: &'a TextStyle, key_width: f32) -> Self {
        Self {
            font,
            pages: vec![Vec::new()],
            y: setup.content_top(),
            top: setup.content_top(),
            bottom: setup.content_bottom(),
            left: setup.content_left(),
            width: setup.content_width(),
            body,
            key_width,
            share_with_scan: false,
        }
    }

    /// Whether nothing has been placed on the current page yet.
    pub fn at_page_top(&self) -> bool {
        self.y <= self.top + EPS
    }

    /// Free height left on the current page.
    pub fn remaining(&self) -> f32 {
        self.bottom - self.y
    }

    /// Height of the content area of a page.
    pub fn page_body_height(&self) -> f32 {
        self.bottom - self.top
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    /// Start a new page unless `h` fits on the current one (or the page is
    /// still empty, where breaking would not help).
    pub fn ensure(&mut self, h: f32) {
        if h > self.remaining() + EPS && !self.at_page_top() {
            self.new_page();
        }
    }

    /// Vertical space that disappears at the top of a page.
    pub fn gap(&mut self, h: f32) {
        if !self.at_page_top() {
            self.y = (self.y + h).min(self.bottom);
        }
    }

    pub fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// Distance from the top of a line box of height `lh` to the baseline
    /// (glyphs are centred vertically in the box).
    pub fn baseline_offset(&self, size: f32, lh: f32) -> f32 {
        let asc = self.font.ascender_em() * size;
        let desc = self.font.descender_em() * size;
        (lh - asc - desc) / 2.0 + asc
    }

    /// Place one line of text in the box `[x, x + width]` whose top is `top`.
    #[allow(clippy::too_many_arguments)]
    pub fn text_line(
        &mut self,
        x: f32,
        width: f32,
        top: f32,
        lh: f32,
        size: f32,
        bold: bool,
        align: Align,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        let w = self.font.text_width(text, size);
        let dx = match align {
            Align::Left => 0.0,
            Align::Center => ((width - w) / 2.0).max(0.0),
            Align::Right => (width - w).max(0.0),
        };
        let baseline = top + self.baseline_offset(size, lh);
        self.push(Item::Text {
            x: x + dx,
            baseline,
            size,
            bold,
            text: text.to_owned(),
        });
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.push(Item::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
        });
    }

    pub fn mark(&self) -> Mark {
        Mark {
            pages: self.pages.len(),
            items: self.pages.last().map_or(0, Vec::len),
            y: self.y,
        }
    }

    pub fn reset(&mut self, m: &Mark) {
        self.pages.truncate(m.pages);
        if let Some(page) = self.pages.last_mut() {
            page.truncate(m.items);
        }
        self.y = m.y;
    }

    /// `keep_with_next`: the height of the next block's first piece, which
    /// must fit on the page after this text, if any.
    pub fn text_block(&mut self, text: &str, style: &TextStyle, keep_with_next: Option<f32>) {
        let size = style.size_pt;
        let lh = size * style.line_height;
        let indent = (style.first_line_indent_em * size).clamp(0.0, self.width / 2.0);
        let mut lines: Vec<(bool, String)> = Vec::new();
        for para in sanitize(text).split('\n') {
            for (k, line) in wrap(self.font, para, size, self.width - indent, self.width)
                .into_iter()
                .enumerate()
            {
                lines.push((k == 0, line));
            }
        }
        self.gap(mm(style.space_before_mm));
        if let Some(next) = keep_with_next {
            let need = lines.len() as f32 * lh + mm(style.space_after_mm) + next;
            self.ensure(need.min(self.page_body_height()));
        }
        for (first, line) in &lines {
            self.ensure(lh);
            let x_off = if *first { indent } else { 0.0 };
            let (x, y) = (self.left + x_off, self.y);
            self.text_line(
                x,
                self.width - x_off,
                y,
                lh,
                size,
                style.bold,
                style.align,
                line,
            );
            self.y += lh;
        }
        self.gap(mm(style.space_after_mm));
    }

    pub fn key_value(&mut self, key: &str, value: &str) {
        let size = self.body.size_pt;
        let lh = size * self.body.line_height;
        let key_w = self.key_width.clamp(mm(5.0), self.width / 2.0);
        let pad = mm(2.0);
        let keys = wrap(self.font, key, size, key_w - pad, key_w - pad);
        let vw = self.width - key_w;
        let values = wrap(self.font, value, size, vw, vw);
        let n = keys.len().max(values.len());
        for i in 0..n {
            self.ensure(lh);
            let (x, y) = (self.left, self.y);
            if let Some(k) = keys.get(i) {
                self.text_line(x, key_w - pad, y, lh, size, false, Align::Left, k);
            }
            if let Some(v) = values.get(i) {
                self.text_line(x + key_w, vw, y, lh, size, false, Align::Left, v);
            }
            self.y += lh;
        }
        self.gap(mm(0.5));
    }

    pub fn signature(&mut self, labels: &[String]) {
        if labels.is_empty() {
            return;
        }
        let size = self.body.size_pt;
        let lh = size * self.body.line_height;
        let slot = self.width / labels.len() as f32;
        let min_line = mm(25.0).min(slot / 2.0);
        let gap = mm(1.5);
        let wrapped: Vec<Vec<String>> = labels
            .iter()
            .map(|lab| {
                let w = (slot - min_line - gap - mm(4.0)).max(size);
                wrap(self.font, lab, size, w, w)
            })
            .collect();
        let n = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let above = mm(10.0);
        self.gap(mm(2.0));
        self.ensure(above + n as f32 * lh);
        let top = self.y + above;
        for (i, lines) in wrapped.iter().enumerate() {
            let x = self.left + i as f32 * slot;
            let first_row = n - lines.len();
            for (k, line) in lines.iter().enumerate() {
                let y = top + (first_row + k) as f32 * lh;
                self.text_line(x, slot, y, lh, size, false, Align::Left, line);
            }
            let last = lines.last().map_or("", String::as_str);
            let x_end = x + self.font.text_width(last, size) + gap;
            let y_line = top + (n - 1) as f32 * lh + self.baseline_offset(size, lh) + 2.0;
            self.hline(x_end, x + slot - mm(4.0), y_line, 0.6);
        }
        self.y = top + n as f32 * lh;
        self.gap(mm(2.0));
    }
}
