//! The 临时救助 register through the real `bangfu` binary and real encrypted
//! stores: requests and payments (`temp-aid request|pay|list`) held to what
//! the rules allow (年度上限, 一事一议, 乡镇/县级审批, 先行救助), the
//! household's evaluation reading `granted_this_year` from the register, the
//! 临时救助审批表, bad input, the confirmation of 在保 (`confirm`), and the
//! register travelling in sync bundles under the county's admission rules.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::support::ids::id_number;
use crate::support::pdf::{keep, pdf_text, squash};
use crate::support::sync::{county, device, device_in, keys_of, County};
use crate::support::{p, query_all, query_text, run, tempdir, write_json, Run};
use crate::sync_bundles::copied_device;

// ---------------------------------------------------------------------------
// Households and the register
// ---------------------------------------------------------------------------

fn member(
    name: &str,
    id: &str,
    relation: &str,
    work: &str,
    self_care: &str,
    pension: &str,
) -> Value {
    let incomes = if pension.is_empty() {
        json!([])
    } else {
        json!([{"kind": "pension", "annual": pension}])
    };
    json!({
        "name": name, "id_number": id, "relation": relation, "cohabiting": true,
        "disability": null, "serious_illness": false, "work_capacity": work,
        "self_care": self_care, "incomes": incomes
    })
}

fn household(code: &str, village: &str, members: Vec<Value>) -> Value {
    json!({
        "id": code, "region_code": "341024", "village": village, "group": "1组",
        "address": format!("{village}{code}"), "phone": "13900000000", "hukou": "rural",
        "members": members, "expenses": [],
        "assets": {"financial": "2000.00", "disqualifying": []}
    })
}

/// One working adult earning 9,600 a year (700 a month after the work
/// allowance, under the 900 of 低保边缘 at the built-in rural standard of 600).
pub(crate) fn worker(code: &str, village: &str, id: &str) -> Value {
    let mut m = member("程金明", id, "self", "full", "full", "");
    m["incomes"] = json!([{"kind": "wage", "annual": "9600.00"}]);
    household(code, village, vec![m])
}

/// Writes `households` as a `bangfu.household.v2` file and imports it.
pub(crate) fn import(db: &Path, file: &Path, households: &[Value]) {
    write_json(
        file,
        &json!({"format": "bangfu.household.v2", "households": households}),
    );
    run(db, &["import", "households", p(file)]).ok();
}

/// A fresh store with `households` in it.
fn store_with(dir: &Path, households: &[Value]) -> PathBuf {
    let db = dir.join("村.sqlite");
    import(&db, &dir.join("households.json"), households);
    db
}

/// `temp-aid request --household CODE ARGS…`; returns the record id printed.
fn request(db: &Path, code: &str, args: &[&str]) -> String {
    let mut all = vec!["temp-aid", "request", "--household", code];
    all.extend_from_slice(args);
    let r = run(db, &all).ok();
    let id = r
        .stdout
        .split("记录号 ")
        .nth(1)
        .and_then(|rest| rest.split('）').next())
        .unwrap_or_else(|| panic!("no record id printed:\n{}", r.describe()))
        .to_owned();
    uuid::Uuid::parse_str(&id).unwrap_or_else(|e| panic!("record id {id}: {e}"));
    id
}

fn pay(db: &Path, code: &str, id: &str, granted: &str, at: &str) -> Run {
    run(
        db,
        &[
            "temp-aid",
            "pay",
            "--household",
            code,
            "--id",
            id,
            "--granted",
            granted,
            "--paid-at",
            at,
        ],
    )
}

/// The household's register as `temp-aid list --json` gives it.
fn register(db: &Path, code: &str) -> Vec<Value> {
    let r = run(db, &["temp-aid", "list", "--household", code, "--json"]).ok();
    r.json().as_array().expect("a JSON array").clone()
}

fn record(db: &Path, code: &str, id: &str) -> Value {
    register(db, code)
        .into_iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("record {id} not in the register of {code}"))
}

/// A money field (a string) as a number, whatever its scale.
fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a money string"))
        .parse()
        .unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn yuan(s: &str) -> Decimal {
    s.parse().expect("amount")
}

/// What a refused command could have changed: the change log, the register.
fn state(db: &Path) -> Vec<String> {
    query_all(
        db,
        &[
            "SELECT COUNT(*) || ':' || COALESCE(MAX(hash), '') FROM change_log",
            "SELECT COUNT(*) FROM temp_aid",
            "SELECT COALESCE(group_concat(id || '|' || kind || '|' || cause || '|' || requested
                 || '|' || COALESCE(granted, '-') || '|' || COALESCE(approval_level, '-')
                 || '|' || COALESCE(paid_at, '-'), ';'), '') FROM temp_aid",
        ],
    )
}

/// The store's change log verifies.
pub(crate) fn log_verifies(db: &Path) {
    let r = run(db, &["log", "verify"]).ok();
    assert!(r.stdout.contains("哈希链连续"), "{}", r.stdout);
}

/// Expects a refusal (exit 2, Chinese, naming every needle) that changed nothing.
#[track_caller]
fn refused_unchanged(db: &Path, r: Run, needles: &[&str], before: &[String]) {
    r.refused_in_chinese(needles);
    assert_eq!(state(db), before, "a refused command changed the store");
}

/// The household `code` in `eval --as-of AS_OF` of the whole store.
fn evaluated(db: &Path, code: &str, as_of: &str) -> Value {
    let r = run(db, &["eval", "--as-of", as_of]).ok();
    r.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|h| h["id"] == code)
        .unwrap_or_else(|| panic!("{code} not evaluated:\n{}", r.stdout))
        .clone()
}

fn codes(result: &Value) -> Vec<String> {
    result["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect()
}

fn reason_text(result: &Value, code: &str) -> String {
    result["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no {code} reason in {result}"))["text"]
        .as_str()
        .expect("text")
        .to_owned()
}

// ---------------------------------------------------------------------------
// Requests and payments
// ---------------------------------------------------------------------------

