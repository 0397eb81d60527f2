//! The store through the real `bangfu` binary: import/export round trips,
//! idempotent re-imports, all-or-nothing imports, roster CSV encodings and
//! errors, change-log tampering, the ledger, visits and `eval`.
//!
//! Every test runs the built binary against its own SQLite file in a
//! temporary directory and, where it matters, opens that file with rusqlite
//! behind the program's back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::support::ids::id_number;
use crate::support::{
    copy_store, csv_rows, has_cjk, p, query_i64, run as bangfu, sql, tempdir, write_json, Bangfu,
    Run, PUBLIC_HOUSEHOLDS, PUBLIC_POLICY,
};

// ---------------------------------------------------------------------------
// Poking the SQLite file directly
// ---------------------------------------------------------------------------

fn count(db: &Path, table: &str) -> i64 {
    query_i64(db, &format!("SELECT COUNT(*) FROM {table}"))
}

/// Row counts of the tables an import touches, and of the change log.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Counts {
    households: i64,
    members: i64,
    expenses: i64,
    change_log: i64,
}

fn counts(db: &Path) -> Counts {
    Counts {
        households: count(db, "households"),
        members: count(db, "members"),
        expenses: count(db, "expenses"),
        change_log: count(db, "change_log"),
    }
}

// ---------------------------------------------------------------------------
// Household files
// ---------------------------------------------------------------------------

fn public_doc() -> Value {
    let text = std::fs::read_to_string(PUBLIC_HOUSEHOLDS).expect("public households.json");
    serde_json::from_str(&text).expect("public households.json is JSON")
}

/// The public households without LY-012, whose ID number fails its check
/// digit: a household file imports whole or not at all, so the public file
/// as it stands cannot be imported (see `import_then_export_round_trips_public_households`).
fn importable_public_doc() -> Value {
    let mut doc = public_doc();
    doc["households"]
        .as_array_mut()
        .unwrap()
        .retain(|h| h["id"] != "LY-012");
    assert_eq!(doc["households"].as_array().unwrap().len(), 12);
    doc
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// A fresh store holding the 12 importable public households.
fn store_with_public(dir: &Path) -> PathBuf {
    let db = dir.join("store.sqlite");
    let file = dir.join("public-12.json");
    write_json(&file, &importable_public_doc());
    bangfu(&db, &["import", "households", p(&file)]).ok();
    assert_eq!(count(&db, "households"), 12);
    db
}

/// An amount as an exact decimal, normalised (`"3000.00"` and `3000` are equal).
fn dec(v: &Value) -> Value {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not an amount: {other}"),
    };
    let d: Decimal = text
        .parse()
        .unwrap_or_else(|e| panic!("amount {text:?}: {e}"));
    Value::String(d.normalize().to_string())
}

fn dec_or_zero(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::String("0".into()),
        Some(v) => dec(v),
    }
}

fn or_default(v: Option<&Value>, default: Value) -> Value {
    match v {
        None | Some(Value::Null) => default,
        Some(v) => v.clone(),
    }
}

fn list(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array).cloned().unwrap_or_default()
}

fn norm_kind_amounts(v: Option<&Value>) -> Value {
    Value::Array(
        list(v)
            .iter()
            .map(|x| json!({"kind": x["kind"], "annual": dec(&x["annual"])}))
            .collect(),
    )
}

