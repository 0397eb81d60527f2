//! The county's table of legal supporters (法定义务人表) through the real
//! binary: `bangfu import supporters` on a GBK file whose supporters then
//! appear in `export households` (household.v2, with their families'
//! figures) and decide `eval` under the built-in v2 policy; and files that
//! are refused whole — a bad cell, a name two members share, an unknown
//! household — naming line and column, with the store left as it was.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::support::ids::id_number;
use crate::support::{import_households, p, run, tempdir};

const HEADER: &str =
    "户编号,成员姓名或身份证号,义务人姓名,关系,年龄,家庭人口,家庭年收入,家庭金融资产";
/// A date the built-in policy (in force from 2026-01-01) covers.
const AS_OF: &str = "2026-06-01";

/// A rural household of `members` (name, ID number, relation, extra fields).
fn household(id: &str, members: Vec<Value>) -> Value {
    json!({
        "id": id,
        "region_code": "341024",
        "village": "田心寨村",
        "hukou": "rural",
        "members": members,
        "expenses": [],
        "assets": {"financial": "0", "disqualifying": []},
    })
}

fn member(name: &str, id: &str, relation: &str) -> Value {
    json!({
        "name": name,
        "id_number": id,
        "relation": relation,
        "cohabiting": true,
        "disability": null,
        "serious_illness": false,
        "work_capacity": "none",
        "self_care": "full",
        "incomes": [],
    })
}

/// ZF-001: a man of 86 with no income, living alone, whose supporters were
/// never recorded. ZF-002: a couple, the wife with a supporter already
/// judged capable. ZF-003: father and son both named 李明.
fn store(dir: &Path) -> PathBuf {
    let db = dir.join("store.sqlite");
    let mut wife = member("赵桂英", &id_number("1950-08-08", 2), "spouse");
    wife["supporters"] = json!([{"name": "赵大", "relation": "儿子", "capable": true}]);
    import_households(
        &db,
        &dir.join("households.json"),
        &[
            household(
                "ZF-001",
                vec![member("张老汉", &id_number("1940-03-15", 1), "self")],
            ),
            household(
                "ZF-002",
                vec![member("钱守仁", &id_number("1948-02-02", 3), "self"), wife],
            ),
            household(
                "ZF-003",
                vec![
                    member("李明", &id_number("1950-03-03", 5), "self"),
                    member("李明", &id_number("1980-04-04", 7), "child"),
                ],
            ),
        ],
    );
    db
}

fn csv(header: &str, rows: &[&str]) -> String {
    let mut s = String::from(header);
    for r in rows {
        s.push_str("\r\n");
        s.push_str(r);
    }
    s.push_str("\r\n");
    s
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text must be representable in GBK");
    bytes.into_owned()
}

fn export(db: &Path) -> Value {
    run(db, &["export", "households"]).ok().json()
}

/// The exported household `id`.
fn exported(doc: &Value, id: &str) -> Value {
    doc["households"]
        .as_array()
        .expect("households")
        .iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("{id} not exported"))
        .clone()
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not an amount string"))
        .parse()
        .expect("amount")
}

