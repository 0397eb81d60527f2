//! Tables: column model and pagination.
//!
//! * Column widths are fixed (mm) or a share of the width the fixed columns
//!   leave over.
//! * The header row (if any column has a header) is repeated at the top of
//!   every page the table spans.
//! * Cell text wraps; a row is as tall as its tallest cell.
//! * A row is never split across pages, unless it is taller than a whole
//!   page by itself: then it is continued, line by line, on the next pages
//!   (under a repeated header) so no text is lost.

use super::error::PdfError;
use super::flow::{Item, Layouter};
use super::page::{check_size, mm, Align, EPS};
use super::text::wrap;

/// How wide a table column is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnWidth {
    /// A fixed width in millimetres.
    Mm(f32),
    /// A share of the width left after the fixed columns, proportional to
    /// this weight (`Fraction(2.0)` is twice as wide as `Fraction(1.0)`).
    Fraction(f32),
}

/// A table column: header text, width and alignment of its body cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text (may be empty). Header cells are centred and bold.
    pub header: String,
    /// Column width.
    pub width: ColumnWidth,
    /// Alignment of body cells (header cells are always centred).
    pub align: Align,
}

impl Column {
    /// A column `width_mm` millimetres wide.
    pub fn mm(header: impl Into<String>, width_mm: f32) -> Self {
        Self {
            header: header.into(),
            width: ColumnWidth::Mm(width_mm),
            align: Align::Left,
        }
    }

    /// A column taking a `weight` share of the remaining width.
    pub fn fraction(header: impl Into<String>, weight: f32) -> Self {
        Self {
            header: header.into(),
            width: ColumnWidth::Fraction(weight),
            align: Align::Left,
        }
    }

    /// Set the body-cell alignment, e.g. `Align::Right` for amounts.
    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

/// A table with a (repeated) header row and wrapping cells.
///
/// ```
/// use bangfu::pdf::{Align, Column, Table};
/// let mut t = Table::new(vec![
///     Column::mm("序号", 12.0).align(Align::Center),
///     Column::fraction("姓名", 1.0),
///     Column::mm("金额（元）", 28.0).align(Align::Right),
/// ]);
/// t.row(["1", "张三", "1,200.00"]);
/// t.row(vec!["2".to_string(), "李四".to_string(), "860.50".to_string()]);
/// assert_eq!(t.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    font_size_pt: Option<f32>,
    repeat_header: bool,
}

impl Table {
    /// An empty table with the given columns.
    pub fn new(columns: Vec<Column>) -> Self {
        Self {
            columns,
            rows: Vec::new(),
            font_size_pt: None,
            repeat_header: true,
        }
    }

    /// Append a row. Missing trailing cells are left blank; more cells than
    /// columns makes [`Document::to_bytes`](super::Document::to_bytes) fail
    /// with [`PdfError::TableShape`].
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Set the font size of the table (default: the document body size).
    pub fn font_size(&mut self, size_pt: f32) -> &mut Self {
        self.font_size_pt = Some(size_pt);
        self
    }

    /// Whether to repeat the header row on continuation pages (default on).
    pub fn repeat_header(&mut self, repeat: bool) -> &mut Self {
        self.repeat_header = repeat;
        self
    }

    /// Number of body rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no body rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(crate) fn collect_text(&self, out: &mut String) {
        for c in &self.columns {
            out.push_str(&c.header);
        }
        for row in &self.rows {
            for cell in row {
                out.push_str(cell);
            }
        }
    }
}

/// Resolve column widths (points) for a text area `total` points wide.
pub(crate) fn resolve_widths(columns: &[Column], total: f32) -> Result<Vec<f32>, PdfError> {
    if columns.is_empty() {
        return Err(PdfError::Layout("表格至少要有一列".into()));
    }
    let mut fixed = 0.0;
    let mut weights = 0.0;
    for c in columns {
        match c.width {
            ColumnWidth::Mm(w) if w.is_finite() && w > 0.0 => fixed += mm(w),
            ColumnWidth::Fraction(f) if f.is_finite() && f > 0.0 => weights += f,
            other => {
                return Err(PdfError::Layout(format!(
                    "表格列“{}”的宽度 {other:?} 无效",
                    c.header
                )))
            }
        }
    }
    let rest = total - fixed;
    if rest < -EPS {
        return Err(PdfError::Layout(format!(
            "表格的定宽列共需 {:.1} 毫米，而只有 {:.1} 毫米可用",
            fixed / mm(1.0),
            total / mm(1.0)
        )));
    }
    let widths: Vec<f32> = columns
        .iter()
        .map(|c| match c.width {
            ColumnWidth::Mm(w) => mm(w),
            ColumnWidth::Fraction(f) => rest.max(0.0) * f / weights,
        })
        .collect();
    if let Some((c, _)) = columns
        .iter()
        .zip(&widths)
        .find(|(_, w)| **w < 2.0 * PAD_X + mm(2.0))
    {
        return Err(PdfError::Layout(format!(
            "表格列“{}”会窄于 5 毫米",
            c.header
        )));
    }
    Ok(widths)
}