/// A member with the spec's defaults applied and amounts as decimals.
fn norm_member(m: &Value) -> Value {
    let disability = match m.get("disability") {
        None | Some(Value::Null) => Value::Null,
        Some(d) => json!({
            "grade": d["grade"],
            "kind": d["kind"],
            "certificate": or_default(d.get("certificate"), Value::Null),
        }),
    };
    let supporters = match m.get("supporters") {
        Some(Value::Array(list)) => Value::Array(
            list.iter()
                .map(|s| {
                    json!({
                        "name": s["name"],
                        "relation": or_default(s.get("relation"), json!("")),
                        "capable": s.get("capable").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect(),
        ),
        _ => Value::Null,
    };
    json!({
        "name": m["name"],
        "id_number": or_default(m.get("id_number"), Value::Null),
        "birth_date": or_default(m.get("birth_date"), Value::Null),
        "relation": m["relation"],
        "cohabiting": or_default(m.get("cohabiting"), json!(true)),
        "disability": disability,
        "serious_illness": or_default(m.get("serious_illness"), json!(false)),
        "work_capacity": or_default(m.get("work_capacity"), json!("full")),
        "self_care": or_default(m.get("self_care"), json!("full")),
        "supporters": supporters,
        "incomes": norm_kind_amounts(m.get("incomes")),
    })
}

/// A household with the spec's defaults applied and amounts as decimals.
fn norm_household(h: &Value) -> Value {
    let assets = h.get("assets").cloned().unwrap_or(Value::Null);
    let enrollment = match h.get("enrollment") {
        None | Some(Value::Null) => Value::Null,
        Some(e) => json!({
            "program": e["program"],
            "since": or_default(e.get("since"), Value::Null),
            "monthly_amount": dec(&e["monthly_amount"]),
            "class": or_default(e.get("class"), Value::Null),
            "last_review": or_default(e.get("last_review"), Value::Null),
            "exceeded_since": or_default(e.get("exceeded_since"), Value::Null),
        }),
    };
    let temp_aid = match h.get("temp_aid") {
        None | Some(Value::Null) => Value::Null,
        Some(t) => json!({
            "requested": dec(&t["requested"]),
            "granted_this_year": dec_or_zero(t.get("granted_this_year")),
        }),
    };
    json!({
        "id": h["id"],
        "region_code": h["region_code"],
        "village": h["village"],
        "hukou": h["hukou"],
        "members": list(h.get("members")).iter().map(norm_member).collect::<Vec<_>>(),
        "expenses": norm_kind_amounts(h.get("expenses")),
        "assets": {
            "financial": dec_or_zero(assets.get("financial")),
            "disqualifying": list(assets.get("disqualifying")),
        },
        "enrollment": enrollment,
        "temp_aid": temp_aid,
    })
}

fn households_by_id(doc: &Value) -> BTreeMap<String, Value> {
    doc["households"]
        .as_array()
        .expect("a households list")
        .iter()
        .map(|h| (h["id"].as_str().unwrap().to_owned(), norm_household(h)))
        .collect()
}

fn show(db: &Path, code: &str) -> Value {
    let run = bangfu(db, &["households", "show", code, "--json"]).ok();
    parse_json(&run.stdout)["household"].clone()
}

// ---------------------------------------------------------------------------
// 1–3. household.v1 import and export
// ---------------------------------------------------------------------------

#[test]
fn import_then_export_round_trips_public_households() {
    let dir = tempdir();
    let db = dir.path().join("store.sqlite");

    // The public file as it stands holds LY-012 with an invalid ID number,
    // and a household file imports whole or not at all.
    let whole = bangfu(&db, &["import", "households", PUBLIC_HOUSEHOLDS]).input_error();
    assert!(
        whole.stderr.contains("LY-012") && whole.stderr.contains("INVALID_ID_NUMBER"),
        "{}",
        whole.describe()
    );
    assert!(
        !db.exists() || count(&db, "households") == 0,
        "nothing may be saved from a rejected file"
    );

    let input = importable_public_doc();
    let file = dir.path().join("public-12.json");
    write_json(&file, &input);
    let run = bangfu(&db, &["import", "households", p(&file)]).ok();
    assert!(run.stdout.contains("新增 12 户"), "{}", run.describe());

    let out = dir.path().join("export.json");
    bangfu(&db, &["export", "households", "--out", p(&out)]).ok();
    let exported = parse_json(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(exported["format"], "bangfu.household.v1");

    // Export is ordered by household id.
    let ids: Vec<&str> = exported["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "export should be ordered by id");

    let want = households_by_id(&input);
    let got = households_by_id(&exported);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (id, w) in &want {
        assert_eq!(&got[id], w, "household {id} differs after import/export");
    }

    // Exporting to stdout gives the same document.
    let to_stdout = bangfu(&db, &["export", "households"]).ok();
    assert_eq!(households_by_id(&parse_json(&to_stdout.stdout)), want);
}

#[test]
fn importing_the_same_file_twice_changes_nothing() {
    let dir = tempdir();
    let db = store_with_public(dir.path());
    let before = counts(&db);
    assert!(before.change_log > 0);
    let export_before = bangfu(&db, &["export", "households"]).ok().stdout;

    let file = dir.path().join("public-12.json");
    let run = bangfu(&db, &["import", "households", p(&file)]).ok();
    assert!(
        run.stdout.contains("新增 0 户") && run.stdout.contains("更新 0 户"),
        "{}",
        run.describe()
    );
    assert_eq!(counts(&db), before, "a second import must write nothing");
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM (SELECT code FROM households GROUP BY code HAVING COUNT(*) > 1)"
        ),
        0
    );

    // Re-importing our own export is a no-op too.
    let exported = dir.path().join("export.json");
    std::fs::write(&exported, &export_before).unwrap();
    bangfu(&db, &["import", "households", p(&exported)]).ok();
    assert_eq!(
        counts(&db),
        before,
        "re-importing the export must write nothing"
    );
    bangfu(&db, &["log", "verify"]).ok();
}

#[test]
fn household_file_with_one_bad_household_is_rejected_whole() {
    let dir = tempdir();
    let db = store_with_public(dir.path());
    let before = counts(&db);
    let txz001_before = show(&db, "TXZ-001");

    let good_new = json!({
        "id": "NEW-OK", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [{"name": "新户主", "id_number": id_number("1970-03-03", 111), "relation": "self"}],
    });
    let cases = [
        (
            "NEW-BAD",
            json!({"name": "坏金额", "id_number": id_number("1965-07-01", 222), "relation": "self",
                   "incomes": [{"kind": "wage", "annual": "12,000"}]}),
            "BAD_AMOUNT",
        ),
        (
            "NEW-BADID",
            json!({"name": "坏号码", "id_number": "341024199001010010", "relation": "self"}),
            "INVALID_ID_NUMBER",
        ),
    ];
    for (bad_id, bad_member, code) in cases {
        let mut doc = importable_public_doc();
        let list = doc["households"].as_array_mut().unwrap();
        // An update to an existing household…
        let txz001 = list.iter_mut().find(|h| h["id"] == "TXZ-001").unwrap();
        txz001["assets"]["financial"] = json!("99999.00");
        txz001["members"][0]["name"] = json!("改过的名字");
        // …a new valid household, and the bad one.
        list.push(good_new.clone());
        list.push(json!({
            "id": bad_id, "region_code": "341024", "village": "田心寨村", "hukou": "rural",
            "members": [bad_member],
        }));
        let file = dir.path().join(format!("{bad_id}.json"));
        write_json(&file, &doc);

        let run = bangfu(&db, &["import", "households", p(&file)]).input_error();
        assert!(
            run.stderr.contains(bad_id) && run.stderr.contains(code),
            "stderr should name {bad_id} and {code}:\n{}",
            run.describe()
        );
        assert_eq!(
            counts(&db),
            before,
            "nothing from {bad_id}.json may be saved"
        );
        assert_eq!(
            show(&db, "TXZ-001"),
            txz001_before,
            "TXZ-001 must be unchanged"
        );
        assert_ne!(
            bangfu(&db, &["households", "show", "NEW-OK", "--json"]).code,
            0,
            "NEW-OK must not have been saved"
        );
    }
    bangfu(&db, &["log", "verify"]).ok();
}

// ---------------------------------------------------------------------------
// 4–5. Roster CSV
// ---------------------------------------------------------------------------

const ROSTER_HEADER: &str = "户编号,村/社区,组,住址,户籍类型,户主姓名,姓名,身份证号,出生日期,与户主关系,是否共同生活,残疾类别,残疾等级,是否重病,劳动能力,自理能力,年工资收入（元）";

/// A small valid roster: two households, one member without an ID number,
/// one name with a character outside GB2312 (堃, in GBK).
fn roster_rows() -> Vec<String> {
    vec![
        "R-001,田心寨村,一组,田心寨村一组12号,农村,程金明,程金明,341024198104120119,,户主,是,,,否,完全,完全自理,9600".into(),
        "R-001,田心寨村,一组,田心寨村一组12号,农村,程金明,王秀兰,341024198309300228,,配偶,是,,,否,完全,完全自理,2400.50".into(),
        "R-001,田心寨村,一组,田心寨村一组12号,农村,程金明,程小雨,,2015-06-01,子女,是,,,否,,,".into(),
        "R-002,黎阳社区,,,城镇,潘国强,潘国强,341024196606060938,,户主,是,肢体,二级,否,部分,部分,".into(),
        "R-002,黎阳社区,,,城镇,潘国强,李堃,341024194401150041,,母亲,否,,,是,无,完全失能,".into(),
    ]
}

fn csv_text(rows: &[String], eol: &str) -> String {
    let mut s = String::from(ROSTER_HEADER);
    s.push_str(eol);
    for r in rows {
        s.push_str(r);
        s.push_str(eol);
    }
    s
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text must be representable in GBK");
    bytes.into_owned()
}

#[track_caller]
fn assert_small_roster_imported(db: &Path, label: &str) {
    assert_eq!(count(db, "households"), 2, "{label}");
    assert_eq!(count(db, "members"), 5, "{label}");
    let r1 = show(db, "R-001");
    let names: Vec<&str> = r1["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["程金明", "王秀兰", "程小雨"], "{label}");
    assert_eq!(r1["village"], "田心寨村", "{label}");
    assert_eq!(r1["group"], "一组", "{label}");
    assert_eq!(r1["address"], "田心寨村一组12号", "{label}");
    assert_eq!(r1["hukou"], "rural", "{label}");
    assert_eq!(r1["members"][1]["relation"], "spouse", "{label}");
    assert_eq!(r1["members"][1]["incomes"][0]["kind"], "wage", "{label}");
    assert_eq!(
        dec(&r1["members"][1]["incomes"][0]["annual"]),
        json!("2400.5"),
        "{label}"
    );
    assert_eq!(r1["members"][2]["id_number"], Value::Null, "{label}");
    assert_eq!(r1["members"][2]["birth_date"], "2015-06-01", "{label}");

    let r2 = show(db, "R-002");
    assert_eq!(r2["village"], "黎阳社区", "{label}");
    assert_eq!(r2["hukou"], "urban", "{label}");
    let m0 = &r2["members"][0];
    assert_eq!(m0["name"], "潘国强", "{label}");
    assert_eq!(m0["disability"]["kind"], "physical", "{label}");
    assert_eq!(m0["disability"]["grade"], 2, "{label}");
    assert_eq!(m0["work_capacity"], "partial", "{label}");
    let m1 = &r2["members"][1];
    assert_eq!(m1["name"], "李堃", "{label}");
    assert_eq!(m1["cohabiting"], false, "{label}");
    assert_eq!(m1["serious_illness"], true, "{label}");
    assert_eq!(m1["self_care"], "none", "{label}");

    let list = parse_json(&bangfu(db, &["households", "list", "--json"]).ok().stdout);
    let heads: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["head"].as_str().unwrap())
        .collect();
    assert_eq!(heads, ["程金明", "潘国强"], "{label}");
}

#[test]
fn roster_imports_utf8_utf8_bom_and_gbk_with_correct_chinese() {
    let dir = tempdir();
    let text = csv_text(&roster_rows(), "\n");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    // Excel on Windows: GBK with CRLF line ends.
    let gbk_bytes = gbk(&csv_text(&roster_rows(), "\r\n"));
    assert!(std::str::from_utf8(&gbk_bytes).is_err());

    for (label, bytes) in [
        ("utf8", text.as_bytes().to_vec()),
        ("utf8-bom", bom),
        ("gbk", gbk_bytes),
    ] {
        let file = dir.path().join(format!("{label}.csv"));
        std::fs::write(&file, &bytes).unwrap();
        let db = dir.path().join(format!("{label}.sqlite"));
        let run = bangfu(&db, &["import", "roster", p(&file)]).ok();
        assert!(
            run.stdout.contains("新增 2 户"),
            "{label}: {}",
            run.describe()
        );
        assert_small_roster_imported(&db, label);
        bangfu(&db, &["log", "verify"]).ok();
    }
}

#[test]
fn roster_encoding_can_be_forced() {
    let dir = tempdir();
    let file = dir.path().join("gbk.csv");
    std::fs::write(&file, gbk(&csv_text(&roster_rows(), "\r\n"))).unwrap();

    let db = dir.path().join("forced-gbk.sqlite");
    bangfu(&db, &["import", "roster", p(&file), "--encoding", "gbk"]).ok();
    assert_small_roster_imported(&db, "--encoding gbk");

    // Forcing UTF-8 on a GBK file fails cleanly and saves nothing.
    let db2 = store_with_public(dir.path());
    let before = counts(&db2);
    let run = bangfu(&db2, &["import", "roster", p(&file), "--encoding", "utf-8"]).input_error();
    assert!(
        run.stderr.contains("UTF-8") && run.stderr.contains("gbk.csv"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    assert_eq!(counts(&db2), before);
}

/// A store holding the small roster, and its counts.
fn store_with_roster(dir: &Path) -> (PathBuf, Counts) {
    let db = dir.join("roster.sqlite");
    let file = dir.join("roster.csv");
    std::fs::write(&file, csv_text(&roster_rows(), "\n")).unwrap();
    bangfu(&db, &["import", "roster", p(&file)]).ok();
    let c = counts(&db);
    assert_eq!((c.households, c.members), (2, 5));
    (db, c)
}

#[test]
fn roster_ragged_row_is_rejected_with_its_line_number() {
    let dir = tempdir();
    let (db, before) = store_with_roster(dir.path());
    let r001_before = show(&db, "R-001");

    let mut rows = roster_rows();
    // An update to R-001 and a new household, then a row one column short on line 5.
    rows[0] = rows[0].replace(",程金明,341024198104120119", ",程金明改,341024198104120119");
    rows.truncate(2);
    rows.push(
        "R-003,保婴村,二组,,农村,,吴代娣,341024197510222247,,户主,是,,,否,完全,完全自理,100".into(),
    );
    rows.push(
        "R-003,保婴村,二组,,农村,,吴小娣,341024200001012223,,子女,是,,,否,完全,完全自理".into(),
    );
    assert_eq!(
        rows[3].matches(',').count() + 1,
        ROSTER_HEADER.matches(',').count()
    );
    let file = dir.path().join("ragged.csv");
    std::fs::write(&file, csv_text(&rows, "\n")).unwrap();

    let run = bangfu(&db, &["import", "roster", p(&file)]).input_error();
    assert!(
        run.stderr.contains("第5行"),
        "should name line 5:\n{}",
        run.describe()
    );
    assert_eq!(counts(&db), before, "nothing may be saved");
    assert_eq!(show(&db, "R-001"), r001_before);
    assert_ne!(
        bangfu(&db, &["households", "show", "R-003"]).code,
        0,
        "R-003 must not have been saved"
    );
}

#[test]
fn roster_bad_id_number_names_row_and_column() {
    let dir = tempdir();
    let (db, before) = store_with_roster(dir.path());

    let mut rows = roster_rows();
    // Line 3 (王秀兰): last digit changed, so the check digit is wrong.
    rows[1] = rows[1].replace("341024198309300228", "341024198309300229");
    let file = dir.path().join("bad-id.csv");
    std::fs::write(&file, csv_text(&rows, "\n")).unwrap();

    let run = bangfu(&db, &["import", "roster", p(&file)]).input_error();
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("身份证号"))
        .unwrap_or_else(|| panic!("no line names 身份证号:\n{}", run.describe()));
    assert!(line.contains("第3行"), "should name line 3: {line}");
    assert_eq!(counts(&db), before, "nothing may be saved");
}

#[test]
fn roster_line_numbers_are_right_in_excel_crlf_files() {
    // Excel on Windows writes CRLF. Line numbers must still count from the
    // header as line 1.
    let dir = tempdir();
    let db = dir.path().join("store.sqlite");

    let mut rows = roster_rows();
    rows[1] = rows[1].replace("341024198309300228", "341024198309300229"); // line 3
    let file = dir.path().join("crlf-bad-id.csv");
    std::fs::write(&file, gbk(&csv_text(&rows, "\r\n"))).unwrap();
    let run = bangfu(&db, &["import", "roster", p(&file)]).input_error();
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("身份证号"))
        .unwrap_or_else(|| panic!("no line names 身份证号:\n{}", run.describe()));
    assert!(
        line.contains("第3行"),
        "bad ID number is on line 3 of a CRLF file, message says: {line}"
    );

    let mut rows = roster_rows();
    rows[3] =
        "R-002,黎阳社区,,,城镇,潘国强,潘国强,341024196606060938,,户主,是,肢体,二级,否,部分,部分"
            .into(); // line 5, one column short
    let file = dir.path().join("crlf-ragged.csv");
    std::fs::write(&file, csv_text(&rows, "\r\n")).unwrap();
    let run = bangfu(&db, &["import", "roster", p(&file)]).input_error();
    assert!(
        run.stderr.contains("第5行"),
        "ragged row is line 5 of a CRLF file:\n{}",
        run.describe()
    );
    assert_eq!(count(&db, "households"), 0);
}

#[test]
fn roster_line_numbers_count_blank_lines_and_quoted_line_breaks() {
    let dir = tempdir();
    let db = dir.path().join("store.sqlite");
    let rows = roster_rows();
    // Line 1 header, line 2 a row, lines 3–4 a row whose address holds a
    // line break, line 5 blank, line 6 a bad ID number.
    let text = format!(
        "{ROSTER_HEADER}\n{}\n{}\n\n{}\n",
        rows[0],
        rows[1].replace("田心寨村一组12号", "\"田心寨村\n一组12号\""),
        rows[3].replace("341024196606060938", "341024196606060939"),
    );
    let file = dir.path().join("blank-lines.csv");
    std::fs::write(&file, text).unwrap();
    let run = bangfu(&db, &["import", "roster", p(&file)]).input_error();
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("身份证号"))
        .unwrap_or_else(|| panic!("no line names 身份证号:\n{}", run.describe()));
    assert!(line.contains("第6行"), "bad ID number is on line 6: {line}");
}

#[test]
fn roster_empty_and_header_only_files_are_clear_errors() {
    let dir = tempdir();
    let (db, before) = store_with_roster(dir.path());

    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let run = bangfu(&db, &["import", "roster", p(&empty)]).input_error();
    assert!(
        run.stderr.contains("empty.csv") && run.stderr.contains("空"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"));

    for (name, bytes) in [
        ("header-only.csv", format!("{ROSTER_HEADER}\n").into_bytes()),
        (
            "header-only-crlf-gbk.csv",
            gbk(&format!("{ROSTER_HEADER}\r\n")),
        ),
        ("header-no-newline.csv", ROSTER_HEADER.as_bytes().to_vec()),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let run = bangfu(&db, &["import", "roster", p(&file)]).input_error();
        assert!(
            run.stderr.contains(name) && run.stderr.contains("没有数据"),
            "{name}: {}",
            run.describe()
        );
    }
    assert_eq!(counts(&db), before);
}

#[test]
fn roster_reimport_is_idempotent() {
    let dir = tempdir();
    for (label, bytes) in [
        ("utf8", csv_text(&roster_rows(), "\n").into_bytes()),
        ("gbk", gbk(&csv_text(&roster_rows(), "\r\n"))),
    ] {
        let db = dir.path().join(format!("{label}.sqlite"));
        let file = dir.path().join(format!("{label}.csv"));
        std::fs::write(&file, &bytes).unwrap();
        bangfu(&db, &["import", "roster", p(&file)]).ok();
        let before = counts(&db);
        let export_before = bangfu(&db, &["export", "households"]).ok().stdout;

        let run = bangfu(&db, &["import", "roster", p(&file)]).ok();
        assert!(
            run.stdout.contains("新增 0 户") && run.stdout.contains("更新 0 户"),
            "{label}: {}",
            run.describe()
        );
        assert_eq!(
            counts(&db),
            before,
            "{label}: a second import must write nothing"
        );
        assert_eq!(
            bangfu(&db, &["export", "households"]).ok().stdout,
            export_before
        );
        bangfu(&db, &["log", "verify"]).ok();
    }
}

#[test]
fn roster_without_optional_columns_keeps_stored_member_facts() {
    // The roster module keeps "what the roster does not carry" from the
    // stored household. A roster with only the required columns carries no
    // 是否重病 or 劳动能力: importing it over TXZ-003 must not clear 程军's
    // serious illness and lost work capacity (they decide his 低保 class).
    let dir = tempdir();
    let db = store_with_public(dir.path());
    let before = show(&db, "TXZ-003");
    assert_eq!(before["members"][0]["serious_illness"], true);
    assert_eq!(before["members"][0]["work_capacity"], "none");

    let text = "户编号,村/社区,户籍类型,姓名,身份证号,与户主关系\n\
                TXZ-003,田心寨村,农村,程军,341024197511080519,户主\n\
                TXZ-003,田心寨村,农村,刘观英,341024197703150622,配偶\n\
                TXZ-003,田心寨村,农村,程浩,341024200810200714,子女\n";
    let file = dir.path().join("required-only.csv");
    std::fs::write(&file, text).unwrap();
    bangfu(&db, &["import", "roster", p(&file)]).ok();

    let after = show(&db, "TXZ-003");
    assert_eq!(
        norm_household(&after),
        norm_household(&before),
        "a roster without the optional columns changed TXZ-003"
    );
}

#[test]
fn roster_of_10_mb_imports() {
    let dir = tempdir();
    let db = dir.path().join("big.sqlite");
    let file = dir.path().join("big.csv");

    const HOUSEHOLDS: usize = 15_000;
    const ROWS: usize = 50_000;
    let villages = [
        ("田心寨村", "农村"),
        ("保婴村", "农村"),
        ("巨网村", "农村"),
        ("黎阳社区", "城镇"),
    ];
    let names = ["程金明", "王秀兰", "程小雨", "程大山"];
    let relations = ["户主", "配偶", "子女", "父母"];
    let first_birth = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
    let mut text = String::with_capacity(11 << 20);
    text.push_str(ROSTER_HEADER);
    text.push_str("\r\n");
    let mut row = 0usize;
    for h in 0..HOUSEHOLDS {
        // 5,000 households of four and 10,000 of three: 50,000 rows.
        let size = if h < ROWS - 3 * HOUSEHOLDS { 4 } else { 3 };
        let (village, hukou) = villages[h % villages.len()];
        let group = h % 9 + 1;
        for k in 0..size {
            // Distinct valid ID numbers: a birth date per row, the sequence above 25,000 rows.
            let birth = first_birth + chrono::Days::new((row % 25_000) as u64);
            let id = bangfu::id_number::make_id_number("341024", birth, (row / 25_000) as u32);
            text.push_str(&format!(
                "BIG-{h:05},{village},{group}组,安徽省示例县{village}第{group}村民组{h}号附{k}室（近村委会）,{hukou},{},{},{id},{birth},{},是,,,否,完全,完全自理,{}.50\r\n",
                names[0],
                names[k],
                relations[k],
                (row * 37) % 20_000,
            ));
            row += 1;
        }
    }
    assert_eq!(row, ROWS);
    assert!(
        text.len() > 9_500_000,
        "roster should be about 10 MB, is {} bytes",
        text.len()
    );
    std::fs::write(&file, &text).unwrap();
    drop(text);

    let started = Instant::now();
    let run = bangfu(&db, &["import", "roster", p(&file)]).ok();
    let elapsed = started.elapsed();
    eprintln!("10 MB roster ({ROWS} rows, {HOUSEHOLDS} households) imported in {elapsed:.1?}");
    assert!(
        run.stdout.contains(&format!("新增 {HOUSEHOLDS} 户")),
        "{}",
        run.describe()
    );
    assert_eq!(count(&db, "households"), HOUSEHOLDS as i64);
    assert_eq!(count(&db, "members"), ROWS as i64);
    assert_eq!(
        query_i64(&db, "SELECT COUNT(DISTINCT id_number) FROM members"),
        ROWS as i64
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM households WHERE village = '黎阳社区' AND hukou = 'urban'"
        ),
        (HOUSEHOLDS / 4) as i64
    );
}

// ---------------------------------------------------------------------------
// 6. Tampering behind the program's back
// ---------------------------------------------------------------------------

fn demo_store(dir: &Path) -> PathBuf {
    let db = crate::support::demo_store(
        dir,
        "demo.sqlite",
        &["--per-village", "5", "--as-of", "2026-12-01"],
    );
    assert_eq!(count(&db, "households"), 20);
    db
}

#[test]
fn log_verify_passes_untouched_and_names_tampering() {
    let dir = tempdir();
    let base = demo_store(dir.path());

    let run = bangfu(&base, &["log", "verify"]).ok();
    assert!(run.stdout.contains("完好"), "{}", run.describe());

    // (a) A member's name changed behind the program's back.
    let a = dir.path().join("a.sqlite");
    copy_store(&base, &a);
    let member_id: String = {
        let conn = sql(&a);
        let id: String = conn
            .query_row(
                "SELECT id FROM members ORDER BY id LIMIT 1 OFFSET 7",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let n = conn
            .execute("UPDATE members SET name = '篡改某某' WHERE id = ?1", [&id])
            .unwrap();
        assert_eq!(n, 1);
        id
    };
    let run = bangfu(&a, &["log", "verify"]);
    assert_ne!(run.code, 0, "tampered name must fail:\n{}", run.describe());
    let line = run
        .both()
        .lines()
        .find(|l| l.contains(&member_id))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("output must name member {member_id}:\n{}", run.describe()));
    assert!(line.contains("members") && line.contains("name"), "{line}");

    // (b) A change-log entry rewritten, its append-only triggers dropped first.
    let b = dir.path().join("b.sqlite");
    copy_store(&base, &b);
    let seq: i64 = {
        let conn = sql(&b);
        conn.execute_batch("DROP TRIGGER change_log_no_update; DROP TRIGGER change_log_no_delete;")
            .unwrap();
        let (seq, row_json): (i64, String) = conn
            .query_row(
                "SELECT seq, row_json FROM change_log WHERE tbl = 'members' AND op = 'insert'
                 ORDER BY seq LIMIT 1 OFFSET 5",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let mut row: Value = serde_json::from_str(&row_json).unwrap();
        row["name"] = json!("篡改某某");
        let n = conn
            .execute(
                "UPDATE change_log SET row_json = ?1 WHERE seq = ?2",
                rusqlite::params![row.to_string(), seq],
            )
            .unwrap();
        assert_eq!(n, 1);
        seq
    };
    assert!(seq > 1);
    let run = bangfu(&b, &["log", "verify"]);
    assert_ne!(
        run.code,
        0,
        "rewritten log entry must fail:\n{}",
        run.describe()
    );
    let chain: Vec<String> = run
        .both()
        .lines()
        .filter(|l| l.contains("哈希链"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        chain.len(),
        1,
        "one first broken entry:\n{}",
        run.describe()
    );
    assert!(
        chain[0].contains(&format!("第 {seq} 条")) || chain[0].contains(&format!("第{seq}条")),
        "first broken entry should be seq {seq}: {}",
        chain[0]
    );

    // (c) A household deleted with foreign keys off.
    let c = dir.path().join("c.sqlite");
    copy_store(&base, &c);
    let household_id: String = {
        let conn = sql(&c);
        conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        let id: String = conn
            .query_row(
                "SELECT id FROM households WHERE code = 'TXZ-002'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            conn.execute("DELETE FROM households WHERE id = ?1", [&id])
                .unwrap(),
            1
        );
        id
    };
    let run = bangfu(&c, &["log", "verify"]);
    assert_ne!(
        run.code,
        0,
        "deleted household must fail:\n{}",
        run.describe()
    );
    let line = run
        .both()
        .lines()
        .find(|l| l.contains(&household_id))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            panic!(
                "output must name household {household_id}:\n{}",
                run.describe()
            )
        });
    assert!(line.contains("households"), "{line}");

    // The original is still fine.
    bangfu(&base, &["log", "verify"]).ok();
}

// ---------------------------------------------------------------------------
// 7. Ledger
// ---------------------------------------------------------------------------

/// Longest run of characters that could be part of an ID number.
fn longest_id_like_run(text: &str) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in text.chars() {
        if c.is_ascii_digit() || c == 'X' || c == 'x' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// The ledger's header and rows; every row has a cell for each column.
fn ledger_records(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rows = csv_rows(bytes);
    assert!(!rows.is_empty(), "the ledger has a header");
    let header = rows.remove(0);
    for row in &rows {
        assert_eq!(row.len(), header.len(), "ragged ledger row {row:?}");
    }
    (header, rows)
}

#[test]
fn ledger_csv_has_bom_chinese_headers_one_line_per_household_and_masked_ids() {
    let dir = tempdir();
    let db = demo_store(dir.path());
    let households = count(&db, "households") as usize;
    let all_ids: Vec<String> = {
        let conn = sql(&db);
        let mut stmt = conn
            .prepare("SELECT id_number FROM members WHERE id_number IS NOT NULL")
            .unwrap();
        let ids = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<Vec<String>, _>>()
            .unwrap();
        ids
    };
    assert!(all_ids.len() >= households);

    let out = dir.path().join("ledger.csv");
    let run = bangfu(&db, &["export", "ledger", "--csv", "--out", p(&out)]).ok();
    assert!(run.stdout.is_empty(), "with --out nothing goes to stdout");
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "ledger must start with a BOM"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines.len(),
        households + 1,
        "header plus one line per household"
    );

    let (header, rows) = ledger_records(&bytes);
    for want in ["户编号", "村/社区", "户主姓名", "户主身份证号", "保障类别"] {
        assert!(
            header.iter().any(|h| h == want),
            "header lacks {want}: {header:?}"
        );
    }
    assert!(
        header.iter().all(|h| !h.is_ascii()),
        "headers should be Chinese: {header:?}"
    );
    assert_eq!(rows.len(), households);
    let codes: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut unique = codes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        households,
        "one line per household: {codes:?}"
    );

    assert!(
        longest_id_like_run(text) < 18,
        "an 18-character ID number run appears in the masked ledger"
    );
    for id in &all_ids {
        assert!(
            !text.contains(id.as_str()),
            "ID {id} leaked into the ledger"
        );
    }
    let id_col = header.iter().position(|h| h == "户主身份证号").unwrap();

    // With --full-id the head's ID appears in full (to stdout this time).
    let full = bangfu(&db, &["export", "ledger", "--csv", "--full-id"]).ok();
    assert!(full.raw_stdout.starts_with(b"\xEF\xBB\xBF"));
    let (full_header, full_rows) = ledger_records(&full.raw_stdout);
    assert_eq!(full_header, header);
    assert_eq!(full_rows.len(), households);
    for (masked, full) in rows.iter().zip(&full_rows) {
        assert_eq!(masked[0], full[0]);
        // Written as text ('…) so that a spreadsheet keeps all 18 digits;
        // one ending in X is text to a spreadsheet already.
        let cell = full[id_col].as_str();
        let id = cell
            .strip_prefix('\'')
            .or_else(|| cell.ends_with('X').then_some(cell))
            .unwrap_or_else(|| panic!("{cell} is not written as text"));
        assert!(
            all_ids.iter().any(|a| a == id),
            "{id} is not a stored ID number"
        );
        let want_mask = format!("{}********{}", &id[..6], &id[14..]);
        assert_eq!(masked[id_col], want_mask, "household {}", masked[0]);
    }
}

// ---------------------------------------------------------------------------
// 8. Visits
// ---------------------------------------------------------------------------

#[test]
fn visit_needs_two_workers_and_notes_for_problems() {
    let dir = tempdir();
    let db = store_with_public(dir.path());
    let log_before = count(&db, "change_log");

    let run = bangfu(
        &db,
        &[
            "visit",
            "add",
            "--household",
            "TXZ-001",
            "--date",
            "2026-11-01",
            "--worker",
            "方晓燕",
        ],
    )
    .input_error();
    assert!(
        has_cjk(&run.stderr) && run.stderr.contains("两名"),
        "{}",
        run.describe()
    );
    assert_eq!(count(&db, "visits"), 0);
    assert_eq!(count(&db, "change_log"), log_before);

    bangfu(
        &db,
        &[
            "visit",
            "add",
            "--household",
            "TXZ-001",
            "--date",
            "2026-11-01",
            "--worker",
            "方晓燕",
            "--worker",
            "洪卫东",
            "--problem",
            "housing=墙体开裂",
            "--findings",
            "看了住房，查了存折",
            "--next",
            "2027-02-01",
        ],
    )
    .ok();
    assert_eq!(count(&db, "visits"), 1);
    let list = parse_json(
        &bangfu(&db, &["visit", "list", "--household", "TXZ-001", "--json"])
            .ok()
            .stdout,
    );
    let visits = list.as_array().expect("a JSON list");
    assert_eq!(visits.len(), 1);
    let v = &visits[0];
    assert_eq!(v["date"], "2026-11-01");
    assert_eq!(v["workers"], json!(["方晓燕", "洪卫东"]));
    assert_eq!(v["findings"], "看了住房，查了存折");
    assert_eq!(v["next_visit"], "2027-02-01");
    assert_eq!(v["draft"], false);
    let housing = v["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"] == "housing")
        .expect("housing on the checklist");
    assert_eq!(housing["problem"], true);
    assert_eq!(housing["note"], "墙体开裂");
    assert_eq!(v["checklist"].as_array().unwrap().len(), 6);
    // Other households have no visits.
    let other = parse_json(
        &bangfu(&db, &["visit", "list", "--household", "TXZ-002", "--json"])
            .ok()
            .stdout,
    );
    assert_eq!(other, json!([]));

    for problem in ["housing=", "housing", "housing=  "] {
        let run = bangfu(
            &db,
            &[
                "visit",
                "add",
                "--household",
                "TXZ-001",
                "--date",
                "2026-11-02",
                "--worker",
                "方晓燕",
                "--worker",
                "洪卫东",
                "--problem",
                problem,
            ],
        )
        .input_error();
        assert!(
            run.stderr.contains("住房") && run.stderr.contains("说明"),
            "--problem {problem:?}: {}",
            run.describe()
        );
    }
    assert_eq!(count(&db, "visits"), 1);
    bangfu(&db, &["log", "verify"]).ok();
}

#[test]
fn visit_with_the_same_worker_twice_is_one_worker() {
    // "至少两名工作人员": naming the same person twice is still one person.
    let dir = tempdir();
    let db = store_with_public(dir.path());
    let run = bangfu(
        &db,
        &[
            "visit",
            "add",
            "--household",
            "TXZ-001",
            "--date",
            "2026-11-01",
            "--worker",
            "方晓燕",
            "--worker",
            "方晓燕",
        ],
    );
    assert_eq!(
        run.code,
        2,
        "one investigator named twice must be refused:\n{}",
        run.describe()
    );
    assert_eq!(count(&db, "visits"), 0);
}

// ---------------------------------------------------------------------------
// 9. eval on a file
// ---------------------------------------------------------------------------

fn eval_public(policy: &str, as_of: &str) -> Run {
    Bangfu::new().run(&[
        "eval",
        "--input",
        PUBLIC_HOUSEHOLDS,
        "--policy",
        policy,
        "--as-of",
        as_of,
    ])
}

#[test]
fn eval_public_file_is_deterministic_json_with_13_results() {
    let first = eval_public(PUBLIC_POLICY, "2026-12-01").ok();
    let report = parse_json(&first.stdout);
    assert_eq!(report["format"], "bangfu.eval.v1");
    assert_eq!(report["as_of"], "2026-12-01");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 13);
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let input_ids: Vec<String> = public_doc()["households"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, input_ids, "results come in input order");
    let ly012 = results.iter().find(|r| r["id"] == "LY-012").unwrap();
    assert_eq!(ly012["status"], "invalid");

    let second = eval_public(PUBLIC_POLICY, "2026-12-01").ok();
    assert_eq!(
        first.raw_stdout, second.raw_stdout,
        "same command, same bytes"
    );
}

#[test]
fn eval_rejects_bad_policies_inputs_and_dates() {
    let dir = tempdir();
    let policy = std::fs::read_to_string(PUBLIC_POLICY).unwrap();
    assert!(policy.contains("[dibao]\n"));
    assert!(policy.contains("marginal_multiplier = \"1.5\"\n"));
    assert!(policy.contains("township_limit = "));

    let cases = [
        (
            "unknown-key.toml",
            policy.replace("[dibao]\n", "[dibao]\nextra_allowance = \"5.00\"\n"),
            "extra_allowance",
        ),
        (
            "float.toml",
            policy.replace("marginal_multiplier = \"1.5\"", "marginal_multiplier = 1.5"),
            "marginal_multiplier",
        ),
        (
            "missing-key.toml",
            policy
                .lines()
                .filter(|l| !l.starts_with("township_limit"))
                .collect::<Vec<_>>()
                .join("\n"),
            "township_limit",
        ),
    ];
    for (name, text, key) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let run = eval_public(p(&file), "2026-12-01").input_error();
        assert!(
            run.stderr.contains(key),
            "{name}: stderr should name {key}:\n{}",
            run.describe()
        );
        assert!(run.stdout.is_empty(), "{name}: no results on error");
    }

    let not_json = dir.path().join("not-json.json");
    std::fs::write(&not_json, "format: bangfu.household.v1\n").unwrap();
    let run = Bangfu::new()
        .run(&[
            "eval",
            "--input",
            p(&not_json),
            "--policy",
            PUBLIC_POLICY,
            "--as-of",
            "2026-12-01",
        ])
        .input_error();
    assert!(run.stderr.contains("not-json.json"), "{}", run.describe());
    assert!(run.stdout.is_empty());

    let run = eval_public(PUBLIC_POLICY, "2025-06-01").input_error();
    assert!(run.stderr.contains("2025-06-01"), "{}", run.describe());
    assert!(run.stdout.is_empty());
}

