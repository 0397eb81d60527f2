//! Property tests of the eligibility engine under rules v2 (spec
//! `eligibility-v2`, on top of `eligibility-v1`).
//!
//! Policies (`bangfu.policy.v2`, every v2 parameter varied, citations
//! included) and households (`bangfu.household.v2`: supporters with and
//! without their families' figures, children around the 孤儿 and 特困 ages,
//! disabilities of every grade and kind, 低保 and 特困 enrollments, home
//! visits, 临时救助 grants across years) are generated at random, biased
//! towards the rule boundaries, and run through `parse_file` +
//! `evaluate_all`. Every field but the free-text `reasons` is compared with
//! a small reference model of v1 §3 + v2 written here from the two specs
//! alone; each reason must cite what the policy says for its key. Besides:
//! totals add up; each invalid v2 field gives the error v2 names for it; a
//! v1 policy ignores every v2-only household field and prints exactly
//! `bangfu.eval.v1`; given a v1 and a v2 version, the one in force decides;
//! and the generator reaches every status, code and approval level.
//!
//! Readings of the spec the model takes where it leaves a choice:
//! - a `living_monthly` (like a care subsidy) of "0.00" is no subsidy and
//!   gives no `DISABILITY_LIVING_SUBSIDY`;
//! - with `child_route = "orphan"`, a child at or above `orphan.max_age`
//!   but below `tekun.max_child_age` goes through step 1 (may be 特困);
//! - `SUPPORTER_NOT_ASSESSED` is given whenever one supporter is not
//!   assessed, even beside a capable one;
//! - `TEMP_AID_CASE_BY_CASE` whenever `case_by_case` is true; `prepay` comes
//!   before `township`/`county` even above `township_limit`.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use bangfu::engine::evaluate_all;
use bangfu::household_json::parse_file;
use bangfu::id_number::make_id_number;
use bangfu::policy::{Policy, PolicySet};
use chrono::{Datelike, Duration, Months, NaiveDate};
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

