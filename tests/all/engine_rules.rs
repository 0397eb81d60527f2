//! Rule-by-rule tests of the eligibility engine, written from
//! `shared/spec/eligibility-v1.md` (not from the code).
//!
//! Every test builds a household file as JSON text and a policy as TOML text
//! (with parameters deliberately different from the public example county),
//! runs `parse_file` + `evaluate_all`, serializes the report and checks the
//! `bangfu.eval.v1` fields.
//!
//! Base policy used below (unless a test changes it):
//! S rural 500.00, urban 700.00, rounding fen, min benefit 30.00,
//! marginal ×1.4 (700), low income ×1.8 (900), assets 20 × S per head,
//! uplift A 0.25 / B 0.15, class A ≥ 75, class B ≥ 65 or < 18,
//! review 9 (A/B) / 3 (C) months, 渐退 6 months, employment cost 150/month,
//! excluded incomes: disability_subsidy, award (education_aid IS counted),
//! deductible: medical, disability_care (education is NOT),
//! 特困: ×1.2, age ≥ 70 or < 16, care 50 / 300 / 600,
//! 临时救助: cap 15000, township limit 3000.
//! Evaluation date D = 2026-12-01 unless stated.

use std::collections::BTreeSet;

use bangfu::engine::evaluate_all;
use bangfu::household_json::parse_file;
use bangfu::id_number::make_id_number;
use bangfu::policy::{Policy, PolicyError, PolicySet};
use serde_json::{json, Value};

use crate::support::ids::{date, id_number, raw_id, REGION};

const D: &str = "2026-12-01";

// ---------------------------------------------------------------- helpers

/// A cohabiting member born on `birth`, everything else explicit and default.
fn person(birth: &str, seq: u32) -> Value {
    json!({
        "name": format!("成员{seq}"),
        "id_number": id_number(birth, seq),
        "relation": "self",
        "cohabiting": true,
        "disability": null,
        "serious_illness": false,
        "work_capacity": "full",
        "self_care": "full",
        "incomes": []
    })
}

/// A 40-year-old (class C under the base policy).
fn adult(seq: u32) -> Value {
    person("1986-05-10", seq)
}

fn incomes(list: &[(&str, &str)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(k, a)| json!({"kind": k, "annual": a}))
            .collect(),
    )
}

trait With {
    fn with(self, key: &str, value: Value) -> Value;
}

impl With for Value {
    fn with(mut self, key: &str, value: Value) -> Value {
        self[key] = value;
        self
    }
}

fn hh(id: &str, hukou: &str, members: Vec<Value>) -> Value {
    json!({
        "id": id,
        "region_code": REGION,
        "village": "测试村",
        "hukou": hukou,
        "members": members,
        "expenses": [],
        "assets": {"financial": "0", "disqualifying": []}
    })
}

fn rural(members: Vec<Value>) -> Value {
    hh("H1", "rural", members)
}

fn financial(h: Value, amount: &str) -> Value {
    let mut h = h;
    h["assets"]["financial"] = json!(amount);
    h
}

fn enrollment(monthly: &str, last_review: Value, exceeded_since: Value) -> Value {
    json!({
        "program": "dibao",
        "since": "2024-03-01",
        "monthly_amount": monthly,
        "class": "C",
        "last_review": last_review,
        "exceeded_since": exceeded_since
    })
}

fn doc(households: Vec<Value>) -> String {
    json!({"format": "bangfu.household.v1", "households": households}).to_string()
}

/// A policy as TOML text, edited line by line.
#[derive(Clone)]
struct Pol(String);

const BASE_POLICY: &str = r#"format = "bangfu.policy.v1"
region_code = "341024"
region_name = "测试县"
effective_from = "2026-01-01"
version = "T-1"

[dibao]
urban_standard_monthly = "700.00"
rural_standard_monthly = "500.00"
benefit_rounding = "fen"
min_household_benefit = "30.00"
marginal_multiplier = "1.4"
low_income_multiplier = "1.8"
financial_asset_limit_months = 20
class_a_uplift = "0.25"
class_b_uplift = "0.15"
class_a_min_age = 75
class_b_min_age = 65
class_b_max_child_age = 18
review_months_ab = 9
review_months_c = 3
gradual_exit_months = 6
employment_cost_monthly = "150.00"
excluded_income_kinds = ["disability_subsidy", "award"]
deductible_expense_kinds = ["medical", "disability_care"]

[tekun]
basic_multiplier = "1.2"
min_age = 70
max_child_age = 16

[tekun.care_monthly]
full = "50.00"
partial = "300.00"
none = "600.00"

[temp_aid]
annual_cap = "15000.00"
township_limit = "3000.00"
"#;

impl Pol {
    fn base() -> Pol {
        Pol(BASE_POLICY.to_owned())
    }

    /// Replaces the value of `key` with a raw TOML value.
    fn raw(self, key: &str, value: &str) -> Pol {
        let mut found = 0;
        let text: Vec<String> = self
            .0
            .lines()
            .map(|l| {
                if l.split(" = ").next() == Some(key) {
                    found += 1;
                    format!("{key} = {value}")
                } else {
                    l.to_owned()
                }
            })
            .collect();
        assert_eq!(found, 1, "policy key {key}");
        Pol(text.join("\n") + "\n")
    }

    /// Sets `key` to a TOML string.
    fn s(self, key: &str, value: &str) -> Pol {
        self.raw(key, &format!("\"{value}\""))
    }

    /// Sets `key` to a TOML integer.
    fn n(self, key: &str, value: i64) -> Pol {
        self.raw(key, &value.to_string())
    }

    fn without(self, key: &str) -> Pol {
        let before = self.0.lines().count();
        let text: Vec<&str> = self
            .0
            .lines()
            .filter(|l| l.split(" = ").next() != Some(key))
            .collect();
        assert_eq!(text.len() + 1, before, "policy key {key}");
        Pol(text.join("\n") + "\n")
    }

    fn parse(&self) -> Result<Policy, PolicyError> {
        Policy::from_toml(&self.0, "test-policy.toml")
    }
}

fn eval_text(policies: &[&Pol], text: &str, d: &str) -> Value {
    let versions = policies
        .iter()
        .map(|p| p.parse().expect("policy parses"))
        .collect();
    let set = PolicySet::new(versions).expect("policy set");
    let parsed = parse_file(text).expect("household file parses");
    let report = evaluate_all(&set, &parsed, date(d)).expect("a policy in force");
    serde_json::to_value(&report).unwrap()
}

fn run_on(pol: &Pol, households: Vec<Value>, d: &str) -> Vec<Value> {
    let v = eval_text(&[pol], &doc(households), d);
    v["results"].as_array().unwrap().clone()
}

fn run1_on(pol: &Pol, household: Value, d: &str) -> Value {
    let mut r = run_on(pol, vec![household], d);
    assert_eq!(r.len(), 1);
    r.remove(0)
}

/// One household, base policy, D.
fn run1(household: Value) -> Value {
    run1_on(&Pol::base(), household, D)
}

fn run1p(pol: &Pol, household: Value) -> Value {
    run1_on(pol, household, D)
}

fn set(xs: &[&str]) -> BTreeSet<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

fn codes(r: &Value) -> BTreeSet<String> {
    r["codes"]
        .as_array()
        .unwrap_or_else(|| panic!("no codes in {r:#}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn assert_codes(r: &Value, want: &[&str]) {
    assert_eq!(codes(r), set(want), "codes of {r:#}");
}

#[track_caller]
fn assert_status(r: &Value, want: &str) {
    assert_eq!(r["status"], want, "status of {r:#}");
}

#[track_caller]
fn assert_field(r: &Value, key: &str, want: Value) {
    assert_eq!(r[key], want, "{key} of {r:#}");
}

/// Errors as `CODE`, `CODE@member`, `CODE#field`, `CODE@member#field`.
fn errors(r: &Value) -> BTreeSet<String> {
    r["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {r:#}"))
        .iter()
        .map(|e| {
            let mut s = e["code"].as_str().unwrap().to_owned();
            if let Some(m) = e.get("member").filter(|m| !m.is_null()) {
                s.push_str(&format!("@{m}"));
            }
            if let Some(f) = e.get("field").filter(|f| !f.is_null()) {
                s.push_str(&format!("#{}", f.as_str().unwrap()));
            }
            s
        })
        .collect()
}

fn keys(r: &Value) -> BTreeSet<String> {
    r.as_object().unwrap().keys().cloned().collect()
}

#[track_caller]
fn assert_invalid(r: &Value, want: &[&str]) {
    assert_status(r, "invalid");
    assert_eq!(keys(r), set(&["id", "status", "errors"]), "keys of {r:#}");
    assert_eq!(errors(r), set(want), "errors of {r:#}");
    assert_eq!(
        r["errors"].as_array().unwrap().len(),
        want.len(),
        "each error once: {r:#}"
    );
}

#[track_caller]
fn assert_valid(r: &Value) {
    assert_ne!(r["status"], "invalid", "expected a valid household: {r:#}");
}

fn member(r: &Value, i: usize) -> &Value {
    &r["members"][i]
}

/// Class of the only member of a one-person household.
fn class_of(m: Value, d: &str) -> String {
    let r = run1_on(&Pol::base(), rural(vec![m]), d);
    assert_valid(&r);
    r["members"][0]["class"].as_str().unwrap().to_owned()
}

/// Whether the only member of a one-person household is 特困.
fn is_tekun(m: Value, d: &str) -> bool {
    let r = run1_on(&Pol::base(), rural(vec![m]), d);
    assert_valid(&r);
    r["members"][0]["tekun"].as_bool().unwrap()
}

fn no_supporters() -> Value {
    json!([])
}

// ------------------------------------------------- sanity of the helpers

#[test]
fn helper_check_digit_agrees_with_public_data_and_make_id_number() {
    // Valid numbers from the public households.
    for id in [
        "341024198104120119",
        "341024194402290425",
        "341024201506010320",
    ] {
        assert_eq!(raw_id(&id[..17]), id);
    }
    let made = make_id_number(REGION, date("1986-05-10"), 7);
    assert_eq!(made, raw_id(&made[..17]));
    assert_eq!(made, id_number("1986-05-10", 7));
}

// ------------------------------------------------------ PCI against S

#[test]
fn pci_equal_to_standard_is_not_dibao() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "6000.00")]))
    ]));
    assert_status(&r, "marginal");
    assert_field(&r, "per_capita_income", json!("500.00"));
    assert_field(&r, "standard", json!("500.00"));
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
    assert_field(&r, "monthly_benefit", json!("0.00"));
    assert_field(&r, "household_class", Value::Null);
    assert_field(&r, "next_review", Value::Null);
    assert_field(&r, "review_overdue", json!(false));
}

#[test]
fn pci_one_fen_below_standard_is_dibao() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "5999.88")]))
    ]));
    assert_status(&r, "dibao");
    assert_field(&r, "per_capita_income", json!("499.99"));
    // 0.01 补差 is raised to the 30.00 保底.
    assert_field(&r, "monthly_benefit", json!("30.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE", "MIN_BENEFIT_APPLIED"]);
    assert_field(&r, "household_class", json!("C"));
}

#[test]
fn urban_household_uses_urban_standard() {
    let r = run1(hh(
        "U1",
        "urban",
        vec![adult(1).with("incomes", incomes(&[("pension", "8400.00")]))],
    ));
    assert_field(&r, "standard", json!("700.00"));
    assert_field(&r, "per_capita_income", json!("700.00"));
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);

    let r = run1(hh(
        "U2",
        "urban",
        vec![adult(1).with("incomes", incomes(&[("pension", "7200.00")]))],
    ));
    assert_status(&r, "dibao");
    // (700 − 600) × 1
    assert_field(&r, "monthly_benefit", json!("100.00"));
}

#[test]
fn pci_equal_to_marginal_bound_is_not_marginal() {
    // 1.4 × 500 = 700, exclusive.
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "8400.00")]))
    ]));
    assert_field(&r, "per_capita_income", json!("700.00"));
    assert_status(&r, "low_income");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "LOW_INCOME"]);
}

#[test]
fn pci_just_below_marginal_bound_is_marginal() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "8399.88")]))
    ]));
    assert_field(&r, "per_capita_income", json!("699.99"));
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
}

#[test]
fn pci_equal_to_low_income_bound_is_low_income() {
    // 1.8 × 500 = 900, inclusive.
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "10800.00")]))
    ]));
    assert_field(&r, "per_capita_income", json!("900.00"));
    assert_status(&r, "low_income");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "LOW_INCOME"]);
}

#[test]
fn pci_just_above_low_income_bound_is_ineligible() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "10800.12")]))
    ]));
    assert_field(&r, "per_capita_income", json!("900.01"));
    assert_status(&r, "ineligible");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD"]);
    assert_field(&r, "monthly_benefit", json!("0.00"));
    assert_field(&r, "total_monthly", json!("0.00"));
    assert_field(&r, "household_class", Value::Null);
}

#[test]
fn multipliers_are_parameters() {
    let pol = Pol::base()
        .s("marginal_multiplier", "1.25")
        .s("low_income_multiplier", "1.5");
    let at = |annual: &str| {
        run1p(
            &pol,
            rural(vec![
                adult(1).with("incomes", incomes(&[("pension", annual)]))
            ]),
        )
    };
    // marginal bound 625 (exclusive), low income bound 750 (inclusive)
    let r = at("7499.88");
    assert_field(&r, "per_capita_income", json!("624.99"));
    assert_status(&r, "marginal");
    let r = at("7500.00");
    assert_status(&r, "low_income");
    let r = at("9000.00");
    assert_status(&r, "low_income");
    let r = at("9000.12");
    assert_status(&r, "ineligible");
}