/// Horizontal cell padding (points).
const PAD_X: f32 = 1.4 * 72.0 / 25.4;
/// Vertical cell padding (points).
const PAD_Y: f32 = 0.9 * 72.0 / 25.4;
/// Baseline distance in tables, as a multiple of the font size.
const TABLE_LINE_HEIGHT: f32 = 1.35;
/// Border line width (points).
const BORDER: f32 = 0.5;
/// Header background grey level.
const HEADER_FILL: f32 = 0.9;

/// Geometry shared by every row of one table.
struct Grid<'t> {
    xs: Vec<f32>,
    widths: Vec<f32>,
    columns: &'t [Column],
    size: f32,
    lh: f32,
}

impl Grid<'_> {
    fn total_width(&self) -> f32 {
        self.widths.iter().sum()
    }

    fn wrap_cells(&self, l: &Layouter<'_>, cells: &[String]) -> Vec<Vec<String>> {
        self.widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let inner = w - 2.0 * PAD_X;
                let text = cells.get(i).map_or("", String::as_str);
                wrap(l.font, text, self.size, inner, inner)
            })
            .collect()
    }

    fn height(&self, lines: usize) -> f32 {
        lines as f32 * self.lh + 2.0 * PAD_Y
    }

    /// Draw lines `from..to` of every cell as one row at the cursor.
    fn draw_row(
        &self,
        l: &mut Layouter<'_>,
        cells: &[Vec<String>],
        from: usize,
        to: usize,
        header: bool,
    ) {
        let top = l.y;
        let h = self.height(to - from);
        let x0 = self.xs[0];
        let x1 = x0 + self.total_width();
        if header {
            l.push(Item::Fill {
                x: x0,
                y: top,
                w: x1 - x0,
                h,
                grey: HEADER_FILL,
            });
        }
        for (i, lines) in cells.iter().enumerate() {
            let align = if header {
                Align::Center
            } else {
                self.columns[i].align
            };
            let end = to.min(lines.len());
            for (k, line) in lines.iter().enumerate().take(end).skip(from) {
                let y = top + PAD_Y + (k - from) as f32 * self.lh;
                l.text_line(
                    self.xs[i] + PAD_X,
                    self.widths[i] - 2.0 * PAD_X,
                    y,
                    self.lh,
                    self.size,
                    header,
                    align,
                    line,
                );
            }
        }
        l.hline(x0, x1, top, BORDER);
        l.hline(x0, x1, top + h, BORDER);
        for x in self.xs.iter().copied().chain(std::iter::once(x1)) {
            l.push(Item::Line {
                x1: x,
                y1: top,
                x2: x,
                y2: top + h,
                width: BORDER,
            });
        }
        l.y = top + h;
    }
}

