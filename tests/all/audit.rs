//! 回头看: `bangfu audit` names the household and the rule for each risk it finds.

use std::process::Command;

use serde_json::Value;

fn bangfu(db: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_PASSPHRASE", "村里的口令 2026")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run bangfu");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(db: &std::path::Path) -> Vec<Value> {
    let (code, out, err) = bangfu(db, &["audit", "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out)
        .expect("json")
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
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite");
    let (code, _, err) = bangfu(&db, &["demo", "--per-village", "5"]);
    assert_eq!(code, 0, "{err}");
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
    let (_, list, _) = bangfu(&db, &["households", "list", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    let paid = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["status"] == "dibao")
        .expect("a 低保 household")["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, export, _) = bangfu(&db, &["export", "households"]);
    let mut doc: Value = serde_json::from_str(&export).unwrap();
    for h in doc["households"].as_array_mut().unwrap() {
        if h["id"] == paid.as_str() {
            h["members"][0]["incomes"] = serde_json::json!([{"kind": "wage", "annual": "90000"}]);
        }
    }
    let file = dir.path().join("raised.json");
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();
    let (code, _, err) = bangfu(&db, &["import", "households", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let after = findings(&db);
    assert!(has(&after, &paid, "AMOUNT_DIFFERS"), "{paid}: {after:?}");

    // A household holding a member of the village staff, not registered as 近亲属备案.
    let household = &doc["households"][2];
    let member = &household["members"][0];
    let staff = serde_json::json!([{"name": member["name"], "id_number": member["id_number"]}]);
    let (code, _, err) = bangfu(&db, &["settings", "set", "staff", &staff.to_string()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = bangfu(&db, &["settings", "set", "staff", "not json"]);
    assert_eq!(code, 2, "a bad staff list is refused: {err}");
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
    let (_, table, _) = bangfu(&db, &["audit"]);
    assert!(table.contains("回头看"), "{table}");
    if any_unvisited {
        assert!(table.contains("未按期走访"), "{table}");
    }
}