// ------------------------------------------------------------ asset test

#[test]
fn assets_exactly_at_limit_pass() {
    // 2 members × 20 × 500 = 20000
    let r = run1(financial(rural(vec![adult(1), adult(2)]), "20000.00"));
    assert_status(&r, "dibao");
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
    assert_field(&r, "monthly_benefit", json!("1000.00"));
}

#[test]
fn assets_one_fen_over_limit_fail() {
    let r = run1(financial(rural(vec![adult(1), adult(2)]), "20000.01"));
    assert_status(&r, "ineligible");
    assert_field(&r, "per_capita_income", json!("0.00"));
    assert_codes(&r, &["ASSET_FINANCIAL_OVER_LIMIT"]);
    assert_field(&r, "monthly_benefit", json!("0.00"));
}

#[test]
fn asset_test_is_exact_without_rounding_per_head() {
    // 30000.01 / 3 = 10000.00333… > 10000 (would pass if rounded to fen).
    let r = run1(financial(
        rural(vec![adult(1), adult(2), adult(3)]),
        "30000.01",
    ));
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_FINANCIAL_OVER_LIMIT"]);
    let r = run1(financial(
        rural(vec![adult(1), adult(2), adult(3)]),
        "30000.00",
    ));
    assert_status(&r, "dibao");
}

#[test]
fn asset_limit_months_is_a_parameter() {
    let pol = Pol::base().n("financial_asset_limit_months", 12);
    let r = run1p(&pol, financial(rural(vec![adult(1)]), "6000.00"));
    assert_status(&r, "dibao");
    let r = run1p(&pol, financial(rural(vec![adult(1)]), "6000.01"));
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_FINANCIAL_OVER_LIMIT"]);
}

#[test]
fn asset_test_counts_tekun_members_in_n() {
    // A 76-year-old alone in the world (特困) and a 40-year-old without income.
    let old = person("1950-03-03", 1).with("supporters", no_supporters());
    let r = run1(financial(rural(vec![old.clone(), adult(2)]), "20000.00"));
    assert_status(&r, "dibao");
    assert_codes(&r, &["TEKUN", "DIBAO_ELIGIBLE"]);
    assert_field(&r, "household_size", json!(1));
    assert_eq!(member(&r, 0)["tekun"], true, "{r:#}");
    assert_eq!(member(&r, 0)["tekun_benefit"], "650.00", "{r:#}");
    // Household class is that of R only (the 76-year-old is class A but not in R).
    assert_field(&r, "household_class", json!("C"));
    assert_field(&r, "monthly_benefit", json!("500.00"));
    assert_field(&r, "total_monthly", json!("1150.00"));

    let r = run1(financial(rural(vec![old, adult(2)]), "20000.01"));
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_FINANCIAL_OVER_LIMIT"]);
    assert_field(&r, "household_size", json!(2));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    assert_eq!(member(&r, 0)["tekun_benefit"], "0.00", "{r:#}");
    assert_field(&r, "total_monthly", json!("0.00"));
}

#[test]
fn asset_test_does_not_count_non_cohabiting_members() {
    let away = adult(2).with("cohabiting", json!(false));
    let r = run1(financial(rural(vec![adult(1), away.clone()]), "10000.00"));
    assert_status(&r, "dibao");
    assert_field(&r, "household_size", json!(1));
    let r = run1(financial(rural(vec![adult(1), away]), "10000.01"));
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_FINANCIAL_OVER_LIMIT"]);
}

#[test]
fn disqualifying_tag_fails_asset_test() {
    let mut h = rural(vec![adult(1)]);
    h["assets"]["disqualifying"] = json!(["company_ownership"]);
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_DISQUALIFYING"]);
}

#[test]
fn both_asset_failures_are_reported() {
    let mut h = financial(rural(vec![adult(1)]), "10000.01");
    h["assets"]["disqualifying"] = json!(["non_essential_vehicle", "commercial_property"]);
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_DISQUALIFYING", "ASSET_FINANCIAL_OVER_LIMIT"]);
}

#[test]
fn income_above_standard_and_assets_over_gives_both_codes() {
    // PCI 600 would be marginal, but assets fail: ineligible.
    let h = financial(
        rural(vec![
            adult(1).with("incomes", incomes(&[("pension", "7200.00")]))
        ]),
        "10000.01",
    );
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(
        &r,
        &["INCOME_NOT_BELOW_STANDARD", "ASSET_FINANCIAL_OVER_LIMIT"],
    );

    let mut h = rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "7200.00")]))
    ]);
    h["assets"]["disqualifying"] = json!(["non_essential_vehicle"]);
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "ASSET_DISQUALIFYING"]);
}

// ------------------------------------------------------------------ ages

#[test]
fn class_a_min_age_on_birthday_and_day_before() {
    assert_eq!(class_of(person("1951-12-01", 1), D), "A");
    assert_eq!(class_of(person("1951-12-02", 1), D), "B");
}

#[test]
fn class_b_min_age_on_birthday_and_day_before() {
    assert_eq!(class_of(person("1961-12-01", 1), D), "B");
    assert_eq!(class_of(person("1961-12-02", 1), D), "C");
}

#[test]
fn class_b_max_child_age_on_birthday_and_day_before() {
    // age < 18 is B; 18 on the birthday itself.
    assert_eq!(class_of(person("2008-12-01", 1), D), "C");
    assert_eq!(class_of(person("2008-12-02", 1), D), "B");
}

#[test]
fn born_29_february_is_older_on_1_march_of_a_common_year() {
    let m = person("2008-02-29", 1);
    assert_eq!(class_of(m.clone(), "2026-02-28"), "B", "still 17");
    assert_eq!(class_of(m, "2026-03-01"), "C", "18 on 1 March");
}

#[test]
fn born_29_february_tekun_age() {
    let m = person("1956-02-29", 1).with("supporters", no_supporters());
    assert!(!is_tekun(m.clone(), "2026-02-28"), "69 on 28 Feb 2026");
    assert!(is_tekun(m, "2026-03-01"), "70 on 1 Mar 2026");
}

#[test]
fn age_from_birth_date_when_no_id_number() {
    let m = json!({
        "name": "无证", "id_number": null, "birth_date": "1951-12-01",
        "relation": "self", "incomes": []
    });
    assert_eq!(class_of(m, D), "A");
    let m = json!({
        "name": "无证", "id_number": null, "birth_date": "1951-12-02",
        "relation": "self", "incomes": []
    });
    assert_eq!(class_of(m, D), "B");
}

#[test]
fn age_from_id_number_when_birth_date_matches() {
    let m = person("1951-12-01", 1).with("birth_date", json!("1951-12-01"));
    assert_eq!(class_of(m, D), "A");
}

#[test]
fn tekun_min_age_on_birthday_and_day_before() {
    let m = person("1956-12-01", 1).with("supporters", no_supporters());
    assert!(is_tekun(m, D), "70 on D");
    let m = person("1956-12-02", 1).with("supporters", no_supporters());
    assert!(!is_tekun(m.clone(), D), "69 on D");
    // Not 特困: in 低保 as a class B person with no income.
    let r = run1(rural(vec![m]));
    assert_status(&r, "dibao");
    assert_field(&r, "monthly_benefit", json!("575.00"));
}

#[test]
fn tekun_max_child_age_on_birthday_and_day_before() {
    let m = person("2010-12-01", 1).with("supporters", no_supporters());
    assert!(!is_tekun(m, D), "16 on D: has work capacity by age");
    let m = person("2010-12-02", 1).with("supporters", no_supporters());
    assert!(is_tekun(m, D), "15 on D");
}

#[test]
fn tekun_ages_are_parameters() {
    let pol = Pol::base().n("min_age", 60).n("max_child_age", 18);
    let r = run1p(
        &pol,
        rural(vec![
            person("1966-12-01", 1).with("supporters", no_supporters())
        ]),
    );
    assert_eq!(member(&r, 0)["tekun"], true, "{r:#}");
    let r = run1p(
        &pol,
        rural(vec![
            person("2008-12-02", 1).with("supporters", no_supporters())
        ]),
    );
    assert_eq!(member(&r, 0)["tekun"], true, "{r:#}");
    let r = run1p(
        &pol,
        rural(vec![
            person("2008-12-01", 1).with("supporters", no_supporters())
        ]),
    );
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
}

#[test]
fn class_ages_are_parameters() {
    let pol = Pol::base()
        .n("class_a_min_age", 70)
        .n("class_b_min_age", 50)
        .n("class_b_max_child_age", 14);
    let class = |birth: &str| {
        let r = run1p(&pol, rural(vec![person(birth, 1)]));
        r["members"][0]["class"].as_str().unwrap().to_owned()
    };
    assert_eq!(class("1956-12-01"), "A");
    assert_eq!(class("1956-12-02"), "B");
    assert_eq!(class("1976-12-01"), "B");
    assert_eq!(class("1976-12-02"), "C");
    assert_eq!(class("2012-12-01"), "C");
    assert_eq!(class("2012-12-02"), "B");
}

// ------------------------------------------------ disability and illness

fn with_disability(grade: u8, kind: &str) -> Value {
    adult(1).with("disability", json!({"grade": grade, "kind": kind}))
}

#[test]
fn grade_1_and_2_of_any_kind_are_severe_class_a() {
    for kind in ["physical", "visual", "hearing", "speech", "multiple"] {
        assert_eq!(class_of(with_disability(1, kind), D), "A", "grade 1 {kind}");
        assert_eq!(class_of(with_disability(2, kind), D), "A", "grade 2 {kind}");
    }
}

#[test]
fn grade_3_intellectual_or_mental_is_severe_class_a() {
    assert_eq!(class_of(with_disability(3, "intellectual"), D), "A");
    assert_eq!(class_of(with_disability(3, "mental"), D), "A");
}

#[test]
fn grade_3_other_kinds_and_grade_4_are_class_b_not_severe() {
    for kind in ["physical", "visual", "hearing", "speech", "multiple"] {
        assert_eq!(class_of(with_disability(3, kind), D), "B", "grade 3 {kind}");
    }
    for kind in ["physical", "intellectual", "mental"] {
        assert_eq!(class_of(with_disability(4, kind), D), "B", "grade 4 {kind}");
    }
}

#[test]
fn serious_illness_is_class_a() {
    assert_eq!(
        class_of(adult(1).with("serious_illness", json!(true)), D),
        "A"
    );
    assert_eq!(class_of(adult(1), D), "C");
}

#[test]
fn severe_disability_means_no_work_capacity_for_tekun() {
    let m = with_disability(3, "mental").with("supporters", no_supporters());
    assert!(is_tekun(m, D));
    let m = with_disability(2, "physical").with("supporters", no_supporters());
    assert!(is_tekun(m, D));
    // Grade 3 physical is not severe; full work capacity → not 特困.
    let m = with_disability(3, "physical").with("supporters", no_supporters());
    assert!(!is_tekun(m, D));
}

// ------------------------------------------------------- income and PCI

#[test]
fn employment_cost_is_capped_at_twelve_months() {
    // wage 7800 − min(7800, 1800) = 6000 → 500.00
    let r = run1(rural(vec![adult(1)
        .with("work_capacity", json!("partial"))
        .with("incomes", incomes(&[("wage", "7800.00")]))]));
    assert_field(&r, "per_capita_income", json!("500.00"));
}

#[test]
fn employment_cost_applies_whatever_the_work_capacity() {
    for cap in ["full", "partial", "none"] {
        let r = run1(rural(vec![adult(1)
            .with("work_capacity", json!(cap))
            .with("incomes", incomes(&[("wage", "7800.00")]))]));
        assert_field(&r, "per_capita_income", json!("500.00"));
    }
}

#[test]
fn employment_cost_is_wage_plus_business_only() {
    // (1000 + 500 + 1200) − min(1500, 1800) = 1200 → 100.00
    let r = run1(rural(vec![adult(1).with(
        "incomes",
        incomes(&[
            ("wage", "1000.00"),
            ("business", "500.00"),
            ("pension", "1200.00"),
        ]),
    )]));
    assert_field(&r, "per_capita_income", json!("100.00"));
}

#[test]
fn employment_cost_is_per_member() {
    // each member 3000 − 1800 = 1200; (1200 + 1200) / 12 / 2 = 100.00
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("wage", "3000.00")])),
        adult(2).with("incomes", incomes(&[("business", "3000.00")])),
    ]));
    assert_field(&r, "per_capita_income", json!("100.00"));
}

#[test]
fn employment_cost_monthly_is_a_parameter() {
    let pol = Pol::base().s("employment_cost_monthly", "50.00");
    let r = run1p(
        &pol,
        rural(vec![
            adult(1).with("incomes", incomes(&[("wage", "7800.00")]))
        ]),
    );
    // 7800 − 600 = 7200 → 600.00
    assert_field(&r, "per_capita_income", json!("600.00"));
}