/// Lay out `t` at the cursor of `l`, breaking pages between rows.
pub(crate) fn layout_table(l: &mut Layouter<'_>, t: &Table) -> Result<(), PdfError> {
    let ncols = t.columns.len();
    if let Some((row, cells)) = t.rows.iter().enumerate().find(|(_, r)| r.len() > ncols) {
        return Err(PdfError::TableShape {
            row,
            cells: cells.len(),
            columns: ncols,
        });
    }
    let widths = resolve_widths(&t.columns, l.width)?;
    let mut xs = Vec::with_capacity(ncols);
    let mut x = l.left;
    for w in &widths {
        xs.push(x);
        x += w;
    }
    let size = t.font_size_pt.unwrap_or(l.body.size_pt);
    check_size(size)?;
    let grid = Grid {
        xs,
        widths,
        columns: &t.columns,
        size,
        lh: size * TABLE_LINE_HEIGHT,
    };

    let has_header = t.columns.iter().any(|c| !c.header.is_empty());
    let header_texts: Vec<String> = t.columns.iter().map(|c| c.header.clone()).collect();
    let header_cells = grid.wrap_cells(l, &header_texts);
    let header_lines = header_cells.iter().map(Vec::len).max().unwrap_or(1);
    let header_h = if has_header {
        grid.height(header_lines)
    } else {
        0.0
    };
    if header_h + grid.height(1) > l.page_body_height() {
        return Err(PdfError::Layout("表头比一页还高".into()));
    }
    let draw_header = |l: &mut Layouter<'_>| {
        if has_header {
            grid.draw_row(l, &header_cells, 0, header_lines, true);
        }
    };
    let continue_on_new_page = |l: &mut Layouter<'_>| {
        l.new_page();
        if t.repeat_header {
            draw_header(l);
        }
    };

    l.gap(mm(1.5));
    // Start the table where its header and first row fit together.
    let first_h = t
        .rows
        .first()
        .map(|r| {
            let cells = grid.wrap_cells(l, r);
            grid.height(cells.iter().map(Vec::len).max().unwrap_or(1))
        })
        .unwrap_or(0.0);
    l.ensure((header_h + first_h).min(l.page_body_height()));
    draw_header(l);

    for row in &t.rows {
        let cells = grid.wrap_cells(l, row);
        let n = cells.iter().map(Vec::len).max().unwrap_or(1);
        let h = grid.height(n);
        if h <= l.remaining() + EPS {
            grid.draw_row(l, &cells, 0, n, false);
            continue;
        }
        let fresh_room = l.page_body_height() - if t.repeat_header { header_h } else { 0.0 };
        if h <= fresh_room + EPS {
            continue_on_new_page(l);
            grid.draw_row(l, &cells, 0, n, false);
            continue;
        }
        // Taller than a page: continue the row on following pages.
        let mut from = 0;
        let mut fresh = false;
        while from < n {
            let mut fit = ((l.remaining() - 2.0 * PAD_Y + EPS) / grid.lh).floor();
            if fit < 1.0 {
                if !fresh {
                    continue_on_new_page(l);
                    fresh = true;
                    continue;
                }
                // Cannot happen (checked above); guarantees progress anyway.
                fit = 1.0;
            }
            let to = (from + (fit as usize).max(1)).min(n);
            grid.draw_row(l, &cells, from, to, false);
            from = to;
            fresh = false;
            if from < n {
                continue_on_new_page(l);
                fresh = true;
            }
        }
    }
    l.gap(mm(2.0));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::Document;

    #[test]
    fn widths_fixed_and_fractions() {
        let cols = vec![
            Column::mm("a", 20.0),
            Column::fraction("b", 1.0),
            Column::fraction("c", 3.0),
        ];
        let w = resolve_widths(&cols, mm(100.0)).unwrap();
        assert!((w[0] - mm(20.0)).abs() < 0.01);
        assert!((w[1] - mm(20.0)).abs() < 0.01);
        assert!((w[2] - mm(60.0)).abs() < 0.01);
        assert!(resolve_widths(&[Column::mm("x", 200.0)], mm(100.0)).is_err());
        assert!(resolve_widths(&[Column::fraction("x", -1.0)], mm(100.0)).is_err());
        assert!(resolve_widths(&[], mm(100.0)).is_err());
    }

    #[test]
    fn too_many_cells_is_an_error() {
        let mut doc = Document::new("t").unwrap();
        let mut t = Table::new(vec![Column::fraction("a", 1.0)]);
        t.row(["1"]).row(["1", "2"]);
        doc.table(t);
        assert!(matches!(
            doc.page_count(),
            Err(PdfError::TableShape {
                row: 1,
                cells: 2,
                columns: 1
            })
        ));
    }

    #[test]
    fn giant_row_is_continued_not_lost() {
        let mut doc = Document::new("t").unwrap();
        let mut t = Table::new(vec![
            Column::mm("序号", 15.0),
            Column::fraction("内容", 1.0),
        ]);
        let long = "很长的内容".repeat(900);
        t.row(["1", long.as_str()]).row(["2", "短"]);
        doc.table(t);
        assert!(doc.page_count().unwrap() >= 3);
    }
}
