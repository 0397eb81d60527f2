//! Property tests of the eligibility engine (spec `eligibility-v1`).
//!
//! Households and policies are generated at random (valid data, with amounts
//! and birth dates biased towards the rule boundaries), written out as
//! `bangfu.household.v1` JSON and `bangfu.policy.v1` TOML, and run through
//! `parse_file` + `evaluate_all`. Besides the general properties (monotone
//! benefit, order independence, determinism, totals, money format) the
//! results are compared with a small reference model of §3 written here from
//! the spec alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use bangfu::engine::evaluate_all;
use bangfu::household_json::parse_file;
use bangfu::id_number::make_id_number;
use bangfu::policy::{Policy, PolicySet};
use chrono::{Datelike, Months, NaiveDate};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::support::ids::{date, REGION};

/// Cases per property: 200, or `PROPTEST_CASES` for a longer hunt.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

// ------------------------------------------------------------ generated data

#[derive(Debug, Clone)]
struct GPolicy {
    rural: i64, // fen
    urban: i64,
    yuan: bool,
    min_benefit: i64,
    marginal: i64, // hundredths
    low: i64,
    asset_months: u32,
    a_up: i64, // hundredths
    b_up: i64,
    a_age: u32,
    b_age: u32,
    child_age: u32,
    review_ab: u32,
    review_c: u32,
    gradual: u32,
    emp: i64,
    excluded: Vec<&'static str>,
    deductible: Vec<&'static str>,
    tk_mult: i64, // hundredths
    tk_min: u32,
    tk_child: u32,
    care: [i64; 3],
    cap: i64,
    township: i64,
}

#[derive(Debug, Clone)]
struct GMember {
    birth: NaiveDate,
    /// One of a few fixed people shared between households (duplicates).
    pool: Option<usize>,
    seq: u32,
    cohabiting: bool,
    disability: Option<(u8, &'static str)>,
    serious: bool,
    work: &'static str,
    self_care: &'static str,
    supporters: Option<Vec<Option<bool>>>,
    incomes: Vec<(&'static str, i64)>,
}

#[derive(Debug, Clone)]
struct GEnrollment {
    program: &'static str,
    monthly: i64,
    last_review: Option<NaiveDate>,
    exceeded: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
struct GHousehold {
    urban: bool,
    members: Vec<GMember>,
    expenses: Vec<(&'static str, i64)>,
    financial: i64,
    disqualifying: Vec<&'static str>,
    enrollment: Option<GEnrollment>,
    temp_aid: Option<(i64, Option<i64>)>,
}

const INCOME_KINDS: [&str; 10] = [
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
const EXPENSE_KINDS: [&str; 4] = ["medical", "education", "disability_care", "other"];
const DISABILITY_KINDS: [&str; 7] = [
    "physical",
    "visual",
    "hearing",
    "speech",
    "intellectual",
    "mental",
    "multiple",
];
const ABILITIES: [&str; 3] = ["full", "partial", "none"];
const POOL: [(&str, u32); 3] = [
    ("1950-05-05", 901),
    ("1985-08-08", 902),
    ("2012-02-02", 903),
];

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap()
}

fn sub_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(12 * years)).unwrap()
}

fn fen(x: i64) -> String {
    assert!(x >= 0);
    format!("{}.{:02}", x / 100, x % 100)
}

fn hundredths(x: i64) -> String {
    format!("{}.{:02}", x / 100, x % 100)
}

/// Money amount written in one of the accepted forms.
fn amount_text(x: i64) -> Value {
    if x % 100 == 0 && x % 300 == 0 {
        json!(format!("{}", x / 100))
    } else {
        json!(fen(x))
    }
}

/// Amounts in fen, often on round figures so that boundaries are hit.
fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        0..=600_000i64,
        (0..=40i64).prop_map(|k| k * 60_000),
        (0..=100i64).prop_map(|k| k * 12_000),
        (0..=200i64).prop_map(|k| k * 10_000),
    ]
}

