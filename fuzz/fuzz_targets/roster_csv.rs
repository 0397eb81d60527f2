//! The county roster CSV from untrusted bytes: `decode` (auto, UTF-8, GBK),
//! then `parse_roster`, merging over a few existing households; whatever it
//! accepts must be a valid household that evaluates and survives a trip
//! through `household.v1`.
#![no_main]

use std::sync::OnceLock;

use bangfu::household_json::{household_to_json, parse_household, ParsedHousehold};
use bangfu::model::Household;
use bangfu::policy::{Policy, PolicySet, DEFAULT_POLICY_TOML};
use bangfu::roster::{decode, parse_roster, Encoding};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static PolicySet {
    static P: OnceLock<PolicySet> = OnceLock::new();
    P.get_or_init(|| {
        let p = Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策").expect("built-in policy");
        PolicySet::new(vec![p]).expect("policy set")
    })
}

/// Households "already in the store": the demo village's first few.
fn existing() -> &'static Vec<Household> {
    static E: OnceLock<Vec<Household>> = OnceLock::new();
    E.get_or_init(|| {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        let mut v: Vec<Household> = bangfu::demo::build(as_of, 3)
            .into_iter()
            .map(|d| d.household)
            .collect();
        // And under the example roster's codes, so merges happen on the seeds.
        for (i, code) in ["TXZ-101", "TXZ-102"].iter().enumerate() {
            let mut h = v[i].clone();
            h.id = (*code).to_owned();
            v.push(h);
        }
        v
    })
}

fuzz_target!(|data: &[u8]| {
    let (encoding, bytes) = match data.split_first() {
        Some((0, rest)) => (Encoding::Utf8, rest),
        Some((1, rest)) => (Encoding::Gbk, rest),
        _ => (Encoding::Auto, data),
    };
    let Ok(text) = decode(bytes, encoding) else {
        return;
    };
    let lookup = |code: &str| existing().iter().find(|h| h.id == code).cloned();
    let Ok(households) = parse_roster(&text, "341024", &lookup) else {
        return;
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let mut parsed = Vec::new();
    for (i, h) in households.into_iter().enumerate() {
        let again = parse_household(&household_to_json(&h), i)
            .expect("a household the roster accepted is writable and readable");
        assert!(
            again.errors.is_empty() && again.v2_errors.is_empty(),
            "the roster accepted a household that household.v1 rejects: {:?}",
            again.errors
        );
        assert_eq!(again.household, h, "changed by a round trip");
        parsed.push(ParsedHousehold {
            household: h,
            errors: Vec::new(),
            v2_errors: Vec::new(),
        });
    }
    let report = bangfu::engine::evaluate_all(policies(), &parsed, as_of).expect("in force");
    let _ = serde_json::to_string(&report).expect("report serializes");
});
