//! `bangfu.policy.v1` TOML from untrusted bytes: `Policy::from_toml`; a
//! policy it accepts is then used to evaluate the public example households,
//! so figures at the edges of the plausible ranges (docs/policy-format.md)
//! reach the engine's arithmetic, which must never panic.
#![no_main]

use std::sync::OnceLock;

use bangfu::household_json::{parse_file, ParsedHousehold};
use bangfu::policy::{Policy, PolicySet};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;

/// The public example households (shipped with the fuzz crate's seeds) and the demo village.
fn households() -> &'static Vec<ParsedHousehold> {
    static H: OnceLock<Vec<ParsedHousehold>> = OnceLock::new();
    H.get_or_init(|| {
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        let demo: Vec<_> = bangfu::demo::build(as_of, 12)
            .into_iter()
            .map(|d| d.household)
            .collect();
        let mut v = parse_file(&bangfu::household_json::to_document(&demo).to_string())
            .expect("demo village");
        let public = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/household_json/public-households.json"
        );
        if let Ok(text) = std::fs::read_to_string(public) {
            if let Ok(mut p) = parse_file(&text) {
                for (i, h) in p.iter_mut().enumerate() {
                    h.household.id = format!("PUB-{i}-{}", h.household.id);
                }
                v.extend(p);
            }
        }
        v
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::from_toml(text, "fuzz.toml") else {
        return;
    };
    let from = policy.effective_from;
    let Ok(set) = PolicySet::new(vec![policy]) else {
        return;
    };
    for as_of in [
        from,
        from.checked_add_days(chrono::Days::new(400))
            .unwrap_or(from),
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
    ] {
        if let Ok(report) = bangfu::engine::evaluate_all(&set, households(), as_of) {
            let _ = serde_json::to_string(&report).expect("report serializes");
        }
    }
});