// ---------------------------------------------------------------------------
// 10. eval --save and --diff on the store
// ---------------------------------------------------------------------------

#[test]
fn eval_diff_after_standard_rises_lists_amount_up_and_newly_eligible() {
    let dir = tempdir();
    let db = dir.path().join("store.sqlite");

    // The public households plus one on 低保边缘 at 600 (PCI 650) that a
    // 700 standard brings into 低保.
    let mut doc = importable_public_doc();
    doc["households"].as_array_mut().unwrap().push(json!({
        "id": "NEW-001", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [{
            "name": "胡春生", "id_number": id_number("1986-03-15", 123), "relation": "self",
            "incomes": [{"kind": "wage", "annual": "9000.00"}],
        }],
        "expenses": [], "assets": {"financial": "0", "disqualifying": []},
    }));
    let file = dir.path().join("households.json");
    write_json(&file, &doc);
    bangfu(&db, &["import", "households", p(&file)]).ok();

    let saved = bangfu(
        &db,
        &[
            "eval",
            "--policy",
            PUBLIC_POLICY,
            "--as-of",
            "2026-12-01",
            "--save",
        ],
    )
    .ok();
    let first = parse_json(&saved.stdout);
    let new001 = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "NEW-001")
        .unwrap();
    assert_eq!(new001["status"], "marginal", "{new001}");
    assert_eq!(count(&db, "decisions"), 13);

    let raised = std::fs::read_to_string(PUBLIC_POLICY)
        .unwrap()
        .replace(
            "effective_from = \"2026-01-01\"",
            "effective_from = \"2027-01-01\"",
        )
        .replace("version = \"2026-01\"", "version = \"2027-01\"")
        .replace(
            "rural_standard_monthly = \"600.00\"",
            "rural_standard_monthly = \"700.00\"",
        );
    assert!(raised.contains("\"2027-01-01\"") && raised.contains("\"700.00\""));
    let policy2 = dir.path().join("policy-2027.toml");
    std::fs::write(&policy2, raised).unwrap();

    let run = bangfu(
        &db,
        &[
            "eval",
            "--policy",
            PUBLIC_POLICY,
            "--policy",
            p(&policy2),
            "--as-of",
            "2027-01-15",
            "--diff",
        ],
    )
    .ok();
    let changes = parse_json(&run.stdout);
    let changes = changes.as_array().expect("a JSON list of changes");
    let by_id: BTreeMap<&str, &Value> = changes
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c))
        .collect();

    let txz001 = by_id.get("TXZ-001").expect("TXZ-001 listed");
    assert_eq!(txz001["kind"], "amount_up");
    assert_eq!(txz001["from_total"], "1067.00");
    assert_eq!(txz001["to_status"], "dibao");
    let from: Decimal = txz001["from_total"].as_str().unwrap().parse().unwrap();
    let to: Decimal = txz001["to_total"].as_str().unwrap().parse().unwrap();
    assert!(to > from);
    let delta: Decimal = txz001["delta"].as_str().unwrap().parse().unwrap();
    assert_eq!(delta, to - from);

    let new001 = by_id.get("NEW-001").expect("NEW-001 listed");
    assert_eq!(new001["kind"], "newly_eligible");
    assert_eq!(new001["from_status"], "marginal");
    assert_eq!(new001["to_status"], "dibao");
    assert_eq!(new001["from_total"], "0.00");
    assert_eq!(new001["to_total"], "50.00");

    // Urban households (standard unchanged) and the asset-failing TXZ-004 don't move.
    for unchanged in ["LY-009", "LY-010", "LY-011", "TXZ-004"] {
        assert!(
            !by_id.contains_key(unchanged),
            "{unchanged} should not be listed: {}",
            by_id[unchanged]
        );
    }
    // --diff alone saves nothing.
    assert_eq!(count(&db, "decisions"), 13);
    bangfu(&db, &["log", "verify"]).ok();
}
