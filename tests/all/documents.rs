//! The printed papers through the real `bangfu` binary: the one-household
//! dossier (一户一档), the village dossiers, the public notice (公示), the
//! summary report and the due list.
//!
//! Every test builds its own SQLite store in a temporary directory with the
//! `bangfu` command (`demo`, `import households`, `eval --save`, `visit add`,
//! `event add`, `measure add`), prints papers with it and reads them back with
//! poppler-utils (`pdftotext`, `pdffonts`, `pdfinfo`, `pdftoppm`), which must
//! be installed.
//!
//! Timings are printed with `eprintln!` (see them with `--nocapture`);
//! `bench_village_300` is ignored by default:
//! `cargo test --release -p bangfu-cli --test all -- --ignored --nocapture bench_village_300`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::ids::id_number;
use crate::support::pdf::{
    assert_font_embedded_and_subset, keep, page_count, pdf_text, render_gray, squash, word_boxes,
};
use crate::support::{
    csv_rows, has_cjk, import_households, open_store, p, run, tempdir, Bangfu, Run,
};

/// The test village (rare surnames, so no demo name collides with ours).
const VILLAGE: &str = "青檀岭村";
/// Complaint telephone given to `notice --phone`. None of its 6-digit windows
/// can be part of an ID number (its windows are not valid dates).
const PHONE: &str = "0558-7654321";
/// Margins of every page (the layout engine's default), in points.
const MARGIN_X_PT: f64 = 18.0 * 72.0 / 25.4;

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// A temporary directory with a store in it.
struct Place {
    dir: TempDir,
    db: PathBuf,
}