#[test]
fn a_request_stays_open_until_paid_once_within_what_the_rules_allow() {
    let dir = tempdir();
    let d = dir.path();
    let db = store_with(
        d,
        &[worker("TXZ-001", "田心寨村", &id_number("1981-04-12", 11))],
    );
    let fire = request(
        &db,
        "TXZ-001",
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火，衣物被褥烧毁",
            "--event-date",
            "2026-11-20",
            "--reported-at",
            "2026-11-20 08:00",
            "--requested",
            "800",
        ],
    );
    let open = record(&db, "TXZ-001", &fire);
    assert_eq!(open["kind"], "emergency", "{open}");
    assert_eq!(open["cause"], "房屋失火，衣物被褥烧毁", "{open}");
    assert_eq!(open["event_date"], "2026-11-20", "{open}");
    assert_eq!(dec(&open["requested"]), yuan("800"), "{open}");
    assert_eq!(open["case_by_case"], false, "{open}");
    for unpaid in ["granted", "approval_level", "paid_at"] {
        assert!(
            open[unpaid].is_null(),
            "{unpaid} of an open request: {open}"
        );
    }
    let table = run(&db, &["temp-aid", "list", "--household", "TXZ-001"]).ok();
    assert!(table.stdout.contains("未发放"), "{}", table.stdout);

    // More than asked (and so more than the rules allow): refused, nothing written.
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, "TXZ-001", &fire, "900", "2026-11-20 20:30"),
        &["900.00", "800.00", "最多可救助"],
        &before,
    );
    assert_eq!(record(&db, "TXZ-001", &fire), open);
    log_verifies(&db);

    // Within: a small emergency is paid first (先行救助), twelve and a half hours after the report.
    let r = pay(&db, "TXZ-001", &fire, "800", "2026-11-20 20:30").ok();
    assert!(
        r.stdout.contains("800.00") && r.stdout.contains("先行救助"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("自报告 12 小时"), "{}", r.stdout);
    let paid = record(&db, "TXZ-001", &fire);
    assert_eq!(dec(&paid["granted"]), yuan("800"), "{paid}");
    assert_eq!(paid["approval_level"], "prepay", "{paid}");
    assert_eq!(paid["paid_at"], "2026-11-20T20:30:00", "{paid}");
    log_verifies(&db);

    // The same record cannot be paid twice.
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, "TXZ-001", &fire, "100", "2026-11-21 09:00"),
        &["不能重复发放", "2026-11-20 20:30"],
        &before,
    );

    // An emergency above the 先行救助 limit is approved before it is paid (乡镇).
    let big = request(
        &db,
        "TXZ-001",
        &[
            "--kind",
            "emergency",
            "--cause",
            "重病住院",
            "--event-date",
            "2026-11-22",
            "--requested",
            "3000",
        ],
    );
    let r = pay(&db, "TXZ-001", &big, "3000", "2026-11-23 10:00").ok();
    assert!(!r.stdout.contains("先行救助"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("小时"),
        "no report time, no hours: {}",
        r.stdout
    );
    assert_eq!(record(&db, "TXZ-001", &big)["approval_level"], "township");
    // The first payment is as it was.
    assert_eq!(record(&db, "TXZ-001", &fire), paid);
    log_verifies(&db);
}

#[test]
fn the_annual_cap_counts_this_years_payments_only_and_case_by_case_raises_it() {
    let dir = tempdir();
    let d = dir.path();
    let db = store_with(
        d,
        &[worker("TXZ-001", "田心寨村", &id_number("1981-04-12", 11))],
    );
    let code = "TXZ-001";
    let expenditure = |cause: &str, date: &str, amount: &str| {
        request(
            &db,
            code,
            &[
                "--cause",
                cause,
                "--event-date",
                date,
                "--requested",
                amount,
            ],
        )
    };

    // Last year: 15,000 paid (county approval, above the township's 5,000).
    let last_year = expenditure("大病住院自付费用", "2026-06-01", "15000");
    pay(&db, code, &last_year, "15000", "2026-06-10 10:00").ok();
    assert_eq!(record(&db, code, &last_year)["approval_level"], "county");

    // This year starts afresh: 6,000 (expenditure is the default kind) goes
    // to the county; were last year counted, only 5,000 would be allowed.
    let school = expenditure("子女上大学学费", "2027-03-01", "6000");
    assert_eq!(record(&db, code, &school)["kind"], "expenditure");
    let r = pay(&db, code, &school, "6000", "2027-03-05 10:00").ok();
    assert!(r.stdout.contains("县"), "{}", r.stdout);
    assert_eq!(record(&db, code, &school)["approval_level"], "county");

    // A small emergency: paid first, six hours after the report.
    let flood = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "洪水冲毁厨房",
            "--event-date",
            "2027-04-01",
            "--reported-at",
            "2027-04-01 09:00",
            "--requested",
            "800",
        ],
    );
    let r = pay(&db, code, &flood, "800", "2027-04-01 15:00").ok();
    assert!(r.stdout.contains("自报告 6 小时"), "{}", r.stdout);
    assert_eq!(record(&db, code, &flood)["approval_level"], "prepay");

    // 18,000 asked with 6,800 paid this year: 13,200 is what remains.
    let surgery = expenditure("手术费用", "2027-05-01", "18000");
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, code, &surgery, "13200.01", "2027-05-10 10:00"),
        &["13200.01", "13200.00", "年度上限"],
        &before,
    );
    refused_unchanged(
        &db,
        pay(&db, code, &surgery, "18000", "2027-05-10 10:00"),
        &["18000.00", "13200.00"],
        &before,
    );
    log_verifies(&db);
    pay(&db, code, &surgery, "13200", "2027-05-10 10:00").ok();
    let paid = record(&db, code, &surgery);
    assert_eq!(dec(&paid["granted"]), yuan("13200"), "{paid}");
    assert_eq!(paid["approval_level"], "county", "{paid}");

    // The year's cap is used up: even a small emergency gets nothing more.
    let more = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "再次受灾",
            "--event-date",
            "2027-06-01",
            "--requested",
            "500",
        ],
    );
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, code, &more, "1", "2027-06-02 10:00"),
        &["1.00", "0.00"],
        &before,
    );

    // 一事一议 raises the cap to 50,000: 30,000 more this year, not a fen beyond.
    let collapse = request(
        &db,
        code,
        &[
            "--cause",
            "房屋倒塌重建",
            "--event-date",
            "2027-07-01",
            "--requested",
            "40000",
            "--case-by-case",
            "房屋整体倒塌，经村民代表会议一事一议",
        ],
    );
    let open = record(&db, code, &collapse);
    assert_eq!(open["case_by_case"], true, "{open}");
    assert_eq!(
        open["case_reason"], "房屋整体倒塌，经村民代表会议一事一议",
        "{open}"
    );
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, code, &collapse, "30000.01", "2027-07-05 10:00"),
        &["30000.00"],
        &before,
    );
    pay(&db, code, &collapse, "30000", "2027-07-05 10:00").ok();
    let paid = record(&db, code, &collapse);
    assert_eq!(dec(&paid["granted"]), yuan("30000"), "{paid}");
    assert_eq!(paid["approval_level"], "county", "{paid}");
    log_verifies(&db);
}

