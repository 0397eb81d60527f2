//! Laying out captioned pictures, photo grids and full-page scans.
//!
//! Layout rules:
//! * a picture is scaled (up or down) to fit its box, keeping its aspect
//!   ratio, and is never split or cut: a picture and its caption move to the
//!   next page together when they do not fit;
//! * captions are wrapped, in a smaller type, under the picture;
//! * a photo grid places pictures side by side in equal cells; each row
//!   (pictures and their captions) moves to the next page as a whole;
//! * a full-page scan starts a new page, fills the content area and leaves
//!   the rest of that page to itself.

use super::error::PdfError;
use super::flow::{Item, Layouter};
use super::image::Picture;
use super::page::{Align, EPS};
use super::text::{sanitize, wrap};

/// Caption font size (points), a little smaller than body text (小五 = 9 pt).
pub(crate) const CAPTION_SIZE: f32 = 9.0;
/// Caption baseline distance as a multiple of [`CAPTION_SIZE`].
const CAPTION_LINE_HEIGHT: f32 = 1.4;
/// Space between a picture and its caption (points).
const CAPTION_GAP: f32 = 1.5 * 72.0 / 25.4;
/// Space before and after a picture block (points).
const BLOCK_GAP: f32 = 3.0 * 72.0 / 25.4;
/// Horizontal space between grid cells (points).
const GUTTER: f32 = 4.0 * 72.0 / 25.4;
/// Vertical space between grid rows (points).
const ROW_GAP: f32 = 4.0 * 72.0 / 25.4;
/// Narrowest allowed grid cell (points).
const MIN_CELL: f32 = 15.0 * 72.0 / 25.4;

fn caption_lh() -> f32 {
    CAPTION_SIZE * CAPTION_LINE_HEIGHT
}

/// Caption lines wrapped to `width`; none for an empty caption.
fn caption_lines(l: &Layouter<'_>, caption: &str, width: f32) -> Vec<String> {
    if sanitize(caption).trim().is_empty() {
        return Vec::new();
    }
    wrap(l.font, caption, CAPTION_SIZE, width, width)
}

/// Height of `n` caption lines including the gap above them.
fn caption_height(n: usize) -> f32 {
    if n == 0 {
        0.0
    } else {
        CAPTION_GAP + n as f32 * caption_lh()
    }
}

/// Keep at most as many caption lines as fit in `height`, marking the cut
/// with `…` (only for captions longer than a page).
fn clip_caption(l: &Layouter<'_>, lines: &mut Vec<String>, height: f32, width: f32) {
    let fit = ((height - CAPTION_GAP + EPS) / caption_lh())
        .floor()
        .max(1.0) as usize;
    if lines.len() > fit {
        lines.truncate(fit);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && l.font.text_width(&format!("{last}…"), CAPTION_SIZE) > width
            {
                last.pop();
            }
            last.push('…');
        }
    }
}

/// A single captioned picture, measured.
struct Single {
    w: f32,
    h: f32,
    lines: Vec<String>,
}

impl Single {
    fn plan(l: &Layouter<'_>, pic: &Picture, caption: &str, max_w: f32, max_h: f32) -> Self {
        let box_w = max_w.min(l.width);
        let lines = caption_lines(l, caption, box_w);
        let body = l.page_body_height();
        // The picture and its caption must fit on one page; a very long
        // caption may shrink the picture to half a page, then flows on.
        let box_h = max_h.min((body - caption_height(lines.len())).max(body / 2.0));
        let (w, h) = pic.fit(box_w, box_h);
        Self { w, h, lines }
    }

    fn height(&self) -> f32 {
        self.h + caption_height(self.lines.len())
    }
}

/// Height of the first piece of `pic` laid out as a single picture (what a
/// heading before it must keep on its page).
pub(crate) fn single_height(
    l: &Layouter<'_>,
    pic: &Picture,
    caption: &str,
    max_w: f32,
    max_h: f32,
) -> f32 {
    BLOCK_GAP + Single::plan(l, pic, caption, max_w, max_h).height()
}

/// Place a captioned picture, left-aligned, at the cursor.
pub(crate) fn layout_single(
    l: &mut Layouter<'_>,
    pic: &Picture,
    caption: &str,
    max_w: f32,
    max_h: f32,
) {
    let plan = Single::plan(l, pic, caption, max_w, max_h);
    l.gap(BLOCK_GAP);
    l.ensure(plan.height().min(l.page_body_height()));
    let (x, y) = (l.left, l.y);
    l.push(Item::Image {
        x,
        y,
        w: plan.w,
        h: plan.h,
        image: pic.index,
    });
    l.y += plan.h;
    if !plan.lines.is_empty() {
        l.y += CAPTION_GAP;
    }
    let lh = caption_lh();
    let box_w = max_w.min(l.width);
    for line in &plan.lines {
        l.ensure(lh);
        let (x, y) = (l.left, l.y);
        l.text_line(x, box_w, y, lh, CAPTION_SIZE, false, Align::Left, line);
        l.y += lh;
    }
    l.gap(BLOCK_GAP);
}

/// Grid geometry shared by all rows.
struct GridPlan {
    cell_w: f32,
    box_h: f32,
}