/// A `bangfu.policy.v2`: amounts in fen, multipliers and shares in hundredths.
#[derive(Debug, Clone)]
struct GPolicy {
    rural: i64,
    urban: i64,
    yuan: bool,
    min_benefit: i64,
    marginal: i64,
    low: i64,
    asset_months: u32,
    a_up: i64,
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
    severe_full: bool,
    ceiling_none: bool,
    next_month: bool,
    scope_not_dibao: bool,
    groups: Vec<&'static str>,
    tk_mult: i64,
    tk_min: u32,
    tk_child: u32,
    supp_mult: i64,
    supp_age: u32,
    supp_asset_months: u32,
    orphan_route: bool,
    tk_review: u32,
    care: [i64; 3],
    orphan_allowance: i64,
    orphan_age: u32,
    cap: i64,
    township: i64,
    case_cap: i64,
    prepay: i64,
    /// dibao, gradual_exit, tekun, marginal, low_income.
    visits: [u32; 5],
    living: i64,
    living_statuses: Vec<&'static str>,
    /// grade1, grade2, grade3_4_intellectual_mental.
    care_sub: [i64; 3],
    rigid: i64,
    /// Keys with a citation (the text is made from the key).
    citations: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct GSupporter {
    capable: Option<bool>,
    age: Option<u32>,
    size: Option<u32>,
    income: Option<i64>,
    assets: Option<i64>,
}

#[derive(Debug, Clone)]
struct GMember {
    birth: NaiveDate,
    seq: u32,
    cohabiting: bool,
    disability: Option<(u8, &'static str)>,
    serious: bool,
    work: &'static str,
    self_care: &'static str,
    supporters: Option<Vec<GSupporter>>,
    incomes: Vec<(&'static str, i64)>,
}

#[derive(Debug, Clone)]
struct GEnrollment {
    program: &'static str,
    /// `None`: written as null (or left out, per `absent`) — only for 特困.
    monthly: Option<i64>,
    last_review: Option<NaiveDate>,
    exceeded: Option<NaiveDate>,
    /// A 特困 enrollment leaves out the fields it may omit.
    absent: bool,
}

#[derive(Debug, Clone)]
enum Granted {
    Nothing,
    ThisYear(i64),
    Grants(Vec<(NaiveDate, i64)>),
}

#[derive(Debug, Clone)]
struct GTempAid {
    requested: i64,
    kind: Option<&'static str>,
    case_by_case: Option<bool>,
    granted: Granted,
}

#[derive(Debug, Clone)]
struct GHousehold {
    urban: bool,
    members: Vec<GMember>,
    expenses: Vec<(&'static str, i64)>,
    financial: i64,
    disqualifying: Vec<&'static str>,
    enrollment: Option<GEnrollment>,
    temp_aid: Option<GTempAid>,
    last_visit: Option<NaiveDate>,
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
const GROUPS: [&str; 3] = ["severe_disability", "serious_illness", "mental_disability"];
const LIVING_STATUSES: [&str; 4] = ["dibao", "gradual_exit", "marginal", "low_income"];
const VISIT_STATUSES: [&str; 5] = ["dibao", "gradual_exit", "tekun", "marginal", "low_income"];

/// Every key of a generated policy that holds a value (what `[citations]` may name).
const POLICY_KEYS: &[&str] = &[
    "region_code",
    "region_name",
    "effective_from",
    "version",
    "dibao.urban_standard_monthly",
    "dibao.rural_standard_monthly",
    "dibao.benefit_rounding",
    "dibao.min_household_benefit",
    "dibao.marginal_multiplier",
    "dibao.low_income_multiplier",
    "dibao.financial_asset_limit_months",
    "dibao.class_a_uplift",
    "dibao.class_b_uplift",
    "dibao.class_a_min_age",
    "dibao.class_b_min_age",
    "dibao.class_b_max_child_age",
    "dibao.review_months_ab",
    "dibao.review_months_c",
    "dibao.gradual_exit_months",
    "dibao.employment_cost_monthly",
    "dibao.excluded_income_kinds",
    "dibao.deductible_expense_kinds",
    "dibao.severe_member_full_standard",
    "dibao.gradual_exit_ceiling",
    "dibao.gradual_exit_start",
    "dibao.single_person_scope",
    "dibao.single_person_groups",
    "tekun.basic_multiplier",
    "tekun.min_age",
    "tekun.max_child_age",
    "tekun.supporter_capable_multiplier",
    "tekun.supporter_exempt_age",
    "tekun.supporter_exempt_asset_months",
    "tekun.child_route",
    "tekun.review_months",
    "tekun.care_monthly.full",
    "tekun.care_monthly.partial",
    "tekun.care_monthly.none",
    "orphan.monthly_allowance",
    "orphan.max_age",
    "temp_aid.annual_cap",
    "temp_aid.township_limit",
    "temp_aid.case_by_case_cap",
    "temp_aid.prepay_limit",
    "casework.visit_months.dibao",
    "casework.visit_months.gradual_exit",
    "casework.visit_months.tekun",
    "casework.visit_months.marginal",
    "casework.visit_months.low_income",
    "disability_subsidies.living_monthly",
    "disability_subsidies.living_statuses",
    "disability_subsidies.care_monthly.grade1",
    "disability_subsidies.care_monthly.grade2",
    "disability_subsidies.care_monthly.grade3_4_intellectual_mental",
    "monitoring.rigid_expense_share",
    "format",
];

/// The keys v2 adds to v1's tables.
const V2_KEYS: [&str; 12] = [
    "dibao.severe_member_full_standard",
    "dibao.gradual_exit_ceiling",
    "dibao.gradual_exit_start",
    "dibao.single_person_scope",
    "dibao.single_person_groups",
    "tekun.supporter_capable_multiplier",
    "tekun.supporter_exempt_age",
    "tekun.supporter_exempt_asset_months",
    "tekun.child_route",
    "tekun.review_months",
    "temp_aid.case_by_case_cap",
    "temp_aid.prepay_limit",
];

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap()
}

fn sub_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(months)).unwrap()
}

fn first_of_next_month(d: NaiveDate) -> NaiveDate {
    add_months(d.with_day(1).unwrap(), 1)
}

fn fen(x: i64) -> String {
    assert!(x >= 0);
    format!("{}.{:02}", x / 100, x % 100)
}

/// Money amount written in one of the accepted forms.
fn amount_text(x: i64) -> Value {
    if x % 300 == 0 {
        json!(format!("{}", x / 100))
    } else {
        json!(fen(x))
    }
}

fn citation_text(key: &str) -> String {
    format!("《属性县办法》{key}条")
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

/// Annual amounts in fen near multiples of a quarter of S × 12 (`s` in fen).
fn amount_near(s: i64) -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => amount(),
        1 => (0..=16i64).prop_map(move |k| k * s * 3),
        4 => (
            0..=8i64,
            prop_oneof![Just(0i64), Just(-1i64), Just(1i64), Just(-12i64), Just(12i64), -3_000..=3_000i64],
        )
            .prop_map(move |(k, e)| (k * s * 3 + e).max(0)),
    ]
}

fn zero_or(range: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = i64> {
    prop_oneof![1 => Just(0i64), 3 => range]
}

fn policy_strategy() -> BoxedStrategy<GPolicy> {
    let money = (
        prop_oneof![(4..=20i64).prop_map(|k| k * 5_000), 20_000..=100_000i64],
        prop_oneof![
            Just(0i64),
            (0..=8i64).prop_map(|k| k * 5_000),
            0..=40_000i64
        ],
        any::<bool>(),
        prop_oneof![Just(0i64), (1..=50i64).prop_map(|k| k * 100), 1..=5_000i64],
        100..=200i64,
        0..=100i64,
        prop_oneof![1..=36u32, 0..=1u32],
        0..=50i64,
        0..=50i64,
    );
    let ages = (
        70..=85u32,
        55..=69u32,
        12..=18u32,
        1..=24u32,
        1..=12u32,
        prop_oneof![1..=24u32, Just(0u32)],
        zero_or(0..=20_000),
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
    let dibao_v2 = (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(GROUPS.to_vec(), 0..=3),
    );
    let tekun = (
        100..=150i64,
        55..=70u32,
        12..=18u32,
        [
            zero_or(0..=20_000),
            zero_or(0..=60_000),
            zero_or(0..=100_000),
        ],
    );
    let tekun_v2 = (
        prop_oneof![Just(0i64), Just(100i64), Just(200i64), 0..=400i64],
        60..=80u32,
        prop_oneof![Just(0u32), 1..=24u32],
        any::<bool>(),
        1..=24u32,
        zero_or(0..=200_000),
        prop_oneof![10..=20u32, Just(18u32)],
    );
    let aid = (
        100_000..=3_000_000i64,
        0..=100i64,
        prop_oneof![Just(0i64), 50..=400i64],
        prop_oneof![
            1 => Just(0i64),
            2 => (0..=20i64).prop_map(|k| k * 50_000),
            2 => 0..=500_000i64
        ],
    );
    let casework = (
        [
            prop_oneof![Just(0u32), 1..=12u32],
            prop_oneof![Just(0u32), 1..=12u32],
            prop_oneof![Just(0u32), 1..=12u32],
            prop_oneof![Just(0u32), 1..=12u32],
            prop_oneof![Just(0u32), 1..=12u32],
        ],
        zero_or(0..=20_000),
        prop::sample::subsequence(LIVING_STATUSES.to_vec(), 0..=4),
        [
            zero_or(0..=30_000),
            zero_or(0..=30_000),
            zero_or(0..=30_000),
        ],
        prop_oneof![
            2 => Just(0i64),
            3 => 5..=50i64,
            1 => Just(50i64),
            1 => Just(100i64),
            1 => 0..=300i64
        ],
        prop::collection::vec(prop::sample::select(POLICY_KEYS.to_vec()), 0..=30),
    );
    (
        (money, ages, kinds, dibao_v2),
        (tekun, tekun_v2, aid, casework),
    )
        .prop_map(|((m, a, k, dv), (t, tv, aid, cw))| GPolicy {
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
            severe_full: dv.0,
            ceiling_none: dv.1,
            next_month: dv.2,
            scope_not_dibao: dv.3,
            groups: dv.4,
            tk_mult: t.0,
            tk_min: t.1,
            tk_child: t.2,
            care: t.3,
            supp_mult: tv.0,
            supp_age: tv.1,
            supp_asset_months: tv.2,
            orphan_route: tv.3,
            tk_review: tv.4,
            orphan_allowance: tv.5,
            orphan_age: tv.6,
            cap: aid.0,
            township: aid.0 * aid.1 / 100,
            case_cap: aid.0 * aid.2 / 100,
            prepay: aid.3,
            visits: cw.0,
            living: cw.1,
            living_statuses: cw.2,
            care_sub: cw.3,
            rigid: cw.4,
            citations: {
                let set: BTreeSet<&str> = cw.5.into_iter().collect();
                set.into_iter().collect()
            },
        })
        .boxed()
}

fn list(v: &[&str]) -> String {
    let items: Vec<String> = v.iter().map(|k| format!("\"{k}\"")).collect();
    format!("[{}]", items.join(", "))
}

fn hundredths(x: i64) -> String {
    format!("{}.{:02}", x / 100, x % 100)
}

impl GPolicy {
    fn toml(&self) -> String {
        let citations: String = self
            .citations
            .iter()
            .map(|k| format!("\"{k}\" = \"{}\"\n", citation_text(k)))
            .collect();
        format!(
            r#"format = "bangfu.policy.v2"
region_code = "{REGION}"
region_name = "属性县"
effective_from = "2020-01-01"
version = "P-2"

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
severe_member_full_standard = {severe_full}
gradual_exit_ceiling = "{ceiling}"
gradual_exit_start = "{start}"
single_person_scope = "{scope}"
single_person_groups = {groups}

[tekun]
basic_multiplier = "{tk_mult}"
min_age = {tk_min}
max_child_age = {tk_child}
supporter_capable_multiplier = "{supp_mult}"
supporter_exempt_age = {supp_age}
supporter_exempt_asset_months = {supp_months}
child_route = "{route}"
review_months = {tk_review}

[tekun.care_monthly]
full = "{care0}"
partial = "{care1}"
none = "{care2}"

[orphan]
monthly_allowance = "{orphan_allowance}"
max_age = {orphan_age}

[temp_aid]
annual_cap = "{cap}"
township_limit = "{township}"
case_by_case_cap = "{case_cap}"
prepay_limit = "{prepay}"

[casework.visit_months]
dibao = {v0}
gradual_exit = {v1}
tekun = {v2}
marginal = {v3}
low_income = {v4}

[disability_subsidies]
living_monthly = "{living}"
living_statuses = {living_statuses}

[disability_subsidies.care_monthly]
grade1 = "{cs0}"
grade2 = "{cs1}"
grade3_4_intellectual_mental = "{cs2}"

[monitoring]
rigid_expense_share = "{rigid}"

[citations]
{citations}"#,
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
            severe_full = self.severe_full,
            ceiling = if self.ceiling_none {
                "none"
            } else {
                "low_income"
            },
            start = if self.next_month {
                "next_month"
            } else {
                "first_finding"
            },
            scope = if self.scope_not_dibao {
                "not_dibao"
            } else {
                "marginal"
            },
            groups = list(&self.groups),
            tk_mult = hundredths(self.tk_mult),
            tk_min = self.tk_min,
            tk_child = self.tk_child,
            supp_mult = hundredths(self.supp_mult),
            supp_age = self.supp_age,
            supp_months = self.supp_asset_months,
            route = if self.orphan_route { "orphan" } else { "tekun" },
            tk_review = self.tk_review,
            care0 = fen(self.care[0]),
            care1 = fen(self.care[1]),
            care2 = fen(self.care[2]),
            orphan_allowance = fen(self.orphan_allowance),
            orphan_age = self.orphan_age,
            cap = fen(self.cap),
            township = fen(self.township),
            case_cap = fen(self.case_cap),
            prepay = fen(self.prepay),
            v0 = self.visits[0],
            v1 = self.visits[1],
            v2 = self.visits[2],
            v3 = self.visits[3],
            v4 = self.visits[4],
            living = fen(self.living),
            living_statuses = list(&self.living_statuses),
            cs0 = fen(self.care_sub[0]),
            cs1 = fen(self.care_sub[1]),
            cs2 = fen(self.care_sub[2]),
            rigid = hundredths(self.rigid),
        )
    }

    fn policy_set(&self) -> PolicySet {
        let p = Policy::from_toml(&self.toml(), "generated")
            .unwrap_or_else(|e| panic!("generated policy is valid: {e}\n{}", self.toml()));
        PolicySet::new(vec![p]).unwrap()
    }

    /// The same parameters as a `bangfu.policy.v1` (every v2 key left out).
    fn toml_v1(&self) -> String {
        const V2_TABLES: [&str; 6] = [
            "orphan",
            "casework.visit_months",
            "disability_subsidies",
            "disability_subsidies.care_monthly",
            "monitoring",
            "citations",
        ];
        let mut table = String::new();
        let mut out = vec![];
        for line in self.toml().lines() {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                table = name.to_owned();
                if V2_TABLES.contains(&name) {
                    continue;
                }
            } else if V2_TABLES.contains(&table.as_str()) {
                continue;
            } else if let Some((key, _)) = line.split_once(" = ") {
                let full = if table.is_empty() {
                    key.to_owned()
                } else {
                    format!("{table}.{key}")
                };
                if V2_KEYS.contains(&full.as_str()) {
                    continue;
                }
            }
            out.push(
                line.replace("bangfu.policy.v2", "bangfu.policy.v1")
                    .replace("version = \"P-2\"", "version = \"P-1\""),
            );
        }
        out.join("\n")
    }

    fn policy_set_v1(&self) -> PolicySet {
        let p = Policy::from_toml(&self.toml_v1(), "generated-v1")
            .unwrap_or_else(|e| panic!("generated v1 policy is valid: {e}\n{}", self.toml_v1()));
        PolicySet::new(vec![p]).unwrap()
    }

    fn standard_fen(&self, urban: bool) -> i64 {
        if urban {
            self.urban
        } else {
            self.rural
        }
    }
}

fn d_strategy() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        Just(date("2026-12-01")),
        Just(date("2026-12-31")),
        Just(date("2027-01-01")),
        Just(date("2027-02-28")),
        Just(date("2027-03-01")),
        Just(date("2028-02-29")),
        (0..=1095i64).prop_map(|k| date("2026-01-01") + Duration::days(k)),
    ]
}