// ---------------------------------------------------------------------------
// The household's evaluation
// ---------------------------------------------------------------------------

#[test]
fn the_evaluation_reads_granted_this_year_from_the_register_never_from_a_typed_figure() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let mut typed = worker(code, "田心寨村", &id_number("1981-04-12", 11));
    // A figure typed into the household file: 19,500 already granted this year.
    typed["temp_aid"] = json!({"requested": "3000.00", "granted_this_year": "19500.00"});
    let file = d.join("typed.json");
    let db = d.join("村.sqlite");
    import(&db, &file, std::slice::from_ref(&typed));
    // Without a register the typed request is what there is.
    let r = evaluated(&db, code, "2027-03-02");
    assert_eq!(dec(&r["temp_aid"]["grantable"]), yuan("500"), "{r}");

    // The register: last year's 15,000 and this year's 6,000 paid; 18,000 asked.
    let last_year = request(
        &db,
        code,
        &[
            "--cause",
            "大病住院",
            "--event-date",
            "2026-06-01",
            "--requested",
            "15000",
        ],
    );
    pay(&db, code, &last_year, "15000", "2026-06-10 10:00").ok();
    let school = request(
        &db,
        code,
        &[
            "--cause",
            "学费",
            "--event-date",
            "2027-02-01",
            "--requested",
            "6000",
        ],
    );
    pay(&db, code, &school, "6000", "2027-02-05 10:00").ok();
    let surgery = request(
        &db,
        code,
        &[
            "--cause",
            "手术费用",
            "--event-date",
            "2027-03-01",
            "--requested",
            "18000",
        ],
    );

    let check = |as_of: &str, granted: &str, grantable: &str| {
        let r = evaluated(&db, code, as_of);
        let outcome = &r["temp_aid"];
        assert_eq!(dec(&outcome["grantable"]), yuan(grantable), "{as_of}: {r}");
        assert_eq!(outcome["approval_level"], "county", "{as_of}: {r}");
        let codes = codes(&r);
        assert!(
            codes.contains(&"TEMP_AID_COUNTY_APPROVAL".to_owned()),
            "{codes:?}"
        );
        if yuan(grantable) < yuan("18000") {
            let text = reason_text(&r, "TEMP_AID_CAP_LIMITED");
            assert!(
                text.contains(&format!("本年已救助{granted}元"))
                    && text.contains(&format!("本次最多可救助{grantable}元")),
                "{as_of}: {text}"
            );
        } else {
            assert!(
                !codes.contains(&"TEMP_AID_CAP_LIMITED".to_owned()),
                "{as_of}: {codes:?}"
            );
        }
    };
    // 6,000 paid this year, last year's 15,000 not counted, the typed 19,500 ignored.
    check("2027-03-02", "6000.00", "14000.00");
    // Before this year's payment, nothing is counted.
    check("2027-02-04", "0.00", "18000.00");
    // The next year, nothing of 2027 counts either.
    check("2028-01-02", "0.00", "18000.00");

    // The caseworker imports the household file again, typed figure and all:
    // the register still decides.
    import(&db, &file, &[typed]);
    check("2027-03-02", "6000.00", "14000.00");
    assert_eq!(register(&db, code).len(), 3);

    // Once paid, nothing is open: no 临时救助 outcome, the typed request does not come back.
    pay(&db, code, &surgery, "14000", "2027-03-05 10:00").ok();
    let r = evaluated(&db, code, "2027-03-06");
    assert!(r["temp_aid"].is_null(), "{r}");
    assert!(!codes(&r).iter().any(|c| c.starts_with("TEMP_AID")), "{r}");
}

// ---------------------------------------------------------------------------
// 临时救助审批表
// ---------------------------------------------------------------------------

#[test]
fn the_approval_form_prints_the_cause_the_amount_and_the_prepay_provision() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let db = store_with(d, &[worker(code, "田心寨村", &id_number("1981-04-12", 11))]);
    let fire = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火衣物被褥烧毁",
            "--event-date",
            "2026-11-20",
            "--reported-at",
            "2026-11-20 08:00",
            "--requested",
            "900",
        ],
    );
    pay(&db, code, &fire, "850", "2026-11-20 20:30").ok();
    let pdf = d.join("临时救助审批表.pdf");
    let r = run(
        &db,
        &[
            "temp-aid",
            "form",
            "--household",
            code,
            "--id",
            &fire,
            "--out",
            p(&pdf),
        ],
    )
    .ok();
    assert!(r.stdout.contains("临时救助审批表"), "{}", r.stdout);
    keep(&pdf);
    assert!(
        std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF-"),
        "not a PDF"
    );
    let text = squash(&pdf_text(&pdf, None));
    for needle in [
        "临时救助审批表",
        "房屋失火衣物被褥烧毁",
        "核定金额850.00元",
        "申请金额900.00元",
        "先行救助",
        "12小时",
        "《示例县临时救助实施办法》第十八条",
        code,
    ] {
        assert!(text.contains(needle), "“{needle}” not in the form:\n{text}");
    }

    // A request above the township's limit, after that payment: the year's
    // payments, what remains and the county's approval are on its form.
    let surgery = request(
        &db,
        code,
        &[
            "--cause",
            "手术费用",
            "--event-date",
            "2026-11-25",
            "--requested",
            "25000",
        ],
    );
    pay(&db, code, &surgery, "19150", "2026-11-26 10:00").ok();
    let pdf2 = d.join("县级审批.pdf");
    run(
        &db,
        &[
            "temp-aid",
            "form",
            "--household",
            code,
            "--id",
            &surgery,
            "--out",
            p(&pdf2),
        ],
    )
    .ok();
    keep(&pdf2);
    let text = squash(&pdf_text(&pdf2, None));
    for needle in [
        "手术费用",
        "2026年已获救助850.00元",
        "核定金额19150.00元",
        "按政策可救助19150.00元",
        "《示例县临时救助实施办法》第十五条",
        "《示例县临时救助实施办法》第十六条",
    ] {
        assert!(text.contains(needle), "“{needle}” not in the form:\n{text}");
    }
    assert!(!text.contains("第十八条"), "not a prepayment:\n{text}");
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

