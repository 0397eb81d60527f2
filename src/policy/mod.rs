//! `bangfu.policy.v1` and `.v2`: one version of one county's parameters,
//! read from TOML.
//!
//! Every number the rules use lives here, never in code. The loader is strict:
//! an unknown or missing key, a TOML float where an exact decimal is needed,
//! or a value that makes no sense (a negative standard, a marginal multiplier
//! below 1) is rejected with the key named.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::model::{Ability, ExpenseKind, Hukou, IncomeKind};

mod check;
mod ranges;
mod toml_error;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use ranges::{range_of, Range, RANGES};
use toml_error::toml_message;

/// The `format` value of a v1 policy file.
pub const FORMAT: &str = "bangfu.policy.v1";

/// The `format` value of a v2 policy file.
pub const FORMAT_V2: &str = "bangfu.policy.v2";

/// A decimal that must be written as a TOML string (`"1.5"`), never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a decimal written as a string, such as \"1.5\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Dec, E> {
                let body = s.strip_prefix('-').unwrap_or(s);
                let ok = !body.is_empty()
                    && body.split('.').count() <= 2
                    && body
                        .split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return Err(E::custom(format!(
                        "\"{s}\" is not a decimal such as \"1.5\""
                    )));
                }
                s.parse()
                    .map(Dec)
                    .map_err(|_| E::custom(format!("\"{s}\" is out of range")))
            }
        }
        d.deserialize_str(V)
    }
}

/// A date written as a TOML date or a `"YYYY-MM-DD"` string.
fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Toml(toml::value::Datetime),
    }
    let text = match Raw::deserialize(d)? {
        Raw::Text(s) => s,
        Raw::Toml(dt) => dt.to_string(),
    };
    crate::dates::parse_iso_date(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("\"{text}\" is not a YYYY-MM-DD date")))
}

/// Benefit rounding: whole yuan or fen, half-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    /// Round to whole yuan.
    Yuan,
    /// Round to 0.01 yuan.
    Fen,
}

impl Rounding {
    /// Decimal places kept.
    pub fn decimals(self) -> u32 {
        match self {
            Rounding::Yuan => 0,
            Rounding::Fen => 2,
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Rounding::Yuan => "元",
            Rounding::Fen => "分",
        }
    }
}

/// `[dibao]`: 最低生活保障 parameters. The `Option` keys are v2's: required
/// in a v2 file, refused in a v1 file, and read through [`Policy`]'s methods,
/// which give v1's behaviour when they are absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each key is documented in docs/policy-format.md
pub struct Dibao {
    pub urban_standard_monthly: Dec,
    pub rural_standard_monthly: Dec,
    pub benefit_rounding: Rounding,
    pub min_household_benefit: Dec,
    pub marginal_multiplier: Dec,
    pub low_income_multiplier: Dec,
    pub financial_asset_limit_months: u32,
    pub class_a_uplift: Dec,
    pub class_b_uplift: Dec,
    pub class_a_min_age: u32,
    pub class_b_min_age: u32,
    pub class_b_max_child_age: u32,
    pub review_months_ab: u32,
    pub review_months_c: u32,
    pub gradual_exit_months: u32,
    pub employment_cost_monthly: Dec,
    pub excluded_income_kinds: Vec<String>,
    pub deductible_expense_kinds: Vec<String>,
    pub severe_member_full_standard: Option<bool>,
    pub gradual_exit_ceiling: Option<ExitCeiling>,
    pub gradual_exit_start: Option<ExitStart>,
    pub single_person_scope: Option<SinglePersonScope>,
    pub single_person_groups: Option<Vec<SinglePersonGroup>>,
}

/// `[tekun.care_monthly]`: 照料护理 by self-care ability.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CareMonthly {
    pub full: Dec,
    pub partial: Dec,
    pub none: Dec,
}

/// `[tekun]`: 特困人员供养 parameters (the `Option` keys are v2's).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Tekun {
    pub basic_multiplier: Dec,
    pub min_age: u32,
    pub max_child_age: u32,
    pub care_monthly: CareMonthly,
    pub supporter_capable_multiplier: Option<Dec>,
    pub supporter_exempt_age: Option<u32>,
    pub supporter_exempt_asset_months: Option<u32>,
    pub child_route: Option<ChildRoute>,
    pub review_months: Option<u32>,
}

/// `[temp_aid]`: 临时救助 parameters (the `Option` keys are v2's).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TempAid {
    pub annual_cap: Dec,
    pub township_limit: Dec,
    pub case_by_case_cap: Option<Dec>,
    pub prepay_limit: Option<Dec>,
}

