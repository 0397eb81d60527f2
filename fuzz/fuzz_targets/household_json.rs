//! `bangfu.household.v1` from untrusted bytes: `parse_file`, then every
//! household's problems and an evaluation under the built-in policy.
//!
//! Beyond "no panic": a household read without errors must survive the trip
//! out (`household_to_json`) and back in unchanged, as `export households`
//! followed by `import households` relies on; and the streaming reader must
//! agree with the tree reader (`parse_document`).
#![no_main]

use std::sync::OnceLock;

use bangfu::household_json::{household_to_json, parse_document, parse_file, parse_household};
use bangfu::policy::{Policy, PolicySet, DEFAULT_POLICY_TOML};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static PolicySet {
    static P: OnceLock<PolicySet> = OnceLock::new();
    P.get_or_init(|| {
        let p = Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策").expect("built-in policy");
        PolicySet::new(vec![p]).expect("policy set")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_file(text);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let tree = parse_document(&value);
        assert_eq!(
            parsed.is_ok(),
            tree.is_ok(),
            "parse_file and parse_document disagree: {:?} vs {:?}",
            parsed.as_ref().err().map(ToString::to_string),
            tree.as_ref().err().map(ToString::to_string)
        );
    }
    let Ok(households) = parsed else {
        return;
    };
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    for (i, p) in households.iter().enumerate() {
        let _ = p.problems(as_of);
        if p.errors.is_empty() {
            let again = parse_household(&household_to_json(&p.household), i)
                .expect("a household bangfu wrote is readable");
            assert!(again.errors.is_empty(), "{:?}", again.errors);
            assert_eq!(again.household, p.household, "changed by a round trip");
        }
    }
    let report = bangfu::engine::evaluate_all(policies(), &households, as_of).expect("in force");
    let _ = serde_json::to_string(&report).expect("report serializes");
});