impl Place {
    fn new() -> Place {
        let dir = tempdir();
        let db = dir.path().join("bangfu.sqlite");
        Place { dir, db }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `bangfu --db DB ARGS…` with HOME pointed into the temporary directory.
    fn run(&self, args: &[&str]) -> Run {
        run(&self.db, args)
    }

    fn demo(&self, per_village: usize) {
        let n = per_village.to_string();
        let today = today().to_string();
        self.run(&["demo", "--per-village", &n, "--as-of", &today])
            .ok();
    }

    fn import(&self, name: &str, households: Vec<Value>) {
        import_households(&self.db, &self.path(name), &households);
    }

    fn eval_save(&self) {
        let today = today().to_string();
        self.run(&["eval", "--save", "--as-of", &today]).ok();
    }

    /// `households list --json`, by code.
    fn list(&self, village: Option<&str>) -> BTreeMap<String, Value> {
        let mut args = vec!["households", "list", "--json"];
        if let Some(v) = village {
            args.extend(["--village", v]);
        }
        let list = self.run(&args).ok().json();
        list.as_array()
            .expect("households list --json is an array")
            .iter()
            .map(|h| (h["code"].as_str().unwrap().to_owned(), h.clone()))
            .collect()
    }

    /// `households show CODE --json`: the household.v1 object.
    fn household(&self, code: &str) -> Value {
        self.run(&["households", "show", code, "--json"])
            .ok()
            .json()["household"]
            .clone()
    }

    /// The decision saved for a household, as its `bangfu.eval.v1` object.
    fn saved_decision(&self, code: &str) -> Value {
        let d = open_store(&self.db)
            .latest_decision(code)
            .expect("read decision")
            .unwrap_or_else(|| panic!("{code} has no saved decision"));
        serde_json::from_str(&d.result_json).expect("decision JSON")
    }

    /// Prints one household's dossier with the binary.
    fn dossier(&self, code: &str) -> PathBuf {
        let out = self.path(&format!("{code}.pdf"));
        self.run(&["dossier", "--household", code, "--out", p(&out)])
            .ok();
        keep(&out);
        out
    }
}

/// Today as the binary sees it (printing dates and `due` use the clock).
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn days_ago(n: u64) -> NaiveDate {
    today() - Days::new(n)
}

// ---------------------------------------------------------------------------
// Reading PDFs back with poppler-utils
// ---------------------------------------------------------------------------

/// Renders every page at 30 dpi: one image per page (the count from
/// `pdfinfo`), and every page has ink between the header and the footer.
/// Returns the page count.
#[track_caller]
fn assert_every_page_renders_with_content(pdf: &Path, scratch: &Path) -> usize {
    let pages = render_gray(pdf, scratch, 30);
    assert!(!pages.is_empty(), "{} has no page", pdf.display());
    for (i, g) in pages.iter().enumerate() {
        // The running header sits in the top ~5 %, the footer in the bottom ~5 %:
        // count ink in the band between them, where the page's own content is.
        let band = &g.pixels[g.height * 8 / 100 * g.width..g.height * 92 / 100 * g.width];
        let ink = band.iter().filter(|&&v| v < 200).count();
        assert!(
            ink >= 100,
            "page {} of {} is blank between header and footer ({ink} dark pixels)",
            i + 1,
            pdf.display()
        );
    }
    pages.len()
}

/// The `第 n 页 / 共 N 页` footer of every page carries the right numbers.
#[track_caller]
fn assert_page_numbers(pdf: &Path, pages: usize) {
    for n in 1..=pages {
        let text = squash(&pdf_text(pdf, Some(n)));
        let footer = format!("第{n}页/共{pages}页");
        assert!(
            text.contains(&footer),
            "page {n} of {} lacks {footer}:\n{text}",
            pdf.display()
        );
    }
}

/// Every word lies inside the page, between the left and right margins,
/// and no word is drawn over another: nothing is cut off at an edge, runs
/// past the text area or overlaps.
#[track_caller]
fn assert_words_inside_text_area(pdf: &Path) {
    let words = word_boxes(pdf);
    assert!(!words.is_empty(), "{} has no words", pdf.display());
    for w in &words {
        let inside = w.x0 >= MARGIN_X_PT - 1.0
            && w.x1 <= w.page_width - MARGIN_X_PT + 1.0
            && w.y0 >= 0.0
            && w.y1 <= w.page_height;
        assert!(
            inside,
            "page {} of {}: word outside the text area ({:.1},{:.1})–({:.1},{:.1}) \
             on a {:.1}×{:.1} page: {w:?}",
            w.page,
            pdf.display(),
            w.x0,
            w.y0,
            w.x1,
            w.y1,
            w.page_width,
            w.page_height
        );
    }
    // Text drawn over other text. Glyph boxes are taller than the line pitch
    // allows, so shrink them a little.
    for page in words.chunk_by(|a, b| a.page == b.page) {
        for (i, a) in page.iter().enumerate() {
            for b in &page[i + 1..] {
                let apart_x = a.x1 - 0.5 <= b.x0 || b.x1 - 0.5 <= a.x0;
                let apart_y = a.y1 - 2.0 <= b.y0 || b.y1 - 2.0 <= a.y0;
                assert!(
                    apart_x || apart_y,
                    "page {} of {}: words drawn over each other:\n{a:?}\n{b:?}",
                    a.page,
                    pdf.display()
                );
            }
        }
    }
}

/// The checks above are not vacuous: each catches what it looks for.
#[test]
fn the_checks_catch_what_they_look_for() {
    // The ID numbers made here are valid ones (a public case's number).
    assert_eq!(id_number("1981-04-12", 11), "341024198104120119");

    // Pieces of an ID number split by other text are caught, as is a masked one.
    let ids = vec![id_number("1968-03-15", 11)];
    let split = format!("蔺松柏 {} 号\n{} 1200.00", &ids[0][..10], &ids[0][10..]);
    let caught = |raw: String| {
        let ids = ids.clone();
        std::panic::catch_unwind(move || assert_no_id_numbers(&raw, &ids, "probe")).is_err()
    };
    assert!(caught(split));
    assert!(caught(format!("{}********{}", &ids[0][..6], &ids[0][14..])));
    assert!(!caught(format!(
        "蔺松柏 12 最低生活保障 6048.00 监督电话：{PHONE}"
    )));

    // A page with only the running header and footer counts as blank.
    let dir = tempdir();
    let mut doc = bangfu::pdf::Document::new("空白页").unwrap();
    doc.header("社会救助家庭档案（一户一档） 青檀岭村", "内部资料 注意保密");
    doc.footer("bangfu 帮扶", "第 {page} 页 / 共 {pages} 页");
    let blank = dir.path().join("blank.pdf");
    std::fs::write(&blank, doc.to_bytes().unwrap()).unwrap();
    let scratch = dir.path().to_owned();
    let blank_caught = std::panic::catch_unwind(move || {
        assert_every_page_renders_with_content(&blank, &scratch);
    })
    .is_err();
    assert!(
        blank_caught,
        "a header-and-footer-only page must fail the check"
    );
}

// ---------------------------------------------------------------------------
// Test households
// ---------------------------------------------------------------------------

/// A member: name, relation, birth date, ID sequence and any further fields.
fn member(name: &str, relation: &str, birth: &str, seq: u32, extra: Value) -> Value {
    let mut m = json!({
        "name": name,
        "id_number": id_number(birth, seq),
        "relation": relation,
    });
    for (k, v) in extra.as_object().expect("extra fields are an object") {
        m[k] = v.clone();
    }
    m
}

/// Distinctive yearly wage of the big household's head: it must never reach the notice.
const HEAD_WAGE: &str = "13579.24";
/// Distinctive yearly business income of the head's spouse.
const SPOUSE_BUSINESS: &str = "2468.13";

/// QTL-001: twelve members across four generations, with disability, serious
/// illness and a health note; a 低保 household under the default policy.
fn big_household() -> Value {
    let none = json!({});
    json!({
        "id": "QTL-001",
        "region_code": "341024",
        "village": VILLAGE,
        "group": "2组",
        "address": "青檀岭村2组18号",
        "phone": "13905580000",
        "hukou": "rural",
        "hardship_causes": ["illness", "disability"],
        "members": [
            member("蔺松柏", "self", "1968-03-15", 11, json!({"incomes": [{"kind": "wage", "annual": HEAD_WAGE}]})),
            member("符晓岚", "spouse", "1970-07-21", 22, json!({"incomes": [{"kind": "business", "annual": SPOUSE_BUSINESS}]})),
            member("蔺德厚", "parent", "1941-01-09", 13, json!({"disability": {"grade": 2, "kind": "physical"}, "self_care": "partial", "work_capacity": "none"})),
            member("葛秀禾", "parent", "1944-11-30", 24, json!({"serious_illness": true, "health_note": "患慢性肾病，长期透析"})),
            member("蔺嘉树", "child", "1994-05-02", 15, json!({"work_capacity": "partial", "incomes": [{"kind": "wage", "annual": "3150.66"}]})),
            member("桂若萱", "child_in_law", "1995-09-18", 26, none.clone()),
            member("蔺可馨", "grandchild", "2018-04-06", 28, none.clone()),
            member("蔺沐阳", "grandchild", "2020-12-25", 17, none.clone()),
            member("蔺书瑶", "child", "1999-02-14", 20, json!({"disability": {"grade": 4, "kind": "hearing"}})),
            member("蔺泽川", "child", "2003-06-30", 19, none.clone()),
            member("邝月华", "other", "1960-10-10", 42, json!({"incomes": [{"kind": "pension", "annual": "1830.00"}]})),
            member("蔺景澄", "grandchild", "2023-08-08", 31, none),
        ],
        "expenses": [{"kind": "medical", "annual": "3600.00"}],
        "assets": {"financial": "1800.00", "disqualifying": []}
    })
}

/// The rest of the test village: a 特困 person (QTL-002), a well-off family
/// (QTL-003, not paid) and a 低保边缘 family with 单人保 (QTL-004).
fn other_households() -> Vec<Value> {
    vec![
        json!({
            "id": "QTL-002", "region_code": "341024", "village": VILLAGE, "hukou": "rural",
            "group": "1组", "hardship_causes": ["disability"],
            "members": [member("骆青禾", "self", "1948-02-11", 33, json!({
                "work_capacity": "none", "self_care": "partial",
                "disability": {"grade": 3, "kind": "intellectual"},
                "health_note": "患糖尿病多年",
                "supporters": [],
                "incomes": [{"kind": "pension", "annual": "1416.00"}]
            }))],
            "assets": {"financial": "500.00", "disqualifying": []}
        }),
        json!({
            "id": "QTL-003", "region_code": "341024", "village": VILLAGE, "hukou": "rural",
            "members": [
                member("韦景行", "self", "1975-04-04", 35, json!({"incomes": [{"kind": "wage", "annual": "96000.00"}]})),
                member("瞿丹枫", "spouse", "1977-08-19", 46, json!({"incomes": [{"kind": "wage", "annual": "72500.00"}]})),
            ],
            "assets": {"financial": "20000.00", "disqualifying": []}
        }),
        json!({
            "id": "QTL-004", "region_code": "341024", "village": VILLAGE, "hukou": "rural",
            "hardship_causes": ["illness"],
            "members": [
                member("庞立夏", "self", "1972-06-06", 37, json!({"incomes": [{"kind": "wage", "annual": "19200.00"}]})),
                member("宋雨棠", "spouse", "1974-01-20", 48, json!({"serious_illness": true})),
            ],
            "assets": {"financial": "3000.00", "disqualifying": []}
        }),
    ]
}

/// QTL-005: imported after the evaluation, so it has no decision.
fn unevaluated_household() -> Value {
    json!({
        "id": "QTL-005", "region_code": "341024", "village": VILLAGE, "hukou": "rural",
        "members": [member("甘望舒", "self", "1980-09-09", 39, json!({}))],
        "assets": {"financial": "0", "disqualifying": []}
    })
}

/// The test village, evaluated and saved as of today, plus QTL-005 unevaluated.
fn test_village(place: &Place) {
    let mut all = vec![big_household()];
    all.extend(other_households());
    place.import("village.json", all);
    place.eval_save();
    place.import("late.json", vec![unevaluated_household()]);
}

fn names(household: &Value) -> Vec<String> {
    household["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect()
}

fn reason_texts(decision: &Value) -> Vec<String> {
    decision["reasons"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|x| x["text"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The section of `text` from `from` up to `to`.
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from} in the text"));
    let end = start
        + text[start..]
            .find(to)
            .unwrap_or_else(|| panic!("no {to} after {from}"));
    &text[start..end]
}

/// The dossier holds the household's code, every member's name, the amount
/// as saved and every reason sentence of the saved decision.
#[track_caller]
/// The text without the running header and footer, which pdftotext puts
/// among the body lines where a paragraph continues on the next page.
fn body_text(pdf: &Path) -> String {
    pdf_text(pdf, None)
        .lines()
        .filter(|l| {
            !(l.contains("内部资料") || (l.contains("第") && l.contains("页") && l.contains("共")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_dossier_content(place: &Place, pdf: &Path, code: &str) {
    let text = squash(&body_text(pdf));
    let household = place.household(code);
    let listed = &place.list(None)[code];
    let decision = place.saved_decision(code);
    assert!(text.contains(&format!("档案编号{code}")), "{code}: no code");
    for name in names(&household) {
        assert!(text.contains(&name), "{code}: member {name} missing");
    }
    let amount = listed["total_monthly"].as_str().expect("saved amount");
    assert_eq!(
        decision["total_monthly"].as_str(),
        Some(amount),
        "{code}: households list and the saved decision disagree"
    );
    assert!(
        text.contains(&format!("月保障金额{amount}元")),
        "{code}: monthly amount {amount} missing"
    );
    let reasons = reason_texts(&decision);
    assert!(
        !reasons.is_empty(),
        "{code}: the saved decision has no reasons"
    );
    for r in &reasons {
        assert!(
            text.contains(&squash(r)),
            "{code}: reason sentence missing from the dossier:\n{r}\n--- text ---\n{text}"
        );
    }
    // Each reason's basis: the provision the policy cites, else its key.
    for r in decision["reasons"].as_array().unwrap() {
        if let Some(basis) = r["citation"].as_str().or(r["policy_key"].as_str()) {
            assert!(
                text.contains(&squash(basis)),
                "{code}: basis {basis} missing"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 1. Dossiers of demo households, one of each status
// ---------------------------------------------------------------------------

#[test]
fn dossier_holds_names_amounts_and_reasons_with_an_embedded_subset_font() {
    let place = Place::new();
    place.demo(8);
    let list = place.list(None);
    // The first household of each status the demo produced.
    let mut by_status: BTreeMap<String, String> = BTreeMap::new();
    for (code, h) in &list {
        let status = h["status"].as_str().expect("demo households are evaluated");
        by_status
            .entry(status.to_owned())
            .or_insert_with(|| code.clone());
    }
    assert!(
        by_status.len() >= 5,
        "the demo should produce most statuses: {by_status:?}"
    );
    for code in by_status.values() {
        let pdf = place.dossier(code);
        assert_dossier_content(&place, &pdf, code);
        assert_font_embedded_and_subset(&pdf);
        let pages = assert_every_page_renders_with_content(&pdf, place.dir.path());
        assert_page_numbers(&pdf, pages);
        assert_words_inside_text_area(&pdf);
        let text = squash(&pdf_text(&pdf, None));
        assert!(text.contains(&format!("打印日期{}", today())));
        assert!(
            text.contains("九、签字确认"),
            "{code}: signature block missing"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Twelve members and forty visits
// ---------------------------------------------------------------------------

const WORKERS: [&str; 5] = ["余丽娟", "江海波", "洪卫东", "方晓燕", "程建业"];

fn visit_marker(k: usize) -> String {
    format!("走访记录第{k:02}次")
}

/// Days before today of visit `k` (1..=40): all different, not in entry order.
fn visit_offset(k: usize) -> u64 {
    ((k * 17) % 41) as u64 * 9 + 3
}

#[test]
fn dossier_of_twelve_members_and_forty_visits_spans_pages_without_losing_a_row() {
    let place = Place::new();
    test_village(&place);
    let code = "QTL-001";
    for k in 1..=40usize {
        let date = days_ago(visit_offset(k));
        let marker = visit_marker(k);
        // Findings of varying length, so rows have different heights.
        let mut findings = format!(
            "{marker}：看：房屋为砖混结构，屋内陈设简单；查：户口簿、收入证明齐全；算：按申报收入核算；访：邻居反映情况属实。"
        );
        for _ in 0..(k % 4) {
            findings.push_str("户主在县城务工，收入不稳定，老人长期服药，需继续跟踪。");
        }
        let date_s = date.to_string();
        let next = (date + Days::new(90)).to_string();
        let problem = format!("housing=屋顶漏雨第{k}处");
        let mut args = vec![
            "visit",
            "add",
            "--household",
            code,
            "--date",
            &date_s,
            "--worker",
            WORKERS[k % 5],
            "--worker",
            WORKERS[(k + 1) % 5],
            "--findings",
            &findings,
        ];
        if k % 5 == 0 {
            args.extend(["--problem", &problem]);
        }
        if k % 3 == 0 {
            args.extend(["--next", &next]);
        }
        place.run(&args).ok();
    }
    let draft_date = days_ago(1).to_string();
    place
        .run(&[
            "visit",
            "add",
            "--household",
            code,
            "--date",
            &draft_date,
            "--worker",
            "余丽娟",
            "--findings",
            "草稿记录第99次：尚未填完",
            "--draft",
        ])
        .ok();
    // The path is enforced: the steps in their order, each with what it
    // records; the confirmation (today, the day of the decision the store
    // saved) records 在保.
    let events = [
        ("application", 60, "户主提交书面申请（流程备注甲）"),
        ("investigation", 58, "两名工作人员入户调查（流程备注乙）"),
        ("check_request", 57, "提交授权书"),
        ("check_reply", 52, "未发现收入和财产"),
        ("democratic_review", 50, "评议通过（流程备注丙）"),
        ("notice_start", 48, "村务公开栏公示（流程备注丁）"),
        ("notice_end", 41, "公示期满无异议（流程备注戊）"),
        ("township_review", 35, "审核同意（流程备注己）"),
        ("county_confirmation", 0, "确认纳入低保（流程备注庚）"),
    ];
    for (kind, ago, note) in events {
        let date = days_ago(ago).to_string();
        let data: &[&str] = match kind {
            "check_reply" => &["--data", "finding=nothing"],
            "democratic_review" => &["--data", "result=agree", "--data", "participants=9"],
            _ => &[],
        };
        let mut args = vec![
            "event",
            "add",
            "--household",
            code,
            "--kind",
            kind,
            "--date",
            &date,
            "--actor",
            "青檀岭村委会",
            "--note",
            note,
        ];
        args.extend_from_slice(data);
        place.run(&args).ok();
    }
    // One event note longer than a page: its row must be continued, not cut.
    let long_note: String = (1..=60)
        .map(|i| format!("补充调查第{i:02}段：核实家庭成员务工收入、医疗费用票据及住房情况。"))
        .collect();
    let long_date = days_ago(0).to_string();
    place
        .run(&[
            "event",
            "add",
            "--household",
            code,
            "--kind",
            "review",
            "--data",
            "outcome=same",
            "--date",
            &long_date,
            "--actor",
            "县民政局",
            "--note",
            &long_note,
        ])
        .ok();
    let due = (today() + Days::new(60)).to_string();
    for (kind, description) in [
        ("医疗救助", "协助蔺德厚申请医疗救助并办理慢病卡（措施甲）"),
        ("就业救助", "推荐蔺嘉树参加县人社局技能培训（措施乙）"),
    ] {
        place
            .run(&[
                "measure",
                "add",
                "--household",
                code,
                "--kind",
                kind,
                "--description",
                description,
                "--responsible",
                "江海波",
                "--due",
                &due,
            ])
            .ok();
    }

    let started = Instant::now();
    let pdf = place.dossier(code);
    let cli_time = started.elapsed();

    // Everything the small dossier holds, and the font.
    assert_dossier_content(&place, &pdf, code);
    assert_font_embedded_and_subset(&pdf);

    // It spans pages; each renders, has content and is numbered.
    let pages = assert_every_page_renders_with_content(&pdf, place.dir.path());
    assert!(
        pages >= 3,
        "12 members and 40 visits should take several pages, got {pages}"
    );
    assert_page_numbers(&pdf, pages);
    assert_words_inside_text_area(&pdf);

    let raw = pdf_text(&pdf, None);
    let text = squash(&raw);

    // Each member is one row of the members table: exactly once there.
    let members = section(&text, "一、家庭成员", "二、家庭收入");
    for name in names(&big_household()) {
        assert_eq!(
            members.matches(name.as_str()).count(),
            1,
            "member {name} must be one row of the members table:\n{members}"
        );
    }
    for m in big_household()["members"].as_array().unwrap() {
        let id = m["id_number"].as_str().unwrap();
        assert!(
            members.contains(id),
            "ID number {id} missing from the dossier"
        );
    }
    // Incomes and expenses of the household are shown.
    for amount in [HEAD_WAGE, SPOUSE_BUSINESS, "3150.66", "1830.00", "3600.00"] {
        assert!(text.contains(amount), "amount {amount} missing");
    }
    // Disability, illness and the health note are in the (internal) dossier.
    for word in [
        "肢体残疾2级",
        "听力残疾4级",
        "重病",
        "患慢性肾病",
        "因病、因残",
    ] {
        assert!(text.contains(word), "{word} missing from the dossier");
    }

    // Every visit exactly once, oldest first; the draft is not printed.
    let visits = section(&text, "六、入户调查记录", "七、办理流程");
    let mut positions = Vec::new();
    for k in 1..=40 {
        let marker = visit_marker(k);
        assert_eq!(
            text.matches(marker.as_str()).count(),
            1,
            "visit marker {marker} must appear exactly once"
        );
        let at = visits
            .find(&marker)
            .unwrap_or_else(|| panic!("{marker} outside the visits section"));
        positions.push((days_ago(visit_offset(k)), at, k));
        let date = days_ago(visit_offset(k)).to_string();
        assert!(visits.contains(&date), "visit date {date} missing");
    }
    positions.sort();
    let order: Vec<usize> = positions.iter().map(|(_, _, k)| *k).collect();
    let mut by_place = positions.clone();
    by_place.sort_by_key(|(_, at, _)| *at);
    let printed: Vec<usize> = by_place.iter().map(|(_, _, k)| *k).collect();
    assert_eq!(printed, order, "visits must be printed oldest first");
    assert!(
        !text.contains("草稿记录第99次"),
        "a draft visit must not be printed"
    );
    assert!(visits.contains("住房安全有保障：有问题（屋顶漏雨第5处）"));

    // The visits table is continued with its header on every page it reaches.
    let mut visit_pages = 0;
    for n in 1..=pages {
        let page = squash(&pdf_text(&pdf, Some(n)));
        if (1..=40).any(|k| page.contains(&visit_marker(k))) {
            visit_pages += 1;
            assert!(
                page.contains("日期调查人员两不愁三保障核查调查情况下次走访"),
                "page {n} continues the visits table without its header"
            );
        }
    }
    assert!(
        visit_pages >= 2,
        "40 visits should run over more than one page"
    );

    // Timeline and plan.
    for (_, _, note) in events {
        assert!(text.contains(note), "event note {note} missing");
    }
    // The long note, read across the page breaks with the running header,
    // footer and repeated table header taken out, is whole and in order.
    let body: String = raw
        .lines()
        .filter(|l| {
            let l = squash(l);
            !(l.starts_with("社会救助家庭档案（一户一档）") && l.ends_with("内部资料注意保密")
                || l.starts_with("bangfu帮扶第")
                || l == "日期环节经办情况")
        })
        .collect();
    let timeline = section(&body, "七、办理流程", "八、证件及材料");
    assert!(
        timeline.contains(&squash(&long_note)),
        "the note longer than a page is not whole:\n{timeline}"
    );
    assert!(text.contains("措施甲") && text.contains("措施乙"));
    assert!(text.contains("县级确认"));

    // In-process timing of the same dossier.
    let store = open_store(&place.db);
    let (best, bytes) = time_dossier(&store, code);
    eprintln!(
        "[documents] 12-member/40-visit dossier ({} build): {pages} pages, {} bytes; \
         CLI run {:.0} ms; in-process load+render best of 3 {:.0} ms",
        profile(),
        bytes,
        ms(cli_time),
        ms(best)
    );
}

// ---------------------------------------------------------------------------
// 3. The public notice
// ---------------------------------------------------------------------------

/// Every 6-digit window of an ID number (its digits only).
fn id_windows(id: &str) -> Vec<String> {
    let chars: Vec<char> = id.chars().collect();
    chars
        .windows(6)
        .filter(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| w.iter().collect())
        .collect()
}

/// Runs of `min` or more digits in `text`.
fn digit_runs(text: &str, min: usize) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.chars().count() >= min {
                runs.push(run.clone());
            }
            run.clear();
        }
    }
    runs
}

/// ID numbers of every member of a village, from `export households`.
fn village_ids(place: &Place, village: &str) -> Vec<String> {
    let export = place.run(&["export", "households"]).ok().json();
    let ids: Vec<String> = export["households"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["village"] == village)
        .flat_map(|h| h["members"].as_array().unwrap().clone())
        .filter_map(|m| m["id_number"].as_str().map(str::to_owned))
        .collect();
    assert!(!ids.is_empty(), "{village} has no ID numbers to look for");
    ids
}

/// Nothing of an ID number is in the notice: no 18-character number, no
/// masked number, and no 6-digit piece of any ID of the village.
#[track_caller]
fn assert_no_id_numbers(raw: &str, ids: &[String], what: &str) {
    let text = squash(raw);
    if let Some(run) = digit_runs(&text, 17).first() {
        panic!("{what}: a 17+ digit run {run} looks like an ID number");
    }
    assert!(!text.contains("****"), "{what}: a masked ID number");
    assert!(!text.contains("身份证"), "{what}: mentions ID numbers");
    for id in ids {
        assert!(!text.contains(id.as_str()), "{what}: ID number {id}");
        for w in id_windows(id) {
            // pdftotext keeps cells apart with whitespace: a window found in the
            // raw text is a piece of the ID, whatever wrapping did to it.
            assert!(
                !raw.contains(&w),
                "{what}: {w}, six digits of ID number {id}, is printed:\n{raw}"
            );
        }
    }
}

/// Words that would disclose health, disability or income.
const PRIVATE_WORDS: [&str; 14] = [
    "残疾", "残", "重病", "病", "患", "失能", "智力", "肢体", "听力", "精神", "收入", "工资",
    "因病", "透析",
];

#[test]
fn notice_shows_only_heads_members_covered_program_amount_period_and_phone() {
    let place = Place::new();
    place.demo(8);
    test_village(&place);
    let out = place.path("notice.pdf");
    place
        .run(&[
            "notice",
            "--village",
            VILLAGE,
            "--out",
            p(&out),
            "--phone",
            PHONE,
            "--from",
            "2026-12-28",
        ])
        .ok();
    keep(&out);
    assert_font_embedded_and_subset(&out);
    let pages = assert_every_page_renders_with_content(&out, place.dir.path());
    assert_page_numbers(&out, pages);
    assert_words_inside_text_area(&out);
    let raw = pdf_text(&out, None);
    let text = squash(&raw);

    // The 7-day period (across the year end) and the complaint telephone.
    assert!(
        text.contains("公示期自2026年12月28日至2027年01月03日，共7天"),
        "notice period wrong:\n{text}"
    );
    assert!(
        text.contains(&format!("监督电话：{PHONE}")),
        "phone missing"
    );

    // The paid households: head, members covered, program, amount.
    let list = place.list(Some(VILLAGE));
    let amount = |code: &str| list[code]["total_monthly"].as_str().unwrap().to_owned();
    assert_eq!(list["QTL-003"]["status"], "ineligible");
    assert_eq!(list["QTL-003"]["total_monthly"], "0.00");
    assert_eq!(list["QTL-005"]["status"], Value::Null);
    let rows = [
        format!("蔺松柏12最低生活保障{}", amount("QTL-001")),
        format!("骆青禾1特困人员供养{}", amount("QTL-002")),
        format!("庞立夏1低保（单人保）{}", amount("QTL-004")),
    ];
    for row in &rows {
        assert!(text.contains(row.as_str()), "row {row} missing:\n{raw}");
    }
    let total: rust_decimal::Decimal = ["QTL-001", "QTL-002", "QTL-004"]
        .iter()
        .map(|c| amount(c).parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert!(
        text.contains("现将以下3户社会救助对象予以公示"),
        "household count wrong:\n{raw}"
    );
    assert!(
        text.contains(&format!("合计3户14{total:.2}")),
        "total row wrong (3 households, 14 persons, {total:.2}):\n{raw}"
    );

    // Not paid (ineligible, not evaluated): not published.
    for absent in ["韦景行", "瞿丹枫", "甘望舒"] {
        assert!(!text.contains(absent), "{absent} must not be published");
    }
    // Only heads are named.
    for h in std::iter::once(big_household()).chain(other_households()) {
        for (i, name) in names(&h).iter().enumerate() {
            if i > 0 {
                assert!(!text.contains(name.as_str()), "member {name} is not a head");
            }
        }
    }
    // No ID number, no health, disability or income detail.
    assert_no_id_numbers(&raw, &village_ids(&place, VILLAGE), VILLAGE);
    for word in PRIVATE_WORDS {
        assert!(
            !text.contains(word),
            "the notice discloses “{word}”:\n{raw}"
        );
    }
    for figure in [
        HEAD_WAGE,
        SPOUSE_BUSINESS,
        "3150.66",
        "1830.00",
        "3600.00",
        "19200.00",
        "1416.00",
    ] {
        assert!(!text.contains(figure), "income or expense {figure} printed");
    }
    let decision = place.saved_decision("QTL-001");
    let pci = decision["per_capita_income"].as_str().unwrap();
    assert!(!text.contains(pci), "per-capita income {pci} printed");

    // Every demo village: only paid households, no ID numbers, no private words.
    let villages: std::collections::BTreeSet<String> = place
        .list(None)
        .values()
        .map(|h| h["village"].as_str().unwrap().to_owned())
        .filter(|v| v != VILLAGE)
        .collect();
    assert_eq!(
        villages.len(),
        4,
        "the demo has four villages: {villages:?}"
    );
    for village in &villages {
        let out = place.path(&format!("notice-{village}.pdf"));
        place
            .run(&[
                "notice",
                "--village",
                village,
                "--out",
                p(&out),
                "--phone",
                PHONE,
                "--from",
                "2026-12-01",
            ])
            .ok();
        let raw = pdf_text(&out, None);
        let text = squash(&raw);
        let list = place.list(Some(village));
        let paid: Vec<&Value> = list
            .values()
            .filter(|h| h["total_monthly"].as_str().is_some_and(|a| a != "0.00"))
            .collect();
        assert!(
            text.contains(&format!("现将以下{}户", paid.len())),
            "{village}: {} paid households expected:\n{raw}",
            paid.len()
        );
        assert!(text.contains("公示期自2026年12月01日至2026年12月07日，共7天"));
        for h in &paid {
            let head = h["head"].as_str().unwrap();
            let amount = h["total_monthly"].as_str().unwrap();
            assert!(text.contains(head), "{village}: head {head} missing");
            assert!(
                raw.lines().any(|l| l.contains(head) && l.contains(amount)),
                "{village}: no row with {head} and {amount}:\n{raw}"
            );
        }
        assert_no_id_numbers(&raw, &village_ids(&place, village), village);
        for word in PRIVATE_WORDS {
            assert!(!text.contains(word), "{village}: notice discloses “{word}”");
        }
    }
}

/// `notice --phone` is documented to default to the `complaint_phone`
/// setting, so a caseworker must be able to set it once.
#[test]
fn notice_uses_the_complaint_phone_setting_when_no_phone_is_given() {
    let place = Place::new();
    test_village(&place);
    let set = place.run(&["settings", "set", "complaint_phone", "0558-6611223"]);
    assert_eq!(
        set.code,
        0,
        "`settings set complaint_phone` must be accepted, since `notice` reads it:\n{}",
        set.describe()
    );
    let out = place.path("notice.pdf");
    place
        .run(&["notice", "--village", VILLAGE, "--out", p(&out)])
        .ok();
    let text = squash(&pdf_text(&out, None));
    assert!(text.contains("监督电话：0558-6611223"), "{text}");
}

/// The number right after `label` in squashed text.
fn number_after(text: &str, label: &str) -> Option<usize> {
    let at = text.find(label)? + label.len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The dossier's 保障人口 and the notice's 保障人数 of the same paid
/// household are the same number: a 特困 person is one person covered, a
/// 低保边缘 family with one 单人保 member has one person covered.
#[test]
fn dossier_and_notice_agree_on_the_persons_covered() {
    let place = Place::new();
    test_village(&place);
    let notice = place.path("notice.pdf");
    place
        .run(&[
            "notice",
            "--village",
            VILLAGE,
            "--out",
            p(&notice),
            "--phone",
            PHONE,
        ])
        .ok();
    let notice = squash(&pdf_text(&notice, None));
    let mut disagreements = Vec::new();
    for (code, head) in [
        ("QTL-001", "蔺松柏"),
        ("QTL-002", "骆青禾"),
        ("QTL-004", "庞立夏"),
    ] {
        let published = number_after(&notice, head)
            .unwrap_or_else(|| panic!("{head} has no row in the notice:\n{notice}"));
        let dossier = squash(&pdf_text(&place.dossier(code), None));
        let printed = number_after(&dossier, "保障人口")
            .unwrap_or_else(|| panic!("{code}: no 保障人口 in the dossier"));
        if printed != published {
            let status = place.list(Some(VILLAGE))[code]["status"].clone();
            disagreements.push(format!(
                "{code} ({status}): dossier 保障人口 {printed}, notice 保障人数 {published}"
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// The notice is signed by the committee of the village or community it is
/// for: the default issuer keeps the whole name (黎阳社区, not 黎阳村).
#[test]
fn notice_is_signed_in_the_name_of_its_village_or_community() {
    let place = Place::new();
    place.demo(2);
    test_village(&place);
    let villages: std::collections::BTreeSet<String> = place
        .list(None)
        .values()
        .map(|h| h["village"].as_str().unwrap().to_owned())
        .collect();
    assert!(villages.iter().any(|v| v.ends_with("社区")), "{villages:?}");
    let mut wrong = Vec::new();
    for village in &villages {
        let out = place.path(&format!("notice-{village}.pdf"));
        place
            .run(&[
                "notice",
                "--village",
                village,
                "--out",
                p(&out),
                "--phone",
                PHONE,
            ])
            .ok();
        let raw = pdf_text(&out, None);
        let issuer = raw
            .lines()
            .find(|l| l.contains("委员会"))
            .unwrap_or_else(|| panic!("{village}: no issuer line:\n{raw}"));
        if !squash(issuer).contains(village.as_str()) {
            wrong.push(format!("{village}: signed “{}”", issuer.trim()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------
// 4. Village dossiers
// ---------------------------------------------------------------------------

#[test]
fn village_dossiers_write_one_pdf_per_household_and_a_combined_file() {
    let place = Place::new();
    place.demo(4);
    test_village(&place);
    let out = place.path("papers/青檀岭/一户一档"); // does not exist yet
    place
        .run(&["dossier", "--village", VILLAGE, "--out", p(&out)])
        .ok();
    let codes: Vec<String> = place.list(Some(VILLAGE)).keys().cloned().collect();
    assert_eq!(
        codes,
        ["QTL-001", "QTL-002", "QTL-003", "QTL-004", "QTL-005"]
    );

    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let combined_name = format!("{VILLAGE}-一户一档合订本.pdf");
    let mut expected: Vec<String> = codes.iter().map(|c| format!("{c}.pdf")).collect();
    expected.push(combined_name.clone());
    expected.sort();
    assert_eq!(
        files, expected,
        "one PDF per household plus the combined file"
    );

    let mut pages_each = 0;
    for code in &codes {
        let pdf = out.join(format!("{code}.pdf"));
        let text = squash(&pdf_text(&pdf, None));
        assert!(text.contains(&format!("档案编号{code}")), "{code}.pdf");
        for other in codes.iter().filter(|c| *c != code) {
            assert!(!text.contains(other.as_str()), "{code}.pdf holds {other}");
        }
        if code != "QTL-005" {
            assert_dossier_content(&place, &pdf, code);
        }
        pages_each += page_count(&pdf);
    }
    let combined = out.join(&combined_name);
    assert_font_embedded_and_subset(&combined);
    let pages = assert_every_page_renders_with_content(&combined, place.dir.path());
    assert_page_numbers(&combined, pages);
    assert!(
        pages >= codes.len(),
        "{pages} pages for {} households",
        codes.len()
    );
    assert_eq!(
        pages, pages_each,
        "each household starts a new page of the combined file"
    );
    let text = squash(&pdf_text(&combined, None));
    for code in &codes {
        assert_eq!(
            text.matches(&format!("档案编号{code}")).count(),
            1,
            "{code} must be in the combined file once"
        );
    }
    // QTL-005 was imported after the evaluation.
    let late = squash(&pdf_text(&out.join("QTL-005.pdf"), None));
    assert!(late.contains("尚未评估"), "{late}");
    assert!(late.contains("甘望舒"));
    // Household order in the combined file follows the codes.
    let at: Vec<usize> = codes
        .iter()
        .map(|c| text.find(&format!("档案编号{c}")).unwrap())
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "households out of order"
    );
}

// ---------------------------------------------------------------------------
// 5. The summary report
// ---------------------------------------------------------------------------

#[test]
fn report_pdf_and_csv_total_every_household_of_the_store() {
    let place = Place::new();
    place.demo(8);
    test_village(&place);
    let list = place.list(None);
    let households = list.len();
    let persons: u64 = list
        .values()
        .map(|h| h["cohabiting"].as_u64().unwrap())
        .sum();
    let monthly: rust_decimal::Decimal = list
        .values()
        .filter_map(|h| h["total_monthly"].as_str())
        .map(|a| a.parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(households, 32 + 5);

    let pdf = place.path("out/report.pdf");
    let csv_path = place.path("out/report.csv");
    let run = place
        .run(&["report", "--out", p(&pdf), "--csv", p(&csv_path)])
        .ok();
    keep(&pdf);
    keep(&csv_path);
    assert!(run.stdout.contains(&format!("合计 {households} 户")));

    assert_font_embedded_and_subset(&pdf);
    let pages = assert_every_page_renders_with_content(&pdf, place.dir.path());
    assert_words_inside_text_area(&pdf);
    let text = squash(&pdf_text(&pdf, None));
    let summary = format!("共{households}户{persons}人，每月发放合计{monthly:.2}元");
    assert!(text.contains(&summary), "no “{summary}” in:\n{text}");
    assert!(text.contains(&format!("合计{households}{persons}{monthly:.2}")));
    assert!(text.contains("未评估"), "QTL-005 counts as not evaluated");
    assert!(pages >= 1);

    let bytes = std::fs::read(&csv_path).unwrap();
    let rows = csv_rows(&bytes);
    assert_eq!(
        rows[0],
        ["分组", "项目", "类别", "户数", "人数", "月发放金额（元）"],
        "Chinese headers"
    );
    let total: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "合计").collect();
    assert_eq!(total.len(), 1, "one 合计 row");
    assert_eq!(total[0][3], households.to_string(), "合计 households");
    assert_eq!(total[0][4], persons.to_string(), "合计 persons");
    assert_eq!(total[0][5], format!("{monthly:.2}"), "合计 monthly");
    let by_village: usize = rows
        .iter()
        .filter(|r| r[0] == "村/社区")
        .map(|r| r[3].parse::<usize>().unwrap())
        .sum();
    assert_eq!(
        by_village, households,
        "the village rows add up to the total"
    );
    assert!(rows
        .iter()
        .any(|r| r[0] == "村/社区" && r[1] == VILLAGE && r[2] == "未评估" && r[3] == "1"));

    // One village only.
    let csv_v = place.path("village.csv");
    place
        .run(&["report", "--village", VILLAGE, "--csv", p(&csv_v)])
        .ok();
    let rows = csv_rows(&std::fs::read(&csv_v).unwrap());
    let total = rows.iter().find(|r| r[0] == "合计").unwrap();
    assert_eq!(total[3], "5", "{VILLAGE} has 5 households");
}

// ---------------------------------------------------------------------------
// 6. Bad input, missing directories
// ---------------------------------------------------------------------------

#[test]
fn bad_input_is_refused_in_chinese_and_missing_directories_are_created() {
    let place = Place::new();
    test_village(&place);

    // Unknown household: non-zero, Chinese message naming it, no file.
    let out = place.path("nowhere/x.pdf");
    let run = place.run(&["dossier", "--household", "QTL-999", "--out", p(&out)]);
    assert_ne!(run.code, 0, "{}", run.describe());
    assert!(
        has_cjk(&run.stderr) && run.stderr.contains("QTL-999"),
        "{}",
        run.describe()
    );
    assert!(
        !out.exists(),
        "no dossier may be written for an unknown household"
    );

    // Unknown village: exit 2 for the notice and for the village dossiers.
    let run = place.run(&["notice", "--village", "无此村", "--out", p(&out)]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        has_cjk(&run.stderr) && run.stderr.contains("无此村"),
        "{}",
        run.describe()
    );
    let run = place.run(&["dossier", "--village", "无此村", "--out", p(&out)]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!out.exists());

    // A bad --from date: exit 2, naming the option.
    let run = place.run(&[
        "notice",
        "--village",
        VILLAGE,
        "--out",
        p(&out),
        "--from",
        "2026-13-01",
    ]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("--from"), "{}", run.describe());

    // A store that does not exist is not created by printing.
    let missing = place.path("missing.sqlite");
    let run = Bangfu::new().db(&missing).home(place.dir.path()).run(&[
        "dossier",
        "--household",
        "QTL-001",
        "--out",
        p(&out),
    ]);
    assert_ne!(run.code, 0);
    assert!(has_cjk(&run.stderr));
    assert!(!missing.exists(), "printing must not create a store");

    // Output directories that do not exist yet are created.
    let dossier = place.path("a/b/c/QTL-002.pdf");
    place
        .run(&["dossier", "--household", "QTL-002", "--out", p(&dossier)])
        .ok();
    let notice = place.path("d/e/notice.pdf");
    place
        .run(&[
            "notice",
            "--village",
            VILLAGE,
            "--out",
            p(&notice),
            "--phone",
            PHONE,
        ])
        .ok();
    let report = place.path("f/g/report.pdf");
    let csv_path = place.path("h/i/report.csv");
    place
        .run(&["report", "--out", p(&report), "--csv", p(&csv_path)])
        .ok();
    for file in [&dossier, &notice, &report, &csv_path] {
        assert!(file.is_file(), "{} was not written", file.display());
    }
    for pdf in [&dossier, &notice, &report] {
        assert!(page_count(pdf) >= 1);
    }
}

// ---------------------------------------------------------------------------
// The due list
// ---------------------------------------------------------------------------

#[test]
fn due_lists_overdue_visits_measures_and_drafts() {
    let place = Place::new();
    test_village(&place);
    let visit = days_ago(200).to_string();
    let next = days_ago(20).to_string();
    place
        .run(&[
            "visit",
            "add",
            "--household",
            "QTL-003",
            "--date",
            &visit,
            "--worker",
            "余丽娟",
            "--worker",
            "江海波",
            "--next",
            &next,
        ])
        .ok();
    let measure_due = days_ago(5).to_string();
    place
        .run(&[
            "measure",
            "add",
            "--household",
            "QTL-004",
            "--kind",
            "医疗救助",
            "--responsible",
            "江海波",
            "--due",
            &measure_due,
        ])
        .ok();
    let soon = (today() + Days::new(10)).to_string();
    place
        .run(&[
            "measure",
            "add",
            "--household",
            "QTL-002",
            "--kind",
            "结对帮扶",
            "--responsible",
            "洪卫东",
            "--due",
            &soon,
        ])
        .ok();
    let today_s = today().to_string();
    place
        .run(&[
            "visit",
            "add",
            "--household",
            "QTL-005",
            "--date",
            &today_s,
            "--worker",
            "余丽娟",
            "--draft",
        ])
        .ok();

    let items = place.run(&["due", "--json"]).ok().json();
    let items = items.as_array().expect("due --json is an array");
    let find = |code: &str, kind: &str| -> Option<&Value> {
        items
            .iter()
            .find(|i| i["household"] == code && i["kind"] == kind)
    };
    let v = find("QTL-003", "visit").expect("QTL-003 visit due");
    assert_eq!(v["due"], next.as_str());
    assert_eq!(v["overdue"], true);
    let m = find("QTL-004", "measure").expect("QTL-004 measure due");
    assert_eq!(m["due"], measure_due.as_str());
    assert_eq!(m["overdue"], true);
    let m = find("QTL-002", "measure").expect("QTL-002 measure due soon");
    assert_eq!(m["overdue"], false);
    assert!(
        find("QTL-005", "draft").is_some(),
        "the draft visit is listed"
    );
    // Paid households never visited are due today.
    let paid_visit = find("QTL-001", "visit").expect("QTL-001 was never visited");
    assert_eq!(paid_visit["due"], today_s.as_str());
    // Overdue first, then by date.
    let dues: Vec<&str> = items.iter().map(|i| i["due"].as_str().unwrap()).collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted, "the due list is in date order");
    // A 30-day horizon: nothing further away.
    let horizon = (today() + Days::new(30)).to_string();
    assert!(dues.iter().all(|d| *d <= horizon.as_str()));

    let text = place.run(&["due", "--village", VILLAGE]).ok();
    assert!(text.stdout.contains("已逾期") && text.stdout.contains("QTL-004"));
}

// ---------------------------------------------------------------------------
// Figures for BENCHMARKS.md
// ---------------------------------------------------------------------------

fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Best of three load+render times of one household's dossier, and its size.
fn time_dossier(store: &bangfu::store::Store, code: &str) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut size = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let file = bangfu::casefile::CaseFile::load(store, code).expect("load case file");
        let bytes = bangfu::documents::dossier_pdf(&file, today(), Default::default())
            .expect("render dossier");
        best = best.min(started.elapsed());
        size = bytes.len();
    }
    (best, size)
}

#[test]
fn one_dossier_time_and_size() {
    let place = Place::new();
    place.demo(8);
    let store = open_store(&place.db);
    let mut sizes = Vec::new();
    let mut times = Vec::new();
    for code in ["TXZ-001", "TXZ-003", "BY-002", "JW-005"] {
        let (t, size) = time_dossier(&store, code);
        assert!(size > 1000, "{code}: a dossier of {size} bytes");
        assert!(size < 2_000_000, "{code}: a dossier of {size} bytes");
        times.push(t);
        sizes.push(size);
    }
    sizes.sort_unstable();
    times.sort_unstable();
    eprintln!(
        "[documents] one demo dossier ({} build, in-process load+render, best of 3): \
         median {:.0} ms (range {:.0}–{:.0} ms); size median {} bytes (range {}–{})",
        profile(),
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        sizes[sizes.len() / 2],
        sizes[0],
        sizes[sizes.len() - 1]
    );
}

/// Renders the dossiers of a 300-household demo village (each PDF plus the
/// combined file) in process and prints the time.
#[test]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
fn bench_village_300() {
    let place = Place::new();
    let started = Instant::now();
    place.demo(300);
    let built = started.elapsed();
    let store = open_store(&place.db);
    let village = "田心寨村";
    let started = Instant::now();
    let files = bangfu::casefile::case_files(&store, Some(village)).unwrap();
    let loaded = started.elapsed();
    assert_eq!(files.len(), 300);
    let started = Instant::now();
    let bangfu::documents::VillageDossiers { each, combined } =
        bangfu::documents::village_dossiers(&files, village, today(), Default::default())
            .expect("render village");
    let rendered = started.elapsed();
    assert_eq!(each.len(), 300);
    let each_bytes: usize = each.iter().map(|(_, b)| b.len()).sum();
    let pdf = place.path("combined.pdf");
    std::fs::write(&pdf, &combined).unwrap();
    let pages = page_count(&pdf);
    assert!(pages >= 300);
    eprintln!(
        "[documents] bench_village_300 ({} build): demo of 1200 households {:.1} s; \
         load 300 case files {:.0} ms; village_dossiers (300 PDFs + combined) {:.1} s \
         = {:.0} ms per household; 300 PDFs {:.1} MB (mean {} bytes), combined {:.1} MB, {} pages",
        profile(),
        built.as_secs_f64(),
        ms(loaded),
        rendered.as_secs_f64(),
        ms(rendered) / 300.0,
        each_bytes as f64 / 1e6,
        each_bytes / 300,
        combined.len() as f64 / 1e6,
        pages
    );
}