/// `[orphan]` (v2): 孤儿基本生活保障.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Orphan {
    pub monthly_allowance: Dec,
    pub max_age: u32,
}

/// `[casework.visit_months]` (v2): home-visit cadence by status, in months;
/// 0 = no visits on that ground.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct VisitMonths {
    pub dibao: u32,
    pub gradual_exit: u32,
    pub tekun: u32,
    pub marginal: u32,
    pub low_income: u32,
}

/// `[casework]` (v2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Casework {
    pub visit_months: VisitMonths,
}

/// `[disability_subsidies.care_monthly]` (v2): 重度残疾人护理补贴 by grade.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DisabilityCareMonthly {
    pub grade1: Dec,
    pub grade2: Dec,
    pub grade3_4_intellectual_mental: Dec,
}

/// `[disability_subsidies]` (v2): 残疾人两项补贴.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DisabilitySubsidies {
    pub living_monthly: Dec,
    pub living_statuses: Vec<SubsidyStatus>,
    pub care_monthly: DisabilityCareMonthly,
}

/// `[monitoring]` (v2): 刚性支出困难 monitoring.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Monitoring {
    pub rigid_expense_share: Dec,
}

/// `tekun.child_route`: what a child without capable supporters draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildRoute {
    /// 特困, like an adult without work capacity (v1).
    #[default]
    Tekun,
    /// 孤儿基本生活保障.
    Orphan,
}

/// `dibao.gradual_exit_ceiling`: the income above which there is no 渐退.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitCeiling {
    /// 渐退 only while PCI ≤ the 低收入 line (v1).
    #[default]
    LowIncome,
    /// No income ceiling.
    None,
}

/// `dibao.gradual_exit_start`: when the 渐退 period starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStart {
    /// On the day the income was first found above S (v1).
    #[default]
    FirstFinding,
    /// On the first day of the following month (自认定次月起).
    NextMonth,
}

/// `dibao.single_person_scope`: which households' members may draw 单人保.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinglePersonScope {
    /// 低保边缘 households only (v1).
    #[default]
    Marginal,
    /// Any household not in 低保 whose asset test passes.
    NotDibao,
}

/// `dibao.single_person_groups`: who may draw 单人保.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinglePersonGroup {
    /// 重度残疾.
    SevereDisability,
    /// 重病.
    SeriousIllness,
    /// 精神残疾, any grade.
    MentalDisability,
}

/// A household status whose disabled members draw 困难残疾人生活补贴.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum SubsidyStatus {
    Dibao,
    GradualExit,
    Marginal,
    LowIncome,
}

impl SubsidyStatus {
    /// The status code it names (`dibao`, …).
    pub fn code(self) -> &'static str {
        match self {
            SubsidyStatus::Dibao => "dibao",
            SubsidyStatus::GradualExit => "gradual_exit",
            SubsidyStatus::Marginal => "marginal",
            SubsidyStatus::LowIncome => "low_income",
        }
    }
}

/// The two editions of the policy format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Edition {
    /// `bangfu.policy.v1`.
    V1,
    /// `bangfu.policy.v2`.
    V2,
}

/// One policy version as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Policy {
    pub format: String,
    pub region_code: String,
    pub region_name: String,
    pub version: String,
    #[serde(deserialize_with = "de_date")]
    pub effective_from: NaiveDate,
    pub dibao: Dibao,
    pub tekun: Tekun,
    pub temp_aid: TempAid,
    pub orphan: Option<Orphan>,
    pub casework: Option<Casework>,
    pub disability_subsidies: Option<DisabilitySubsidies>,
    pub monitoring: Option<Monitoring>,
    /// Policy key → the provision it comes from (`《…》第五条`).
    pub citations: Option<BTreeMap<String, Arc<str>>>,
    /// `[procedure]` (optional in either edition): the 办理时限; the
    /// national defaults apply without it.
    pub procedure: Option<crate::lifecycle::Procedure>,
    /// v1 or v2, from `format`.
    #[serde(skip, default = "v1")]
    pub edition: Edition,
    /// Income kinds not counted, checked from `dibao.excluded_income_kinds`.
    #[serde(skip)]
    pub excluded: Vec<IncomeKind>,
    /// Expense kinds deducted, checked from `dibao.deductible_expense_kinds`.
    #[serde(skip)]
    pub deductible: Vec<ExpenseKind>,
}

fn v1() -> Edition {
    Edition::V1
}

