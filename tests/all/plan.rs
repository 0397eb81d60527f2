//! 一户一策 follow-through through the real binary: a referral and its
//! reply, a measure closed as 未落实 only with its reason, and the
//! 残疾人两项补贴 the decision suggests added once.

use serde_json::Value;

use crate::support::{demo_store, run, tempdir};

fn measures(db: &std::path::Path, code: &str) -> Vec<Value> {
    let r = run(db, &["measure", "list", "--household", code, "--json"]).ok();
    serde_json::from_str::<Value>(&r.stdout)
        .expect("measures JSON")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_referral_gets_its_reply_and_a_measure_fails_only_with_its_reason() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "plan.sqlite", &[]);
    let code = "TXZ-003";
    let r = run(
        &db,
        &[
            "measure",
            "add",
            "--household",
            code,
            "--kind",
            "医疗救助",
            "--description",
            "申请大病医疗救助",
            "--responsible",
            "方晓燕",
            "--referral-to",
            "县医疗保障局",
            "--referral-sent",
            "2026-11-10",
        ],
    )
    .ok();
    let id = r
        .stdout
        .split("记录号 ")
        .nth(1)
        .and_then(|t| t.split('）').next())
        .expect("id printed")
        .to_owned();
    let before = measures(&db, code);
    let refused = run(
        &db,
        &[
            "measure",
            "update",
            "--household",
            code,
            "--id",
            &id,
            "--status",
            "not_done",
        ],
    )
    .input_error();
    assert!(
        refused.stderr.contains("未落实") && refused.stderr.contains("原因"),
        "{}",
        refused.stderr
    );
    assert_eq!(measures(&db, code), before, "nothing saved");
    run(
        &db,
        &[
            "measure",
            "update",
            "--household",
            code,
            "--id",
            &id,
            "--status",
            "done",
            "--outcome",
            "已报销 8,200 元",
            "--reply",
            "已受理，按规定救助",
            "--replied",
            "2026-11-20",
        ],
    )
    .ok();
    let m = measures(&db, code)
        .into_iter()
        .find(|m| m["id"] == id.as_str())
        .expect("the measure");
    assert_eq!(m["status"], "done");
    assert_eq!(m["outcome"], "已报销 8,200 元");
    assert_eq!(m["referral"]["department"], "县医疗保障局");
    assert_eq!(m["referral"]["replied"], "2026-11-20");
    let bad = run(
        &db,
        &[
            "measure",
            "update",
            "--household",
            code,
            "--id",
            &id,
            "--reply",
            "x",
            "--replied",
            "2026-11-01",
        ],
    )
    .input_error();
    assert!(bad.stderr.contains("答复日期"), "{}", bad.stderr);
    run(&db, &["log", "verify"]).ok();
}

#[test]
fn the_subsidies_the_decision_gives_are_offered_as_measures_once() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "suggest.sqlite", &[]);
    let eval = run(&db, &["eval", "--format", "json"]).ok();
    let report: Value = serde_json::from_str(&eval.stdout).expect("eval JSON");
    let code = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| {
            r["members"].as_array().is_some_and(|m| {
                m.iter()
                    .any(|m| m["care_subsidy"].as_str().is_some_and(|c| c != "0.00"))
            })
        })
        .and_then(|r| r["id"].as_str())
        .expect("a household with a care subsidy")
        .to_owned();
    let before = measures(&db, &code).len();
    let r = run(
        &db,
        &[
            "measure",
            "suggest",
            "--household",
            &code,
            "--responsible",
            "方晓燕",
            "--add",
        ],
    )
    .ok();
    assert!(r.stdout.contains("重度残疾人护理补贴"), "{}", r.stdout);
    let after = measures(&db, &code);
    assert!(after.len() > before, "{after:?}");
    assert!(after
        .iter()
        .any(|m| m["kind"] == "残疾人两项补贴" && m["responsible"] == "方晓燕"));
    let again = run(&db, &["measure", "suggest", "--household", &code]).ok();
    assert!(
        again.stdout.contains("没有需要新增的措施"),
        "{}",
        again.stdout
    );
}

/// The 低保 审核确认表 and the 特困人员认定表 print the family, the whole
/// path with its dates and the outcome box with the decision's figures and
/// the provisions cited.
#[test]
fn the_case_forms_print_the_path_and_the_outcome() {
    use crate::support::p;
    use crate::support::pdf::{pdf_text, squash};
    let dir = tempdir();
    let db = demo_store(dir.path(), "forms.sqlite", &[]);
    let eval = run(&db, &["eval", "--format", "json"]).ok();
    let report: Value = serde_json::from_str(&eval.stdout).expect("eval JSON");
    let results = report["results"].as_array().expect("results");
    let of = |status: &str| {
        results
            .iter()
            .find(|r| r["status"] == status)
            .cloned()
            .unwrap_or_else(|| panic!("a {status} household in the demo"))
    };
    for (status, kind, title) in [
        ("dibao", "dibao", "最低生活保障申请审核确认表"),
        ("tekun", "tekun", "特困人员认定表"),
    ] {
        let r = of(status);
        let code = r["id"].as_str().expect("code");
        let out = dir.path().join(format!("{kind}.pdf"));
        run(
            &db,
            &[
                "form",
                "--household",
                code,
                "--kind",
                kind,
                "--out",
                p(&out),
            ],
        )
        .ok();
        let text = squash(&pdf_text(&out, None));
        for needle in [title, code, "办理经过", "申请受理", "县级确认"] {
            assert!(text.contains(needle), "{kind}: {needle} missing:\n{text}");
        }
        let total = r["total_monthly"].as_str().expect("total");
        assert!(text.contains(total), "{kind}: amount {total} missing");
        let cited = r["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .filter_map(|x| x["citation"].as_str())
            .next()
            .expect("a cited reason");
        assert!(
            text.contains(&squash(cited)),
            "{kind}: citation {cited} missing"
        );
    }
    let bad = run(
        &db,
        &[
            "form",
            "--household",
            "TXZ-001",
            "--kind",
            "x",
            "--out",
            "/tmp/never.pdf",
        ],
    )
    .input_error();
    assert!(bad.stderr.contains("dibao"), "{}", bad.stderr);
}