#[test]
fn bad_requests_and_payments_are_refused_naming_the_option_and_save_nothing() {
    let dir = tempdir();
    let d = dir.path();
    let db = store_with(
        d,
        &[
            worker("TXZ-001", "田心寨村", &id_number("1981-04-12", 11)),
            worker("TXZ-002", "田心寨村", &id_number("1983-09-30", 22)),
        ],
    );
    let base = [
        ("--kind", "emergency"),
        ("--cause", "房屋失火"),
        ("--event-date", "2026-11-20"),
        ("--reported-at", "2026-11-20 08:00"),
        ("--requested", "800"),
    ];
    let attempt = |changed: &[(&str, &str)]| {
        let mut args = vec!["temp-aid", "request", "--household", "TXZ-001"];
        for (option, value) in base {
            let value = changed
                .iter()
                .find(|(o, _)| *o == option)
                .map_or(value, |(_, v)| v);
            args.extend([option, value]);
        }
        for extra in changed
            .iter()
            .filter(|(o, _)| !base.iter().any(|(b, _)| b == o))
        {
            args.extend([extra.0, extra.1]);
        }
        run(&db, &args)
    };
    let before = state(&db);
    // The options changed, and what the message must name.
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (&[("--kind", "fire")], &["--kind", "fire", "emergency"]),
        (&[("--kind", "")], &["--kind"]),
        (&[("--requested", "12,000")], &["--requested", "12,000"]),
        (&[("--requested", "一千")], &["--requested", "一千"]),
        (&[("--requested", "0")], &["申请金额"]),
        (&[("--requested", "12.345")], &["--requested", "12.345"]),
        (
            &[("--reported-at", "2026-11-20T08:00")],
            &["--reported-at", "2026-11-20T08:00", "YYYY-MM-DD HH:MM"],
        ),
        (&[("--reported-at", "2026-11-20 25:00")], &["--reported-at"]),
        (
            &[("--reported-at", "昨天晚上")],
            &["--reported-at", "昨天晚上"],
        ),
        (
            &[("--event-date", "2026-02-30")],
            &["--event-date", "2026-02-30"],
        ),
        (&[("--cause", "")], &["事由"]),
        (&[("--cause", "   ")], &["事由"]),
        (&[("--case-by-case", "")], &["一事一议", "理由"]),
        (&[("--case-by-case", "  ")], &["一事一议", "理由"]),
        (
            &[("--reported-at", "2026-11-19 08:00")],
            &["报告时间", "事件发生日期"],
        ),
    ];
    for (changed, needles) in cases {
        let r = attempt(changed);
        assert_eq!(r.code, 2, "{changed:?}:\n{}", r.describe());
        r.refused_in_chinese(needles);
        assert_eq!(state(&db), before, "{changed:?} saved something");
    }
    assert!(register(&db, "TXZ-001").is_empty());

    // Payments: the amount and the time as the options say, and only the
    // household's own records.
    let fire = request(
        &db,
        "TXZ-001",
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火",
            "--event-date",
            "2026-11-20",
            "--requested",
            "800",
        ],
    );
    let before = state(&db);
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "TXZ-001",
            "12,000",
            "2026-11-20 20:30",
            &["--granted", "12,000"],
        ),
        (
            "TXZ-001",
            "八百",
            "2026-11-20 20:30",
            &["--granted", "八百"],
        ),
        ("TXZ-001", "800", "2026-11-20", &["--paid-at", "2026-11-20"]),
        ("TXZ-001", "800", "20:30 2026-11-20", &["--paid-at"]),
        ("TXZ-002", "800", "2026-11-20 20:30", &["TXZ-002", &fire]),
    ];
    for (code, granted, at, needles) in cases {
        refused_unchanged(&db, pay(&db, code, &fire, granted, at), needles, &before);
    }
    // Not a record id at all.
    let r = run(
        &db,
        &[
            "temp-aid",
            "pay",
            "--household",
            "TXZ-001",
            "--id",
            "12",
            "--granted",
            "800",
            "--paid-at",
            "2026-11-20 20:30",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(r.stderr.contains("--id"), "{}", r.stderr);
    assert_eq!(state(&db), before);
    log_verifies(&db);
}

// ---------------------------------------------------------------------------
// 在保: confirming the enrollment from the latest saved decision
// ---------------------------------------------------------------------------

fn enrollment(db: &Path, code: &str) -> Value {
    let r = run(db, &["export", "households"]).ok();
    r.json()["households"]
        .as_array()
        .expect("households")
        .iter()
        .find(|h| h["id"] == code)
        .unwrap_or_else(|| panic!("{code} not exported"))
        .get("enrollment")
        .cloned()
        .unwrap_or(Value::Null)
}

/// The latest saved decision of `code` (its `result_json`).
fn saved_decision(db: &Path, code: &str) -> Value {
    let text = query_text(
        db,
        &format!(
            "SELECT d.result_json FROM decisions d JOIN households h ON h.id = d.household_id
             WHERE h.code = '{code}' ORDER BY d.as_of DESC LIMIT 1"
        ),
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("decision of {code}: {e}: {text}"))
}

fn confirm(db: &Path, code: &str, date: &str) -> Run {
    run(db, &["confirm", "--household", code, "--date", date])
}

#[test]
fn confirm_records_the_enrollment_from_the_latest_saved_decision() {
    let dir = tempdir();
    let d = dir.path();
    // 低保边缘: one worker.
    let marginal = worker("TXZ-001", "田心寨村", &id_number("1981-04-12", 11));
    // 低保: a mother with a small pension and a child.
    let dibao = household(
        "TXZ-002",
        "田心寨村",
        vec![
            member(
                "王秀兰",
                &id_number("1983-09-30", 22),
                "self",
                "full",
                "full",
                "1200.00",
            ),
            member(
                "王小明",
                &id_number("2012-03-01", 33),
                "child",
                "none",
                "full",
                "",
            ),
        ],
    );
    // 特困: an old couple, neither able to work, with no one to support them.
    let mut tekun = household(
        "TXZ-003",
        "田心寨村",
        vec![
            member(
                "李老汉",
                &id_number("1948-05-05", 41),
                "self",
                "none",
                "full",
                "1200.00",
            ),
            member(
                "李老太",
                &id_number("1950-06-06", 42),
                "spouse",
                "none",
                "partial",
                "",
            ),
        ],
    );
    for m in tekun["members"].as_array_mut().expect("members") {
        m["supporters"] = json!([]);
    }
    let db = store_with(d, &[marginal, dibao, tekun]);

    // No saved decision yet.
    let before = state(&db);
    confirm(&db, "TXZ-002", "2026-12-01").refused_in_chinese(&["TXZ-002", "还没有保存的评估结果"]);
    assert_eq!(state(&db), before);
    assert!(enrollment(&db, "TXZ-002").is_null());

    run(&db, &["eval", "--save", "--as-of", "2026-11-30"]).ok();

    // 低保边缘 is not an enrollment.
    let before = state(&db);
    confirm(&db, "TXZ-001", "2026-12-01").refused_in_chinese(&["TXZ-001", "低保边缘"]);
    assert_eq!(state(&db), before);
    assert!(enrollment(&db, "TXZ-001").is_null());
    // Nor can a confirmation precede its decision.
    confirm(&db, "TXZ-002", "2026-11-29").refused_in_chinese(&["2026-11-29", "2026-11-30"]);
    assert_eq!(state(&db), before);

    // 低保: the decision's monthly benefit, from the day of confirmation.
    let decision = saved_decision(&db, "TXZ-002");
    assert_eq!(decision["status"], "dibao", "{decision}");
    let benefit = dec(&decision["monthly_benefit"]);
    assert!(benefit > Decimal::ZERO, "{decision}");
    let r = confirm(&db, "TXZ-002", "2026-12-01").ok();
    assert!(r.stdout.contains("最低生活保障"), "{}", r.stdout);
    let e = enrollment(&db, "TXZ-002");
    assert_eq!(e["program"], "dibao", "{e}");
    assert_eq!(dec(&e["monthly_amount"]), benefit, "{e}");
    assert_eq!(e["since"], "2026-12-01", "{e}");
    assert_eq!(e["last_review"], "2026-12-01", "{e}");
    assert_eq!(e["class"], decision["household_class"], "{e}");
    log_verifies(&db);

    // Reviewed and confirmed again half a year on: `since` is kept.
    run(&db, &["eval", "--save", "--as-of", "2027-05-31"]).ok();
    let later = saved_decision(&db, "TXZ-002");
    assert_eq!(later["status"], "dibao", "{later}");
    confirm(&db, "TXZ-002", "2027-06-01").ok();
    let e = enrollment(&db, "TXZ-002");
    assert_eq!(e["program"], "dibao", "{e}");
    assert_eq!(e["since"], "2026-12-01", "{e}");
    assert_eq!(e["last_review"], "2027-06-01", "{e}");
    assert_eq!(
        dec(&e["monthly_amount"]),
        dec(&later["monthly_benefit"]),
        "{e}"
    );

    // 特困: the members' 特困 support summed.
    let decision = saved_decision(&db, "TXZ-003");
    assert_eq!(decision["status"], "tekun", "{decision}");
    let parts: Vec<Decimal> = decision["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| dec(&m["tekun_benefit"]))
        .collect();
    assert!(parts.iter().all(|b| *b > Decimal::ZERO), "{decision}");
    let sum: Decimal = parts.iter().sum();
    // 1.3 × 600 each, plus care: 100 (self-care full) and 400 (partial).
    assert_eq!(sum, yuan("2060"), "{decision}");
    let r = confirm(&db, "TXZ-003", "2027-06-01").ok();
    assert!(r.stdout.contains("特困"), "{}", r.stdout);
    let e = enrollment(&db, "TXZ-003");
    assert_eq!(e["program"], "tekun", "{e}");
    assert_eq!(dec(&e["monthly_amount"]), sum, "{e}");
    assert_eq!(e["since"], "2027-06-01", "{e}");
    assert_eq!(e["last_review"], "2027-06-01", "{e}");
    log_verifies(&db);
}

// ---------------------------------------------------------------------------
// Sync: two devices, one household; what a device may write
// ---------------------------------------------------------------------------

pub(crate) fn export(db: &Path, out: &Path) -> Run {
    run(db, &["bundle", "export", "--out", p(out)])
}

pub(crate) fn county_import(county: &County, files: &[&Path]) -> Run {
    let mut args = vec!["county", "import"];
    args.extend(files.iter().map(|f| p(f)));
    run(&county.db, &args)
}

pub(crate) fn ack_of(bundle: &Path) -> PathBuf {
    let mut name = bundle.file_name().expect("name").to_owned();
    name.push(".ack");
    bundle.with_file_name(name)
}

/// Export, import at the county, and take the acknowledgement back.
pub(crate) fn sync(db: &Path, county: &County, out: &Path) {
    export(db, out).ok();
    county_import(county, &[out]).ok();
    run(db, &["bundle", "ack", p(&ack_of(out))]).ok();
}

#[test]
fn a_supporter_on_one_device_and_a_request_on_another_merge_and_the_same_supporters_conflict() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    let code = "TXZ-001";
    let base = worker(code, "田心寨村", &id_number("1981-04-12", 11));
    let with_supporters = |supporters: Value| {
        let mut h = base.clone();
        h["members"][0]["supporters"] = supporters;
        h
    };
    import(&a, &d.join("a0.json"), std::slice::from_ref(&base));
    sync(&a, &cty, &d.join("a1.bangfu"));
    let b = copied_device(d, &a, "b", &cty);

    // A records a supporter of the member; B records a 临时救助 request.
    import(
        &a,
        &d.join("a2.json"),
        &[with_supporters(
            json!([{"name": "程大山", "relation": "child", "capable": false}]),
        )],
    );
    let fire = request(
        &b,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火",
            "--event-date",
            "2026-11-20",
            "--reported-at",
            "2026-11-20 08:00",
            "--requested",
            "800",
        ],
    );
    let (a2, b1) = (d.join("a2.bangfu"), d.join("b1.bangfu"));
    export(&a, &a2).ok();
    export(&b, &b1).ok();
    let r = county_import(&cty, &[&a2, &b1]).ok();
    assert!(
        r.stdout.matches("新冲突 0 处").count() == 2 && !r.stdout.contains("拒绝 1"),
        "{}",
        r.stdout
    );
    run(&a, &["bundle", "ack", p(&ack_of(&a2))]).ok();
    run(&b, &["bundle", "ack", p(&ack_of(&b1))]).ok();
    // Both at the county: the supporter and the register as B holds it.
    let supporters = query_text(
        &cty.db,
        &format!(
            "SELECT m.supporters FROM members m JOIN households h ON h.id = m.household_id
             WHERE h.code = '{code}'"
        ),
    );
    assert!(supporters.contains("程大山"), "{supporters}");
    assert_eq!(register(&cty.db, code), register(&b, code));
    assert_eq!(record(&cty.db, code, &fire)["cause"], "房屋失火");
    let conflicts = run(&cty.db, &["county", "conflicts", "--json"]).ok().json();
    assert_eq!(conflicts, json!([]), "no conflict");
    // The county's own evaluation sees the request.
    let r = evaluated(&cty.db, code, "2026-11-21");
    assert_eq!(dec(&r["temp_aid"]["grantable"]), yuan("800"), "{r}");
    assert_eq!(r["temp_aid"]["approval_level"], "prepay", "{r}");
    log_verifies(&cty.db);

    // The same member's supporters changed differently on both: a conflict.
    import(
        &a,
        &d.join("a3.json"),
        &[with_supporters(
            json!([{"name": "程大山", "relation": "child", "capable": true}]),
        )],
    );
    std::thread::sleep(Duration::from_millis(20));
    import(
        &b,
        &d.join("b3.json"),
        &[with_supporters(
            json!([{"name": "程小河", "relation": "child", "capable": false}]),
        )],
    );
    let (a3, b3) = (d.join("a3.bangfu"), d.join("b3.bangfu"));
    export(&a, &a3).ok();
    export(&b, &b3).ok();
    county_import(&cty, &[&a3]).ok();
    let r = county_import(&cty, &[&b3]).ok();
    assert!(r.stdout.contains("新冲突 1 处"), "{}", r.stdout);
    let list = run(&cty.db, &["county", "conflicts"]).ok().stdout;
    assert!(
        list.contains(code) && list.contains("members.supporters"),
        "{list}"
    );
    assert!(list.contains("程大山") && list.contains("程小河"), "{list}");
    // The register was not part of it.
    assert_eq!(register(&cty.db, code), register(&b, code));
    log_verifies(&cty.db);
}

