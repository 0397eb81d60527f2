//! The case path (办理流程) through the real `bangfu` binary and real stores:
//! `event add` taking a 低保 household from 受理 to 在保 in the order the
//! path allows and writing the enrollment with the confirmation; each step
//! out of order, too early or missing what it must record refused in
//! Chinese with the store unchanged; review, 渐退 and exit after 在保; the
//! 办理时限 in working days (the policy's `[procedure]`, 国庆 2026) in
//! `case`, `audit` and `due`; 容错纠错 in 回头看; and bad `[procedure]`
//! values refused naming the key.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::ids::id_number;
use crate::support::sync::{county, policy_text, publish_policy, unregistered_device};
use crate::support::{demo_store, import_households, p, run, tempdir, Run};

// ---------------------------------------------------------------------------
// Households, steps and what the store shows
// ---------------------------------------------------------------------------

/// A rural household of one working adult earning `wage` a year: 2,400 is
/// 100 a month (低保, 500 a month at the built-in standard of 600), 9,600 is
/// 700 a month after the work allowance (低保边缘).
fn household(code: &str, id_number: &str, wage: &str) -> Value {
    json!({
        "id": code, "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [{
            "name": "程金明", "id_number": id_number, "relation": "self",
            "cohabiting": true, "disability": null, "serious_illness": false,
            "work_capacity": "full", "self_care": "full",
            "incomes": [{"kind": "wage", "annual": wage}]
        }],
        "expenses": [],
        "assets": {"financial": "3000.00", "disqualifying": []}
    })
}

/// The 低保 household of these tests.
const DIBAO: &str = "TXZ-101";
/// A 低保边缘 household.
const MARGINAL: &str = "TXZ-102";

/// A store at `dir/name` holding `households`, imported from a household.v1 file.
fn store_with(dir: &Path, name: &str, households: &[Value]) -> PathBuf {
    let db = dir.join(name);
    import_households(&db, &dir.join(format!("{name}.json")), households);
    db
}

/// A store holding the 低保 household.
fn dibao_store(dir: &Path, name: &str) -> PathBuf {
    store_with(
        dir,
        name,
        &[household(DIBAO, "341024198104120119", "2400.00")],
    )
}

/// `bangfu event add --household CODE --kind KIND --date DATE [--note NOTE] [--data D]…`.
fn step(db: &Path, code: &str, kind: &str, date: &str, data: &[&str], note: &str) -> Run {
    let mut args = vec![
        "event",
        "add",
        "--household",
        code,
        "--kind",
        kind,
        "--date",
        date,
        "--actor",
        "田心寨村委会",
    ];
    if !note.is_empty() {
        args.extend(["--note", note]);
    }
    for d in data {
        args.extend(["--data", d]);
    }
    run(db, &args)
}

/// The record id `event add` printed (“记录号 …”).
fn record_id(r: &Run) -> String {
    let rest = r
        .stdout
        .split("记录号 ")
        .nth(1)
        .unwrap_or_else(|| panic!("no 记录号 in:\n{}", r.describe()));
    let id = rest
        .split('）')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    id
}

/// `case --household CODE --json`.
fn case(db: &Path, code: &str) -> Value {
    run(db, &["case", "--household", code, "--json"])
        .ok()
        .json()
}

