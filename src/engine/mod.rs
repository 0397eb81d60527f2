//! The eligibility engine: spec `eligibility-v1` §3 and `eligibility-v2`, a
//! pure function of (policy version, household, date).
//!
//! No I/O, no clock, no global state: the same input gives the same result,
//! byte for byte. Every decision carries its reasons — Chinese sentences with
//! the actual figures, the policy key applied and the provision it cites —
//! which the app and the dossier show as they are.
//!
//! One engine serves both editions of the rules: a v1 policy has none of
//! v2's keys, and [`Policy`]'s accessors then give v1's behaviour.

mod checked;
mod dibao;
mod evaluation;
mod result;
mod schedule;
mod subsidies;
mod support;
mod temp_aid;
mod words;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

pub use result::*;
pub use schedule::visit_cadence;
pub use words::{disqualifying_zh, DISQUALIFYING_TAGS};

use crate::household_json::{DataError, ErrorCode, ParsedHousehold};
use crate::model::Household;
use crate::policy::{Policy, PolicyError, PolicySet};
use checked::Overflow;
use evaluation::Evaluation;

/// Evaluates every household of one input as of `as_of`.
///
/// `DUPLICATE_ID_NUMBER` is decided across the households given here.
/// Fails when no policy version is in force on `as_of`, or when a figure
/// leaves the range of exact decimals ([`PolicyError::Overflow`], naming the
/// policy and the household).
pub fn evaluate_all(
    policies: &PolicySet,
    households: &[ParsedHousehold],
    as_of: NaiveDate,
) -> Result<Report, PolicyError> {
    let policy = policies.in_force(as_of)?;
    let shared = shared_id_numbers(households.iter().map(|p| &p.household));
    let v2 = policy.is_v2();
    let results = map_in_parallel(households, |p| {
        let errors: Vec<DataError> = p.errors_for(v2).cloned().collect();
        evaluate(policy, &p.household, &errors, as_of, &shared)
    })
    .into_iter()
    .collect::<Result<_, _>>()?;
    Ok(Report { as_of, results, v2 })
}

/// Maps `f` over `items` on every core, keeping the input order.
///
/// Evaluation is a pure function of each household, so splitting the work
/// changes nothing in the results; small inputs stay on one thread.
pub fn map_in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const MIN_CHUNK: usize = 4096;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 2 * MIN_CHUNK {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// ID numbers held by a cohabiting member in more than one household.
pub fn shared_id_numbers<'a>(households: impl Iterator<Item = &'a Household>) -> HashSet<&'a str> {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    let mut shared = HashSet::new();
    for (h, household) in households.enumerate() {
        for (_, m) in household.cohabiting() {
            if let Some(id) = m.id_number.as_deref() {
                if *first_seen.entry(id).or_insert(h) != h {
                    shared.insert(id);
                }
            }
        }
    }
    shared
}