/// A bundle's manifest, as signed.
fn manifest_of(bundle: &Path) -> bangfu::sync::wire::BundleManifest {
    use bangfu::sync::wire;
    bangfu::sync::sealed::open(
        bundle,
        wire::BUNDLE_FORMAT,
        "数据包",
        Some(wire::BUNDLE_PAYLOAD),
    )
    .expect("open bundle")
    .manifest("数据包")
    .expect("manifest")
}

/// A forged entry: table, record id, op, row, base.
type Forged<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a Value>,
    Option<&'a Value>,
);

/// Signs what a compromised but registered device could send: `entries`,
/// hashed and chained where the device's next genuine bundle (`genuine`,
/// exported, not imported) starts, encrypted to the county and signed with
/// the device key.
fn forge(dev: &Path, cty: &County, genuine: &Path, out: &Path, entries: &[Forged]) {
    use bangfu::sync::wire;
    let county = keys_of(&cty.db, "county");
    let device = keys_of(dev, "device");
    let mut m = manifest_of(genuine);
    let mut prev = m.first_prev_hash.clone();
    let mut seq = m.first_seq;
    let mut plain = Vec::new();
    let mut first_hash = None;
    for (table, record_id, op, row, base) in entries {
        let mut e = bangfu::store::changelog::Entry {
            seq,
            entry_id: uuid::Uuid::now_v7().to_string(),
            table: table.to_string(),
            record_id: record_id.to_string(),
            op: op.to_string(),
            row_json: row.map(Value::to_string),
            author: "forged/保婴村".into(),
            at: "2026-11-30T08:00:00.000Z".into(),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        let mut line = serde_json::to_value(&e).expect("entry json");
        if let Some(b) = base {
            line["base"] = Value::String(b.to_string());
        }
        first_hash.get_or_insert_with(|| e.hash.clone());
        prev = e.hash.clone();
        seq += 1;
        serde_json::to_writer(&mut plain, &line).expect("json");
        plain.push(b'\n');
    }
    m.first_hash = first_hash.expect("an entry");
    m.last_hash = prev;
    m.last_seq = seq - 1;
    m.entry_count = entries.len() as u64;
    m.blob_count = 0;
    m.blob_bytes = 0;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let payload = age::encrypt(&county.age.to_public(), &gz).expect("encrypt");
    m.plain_bytes = plain.len() as u64;
    m.payload = wire::PayloadInfo::of(wire::BUNDLE_PAYLOAD, &payload);
    let mut manifest = serde_json::to_vec_pretty(&m).expect("manifest");
    manifest.push(b'\n');
    bangfu::sync::sealed::write(
        out,
        &manifest,
        &device.signing,
        "bangfu.bundle.v1 forged",
        Some((wire::BUNDLE_PAYLOAD, &payload)),
    )
    .expect("write bundle");
}

/// The county's current row of `table` with record id `id`, as a device's change log writes it.
fn county_row(db: &Path, table: &str, id: &str) -> Value {
    let text = query_text(
        db,
        &format!(
            "SELECT row_json FROM change_log WHERE tbl = '{table}' AND record_id = '{id}'
             ORDER BY seq DESC LIMIT 1"
        ),
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{table} {id}: {e}: {text}"))
}

fn household_record_id(db: &Path, code: &str) -> String {
    query_text(
        db,
        &format!("SELECT id FROM households WHERE code = '{code}'"),
    )
}

/// Two villages at one county, each with a request in its register: a
/// device of 田心寨村 (TXZ-001's request `theirs`, already at the county)
/// and one of 保婴村 (BY-001's request `own`, in its next genuine bundle,
/// exported, not imported).
struct TwoVillages {
    cty: County,
    a: PathBuf,
    b: PathBuf,
    theirs: String,
    own: String,
    genuine: PathBuf,
}

fn two_villages(d: &Path) -> TwoVillages {
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    import(
        &a,
        &d.join("a.json"),
        &[worker("TXZ-001", "田心寨村", &id_number("1981-04-12", 11))],
    );
    let theirs = request(
        &a,
        "TXZ-001",
        &[
            "--cause",
            "学费",
            "--event-date",
            "2026-09-01",
            "--requested",
            "3000",
        ],
    );
    sync(&a, &cty, &d.join("a1.bangfu"));
    let b = device_in(d, "b", "保婴村", &cty);
    import(
        &b,
        &d.join("b.json"),
        &[worker("BY-001", "保婴村", &id_number("1990-01-01", 1))],
    );
    sync(&b, &cty, &d.join("b1.bangfu"));
    let own = request(
        &b,
        "BY-001",
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火",
            "--event-date",
            "2026-11-20",
            "--requested",
            "800",
        ],
    );
    let genuine = d.join("b2.bangfu");
    export(&b, &genuine).ok();
    TwoVillages {
        cty,
        a,
        b,
        theirs,
        own,
        genuine,
    }
}

/// Imports a bundle of `entries` forged on `w.b` at the county and expects
/// it refused whole, naming every needle, the county unchanged.
fn forged_refused(d: &Path, w: &TwoVillages, name: &str, entries: &[Forged], needles: &[&str]) {
    let before = state(&w.cty.db);
    let f = d.join(format!("forged-{name}.bangfu"));
    forge(&w.b, &w.cty, &w.genuine, &f, entries);
    let r = county_import(&w.cty, &[&f]);
    assert_eq!(r.code, 2, "{name}: expected a refusal:\n{}", r.describe());
    assert!(r.stdout.contains("未做任何更改"), "{name}:\n{}", r.stdout);
    for needle in needles {
        assert!(
            r.stdout.contains(needle),
            "{name}: “{needle}” in\n{}",
            r.stdout
        );
    }
    assert_eq!(state(&w.cty.db), before, "{name}: the county is unchanged");
    log_verifies(&w.cty.db);
}

#[test]
fn a_forged_temp_aid_row_of_another_villages_household_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    let w = two_villages(d);
    let TwoVillages {
        cty,
        a,
        b,
        theirs,
        own,
        genuine,
    } = &w;
    let txz1 = household_record_id(&cty.db, "TXZ-001");
    let by1 = household_record_id(b, "BY-001");
    let held = county_row(&cty.db, "temp_aid", theirs);
    assert_eq!(held["household_id"], txz1.as_str(), "{held}");
    let own_row = county_row(b, "temp_aid", own);
    let refused = |name: &str, entries: &[Forged], needles: &[&str]| {
        forged_refused(d, &w, name, entries, needles)
    };

    // A payment put in another village's household.
    let stray_id = uuid::Uuid::now_v7().to_string();
    let mut stray = own_row.clone();
    stray["id"] = json!(stray_id);
    stray["household_id"] = json!(txz1);
    stray["granted"] = json!("800");
    stray["approval_level"] = json!("prepay");
    stray["paid_at"] = json!("2026-11-20 20:00");
    refused(
        "insert",
        &[("temp_aid", &stray_id, "insert", Some(&stray), None)],
        &["temp_aid", "TXZ-001", "田心寨村", "只能写本村"],
    );
    // Another village's request marked paid.
    let mut paid = held.clone();
    paid["granted"] = json!("3000");
    paid["approval_level"] = json!("township");
    paid["paid_at"] = json!("2026-09-02 10:00");
    refused(
        "update",
        &[("temp_aid", theirs, "update", Some(&paid), Some(&held))],
        &["TXZ-001", "只能改本村"],
    );
    // Another village's request moved into its own household.
    let mut moved = held.clone();
    moved["household_id"] = json!(by1);
    refused(
        "move",
        &[("temp_aid", theirs, "update", Some(&moved), Some(&held))],
        &["TXZ-001", "只能改本村"],
    );
    // Another village's request deleted.
    refused(
        "delete",
        &[("temp_aid", theirs, "delete", None, Some(&held))],
        &["TXZ-001", "只能改本村"],
    );
    // A request naming a household the county does not have.
    let mut nowhere = own_row.clone();
    let nowhere_id = uuid::Uuid::now_v7().to_string();
    nowhere["id"] = json!(nowhere_id);
    nowhere["household_id"] = json!(uuid::Uuid::now_v7().to_string());
    refused(
        "unknown-household",
        &[("temp_aid", &nowhere_id, "insert", Some(&nowhere), None)],
        &["县里没有的户"],
    );

    // The genuine bundle, a request of its own household, is taken.
    county_import(cty, &[genuine]).ok();
    assert_eq!(register(&cty.db, "BY-001"), register(b, "BY-001"));
    assert_eq!(register(&cty.db, "TXZ-001"), register(a, "TXZ-001"));
    log_verifies(&cty.db);
}