fn stage(db: &Path, code: &str) -> String {
    case(db, code)["stage"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The deadline `what` of `case --json`, as (due, done).
fn deadline(case: &Value, what: &str, nth: usize) -> (String, Option<String>) {
    let d = case["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .filter(|d| d["what"] == what)
        .nth(nth)
        .unwrap_or_else(|| panic!("deadline {what} #{nth} in {case:#}"));
    (
        d["due"].as_str().expect("due").to_owned(),
        d["done"].as_str().map(str::to_owned),
    )
}

/// The household as `export households` writes it.
fn exported(db: &Path, code: &str) -> Value {
    let doc = run(db, &["export", "households"]).ok().json();
    doc["households"]
        .as_array()
        .expect("households")
        .iter()
        .find(|h| h["id"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} in the export"))
}

/// The exported enrollment (JSON null when there is none).
fn enrollment(db: &Path, code: &str) -> Value {
    exported(db, code)
        .get("enrollment")
        .cloned()
        .unwrap_or(Value::Null)
}

/// `log verify` passes; the number of change-log records it checked.
fn log_verified(db: &Path) -> usize {
    let r = run(db, &["log", "verify"]).ok();
    let text = r.both();
    let count = text
        .split("条记录")
        .next()
        .and_then(|head| head.trim_end().rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a record count in:\n{}", r.describe()));
    assert!(text.contains("完好"), "{}", r.describe());
    count
}

/// What a refused step must leave as it was: the case, the household with
/// its steps, and the change log.
fn snapshot(db: &Path, code: &str) -> (Value, Value, usize) {
    (
        case(db, code),
        run(db, &["households", "show", code, "--json"]).ok().json(),
        log_verified(db),
    )
}

/// A refused step: kind, date, data, note, and what the message must say.
type Refusal<'a> = (&'a str, &'a str, &'a [&'a str], &'a str, &'a [&'a str]);

/// Each step of `steps` is refused (exit 2, in Chinese, with every needle),
/// and together they leave the case, the household with its steps and the
/// change log of `code` as they were.
#[track_caller]
fn refusals(db: &Path, code: &str, steps: &[Refusal]) {
    let before = snapshot(db, code);
    for &(kind, date, data, note, needles) in steps {
        step(db, code, kind, date, data, note).refused_in_chinese(needles);
    }
    let after = snapshot(db, code);
    let kinds: Vec<&str> = steps.iter().map(|s| s.0).collect();
    assert_eq!(before.0, after.0, "the case moved after refused {kinds:?}");
    assert_eq!(
        before.1, after.1,
        "the household changed after refused {kinds:?}"
    );
    assert_eq!(
        before.2, after.2,
        "the change log grew after refused {kinds:?}"
    );
}

/// `eval --save --as-of DATE`: the saved result of `code`.
fn save_decision(db: &Path, code: &str, as_of: &str) -> Value {
    let out = run(db, &["eval", "--save", "--as-of", as_of]).ok().json();
    out["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} in the evaluation"))
}

/// One step of the path: kind, date, data, note, and the stage it leaves.
type PathStep = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

/// The whole path of a 低保 application in March 2026 (受理 on Monday
/// 2026-03-02). `objection=` is completed with the objection's record id.
const PATH: &[PathStep] = &[
    (
        "application",
        "2026-03-02",
        &[],
        "户主提交书面申请",
        "accepted",
    ),
    (
        "investigation",
        "2026-03-04",
        &[],
        "两名工作人员入户",
        "investigated",
    ),
    ("check_request", "2026-03-05", &[], "", "checking"),
    (
        "check_reply",
        "2026-03-06",
        &["finding=nothing"],
        "",
        "checked",
    ),
    (
        "democratic_review",
        "2026-03-09",
        &["result=agree", "participants=9"],
        "",
        "deliberated",
    ),
    ("notice_start", "2026-03-10", &[], "村务公开栏", "noticing"),
    (
        "objection",
        "2026-03-11",
        &["by=村民张某"],
        "反映申请人有外出务工收入",
        "noticing",
    ),
    (
        "objection_settled",
        "2026-03-13",
        &["objection="],
        "经入户核实，务工收入已如实申报，异议不成立",
        "noticing",
    ),
    ("notice_end", "2026-03-17", &[], "公示期满", "noticed"),
    (
        "township_review",
        "2026-03-18",
        &[],
        "审核同意",
        "township_reviewed",
    ),
    (
        "county_confirmation",
        "2026-03-20",
        &[],
        "确认纳入",
        "enrolled",
    ),
];

/// Takes `code` along [`PATH`], checking (if `check`) each step's stage in `case --json`.
fn walk_path(db: &Path, code: &str, check: bool) {
    let mut objection = String::new();
    for &(kind, date, data, note, expected) in PATH {
        let data: Vec<String> = data
            .iter()
            .map(|d| {
                if *d == "objection=" {
                    format!("objection={objection}")
                } else {
                    (*d).to_owned()
                }
            })
            .collect();
        let data: Vec<&str> = data.iter().map(String::as_str).collect();
        let r = step(db, code, kind, date, &data, note).ok();
        if kind == "objection" {
            objection = record_id(&r);
        }
        if check {
            assert_eq!(stage(db, code), expected, "after {kind} {date}");
        }
    }
}

/// A 低保 household taken the whole path to 在保 (decision saved 2026-03-10).
fn enrolled_store(dir: &Path, name: &str) -> PathBuf {
    let db = dibao_store(dir, name);
    save_decision(&db, DIBAO, "2026-03-10");
    walk_path(&db, DIBAO, false);
    assert_eq!(stage(&db, DIBAO), "enrolled");
    db
}

// ---------------------------------------------------------------------------
// 1. The whole path
// ---------------------------------------------------------------------------

#[test]
fn a_dibao_household_goes_the_whole_path_to_enrolled_with_its_enrollment() {
    let dir = tempdir();
    let db = dibao_store(dir.path(), "path.sqlite");
    assert_eq!(stage(&db, DIBAO), "new");
    let decision = save_decision(&db, DIBAO, "2026-03-10");
    assert_eq!(decision["status"], "dibao", "{decision:#}");
    let benefit = decision["monthly_benefit"].as_str().expect("benefit");
    assert_eq!(benefit, "500.00", "600 − 100 a month: {decision:#}");
    assert_eq!(
        enrollment(&db, DIBAO),
        Value::Null,
        "no 在保 before the path"
    );

    walk_path(&db, DIBAO, true);

    let c = case(&db, DIBAO);
    assert_eq!(c["stage"], "enrolled", "{c:#}");
    assert_eq!(c["stage_zh"], "在保", "{c:#}");
    assert_eq!(
        c["next"],
        json!(["review", "gradual_exit", "termination", "exception"]),
        "{c:#}"
    );
    assert_eq!(c["out_of_order"], json!([]), "{c:#}");
    // 入户调查 within 3 working days of Monday 03-02, the decision within 30.
    assert_eq!(
        deadline(&c, "入户调查", 0),
        ("2026-03-05".into(), Some("2026-03-04".into()))
    );
    assert_eq!(
        deadline(&c, "作出决定", 0),
        ("2026-04-14".into(), Some("2026-03-20".into()))
    );

    // The confirmation wrote 在保 from the saved decision, on its own date.
    let e = enrollment(&db, DIBAO);
    assert_eq!(e["program"], "dibao", "{e:#}");
    assert_eq!(e["monthly_amount"], benefit, "{e:#}");
    assert_eq!(e["since"], "2026-03-20", "{e:#}");
    assert_eq!(e["last_review"], "2026-03-20", "{e:#}");
    assert_eq!(e["exceeded_since"], Value::Null, "{e:#}");

    // Every step is kept, in order, with what it records.
    let shown = run(&db, &["households", "show", DIBAO, "--json"])
        .ok()
        .json();
    let events = shown["events"].as_array().expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let expected: Vec<&str> = PATH.iter().map(|s| s.0).collect();
    assert_eq!(kinds, expected);
    let objection = &events[6];
    assert_eq!(objection["data"]["by"], "村民张某");
    assert_eq!(
        events[7]["data"]["objection"], objection["id"],
        "{events:#?}"
    );
    assert_eq!(events[4]["data"]["participants"], 9);
    assert_eq!(events[3]["data"]["finding"], "nothing");

    let text = run(&db, &["case", "--household", DIBAO]).ok().stdout;
    assert!(text.contains("在保") && text.contains("作出决定"), "{text}");
    assert!(
        !text.contains("顺序不符") && !text.contains("超时"),
        "{text}"
    );
    log_verified(&db);
}

// ---------------------------------------------------------------------------
// 2. Refusals
// ---------------------------------------------------------------------------

#[test]
fn steps_out_of_order_too_early_or_incomplete_are_refused_and_change_nothing() {
    let dir = tempdir();
    let db = store_with(
        dir.path(),
        "refusals.sqlite",
        &[
            household(DIBAO, "341024198104120119", "2400.00"),
            household(MARGINAL, &id_number("1977-06-15", 12), "9600.00"),
        ],
    );
    let h = DIBAO;
    refusals(
        &db,
        h,
        &[(
            "investigation",
            "2026-03-02",
            &[],
            "",
            &["入户调查", "未申请", "申请受理"],
        )],
    );
    step(&db, h, "application", "2026-03-02", &[], "").ok();
    refusals(
        &db,
        h,
        &[
            (
                "notice_start",
                "2026-03-03",
                &[],
                "",
                &["公示开始", "已受理", "下一步只能是", "入户调查"],
            ),
            (
                "county_confirmation",
                "2026-03-03",
                &[],
                "",
                &["县级确认", "入户调查"],
            ),
            (
                "investigation",
                "2026-03-01",
                &[],
                "",
                &["日期 2026-03-01 早于上一步的日期 2026-03-02"],
            ),
            ("refusal", "2026-03-03", &[], "", &["不予认定", "理由"]),
            ("approval", "2026-03-03", &[], "", &["approval", "流程节点"]),
            (
                "investigation",
                "2026-02-30",
                &[],
                "",
                &["--date", "2026-02-30"],
            ),
            (
                "investigation",
                "2026-03-03",
                &["finding"],
                "",
                &["--data", "键=值"],
            ),
        ],
    );
    step(&db, h, "investigation", "2026-03-04", &[], "").ok();
    step(&db, h, "check_request", "2026-03-05", &[], "").ok();
    refusals(
        &db,
        h,
        &[
            (
                "check_reply",
                "2026-03-06",
                &[],
                "",
                &["信息核对结果", "finding", "nothing"],
            ),
            (
                "check_reply",
                "2026-03-06",
                &["finding=maybe"],
                "",
                &["finding"],
            ),
        ],
    );
    step(
        &db,
        h,
        "check_reply",
        "2026-03-06",
        &["finding=nothing"],
        "",
    )
    .ok();
    refusals(
        &db,
        h,
        &[
            (
                "democratic_review",
                "2026-03-09",
                &["result=agree"],
                "",
                &["民主评议", "participants"],
            ),
            (
                "democratic_review",
                "2026-03-09",
                &["participants=9"],
                "",
                &["result"],
            ),
        ],
    );
    step(
        &db,
        h,
        "democratic_review",
        "2026-03-09",
        &["result=agree", "participants=9"],
        "",
    )
    .ok();
    step(&db, h, "notice_start", "2026-03-10", &[], "").ok();
    // 7 days with both ends counted: 03-10 … 03-16. A notice of 6 days
    // (ending 03-15) is too short.
    refusals(
        &db,
        h,
        &[
            (
                "notice_end",
                "2026-03-15",
                &[],
                "",
                &["公示结束", "须满 7 天", "最早 2026-03-16"],
            ),
            (
                "objection",
                "2026-03-11",
                &[],
                "反映有务工收入",
                &["公示异议", "by"],
            ),
            (
                "objection",
                "2026-03-11",
                &["by=村民张某"],
                "",
                &["异议内容"],
            ),
        ],
    );
    let objection = record_id(
        &step(
            &db,
            h,
            "objection",
            "2026-03-11",
            &["by=村民张某"],
            "反映有务工收入",
        )
        .ok(),
    );
    let settles = format!("objection={objection}");
    let unknown = "objection=01a22f33-0000-7000-8000-000000000000";
    refusals(
        &db,
        h,
        &[
            (
                "notice_end",
                "2026-03-16",
                &[],
                "",
                &["公示结束", "未处理的公示异议", "异议处理"],
            ),
            (
                "objection_settled",
                "2026-03-12",
                &[unknown],
                "不成立",
                &["异议处理", "objection"],
            ),
            (
                "objection_settled",
                "2026-03-12",
                &[&settles],
                "",
                &["处理结果"],
            ),
        ],
    );
    step(
        &db,
        h,
        "objection_settled",
        "2026-03-12",
        &[&settles],
        "经核实异议不成立",
    )
    .ok();
    refusals(
        &db,
        h,
        &[(
            "objection_settled",
            "2026-03-13",
            &[&settles],
            "再次处理",
            &["异议处理", "公示结束"],
        )],
    );
    // The seventh day is the earliest end.
    step(&db, h, "notice_end", "2026-03-16", &[], "").ok();
    refusals(
        &db,
        h,
        &[(
            "township_review",
            "2026-03-16",
            &[],
            "",
            &["乡镇审核", "公示 2026-03-16 才结束", "公示期满之后"],
        )],
    );
    step(&db, h, "township_review", "2026-03-17", &[], "").ok();

    // The 低保边缘 household to the township review too.
    let m = MARGINAL;
    step(&db, m, "application", "2026-03-02", &[], "").ok();
    step(&db, m, "investigation", "2026-03-03", &[], "").ok();
    step(&db, m, "check_request", "2026-03-04", &[], "").ok();
    step(
        &db,
        m,
        "check_reply",
        "2026-03-05",
        &["finding=nothing"],
        "",
    )
    .ok();
    step(&db, m, "notice_start", "2026-03-06", &[], "").ok();
    step(&db, m, "notice_end", "2026-03-12", &[], "").ok();
    step(&db, m, "township_review", "2026-03-13", &[], "").ok();

    // No saved decision yet: nothing to confirm.
    let no_decision: &[&str] = &["还没有保存的评估结果", "评估并保存结果"];
    refusals(
        &db,
        h,
        &[("county_confirmation", "2026-03-20", &[], "", no_decision)],
    );
    refusals(
        &db,
        m,
        &[("county_confirmation", "2026-03-20", &[], "", no_decision)],
    );
    save_decision(&db, h, "2026-03-18");
    refusals(
        &db,
        m,
        &[(
            "county_confirmation",
            "2026-03-20",
            &[],
            "",
            &[m, "低保边缘", "只有低保、低保渐退或特困才能确认在保"],
        )],
    );
    refusals(
        &db,
        h,
        &[(
            "county_confirmation",
            "2026-03-17",
            &[],
            "",
            &["确认日期 2026-03-17 早于评估日期 2026-03-18"],
        )],
    );
    step(&db, h, "county_confirmation", "2026-03-20", &[], "").ok();
    assert_eq!(stage(&db, h), "enrolled");

    refusals(
        &db,
        h,
        &[
            (
                "termination",
                "2026-04-01",
                &["reason=voluntary"],
                "本人申请退出",
                &["终止", "主动退出", "paid_months"],
            ),
            (
                "termination",
                "2026-04-01",
                &["reason=voluntary", "paid_months=4"],
                "",
                &["paid_months：1 到 3"],
            ),
            ("termination", "2026-04-01", &[], "", &["reason", "income"]),
            (
                "review",
                "2026-04-01",
                &["outcome=better"],
                "",
                &["复核", "outcome", "decrease"],
            ),
            (
                "exception",
                "2026-04-01",
                &["recorded=dibao"],
                "情况特殊",
                &["容错纠错", "approved_by"],
            ),
            (
                "application",
                "2026-04-01",
                &[],
                "",
                &["申请受理", "在保", "复核"],
            ),
            (
                "review",
                "2026-03-19",
                &["outcome=same"],
                "",
                &["早于上一步的日期 2026-03-20"],
            ),
        ],
    );

    // Nothing refused was left half-done.
    assert_eq!(stage(&db, m), "township_reviewed");
    assert_eq!(enrollment(&db, m), Value::Null);
    assert_eq!(enrollment(&db, h)["since"], "2026-03-20");
    log_verified(&db);
}

/// Steps saved out of order before the path was enforced (written behind
/// the program's back, as old data or another device could hold them) are
/// read as they come and shown by `case` and `audit`.
#[test]
fn steps_recorded_out_of_order_elsewhere_are_shown_by_case_and_audit() {
    use bangfu::casework::{CaseEvent, EventKind};
    let dir = tempdir();
    let db = dibao_store(dir.path(), "old.sqlite");
    step(&db, DIBAO, "application", "2026-03-02", &[], "").ok();
    {
        let mut store = crate::support::open_store(&db);
        let household_id = store.household_record_id(DIBAO).expect("record id");
        let old = CaseEvent {
            id: uuid::Uuid::now_v7(),
            kind: EventKind::NoticeStart,
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            actor: "村委会".into(),
            note: String::new(),
            data: serde_json::Map::new(),
        };
        store
            .write(|tx| tx.save_event(&household_id, &old))
            .expect("save the old step");
    }
    let c = case(&db, DIBAO);
    assert_eq!(c["stage"], "noticing", "taken as it comes: {c:#}");
    let problems = c["out_of_order"].as_array().expect("out_of_order");
    assert_eq!(problems.len(), 1, "{c:#}");
    let problem = problems[0]["problem"].as_str().unwrap();
    assert!(
        problem.contains("公示开始") && problem.contains("已受理"),
        "{problem}"
    );
    let text = run(&db, &["case", "--household", DIBAO]).ok().stdout;
    assert!(text.contains("顺序不符：2026-03-03 公示开始"), "{text}");

    let findings = run(&db, &["audit", "--json"]).ok().json();
    let out_of_order: Vec<&Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["household"] == DIBAO && f["rule"] == "STEP_OUT_OF_ORDER")
        .collect();
    assert_eq!(out_of_order.len(), 1, "{findings:#}");
    assert!(
        out_of_order[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-03 公示开始"),
        "{out_of_order:?}"
    );
    let table = run(&db, &["audit"]).ok().stdout;
    assert!(table.contains("办理流程顺序不符"), "{table}");
    log_verified(&db);
}

// ---------------------------------------------------------------------------
// 3. After 在保
// ---------------------------------------------------------------------------

#[test]
fn review_gradual_exit_and_termination_write_the_enrollment_and_a_new_application_starts_over() {
    let dir = tempdir();
    let db = enrolled_store(dir.path(), "after.sqlite");
    let h = DIBAO;
    let confirmed = enrollment(&db, h);
    assert_eq!(confirmed["last_review"], "2026-03-20");

    step(
        &db,
        h,
        "review",
        "2026-04-01",
        &["outcome=decrease"],
        "复核",
    )
    .ok();
    assert_eq!(stage(&db, h), "enrolled");
    let reviewed = enrollment(&db, h);
    assert_eq!(reviewed["last_review"], "2026-04-01", "{reviewed:#}");
    assert_eq!(reviewed["since"], "2026-03-20", "{reviewed:#}");
    assert_eq!(reviewed["monthly_amount"], confirmed["monthly_amount"]);

    step(&db, h, "gradual_exit", "2026-05-06", &[], "收入超过标准").ok();
    assert_eq!(stage(&db, h), "gradual_exit");
    let exiting = enrollment(&db, h);
    assert_eq!(exiting["exceeded_since"], "2026-05-06", "{exiting:#}");
    assert_eq!(exiting["last_review"], "2026-04-01", "{exiting:#}");
    assert_eq!(exiting["program"], "dibao", "{exiting:#}");
    assert_eq!(
        case(&db, h)["next"],
        json!(["review", "termination", "exception"])
    );

    // A review in 渐退 keeps the date the income first exceeded.
    step(&db, h, "review", "2026-06-01", &["outcome=same"], "").ok();
    let reviewed = enrollment(&db, h);
    assert_eq!(reviewed["last_review"], "2026-06-01", "{reviewed:#}");
    assert_eq!(reviewed["exceeded_since"], "2026-05-06", "{reviewed:#}");

    step(
        &db,
        h,
        "termination",
        "2026-07-01",
        &["reason=income"],
        "渐退期满",
    )
    .ok();
    assert_eq!(stage(&db, h), "closed");
    assert_eq!(enrollment(&db, h), Value::Null, "exit ends 在保");
    assert_eq!(case(&db, h)["next"], json!(["application", "exception"]));
    log_verified(&db);

    // Monday 2026-08-03: a new case, with its own deadlines.
    step(&db, h, "application", "2026-08-03", &[], "再次申请").ok();
    let c = case(&db, h);
    assert_eq!(c["stage"], "accepted", "{c:#}");
    assert_eq!(c["next"], json!(["investigation", "refusal", "extension"]));
    assert_eq!(c["deadlines"].as_array().unwrap().len(), 4, "{c:#}");
    assert_eq!(deadline(&c, "入户调查", 1), ("2026-08-06".into(), None));
    assert_eq!(enrollment(&db, h), Value::Null);

    // The application in hand is in the due list (overdue by now).
    let due = run(&db, &["due", "--days", "60", "--json"]).ok().json();
    let deadlines: Vec<&Value> = due
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["household"] == h && i["kind"] == "deadline")
        .collect();
    assert!(
        deadlines
            .iter()
            .any(|i| i["what"] == "入户调查" && i["due"] == "2026-08-06"),
        "{due:#}"
    );
    assert!(deadlines.iter().any(|i| i["what"] == "作出决定"), "{due:#}");
    log_verified(&db);
}

/// A review that stops the payment (停发) closes the case and ends 在保 in
/// the same step: the household is no longer paid.
#[test]
fn a_review_that_stops_payment_ends_the_enrollment() {
    let dir = tempdir();
    let db = enrolled_store(dir.path(), "stop.sqlite");
    step(
        &db,
        DIBAO,
        "review",
        "2026-04-01",
        &["outcome=stop"],
        "收入超标，停发",
    )
    .ok();
    assert_eq!(stage(&db, DIBAO), "closed");
    assert_eq!(
        enrollment(&db, DIBAO),
        Value::Null,
        "the case is closed, yet the household is still 在保"
    );
}

// ---------------------------------------------------------------------------
// 4. Deadlines in working days
// ---------------------------------------------------------------------------

/// The built-in policy with a `[procedure]` table of every key.
fn policy_with_procedure(investigation: u32, notice: u32) -> String {
    format!(
        "{}\n[procedure]\ninvestigation_working_days = {investigation}\ndecision_working_days = 30\n\
         decision_extended_working_days = 45\nnotice_days = {notice}\nprepay_hours = 24\n\
         monitoring_visit_months = 3\n",
        policy_text(&[])
    )
}

fn deadline_findings(db: &Path, code: &str, policy: Option<&Path>) -> Vec<String> {
    let mut args = vec!["audit", "--json"];
    if let Some(policy) = policy {
        args.extend(["--policy", p(policy)]);
    }
    run(db, &args)
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["household"] == code && f["rule"] == "DEADLINE_MISSED")
        .map(|f| f["detail"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_procedure_table_of_a_policy_sets_the_deadlines_case_event_and_audit_use() {
    let dir = tempdir();
    let d = dir.path();
    let text = policy_with_procedure(1, 10);
    // Accepted Monday 03-02, investigated Wednesday 03-04: late by one
    // working day, in time by three.
    let late = "入户调查应于 2026-03-03 前完成，2026-03-04 才完成";

    // The built-in policy: three working days.
    let plain = dibao_store(d, "plain.sqlite");
    step(&plain, DIBAO, "application", "2026-03-02", &[], "").ok();
    step(&plain, DIBAO, "investigation", "2026-03-04", &[], "").ok();
    assert_eq!(
        deadline(&case(&plain, DIBAO), "入户调查", 0),
        ("2026-03-05".into(), Some("2026-03-04".into()))
    );
    let builtin = deadline_findings(&plain, DIBAO, None);
    assert!(
        builtin.iter().all(|f| !f.starts_with("入户调查")),
        "{builtin:?}"
    );
    // An unsigned policy file given to `audit --policy`: one working day.
    let file = d.join("one-day.toml");
    std::fs::write(&file, &text).unwrap();
    let strict = deadline_findings(&plain, DIBAO, Some(&file));
    assert!(strict.iter().any(|f| f == late), "{strict:?}");
    let table = run(&plain, &["audit", "--policy", p(&file)]).ok().stdout;
    assert!(
        table.contains("超过办理时限") && table.contains(late),
        "{table}"
    );

    // `policy import` takes only a county-signed file: the county signs it,
    // the device imports it, and every command then counts with it.
    let cty = county(d, "county", "341024");
    let (device, _) = unregistered_device(d, "device", "田心寨村", &cty);
    run(&device, &["policy", "import", p(&file)]).refused_in_chinese(&["不是有效的政策文件"]);
    let signed = publish_policy(&cty.db, d, "procedure", &text);
    run(&device, &["policy", "import", p(&signed)]).ok();
    import_households(
        &device,
        &d.join("device.json"),
        &[household(DIBAO, "341024198104120119", "2400.00")],
    );
    step(&device, DIBAO, "application", "2026-03-02", &[], "").ok();
    step(&device, DIBAO, "investigation", "2026-03-04", &[], "").ok();
    let c = case(&device, DIBAO);
    assert_eq!(
        deadline(&c, "入户调查", 0),
        ("2026-03-03".into(), Some("2026-03-04".into())),
        "{c:#}"
    );
    let findings = deadline_findings(&device, DIBAO, None);
    assert!(findings.iter().any(|f| f == late), "{findings:?}");
    // … and its notice of 10 days holds for `event add`.
    step(&device, DIBAO, "check_request", "2026-03-05", &[], "").ok();
    step(
        &device,
        DIBAO,
        "check_reply",
        "2026-03-06",
        &["finding=nothing"],
        "",
    )
    .ok();
    step(&device, DIBAO, "notice_start", "2026-03-10", &[], "").ok();
    refusals(
        &device,
        DIBAO,
        &[(
            "notice_end",
            "2026-03-16",
            &[],
            "",
            &["须满 10 天", "最早 2026-03-19"],
        )],
    );
    step(&device, DIBAO, "notice_end", "2026-03-19", &[], "").ok();
    log_verified(&device);
}

#[test]
fn working_days_skip_the_national_day_holiday_of_2026() {
    let dir = tempdir();
    let db = dibao_store(dir.path(), "guoqing.sqlite");
    // Tuesday 09-29: 09-30 is the first working day, 10-01 … 10-07 are
    // holidays, 10-08 and 10-09 the second and third.
    step(&db, DIBAO, "application", "2026-09-29", &[], "").ok();
    let c = case(&db, DIBAO);
    assert_eq!(
        deadline(&c, "入户调查", 0),
        ("2026-10-09".into(), None),
        "{c:#}"
    );
    // Thirty working days, Saturday 10-10 (调休上班) among them.
    assert_eq!(
        deadline(&c, "作出决定", 0),
        ("2026-11-16".into(), None),
        "{c:#}"
    );

    // Investigated on that Saturday: a working day, but a day late.
    step(&db, DIBAO, "investigation", "2026-10-10", &[], "").ok();
    let findings = deadline_findings(&db, DIBAO, None);
    assert!(
        findings
            .iter()
            .any(|f| f == "入户调查应于 2026-10-09 前完成，2026-10-10 才完成"),
        "{findings:?}"
    );
}

#[test]
fn the_demo_has_late_investigations_in_audit_and_decisions_due_for_applications_in_hand() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "demo.sqlite", &[]);
    let findings = run(&db, &["audit", "--json"]).ok().json();
    let late: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "DEADLINE_MISSED")
        .map(|f| f["detail"].as_str().unwrap())
        .collect();
    assert!(!late.is_empty(), "{findings:#}");
    assert!(
        late.iter()
            .all(|d| d.contains("应于 20") && d.contains("前完成")),
        "{late:?}"
    );
    assert!(
        late.iter()
            .any(|d| d.starts_with("入户调查") && d.contains("才完成")),
        "{late:?}"
    );
    let table = run(&db, &["audit"]).ok().stdout;
    assert!(table.contains("超过办理时限"), "{table}");

    let due = run(&db, &["due", "--days", "60", "--json"]).ok().json();
    let decisions: Vec<&Value> = due
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "deadline" && i["what"] == "作出决定")
        .collect();
    assert!(!decisions.is_empty(), "{due:#}");
    for item in decisions.iter().take(5) {
        let code = item["household"].as_str().unwrap();
        let c = case(&db, code);
        let in_hand =
            !["new", "enrolled", "gradual_exit", "closed"].contains(&c["stage"].as_str().unwrap());
        assert!(in_hand, "{code} is an application in hand: {c:#}");
        let open: Vec<&Value> = c["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["what"] == "作出决定" && d["done"].is_null())
            .collect();
        assert_eq!(open.len(), 1, "{code}: {c:#}");
        assert_eq!(open[0]["due"], item["due"], "{code}: {c:#}");
    }
    let text = run(&db, &["due", "--days", "60"]).ok().stdout;
    assert!(text.contains("作出决定"), "{text}");
}

// ---------------------------------------------------------------------------
// 5. 容错纠错
// ---------------------------------------------------------------------------

/// Sets the wage of `code` (its only member) and imports it back.
fn set_wage(db: &Path, dir: &Path, code: &str, wage: &str) {
    let mut h = exported(db, code);
    h["members"][0]["incomes"] = json!([{"kind": "wage", "annual": wage}]);
    import_households(db, &dir.join(format!("wage-{wage}.json")), &[h]);
}

fn decision_findings(db: &Path, code: &str) -> Vec<(String, String)> {
    run(db, &["audit", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["household"] == code
                && (f["rule"] == "AMOUNT_DIFFERS" || f["rule"] == "JUSTIFIED_EXCEPTION")
        })
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_approved_exception_after_the_decision_turns_a_mismatch_into_a_justified_one() {
    let dir = tempdir();
    let d = dir.path();
    let db = enrolled_store(d, "exception.sqlite");
    assert_eq!(decision_findings(&db, DIBAO), vec![], "agrees when saved");

    // 4,800 a year: 300 a month after the work allowance, 300 of 低保
    // instead of the 500 decided.
    set_wage(&db, d, DIBAO, "4800.00");
    let found = decision_findings(&db, DIBAO);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "AMOUNT_DIFFERS");
    assert!(
        found[0].1.contains("低保 500.00 元") && found[0].1.contains("低保 300.00 元"),
        "{found:?}"
    );

    refusals(
        &db,
        DIBAO,
        &[
            (
                "exception",
                "2026-04-01",
                &["recorded=dibao"],
                "务工收入不稳定",
                &["approved_by"],
            ),
            (
                "exception",
                "2026-04-01",
                &["approved_by=乡镇人民政府"],
                "务工收入不稳定",
                &["recorded"],
            ),
            (
                "exception",
                "2026-04-01",
                &["recorded=dibao", "approved_by=乡镇人民政府"],
                "",
                &["理由"],
            ),
        ],
    );
    let reason = "务工收入季节性，经乡镇集体研究维持原认定";
    step(
        &db,
        DIBAO,
        "exception",
        "2026-04-01",
        &["recorded=dibao", "approved_by=乡镇人民政府"],
        reason,
    )
    .ok();
    assert_eq!(stage(&db, DIBAO), "enrolled", "an exception moves nothing");
    let shown = run(&db, &["households", "show", DIBAO, "--json"])
        .ok()
        .json();
    let exception = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "exception")
        .cloned()
        .expect("the exception step");
    assert_eq!(exception["data"]["recorded"], "dibao", "{exception:#}");
    assert_eq!(exception["data"]["approved_by"], "乡镇人民政府");
    assert_eq!(exception["note"], reason);
    let found = decision_findings(&db, DIBAO);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "JUSTIFIED_EXCEPTION");
    for needle in ["2026-04-01", reason, "乡镇人民政府", "500.00", "300.00"] {
        assert!(found[0].1.contains(needle), "{needle}: {found:?}");
    }
    let table = run(&db, &["audit"]).ok().stdout;
    assert!(table.contains("容错纠错（已说明理由并经批准）"), "{table}");
    assert!(!table.contains("保障金额与重新评估不符"), "{table}");

    // A later decision is not covered by the earlier exception.
    save_decision(&db, DIBAO, "2026-04-10");
    assert_eq!(decision_findings(&db, DIBAO), vec![]);
    // 3,600 a year: 200 a month, 400 of 低保 instead of the 300 decided.
    set_wage(&db, d, DIBAO, "3600.00");
    let found = decision_findings(&db, DIBAO);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "AMOUNT_DIFFERS", "{found:?}");
    log_verified(&db);
}