fn policy_strategy() -> impl Strategy<Value = GPolicy> {
    let money = (
        prop_oneof![(4..=20i64).prop_map(|k| k * 5_000), 20_000..=100_000i64],
        prop_oneof![
            Just(0i64),
            (0..=8i64).prop_map(|k| k * 5_000),
            0..=40_000i64
        ],
        any::<bool>(),
        prop_oneof![
            Just(100i64),
            (1..=50i64).prop_map(|k| k * 100),
            1..=5_000i64
        ],
        100..=200i64,
        0..=100i64,
        6..=36u32,
        0..=50i64,
        0..=50i64,
    );
    let ages = (
        70..=85u32,
        55..=69u32,
        12..=18u32,
        1..=24u32,
        1..=12u32,
        1..=12u32,
        prop_oneof![
            Just(0i64),
            (0..=20i64).prop_map(|k| k * 1_000),
            0..=20_000i64
        ],
    );
    let kinds = (
        prop::sample::subsequence(
            vec![
                "disability_subsidy",
                "award",
                "education_aid",
                "transfer",
                "alimony",
                "property",
            ],
            0..=4,
        ),
        prop::sample::subsequence(EXPENSE_KINDS.to_vec(), 0..=4),
    );
    let tekun = (
        100..=150i64,
        55..=70u32,
        12..=18u32,
        0..=20_000i64,
        0..=60_000i64,
        0..=100_000i64,
        100_000..=3_000_000i64,
        0..=100i64,
    );
    (money, ages, kinds, tekun).prop_map(|(m, a, k, t)| GPolicy {
        rural: m.0,
        urban: m.0 + m.1,
        yuan: m.2,
        min_benefit: m.3,
        marginal: m.4,
        low: m.4 + m.5,
        asset_months: m.6,
        a_up: m.7,
        b_up: m.8,
        a_age: a.0,
        b_age: a.1,
        child_age: a.2,
        review_ab: a.3,
        review_c: a.4,
        gradual: a.5,
        emp: a.6,
        excluded: k.0,
        deductible: k.1,
        tk_mult: t.0,
        tk_min: t.1,
        tk_child: t.2,
        care: [t.3, t.4, t.5],
        cap: t.6,
        township: t.6 * t.7 / 100,
    })
}

impl GPolicy {
    fn toml(&self) -> String {
        let list = |v: &[&str]| {
            let items: Vec<String> = v.iter().map(|k| format!("\"{k}\"")).collect();
            format!("[{}]", items.join(", "))
        };
        format!(
            r#"format = "bangfu.policy.v1"
region_code = "{REGION}"
region_name = "属性县"
effective_from = "2020-01-01"
version = "P-1"

[dibao]
urban_standard_monthly = "{urban}"
rural_standard_monthly = "{rural}"
benefit_rounding = "{rounding}"
min_household_benefit = "{min}"
marginal_multiplier = "{marginal}"
low_income_multiplier = "{low}"
financial_asset_limit_months = {asset_months}
class_a_uplift = "{a_up}"
class_b_uplift = "{b_up}"
class_a_min_age = {a_age}
class_b_min_age = {b_age}
class_b_max_child_age = {child_age}
review_months_ab = {review_ab}
review_months_c = {review_c}
gradual_exit_months = {gradual}
employment_cost_monthly = "{emp}"
excluded_income_kinds = {excluded}
deductible_expense_kinds = {deductible}

[tekun]
basic_multiplier = "{tk_mult}"
min_age = {tk_min}
max_child_age = {tk_child}

[tekun.care_monthly]
full = "{care0}"
partial = "{care1}"
none = "{care2}"

[temp_aid]
annual_cap = "{cap}"
township_limit = "{township}"
"#,
            urban = fen(self.urban),
            rural = fen(self.rural),
            rounding = if self.yuan { "yuan" } else { "fen" },
            min = fen(self.min_benefit),
            marginal = hundredths(self.marginal),
            low = hundredths(self.low),
            asset_months = self.asset_months,
            a_up = hundredths(self.a_up),
            b_up = hundredths(self.b_up),
            a_age = self.a_age,
            b_age = self.b_age,
            child_age = self.child_age,
            review_ab = self.review_ab,
            review_c = self.review_c,
            gradual = self.gradual,
            emp = fen(self.emp),
            excluded = list(&self.excluded),
            deductible = list(&self.deductible),
            tk_mult = hundredths(self.tk_mult),
            tk_min = self.tk_min,
            tk_child = self.tk_child,
            care0 = fen(self.care[0]),
            care1 = fen(self.care[1]),
            care2 = fen(self.care[2]),
            cap = fen(self.cap),
            township = fen(self.township),
        )
    }

    fn policy_set(&self) -> PolicySet {
        let p = Policy::from_toml(&self.toml(), "generated").expect("generated policy is valid");
        PolicySet::new(vec![p]).unwrap()
    }
}

fn d_strategy() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        Just(date("2026-12-01")),
        Just(date("2027-02-28")),
        Just(date("2027-03-01")),
        Just(date("2028-02-29")),
        (0..=1095i64).prop_map(|k| date("2026-01-01") + chrono::Duration::days(k)),
    ]
}