/// How a v2 policy judges a supporter's capability from the figures
/// (`tekun.supporter_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SupporterTest {
    /// Capable when the family's monthly income per person ≥ this × S.
    pub capable_multiplier: Decimal,
    /// From this age …
    pub exempt_age: u32,
    /// … with family assets per person ≤ this many × S: not capable.
    pub exempt_asset_months: u32,
}

/// A policy file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Not TOML, or a key missing, unknown or of the wrong type.
    #[error("{source_name}：{message}")]
    Parse {
        /// File name or other label.
        source_name: String,
        /// The TOML error, which names the key and line.
        message: String,
    },
    /// A value that makes no sense.
    #[error("{source_name}：{key} {problem}")]
    Value {
        /// File name or other label.
        source_name: String,
        /// Dotted key (`dibao.marginal_multiplier`).
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Two versions start the same day.
    #[error("两个政策版本（{0} 与 {1}）生效日期相同：{2}")]
    SameDay(String, String, NaiveDate),
    /// No version applies on the evaluation date.
    #[error("{0} 没有已生效的政策版本")]
    NoneInForce(NaiveDate),
    /// No policy file given.
    #[error("没有提供政策文件")]
    Empty,
    /// A figure left the range of exact decimals while evaluating a household
    /// (only possible with parameters outside [`RANGES`]); nothing is decided.
    #[error("按政策版本 {version} 评估户 {household} 时，{step}的计算结果超出数值范围，未作评估：请检查政策参数和该户的金额")]
    Overflow {
        /// The policy's `version`.
        version: String,
        /// The household's code.
        household: String,
        /// The step of the rules, in Chinese.
        step: &'static str,
    },
}

impl Policy {
    /// Parses and checks one policy file; `source_name` labels errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Policy, PolicyError> {
        let parse_error = |e: toml::de::Error| PolicyError::Parse {
            source_name: source_name.to_owned(),
            message: toml_message(text, &e),
        };
        let mut p: Policy = toml::from_str(text).map_err(parse_error)?;
        let table: toml::Table = toml::from_str(text).map_err(parse_error)?;
        p.check(source_name, &table)?;
        Ok(p)
    }

    /// Whether this is a `bangfu.policy.v2` file.
    pub fn is_v2(&self) -> bool {
        self.edition == Edition::V2
    }

    /// How supporters are judged from their figures (v2); `None` under v1,
    /// where only a recorded `capable` counts.
    pub fn supporter_test(&self) -> Option<SupporterTest> {
        let t = &self.tekun;
        Some(SupporterTest {
            capable_multiplier: t.supporter_capable_multiplier?.0,
            exempt_age: t.supporter_exempt_age?,
            exempt_asset_months: t.supporter_exempt_asset_months?,
        })
    }

    /// `tekun.child_route` (v1: 特困).
    pub fn child_route(&self) -> ChildRoute {
        self.tekun.child_route.unwrap_or_default()
    }

    /// `dibao.severe_member_full_standard` (v1: false).
    pub fn severe_member_full_standard(&self) -> bool {
        self.dibao.severe_member_full_standard.unwrap_or(false)
    }

    /// `dibao.gradual_exit_ceiling` (v1: the 低收入 line).
    pub fn gradual_exit_ceiling(&self) -> ExitCeiling {
        self.dibao.gradual_exit_ceiling.unwrap_or_default()
    }

    /// `dibao.gradual_exit_start` (v1: the first finding).
    pub fn gradual_exit_start(&self) -> ExitStart {
        self.dibao.gradual_exit_start.unwrap_or_default()
    }

    /// `dibao.single_person_scope` (v1: 低保边缘 households).
    pub fn single_person_scope(&self) -> SinglePersonScope {
        self.dibao.single_person_scope.unwrap_or_default()
    }

    /// `dibao.single_person_groups` (v1: severe disability and serious illness).
    pub fn single_person_groups(&self) -> &[SinglePersonGroup] {
        const V1: &[SinglePersonGroup] = &[
            SinglePersonGroup::SevereDisability,
            SinglePersonGroup::SeriousIllness,
        ];
        self.dibao.single_person_groups.as_deref().unwrap_or(V1)
    }

    /// The 办理时限 (`[procedure]`, else the national defaults).
    pub fn procedure(&self) -> crate::lifecycle::Procedure {
        self.procedure.unwrap_or_default()
    }

    /// The provision `key` comes from, when the policy cites one.
    pub fn citation(&self, key: &str) -> Option<&Arc<str>> {
        self.citations.as_ref()?.get(key)
    }

    /// 低保标准 S for a hukou type, and the policy key it comes from.
    pub fn standard(&self, hukou: Hukou) -> (Decimal, &'static str) {
        match hukou {
            Hukou::Rural => (
                self.dibao.rural_standard_monthly.0,
                "dibao.rural_standard_monthly",
            ),
            Hukou::Urban => (
                self.dibao.urban_standard_monthly.0,
                "dibao.urban_standard_monthly",
            ),
        }
    }

    /// 照料护理 amount for a self-care ability, and its key.
    pub fn care(&self, self_care: Ability) -> (Decimal, &'static str) {
        let c = &self.tekun.care_monthly;
        match self_care {
            Ability::Full => (c.full.0, "tekun.care_monthly.full"),
            Ability::Partial => (c.partial.0, "tekun.care_monthly.partial"),
            Ability::None => (c.none.0, "tekun.care_monthly.none"),
        }
    }
}