/// The result for `id` of `bangfu eval` over the store.
fn eval(db: &Path, id: &str) -> Value {
    let doc = run(db, &["eval", "--as-of", AS_OF]).ok().json();
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
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

#[test]
fn gbk_table_reaches_the_export_and_makes_the_elder_tekun() {
    let dir = tempdir();
    let db = store(dir.path());

    let before = eval(&db, "ZF-001");
    assert_eq!(before["members"][0]["tekun"], false, "{before}");
    assert!(
        codes(&before).contains(&"SUPPORTER_NOT_ASSESSED".to_owned()),
        "{before}"
    );

    // 堃 is outside GB2312 but in GBK; the note has a quoted line break.
    let text = csv(
        &format!("{HEADER},是否有赡养能力,认定理由"),
        &[
            "ZF-001,张老汉,张大军,儿子,58,3,12000,2000.50,,",
            "ZF-002,赵桂英,赵堃,女儿,45,,,,无,\"本人重度残疾，\n无固定收入\"",
        ],
    );
    let file = dir.path().join("义务人.csv");
    std::fs::write(&file, gbk(&text)).expect("write");
    let out = run(&db, &["import", "supporters", p(&file)]).ok();
    for needle in ["户数 2", "成员数 2", "义务人数 2"] {
        assert!(out.stdout.contains(needle), "{needle}:\n{}", out.describe());
    }

    let doc = export(&db);
    assert_eq!(doc["format"], "bangfu.household.v2");
    let zf1 = exported(&doc, "ZF-001");
    let list = zf1["members"][0]["supporters"]
        .as_array()
        .expect("supporters");
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(
        (&s["name"], &s["relation"]),
        (&json!("张大军"), &json!("儿子"))
    );
    assert_eq!((&s["age"], &s["family_size"]), (&json!(58), &json!(3)));
    assert_eq!(dec(&s["family_annual_income"]), Decimal::new(12000, 0));
    assert_eq!(dec(&s["family_financial_assets"]), Decimal::new(200050, 2));
    assert!(s.get("capable").is_none(), "no judgement recorded: {s}");

    let zf2 = exported(&doc, "ZF-002");
    assert!(
        zf2["members"][0].get("supporters").is_none(),
        "a member the file does not list keeps what it had (none): {zf2}"
    );
    let wife = zf2["members"][1]["supporters"]
        .as_array()
        .expect("supporters");
    assert_eq!(wife.len(), 1, "the listed supporters replace 赵大: {zf2}");
    assert_eq!(wife[0]["name"], "赵堃");
    assert_eq!(wife[0]["capable"], false);
    assert_eq!(wife[0]["judgement_note"], "本人重度残疾，\n无固定收入");
    let zf3 = exported(&doc, "ZF-003");
    assert!(zf3["members"][0].get("supporters").is_none(), "{zf3}");

    // 12000 / 12 / 3 = 333.33 a month a head, below 2 × 600: not capable,
    // so the old man is 特困.
    let after = eval(&db, "ZF-001");
    assert_eq!(after["status"], "tekun", "{after}");
    assert_eq!(after["members"][0]["tekun"], true, "{after}");
    assert!(
        !codes(&after).contains(&"SUPPORTER_NOT_ASSESSED".to_owned()),
        "{after}"
    );

    run(&db, &["log", "verify"]).ok();
    // The same file again changes nothing.
    let again = run(&db, &["import", "supporters", p(&file)]).ok();
    assert!(again.stdout.contains("未变 2 户"), "{}", again.describe());
    assert_eq!(export(&db), doc);
}

#[test]
fn one_bad_row_refuses_the_whole_file_and_saves_nothing() {
    let dir = tempdir();
    let db = store(dir.path());
    let before = export(&db);
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        gbk(&csv(
            HEADER,
            &[
                "ZF-001,张老汉,张大军,儿子,58,3,12000,",
                "ZF-002,赵桂英,赵二,女儿,45,0,9000,",
                "ZF-002,钱守仁,钱大,儿子,50,2,\"12,000\",-100",
            ],
        )),
    )
    .expect("write");
    let out = run(&db, &["import", "supporters", p(&file)]).refused_in_chinese(&[
        "整份文件未导入",
        "第3行，“家庭人口”列",
        "第4行，“家庭年收入”列",
        "12,000",
        "第4行，“家庭金融资产”列：“-100”：金额不能为负数",
    ]);
    assert!(out.stderr.contains("3 处错误"), "{}", out.describe());
    assert_eq!(export(&db), before, "nothing may be saved");
}

#[test]
fn a_name_two_members_share_must_be_given_as_an_id_number() {
    let dir = tempdir();
    let db = store(dir.path());
    let before = export(&db);
    let file = dir.path().join("ambiguous.csv");
    std::fs::write(&file, csv(HEADER, &["ZF-003,李明,李小红,女儿,45,4,96000,"])).expect("write");
    run(&db, &["import", "supporters", p(&file)]).refused_in_chinese(&[
        "第2行，“成员姓名或身份证号”列",
        "2名成员叫“李明”",
        "身份证号",
    ]);
    assert_eq!(export(&db), before);

    // The son's ID number picks him.
    let son = id_number("1980-04-04", 7);
    let row = format!("ZF-003,{son},李小红,女儿,45,4,96000,");
    std::fs::write(&file, csv(HEADER, &[&row])).expect("write");
    run(
        &db,
        &["import", "supporters", p(&file), "--encoding", "utf-8"],
    )
    .ok();
    let zf3 = exported(&export(&db), "ZF-003");
    assert!(zf3["members"][0].get("supporters").is_none(), "{zf3}");
    assert_eq!(zf3["members"][1]["supporters"][0]["name"], "李小红");
}

#[test]
fn an_unknown_household_code_is_named_with_its_line() {
    let dir = tempdir();
    let db = store(dir.path());
    let before = export(&db);
    let file = dir.path().join("unknown.csv");
    std::fs::write(
        &file,
        csv(
            HEADER,
            &[
                "ZF-001,张老汉,张大军,儿子,58,3,12000,",
                "ZF-404,张老汉,张二军,儿子,55,2,8000,",
                "ZF-001,王某某,张三军,儿子,50,2,8000,",
            ],
        ),
    )
    .expect("write");
    run(&db, &["import", "supporters", p(&file)]).refused_in_chinese(&[
        "第3行，“户编号”列：没有户编号为“ZF-404”的户",
        "第4行，“成员姓名或身份证号”列",
        "王某某",
    ]);
    assert_eq!(export(&db), before);
}