/// A birth date for an age near one of `ages` (or any age up to 100): k
/// years before D, a day either side, or somewhat earlier.
fn birth_strategy(d: NaiveDate, ages: Vec<u32>) -> impl Strategy<Value = NaiveDate> {
    (
        prop_oneof![3 => prop::sample::select(ages), 2 => 0..=100u32],
        prop_oneof![Just(0i64), Just(-1i64), Just(1i64), -400..=0i64],
    )
        .prop_map(move |(k, delta)| {
            let b = sub_months(d, 12 * k) + Duration::days(delta);
            b.min(d)
        })
}

fn supporter_strategy(p: &GPolicy, s: i64) -> BoxedStrategy<GSupporter> {
    let (mult, months, exempt) = (p.supp_mult, i64::from(p.supp_asset_months), p.supp_age);
    let figures = (1..=6u32).prop_flat_map(move |size| {
        let n = i64::from(size);
        // The family income at which the per-capita monthly income is mult × S.
        let line = mult * s * 12 * n / 100;
        let income = prop_oneof![
            3 => (
                prop_oneof![Just(0i64), Just(-1i64), Just(1i64), Just(-6i64 * n), Just(6i64 * n), -5_000..=5_000i64],
            )
                .prop_map(move |(e,)| (line + e).max(0)),
            1 => amount(),
        ];
        let assets = prop_oneof![
            1 => Just(None),
            3 => prop_oneof![
                Just(0i64),
                Just(-1i64),
                Just(1i64),
                -10_000..=10_000i64,
            ]
            .prop_map(move |e| Some((months * s * n + e).max(0))),
            1 => amount().prop_map(Some),
        ];
        (Just(size), income, assets)
    });
    (
        prop_oneof![3 => Just(None), 1 => Just(Some(true)), 1 => Just(Some(false))],
        prop_oneof![
            1 => Just(None),
            3 => prop_oneof![Just(exempt), Just(exempt - 1), Just(exempt + 1), 20..=95u32].prop_map(Some),
        ],
        // Both figures, one of them, or none.
        prop_oneof![
            4 => figures.prop_map(|(n, i, a)| (Some(n), Some(i), a)),
            1 => (1..=6u32).prop_map(|n| (Some(n), None, None)),
            1 => amount().prop_map(|i| (None, Some(i), None)),
            2 => Just((None, None, None)),
        ],
    )
        .prop_map(|(capable, age, (size, income, assets))| GSupporter {
            capable,
            age,
            size,
            income,
            assets,
        })
        .boxed()
}

fn member_strategy(p: &GPolicy, d: NaiveDate, s: i64) -> BoxedStrategy<GMember> {
    let ages = vec![
        p.orphan_age,
        p.orphan_age - 1,
        p.tk_child,
        p.tk_child - 1,
        p.tk_min,
        p.tk_min - 1,
        p.a_age,
        p.b_age,
        p.child_age,
        p.child_age - 1,
    ];
    let disability = prop_oneof![
        5 => Just(None),
        5 => (1..=4u8, prop::sample::select(DISABILITY_KINDS.to_vec())).prop_map(Some),
    ];
    let supporters = prop_oneof![
        2 => Just(None),
        1 => Just(Some(vec![])),
        4 => prop::collection::vec(supporter_strategy(p, s), 1..=2).prop_map(Some),
    ];
    let incomes = prop::collection::vec(
        (prop::sample::select(INCOME_KINDS.to_vec()), amount_near(s)),
        0..=2,
    );
    (
        birth_strategy(d, ages),
        prop::bool::weighted(0.85),
        disability,
        prop::bool::weighted(0.2),
        prop::sample::select(ABILITIES.to_vec()),
        prop::sample::select(ABILITIES.to_vec()),
        supporters,
        prop_oneof![1 => Just(vec![]), 2 => incomes],
    )
        .prop_map(
            |(birth, cohabiting, disability, serious, work, self_care, supporters, incomes)| {
                GMember {
                    birth,
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
        .boxed()
}

fn date_before(d: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (0..=36u32).prop_map(move |m| sub_months(d, m)),
        (0..=800i64).prop_map(move |k| d - Duration::days(k)),
    ]
}

/// A date on or before D, often `months` months (or that plus one) before
/// D, a day or a few either side (a period ending on D).
fn date_months_before(d: NaiveDate, months: Vec<u32>) -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        1 => date_before(d),
        2 => (
            prop::sample::select(months),
            0..=1u32,
            prop_oneof![Just(0i64), Just(-1i64), Just(1i64), -40..=40i64],
        )
            .prop_map(move |(m, extra, e)| (sub_months(d, m + extra) + Duration::days(e)).min(d)),
    ]
}

