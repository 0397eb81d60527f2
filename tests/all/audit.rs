//! 回头看: `bangfu audit` names the household and the rule for each risk it finds.

use std::path::Path;

use serde_json::Value;

use crate::support::{demo_store, p, run, tempdir};

fn findings(db: &Path) -> Vec<Value> {
    run(db, &["audit", "--json"])
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn has(list: &[Value], household: &str, rule: &str) -> bool {
    list.iter()
        .any(|f| f["household"] == household && f["rule"] == rule)
}

#[test]
fn audit_finds_shared_ids_unvisited_payments_and_amounts_that_moved() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "audit.sqlite", &["--per-village", "5"]);
    let before = findings(&db);

    // The demo lists one person in two households (TXZ-001 and TXZ-014 in the first village).
    let shared: Vec<&Value> = before
        .iter()
        .filter(|f| f["rule"] == "DUPLICATE_ID_NUMBER")
        .collect();
    assert!(shared.len() >= 2, "{before:?}");
    let longest_digit_run = |t: &str| {
        t.split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0)
    };
    assert!(
        shared
            .iter()
            .all(|f| longest_digit_run(f["detail"].as_str().unwrap()) < 8),
        "ID numbers are masked: {shared:?}"
    );
    // A fresh demo store agrees with its saved decisions.
    assert!(
        before.iter().all(|f| f["rule"] != "AMOUNT_DIFFERS"),
        "{before:?}"
    );

    // Raise a paid household's income behind the saved decision: the amount no longer holds.
    let list = run(&db, &["households", "list", "--json"]).ok().json();
    let paid = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["status"] == "dibao")
        .expect("a 低保 household")["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut doc = run(&db, &["export", "households"]).ok().json();
    for h in doc["households"].as_array_mut().unwrap() {
        if h["id"] == paid.as_str() {
            h["members"][0]["incomes"] = serde_json::json!([{"kind": "wage", "annual": "90000"}]);
        }
    }
    let file = dir.path().join("raised.json");
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();
    run(&db, &["import", "households", p(&file)]).ok();
    let after = findings(&db);
    assert!(has(&after, &paid, "AMOUNT_DIFFERS"), "{paid}: {after:?}");

    // A household holding a member of the village staff, not registered as 近亲属备案.
    let household = &doc["households"][2];
    let member = &household["members"][0];
    let staff = serde_json::json!([{"name": member["name"], "id_number": member["id_number"]}]);
    run(&db, &["settings", "set", "staff", &staff.to_string()]).ok();
    let r = run(&db, &["settings", "set", "staff", "not json"]);
    assert_eq!(r.code, 2, "a bad staff list is refused: {}", r.describe());
    let with_staff = findings(&db);
    let code = household["id"].as_str().unwrap();
    let registered = household["cadre_relative"] == true;
    assert_eq!(
        has(&with_staff, code, "CADRE_RELATIVE_UNREGISTERED"),
        !registered,
        "{with_staff:?}"
    );

    // A paid household with no visit at all is named.
    let any_unvisited = after.iter().any(|f| f["rule"] == "PAID_WITHOUT_VISIT");
    let table = run(&db, &["audit"]).ok().stdout;
    assert!(table.contains("回头看"), "{table}");
    if any_unvisited {
        assert!(table.contains("未按期走访"), "{table}");
    }
}
