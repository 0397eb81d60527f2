//! End-to-end checks of `bangfu::pdf`: real PDFs are written to a temporary
//! directory and inspected with poppler-utils (`pdftotext`, `pdffonts`,
//! `pdfinfo`, `pdftoppm`), which must be installed.

use std::path::Path;
use std::time::Instant;

use bangfu::pdf::{Align, Column, Document, Table, TextStyle};

use crate::support::pdf::{
    assert_font_embedded_and_subset, page_count, pdf_text, render_gray, squash, word_boxes,
    write_pdf,
};
use crate::support::tempdir;

const TITLE: &str = "最低生活保障审批表";
const ID_NUMBER: &str = "34102419810412011X";

/// Render at 30 dpi in grey and return, per page, the number of dark pixels
/// inside the content area (between the margins, header/footer excluded).
fn dark_pixels_per_page(pdf: &Path, dir: &Path) -> Vec<usize> {
    render_gray(pdf, dir, 30)
        .iter()
        .map(|g| {
            let (w, h) = (g.width, g.height);
            // 30 dpi: 1 mm = 30 / 25.4 px. Content area: 21..276 mm from the
            // top, 18..192 mm from the left.
            let px = |mm: f32| (mm * 30.0 / 25.4) as usize;
            let mut dark = 0;
            for y in px(21.0)..px(276.0).min(h) {
                for x in px(18.0)..px(192.0).min(w) {
                    if g.pixels[y * w + x] < 160 {
                        dark += 1;
                    }
                }
            }
            dark
        })
        .collect()
}

/// A realistic two-page dossier.
fn dossier() -> Document {
    let mut doc = Document::new(TITLE).expect("embedded font");
    doc.footer("安徽省某某县某某镇民政办", "第 {page} 页 / 共 {pages} 页");
    doc.title(TITLE);
    doc.heading("一、申请人基本情况");
    doc.key_value("户主姓名", "张桂英");
    doc.key_value("身份证号", ID_NUMBER);
    doc.key_value("联系电话", "13905641234");
    doc.key_value("家庭住址", "安徽省阜阳市颍上县某某镇幸福村三组 45 号");
    doc.key_value("月人均收入", "386.50 元");
    doc.rule();
    doc.heading("二、家庭成员");
    let mut members = Table::new(vec![
        Column::mm("序号", 12.0).align(Align::Center),
        Column::fraction("姓名", 1.0),
        Column::fraction("与户主关系", 1.0),
        Column::mm("身份证号", 48.0),
        Column::mm("月收入（元）", 28.0).align(Align::Right),
    ]);
    let names = ["张桂英", "李建国", "李小红", "李明"];
    let relations = ["户主", "配偶", "女儿", "儿子"];
    for i in 0..20 {
        members.row([
            (i + 1).to_string(),
            format!("{}{}", names[i % 4], i + 1),
            relations[i % 4].to_owned(),
            format!("3410241981041{:04}X", 2000 + i),
            format!("{}.{:02}", 1000 + i * 37, i),
        ]);
    }
    doc.table(members);
    doc.heading("三、评议意见");
    doc.paragraph_styled(
        "经村民代表民主评议，该户家庭成员中户主患慢性病，配偶务农，子女在校就读，\
         家庭人均月收入 386.50 元，低于当地城乡低保标准 650 元，符合最低生活保障条件，\
         同意纳入农村最低生活保障范围，保障金额按差额核定。",
        TextStyle::default().indent(2.0),
    );
    doc.keep_together(|d| {
        d.heading("四、审批");
        d.paragraph("审批意见：同意。");
        d.signature_line(&["经办人（签字）", "审批人（签字）", "日期"]);
    });
    doc
}