// ---------------------------------------------------------------------------
// Holes found while writing these tests (each failed before its fix)
// ---------------------------------------------------------------------------

/// The county checks that what a device wrote reads back as valid data
/// (`admission::household_problems`): register rows the register itself
/// refuses to save (`TempAidRecord::validate`) are refused too.
#[test]
fn a_forged_temp_aid_row_the_register_would_refuse_to_save_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    let w = two_villages(d);
    let own_row = county_row(&w.b, "temp_aid", &w.own);
    let cases: [(&str, &str, Value); 3] = [
        ("granted-over-requested", "granted", json!("99999")),
        ("no-cause", "cause", json!("")),
        ("paid-without-amount", "paid_at", json!("2026-11-21 10:00")),
    ];
    for (name, field, value) in cases {
        let mut bad = own_row.clone();
        bad[field] = value;
        forged_refused(
            d,
            &w,
            name,
            &[("temp_aid", &w.own, "insert", Some(&bad), None)],
            &["BY-001", "不合格"],
        );
    }
    // The genuine row is taken.
    county_import(&w.cty, &[&w.genuine]).ok();
    assert_eq!(register(&w.cty.db, "BY-001"), register(&w.b, "BY-001"));
}

/// A payment made on paper and entered afterwards, dated before a payment
/// already entered: the later-dated payment of the same year still counts,
/// and the year's payments stay within the annual cap.
#[test]
fn a_payment_entered_late_with_an_earlier_date_cannot_take_the_year_over_the_cap() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let db = store_with(d, &[worker(code, "田心寨村", &id_number("1981-04-12", 11))]);
    let ask = |cause: &str| {
        request(
            &db,
            code,
            &[
                "--cause",
                cause,
                "--event-date",
                "2026-11-01",
                "--requested",
                "15000",
            ],
        )
    };
    let (hospital, school) = (ask("住院费用"), ask("学费"));
    pay(&db, code, &hospital, "15000", "2026-11-20 10:00").ok();
    // Paid on 11-10 on paper, entered now: 5,000 is all that 2026 allows.
    let before = state(&db);
    let r = pay(&db, code, &school, "15000", "2026-11-10 10:00");
    let paid_in_2026: Decimal = register(&db, code)
        .iter()
        .filter(|r| {
            r["paid_at"]
                .as_str()
                .is_some_and(|at| at.starts_with("2026"))
        })
        .map(|r| dec(&r["granted"]))
        .sum();
    assert!(
        paid_in_2026 <= yuan("20000"),
        "{paid_in_2026} paid in 2026, over the annual cap of 20000:\n{}",
        r.describe()
    );
    refused_unchanged(&db, r, &["5000.00"], &before);
    pay(&db, code, &school, "5000", "2026-11-10 10:00").ok();
}