/// A birth date relative to D: often exactly k years before D (a birthday) or a day off.
fn birth_strategy(d: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    (
        1..=100u32,
        prop_oneof![Just(0i64), Just(-1i64), Just(1i64), -400..=0i64],
    )
        .prop_map(move |(k, delta)| {
            let b = sub_years(d, k) + chrono::Duration::days(delta);
            b.min(d)
        })
}

fn member_strategy(d: NaiveDate, pool: bool) -> impl Strategy<Value = GMember> {
    let disability = prop_oneof![
        6 => Just(None),
        4 => (1..=4u8, prop::sample::select(DISABILITY_KINDS.to_vec())).prop_map(Some),
    ];
    let supporters = prop_oneof![
        Just(None),
        prop::collection::vec(
            prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
            0..=2
        )
        .prop_map(Some),
    ];
    let incomes = prop::collection::vec(
        (prop::sample::select(INCOME_KINDS.to_vec()), amount()),
        0..=3,
    );
    let pool_pick = if pool {
        prop_oneof![8 => Just(None), 2 => (0..POOL.len()).prop_map(Some)].boxed()
    } else {
        Just(None).boxed()
    };
    (
        birth_strategy(d),
        pool_pick,
        prop::bool::weighted(0.85),
        disability,
        prop::bool::weighted(0.15),
        prop::sample::select(ABILITIES.to_vec()),
        prop::sample::select(ABILITIES.to_vec()),
        supporters,
        incomes,
    )
        .prop_map(
            |(
                birth,
                pool,
                cohabiting,
                disability,
                serious,
                work,
                self_care,
                supporters,
                incomes,
            )| {
                GMember {
                    birth: match pool {
                        Some(i) => date(POOL[i].0),
                        None => birth,
                    },
                    pool,
                    seq: 0,
                    cohabiting,
                    disability,
                    serious,
                    work,
                    self_care,
                    supporters,
                    incomes,
                }
            },
        )
}

fn date_before(d: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (0..=36u32).prop_map(move |m| d.checked_sub_months(Months::new(m)).unwrap()),
        (0..=800i64).prop_map(move |k| d - chrono::Duration::days(k)),
    ]
}

fn household_strategy(d: NaiveDate, pool: bool) -> impl Strategy<Value = GHousehold> {
    let enrollment = prop_oneof![
        1 => Just(None),
        1 => (
            prop_oneof![4 => Just("dibao"), 1 => Just("tekun")],
            amount(),
            prop::option::of(date_before(d)),
            prop::option::of(date_before(d)),
        )
            .prop_map(|(program, monthly, last_review, exceeded)| Some(GEnrollment {
                program,
                monthly,
                last_review,
                exceeded,
            })),
    ];
    let temp_aid = prop_oneof![
        2 => Just(None),
        1 => (amount(), prop::option::of(amount())).prop_map(|(r, g)| Some((r * 3, g.map(|g| g * 3)))),
    ];
    (
        any::<bool>(),
        prop::collection::vec(member_strategy(d, pool), 1..=4),
        prop::collection::vec(
            (prop::sample::select(EXPENSE_KINDS.to_vec()), amount()),
            0..=2,
        ),
        prop_oneof![4 => Just(0i64), 4 => amount(), 1 => 0..=10_000_000i64],
        prop_oneof![
            6 => Just(vec![]),
            1 => prop::sample::subsequence(
                vec!["non_essential_vehicle", "company_ownership", "commercial_property"],
                1..=2
            ),
        ],
        enrollment,
        temp_aid,
    )
        .prop_map(
            |(urban, mut members, expenses, financial, disqualifying, enrollment, temp_aid)| {
                members[0].cohabiting = true;
                for (i, m) in members.iter_mut().enumerate() {
                    m.seq = i as u32 + 1;
                }
                GHousehold {
                    urban,
                    members,
                    expenses,
                    financial,
                    disqualifying,
                    enrollment,
                    temp_aid,
                }
            },
        )
}

impl GMember {
    fn id_number(&self, household: usize) -> String {
        match self.pool {
            Some(i) => make_id_number(REGION, date(POOL[i].0), POOL[i].1),
            None => make_id_number(REGION, self.birth, household as u32 * 10 + self.seq),
        }
    }