// ---------------------------------------------------------------------------
// 6. Bad [procedure] values
// ---------------------------------------------------------------------------

#[test]
fn a_policy_with_a_bad_procedure_table_is_refused_naming_the_key() {
    let dir = tempdir();
    let d = dir.path();
    let db = dibao_store(d, "bad.sqlite");
    let households = d.join("bad.sqlite.json");
    let cty = county(d, "county", "341024");
    let good = policy_with_procedure(3, 7);
    let cases: &[(&str, String, &[&str])] = &[
        (
            "notice-zero",
            good.replace("notice_days = 7", "notice_days = 0"),
            &["procedure.notice_days", "1 到 30"],
        ),
        (
            "investigation-zero",
            good.replace(
                "investigation_working_days = 3",
                "investigation_working_days = 0",
            ),
            &["procedure.investigation_working_days"],
        ),
        (
            "extended-shorter",
            good.replace(
                "decision_extended_working_days = 45",
                "decision_extended_working_days = 20",
            ),
            &["procedure.decision_extended_working_days", "30 到 180"],
        ),
        (
            "prepay-zero",
            good.replace("prepay_hours = 24", "prepay_hours = 0"),
            &["procedure.prepay_hours"],
        ),
        (
            "monitoring-zero",
            good.replace("monitoring_visit_months = 3", "monitoring_visit_months = 0"),
            &["procedure.monitoring_visit_months", "1 到 12"],
        ),
        (
            "negative",
            good.replace("notice_days = 7", "notice_days = -1"),
            &["notice_days"],
        ),
        (
            "unknown-key",
            good.replace("[procedure]\n", "[procedure]\ndeadline_days = 3\n"),
            &["deadline_days"],
        ),
        (
            "missing-key",
            good.replace("prepay_hours = 24\n", ""),
            &["prepay_hours"],
        ),
    ];
    let before = log_verified(&db);
    for (name, text, needles) in cases {
        assert_ne!(text, &good, "{name} edits the policy");
        let file = d.join(format!("{name}.toml"));
        std::fs::write(&file, text).unwrap();
        let mut with_name: Vec<&str> = needles.to_vec();
        let file_name = format!("{name}.toml");
        with_name.push(&file_name);
        run(&db, &["audit", "--policy", p(&file)]).refused_in_chinese(&with_name);
        run(
            &db,
            &["eval", "--policy", p(&file), "--input", p(&households)],
        )
        .refused_in_chinese(needles);
        let signed = d.join(format!("{name}.signed"));
        run(
            &cty.db,
            &["county", "publish-policy", p(&file), "--out", p(&signed)],
        )
        .refused_in_chinese(needles);
        assert!(!signed.exists(), "{name}: nothing signed");
    }
    assert_eq!(log_verified(&db), before, "the store is unchanged");

    // The same table with good values is taken.
    let file = d.join("good.toml");
    std::fs::write(&file, &good).unwrap();
    run(&db, &["audit", "--policy", p(&file)]).ok();
}