/// `temp-aid pay` refusals found by the register's own check are bad input
/// (exit 2), as the same check is in `temp-aid request`.
#[test]
fn a_payment_refused_for_its_time_or_a_zero_amount_is_bad_input() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let db = store_with(d, &[worker(code, "田心寨村", &id_number("1981-04-12", 11))]);
    let fire = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火",
            "--event-date",
            "2026-11-20",
            "--reported-at",
            "2026-11-20 08:00",
            "--requested",
            "800",
        ],
    );
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, code, &fire, "800", "2026-11-20 07:00"),
        &["发放时间 2026-11-20 07:00 早于报告时间"],
        &before,
    );
    refused_unchanged(
        &db,
        pay(&db, code, &fire, "0", "2026-11-20 20:00"),
        &["核定金额"],
        &before,
    );
}

/// Without a report time, the event date still keeps the payment after it:
/// a payment dated weeks before the fire is refused.
#[test]
fn a_payment_dated_before_the_event_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let db = store_with(d, &[worker(code, "田心寨村", &id_number("1981-04-12", 11))]);
    let fire = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火",
            "--event-date",
            "2026-11-20",
            "--requested",
            "800",
        ],
    );
    let before = state(&db);
    refused_unchanged(
        &db,
        pay(&db, code, &fire, "800", "2026-10-01 10:00"),
        &["2026-10-01"],
        &before,
    );
}