fn temp_aid_strategy(p: &GPolicy, d: NaiveDate) -> BoxedStrategy<GTempAid> {
    let year = d.year();
    let grant_date = prop_oneof![
        Just(NaiveDate::from_ymd_opt(year, 1, 1).unwrap()),
        Just(NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap()),
        Just(d),
        Just(d + Duration::days(1)),
        Just(NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap()),
        (0..=400i64).prop_map(move |k| d - Duration::days(k)),
    ];
    let (cap, case_cap, township, prepay) = (p.cap, p.case_cap, p.township, p.prepay);
    let money = prop_oneof![
        2 => amount().prop_map(|a| a * 3),
        1 => prop::sample::select(vec![cap, case_cap, township, prepay, 0]),
        1 => (prop::sample::select(vec![cap, case_cap, township, prepay]), -100..=100i64)
            .prop_map(|(x, e)| (x + e).max(0)),
    ];
    let granted = prop_oneof![
        1 => Just(Granted::Nothing),
        1 => money.clone().prop_map(Granted::ThisYear),
        2 => prop::collection::vec((grant_date, money.clone()), 0..=3).prop_map(Granted::Grants),
    ];
    (
        money,
        prop_oneof![
            Just(None),
            Just(Some("emergency")),
            Just(Some("expenditure"))
        ],
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
        granted,
    )
        .prop_map(|(requested, kind, case_by_case, granted)| GTempAid {
            requested,
            kind,
            case_by_case,
            granted,
        })
        .boxed()
}

fn household_strategy(p: &GPolicy, d: NaiveDate) -> BoxedStrategy<GHousehold> {
    let p = p.clone();
    any::<bool>()
        .prop_flat_map(move |urban| {
            let s = p.standard_fen(urban);
            let months = i64::from(p.asset_months);
            let enrollment = prop_oneof![
                2 => Just(None),
                3 => (
                    prop::option::of(amount()),
                    prop::option::of(date_before(d)),
                    prop::option::of(date_months_before(d, vec![p.gradual])),
                )
                    .prop_map(|(monthly, last_review, exceeded)| Some(GEnrollment {
                        program: "dibao",
                        monthly: Some(monthly.unwrap_or(0)),
                        last_review,
                        exceeded,
                        absent: false,
                    })),
                1 => (
                    prop::option::of(amount()),
                    prop::option::of(date_months_before(d, vec![p.tk_review])),
                    any::<bool>(),
                )
                    .prop_map(|(monthly, last_review, absent)| Some(GEnrollment {
                        program: "tekun",
                        monthly,
                        last_review,
                        exceeded: None,
                        absent,
                    })),
            ];
            let temp_aid = prop_oneof![
                1 => Just(None),
                1 => temp_aid_strategy(&p, d).prop_map(Some),
            ];
            let visits: Vec<u32> = p.visits.iter().copied().filter(|&m| m > 0).collect();
            let last_visit = if visits.is_empty() {
                prop::option::of(date_before(d)).boxed()
            } else {
                prop_oneof![
                    1 => Just(None),
                    3 => date_months_before(d, visits).prop_map(Some),
                ]
                .boxed()
            };
            (
                Just(urban),
                prop::collection::vec(member_strategy(&p, d, s), 1..=4),
                prop::collection::vec(
                    (prop::sample::select(EXPENSE_KINDS.to_vec()), amount_near(s)),
                    0..=3,
                ),
                prop_oneof![
                    5 => Just(0i64),
                    2 => amount().prop_map(|a| a / 10),
                    3 => (1..=4i64, prop_oneof![Just(0i64), Just(1i64), Just(-1i64)])
                        .prop_map(move |(n, e)| (months * s * n + e).max(0)),
                    1 => 0..=10_000_000i64,
                ],
                prop_oneof![
                    8 => Just(vec![]),
                    1 => prop::sample::subsequence(
                        vec!["non_essential_vehicle", "company_ownership", "commercial_property"],
                        1..=2
                    ),
                ],
                enrollment,
                temp_aid,
                last_visit,
            )
                .prop_map(
                    |(
                        urban,
                        mut members,
                        expenses,
                        financial,
                        disqualifying,
                        enrollment,
                        temp_aid,
                        last_visit,
                    )| {
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
                            last_visit,
                        }
                    },
                )
        })
        .boxed()
}

impl GMember {
    fn id_number(&self, household: usize) -> String {
        make_id_number(REGION, self.birth, household as u32 * 10 + self.seq)
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
                .map(|(i, sup)| {
                    let mut s = json!({"name": format!("义务人{i}"), "relation": "child"});
                    if let Some(c) = sup.capable {
                        s["capable"] = json!(c);
                    }
                    if let Some(a) = sup.age {
                        s["age"] = json!(a);
                    }
                    if let Some(n) = sup.size {
                        s["family_size"] = json!(n);
                    }
                    if let Some(x) = sup.income {
                        s["family_annual_income"] = amount_text(x);
                    }
                    if let Some(x) = sup.assets {
                        s["family_financial_assets"] = amount_text(x);
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
            let mut en = json!({
                "program": e.program,
                "since": "2023-01-01",
                "last_review": e.last_review.map(|d| d.to_string()),
            });
            if !e.absent {
                en["monthly_amount"] = e.monthly.map_or(Value::Null, amount_text);
                en["class"] = json!("C");
                en["exceeded_since"] = json!(e.exceeded.map(|d| d.to_string()));
            }
            h["enrollment"] = en;
        }
        if let Some(t) = &self.temp_aid {
            let mut v = json!({"requested": amount_text(t.requested)});
            if let Some(k) = t.kind {
                v["kind"] = json!(k);
            }
            if let Some(c) = t.case_by_case {
                v["case_by_case"] = json!(c);
            }
            match &t.granted {
                Granted::Nothing => {}
                Granted::ThisYear(g) => v["granted_this_year"] = amount_text(*g),
                Granted::Grants(list) => {
                    v["grants"] = list
                        .iter()
                        .map(|(d, a)| json!({"date": d.to_string(), "amount": amount_text(*a)}))
                        .collect();
                }
            }
            h["temp_aid"] = v;
        }
        if let Some(v) = self.last_visit {
            h["last_visit"] = json!(v.to_string());
        } else if self.members.len().is_multiple_of(2) {
            h["last_visit"] = Value::Null;
        }
        h
    }
}

fn document(households: &[GHousehold]) -> String {
    let list: Vec<Value> = households
        .iter()
        .enumerate()
        .map(|(i, h)| h.json(i))
        .collect();
    json!({"format": "bangfu.household.v2", "households": list}).to_string()
}

fn evaluate(policy: &GPolicy, text: &str, d: NaiveDate) -> Value {
    evaluate_with(&policy.policy_set(), text, d)
}

fn evaluate_with(set: &PolicySet, text: &str, d: NaiveDate) -> Value {
    let parsed = parse_file(text).expect("generated file parses");
    let report = evaluate_all(set, &parsed, d).expect("policy in force");
    serde_json::to_value(&report).unwrap()
}

/// A household document with every v2-only field taken out (what a v1
/// policy reads): supporters keep `capable` only; no `last_visit`; the
/// 临时救助 request without `kind`, `case_by_case` and `grants`.
fn strip_v2(doc: &str) -> String {
    let mut v: Value = serde_json::from_str(doc).unwrap();
    for h in v["households"].as_array_mut().unwrap() {
        let h = h.as_object_mut().unwrap();
        h.remove("last_visit");
        if let Some(t) = h.get_mut("temp_aid").and_then(Value::as_object_mut) {
            for k in ["kind", "case_by_case", "grants"] {
                t.remove(k);
            }
        }
        for m in h["members"].as_array_mut().unwrap() {
            for sup in m
                .get_mut("supporters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let sup = sup.as_object_mut().unwrap();
                for k in [
                    "age",
                    "family_size",
                    "family_annual_income",
                    "family_financial_assets",
                ] {
                    sup.remove(k);
                }
            }
        }
    }
    v["format"] = json!("bangfu.household.v1");
    v.to_string()
}

/// One invalid v2 field put into a valid household, and the error it must give.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    SupporterAge(usize),
    FamilySize(usize),
    FamilyIncome(usize),
    FamilyAssets(usize),
    LastVisit(usize),
    TempAidKind,
    CaseByCase(usize),
    GrantDate(usize),
    GrantAmount(usize),
    GrantsBesideGranted,
    TekunEnrollmentDate(usize),
    TekunEnrollmentAmount(usize),
}

fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..4usize).prop_map(Mutation::SupporterAge),
        (0..2usize).prop_map(Mutation::FamilySize),
        (0..4usize).prop_map(Mutation::FamilyIncome),
        (0..4usize).prop_map(Mutation::FamilyAssets),
        (0..4usize).prop_map(Mutation::LastVisit),
        Just(Mutation::TempAidKind),
        (0..3usize).prop_map(Mutation::CaseByCase),
        (0..3usize).prop_map(Mutation::GrantDate),
        (0..4usize).prop_map(Mutation::GrantAmount),
        Just(Mutation::GrantsBesideGranted),
        (0..4usize).prop_map(Mutation::TekunEnrollmentDate),
        (0..4usize).prop_map(Mutation::TekunEnrollmentAmount),
    ]
}