/// Several versions of a county's policy; picks the one in force on a date.
#[derive(Debug, Clone)]
pub struct PolicySet {
    versions: Vec<Policy>,
}

impl PolicySet {
    /// Builds a set, rejecting two versions that take effect the same day.
    pub fn new(mut versions: Vec<Policy>) -> Result<Self, PolicyError> {
        if versions.is_empty() {
            return Err(PolicyError::Empty);
        }
        versions.sort_by_key(|p| p.effective_from);
        for pair in versions.windows(2) {
            if pair[0].effective_from == pair[1].effective_from {
                return Err(PolicyError::SameDay(
                    pair[0].version.clone(),
                    pair[1].version.clone(),
                    pair[0].effective_from,
                ));
            }
        }
        Ok(PolicySet { versions })
    }

    /// The version in force on `date`: the latest `effective_from` ≤ `date`.
    pub fn in_force(&self, date: NaiveDate) -> Result<&Policy, PolicyError> {
        self.versions
            .iter()
            .rev()
            .find(|p| p.effective_from <= date)
            .ok_or(PolicyError::NoneInForce(date))
    }

    /// All versions, oldest first.
    pub fn versions(&self) -> &[Policy] {
        &self.versions
    }
}

/// The default policy shipped with the program (the public example county).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../assets/policy-default.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_say_where_and_what_in_chinese() {
        let bad = |text: &str| match Policy::from_toml(text, "p.toml") {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        };
        let e = bad("format = \"bangfu.policy.v1\"\nx = 1\n");
        assert!(
            e.contains("第 2 行第 1 列") && e.contains("不认识的键“x”"),
            "{e}"
        );
        let huge =
            DEFAULT_POLICY_TOML.replace("class_a_min_age = 80", "class_a_min_age = 99999999999");
        let e = bad(&huge);
        assert!(e.contains("行第") && e.contains("超出范围"), "{e}");
        let e = bad("format = [\n");
        assert!(e.contains("格式不对"), "{e}");
    }

    /// The built-in policy with the line of `leaf` set to `value`.
    fn with(leaf: &str, value: &str) -> String {
        DEFAULT_POLICY_TOML
            .lines()
            .map(|l| {
                if l.split(' ').next() == Some(leaf) {
                    format!("{leaf} = \"{value}\"\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect()
    }

    #[test]
    fn every_amount_outside_its_range_is_refused_naming_key_value_and_range() {
        assert_eq!(RANGES.len(), 23);
        for (key, range) in RANGES {
            let leaf = key.rsplit('.').next().unwrap();
            let above = (range.max + Decimal::ONE).to_string();
            let text = with(leaf, &above);
            assert!(text.contains(&above), "{key}");
            let e = Policy::from_toml(&text, "p.toml").unwrap_err().to_string();
            assert!(
                e.contains(key) && e.contains(&above) && e.contains(&range.max.to_string()),
                "{key}: {e}"
            );
            if range.min > Decimal::ZERO {
                let below = (range.min - Decimal::new(1, 2)).to_string();
                let e = Policy::from_toml(&with(leaf, &below), "p.toml")
                    .unwrap_err()
                    .to_string();
                assert!(e.contains(key) && e.contains(&below), "{key}: {e}");
            }
            // The bounds themselves are allowed (the multipliers' order aside).
            if !key.ends_with("_multiplier") {
                for edge in [range.min, range.max] {
                    Policy::from_toml(&with(leaf, &edge.to_string()), "p.toml")
                        .unwrap_or_else(|e| panic!("{key} = {edge}: {e}"));
                }
            }
        }
    }

    #[test]
    fn absurd_standards_are_refused() {
        for v in ["0.01", "1000000000", "70000000000000000000000000000"] {
            let e = Policy::from_toml(&with("rural_standard_monthly", v), "p.toml")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("dibao.rural_standard_monthly") && e.contains("100 到 5000"),
                "{v}: {e}"
            );
        }
    }
}