#[test]
fn two_page_dossier_text_font_rendering_and_size() {
    let dir = tempdir();
    let start = Instant::now();
    let doc = dossier();
    let pages = doc.page_count().expect("layout");
    let bytes = doc.to_bytes().expect("pdf");
    let elapsed = start.elapsed();
    eprintln!(
        "2-page dossier: {} bytes, built in {:?} (incl. font parse)",
        bytes.len(),
        elapsed
    );
    assert_eq!(pages, 2, "the dossier is meant to be a two-page document");
    assert!(bytes.len() < 300 * 1024, "PDF is {} bytes", bytes.len());

    let pdf = write_pdf(dir.path(), "dossier.pdf", &bytes);
    assert_eq!(page_count(&pdf), 2);
    assert_font_embedded_and_subset(&pdf);

    let text = squash(&pdf_text(&pdf, None));
    for needle in [
        TITLE,
        "一、申请人基本情况",
        "户主姓名",
        "张桂英",
        ID_NUMBER,
        "13905641234",
        "安徽省阜阳市颍上县某某镇幸福村三组45号",
        "386.50元",
        "与户主关系",
        "月收入（元）",
        "李小红3",
        "34102419810412019X",
        "1703.19",
        "低于当地城乡低保标准650元",
        "经办人（签字）",
        "审批人（签字）",
        "安徽省某某县某某镇民政办",
        "第1页/共2页",
        "第2页/共2页",
    ] {
        assert!(text.contains(&squash(needle)), "pdftotext lacks {needle:?}");
    }
    // The ID number is on one line (never split by wrapping).
    assert!(pdf_text(&pdf, None).contains(ID_NUMBER));

    // The approval group is kept together on one page.
    let last = squash(&pdf_text(&pdf, Some(2)));
    assert!(last.contains("四、审批") && last.contains("日期"));

    let dark = dark_pixels_per_page(&pdf, dir.path());
    assert_eq!(dark.len(), 2, "pdftoppm pages");
    for (i, d) in dark.iter().enumerate() {
        assert!(
            *d > 50,
            "page {} content area is blank ({d} dark px)",
            i + 1
        );
    }
}