#[test]
fn excluded_income_kinds_are_not_counted() {
    let r = run1(rural(vec![adult(1).with(
        "incomes",
        incomes(&[
            ("disability_subsidy", "6000.00"),
            ("award", "1200.00"),
            ("education_aid", "1200.00"),
            ("pension", "1200.00"),
        ]),
    )]));
    // education_aid is counted under this policy: 2400 / 12 = 200.00
    assert_field(&r, "per_capita_income", json!("200.00"));

    let pol = Pol::base().raw("excluded_income_kinds", "[]");
    let r = run1p(
        &pol,
        rural(vec![adult(1).with(
            "incomes",
            incomes(&[
                ("disability_subsidy", "6000.00"),
                ("award", "1200.00"),
                ("education_aid", "1200.00"),
                ("pension", "1200.00"),
            ]),
        )]),
    );
    assert_field(&r, "per_capita_income", json!("800.00"));
}

#[test]
fn every_income_kind_is_counted_unless_excluded() {
    let kinds = [
        "wage",
        "business",
        "property",
        "transfer",
        "pension",
        "alimony",
        "disability_subsidy",
        "award",
        "education_aid",
        "other",
    ];
    let pol = Pol::base()
        .raw("excluded_income_kinds", "[]")
        .s("employment_cost_monthly", "0.00");
    for kind in kinds {
        let r = run1p(
            &pol,
            rural(vec![adult(1).with("incomes", incomes(&[(kind, "1200.00")]))]),
        );
        assert_field(&r, "per_capita_income", json!("100.00"));
    }
}

#[test]
fn deductible_expenses_are_subtracted() {
    let mut h = rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "6000.00")]))
    ]);
    h["expenses"] = json!([
        {"kind": "medical", "annual": "1200.00"},
        {"kind": "education", "annual": "1200.00"},
        {"kind": "disability_care", "annual": "600.00"},
        {"kind": "other", "annual": "600.00"}
    ]);
    // 6000 − 1200 − 600 = 4200 → 350.00 (education not deductible here)
    let r = run1(h.clone());
    assert_field(&r, "per_capita_income", json!("350.00"));

    let pol = Pol::base().raw("deductible_expense_kinds", r#"["education"]"#);
    let r = run1p(&pol, h);
    assert_field(&r, "per_capita_income", json!("400.00"));
}

#[test]
fn pci_is_floored_at_zero() {
    let mut h = rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "1200.00")]))
    ]);
    h["expenses"] = json!([{"kind": "medical", "annual": "6000.00"}]);
    let r = run1(h);
    assert_field(&r, "per_capita_income", json!("0.00"));
    assert_status(&r, "dibao");
    assert_field(&r, "monthly_benefit", json!("500.00"));
}

#[test]
fn pci_rounds_half_up_at_exactly_half_a_fen() {
    // 3600.18 / 12 / 3 = 100.005 → 100.01 (half-up; half-even would give 100.00)
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "3600.18")])),
        adult(2),
        adult(3),
    ]));
    assert_field(&r, "per_capita_income", json!("100.01"));
    // Every step uses the rounded PCI: (500 − 100.01) × 3 = 1199.97
    assert_field(&r, "monthly_benefit", json!("1199.97"));

    // 0.06 / 12 = 0.005 → 0.01
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "0.06")]))
    ]));
    assert_field(&r, "per_capita_income", json!("0.01"));
    assert_field(&r, "monthly_benefit", json!("499.99"));
}

#[test]
fn pci_counts_only_cohabiting_members() {
    let away = adult(2)
        .with("cohabiting", json!(false))
        .with("incomes", incomes(&[("pension", "60000.00")]));
    let r = run1(rural(vec![
        away,
        adult(1).with("incomes", incomes(&[("pension", "1200.00")])),
    ]));
    assert_field(&r, "household_size", json!(1));
    assert_field(&r, "per_capita_income", json!("100.00"));
    let members = r["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{r:#}");
    assert_eq!(members[0]["index"], 1, "index is the input position");
}

// ---------------------------------------------------------- benefit

#[test]
fn benefit_rounding_fen_and_yuan_half_up() {
    // PCI 101.50 → 补差 398.50
    let h = rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "1218.00")]))
    ]);
    let r = run1(h.clone());
    assert_field(&r, "per_capita_income", json!("101.50"));
    assert_field(&r, "monthly_benefit", json!("398.50"));
    let r = run1p(&Pol::base().s("benefit_rounding", "yuan"), h);
    // half-up: 399 (half-even would give 398)
    assert_field(&r, "monthly_benefit", json!("399.00"));
    assert_field(&r, "total_monthly", json!("399.00"));
}

#[test]
fn benefit_with_class_a_uplift_rounds_half_up_to_fen() {
    // A (80) + C; PCI 322.22; (177.78 × 2) + 177.78 × 0.25 = 400.005
    let h = rural(vec![
        person("1946-01-01", 1).with("incomes", incomes(&[("pension", "7733.28")])),
        adult(2),
    ]);
    let r = run1(h.clone());
    assert_field(&r, "per_capita_income", json!("322.22"));
    assert_field(&r, "household_class", json!("A"));
    assert_field(&r, "monthly_benefit", json!("400.01"));
    assert_eq!(member(&r, 0)["class"], "A");
    assert_eq!(member(&r, 1)["class"], "C");
    let r = run1p(&Pol::base().s("benefit_rounding", "yuan"), h);
    assert_field(&r, "monthly_benefit", json!("400.00"));
}

#[test]
fn benefit_uplift_is_per_member_class() {
    // B (66) + C, PCI 100: 400 × 2 + 400 × 0.15 = 860.00
    let r = run1(rural(vec![
        person("1960-06-15", 1).with("incomes", incomes(&[("pension", "2400.00")])),
        adult(2),
    ]));
    assert_field(&r, "household_class", json!("B"));
    assert_field(&r, "monthly_benefit", json!("860.00"));
    // A (80) + B (66) + C, PCI 0: 1500 + 125 + 75 = 1700.00
    let r = run1(rural(vec![
        person("1946-01-01", 1),
        person("1960-06-15", 2),
        adult(3),
    ]));
    assert_field(&r, "household_class", json!("A"));
    assert_field(&r, "monthly_benefit", json!("1700.00"));
}

#[test]
fn benefit_is_rounded_once_not_per_term() {
    // A, A, C with PCI 497.80: 2.20 × 3 + 2 × 0.55 = 7.70 → 8 yuan
    // (rounding each term would give 7 + 1 + 1 = 9).
    let pol = Pol::base()
        .s("benefit_rounding", "yuan")
        .s("min_household_benefit", "5.00");
    let r = run1p(
        &pol,
        rural(vec![
            person("1946-01-01", 1).with("incomes", incomes(&[("pension", "17920.80")])),
            person("1946-01-01", 2),
            adult(3),
        ]),
    );
    assert_field(&r, "per_capita_income", json!("497.80"));
    assert_field(&r, "monthly_benefit", json!("8.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

#[test]
fn uplifts_are_parameters() {
    let pol = Pol::base()
        .s("class_a_uplift", "0.5")
        .s("class_b_uplift", "0.1");
    let r = run1p(
        &pol,
        rural(vec![person("1946-01-01", 1), person("1960-06-15", 2)]),
    );
    // 1000 + 250 + 50
    assert_field(&r, "monthly_benefit", json!("1300.00"));
}

#[test]
fn min_benefit_not_applied_when_exactly_equal() {
    // PCI 470.00 → 30.00
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "5640.00")]))
    ]));
    assert_field(&r, "monthly_benefit", json!("30.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

#[test]
fn min_benefit_applied_when_below() {
    // PCI 470.01 → 29.99 → 30.00
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("pension", "5640.12")]))
    ]));
    assert_field(&r, "monthly_benefit", json!("30.00"));
    assert_field(&r, "total_monthly", json!("30.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE", "MIN_BENEFIT_APPLIED"]);
}