/// Applies `m` to member `who` (a cohabiting one or not) of household `h`
/// (JSON) evaluated on `d`; returns the one error expected.
fn mutate(h: &mut Value, m: Mutation, who: usize, d: NaiveDate) -> Value {
    let who = who % h["members"].as_array().unwrap().len();
    let bad_amount = |k: usize| match k {
        0 => (json!("-5.00"), "NEGATIVE_AMOUNT"),
        1 => (json!("12,000"), "BAD_AMOUNT"),
        2 => (json!("3000.123"), "BAD_AMOUNT"),
        _ => (json!("1e3"), "BAD_AMOUNT"),
    };
    let mut supporter = |key: &str, value: Value| {
        let member = &mut h["members"][who];
        if member
            .get("supporters")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            member["supporters"] = json!([{"name": "义务人", "relation": "child"}]);
        }
        member["supporters"][0][key] = value;
    };
    let temp_aid = |h: &mut Value| {
        if h.get("temp_aid").is_none() {
            h["temp_aid"] = json!({"requested": "100.00"});
        }
    };
    match m {
        Mutation::SupporterAge(k) => {
            let age = [json!(151), json!(-1), json!("七十"), json!(70.5)][k].clone();
            supporter("age", age);
            json!({"code": "BAD_FIELD", "member": who, "field": "supporters"})
        }
        Mutation::FamilySize(k) => {
            supporter("family_size", [json!(0), json!("3")][k].clone());
            json!({"code": "BAD_FIELD", "member": who, "field": "supporters"})
        }
        Mutation::FamilyIncome(k) | Mutation::FamilyAssets(k) => {
            let key = if matches!(m, Mutation::FamilyIncome(_)) {
                "family_annual_income"
            } else {
                "family_financial_assets"
            };
            let (value, code) = bad_amount(k);
            supporter(key, value);
            json!({"code": code, "member": who})
        }
        Mutation::LastVisit(k) => {
            let after = (d + Duration::days(1)).to_string();
            h["last_visit"] = [
                json!("2026-02-30"),
                json!("yesterday"),
                json!(after),
                json!(20260101),
            ][k]
                .clone();
            json!({"code": "BAD_FIELD", "field": "last_visit"})
        }
        Mutation::TempAidKind => {
            temp_aid(h);
            h["temp_aid"]["kind"] = json!("urgent");
            json!({"code": "BAD_FIELD", "field": "temp_aid"})
        }
        Mutation::CaseByCase(k) => {
            temp_aid(h);
            h["temp_aid"]["case_by_case"] = [json!("yes"), json!(1), json!("true")][k].clone();
            json!({"code": "BAD_FIELD", "field": "temp_aid"})
        }
        Mutation::GrantDate(k) => {
            temp_aid(h);
            h["temp_aid"]
                .as_object_mut()
                .unwrap()
                .remove("granted_this_year");
            let date = [json!("2026-02-30"), json!("2026/03/01"), json!(null)][k].clone();
            h["temp_aid"]["grants"] = json!([{"date": date, "amount": "10.00"}]);
            json!({"code": "BAD_FIELD", "field": "temp_aid"})
        }
        Mutation::GrantAmount(k) => {
            temp_aid(h);
            h["temp_aid"]
                .as_object_mut()
                .unwrap()
                .remove("granted_this_year");
            let (value, code) = bad_amount(k);
            h["temp_aid"]["grants"] = json!([{"date": d.to_string(), "amount": value}]);
            json!({"code": code})
        }
        Mutation::GrantsBesideGranted => {
            temp_aid(h);
            h["temp_aid"]["granted_this_year"] = json!("0");
            h["temp_aid"]["grants"] = json!([]);
            json!({"code": "BAD_FIELD", "field": "temp_aid"})
        }
        Mutation::TekunEnrollmentDate(k) => {
            let key = if k % 2 == 0 { "since" } else { "last_review" };
            let value = if k < 2 {
                json!("2023/01/01")
            } else {
                json!("2023-02-29")
            };
            h["enrollment"] =
                json!({"program": "tekun", "since": "2023-01-01", "last_review": null});
            h["enrollment"][key] = value;
            json!({"code": "BAD_FIELD", "field": "enrollment"})
        }
        Mutation::TekunEnrollmentAmount(k) => {
            let (value, code) = bad_amount(k);
            h["enrollment"] =
                json!({"program": "tekun", "since": "2023-01-01", "monthly_amount": value});
            json!({"code": code})
        }
    }
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

/// Completed years at `d` (a 29 February birthday falls on 1 March).
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

/// v2 rule 1: whether a supporter is capable; `None` when it is not
/// assessed (neither `capable` nor both family figures: not capable).
fn supporter_capable(p: &GPolicy, s: Decimal, sup: &GSupporter) -> Option<bool> {
    if let Some(c) = sup.capable {
        return Some(c);
    }
    let (Some(size), Some(income)) = (sup.size, sup.income) else {
        return None;
    };
    let n = Decimal::from(size);
    let exempt = sup.age.is_some_and(|a| a >= p.supp_age)
        && dec(sup.assets.unwrap_or(0)) / n <= Decimal::from(p.supp_asset_months) * s;
    if exempt {
        return Some(false);
    }
    let per_capita = half_up(dec(income) / Decimal::from(12) / n, 2);
    Some(per_capita >= Decimal::new(p.supp_mult, 2) * s)
}

