//! What only the county decides between laptops: two laptops of one
//! village advancing the same household's case differently (each checked
//! the path on its own data, so the county keeps both steps and lists the
//! collision as a conflict to settle), and a household moved between
//! villages.

use serde_json::Value;

use crate::support::ids::id_number;
use crate::support::sync::{county, device};
use crate::support::{run, tempdir};
use crate::sync_bundles::copied_device;
use crate::temp_aid_register::{ack_of, county_import, export, import, log_verifies, sync, worker};

#[test]
fn two_devices_advancing_one_case_differently_is_a_listed_conflict() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    let code = "TXZ-001";
    import(
        &a,
        &d.join("a0.json"),
        &[worker(code, "田心寨村", &id_number("1981-04-12", 11))],
    );
    run(
        &a,
        &[
            "event",
            "add",
            "--household",
            code,
            "--kind",
            "application",
            "--date",
            "2026-11-02",
        ],
    )
    .ok();
    sync(&a, &cty, &d.join("a1.bangfu"));
    let b = copied_device(d, &a, "b", &cty);

    // Both laptops record the 入户调查 of the same application.
    for (db, date) in [(&a, "2026-11-03"), (&b, "2026-11-04")] {
        run(
            db,
            &[
                "event",
                "add",
                "--household",
                code,
                "--kind",
                "investigation",
                "--date",
                date,
            ],
        )
        .ok();
    }
    let (a2, b1) = (d.join("a2.bangfu"), d.join("b1.bangfu"));
    export(&a, &a2).ok();
    export(&b, &b1).ok();
    let r = county_import(&cty, &[&a2, &b1]).ok();
    assert!(r.stdout.contains("新冲突 1 处"), "{}", r.stdout);
    run(&a, &["bundle", "ack", crate::support::p(&ack_of(&a2))]).ok();
    let conflicts = run(&cty.db, &["county", "conflicts", "--json"]).ok();
    let conflicts: Value = serde_json::from_str(&conflicts.stdout).expect("conflicts JSON");
    let list = conflicts.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{conflicts}");
    let text = conflicts.to_string();
    assert!(
        text.contains("case_events") && text.contains(code) && text.contains("入户调查"),
        "{text}"
    );
    // Both steps are kept at the county.
    let steps = run(&cty.db, &["case", "--household", code, "--json"]).ok();
    assert!(steps.stdout.contains("入户调查"), "{}", steps.stdout);
    log_verifies(&cty.db);

    // One laptop alone advancing its case brings no conflict.
    run(
        &a,
        &[
            "event",
            "add",
            "--household",
            code,
            "--kind",
            "check_request",
            "--date",
            "2026-11-05",
        ],
    )
    .ok();
    let a3 = d.join("a3.bangfu");
    export(&a, &a3).ok();
    let r = county_import(&cty, &[&a3]).ok();
    assert!(r.stdout.contains("新冲突 0 处"), "{}", r.stdout);
}

/// Moving a household between villages is the county's act: after it, the
/// old village's laptop can no longer write the household.
#[test]
fn the_county_moves_a_household_and_the_old_villages_laptop_may_no_longer_write_it() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    let code = "TXZ-001";
    let mut h = worker(code, "田心寨村", &id_number("1981-04-12", 11));
    import(&a, &d.join("a0.json"), std::slice::from_ref(&h));
    sync(&a, &cty, &d.join("a1.bangfu"));

    let bad = run(
        &cty.db,
        &[
            "county",
            "move-household",
            "--household",
            code,
            "--to-village",
            "田心寨村",
        ],
    )
    .input_error();
    assert!(bad.stderr.contains("已在"), "{}", bad.stderr);
    let moved = run(
        &cty.db,
        &[
            "county",
            "move-household",
            "--household",
            code,
            "--to-village",
            "保婴村",
        ],
    )
    .ok();
    assert!(
        moved.stdout.contains("从 田心寨村 迁到 保婴村"),
        "{}",
        moved.stdout
    );
    log_verifies(&cty.db);

    // The laptop of 田心寨村 changes the household it still holds: refused.
    h["members"][0]["incomes"] = serde_json::json!([{"kind": "wage", "annual": "4800"}]);
    import(&a, &d.join("a2.json"), &[h]);
    let a2 = d.join("a2.bangfu");
    export(&a, &a2).ok();
    let r = county_import(&cty, &[&a2]);
    assert_eq!(r.code, 2, "{}", r.describe());
    assert!(
        r.stdout.contains("保婴村") && r.stdout.contains(code),
        "{}",
        r.stdout
    );
    let village = crate::support::query_text(
        &cty.db,
        &format!("SELECT village FROM households WHERE code = '{code}'"),
    );
    assert_eq!(village, "保婴村");
}