#[test]
fn min_benefit_is_a_parameter_and_compared_after_rounding() {
    let pol = Pol::base()
        .s("benefit_rounding", "yuan")
        .s("min_household_benefit", "45.00");
    // PCI 470.51 → 29.49 → 29 → raised to 45
    let r = run1p(
        &pol,
        rural(vec![
            adult(1).with("incomes", incomes(&[("pension", "5646.12")]))
        ]),
    );
    assert_field(&r, "monthly_benefit", json!("45.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE", "MIN_BENEFIT_APPLIED"]);
    // PCI 454.50 → 45.50 → 46: not below the minimum
    let r = run1p(
        &pol,
        rural(vec![
            adult(1).with("incomes", incomes(&[("pension", "5454.00")]))
        ]),
    );
    assert_field(&r, "monthly_benefit", json!("46.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

#[test]
fn min_benefit_with_yuan_rounding_reaching_the_minimum() {
    // PCI 470.50 → 29.50 → rounded to 30 = the minimum: nothing to raise.
    let pol = Pol::base().s("benefit_rounding", "yuan");
    let r = run1p(
        &pol,
        rural(vec![
            adult(1).with("incomes", incomes(&[("pension", "5646.00")]))
        ]),
    );
    assert_field(&r, "per_capita_income", json!("470.50"));
    assert_field(&r, "monthly_benefit", json!("30.00"));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

// ----------------------------------------------------------------- 特困

fn lone_elder() -> Value {
    // 72 on D: class B, no work capacity by age.
    person("1954-07-07", 1).with("supporters", no_supporters())
}

#[test]
fn tekun_household_of_one() {
    let r = run1(rural(vec![lone_elder()]));
    assert_status(&r, "tekun");
    assert_field(&r, "household_size", json!(0));
    assert_field(&r, "per_capita_income", Value::Null);
    assert_field(&r, "monthly_benefit", json!("0.00"));
    assert_field(&r, "household_class", Value::Null);
    assert_field(&r, "next_review", Value::Null);
    assert_field(&r, "review_overdue", json!(false));
    assert_field(&r, "temp_aid", Value::Null);
    assert_codes(&r, &["TEKUN"]);
    assert_eq!(
        r["members"],
        json!([{
            "index": 0, "class": "B", "tekun": true, "tekun_benefit": "650.00",
            "single_person_dibao": false, "single_person_benefit": "0.00"
        }]),
        "{r:#}"
    );
    // S × 1.2 + care(full) = 600 + 50
    assert_field(&r, "total_monthly", json!("650.00"));
}

#[test]
fn tekun_household_where_everyone_is_tekun() {
    let r = run1(rural(vec![
        lone_elder(),
        person("1950-01-01", 2)
            .with("supporters", no_supporters())
            .with("self_care", json!("none")),
    ]));
    assert_status(&r, "tekun");
    assert_field(&r, "household_size", json!(0));
    assert_field(&r, "per_capita_income", Value::Null);
    assert_codes(&r, &["TEKUN"]);
    // 650 + (600 + 600)
    assert_field(&r, "total_monthly", json!("1850.00"));
}

#[test]
fn tekun_care_by_self_care_ability() {
    let r = run1(rural(
        vec![lone_elder().with("self_care", json!("partial"))],
    ));
    assert_eq!(member(&r, 0)["tekun_benefit"], "900.00", "{r:#}");
    let r = run1(rural(vec![lone_elder().with("self_care", json!("none"))]));
    assert_eq!(member(&r, 0)["tekun_benefit"], "1200.00", "{r:#}");
}

#[test]
fn tekun_benefit_uses_urban_standard_for_urban_households() {
    let r = run1(hh("U", "urban", vec![lone_elder()]));
    // 700 × 1.2 + 50
    assert_eq!(member(&r, 0)["tekun_benefit"], "890.00", "{r:#}");
}

#[test]
fn tekun_benefit_is_rounded_per_benefit_rounding() {
    // 500 × 1.235 + 50 = 667.50
    let pol = Pol::base().s("basic_multiplier", "1.235");
    let r = run1p(&pol, rural(vec![lone_elder()]));
    assert_eq!(member(&r, 0)["tekun_benefit"], "667.50", "{r:#}");
    let r = run1p(
        &pol.s("benefit_rounding", "yuan"),
        rural(vec![lone_elder()]),
    );
    assert_eq!(member(&r, 0)["tekun_benefit"], "668.00", "{r:#}");
    assert_field(&r, "total_monthly", json!("668.00"));
}

#[test]
fn tekun_not_granted_with_a_capable_supporter() {
    let m = lone_elder().with(
        "supporters",
        json!([{"name": "儿子", "relation": "son", "capable": true}]),
    );
    let r = run1(rural(vec![m]));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    assert_status(&r, "dibao");
    // class B: 500 + 500 × 0.15
    assert_field(&r, "monthly_benefit", json!("575.00"));
    assert_field(&r, "household_class", json!("B"));
}

#[test]
fn tekun_one_capable_among_several_supporters_blocks() {
    let m = lone_elder().with(
        "supporters",
        json!([
            {"name": "儿子", "relation": "son", "capable": false},
            {"name": "女儿", "relation": "daughter", "capable": true}
        ]),
    );
    let r = run1(rural(vec![m]));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
}

#[test]
fn tekun_with_only_incapable_supporters() {
    let m = lone_elder().with(
        "supporters",
        json!([{"name": "儿子", "relation": "son", "capable": false}]),
    );
    assert!(is_tekun(m, D));
    // A supporter without `capable` counts as not capable.
    let m = lone_elder().with("supporters", json!([{"name": "儿子", "relation": "son"}]));
    assert!(is_tekun(m, D));
}

#[test]
fn tekun_not_granted_when_supporters_not_assessed() {
    let mut m = lone_elder();
    m.as_object_mut().unwrap().remove("supporters");
    let r = run1(rural(vec![m]));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    assert_status(&r, "dibao");
}

#[test]
fn tekun_not_granted_when_own_income_equals_standard() {
    let m = lone_elder().with("incomes", incomes(&[("pension", "6000.00")]));
    let r = run1(rural(vec![m]));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
    // Not severely disabled nor seriously ill: no 单人保.
    assert_eq!(member(&r, 0)["single_person_dibao"], false, "{r:#}");
}

#[test]
fn tekun_granted_when_own_income_one_fen_below_standard() {
    let m = lone_elder().with("incomes", incomes(&[("pension", "5999.88")]));
    let r = run1(rural(vec![m]));
    assert_status(&r, "tekun");
    assert_eq!(member(&r, 0)["tekun"], true, "{r:#}");
}

#[test]
fn tekun_own_income_has_no_employment_cost_taken_off() {
    // Own income 6000 / 12 = 500 = S → not 特困 (350 if 就业成本 were deducted).
    let m = lone_elder().with("incomes", incomes(&[("wage", "6000.00")]));
    let r = run1(rural(vec![m]));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    // As 低保: PCI (6000 − 1800) / 12 = 350; class B: 150 × 1.15
    assert_status(&r, "dibao");
    assert_field(&r, "per_capita_income", json!("350.00"));
    assert_field(&r, "monthly_benefit", json!("172.50"));
}

#[test]
fn tekun_own_income_excludes_excluded_kinds() {
    let m = lone_elder().with("incomes", incomes(&[("disability_subsidy", "12000.00")]));
    assert!(is_tekun(m, D));
}

#[test]
fn tekun_requires_no_work_capacity() {
    // 40-year-old, full capacity, no supporters: not 特困.
    let m = adult(1).with("supporters", no_supporters());
    let r = run1(rural(vec![m]));
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    assert_status(&r, "dibao");
    // partial capacity is still capacity
    let m = adult(1)
        .with("supporters", no_supporters())
        .with("work_capacity", json!("partial"));
    assert!(!is_tekun(m, D));
    // work_capacity none
    let m = adult(1)
        .with("supporters", no_supporters())
        .with("work_capacity", json!("none"));
    assert!(is_tekun(m, D));
}

#[test]
fn tekun_requires_the_asset_test() {
    let mut h = rural(vec![lone_elder()]);
    h["assets"]["disqualifying"] = json!(["non_essential_vehicle"]);
    let r = run1(h);
    assert_eq!(member(&r, 0)["tekun"], false, "{r:#}");
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_DISQUALIFYING"]);
    assert_field(&r, "household_size", json!(1));
}

#[test]
fn mixed_household_ineligible_while_member_draws_tekun() {
    let r = run1(rural(vec![
        lone_elder(),
        adult(2).with("incomes", incomes(&[("pension", "12000.00")])),
    ]));
    assert_status(&r, "ineligible");
    assert_field(&r, "household_size", json!(1));
    assert_field(&r, "per_capita_income", json!("1000.00"));
    assert_codes(&r, &["TEKUN", "INCOME_NOT_BELOW_STANDARD"]);
    assert_eq!(member(&r, 0)["tekun"], true, "{r:#}");
    assert_eq!(member(&r, 1)["tekun"], false, "{r:#}");
    assert_field(&r, "monthly_benefit", json!("0.00"));
    assert_field(&r, "total_monthly", json!("650.00"));
}

#[test]
fn mixed_household_expenses_count_against_r() {
    let mut h = rural(vec![
        lone_elder(),
        adult(2).with("incomes", incomes(&[("pension", "6000.00")])),
    ]);
    h["expenses"] = json!([{"kind": "medical", "annual": "1200.00"}]);
    let r = run1(h);
    // (6000 − 1200) / 12 / 1 = 400
    assert_field(&r, "per_capita_income", json!("400.00"));
    assert_status(&r, "dibao");
    assert_field(&r, "monthly_benefit", json!("100.00"));
    assert_field(&r, "total_monthly", json!("750.00"));
    assert_codes(&r, &["TEKUN", "DIBAO_ELIGIBLE"]);
}

#[test]
fn tekun_member_income_does_not_enter_pci() {
    let r = run1(rural(vec![
        lone_elder().with("incomes", incomes(&[("pension", "3600.00")])),
        adult(2),
    ]));
    assert_eq!(member(&r, 0)["tekun"], true, "{r:#}");
    assert_field(&r, "per_capita_income", json!("0.00"));
    assert_field(&r, "monthly_benefit", json!("500.00"));
}

// ---------------------------------------------------------------- review

#[test]
fn next_review_without_enrollment_is_d_plus_months() {
    let r = run1(rural(vec![adult(1)]));
    assert_field(&r, "next_review", json!("2027-03-01"));
    assert_field(&r, "review_overdue", json!(false));
    let r = run1(rural(vec![person("1960-06-15", 1)]));
    assert_field(&r, "household_class", json!("B"));
    assert_field(&r, "next_review", json!("2027-09-01"));
}

#[test]
fn next_review_from_d_clamps_to_month_end() {
    let r = run1_on(&Pol::base(), rural(vec![adult(1)]), "2026-11-30");
    assert_field(&r, "next_review", json!("2027-02-28"));
}

#[test]
fn next_review_from_last_review_clamps_to_month_end() {
    let pol = Pol::base().n("review_months_c", 6);
    let h = rural(vec![adult(1)]).with(
        "enrollment",
        enrollment("300.00", json!("2026-08-31"), Value::Null),
    );
    let r = run1p(&pol, h.clone());
    assert_status(&r, "dibao");
    assert_field(&r, "next_review", json!("2027-02-28"));
    assert_field(&r, "review_overdue", json!(false));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
    // Recomputed, not the recorded amount.
    assert_field(&r, "monthly_benefit", json!("500.00"));

    let r = run1_on(&pol, h, "2027-03-01");
    assert_field(&r, "next_review", json!("2027-02-28"));
    assert_field(&r, "review_overdue", json!(true));
    assert_codes(&r, &["DIBAO_ELIGIBLE", "REVIEW_OVERDUE"]);
}

#[test]
fn next_review_for_class_a_b_uses_review_months_ab() {
    let h = rural(vec![person("1960-06-15", 1)]).with(
        "enrollment",
        enrollment("300.00", json!("2026-05-31"), Value::Null),
    );
    let r = run1(h);
    assert_field(&r, "next_review", json!("2027-02-28"));
    assert_field(&r, "review_overdue", json!(false));
}

#[test]
fn review_due_on_d_is_not_overdue() {
    let h = rural(vec![adult(1)]).with(
        "enrollment",
        enrollment("300.00", json!("2026-09-01"), Value::Null),
    );
    let r = run1(h);
    assert_field(&r, "next_review", json!("2026-12-01"));
    assert_field(&r, "review_overdue", json!(false));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

#[test]
fn review_due_the_day_before_d_is_overdue() {
    let h = rural(vec![adult(1)]).with(
        "enrollment",
        enrollment("300.00", json!("2026-08-31"), Value::Null),
    );
    let r = run1(h);
    assert_field(&r, "next_review", json!("2026-11-30"));
    assert_field(&r, "review_overdue", json!(true));
    assert_codes(&r, &["DIBAO_ELIGIBLE", "REVIEW_OVERDUE"]);
}

#[test]
fn enrollment_without_last_review_counts_from_d() {
    let h =
        rural(vec![adult(1)]).with("enrollment", enrollment("300.00", Value::Null, Value::Null));
    let r = run1(h);
    assert_field(&r, "next_review", json!("2027-03-01"));
    assert_field(&r, "review_overdue", json!(false));
}

#[test]
fn enrollment_in_another_program_counts_as_none_for_review() {
    let mut e = enrollment("300.00", json!("2020-01-01"), Value::Null);
    e["program"] = json!("tekun");
    let r = run1(rural(vec![adult(1)]).with("enrollment", e));
    assert_status(&r, "dibao");
    assert_field(&r, "next_review", json!("2027-03-01"));
    assert_field(&r, "review_overdue", json!(false));
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

#[test]
fn enrollment_in_another_program_gives_no_gradual_exit() {
    let mut e = enrollment("432.10", json!("2026-05-01"), json!("2026-09-15"));
    e["program"] = json!("linshi");
    let r = run1(
        rural(vec![
            adult(1).with("incomes", incomes(&[("pension", "7200.00")]))
        ])
        .with("enrollment", e),
    );
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
    assert!(r.get("exit_at").is_none(), "{r:#}");
}

#[test]
fn review_months_are_parameters() {
    let pol = Pol::base()
        .n("review_months_ab", 18)
        .n("review_months_c", 1);
    let r = run1p(&pol, rural(vec![adult(1)]));
    assert_field(&r, "next_review", json!("2027-01-01"));
    let r = run1p(&pol, rural(vec![person("1946-01-01", 1)]));
    assert_field(&r, "next_review", json!("2028-06-01"));
}

// ---------------------------------------------------------------- 渐退

fn earner(annual: &str) -> Value {
    adult(1).with("incomes", incomes(&[("pension", annual)]))
}

#[test]
fn gradual_exit_pays_recorded_amount_until_exit_at() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        json!({
            "program": "dibao", "since": "2024-03-01", "monthly_amount": "432.10",
            "class": "A", "last_review": "2026-05-01", "exceeded_since": "2026-09-15"
        }),
    );
    let r = run1(h.clone());
    assert_status(&r, "gradual_exit");
    assert_field(&r, "per_capita_income", json!("600.00"));
    assert_field(&r, "monthly_benefit", json!("432.10"));
    assert_field(&r, "exit_at", json!("2027-03-15"));
    // computed class, not the recorded one
    assert_field(&r, "household_class", json!("C"));
    assert_field(&r, "next_review", Value::Null);
    assert_field(&r, "review_overdue", json!(false));
    assert_field(&r, "total_monthly", json!("432.10"));
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "GRADUAL_EXIT"]);

    // not re-rounded under yuan rounding
    let r = run1p(&Pol::base().s("benefit_rounding", "yuan"), h);
    assert_status(&r, "gradual_exit");
    assert_field(&r, "monthly_benefit", json!("432.10"));
}

#[test]
fn gradual_exit_with_null_exceeded_since_starts_at_d() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), Value::Null),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_field(&r, "exit_at", json!("2027-06-01"));
}

#[test]
fn gradual_exit_at_exactly_standard() {
    let h = rural(vec![earner("6000.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), Value::Null),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "GRADUAL_EXIT"]);
}

#[test]
fn gradual_exit_at_exactly_low_income_bound() {
    let h = rural(vec![earner("10800.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-10-01")),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_field(&r, "exit_at", json!("2027-04-01"));
}

#[test]
fn gradual_exit_months_clamp_to_month_end() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-08-31")),
    );
    let r = run1(h);
    assert_field(&r, "exit_at", json!("2027-02-28"));
}

#[test]
fn gradual_exit_months_is_a_parameter() {
    let pol = Pol::base().n("gradual_exit_months", 3);
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-09-02")),
    );
    let r = run1p(&pol, h.clone());
    assert_status(&r, "gradual_exit");
    assert_field(&r, "exit_at", json!("2026-12-02"));
    let pol = Pol::base().n("gradual_exit_months", 2);
    let r = run1p(&pol, h);
    assert_status(&r, "marginal");
    assert_codes(
        &r,
        &[
            "INCOME_NOT_BELOW_STANDARD",
            "GRADUAL_EXIT_ENDED",
            "MARGINAL",
        ],
    );
}

#[test]
fn gradual_exit_the_day_before_exit_at() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-06-02")),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_field(&r, "exit_at", json!("2026-12-02"));
}

#[test]
fn gradual_exit_ended_on_exit_at_then_marginal() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-06-01")),
    );
    let r = run1(h);
    assert_status(&r, "marginal");
    assert_codes(
        &r,
        &[
            "INCOME_NOT_BELOW_STANDARD",
            "GRADUAL_EXIT_ENDED",
            "MARGINAL",
        ],
    );
    assert!(
        r.get("exit_at").is_none(),
        "exit_at only for gradual_exit: {r:#}"
    );
    assert_field(&r, "monthly_benefit", json!("0.00"));
    assert_field(&r, "household_class", Value::Null);
}

#[test]
fn gradual_exit_ended_then_low_income() {
    let h = rural(vec![earner("9600.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2025-01-01")),
    );
    let r = run1(h);
    assert_status(&r, "low_income");
    assert_codes(
        &r,
        &[
            "INCOME_NOT_BELOW_STANDARD",
            "GRADUAL_EXIT_ENDED",
            "LOW_INCOME",
        ],
    );
    assert!(r.get("exit_at").is_none(), "{r:#}");
}

#[test]
fn enrolled_household_above_low_income_leaves_at_once() {
    let h = rural(vec![earner("10800.12")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-10-01")),
    );
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD"]);
    assert!(r.get("exit_at").is_none(), "{r:#}");
    assert_field(&r, "monthly_benefit", json!("0.00"));
}

#[test]
fn enrolled_household_failing_assets_leaves_at_once() {
    let h = financial(rural(vec![earner("7200.00")]), "10000.01").with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-10-01")),
    );
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(
        &r,
        &["INCOME_NOT_BELOW_STANDARD", "ASSET_FINANCIAL_OVER_LIMIT"],
    );
    assert!(r.get("exit_at").is_none(), "{r:#}");
}