/// The result v1 §3 + v2 prescribe for a valid household (without `id`
/// and `reasons`, codes sorted).
fn model(p: &GPolicy, h: &GHousehold, d: NaiveDate) -> Value {
    let s = dec(p.standard_fen(h.urban));
    let round_benefit = |x: Decimal| half_up(x, if p.yuan { 0 } else { 2 });
    let twelve = Decimal::from(12);
    let cohab: Vec<(usize, &GMember)> = h
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.cohabiting)
        .collect();
    let n = Decimal::from(cohab.len());
    let financial_ok = dec(h.financial) / n <= Decimal::from(p.asset_months) * s;
    let disq = !h.disqualifying.is_empty();
    let assets_ok = financial_ok && !disq;
    let mut codes: BTreeSet<&str> = BTreeSet::new();

    struct M<'a> {
        index: usize,
        g: &'a GMember,
        class: char,
        severe: bool,
        counted: Decimal,
        emp: Decimal,
        own: Decimal,
        tekun: bool,
        tekun_benefit: Decimal,
        orphan: bool,
    }
    let members: Vec<M> = cohab
        .iter()
        .map(|&(index, m)| {
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
            // Supporters: any capable one; any one not assessed.
            let verdicts: Option<Vec<Option<bool>>> = m
                .supporters
                .as_ref()
                .map(|l| l.iter().map(|sup| supporter_capable(p, s, sup)).collect());
            let no_capable_supporter = verdicts
                .as_ref()
                .is_some_and(|v| v.iter().all(|c| *c != Some(true)));
            let not_assessed = verdicts.as_ref().is_none_or(|v| v.contains(&None));
            // v2 rule 2: the 孤儿 test comes before step 1.
            let orphan_test = p.orphan_route && a < p.orphan_age && own < s && assets_ok;
            let orphan = orphan_test && no_capable_supporter;
            let no_capacity = a >= p.tk_min || a < p.tk_child || severe || m.work == "none";
            let tekun_test = no_capacity && own < s && assets_ok;
            let tekun = !orphan && tekun_test && no_capable_supporter;
            if (orphan_test || tekun_test) && not_assessed {
                codes.insert("SUPPORTER_NOT_ASSESSED");
            }
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
                index,
                g: m,
                class,
                severe,
                counted,
                emp,
                own,
                tekun,
                tekun_benefit,
                orphan,
            }
        })
        .collect();

    if members.iter().any(|m| m.tekun) {
        codes.insert("TEKUN");
    }
    if members.iter().any(|m| m.orphan) {
        codes.insert("ORPHAN_ALLOWANCE");
    }

    // Step 6 (v2 rule 6).
    let temp_aid = h.temp_aid.as_ref().map(|t| {
        let granted = match &t.granted {
            Granted::Nothing => Decimal::ZERO,
            Granted::ThisYear(g) => dec(*g),
            Granted::Grants(list) => list
                .iter()
                .filter(|(day, _)| day.year() == d.year() && *day <= d)
                .map(|(_, a)| dec(*a))
                .sum(),
        };
        let cap = if t.case_by_case == Some(true) {
            codes.insert("TEMP_AID_CASE_BY_CASE");
            dec(p.case_cap)
        } else {
            dec(p.cap)
        };
        let remaining = (cap - granted).max(Decimal::ZERO);
        let grantable = dec(t.requested).min(remaining);
        let level = if grantable.is_zero() {
            "none"
        } else if t.kind == Some("emergency") && grantable <= dec(p.prepay) {
            codes.insert("TEMP_AID_PREPAY");
            "prepay"
        } else if grantable <= dec(p.township) {
            "township"
        } else {
            codes.insert("TEMP_AID_COUNTY_APPROVAL");
            "county"
        };
        if grantable < dec(t.requested) {
            codes.insert("TEMP_AID_CAP_LIMITED");
        }
        json!({"grantable": fmt2(grantable), "approval_level": level})
    });

    let r: Vec<usize> = (0..members.len())
        .filter(|&i| !members[i].tekun && !members[i].orphan)
        .collect();
    let uplift = |c: char| match c {
        'A' => Decimal::new(p.a_up, 2),
        'B' => Decimal::new(p.b_up, 2),
        _ => Decimal::ZERO,
    };
    let mut status = if members.iter().any(|m| m.tekun) {
        "tekun"
    } else {
        "orphan"
    };
    let mut pci = None;
    let mut monthly = Decimal::ZERO;
    let mut household_class = None;
    let mut next_review = None;
    let mut overdue = false;
    let mut exit_at = None;
    let mut single = vec![Decimal::ZERO; members.len()];
    // Granted even when the amount rounds to zero (own income just below S).
    let mut granted = vec![false; members.len()];
    let deductible: Decimal = h
        .expenses
        .iter()
        .filter(|(k, _)| p.deductible.contains(k))
        .map(|(_, a)| dec(*a))
        .sum();
    if !r.is_empty() {
        let size = Decimal::from(r.len());
        let net: Decimal = r
            .iter()
            .map(|&i| members[i].counted - members[i].emp)
            .sum::<Decimal>()
            - deductible;
        let value = half_up(net.max(Decimal::ZERO) / twelve / size, 2);
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
        let enrolled = h.enrollment.as_ref().filter(|e| e.program == "dibao");
        let low_line = Decimal::new(p.low, 2) * s;
        let mut decided = false;
        if value < s && assets_ok {
            status = "dibao";
            codes.insert("DIBAO_ELIGIBLE");
            let gap = s - value;
            let mut raw = Decimal::ZERO;
            for &i in &r {
                let m = &members[i];
                let share = gap * (Decimal::ONE + uplift(m.class));
                if p.severe_full && (m.severe || m.g.serious) && share < s {
                    codes.insert("SEVERE_MEMBER_FULL_STANDARD");
                    raw += s;
                } else {
                    raw += share;
                }
            }
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
            decided = true;
        } else if let Some(e) = enrolled {
            if assets_ok && (p.ceiling_none || value <= low_line) {
                let found = e.exceeded.unwrap_or(d);
                let start = if p.next_month {
                    first_of_next_month(found)
                } else {
                    found
                };
                let exit = add_months(start, p.gradual);
                if d < exit {
                    status = "gradual_exit";
                    codes.insert("GRADUAL_EXIT");
                    monthly = dec(e.monthly.unwrap_or(0));
                    household_class = best;
                    exit_at = Some(exit);
                    decided = true;
                } else {
                    codes.insert("GRADUAL_EXIT_ENDED");
                }
            }
        }
        if !decided {
            status = if value < Decimal::new(p.marginal, 2) * s && assets_ok {
                codes.insert("MARGINAL");
                "marginal"
            } else if value <= low_line && assets_ok {
                codes.insert("LOW_INCOME");
                "low_income"
            } else {
                "ineligible"
            };
        }
        // v2 rule 5: 单人保.
        let in_scope = if p.scope_not_dibao {
            matches!(status, "marginal" | "low_income" | "ineligible") && assets_ok
        } else {
            status == "marginal"
        };
        if in_scope {
            for &i in &r {
                let m = &members[i];
                let in_group = (p.groups.contains(&"severe_disability") && m.severe)
                    || (p.groups.contains(&"serious_illness") && m.g.serious)
                    || (p.groups.contains(&"mental_disability")
                        && m.g.disability.is_some_and(|(_, k)| k == "mental"));
                if in_group && m.own < s {
                    single[i] = round_benefit((s - m.own) * (Decimal::ONE + uplift(m.class)));
                    granted[i] = true;
                    codes.insert("SINGLE_PERSON_DIBAO");
                }
            }
        }
        // v2 rule 9: 刚性支出困难.
        let counted_r: Decimal = r.iter().map(|&i| members[i].counted).sum();
        if matches!(status, "marginal" | "low_income" | "ineligible")
            && assets_ok
            && deductible > Decimal::ZERO
            && deductible >= Decimal::new(p.rigid, 2) * counted_r
        {
            codes.insert("RIGID_EXPENSE_HARDSHIP");
        }
    }
    // v2 rule 7: 特困 review.
    if status == "tekun" {
        let base = h
            .enrollment
            .as_ref()
            .filter(|e| e.program == "tekun")
            .and_then(|e| e.last_review)
            .unwrap_or(d);
        let next = add_months(base, p.tk_review);
        next_review = Some(next);
        overdue = next < d;
    }
    if overdue {
        codes.insert("REVIEW_OVERDUE");
    }
    // v2 rule 7: visits.
    let mut cadences = vec![];
    if let Some(i) = VISIT_STATUSES.iter().position(|x| *x == status) {
        cadences.push(p.visits[i]);
    }
    if members.iter().any(|m| m.tekun) {
        cadences.push(p.visits[2]);
    }
    let next_visit = cadences
        .into_iter()
        .filter(|&m| m > 0)
        .min()
        .map(|m| add_months(h.last_visit.unwrap_or(d), m));
    let visit_overdue = next_visit.is_some_and(|v| v < d);
    if visit_overdue {
        codes.insert("VISIT_OVERDUE");
    }
    // v2 rule 8: 残疾人两项补贴.
    // Reading chosen: an amount of "0.00" is no subsidy and gives no code,
    // for the living subsidy as the spec says for the care subsidy.
    let mut living = vec![Decimal::ZERO; members.len()];
    let mut care = vec![Decimal::ZERO; members.len()];
    for (i, m) in members.iter().enumerate() {
        if m.tekun || m.orphan {
            continue;
        }
        let Some((grade, kind)) = m.g.disability else {
            continue;
        };
        if p.living_statuses.contains(&status) {
            living[i] = dec(p.living);
        }
        care[i] = match grade {
            1 => dec(p.care_sub[0]),
            2 => dec(p.care_sub[1]),
            _ if kind == "intellectual" || kind == "mental" => dec(p.care_sub[2]),
            _ => Decimal::ZERO,
        };
    }
    if living.iter().any(|x| !x.is_zero()) {
        codes.insert("DISABILITY_LIVING_SUBSIDY");
    }
    if care.iter().any(|x| !x.is_zero()) {
        codes.insert("DISABILITY_CARE_SUBSIDY");
    }
    let subsidies: Decimal = living.iter().sum::<Decimal>() + care.iter().sum::<Decimal>();

    let orphan_benefit = |m: &M| {
        if m.orphan {
            dec(p.orphan_allowance)
        } else {
            Decimal::ZERO
        }
    };
    let total = monthly
        + members.iter().map(|m| m.tekun_benefit).sum::<Decimal>()
        + members.iter().map(orphan_benefit).sum::<Decimal>()
        + single.iter().sum::<Decimal>();
    let member_json: Vec<Value> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "index": m.index,
                "class": m.class.to_string(),
                "tekun": m.tekun,
                "tekun_benefit": fmt2(m.tekun_benefit),
                "single_person_dibao": granted[i],
                "single_person_benefit": fmt2(single[i]),
                "orphan": m.orphan,
                "orphan_benefit": fmt2(orphan_benefit(m)),
                "living_subsidy": fmt2(living[i]),
                "care_subsidy": fmt2(care[i]),
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
        "next_visit": next_visit.map(|n| n.to_string()),
        "visit_overdue": visit_overdue,
        "subsidies_monthly": fmt2(subsidies),
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