    fn json(&self, household: usize) -> Value {
        let mut m = json!({
            "name": format!("成员{}", self.seq),
            "id_number": self.id_number(household),
            "relation": if self.seq == 1 { "self" } else { "other" },
            "cohabiting": self.cohabiting,
            "disability": self.disability.map(|(g, k)| json!({"grade": g, "kind": k})),
            "serious_illness": self.serious,
            "work_capacity": self.work,
            "self_care": self.self_care,
            "incomes": self.incomes.iter()
                .map(|(k, a)| json!({"kind": k, "annual": amount_text(*a)}))
                .collect::<Vec<_>>(),
        });
        if let Some(list) = &self.supporters {
            m["supporters"] = list
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mut s = json!({"name": format!("义务人{i}"), "relation": "child"});
                    if let Some(c) = c {
                        s["capable"] = json!(c);
                    }
                    s
                })
                .collect();
        }
        m
    }
}

impl GHousehold {
    fn json(&self, index: usize) -> Value {
        let mut h = json!({
            "id": format!("H{index:03}"),
            "region_code": REGION,
            "village": "属性村",
            "hukou": if self.urban { "urban" } else { "rural" },
            "members": self.members.iter().map(|m| m.json(index)).collect::<Vec<_>>(),
            "expenses": self.expenses.iter()
                .map(|(k, a)| json!({"kind": k, "annual": amount_text(*a)}))
                .collect::<Vec<_>>(),
            "assets": {"financial": amount_text(self.financial), "disqualifying": self.disqualifying},
        });
        if let Some(e) = &self.enrollment {
            h["enrollment"] = json!({
                "program": e.program,
                "since": "2023-01-01",
                "monthly_amount": amount_text(e.monthly),
                "class": "C",
                "last_review": e.last_review.map(|d| d.to_string()),
                "exceeded_since": e.exceeded.map(|d| d.to_string()),
            });
        }
        if let Some((requested, granted)) = self.temp_aid {
            let mut t = json!({"requested": amount_text(requested)});
            if let Some(g) = granted {
                t["granted_this_year"] = amount_text(g);
            }
            h["temp_aid"] = t;
        }
        h
    }

    /// Same ID number twice in the household (→ DUPLICATE_MEMBER).
    fn has_duplicate_member(&self, index: usize) -> bool {
        let mut seen = BTreeSet::new();
        self.members
            .iter()
            .any(|m| !seen.insert(m.id_number(index)))
    }
}

/// Households written out with ids `H000`, `H001`, … in the given order of indices.
fn document(households: &[(usize, &GHousehold)]) -> String {
    let list: Vec<Value> = households.iter().map(|(i, h)| h.json(*i)).collect();
    json!({"format": "bangfu.household.v1", "households": list}).to_string()
}

fn evaluate(policy: &GPolicy, text: &str, d: NaiveDate) -> Value {
    let parsed = parse_file(text).expect("generated file parses");
    let report = evaluate_all(&policy.policy_set(), &parsed, d).expect("policy in force");
    serde_json::to_value(&report).unwrap()
}

fn results_by_id(v: &Value) -> BTreeMap<String, Value> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r.clone()))
        .collect()
}

// -------------------------------------------------------- reference model