#[test]
fn enrolled_household_failing_assets_below_standard() {
    let mut h = rural(vec![earner("1200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), Value::Null),
    );
    h["assets"]["disqualifying"] = json!(["company_ownership"]);
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_DISQUALIFYING"]);
}

#[test]
fn gradual_exit_household_class_is_highest_of_r() {
    let h = rural(vec![
        person("1960-06-15", 1).with("incomes", incomes(&[("pension", "14400.00")])),
        adult(2),
    ])
    .with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), Value::Null),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_field(&r, "household_class", json!("B"));
}

// --------------------------------------------------------------- 单人保

fn marginal_household(second: Value) -> Value {
    // member 0 wage 15000 → counted 13200 after 就业成本.
    rural(vec![
        adult(1).with("incomes", incomes(&[("wage", "15000.00")])),
        second,
    ])
}

#[test]
fn single_person_dibao_for_severe_disability_in_marginal() {
    let m = adult(2)
        .with("disability", json!({"grade": 1, "kind": "physical"}))
        .with("incomes", incomes(&[("pension", "1200.00")]));
    let r = run1(marginal_household(m));
    // (13200 + 1200) / 24 = 600
    assert_field(&r, "per_capita_income", json!("600.00"));
    assert_status(&r, "marginal");
    assert_codes(
        &r,
        &[
            "INCOME_NOT_BELOW_STANDARD",
            "MARGINAL",
            "SINGLE_PERSON_DIBAO",
        ],
    );
    assert_eq!(member(&r, 1)["single_person_dibao"], true, "{r:#}");
    // (500 − 100) × 1.25
    assert_eq!(member(&r, 1)["single_person_benefit"], "500.00", "{r:#}");
    assert_eq!(member(&r, 0)["single_person_dibao"], false, "{r:#}");
    assert_eq!(member(&r, 0)["single_person_benefit"], "0.00", "{r:#}");
    assert_field(&r, "monthly_benefit", json!("0.00"));
    assert_field(&r, "total_monthly", json!("500.00"));
}

#[test]
fn single_person_dibao_for_serious_illness_in_marginal() {
    let m = adult(2)
        .with("serious_illness", json!(true))
        .with("incomes", incomes(&[("pension", "1200.00")]));
    let r = run1(marginal_household(m));
    assert_status(&r, "marginal");
    assert_eq!(member(&r, 1)["single_person_dibao"], true, "{r:#}");
    assert_eq!(member(&r, 1)["single_person_benefit"], "500.00", "{r:#}");
}

#[test]
fn single_person_dibao_for_grade_3_mental() {
    let m = adult(2)
        .with("disability", json!({"grade": 3, "kind": "mental"}))
        .with("incomes", incomes(&[("pension", "1200.00")]));
    let r = run1(marginal_household(m));
    assert_eq!(member(&r, 1)["single_person_dibao"], true, "{r:#}");
}

#[test]
fn no_single_person_dibao_for_grade_3_physical() {
    let m = adult(2)
        .with("disability", json!({"grade": 3, "kind": "physical"}))
        .with("incomes", incomes(&[("pension", "1200.00")]));
    let r = run1(marginal_household(m));
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
    assert_eq!(member(&r, 1)["class"], "B", "{r:#}");
}

#[test]
fn no_single_person_dibao_when_own_income_equals_standard() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("wage", "10200.00")])),
        adult(2)
            .with("disability", json!({"grade": 1, "kind": "visual"}))
            .with("incomes", incomes(&[("pension", "6000.00")])),
    ]));
    // (8400 + 6000) / 24 = 600
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
    assert_field(&r, "total_monthly", json!("0.00"));
}

#[test]
fn single_person_own_income_has_no_employment_cost_taken_off() {
    // member 1 wage 6000: own income 500 = S (350 with 就业成本) → no 单人保.
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("wage", "10200.00")])),
        adult(2)
            .with("serious_illness", json!(true))
            .with("incomes", incomes(&[("wage", "6000.00")])),
    ]));
    // (8400 + 4200) / 24 = 525
    assert_field(&r, "per_capita_income", json!("525.00"));
    assert_status(&r, "marginal");
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
}

#[test]
fn single_person_own_income_excludes_excluded_kinds() {
    let m = adult(2).with("serious_illness", json!(true)).with(
        "incomes",
        incomes(&[("disability_subsidy", "3000.00"), ("pension", "1200.00")]),
    );
    let r = run1(marginal_household(m));
    assert_eq!(member(&r, 1)["single_person_benefit"], "500.00", "{r:#}");
}

#[test]
fn single_person_benefit_rounding() {
    // own 1200.12 / 12 = 100.01; 399.99 × 1.25 = 499.9875
    let m = adult(2)
        .with("serious_illness", json!(true))
        .with("incomes", incomes(&[("pension", "1200.12")]));
    let r = run1(marginal_household(m.clone()));
    assert_status(&r, "marginal");
    assert_eq!(member(&r, 1)["single_person_benefit"], "499.99", "{r:#}");
    let r = run1p(
        &Pol::base().s("benefit_rounding", "yuan"),
        marginal_household(m),
    );
    assert_eq!(member(&r, 1)["single_person_benefit"], "500.00", "{r:#}");
}

#[test]
fn single_person_uplift_is_a_parameter() {
    let m = adult(2)
        .with("serious_illness", json!(true))
        .with("incomes", incomes(&[("pension", "1200.00")]));
    let r = run1p(
        &Pol::base().s("class_a_uplift", "0.5"),
        marginal_household(m),
    );
    // (500 − 100) × 1.5
    assert_eq!(member(&r, 1)["single_person_benefit"], "600.00", "{r:#}");
}

#[test]
fn no_single_person_dibao_in_low_income() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("wage", "21000.00")])),
        adult(2)
            .with("serious_illness", json!(true))
            .with("incomes", incomes(&[("pension", "1200.00")])),
    ]));
    // (19200 + 1200) / 24 = 850
    assert_status(&r, "low_income");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "LOW_INCOME"]);
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
    assert_eq!(member(&r, 1)["single_person_benefit"], "0.00", "{r:#}");
}

#[test]
fn no_single_person_dibao_in_dibao() {
    let r = run1(rural(vec![
        adult(1),
        adult(2).with("serious_illness", json!(true)),
    ]));
    assert_status(&r, "dibao");
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
    // 1000 + 500 × 0.25
    assert_field(&r, "monthly_benefit", json!("1125.00"));
}

// ------------------------------------------------------------ 临时救助

fn with_temp_aid(aid: Value) -> Value {
    // PCI 1000: ineligible, so only temp-aid codes are added.
    rural(vec![earner("12000.00")]).with("temp_aid", aid)
}

#[test]
fn temp_aid_absent_is_null() {
    let r = run1(rural(vec![earner("12000.00")]));
    assert_field(&r, "temp_aid", Value::Null);
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD"]);
}

#[test]
fn temp_aid_capped_to_township_limit_exactly() {
    let r = run1(with_temp_aid(
        json!({"requested": "5000.00", "granted_this_year": "12000.00"}),
    ));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "3000.00", "approval_level": "township"}),
    );
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "TEMP_AID_CAP_LIMITED"]);
    assert_field(&r, "total_monthly", json!("0.00"));
}

#[test]
fn temp_aid_at_township_limit_is_township() {
    let r = run1(with_temp_aid(json!({"requested": "3000.00"})));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "3000.00", "approval_level": "township"}),
    );
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD"]);
}

#[test]
fn temp_aid_one_fen_over_township_limit_is_county() {
    // granted_this_year missing = 0
    let r = run1(with_temp_aid(json!({"requested": "3000.01"})));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "3000.01", "approval_level": "county"}),
    );
    assert_codes(
        &r,
        &["INCOME_NOT_BELOW_STANDARD", "TEMP_AID_COUNTY_APPROVAL"],
    );
}

#[test]
fn temp_aid_cap_exhausted_gives_none() {
    let r = run1(with_temp_aid(
        json!({"requested": "500.00", "granted_this_year": "16000.00"}),
    ));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "0.00", "approval_level": "none"}),
    );
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "TEMP_AID_CAP_LIMITED"]);
}

#[test]
fn temp_aid_nothing_requested() {
    let r = run1(with_temp_aid(json!({"requested": "0"})));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "0.00", "approval_level": "none"}),
    );
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD"]);
}

#[test]
fn temp_aid_over_cap_and_county() {
    let r = run1(with_temp_aid(
        json!({"requested": "20000.00", "granted_this_year": "0"}),
    ));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "15000.00", "approval_level": "county"}),
    );
    assert_codes(
        &r,
        &[
            "INCOME_NOT_BELOW_STANDARD",
            "TEMP_AID_CAP_LIMITED",
            "TEMP_AID_COUNTY_APPROVAL",
        ],
    );
}

#[test]
fn temp_aid_remaining_exactly_requested() {
    let r = run1(with_temp_aid(
        json!({"requested": "2500.00", "granted_this_year": "12500.00"}),
    ));
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "2500.00", "approval_level": "township"}),
    );
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD"]);
}

#[test]
fn temp_aid_limits_are_parameters() {
    let pol = Pol::base()
        .s("annual_cap", "8000.00")
        .s("township_limit", "1000.00");
    let r = run1p(
        &pol,
        with_temp_aid(json!({"requested": "4000.00", "granted_this_year": "5000.00"})),
    );
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "3000.00", "approval_level": "county"}),
    );
}

#[test]
fn temp_aid_for_a_tekun_household() {
    let r = run1(rural(vec![lone_elder()]).with("temp_aid", json!({"requested": "800.00"})));
    assert_status(&r, "tekun");
    assert_field(
        &r,
        "temp_aid",
        json!({"grantable": "800.00", "approval_level": "township"}),
    );
}

// ------------------------------------------------------------ duplicates

#[test]
fn duplicate_id_number_across_cohabiting_households() {
    let shared = person("1970-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh("A", "rural", vec![adult(1), shared.clone()]),
            hh("B", "rural", vec![shared.with("relation", json!("other"))]),
            hh("C", "rural", vec![adult(3)]),
        ],
        D,
    );
    assert_codes(&results[0], &["DIBAO_ELIGIBLE", "DUPLICATE_ID_NUMBER"]);
    assert_codes(&results[1], &["DIBAO_ELIGIBLE", "DUPLICATE_ID_NUMBER"]);
    assert_codes(&results[2], &["DIBAO_ELIGIBLE"]);
    // still evaluated
    assert_field(&results[0], "monthly_benefit", json!("1000.00"));
}

#[test]
fn non_cohabiting_listing_does_not_count_as_duplicate() {
    let son = person("1990-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh(
                "A",
                "rural",
                vec![adult(1), son.clone().with("cohabiting", json!(false))],
            ),
            hh("B", "rural", vec![son]),
        ],
        D,
    );
    assert_codes(&results[0], &["DIBAO_ELIGIBLE"]);
    assert_codes(&results[1], &["DIBAO_ELIGIBLE"]);
}

#[test]
fn invalid_household_counts_as_holder_but_is_not_flagged() {
    let shared = person("1970-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh("A", "martian", vec![adult(1), shared.clone()]),
            hh("B", "rural", vec![shared]),
        ],
        D,
    );
    assert_invalid(&results[0], &["BAD_HUKOU"]);
    assert_codes(&results[1], &["DIBAO_ELIGIBLE", "DUPLICATE_ID_NUMBER"]);
}

#[test]
fn invalid_household_non_cohabiting_listing_does_not_count() {
    let shared = person("1970-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh(
                "A",
                "martian",
                vec![adult(1), shared.clone().with("cohabiting", json!(false))],
            ),
            hh("B", "rural", vec![shared]),
        ],
        D,
    );
    assert_status(&results[0], "invalid");
    assert_codes(&results[1], &["DIBAO_ELIGIBLE"]);
}

#[test]
fn duplicate_flag_on_tekun_household() {
    let elder = lone_elder();
    let results = run_on(
        &Pol::base(),
        vec![
            hh("A", "rural", vec![elder.clone()]),
            hh(
                "B",
                "rural",
                vec![adult(2), elder.with("relation", json!("parent"))],
            ),
        ],
        D,
    );
    assert_status(&results[0], "tekun");
    assert_codes(&results[0], &["TEKUN", "DUPLICATE_ID_NUMBER"]);
    assert!(codes(&results[1]).contains("DUPLICATE_ID_NUMBER"));
}

#[test]
fn same_number_twice_in_one_household_is_duplicate_member() {
    let twin = person("1970-03-03", 9);
    let r = run1(rural(vec![twin.clone(), adult(1), twin]));
    assert_status(&r, "invalid");
    assert_eq!(keys(&r), set(&["id", "status", "errors"]), "{r:#}");
    let codes: BTreeSet<String> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, set(&["DUPLICATE_MEMBER"]), "{r:#}");
}

#[test]
fn duplicate_member_household_still_holds_numbers_for_others() {
    let twin = person("1970-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh("A", "rural", vec![twin.clone(), twin.clone()]),
            hh("B", "rural", vec![twin]),
        ],
        D,
    );
    assert_status(&results[0], "invalid");
    assert_codes(&results[1], &["DIBAO_ELIGIBLE", "DUPLICATE_ID_NUMBER"]);
}

// ------------------------------------------------------------ validation

#[test]
fn invalid_id_number_bad_check_digit() {
    let good = id_number("1980-01-01", 11);
    let last = good.chars().last().unwrap();
    let bad_last = if last == '0' { '1' } else { '0' };
    let bad = format!("{}{bad_last}", &good[..17]);
    let r = run1(rural(vec![adult(1).with("id_number", json!(bad))]));
    assert_invalid(&r, &["INVALID_ID_NUMBER@0"]);
}

