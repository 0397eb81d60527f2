//! The public golden cases in ../shared/cases/public (rules v1) and
//! ../shared/cases/public-v2 must match exactly (every field but the
//! free-text `reasons`).

use std::path::Path;

use bangfu::engine::evaluate_all;
use bangfu::household_json::parse_file;
use bangfu::policy::{Policy, PolicySet};
use chrono::NaiveDate;
use serde_json::Value;

use crate::support::{PUBLIC_CASES, PUBLIC_CASES_V2};

#[test]
fn public_cases_match_expected_exactly() {
    cases_match(PUBLIC_CASES);
}

#[test]
fn public_v2_cases_match_expected_exactly() {
    cases_match(PUBLIC_CASES_V2);
}

/// Evaluates the cases of `dir` and compares every field with `expected.json`.
fn cases_match(dir: &str) {
    let dir = Path::new(dir);
    let policy_text =
        std::fs::read_to_string(dir.join("policy.toml")).expect("policy.toml beside the project");
    let policy = Policy::from_toml(&policy_text, "policy.toml").expect("valid policy");
    let households =
        parse_file(&std::fs::read_to_string(dir.join("households.json")).unwrap()).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let as_of = NaiveDate::parse_from_str(expected["as_of"].as_str().unwrap(), "%Y-%m-%d").unwrap();

    let report = evaluate_all(&PolicySet::new(vec![policy]).unwrap(), &households, as_of).unwrap();
    let actual = serde_json::to_value(&report).unwrap();
    assert_eq!(actual["format"], expected["format"]);
    assert_eq!(actual["as_of"], expected["as_of"]);
    let (got, want) = (
        actual["results"].as_array().unwrap(),
        expected["results"].as_array().unwrap(),
    );
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        let id = w["id"].as_str().unwrap();
        let mut g = g.as_object().unwrap().clone();
        let reasons = g.remove("reasons");
        if w["status"] != "invalid" {
            let reasons = reasons.expect("reasons present");
            assert!(
                !reasons.as_array().unwrap().is_empty()
                    || g["codes"].as_array().unwrap().is_empty(),
                "{id}: reasons"
            );
        }
        let w = w.as_object().unwrap();
        let keys = |o: &serde_json::Map<String, Value>| {
            let mut k: Vec<String> = o.keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(&g), keys(w), "{id}: keys");
        for (k, wv) in w {
            let gv = &g[k];
            if k == "codes" || k == "errors" {
                let sort = |v: &Value| {
                    let mut list: Vec<String> = v
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.to_string())
                        .collect();
                    list.sort();
                    list
                };
                assert_eq!(sort(gv), sort(wv), "{id}: {k}");
            } else {
                assert_eq!(gv, wv, "{id}: {k}");
            }
        }
    }
}