fn grid_plan(
    l: &Layouter<'_>,
    photos: &[(Picture, String)],
    columns: usize,
    photo_h: f32,
) -> Result<GridPlan, PdfError> {
    if columns == 0 {
        return Err(PdfError::Layout("照片网格至少要有一列".into()));
    }
    let cols = columns as f32;
    let cell_w = (l.width - GUTTER * (cols - 1.0)) / cols;
    if cell_w < MIN_CELL {
        return Err(PdfError::Layout(format!(
            "分成 {columns} 列时每列照片会窄于 15 毫米"
        )));
    }
    // Leave room under the tallest picture for the longest caption, but
    // never shrink pictures below a quarter of the page for it.
    let body = l.page_body_height();
    let longest = photos
        .iter()
        .map(|(_, c)| caption_lines(l, c, cell_w).len())
        .max()
        .unwrap_or(0);
    let box_h = photo_h.min((body - caption_height(longest)).max(body / 4.0));
    Ok(GridPlan { cell_w, box_h })
}

/// One measured grid row.
struct GridRow {
    sizes: Vec<(f32, f32)>,
    lines: Vec<Vec<String>>,
    pic_h: f32,
    height: f32,
}

fn grid_row(l: &Layouter<'_>, plan: &GridPlan, row: &[(Picture, String)]) -> GridRow {
    let sizes: Vec<(f32, f32)> = row
        .iter()
        .map(|(p, _)| p.fit(plan.cell_w, plan.box_h))
        .collect();
    let pic_h = sizes.iter().map(|s| s.1).fold(0.0, f32::max);
    let mut lines: Vec<Vec<String>> = row
        .iter()
        .map(|(_, c)| caption_lines(l, c, plan.cell_w))
        .collect();
    // A row never splits: captions that cannot fit on a page are cut.
    let room = l.page_body_height() - pic_h;
    for cell in &mut lines {
        if caption_height(cell.len()) > room {
            clip_caption(l, cell, room, plan.cell_w);
        }
    }
    let n = lines.iter().map(Vec::len).max().unwrap_or(0);
    GridRow {
        sizes,
        lines,
        pic_h,
        height: pic_h + caption_height(n),
    }
}

/// Height of the first row of a photo grid.
pub(crate) fn grid_first_row_height(
    l: &Layouter<'_>,
    photos: &[(Picture, String)],
    columns: usize,
    photo_h: f32,
) -> Option<f32> {
    let plan = grid_plan(l, photos, columns, photo_h).ok()?;
    let first = photos.get(..columns.min(photos.len()))?;
    Some(BLOCK_GAP + grid_row(l, &plan, first).height)
}

/// Place photos `columns` to a row, each centred in its cell with its
/// caption centred under it; pictures in a row share a bottom line.
pub(crate) fn layout_grid(
    l: &mut Layouter<'_>,
    photos: &[(Picture, String)],
    columns: usize,
    photo_h: f32,
) -> Result<(), PdfError> {
    let plan = grid_plan(l, photos, columns, photo_h)?;
    if photos.is_empty() {
        return Ok(());
    }
    l.gap(BLOCK_GAP);
    let lh = caption_lh();
    for (r, row) in photos.chunks(columns).enumerate() {
        if r > 0 {
            l.gap(ROW_GAP);
        }
        let m = grid_row(l, &plan, row);
        l.ensure(m.height);
        let top = l.y;
        for (i, ((pic, _), (w, h))) in row.iter().zip(&m.sizes).enumerate() {
            let cell_x = l.left + i as f32 * (plan.cell_w + GUTTER);
            l.push(Item::Image {
                x: cell_x + (plan.cell_w - w) / 2.0,
                y: top + m.pic_h - h,
                w: *w,
                h: *h,
                image: pic.index,
            });
            let cap_top = top + m.pic_h + CAPTION_GAP;
            for (k, line) in m.lines[i].iter().enumerate() {
                let y = cap_top + k as f32 * lh;
                l.text_line(
                    cell_x,
                    plan.cell_w,
                    y,
                    lh,
                    CAPTION_SIZE,
                    false,
                    Align::Center,
                    line,
                );
            }
        }
        l.y = top + m.height;
    }
    l.gap(BLOCK_GAP);
    Ok(())
}

/// A scan on a page of its own: a new page (unless the page is empty or
/// holds only a heading kept with this scan), the picture fitted to the rest
/// of the content area and centred, its caption centred under it. Whatever
/// follows starts on a new page.
pub(crate) fn layout_full_page(l: &mut Layouter<'_>, pic: &Picture, caption: &str, share: bool) {
    if !l.at_page_top() && !share {
        l.new_page();
    }
    let width = l.width;
    let mut lines = caption_lines(l, caption, width);
    let room = l.remaining();
    // The picture keeps at least half the room; a caption longer than that
    // is cut.
    if caption_height(lines.len()) > room / 2.0 {
        clip_caption(l, &mut lines, room / 2.0, width);
    }
    let (w, h) = pic.fit(width, room - caption_height(lines.len()));
    let top = l.y;
    l.push(Item::Image {
        x: l.left + (width - w) / 2.0,
        y: top,
        w,
        h,
        image: pic.index,
    });
    let lh = caption_lh();
    let cap_top = top + h + CAPTION_GAP;
    for (k, line) in lines.iter().enumerate() {
        let (x, y) = (l.left, cap_top + k as f32 * lh);
        l.text_line(x, width, y, lh, CAPTION_SIZE, false, Align::Center, line);
    }
    // The page belongs to the scan.
    l.y = l.bottom;
}