/// 先行救助 is approved after the payment: the approval is recorded on the
/// paid record (not before it was paid, and only for a 先行救助) and the
/// 审批表 prints it.
#[test]
fn a_prepaid_grant_is_approved_afterwards_and_the_form_says_so() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let db = store_with(d, &[worker(code, "田心寨村", &id_number("1981-04-12", 11))]);
    let fire = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "房屋失火",
            "--event-date",
            "2026-11-20",
            "--reported-at",
            "2026-11-20 08:00",
            "--requested",
            "800",
        ],
    );
    pay(&db, code, &fire, "800", "2026-11-20 14:00").ok();
    let approve = |date: &str| {
        run(
            &db,
            &[
                "temp-aid",
                "approve",
                "--household",
                code,
                "--id",
                &fire,
                "--date",
                date,
                "--by",
                "乡镇人民政府",
            ],
        )
    };
    let before = state(&db);
    let r = approve("2026-11-19").input_error();
    assert!(r.stderr.contains("早于发放日期"), "{}", r.stderr);
    assert_eq!(state(&db), before, "nothing saved");
    approve("2026-11-23").ok();
    assert_eq!(record(&db, code, &fire)["approved"]["by"], "乡镇人民政府");
    let form = d.join("form.pdf");
    run(
        &db,
        &[
            "temp-aid",
            "form",
            "--household",
            code,
            "--id",
            &fire,
            "--out",
            p(&form),
        ],
    )
    .ok();
    let text = squash(&pdf_text(&form, None));
    assert!(text.contains("补办审批2026-11-23乡镇人民政府"), "{text}");

    // A request approved by the township in the ordinary way is not 先行救助.
    let school = request(
        &db,
        code,
        &[
            "--cause",
            "学费",
            "--event-date",
            "2026-11-21",
            "--requested",
            "3000",
        ],
    );
    pay(&db, code, &school, "3000", "2026-11-22 10:00").ok();
    let r = run(
        &db,
        &[
            "temp-aid",
            "approve",
            "--household",
            code,
            "--id",
            &school,
            "--date",
            "2026-11-23",
            "--by",
            "乡镇人民政府",
        ],
    )
    .input_error();
    assert!(r.stderr.contains("只有先行救助"), "{}", r.stderr);
    log_verifies(&db);
}

/// 回头看 lists a 先行救助 paid long ago whose approval was never given
/// afterwards, and no longer once it is.
#[test]
fn audit_lists_a_prepaid_grant_never_approved_afterwards() {
    let dir = tempdir();
    let d = dir.path();
    let code = "TXZ-001";
    let db = store_with(d, &[worker(code, "田心寨村", &id_number("1981-04-12", 11))]);
    let flood = request(
        &db,
        code,
        &[
            "--kind",
            "emergency",
            "--cause",
            "洪水冲毁房屋",
            "--event-date",
            "2026-09-01",
            "--reported-at",
            "2026-09-01 08:00",
            "--requested",
            "900",
        ],
    );
    pay(&db, code, &flood, "900", "2026-09-01 16:00").ok();
    let audit = || run(&db, &["audit"]).ok().stdout;
    let found = audit();
    assert!(
        found.contains("先行救助未补办审批") && found.contains("洪水冲毁房屋"),
        "{found}"
    );
    run(
        &db,
        &[
            "temp-aid",
            "approve",
            "--household",
            code,
            "--id",
            &flood,
            "--date",
            "2026-09-10",
            "--by",
            "乡镇人民政府",
        ],
    )
    .ok();
    assert!(!audit().contains("先行救助未补办审批"));
}