/// The fields where `got` and `want` differ, for the failure message.
fn differences(got: &Value, want: &Value) -> Vec<String> {
    let (Some(g), Some(w)) = (got.as_object(), want.as_object()) else {
        return vec![format!("{got} ≠ {want}")];
    };
    let keys: BTreeSet<&String> = g.keys().chain(w.keys()).collect();
    let mut out = vec![];
    for k in keys {
        let (gv, wv) = (g.get(k), w.get(k));
        if gv == wv {
            continue;
        }
        if k == "members" {
            let (ga, wa) = (gv.and_then(Value::as_array), wv.and_then(Value::as_array));
            if let (Some(ga), Some(wa)) = (ga, wa) {
                if ga.len() == wa.len() {
                    for (i, (x, y)) in ga.iter().zip(wa).enumerate() {
                        for d in differences(x, y) {
                            out.push(format!("members[{i}].{d}"));
                        }
                    }
                    continue;
                }
            }
        }
        out.push(format!(
            "{k}: engine {} / model {}",
            gv.map_or("(absent)".into(), Value::to_string),
            wv.map_or("(absent)".into(), Value::to_string)
        ));
    }
    out
}

/// Each reason's `citation` is the policy's text for its `policy_key` (or
/// null), the key is one of the policy's, and the version is the policy's.
fn citation_problems(p: &GPolicy, result: &Value) -> Vec<String> {
    let cited: BTreeMap<&str, String> =
        p.citations.iter().map(|k| (*k, citation_text(k))).collect();
    let mut out = vec![];
    let Some(reasons) = result["reasons"].as_array() else {
        return vec!["no reasons list".into()];
    };
    for r in reasons {
        let key = r["policy_key"].as_str();
        if let Some(k) = key {
            if !POLICY_KEYS.contains(&k) {
                out.push(format!("policy_key {k} is not a key of the policy: {r}"));
            }
            if r["policy_version"] != "P-2" {
                out.push(format!("policy_version: {r}"));
            }
        }
        let want = key
            .and_then(|k| cited.get(k))
            .map_or(Value::Null, |t| json!(t));
        if r.get("citation") != Some(&want) {
            out.push(format!("citation should be {want}: {r}"));
        }
    }
    let codes: BTreeSet<&str> = result["codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let explained: BTreeSet<&str> = reasons.iter().filter_map(|r| r["code"].as_str()).collect();
    for c in codes.difference(&explained) {
        out.push(format!("code {c} has no reason"));
    }
    out
}

// ---------------------------------------------------------------- properties

fn scenario() -> impl Strategy<Value = (GPolicy, NaiveDate, Vec<GHousehold>)> {
    (policy_strategy(), d_strategy()).prop_flat_map(|(p, d)| {
        let households = prop::collection::vec(household_strategy(&p, d), 1..=4);
        (Just(p), Just(d), households)
    })
}

proptest! {
    // No regression files: the suite must only ever write its own two files.
    // A fixed seed: CI runs the same cases every time (set more with PROPTEST_CASES).
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0062_616e_6766_7632),
        ..ProptestConfig::with_cases(cases())
    })]

    /// Each household gets exactly what the reference model of v1 §3 + v2
    /// gives, and each reason cites the policy's text for its key.
    #[test]
    fn households_match_v2_reference_model((p, d, hs) in scenario()) {
        let text = document(&hs);
        let v = evaluate(&p, &text, d);
        prop_assert_eq!(&v["format"], "bangfu.eval.v2");
        for (i, h) in hs.iter().enumerate() {
            let got = &v["results"][i];
            let want = model(&p, h, d);
            let diff = differences(&comparable(got), &want);
            prop_assert!(
                diff.is_empty(),
                "household H{:03}: {:#?}\nD = {}\npolicy:\n{}\nhousehold:\n{:#}\nengine:\n{:#}",
                i, diff, d, p.toml(), h.json(i), got
            );
            let problems = citation_problems(&p, got);
            prop_assert!(
                problems.is_empty(),
                "household H{:03}: {:#?}\npolicy:\n{}", i, problems, p.toml()
            );
        }
    }

    /// A v1 policy reads a v2 household as v1 does: the v2-only fields are
    /// ignored (even when invalid), and the output is exactly `bangfu.eval.v1`.
    #[test]
    fn v1_policy_ignores_v2_household_fields(
        (p, d, hs) in scenario(),
        mutation in prop::option::of((mutation_strategy(), any::<prop::sample::Index>(), 0..8usize)),
    ) {
        let mut doc: Value = serde_json::from_str(&document(&hs)).unwrap();
        if let Some((m, which, who)) = mutation {
            let n = hs.len();
            // The error mutations of v2-only fields (not a 特困 enrollment:
            // v1 counts it as none but still checks its amount).
            if !matches!(
                m,
                Mutation::TekunEnrollmentDate(_) | Mutation::TekunEnrollmentAmount(_)
            ) {
                mutate(&mut doc["households"][which.index(n)], m, who, d);
            }
        }
        let text = doc.to_string();
        let set = p.policy_set_v1();
        let full = evaluate_with(&set, &text, d);
        let stripped = evaluate_with(&set, &strip_v2(&text), d);
        prop_assert_eq!(&full, &stripped, "policy:\n{}\nfile:\n{}", p.toml_v1(), text);
        prop_assert_eq!(&full["format"], "bangfu.eval.v1");
        let v1_keys: BTreeSet<&str> = [
            "id", "status", "standard", "household_size", "per_capita_income",
            "monthly_benefit", "household_class", "next_review", "review_overdue",
            "temp_aid", "members", "total_monthly", "codes", "reasons",
        ].into();
        let member_keys: BTreeSet<&str> = [
            "index", "class", "tekun", "tekun_benefit", "single_person_dibao",
            "single_person_benefit",
        ].into();
        for r in full["results"].as_array().unwrap() {
            prop_assert_ne!(&r["status"], "invalid", "{:#}\nfile:\n{}", r, text);
            let mut want = v1_keys.clone();
            if r["status"] == "gradual_exit" {
                want.insert("exit_at");
            }
            let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            prop_assert_eq!(keys, want);
            for m in r["members"].as_array().unwrap() {
                let keys: BTreeSet<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
                prop_assert_eq!(&keys, &member_keys);
            }
            for reason in r["reasons"].as_array().unwrap() {
                prop_assert!(reason.get("citation").is_none(), "{}", reason);
            }
            let v2_codes = [
                "SUPPORTER_NOT_ASSESSED", "ORPHAN_ALLOWANCE", "SEVERE_MEMBER_FULL_STANDARD",
                "TEMP_AID_CASE_BY_CASE", "TEMP_AID_PREPAY", "VISIT_OVERDUE",
                "DISABILITY_LIVING_SUBSIDY", "DISABILITY_CARE_SUBSIDY", "RIGID_EXPENSE_HARDSHIP",
            ];
            for c in r["codes"].as_array().unwrap() {
                prop_assert!(!v2_codes.contains(&c.as_str().unwrap()), "{}", r);
            }
        }
    }

    /// An invalid v2 field makes its household `invalid` with exactly the
    /// error v2 names for it (the other households are still evaluated).
    #[test]
    fn invalid_v2_fields_give_their_errors(
        (p, d, hs) in scenario(),
        m in mutation_strategy(),
        which in any::<prop::sample::Index>(),
        who in 0..8usize,
    ) {
        let mut doc: Value = serde_json::from_str(&document(&hs)).unwrap();
        let i = which.index(hs.len());
        let want = mutate(&mut doc["households"][i], m, who, d);
        let text = doc.to_string();
        let v = evaluate(&p, &text, d);
        for (k, r) in v["results"].as_array().unwrap().iter().enumerate() {
            if k == i {
                prop_assert_eq!(&r["status"], "invalid", "{:?}: {:#}", m, r);
                prop_assert_eq!(&r["errors"], &json!([want.clone()]), "{:?}\n{}", m, doc["households"][i]);
            } else {
                prop_assert_ne!(&r["status"], "invalid");
            }
        }
    }

    /// Given a v1 and a v2 version of the policy, the one in force on D
    /// decides everything, the output format included.
    #[test]
    fn version_in_force_decides_the_rules((p, d, hs) in scenario(), shift in -400..=400i64) {
        let from = d + Duration::days(shift);
        let v2_text = p.toml().replace(
            "effective_from = \"2020-01-01\"",
            &format!("effective_from = \"{from}\""),
        );
        let set = PolicySet::new(vec![
            Policy::from_toml(&p.toml_v1(), "v1").unwrap(),
            Policy::from_toml(&v2_text, "v2").unwrap(),
        ])
        .unwrap();
        let text = document(&hs);
        let got = evaluate_with(&set, &text, d);
        let want = if from <= d {
            evaluate(&p, &text, d)
        } else {
            evaluate_with(&p.policy_set_v1(), &text, d)
        };
        prop_assert_eq!(got, want, "v2 from {}, D = {}", from, d);
    }

    /// Money has exactly two decimals; total_monthly and subsidies_monthly add up.
    #[test]
    fn v2_totals_add_up((p, d, hs) in scenario()) {
        let v = evaluate(&p, &document(&hs), d);
        let money = |x: &Value| Decimal::from_str(x.as_str().unwrap_or_else(|| panic!("money {x}"))).unwrap();
        for r in v["results"].as_array().unwrap() {
            let members = r["members"].as_array().unwrap();
            let sum = |keys: &[&str]| -> Decimal {
                members.iter().flat_map(|m| keys.iter().map(move |k| money(&m[*k]))).sum()
            };
            prop_assert_eq!(
                money(&r["total_monthly"]),
                money(&r["monthly_benefit"])
                    + sum(&["tekun_benefit", "single_person_benefit", "orphan_benefit"]),
                "{:#}", r
            );
            prop_assert_eq!(
                money(&r["subsidies_monthly"]),
                sum(&["living_subsidy", "care_subsidy"]),
                "{:#}", r
            );
            for m in members {
                for k in ["tekun_benefit", "single_person_benefit", "orphan_benefit",
                          "living_subsidy", "care_subsidy"] {
                    let s = m[k].as_str().unwrap();
                    prop_assert!(s.split_once('.').is_some_and(|(_, f)| f.len() == 2), "{k} = {s}");
                }
            }
        }
    }
}