#[test]
fn invalid_id_number_no_birth_date_check_follows() {
    let good = id_number("1980-01-01", 11);
    let bad = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('5') { '6' } else { '5' }
    );
    let r = run1(rural(vec![adult(1)
        .with("id_number", json!(bad))
        .with("birth_date", json!("1999-09-09"))]));
    assert_invalid(&r, &["INVALID_ID_NUMBER@0"]);
}

fn id_ending_in_x() -> String {
    (0..1000)
        .map(|seq| id_number("1980-01-01", seq))
        .find(|id| id.ends_with('X'))
        .expect("some sequence gives X")
}

#[test]
fn upper_case_x_check_digit_is_valid() {
    let r = run1(rural(vec![
        adult(1).with("id_number", json!(id_ending_in_x()))
    ]));
    assert_valid(&r);
}

#[test]
fn lower_case_x_check_digit_is_invalid() {
    let id = id_ending_in_x().to_lowercase();
    let r = run1(rural(vec![adult(1).with("id_number", json!(id))]));
    assert_invalid(&r, &["INVALID_ID_NUMBER@0"]);
}

#[test]
fn invalid_id_number_shapes() {
    let good = id_number("1980-01-01", 11);
    let cases = vec![
        good[..17].to_owned(),
        format!("{good}1"),
        raw_id("34102419800230001"), // 30 February
        raw_id("34102419801301001"), // month 13
        raw_id("34102419800100001"), // day 0
        format!("34102A{}", &good[6..]),
    ];
    let mut failures = vec![];
    for id in cases {
        let r = run1(rural(vec![adult(1).with("id_number", json!(id))]));
        if r["status"] != "invalid" || errors(&r) != set(&["INVALID_ID_NUMBER@0"]) {
            failures.push(format!("{id:?}: {}", r));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn id_birthdate_mismatch() {
    let r = run1(rural(vec![
        person("1980-01-01", 1).with("birth_date", json!("1980-01-02"))
    ]));
    assert_invalid(&r, &["ID_BIRTHDATE_MISMATCH@0"]);
}

#[test]
fn missing_birth_date() {
    let m = json!({"name": "无证", "id_number": null, "relation": "self"});
    let r = run1(rural(vec![adult(1), m]));
    assert_invalid(&r, &["MISSING_BIRTH_DATE@1"]);
}

#[test]
fn bad_birth_date_malformed() {
    let mut failures = vec![];
    for bd in [
        "1980-1-1",
        "1980/01/01",
        "1980-02-30",
        "19800101",
        " 1980-01-01",
        "1980-01-01T00:00:00",
        "",
    ] {
        let m = json!({"name": "无证", "id_number": null, "birth_date": bd, "relation": "self"});
        let r = run1(rural(vec![m]));
        if r["status"] != "invalid" || errors(&r) != set(&["BAD_BIRTH_DATE@0"]) {
            failures.push(format!("{bd:?}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn bad_birth_date_after_d() {
    let m =
        json!({"name": "未生", "id_number": null, "birth_date": "2026-12-02", "relation": "child"});
    let r = run1(rural(vec![adult(1), m]));
    assert_invalid(&r, &["BAD_BIRTH_DATE@1"]);
    // from the ID number
    let r = run1(rural(vec![adult(1), person("2027-01-05", 2)]));
    assert_invalid(&r, &["BAD_BIRTH_DATE@1"]);
}

#[test]
fn born_on_d_is_valid() {
    let m =
        json!({"name": "新生", "id_number": null, "birth_date": "2026-12-01", "relation": "child"});
    let r = run1(rural(vec![adult(1), m]));
    assert_valid(&r);
    assert_eq!(member(&r, 1)["class"], "B");
}

#[test]
fn non_cohabiting_members_are_validated_too() {
    let bad = format!("{}Y", &id_number("1990-03-03", 5)[..17]);
    let r = run1(rural(vec![
        adult(1),
        adult(2)
            .with("cohabiting", json!(false))
            .with("id_number", json!(bad)),
    ]));
    assert_invalid(&r, &["INVALID_ID_NUMBER@1"]);
    let r = run1(rural(vec![
        adult(1),
        adult(2)
            .with("cohabiting", json!(false))
            .with("incomes", incomes(&[("wage", "-5")])),
    ]));
    assert_invalid(&r, &["NEGATIVE_AMOUNT@1"]);
}

/// One household whose member 0 has a single `pension` income written as the raw
/// JSON text `amount` (a string literal with its quotes, a number, null…).
fn income_amount_raw(amount: &str) -> Value {
    let h =
        rural(vec![adult(1).with(
            "incomes",
            json!([{"kind": "pension", "annual": "__AMT__"}]),
        )]);
    let text = doc(vec![h]).replace("\"__AMT__\"", amount);
    let v = eval_text(&[&Pol::base()], &text, D);
    v["results"][0].clone()
}

#[test]
fn negative_amount() {
    for raw in [r#""-5""#, r#""-5.50""#, "-5", "-1234.5"] {
        let r = income_amount_raw(raw);
        assert_invalid(&r, &["NEGATIVE_AMOUNT@0"]);
    }
}

#[test]
fn minus_zero_is_zero() {
    for raw in [r#""-0""#, r#""-0.00""#] {
        let r = income_amount_raw(raw);
        assert_valid(&r);
        assert_field(&r, "per_capita_income", json!("0.00"));
    }
}

#[test]
fn bad_amount_strings() {
    let mut failures = vec![];
    for s in [
        "12,000", "1e3", ".5", "+5", " 5", "5 ", "3000.123", "五千", "", "abc", "1.2.3", "-12,000",
        "-1e3", "--5", "0x10", "NaN", "１２",
    ] {
        let r = income_amount_raw(&serde_json::to_string(s).unwrap());
        if r["status"] != "invalid" || errors(&r) != set(&["BAD_AMOUNT@0"]) {
            failures.push(format!("{s:?}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn bad_amount_non_strings() {
    let mut failures = vec![];
    for raw in [
        "null", "1e3", "1E3", "3000.123", "true", "[]", "{}", "1.5e2",
    ] {
        let r = income_amount_raw(raw);
        if r["status"] != "invalid" || errors(&r) != set(&["BAD_AMOUNT@0"]) {
            failures.push(format!("{raw}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn missing_annual_is_bad_amount() {
    let r = run1(rural(vec![
        adult(1).with("incomes", json!([{"kind": "wage"}]))
    ]));
    assert_invalid(&r, &["BAD_AMOUNT@0"]);
}

#[test]
fn valid_amount_forms() {
    // (amount as raw JSON, PCI of 1 person with that pension)
    let mut failures = vec![];
    for (raw, pci) in [
        (r#""1234.50""#, "102.88"),
        (r#""1234.5""#, "102.88"),
        (r#""1200""#, "100.00"),
        (r#""0""#, "0.00"),
        (r#""0.5""#, "0.04"),
        ("1234.5", "102.88"),
        ("1234.50", "102.88"),
        ("1200", "100.00"),
        ("0", "0.00"),
    ] {
        let r = income_amount_raw(raw);
        if r["status"] == "invalid" || r["per_capita_income"] != pci {
            failures.push(format!("{raw}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_amount_is_validated() {
    let base = || rural(vec![adult(1)]);
    let mut failures = vec![];
    let mut check = |what: &str, h: Value, want: &[&str]| {
        let r = run1(h);
        if r["status"] != "invalid" || errors(&r) != set(want) {
            failures.push(format!("{what}: {r}"));
        }
    };
    let mut h = base();
    h["expenses"] = json!([{"kind": "medical", "annual": "1e3"}]);
    check("expense", h, &["BAD_AMOUNT"]);
    let mut h = base();
    h["expenses"] = json!([{"kind": "medical"}]);
    check("expense missing annual", h, &["BAD_AMOUNT"]);
    let mut h = base();
    h["expenses"] = json!([{"kind": "medical", "annual": "-3"}]);
    check("negative expense", h, &["NEGATIVE_AMOUNT"]);
    check("financial", financial(base(), "12,000"), &["BAD_AMOUNT"]);
    check(
        "negative financial",
        financial(base(), "-1"),
        &["NEGATIVE_AMOUNT"],
    );
    check(
        "monthly_amount",
        base().with(
            "enrollment",
            enrollment("abc", json!("2026-05-01"), Value::Null),
        ),
        &["BAD_AMOUNT"],
    );
    check(
        "temp_aid requested missing",
        base().with("temp_aid", json!({"granted_this_year": "100"})),
        &["BAD_AMOUNT"],
    );
    check(
        "temp_aid requested null",
        base().with("temp_aid", json!({"requested": null})),
        &["BAD_AMOUNT"],
    );
    check(
        "temp_aid granted bad",
        base().with(
            "temp_aid",
            json!({"requested": "100", "granted_this_year": "+5"}),
        ),
        &["BAD_AMOUNT"],
    );
    check(
        "temp_aid requested negative",
        base().with("temp_aid", json!({"requested": "-100"})),
        &["NEGATIVE_AMOUNT"],
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn unknown_income_and_expense_kinds() {
    let r = run1(rural(vec![
        adult(1),
        adult(2).with("incomes", incomes(&[("salary", "100")])),
    ]));
    assert_invalid(&r, &["UNKNOWN_INCOME_KIND@1"]);
    let mut h = rural(vec![adult(1)]);
    h["expenses"] = json!([{"kind": "food", "annual": "100"}]);
    let r = run1(h);
    assert_invalid(&r, &["UNKNOWN_EXPENSE_KIND"]);
}

#[test]
fn bad_hukou() {
    let r = run1(hh("H", "city", vec![adult(1)]));
    assert_invalid(&r, &["BAD_HUKOU"]);
    let mut h = rural(vec![adult(1)]);
    h.as_object_mut().unwrap().remove("hukou");
    let r = run1(h);
    assert_invalid(&r, &["BAD_HUKOU"]);
}

#[test]
fn bad_field_member_fields() {
    let mut failures = vec![];
    let cases: Vec<(&str, Value, &str)> = vec![
        ("work_capacity", json!("some"), "BAD_FIELD@0#work_capacity"),
        ("self_care", json!("x"), "BAD_FIELD@0#self_care"),
        ("cohabiting", json!("yes"), "BAD_FIELD@0#cohabiting"),
        ("cohabiting", json!(1), "BAD_FIELD@0#cohabiting"),
        (
            "disability",
            json!({"grade": 5, "kind": "physical"}),
            "BAD_FIELD@0#disability",
        ),
        (
            "disability",
            json!({"grade": 0, "kind": "physical"}),
            "BAD_FIELD@0#disability",
        ),
        (
            "disability",
            json!({"grade": 2, "kind": "leg"}),
            "BAD_FIELD@0#disability",
        ),
        (
            "disability",
            json!({"grade": "2", "kind": "physical"}),
            "BAD_FIELD@0#disability",
        ),
        (
            "disability",
            json!({"grade": 2.5, "kind": "physical"}),
            "BAD_FIELD@0#disability",
        ),
        (
            "disability",
            json!({"kind": "physical"}),
            "BAD_FIELD@0#disability",
        ),
        ("disability", json!({"grade": 2}), "BAD_FIELD@0#disability"),
        ("disability", json!("severe"), "BAD_FIELD@0#disability"),
    ];
    for (field, value, want) in cases {
        let r = run1(rural(vec![adult(1).with(field, value.clone())]));
        if r["status"] != "invalid" || errors(&r) != set(&[want]) {
            failures.push(format!("{field} = {value}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn bad_field_enrollment_dates() {
    let mut failures = vec![];
    for (key, value) in [
        ("since", json!("2026/01/01")),
        ("last_review", json!("2026-13-01")),
        ("exceeded_since", json!("2026-02-30")),
        ("last_review", json!(20260101)),
    ] {
        let mut e = enrollment("300.00", json!("2026-05-01"), Value::Null);
        e[key] = value.clone();
        let r = run1(rural(vec![adult(1)]).with("enrollment", e));
        if r["status"] != "invalid" || errors(&r) != set(&["BAD_FIELD#enrollment"]) {
            failures.push(format!("{key} = {value}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn enrollment_dates_may_be_null() {
    let e = json!({
        "program": "dibao", "since": null, "monthly_amount": "300.00",
        "class": "C", "last_review": null, "exceeded_since": null
    });
    let r = run1(rural(vec![adult(1)]).with("enrollment", e));
    assert_valid(&r);
}

#[test]
fn no_members() {
    let r = run1(rural(vec![]));
    assert_invalid(&r, &["NO_MEMBERS"]);
    let r = run1(rural(vec![
        adult(1).with("cohabiting", json!(false)),
        adult(2).with("cohabiting", json!(false)),
    ]));
    assert_invalid(&r, &["NO_MEMBERS"]);
}

#[test]
fn all_errors_are_reported_together() {
    let r = run1(hh(
        "H",
        "city",
        vec![
            adult(1).with("work_capacity", json!("lots")),
            adult(2).with("incomes", incomes(&[("wage", "1e3"), ("gift", "5")])),
        ],
    ));
    assert_invalid(
        &r,
        &[
            "BAD_HUKOU",
            "BAD_FIELD@0#work_capacity",
            "BAD_AMOUNT@1",
            "UNKNOWN_INCOME_KIND@1",
        ],
    );
}

#[test]
fn invalid_household_does_not_stop_the_run() {
    let results = run_on(
        &Pol::base(),
        vec![
            hh("BAD", "city", vec![adult(1)]),
            hh("GOOD", "rural", vec![adult(2)]),
        ],
        D,
    );
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["id"], "BAD");
    assert_status(&results[0], "invalid");
    assert_eq!(results[1]["id"], "GOOD");
    assert_status(&results[1], "dibao");
}

#[test]
fn absent_fields_take_their_defaults() {
    let m = json!({"name": "简", "id_number": id_number("1986-05-10", 1), "relation": "self"});
    let h = json!({"id": "MIN", "region_code": REGION, "village": "村", "hukou": "rural", "members": [m]});
    let r = run1(h);
    assert_status(&r, "dibao");
    assert_field(&r, "household_size", json!(1));
    assert_field(&r, "per_capita_income", json!("0.00"));
    assert_field(&r, "monthly_benefit", json!("500.00"));
    assert_field(&r, "temp_aid", Value::Null);
    assert_eq!(member(&r, 0)["class"], "C");
    assert_eq!(member(&r, 0)["tekun"], false);
}

#[test]
fn region_code_of_household_is_not_compared() {
    let mut h = rural(vec![adult(1)]);
    h["region_code"] = json!("110101");
    let r = run1(h);
    assert_status(&r, "dibao");
}

// ------------------------------------------------------ file-level errors

#[test]
fn duplicate_household_id_is_a_file_error() {
    let text = doc(vec![
        hh("SAME", "rural", vec![adult(1)]),
        hh("SAME", "rural", vec![adult(2)]),
    ]);
    assert!(parse_file(&text).is_err());
}

#[test]
fn wrong_format_is_a_file_error() {
    let text = json!({"format": "bangfu.household.v3", "households": []}).to_string();
    assert!(parse_file(&text).is_err());
    let text = json!({"households": []}).to_string();
    assert!(parse_file(&text).is_err());
}

#[test]
fn not_json_is_a_file_error() {
    assert!(parse_file("{\"format\": \"bangfu.household.v1\", \"households\": [").is_err());
    assert!(parse_file("format = 1").is_err());
    assert!(parse_file("").is_err());
}

#[test]
fn empty_household_list_is_fine() {
    let v = eval_text(&[&Pol::base()], &doc(vec![]), D);
    assert_eq!(v["results"], json!([]));
}

// ---------------------------------------------------------- policy errors

#[test]
fn base_policy_parses() {
    Pol::base().parse().expect("base policy");
    let public = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/cases/public/policy.toml"),
    );
    if let Ok(text) = public {
        Policy::from_toml(&text, "public").expect("public policy");
    }
}

#[test]
fn policy_unknown_key_is_rejected() {
    let p = Pol(BASE_POLICY.replace("[dibao]\n", "[dibao]\nextra_key = \"1\"\n"));
    assert!(p.parse().is_err());
    let p = Pol(format!("surprise = 1\n{BASE_POLICY}"));
    assert!(p.parse().is_err());
    let p = Pol(BASE_POLICY.replace("none = \"600.00\"\n", "none = \"600.00\"\nhalf = \"1\"\n"));
    assert!(p.parse().is_err());
}

#[test]
fn policy_missing_key_is_rejected() {
    for key in [
        "gradual_exit_months",
        "township_limit",
        "partial",
        "benefit_rounding",
        "excluded_income_kinds",
        "effective_from",
        "min_age",
    ] {
        assert!(Pol::base().without(key).parse().is_err(), "missing {key}");
    }
}

#[test]
fn policy_toml_float_for_a_decimal_is_rejected() {
    for (key, value) in [
        ("marginal_multiplier", "1.5"),
        ("rural_standard_monthly", "500.0"),
        ("class_a_uplift", "0.25"),
        ("basic_multiplier", "1.2"),
        ("annual_cap", "15000.0"),
    ] {
        assert!(
            Pol::base().raw(key, value).parse().is_err(),
            "float {key} = {value}"
        );
    }
}

#[test]
fn policy_bad_values_are_rejected() {
    let bad = [
        Pol::base().s("rural_standard_monthly", "-500.00"),
        Pol::base().s("urban_standard_monthly", "-1"),
        Pol::base().s("marginal_multiplier", "0.9"),
        Pol::base().s("benefit_rounding", "jiao"),
        Pol::base().raw("excluded_income_kinds", r#"["salary"]"#),
        Pol::base().raw("deductible_expense_kinds", r#"["food"]"#),
        Pol::base().s("format", "bangfu.policy.v2"),
        Pol::base().s("rural_standard_monthly", "abc"),
    ];
    for (i, p) in bad.iter().enumerate() {
        assert!(p.parse().is_err(), "case {i}:\n{}", p.0);
    }
}

#[test]
fn policy_marginal_multiplier_of_one_is_allowed() {
    Pol::base()
        .s("marginal_multiplier", "1")
        .parse()
        .expect("1 is not below 1");
}

#[test]
fn two_versions_on_the_same_day_are_an_error() {
    let a = Pol::base().parse().unwrap();
    let b = Pol::base().s("version", "T-2").parse().unwrap();
    assert!(PolicySet::new(vec![a, b]).is_err());
}

#[test]
fn no_version_in_force_is_an_error() {
    let set = PolicySet::new(vec![Pol::base().parse().unwrap()]).unwrap();
    let parsed = parse_file(&doc(vec![rural(vec![adult(1)])])).unwrap();
    assert!(evaluate_all(&set, &parsed, date("2025-12-31")).is_err());
    assert!(evaluate_all(&set, &parsed, date("2026-01-01")).is_ok());
}

#[test]
fn latest_version_in_force_is_used() {
    let v1 = Pol::base();
    let v2 = Pol::base()
        .s("version", "T-2")
        .s("effective_from", "2026-07-01")
        .s("rural_standard_monthly", "550.00");
    let v3 = Pol::base()
        .s("version", "T-3")
        .s("effective_from", "2027-01-01")
        .s("rural_standard_monthly", "600.00");
    let text = doc(vec![rural(vec![adult(1)])]);
    let standard_on = |d: &str| {
        // given newest first, to check the order of the files does not matter
        let v = eval_text(&[&v3, &v2, &v1], &text, d);
        v["results"][0]["standard"].clone()
    };
    assert_eq!(standard_on("2026-06-30"), "500.00");
    assert_eq!(standard_on("2026-07-01"), "550.00");
    assert_eq!(standard_on("2026-12-31"), "550.00");
    assert_eq!(standard_on("2027-01-01"), "600.00");
    let v = eval_text(&[&v3, &v2, &v1], &text, "2026-07-01");
    for reason in v["results"][0]["reasons"].as_array().unwrap() {
        assert_eq!(reason["policy_version"], "T-2", "{reason}");
    }
}

// ---------------------------------------------------------- output format

const VALID_KEYS: [&str; 14] = [
    "id",
    "status",
    "standard",
    "household_size",
    "per_capita_income",
    "monthly_benefit",
    "household_class",
    "next_review",
    "review_overdue",
    "temp_aid",
    "members",
    "total_monthly",
    "codes",
    "reasons",
];

#[test]
fn result_keys_by_status() {
    let ge = enrollment("432.10", json!("2026-05-01"), Value::Null);
    let households = vec![
        hh("dibao", "rural", vec![adult(1)]),
        hh("ge", "rural", vec![earner("7200.00")]).with("enrollment", ge),
        hh(
            "marginal",
            "rural",
            vec![adult(3).with("incomes", incomes(&[("pension", "7200")]))],
        ),
        hh(
            "low",
            "rural",
            vec![adult(4).with("incomes", incomes(&[("pension", "9600")]))],
        ),
        hh(
            "inel",
            "rural",
            vec![adult(5).with("incomes", incomes(&[("pension", "96000")]))],
        ),
        hh("tekun", "rural", vec![lone_elder()]),
        hh("invalid", "city", vec![adult(7)]),
    ];
    let results = run_on(&Pol::base(), households, D);
    let want = [
        "dibao",
        "gradual_exit",
        "marginal",
        "low_income",
        "ineligible",
        "tekun",
        "invalid",
    ];
    for (r, status) in results.iter().zip(want) {
        assert_status(r, status);
        let mut expected = set(&VALID_KEYS);
        match status {
            "invalid" => expected = set(&["id", "status", "errors"]),
            "gradual_exit" => {
                expected.insert("exit_at".into());
            }
            _ => {}
        }
        assert_eq!(keys(r), expected, "{r:#}");
        if status != "invalid" {
            for m in r["members"].as_array().unwrap() {
                assert_eq!(
                    keys(m),
                    set(&[
                        "index",
                        "class",
                        "tekun",
                        "tekun_benefit",
                        "single_person_dibao",
                        "single_person_benefit"
                    ]),
                    "{m:#}"
                );
            }
            if status != "dibao" {
                assert_eq!(r["next_review"], Value::Null, "{r:#}");
                assert_eq!(r["review_overdue"], false, "{r:#}");
            }
            if status != "dibao" && status != "gradual_exit" {
                assert_eq!(r["household_class"], Value::Null, "{r:#}");
            }
        }
    }
}

#[test]
fn report_envelope() {
    let v = eval_text(&[&Pol::base()], &doc(vec![rural(vec![adult(1)])]), D);
    assert_eq!(keys(&v), set(&["format", "as_of", "results"]));
    assert_eq!(v["format"], "bangfu.eval.v1");
    assert_eq!(v["as_of"], "2026-12-01");
}

#[test]
fn money_has_exactly_two_decimals() {
    let pol = Pol::base()
        .s("rural_standard_monthly", "500")
        .s("min_household_benefit", "30");
    let r = run1p(
        &pol,
        rural(vec![adult(1)]).with("temp_aid", json!({"requested": "12"})),
    );
    assert_field(&r, "standard", json!("500.00"));
    assert_field(&r, "per_capita_income", json!("0.00"));
    assert_field(&r, "monthly_benefit", json!("500.00"));
    assert_field(&r, "total_monthly", json!("500.00"));
    assert_eq!(r["temp_aid"]["grantable"], "12.00");
    assert_eq!(member(&r, 0)["tekun_benefit"], "0.00");
    assert_eq!(member(&r, 0)["single_person_benefit"], "0.00");

    // recorded 渐退 amount with one decimal is printed with two
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.1", json!("2026-05-01"), Value::Null),
    );
    let r = run1(h);
    assert_field(&r, "monthly_benefit", json!("432.10"));
}

#[test]
fn reasons_carry_policy_version_and_key() {
    let r = run1(rural(vec![adult(1)]));
    let reasons = r["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty(), "{r:#}");
    for reason in reasons {
        assert_eq!(reason["policy_version"], "T-1", "{reason}");
        assert!(reason["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
    assert!(
        reasons
            .iter()
            .any(|x| x["policy_key"] == "dibao.rural_standard_monthly"),
        "{r:#}"
    );
}

#[test]
fn results_are_in_input_order() {
    let ids = ["Z", "A", "M", "B"];
    let households = ids
        .iter()
        .enumerate()
        .map(|(i, id)| hh(id, "rural", vec![adult(i as u32 + 1)]))
        .collect();
    let results = run_on(&Pol::base(), households, D);
    let got: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(got, ids);
}

#[test]
fn members_listed_only_for_cohabiting_with_input_index() {
    let r = run1(rural(vec![
        adult(1).with("cohabiting", json!(false)),
        adult(2),
        adult(3).with("cohabiting", json!(false)),
        person("1946-01-01", 4),
    ]));
    let idx: Vec<i64> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["index"].as_i64().unwrap())
        .collect();
    assert_eq!(idx, vec![1, 3]);
    assert_field(&r, "household_size", json!(2));
    assert_eq!(member(&r, 1)["class"], "A");
}

// ------------------------------------------- rounding before comparisons

#[test]
fn rounded_pci_is_used_in_the_comparison_with_s() {
    // 5999.94 / 12 = 499.995 → 500.00 = S: not 低保.
    let r = run1(rural(vec![earner("5999.94")]));
    assert_field(&r, "per_capita_income", json!("500.00"));
    assert_status(&r, "marginal");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "MARGINAL"]);
}

#[test]
fn rounded_pci_is_used_in_the_marginal_and_low_income_comparisons() {
    // 8399.94 / 12 = 699.995 → 700.00: not marginal.
    let r = run1(rural(vec![earner("8399.94")]));
    assert_field(&r, "per_capita_income", json!("700.00"));
    assert_status(&r, "low_income");
    // 10800.05 / 12 = 900.0041… → 900.00: still low income.
    let r = run1(rural(vec![earner("10800.05")]));
    assert_field(&r, "per_capita_income", json!("900.00"));
    assert_status(&r, "low_income");
}

#[test]
fn tekun_own_income_is_rounded_before_comparison() {
    // 5999.94 / 12 = 499.995 → 500.00: not below S.
    let m = lone_elder().with("incomes", incomes(&[("pension", "5999.94")]));
    assert!(!is_tekun(m, D));
    // 5999.93 / 12 = 499.994… → 499.99
    let m = lone_elder().with("incomes", incomes(&[("pension", "5999.93")]));
    assert!(is_tekun(m, D));
}

#[test]
fn single_person_own_income_is_rounded_before_comparison() {
    let r = run1(rural(vec![
        adult(1).with("incomes", incomes(&[("wage", "10200.06")])),
        adult(2)
            .with("serious_illness", json!(true))
            .with("incomes", incomes(&[("pension", "5999.94")])),
    ]));
    // own monthly 499.995 → 500.00 = S: no 单人保
    assert_status(&r, "marginal");
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
}

#[test]
fn bounds_are_exact_products_with_s() {
    // 1.333 × 500 = 666.5 (exclusive); 1.777 × 500 = 888.5 (inclusive)
    let pol = Pol::base()
        .s("marginal_multiplier", "1.333")
        .s("low_income_multiplier", "1.777");
    let at = |annual: &str| run1p(&pol, rural(vec![earner(annual)]));
    assert_status(&at("7997.88"), "marginal"); // 666.49
    assert_status(&at("7998.00"), "low_income"); // 666.50
    assert_status(&at("10662.00"), "low_income"); // 888.50
    assert_status(&at("10662.12"), "ineligible"); // 888.51
}

#[test]
fn standard_with_fen_in_all_amounts() {
    let pol = Pol::base().s("rural_standard_monthly", "512.34");
    // asset limit 20 × 512.34 = 10246.80 per head
    let r = run1p(&pol, financial(rural(vec![adult(1)]), "10246.80"));
    assert_status(&r, "dibao");
    assert_field(&r, "standard", json!("512.34"));
    assert_field(&r, "monthly_benefit", json!("512.34"));
    let r = run1p(&pol, financial(rural(vec![adult(1)]), "10246.81"));
    assert_status(&r, "ineligible");
    // 特困: 512.34 × 1.2 + 50 = 664.808
    let r = run1p(&pol, rural(vec![lone_elder()]));
    assert_eq!(member(&r, 0)["tekun_benefit"], "664.81", "{r:#}");
    let r = run1p(
        &pol.s("benefit_rounding", "yuan"),
        rural(vec![lone_elder()]),
    );
    assert_eq!(member(&r, 0)["tekun_benefit"], "665.00", "{r:#}");
}

// --------------------------------------------------------- more 渐退

#[test]
fn gradual_exit_amount_is_not_raised_to_the_minimum() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("10.00", json!("2026-05-01"), Value::Null),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_field(&r, "monthly_benefit", json!("10.00"));
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "GRADUAL_EXIT"]);
}

#[test]
fn gradual_exit_comes_before_marginal_so_no_single_person_dibao() {
    let h = marginal_household(
        adult(2)
            .with("serious_illness", json!(true))
            .with("incomes", incomes(&[("pension", "1200.00")])),
    )
    .with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), Value::Null),
    );
    let r = run1(h);
    assert_status(&r, "gradual_exit");
    assert_codes(&r, &["INCOME_NOT_BELOW_STANDARD", "GRADUAL_EXIT"]);
    assert_eq!(member(&r, 1)["single_person_dibao"], false, "{r:#}");
    assert_field(&r, "household_class", json!("A"));
    assert_field(&r, "total_monthly", json!("432.10"));
}

#[test]
fn gradual_exit_ended_then_marginal_with_single_person_dibao() {
    let h = marginal_household(
        adult(2)
            .with("serious_illness", json!(true))
            .with("incomes", incomes(&[("pension", "1200.00")])),
    )
    .with(
        "enrollment",
        enrollment("432.10", json!("2026-05-01"), json!("2026-01-01")),
    );
    let r = run1(h);
    assert_status(&r, "marginal");
    assert_codes(
        &r,
        &[
            "INCOME_NOT_BELOW_STANDARD",
            "GRADUAL_EXIT_ENDED",
            "MARGINAL",
            "SINGLE_PERSON_DIBAO",
        ],
    );
    assert_field(&r, "total_monthly", json!("500.00"));
}

#[test]
fn enrolled_household_back_below_standard_is_dibao_again() {
    let h = rural(vec![earner("1200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2026-10-01"), json!("2026-02-01")),
    );
    let r = run1(h);
    assert_status(&r, "dibao");
    assert_field(&r, "monthly_benefit", json!("400.00"));
    assert!(r.get("exit_at").is_none(), "{r:#}");
    assert_codes(&r, &["DIBAO_ELIGIBLE"]);
}

#[test]
fn review_overdue_only_for_dibao() {
    let h = rural(vec![earner("7200.00")]).with(
        "enrollment",
        enrollment("432.10", json!("2020-01-01"), json!("2020-01-01")),
    );
    let r = run1(h);
    assert_status(&r, "marginal");
    assert_field(&r, "review_overdue", json!(false));
    assert!(!codes(&r).contains("REVIEW_OVERDUE"), "{r:#}");
}

// ------------------------------------------------------ more validation

#[test]
fn enrollment_without_monthly_amount_is_bad_amount() {
    let mut e = enrollment("1", json!("2026-05-01"), Value::Null);
    e.as_object_mut().unwrap().remove("monthly_amount");
    let r = run1(rural(vec![adult(1)]).with("enrollment", e));
    assert_invalid(&r, &["BAD_AMOUNT"]);
}

#[test]
fn non_dibao_enrollment_dates_are_not_checked() {
    // BAD_FIELD `enrollment` is for a 低保 enrollment only.
    let mut e = enrollment("300.00", json!("someday"), Value::Null);
    e["program"] = json!("tekun");
    let r = run1(rural(vec![adult(1)]).with("enrollment", e));
    assert_valid(&r);
}

#[test]
fn malformed_birth_date_beside_an_id_number() {
    let r = run1(rural(vec![
        person("1980-01-01", 1).with("birth_date", json!("1980/01/01"))
    ]));
    assert_status(&r, "invalid");
    assert!(errors(&r).contains("BAD_BIRTH_DATE@0"), "{r:#}");
}

#[test]
fn absent_id_number_is_like_null() {
    let r = run1(rural(vec![json!({"name": "无证", "relation": "self"})]));
    assert_invalid(&r, &["MISSING_BIRTH_DATE@0"]);
    let r = run1(rural(vec![
        json!({"name": "无证", "relation": "self", "birth_date": "1946-01-01"}),
    ]));
    assert_valid(&r);
    assert_eq!(member(&r, 0)["class"], "A");
}

#[test]
fn household_class_ignores_non_cohabiting_members() {
    let r = run1(rural(vec![
        person("1946-01-01", 1).with("cohabiting", json!(false)),
        adult(2),
    ]));
    assert_field(&r, "household_class", json!("C"));
    assert_field(&r, "monthly_benefit", json!("500.00"));
    assert_field(&r, "next_review", json!("2027-03-01"));
}

#[test]
fn duplicate_id_in_three_households() {
    let shared = person("1970-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh("A", "rural", vec![shared.clone()]),
            hh("B", "rural", vec![adult(2), shared.clone()]),
            hh("C", "rural", vec![adult(3), shared]),
        ],
        D,
    );
    for r in &results {
        assert!(codes(r).contains("DUPLICATE_ID_NUMBER"), "{r:#}");
    }
}

// ------------------------------------------- codes are the §2 spellings only

#[test]
fn hukou_must_be_rural_or_urban_exactly() {
    let mut failures = vec![];
    for hukou in ["农村", "城镇", " rural", "rural ", "Rural", "URBAN"] {
        let r = run1(hh("H", hukou, vec![adult(1)]));
        if r["status"] != "invalid" || errors(&r) != set(&["BAD_HUKOU"]) {
            failures.push(format!("{hukou:?}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn member_enums_must_be_spec_codes_exactly() {
    let mut failures = vec![];
    let cases: Vec<(&str, Value, &str)> = vec![
        ("work_capacity", json!("无"), "BAD_FIELD@0#work_capacity"),
        ("work_capacity", json!(" none"), "BAD_FIELD@0#work_capacity"),
        ("work_capacity", json!("None"), "BAD_FIELD@0#work_capacity"),
        ("self_care", json!("部分"), "BAD_FIELD@0#self_care"),
        (
            "disability",
            json!({"grade": 1, "kind": "肢体"}),
            "BAD_FIELD@0#disability",
        ),
        (
            "disability",
            json!({"grade": 1, "kind": "Physical"}),
            "BAD_FIELD@0#disability",
        ),
    ];
    for (field, value, want) in cases {
        let r = run1(rural(vec![adult(1).with(field, value.clone())]));
        if r["status"] != "invalid" || errors(&r) != set(&[want]) {
            failures.push(format!("{field} = {value}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn income_and_expense_kinds_must_be_spec_codes_exactly() {
    let mut failures = vec![];
    for kind in ["工资性收入", "Wage", " wage", "养老金"] {
        let r = run1(rural(vec![
            adult(1).with("incomes", incomes(&[(kind, "100")]))
        ]));
        if r["status"] != "invalid" || errors(&r) != set(&["UNKNOWN_INCOME_KIND@0"]) {
            failures.push(format!("income {kind:?}: {r}"));
        }
    }
    for kind in ["医疗支出", "Medical", "medical "] {
        let mut h = rural(vec![adult(1)]);
        h["expenses"] = json!([{"kind": kind, "annual": "100"}]);
        let r = run1(h);
        if r["status"] != "invalid" || errors(&r) != set(&["UNKNOWN_EXPENSE_KIND"]) {
            failures.push(format!("expense {kind:?}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn any_disqualifying_tag_fails_even_an_unlisted_one() {
    let mut h = rural(vec![adult(1)]);
    h["assets"]["disqualifying"] = json!(["luxury_boat"]);
    let r = run1(h);
    assert_status(&r, "ineligible");
    assert_codes(&r, &["ASSET_DISQUALIFYING"]);
}

#[test]
fn assets_without_financial_is_zero() {
    let mut h = rural(vec![adult(1)]);
    h["assets"] = json!({"disqualifying": []});
    let r = run1(h);
    assert_status(&r, "dibao");
}

#[test]
fn policy_months_and_ages_must_be_integers() {
    for (key, value) in [
        ("review_months_ab", "\"12\""),
        ("class_a_min_age", "80.0"),
        ("gradual_exit_months", "\"6\""),
        ("financial_asset_limit_months", "\"24\""),
    ] {
        assert!(
            Pol::base().raw(key, value).parse().is_err(),
            "{key} = {value}"
        );
    }
}

#[test]
fn every_code_has_a_reason() {
    let shared = person("1970-03-03", 9);
    let results = run_on(
        &Pol::base(),
        vec![
            hh(
                "A",
                "rural",
                vec![lone_elder(), shared.clone(), earner("5640.12")],
            )
            .with(
                "enrollment",
                enrollment("300.00", json!("2026-01-01"), Value::Null),
            )
            .with(
                "temp_aid",
                json!({"requested": "9000", "granted_this_year": "7000"}),
            ),
            financial(
                marginal_household(
                    person("1999-09-09", 2)
                        .with("serious_illness", json!(true))
                        .with("incomes", incomes(&[("pension", "1200.00")])),
                ),
                "999999",
            ),
            hh("C", "rural", vec![shared]),
        ],
        D,
    );
    for r in &results {
        let reasons: BTreeSet<String> = r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap().to_owned())
            .collect();
        for code in codes(r) {
            assert!(reasons.contains(&code), "no reason for {code}: {r:#}");
        }
    }
}

#[test]
fn id_number_with_an_old_but_real_birth_date_is_valid() {
    let r = run1(rural(vec![person("1899-05-05", 1)]));
    assert_valid(&r);
    assert_eq!(member(&r, 0)["class"], "A");
}

#[test]
fn null_birth_date_beside_an_id_number_is_fine() {
    let r = run1(rural(vec![adult(1).with("birth_date", Value::Null)]));
    assert_valid(&r);
}

#[test]
fn more_amount_forms() {
    let r = income_amount_raw("-0");
    assert_valid(&r);
    let mut failures = vec![];
    for raw in [r#""-.5""#, r#""-""#, "1234.500", r#""1234.5 ""#] {
        let r = income_amount_raw(raw);
        if r["status"] != "invalid" || errors(&r) != set(&["BAD_AMOUNT@0"]) {
            failures.push(format!("{raw}: {r}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn huge_amounts_do_not_stop_the_run() {
    // Amounts of the valid shape but beyond any real household. Whatever the
    // verdict, the run must go on and the other household be evaluated.
    let big = "50000000000000000000000000000";
    let households = vec![
        hh(
            "BIG",
            "rural",
            vec![adult(1).with("incomes", incomes(&[("pension", big), ("other", big)]))],
        ),
        financial(hh("RICH", "rural", vec![adult(2)]), big),
        hh("OK", "rural", vec![adult(3)]),
    ];
    let text = doc(households);
    let outcome = std::panic::catch_unwind(|| eval_text(&[&Pol::base()], &text, D));
    let v = outcome.expect("evaluation must not panic on large amounts");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_status(&results[2], "dibao");
    for r in &results[..2] {
        assert!(
            r["status"] == "ineligible" || r["status"] == "invalid",
            "{r:#}"
        );
    }
}

#[test]
fn birth_after_d_in_both_id_and_birth_date_is_reported_once() {
    let r = run1(rural(vec![
        adult(1),
        person("2027-01-05", 2).with("birth_date", json!("2027-01-05")),
    ]));
    assert_invalid(&r, &["BAD_BIRTH_DATE@1"]);
}

#[test]
fn several_bad_amounts_of_one_member() {
    let r =
        run1(rural(vec![adult(1).with(
            "incomes",
            incomes(&[("wage", "1e3"), ("pension", "1,000")]),
        )]));
    // Two bad incomes: the code may be listed per amount or once per member.
    assert_status(&r, "invalid");
    assert_eq!(errors(&r), set(&["BAD_AMOUNT@0"]), "{r:#}");
}