/// Evaluates one household.
///
/// `errors` are the data errors found when reading it (those that count
/// under this policy: see [`ParsedHousehold::errors_for`]); `shared_ids` the
/// ID numbers also held in another household (see [`shared_id_numbers`]).
///
/// All arithmetic is checked: a figure that leaves the range of exact
/// decimals (possible only with parameters outside the policy's plausible
/// ranges, or a policy built without [`Policy::from_toml`]) is
/// [`PolicyError::Overflow`], naming the policy version, the household and
/// the step — never a panic.
pub fn evaluate(
    policy: &Policy,
    household: &Household,
    errors: &[DataError],
    as_of: NaiveDate,
    shared_ids: &HashSet<&str>,
) -> Result<EvalResult, PolicyError> {
    let mut errors = errors.to_vec();
    for (i, m) in household.members.iter().enumerate() {
        if m.born().is_some_and(|b| b > as_of) {
            errors.push(DataError {
                code: ErrorCode::BadBirthDate,
                member: Some(i),
                field: None,
            });
        }
    }
    if policy.is_v2() && household.last_visit.is_some_and(|d| d > as_of) {
        errors.push(DataError {
            code: ErrorCode::BadField,
            member: None,
            field: Some("last_visit"),
        });
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Ok(EvalResult {
            id: household.id.clone(),
            status: Status::Invalid,
            errors,
            decision: None,
            policy_version: policy.version.clone(),
            v2: policy.is_v2(),
        });
    }
    let (status, decision) = Evaluation::new(policy, household, as_of)
        .and_then(|e| e.decide(shared_ids))
        .map_err(|Overflow(step)| PolicyError::Overflow {
            version: policy.version.clone(),
            household: household.id.clone(),
            step,
        })?;
    Ok(EvalResult {
        id: household.id.clone(),
        status,
        errors,
        decision: Some(decision),
        policy_version: policy.version.clone(),
        v2: policy.is_v2(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Dec, DEFAULT_POLICY_TOML};
    use rust_decimal::Decimal;

    /// One rural household: a worker, a 70-year-old without capacity or
    /// supporters (特困), a seriously ill member (单人保), 临时救助 asked.
    const HOUSEHOLDS: &str = r#"{"format": "bangfu.household.v1", "households": [{
        "id": "OVF-001", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [
            {"name": "甲", "id_number": "341024198104120119", "relation": "self",
             "disability": null, "serious_illness": false, "work_capacity": "full",
             "self_care": "full", "incomes": [{"kind": "wage", "annual": "3600"}]},
            {"name": "乙", "birth_date": "1950-01-01", "relation": "parent",
             "disability": null, "serious_illness": false, "work_capacity": "none",
             "self_care": "partial", "supporters": [], "incomes": []},
            {"name": "丙", "birth_date": "1990-01-01", "relation": "spouse",
             "disability": null, "serious_illness": true, "work_capacity": "none",
             "self_care": "full", "incomes": []}
        ],
        "expenses": [{"kind": "medical", "annual": "1200"}],
        "assets": {"financial": "1000", "disqualifying": []},
        "temp_aid": {"requested": "3000", "granted_this_year": "0"}
    }]}"#;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// With a parameter far outside the policy's ranges (set behind the
    /// loader's back), evaluation is an error naming the policy version and
    /// the household — for every parameter the arithmetic uses — never a
    /// panic.
    #[test]
    fn overflow_is_an_error_naming_policy_and_household_not_a_panic() {
        let households = crate::household_json::parse_file(HOUSEHOLDS).unwrap();
        assert!(
            households[0].errors.is_empty(),
            "{:?}",
            households[0].errors
        );
        let base = Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策").unwrap();
        let as_of = date("2026-12-01");
        let ok = evaluate_all(
            &PolicySet::new(vec![base.clone()]).unwrap(),
            &households,
            as_of,
        )
        .expect("the built-in policy evaluates");
        assert_eq!(ok.results.len(), 1);

        let huge = Dec(Decimal::MAX);
        type Setter = fn(&mut Policy, Dec);
        let setters: [(&str, Setter); 5] = [
            ("rural_standard_monthly", |p, v| {
                p.dibao.rural_standard_monthly = v
            }),
            ("employment_cost_monthly", |p, v| {
                p.dibao.employment_cost_monthly = v
            }),
            ("basic_multiplier", |p, v| p.tekun.basic_multiplier = v),
            ("care_monthly.partial", |p, v| {
                p.tekun.care_monthly.partial = v
            }),
            ("class_a_uplift", |p, v| p.dibao.class_a_uplift = v),
        ];
        for (key, set) in setters {
            let mut policy = base.clone();
            policy.version = format!("溢出-{key}");
            set(&mut policy, huge);
            let policies = PolicySet::new(vec![policy]).unwrap();
            let result = std::panic::catch_unwind(|| evaluate_all(&policies, &households, as_of));
            let e = match result {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => panic!("{key}: an overflowing policy was evaluated"),
                Err(_) => panic!("{key}: evaluation panicked"),
            };
            assert!(matches!(e, PolicyError::Overflow { .. }), "{key}: {e}");
            let text = e.to_string();
            assert!(
                text.contains(&format!("溢出-{key}")) && text.contains("OVF-001"),
                "{key}: {text}"
            );
        }
    }

    #[test]
    fn parallel_map_keeps_input_order() {
        let items: Vec<u64> = (0..50_000).collect();
        let doubled = map_in_parallel(&items, |x| x * 2);
        assert_eq!(doubled.len(), items.len());
        assert!(doubled.iter().enumerate().all(|(i, d)| *d == 2 * i as u64));
        assert_eq!(map_in_parallel(&items[..3], |x| x + 1), vec![1, 2, 3]);
    }
}