/// A `[procedure]` table as documented when the table came (five keys) is
/// still read: `monitoring_visit_months`, added since, defaults to 3, so a
/// policy a device imported earlier stays readable.
#[test]
fn a_procedure_table_without_the_monitoring_cadence_is_still_read() {
    let dir = tempdir();
    let d = dir.path();
    let db = dibao_store(d, "five.sqlite");
    let five = policy_with_procedure(1, 7).replace("monitoring_visit_months = 3\n", "");
    assert!(five.contains("prepay_hours = 24"));
    let file = d.join("five-keys.toml");
    std::fs::write(&file, &five).unwrap();
    step(&db, DIBAO, "application", "2026-03-02", &[], "").ok();
    step(&db, DIBAO, "investigation", "2026-03-04", &[], "").ok();
    let findings = deadline_findings(&db, DIBAO, Some(&file));
    assert!(
        findings
            .iter()
            .any(|f| f == "入户调查应于 2026-03-03 前完成，2026-03-04 才完成"),
        "{findings:?}"
    );
}

/// A step of the path dated after the laptop's today is refused: only what
/// has happened is recorded.
#[test]
fn steps_dated_after_today_are_refused() {
    let dir = tempdir();
    let db = dibao_store(dir.path(), "future.sqlite");
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string();
    let r = run(
        &db,
        &[
            "event",
            "add",
            "--household",
            DIBAO,
            "--kind",
            "application",
            "--date",
            &tomorrow,
        ],
    )
    .input_error();
    assert!(r.stderr.contains("晚于今天"), "{}", r.stderr);
    let r = run(&db, &["case", "--household", DIBAO, "--json"]).ok();
    assert!(
        r.stdout.contains("\"new\""),
        "nothing recorded: {}",
        r.stdout
    );
}