/// The generator reaches every status and every code of v2 (a guard against
/// a generator that silently stops testing a rule).
#[test]
fn generator_reaches_every_status_and_code() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for _ in 0..cases().max(200) {
        let (p, d, hs) = scenario().new_tree(&mut runner).unwrap().current();
        let v = evaluate(&p, &document(&hs), d);
        for r in v["results"].as_array().unwrap() {
            seen.insert(r["status"].as_str().unwrap().to_owned());
            for c in r["codes"].as_array().unwrap() {
                seen.insert(c.as_str().unwrap().to_owned());
            }
            if let Some(level) = r["temp_aid"]["approval_level"].as_str() {
                seen.insert(format!("approval {level}"));
            }
        }
    }
    let want = [
        "dibao",
        "gradual_exit",
        "marginal",
        "low_income",
        "ineligible",
        "tekun",
        "orphan",
        "DIBAO_ELIGIBLE",
        "INCOME_NOT_BELOW_STANDARD",
        "ASSET_FINANCIAL_OVER_LIMIT",
        "ASSET_DISQUALIFYING",
        "TEKUN",
        "MARGINAL",
        "SINGLE_PERSON_DIBAO",
        "LOW_INCOME",
        "GRADUAL_EXIT",
        "GRADUAL_EXIT_ENDED",
        "REVIEW_OVERDUE",
        "TEMP_AID_CAP_LIMITED",
        "TEMP_AID_COUNTY_APPROVAL",
        "MIN_BENEFIT_APPLIED",
        "SUPPORTER_NOT_ASSESSED",
        "ORPHAN_ALLOWANCE",
        "SEVERE_MEMBER_FULL_STANDARD",
        "TEMP_AID_CASE_BY_CASE",
        "TEMP_AID_PREPAY",
        "VISIT_OVERDUE",
        "DISABILITY_LIVING_SUBSIDY",
        "DISABILITY_CARE_SUBSIDY",
        "RIGID_EXPENSE_HARDSHIP",
        "approval none",
        "approval prepay",
        "approval township",
        "approval county",
    ];
    let missing: Vec<&str> = want
        .iter()
        .copied()
        .filter(|w| !seen.contains(*w))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