fn dec(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn half_up(x: Decimal, dp: u32) -> Decimal {
    x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

fn fmt2(x: Decimal) -> String {
    let mut x = half_up(x, 2);
    x.rescale(2);
    x.to_string()
}

fn age(birth: NaiveDate, d: NaiveDate) -> u32 {
    let mut years = d.year() - birth.year();
    if (d.month(), d.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

fn class_rank(c: char) -> u8 {
    match c {
        'A' => 2,
        'B' => 1,
        _ => 0,
    }
}

/// The result §3/§4 prescribe for a valid household (without `reasons`).
fn model(p: &GPolicy, h: &GHousehold, d: NaiveDate, duplicate: bool) -> Value {
    let s = dec(if h.urban { p.urban } else { p.rural });
    let round_benefit = |x: Decimal| half_up(x, if p.yuan { 0 } else { 2 });
    let twelve = Decimal::from(12);
    let cohab: Vec<(usize, &GMember)> = h
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.cohabiting)
        .collect();
    let n = Decimal::from(cohab.len());
    let financial_ok = dec(h.financial) <= Decimal::from(p.asset_months) * s * n;
    let disq = !h.disqualifying.is_empty();
    let assets_ok = financial_ok && !disq;

    struct M {
        index: usize,
        class: char,
        severe_or_ill: bool,
        counted: Decimal,
        emp: Decimal,
        own: Decimal,
        tekun: bool,
        tekun_benefit: Decimal,
    }
    let mut members: Vec<M> = cohab
        .iter()
        .map(|(index, m)| {
            let a = age(m.birth, d);
            let severe = m
                .disability
                .is_some_and(|(g, k)| g <= 2 || (g == 3 && (k == "intellectual" || k == "mental")));
            let class = if severe || m.serious || a >= p.a_age {
                'A'
            } else if a >= p.b_age || a < p.child_age || m.disability.is_some() {
                'B'
            } else {
                'C'
            };
            let counted: Decimal = m
                .incomes
                .iter()
                .filter(|(k, _)| !p.excluded.contains(k))
                .map(|(_, a)| dec(*a))
                .sum();
            let wb: Decimal = m
                .incomes
                .iter()
                .filter(|(k, _)| *k == "wage" || *k == "business")
                .map(|(_, a)| dec(*a))
                .sum();
            let emp = wb.min(twelve * dec(p.emp));
            let own = half_up(counted / twelve, 2);
            let no_capacity = a >= p.tk_min || a < p.tk_child || severe || m.work == "none";
            let no_supporter = m
                .supporters
                .as_ref()
                .is_some_and(|l| l.iter().all(|c| *c != Some(true)));
            let tekun = no_capacity && own < s && no_supporter && assets_ok;
            let care = match m.self_care {
                "full" => p.care[0],
                "partial" => p.care[1],
                _ => p.care[2],
            };
            let tekun_benefit = if tekun {
                round_benefit(s * Decimal::new(p.tk_mult, 2) + dec(care))
            } else {
                Decimal::ZERO
            };
            M {
                index: *index,
                class,
                severe_or_ill: severe || m.serious,
                counted,
                emp,
                own,
                tekun,
                tekun_benefit,
            }
        })
        .collect();

    let mut codes: BTreeSet<&str> = BTreeSet::new();
    if members.iter().any(|m| m.tekun) {
        codes.insert("TEKUN");
    }
    if duplicate {
        codes.insert("DUPLICATE_ID_NUMBER");
    }
    let temp_aid = h.temp_aid.map(|(requested, granted)| {
        let remaining = (dec(p.cap) - dec(granted.unwrap_or(0))).max(Decimal::ZERO);
        let grantable = dec(requested).min(remaining);
        let level = if grantable.is_zero() {
            "none"
        } else if grantable <= dec(p.township) {
            "township"
        } else {
            "county"
        };
        if grantable < dec(requested) {
            codes.insert("TEMP_AID_CAP_LIMITED");
        }
        if level == "county" {
            codes.insert("TEMP_AID_COUNTY_APPROVAL");
        }
        json!({"grantable": fmt2(grantable), "approval_level": level})
    });

    let r: Vec<usize> = (0..members.len()).filter(|&i| !members[i].tekun).collect();
    let mut status = "tekun";
    let mut pci = None;
    let mut monthly = Decimal::ZERO;
    let mut household_class = None;
    let mut next_review = None;
    let mut overdue = false;
    let mut exit_at = None;
    let mut single = vec![Decimal::ZERO; members.len()];
    // Granted even when the amount rounds to zero (own income just below S).
    let mut granted = vec![false; members.len()];
    if !r.is_empty() {
        let size = Decimal::from(r.len());
        let deductible: Decimal = h
            .expenses
            .iter()
            .filter(|(k, _)| p.deductible.contains(k))
            .map(|(_, a)| dec(*a))
            .sum();
        let net: Decimal = r
            .iter()
            .map(|&i| members[i].counted - members[i].emp)
            .sum::<Decimal>()
            - deductible;
        let value = half_up(net.max(Decimal::ZERO) / (twelve * size), 2);
        pci = Some(value);
        if value >= s {
            codes.insert("INCOME_NOT_BELOW_STANDARD");
        }
        if !financial_ok {
            codes.insert("ASSET_FINANCIAL_OVER_LIMIT");
        }
        if disq {
            codes.insert("ASSET_DISQUALIFYING");
        }
        let best = r
            .iter()
            .map(|&i| members[i].class)
            .max_by_key(|c| class_rank(*c));
        let uplift = |c: char| match c {
            'A' => Decimal::new(p.a_up, 2),
            'B' => Decimal::new(p.b_up, 2),
            _ => Decimal::ZERO,
        };
        let enrolled = h.enrollment.as_ref().filter(|e| e.program == "dibao");
        let mut decided = false;
        if value < s && assets_ok {
            status = "dibao";
            codes.insert("DIBAO_ELIGIBLE");
            let gap = s - value;
            let raw = gap * size
                + r.iter()
                    .map(|&i| gap * uplift(members[i].class))
                    .sum::<Decimal>();
            monthly = round_benefit(raw);
            if monthly < dec(p.min_benefit) {
                monthly = dec(p.min_benefit);
                codes.insert("MIN_BENEFIT_APPLIED");
            }
            household_class = best;
            let base = enrolled.and_then(|e| e.last_review).unwrap_or(d);
            let months = if best == Some('C') {
                p.review_c
            } else {
                p.review_ab
            };
            let next = add_months(base, months);
            next_review = Some(next);
            overdue = next < d;
            if overdue {
                codes.insert("REVIEW_OVERDUE");
            }
            decided = true;
        } else if let Some(e) = enrolled {
            if assets_ok && value <= Decimal::new(p.low, 2) * s {
                let exit = add_months(e.exceeded.unwrap_or(d), p.gradual);
                if d < exit {
                    status = "gradual_exit";
                    codes.insert("GRADUAL_EXIT");
                    monthly = dec(e.monthly);
                    household_class = best;
                    exit_at = Some(exit);
                    decided = true;
                } else {
                    codes.insert("GRADUAL_EXIT_ENDED");
                }
            }
        }
        if !decided {
            if value < Decimal::new(p.marginal, 2) * s && assets_ok {
                status = "marginal";
                codes.insert("MARGINAL");
                for &i in &r {
                    let m = &members[i];
                    if m.severe_or_ill && m.own < s {
                        single[i] = round_benefit((s - m.own) * (Decimal::ONE + uplift(m.class)));
                        granted[i] = true;
                        codes.insert("SINGLE_PERSON_DIBAO");
                    }
                }
            } else if value <= Decimal::new(p.low, 2) * s && assets_ok {
                status = "low_income";
                codes.insert("LOW_INCOME");
            } else {
                status = "ineligible";
            }
        }
    }
    let total = monthly
        + members.iter().map(|m| m.tekun_benefit).sum::<Decimal>()
        + single.iter().sum::<Decimal>();
    let member_json: Vec<Value> = members
        .iter_mut()
        .zip(single.iter().zip(&granted))
        .map(|(m, (sp, granted))| {
            json!({
                "index": m.index,
                "class": m.class.to_string(),
                "tekun": m.tekun,
                "tekun_benefit": fmt2(m.tekun_benefit),
                "single_person_dibao": *granted,
                "single_person_benefit": fmt2(*sp),
            })
        })
        .collect();
    let mut out = json!({
        "status": status,
        "standard": fmt2(s),
        "household_size": r.len(),
        "per_capita_income": pci.map(fmt2),
        "monthly_benefit": fmt2(monthly),
        "household_class": household_class.map(|c| c.to_string()),
        "next_review": next_review.map(|n| n.to_string()),
        "review_overdue": overdue,
        "temp_aid": temp_aid,
        "members": member_json,
        "total_monthly": fmt2(total),
        "codes": codes.into_iter().collect::<Vec<_>>(),
    });
    if let Some(e) = exit_at {
        out["exit_at"] = json!(e.to_string());
    }
    out
}

/// Engine result without `id`/`reasons`, codes sorted: comparable with [`model`].
fn comparable(r: &Value) -> Value {
    let mut r = r.clone();
    let o = r.as_object_mut().unwrap();
    o.remove("id");
    o.remove("reasons");
    if let Some(codes) = o.get_mut("codes") {
        let mut list: Vec<String> = codes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        list.sort();
        *codes = json!(list);
    }
    r
}

// -------------------------------------------------------------- money checks

const MONEY_KEYS: [&str; 7] = [
    "standard",
    "per_capita_income",
    "monthly_benefit",
    "total_monthly",
    "tekun_benefit",
    "single_person_benefit",
    "grantable",
];

fn is_money(s: &str) -> bool {
    let Some((int, frac)) = s.split_once('.') else {
        return false;
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'))
        && frac.len() == 2
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn bad_money(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let p = format!("{path}.{k}");
                if MONEY_KEYS.contains(&k.as_str()) {
                    match x {
                        Value::String(s) if is_money(s) => {}
                        Value::Null if k == "per_capita_income" => {}
                        _ => out.push(format!("{p} = {x}")),
                    }
                } else {
                    bad_money(x, &p, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                bad_money(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn money(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("money {v}"))).unwrap()
}

// ---------------------------------------------------------------- properties

fn one_household() -> impl Strategy<Value = (GPolicy, NaiveDate, GHousehold)> {
    (policy_strategy(), d_strategy())
        .prop_flat_map(|(p, d)| (Just(p), Just(d), household_strategy(d, false)))
}

fn many_households() -> impl Strategy<Value = (GPolicy, NaiveDate, Vec<GHousehold>)> {
    (policy_strategy(), d_strategy()).prop_flat_map(|(p, d)| {
        (
            Just(p),
            Just(d),
            prop::collection::vec(household_strategy(d, true), 1..=6),
        )
    })
}

proptest! {
    // No regression files: the suite must only ever write its own two files.
    // A fixed seed: CI runs the same cases every time (set more with PROPTEST_CASES).
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6261_6e67_6675),
        ..ProptestConfig::with_cases(cases())
    })]

    /// While a household stays in 低保, more income never raises its benefit.
    #[test]
    fn more_income_never_raises_dibao_benefit(
        (p, d, h) in one_household(),
        who in any::<prop::sample::Index>(),
        extra in 1..=2_000_000i64,
        kind in prop::sample::select(vec!["wage", "business", "pension", "other", "transfer"]),
    ) {
        let before = evaluate(&p, &document(&[(0, &h)]), d);
        let before = &before["results"][0];
        let i = who.index(h.members.len());
        // A 特困 member who gains income may leave 特困 and join the 低保
        // household, which changes |R|: only add to members outside 特困.
        let is_tekun = before["members"].as_array().is_some_and(|ms| {
            ms.iter().any(|m| m["index"] == i && m["tekun"] == true)
        });
        if is_tekun {
            return Ok(());
        }
        let mut richer = h.clone();
        richer.members[i].incomes.push((kind, extra));
        let after = evaluate(&p, &document(&[(0, &richer)]), d);
        let after = &after["results"][0];
        if before["status"] == "dibao" && after["status"] == "dibao" {
            prop_assert!(
                money(&after["monthly_benefit"]) <= money(&before["monthly_benefit"]),
                "benefit rose from {} to {} after +{} {kind} for member {i}\nbefore {before:#}\nafter {after:#}\npolicy:\n{}",
                before["monthly_benefit"], after["monthly_benefit"], fen(extra), p.toml()
            );
        }
    }

    /// Results do not depend on the order of the households.
    #[test]
    fn results_do_not_depend_on_household_order(
        ((p, d, hs), order) in many_households().prop_flat_map(|(p, d, hs)| {
            let n = hs.len();
            (Just((p, d, hs)), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let forward: Vec<(usize, &GHousehold)> = hs.iter().enumerate().collect();
        let shuffled: Vec<(usize, &GHousehold)> = order.iter().map(|&i| (i, &hs[i])).collect();
        let a = evaluate(&p, &document(&forward), d);
        let b = evaluate(&p, &document(&shuffled), d);
        prop_assert_eq!(results_by_id(&a), results_by_id(&b));
        // and each is in its own input order
        let ids: Vec<String> = b["results"].as_array().unwrap().iter()
            .map(|r| r["id"].as_str().unwrap().to_owned()).collect();
        let want: Vec<String> = order.iter().map(|i| format!("H{i:03}")).collect();
        prop_assert_eq!(ids, want);
    }

    /// The same input always gives byte-identical output.
    #[test]
    fn same_input_gives_identical_bytes((p, d, hs) in many_households()) {
        let text = document(&hs.iter().enumerate().collect::<Vec<_>>());
        let set = p.policy_set();
        let run = || {
            let parsed = parse_file(&text).unwrap();
            serde_json::to_string(&evaluate_all(&set, &parsed, d).unwrap()).unwrap()
        };
        let first = run();
        for _ in 0..3 {
            prop_assert_eq!(&first, &run());
        }
    }

    /// total_monthly = monthly_benefit + Σ member benefits; money has two decimals.
    #[test]
    fn totals_add_up_and_money_has_two_decimals((p, d, hs) in many_households()) {
        let text = document(&hs.iter().enumerate().collect::<Vec<_>>());
        let v = evaluate(&p, &text, d);
        let mut bad = vec![];
        bad_money(&v, "", &mut bad);
        prop_assert!(bad.is_empty(), "{bad:?}");
        for r in v["results"].as_array().unwrap() {
            if r["status"] == "invalid" {
                continue;
            }
            let members: Decimal = r["members"].as_array().unwrap().iter()
                .map(|m| money(&m["tekun_benefit"]) + money(&m["single_person_benefit"]))
                .sum();
            prop_assert_eq!(
                money(&r["total_monthly"]),
                money(&r["monthly_benefit"]) + members,
                "{:#}", r
            );
        }
    }

    /// Each valid household gets exactly what the reference model of §3 gives.
    #[test]
    fn single_household_matches_reference_model((p, d, h) in one_household()) {
        let v = evaluate(&p, &document(&[(0, &h)]), d);
        let got = comparable(&v["results"][0]);
        let want = model(&p, &h, d, false);
        prop_assert_eq!(
            &got, &want,
            "D = {}\npolicy:\n{}\nhousehold:\n{:#}", d, p.toml(), h.json(0)
        );
    }

    /// The same, across several households with shared members (DUPLICATE_ID_NUMBER).
    #[test]
    fn many_households_match_reference_model((p, d, hs) in many_households()) {
        let text = document(&hs.iter().enumerate().collect::<Vec<_>>());
        let v = evaluate(&p, &text, d);
        let mut holders: HashMap<String, BTreeSet<usize>> = HashMap::new();
        for (i, h) in hs.iter().enumerate() {
            for m in h.members.iter().filter(|m| m.cohabiting) {
                holders.entry(m.id_number(i)).or_default().insert(i);
            }
        }
        for (i, h) in hs.iter().enumerate() {
            let got = &v["results"][i];
            if h.has_duplicate_member(i) {
                prop_assert_eq!(&got["status"], "invalid");
                let codes: BTreeSet<&str> = got["errors"].as_array().unwrap().iter()
                    .map(|e| e["code"].as_str().unwrap()).collect();
                prop_assert_eq!(codes, BTreeSet::from(["DUPLICATE_MEMBER"]));
                continue;
            }
            let dup = h.members.iter().filter(|m| m.cohabiting)
                .any(|m| holders[&m.id_number(i)].len() > 1);
            let want = model(&p, h, d, dup);
            prop_assert_eq!(
                &comparable(got), &want,
                "household H{:03}; D = {}\npolicy:\n{}\nfile:\n{}", i, d, p.toml(), text
            );
        }
    }

    /// Spec-level invariants of every valid result.
    #[test]
    fn results_are_internally_consistent((p, d, hs) in many_households()) {
        let text = document(&hs.iter().enumerate().collect::<Vec<_>>());
        let v = evaluate(&p, &text, d);
        for (i, r) in v["results"].as_array().unwrap().iter().enumerate() {
            let status = r["status"].as_str().unwrap();
            if status == "invalid" {
                continue;
            }
            let members = r["members"].as_array().unwrap();
            let cohab: Vec<usize> = hs[i].members.iter().enumerate()
                .filter(|(_, m)| m.cohabiting).map(|(k, _)| k).collect();
            let idx: Vec<usize> = members.iter()
                .map(|m| m["index"].as_u64().unwrap() as usize).collect();
            prop_assert_eq!(idx, cohab);
            let non_tekun = members.iter().filter(|m| m["tekun"] == false).count();
            prop_assert_eq!(r["household_size"].as_u64().unwrap() as usize, non_tekun);
            prop_assert_eq!(r["per_capita_income"].is_null(), non_tekun == 0);
            prop_assert_eq!(status == "tekun", non_tekun == 0);
            prop_assert_eq!(r.get("exit_at").is_some(), status == "gradual_exit");
            prop_assert_eq!(!r["next_review"].is_null(), status == "dibao");
            let codes: BTreeSet<&str> = r["codes"].as_array().unwrap().iter()
                .map(|c| c.as_str().unwrap()).collect();
            prop_assert_eq!(codes.contains("DIBAO_ELIGIBLE"), status == "dibao");
            prop_assert_eq!(codes.contains("GRADUAL_EXIT"), status == "gradual_exit");
            prop_assert_eq!(codes.contains("MARGINAL"), status == "marginal");
            prop_assert_eq!(codes.contains("LOW_INCOME"), status == "low_income");
            prop_assert_eq!(codes.contains("TEKUN"), members.iter().any(|m| m["tekun"] == true));
            prop_assert_eq!(
                codes.contains("SINGLE_PERSON_DIBAO"),
                members.iter().any(|m| m["single_person_dibao"] == true)
            );
            if codes.contains("SINGLE_PERSON_DIBAO") {
                prop_assert_eq!(status, "marginal");
            }
            if let Some(pci) = r["per_capita_income"].as_str() {
                let pci = Decimal::from_str(pci).unwrap();
                let s = money(&r["standard"]);
                prop_assert_eq!(codes.contains("INCOME_NOT_BELOW_STANDARD"), pci >= s, "{:#}", r);
                match status {
                    "dibao" => {
                        prop_assert!(pci < s);
                        prop_assert!(money(&r["monthly_benefit"]) >= dec(p.min_benefit));
                    }
                    "marginal" => prop_assert!(s <= pci && pci < Decimal::new(p.marginal, 2) * s),
                    "low_income" => prop_assert!(
                        Decimal::new(p.marginal, 2) * s <= pci && pci <= Decimal::new(p.low, 2) * s
                    ),
                    "gradual_exit" => prop_assert!(s <= pci && pci <= Decimal::new(p.low, 2) * s),
                    _ => {}
                }
            }
        }
    }
}