#[test]
fn table_of_300_rows_repeats_header_and_keeps_every_row() {
    let dir = tempdir();
    let mut doc = Document::new("救助金发放花名册").expect("font");
    doc.title("救助金发放花名册");
    let mut t = Table::new(vec![
        Column::mm("序号", 14.0).align(Align::Right),
        Column::fraction("户主姓名", 1.0),
        Column::fraction("家庭住址", 2.5),
        Column::mm("发放金额（元）", 30.0).align(Align::Right),
    ]);
    for i in 1..=300 {
        // Every 7th row has an address long enough to wrap in its cell.
        let address = if i % 7 == 0 {
            format!(
                "某某镇第{i}村民小组某某路{}号附近的一个很长的地址需要换行显示",
                i * 3
            )
        } else {
            format!("某某镇第{i}村民小组")
        };
        t.row([
            i.to_string(),
            format!("户主R{i:04}"),
            address,
            format!("{}.{:02}", 500 + i, i % 100),
        ]);
    }
    doc.table(t);
    let bytes = doc.to_bytes().expect("pdf");
    let pdf = write_pdf(dir.path(), "roster.pdf", &bytes);

    let pages = page_count(&pdf);
    assert!(pages >= 8, "300 rows should span many pages, got {pages}");
    let all = squash(&pdf_text(&pdf, None));
    for i in 1..=300 {
        let marker = format!("户主R{i:04}");
        assert_eq!(
            all.matches(&marker).count(),
            1,
            "row {i} missing or duplicated"
        );
        let amount = format!("{}.{:02}", 500 + i, i % 100);
        assert!(all.contains(&amount), "amount of row {i}");
    }
    assert!(all.contains(&squash(
        "某某镇第294村民小组某某路882号附近的一个很长的地址需要换行显示"
    )));
    for p in 1..=pages {
        let text = squash(&pdf_text(&pdf, Some(p)));
        assert!(
            text.contains("发放金额（元）") && text.contains("户主姓名"),
            "header missing on page {p}"
        );
        assert!(
            text.contains(&format!("第{p}页/共{pages}页")),
            "footer on page {p}"
        );
    }
    let first = squash(&pdf_text(&pdf, Some(1)));
    let last = squash(&pdf_text(&pdf, Some(pages)));
    assert!(first.contains("户主R0001"));
    assert!(last.contains("户主R0300"));

    // Money is right-aligned: the amounts' right edges line up.
    let boxes = word_boxes(&pdf);
    let rights: Vec<f64> = boxes
        .iter()
        .filter(|b| b.text.contains('.') && b.text.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .map(|b| b.x1)
        .collect();
    assert!(rights.len() >= 300);
    let (min, max) = rights
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    assert!(
        max - min < 1.5,
        "amount right edges vary from {min} to {max}"
    );

    let dark = dark_pixels_per_page(&pdf, dir.path());
    assert_eq!(dark.len(), pages);
    assert!(dark.iter().all(|d| *d > 50), "blank page in {dark:?}");
}

#[test]
fn long_paragraph_wraps_across_pages_without_loss() {
    let dir = tempdir();
    let mut doc = Document::new("情况说明").expect("font");
    doc.no_header();
    let mut para = String::new();
    for i in 1..=400 {
        para.push_str(&format!(
            "第{i}条：申请人家庭因病致贫，编号 No.{i:05} 的核查记录金额为 {}.{:02} 元。",
            i * 13,
            i % 100
        ));
    }
    doc.paragraph_styled(para.clone(), TextStyle::default().indent(2.0));
    let pages = doc.page_count().expect("layout");
    let bytes = doc.to_bytes().expect("pdf");
    let pdf = write_pdf(dir.path(), "para.pdf", &bytes);
    assert_eq!(page_count(&pdf), pages);
    assert!(
        pages >= 4,
        "400 sentences should take several pages, got {pages}"
    );

    // Drop the footers, then the paragraph must come back intact and in order.
    let mut text = squash(&pdf_text(&pdf, None));
    for p in 1..=pages {
        text = text.replace(&format!("第{p}页/共{pages}页"), "");
    }
    assert_eq!(text, squash(&para));
}

#[test]
fn nothing_is_cut_off_or_overlapping() {
    let dir = tempdir();
    let mut doc = dossier();
    let mut narrow = Table::new(vec![
        Column::mm("编号", 14.0),
        Column::fraction("说明", 1.0),
        Column::mm("金额", 22.0).align(Align::Right),
    ]);
    narrow.row([
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "窄列中的超长编号会在字符之间断开，不会溢出单元格。",
        "12,345,678.90",
    ]);
    doc.table(narrow);
    let bytes = doc.to_bytes().expect("pdf");
    let pdf = write_pdf(dir.path(), "boxes.pdf", &bytes);
    let all = squash(&pdf_text(&pdf, None));
    assert!(
        all.contains("ABCDEFGHIJKLMNOPQRSTUVWXYZ") || {
            // Split between lines inside the cell: every letter is still there.
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                .chars()
                .all(|c| all.contains(c))
        }
    );

    let boxes = word_boxes(&pdf);
    assert!(boxes.len() > 100);
    let pt = |mm: f64| mm * 72.0 / 25.4;
    for b in &boxes {
        assert!(
            b.x0 >= pt(18.0) - 0.5 && b.x1 <= pt(192.0) + 0.5,
            "{b:?} outside the left/right margins"
        );
        assert!(b.y0 >= pt(8.0) && b.y1 <= pt(289.0), "{b:?} off the page");
    }
    // No two words overlap (boxes may touch vertically: font ascent and
    // descent exceed the line spacing a little).
    for (i, a) in boxes.iter().enumerate() {
        for b in boxes[i + 1..].iter().filter(|b| b.page == a.page) {
            let dx = a.x1.min(b.x1) - a.x0.max(b.x0);
            let dy = a.y1.min(b.y1) - a.y0.max(b.y0);
            let min_h = (a.y1 - a.y0).min(b.y1 - b.y0);
            assert!(dx <= 0.5 || dy <= 0.35 * min_h, "{a:?} overlaps {b:?}");
        }
    }
}

#[test]
fn a_row_taller_than_a_page_is_continued() {
    let dir = tempdir();
    let mut doc = Document::new("超长记录").expect("font");
    let mut t = Table::new(vec![
        Column::mm("序号", 15.0),
        Column::fraction("走访记录", 1.0),
    ]);
    let mut notes = String::new();
    for i in 1..=120 {
        notes.push_str(&format!(
            "第{i}次走访：家中无人，电话联系后约定下次时间。\n"
        ));
    }
    t.row(["1", notes.as_str()]);
    t.row(["2", "最后一行"]);
    doc.table(t);
    let bytes = doc.to_bytes().expect("pdf");
    let pdf = write_pdf(dir.path(), "tall.pdf", &bytes);
    let pages = page_count(&pdf);
    assert!(pages >= 3, "got {pages} pages");
    let all = squash(&pdf_text(&pdf, None));
    for i in 1..=120 {
        assert!(all.contains(&format!("第{i}次走访：")), "visit {i} lost");
    }
    assert!(all.contains("最后一行"));
    for p in 2..=pages {
        assert!(
            squash(&pdf_text(&pdf, Some(p))).contains("走访记录"),
            "header on page {p}"
        );
    }
}

#[test]
fn unsupported_characters_are_reported() {
    let mut doc = Document::new("t").expect("font");
    doc.paragraph("张三\u{E000}");
    assert_eq!(doc.missing_chars(), vec!['\u{E000}']);
    let mut ok = Document::new("t").expect("font");
    ok.paragraph(format!("身份证号 {ID_NUMBER}，金额 1,234.56 元。"));
    assert!(ok.missing_chars().is_empty());
}
