//! `bangfu.policy.v1`: one version of one county's parameters, read from TOML.
//!
//! Every number the rules use lives here, never in code. The loader is strict:
//! an unknown or missing key, a TOML float where an exact decimal is needed,
//! or a value that makes no sense (a negative standard, a marginal multiplier
//! below 1) is rejected with the key named.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::model::{Ability, ExpenseKind, Hukou, IncomeKind};

/// The `format` value of a policy file.
pub const FORMAT: &str = "bangfu.policy.v1";

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

/// `[dibao]`: 最低生活保障 parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each key is documented in spec §1
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

/// `[tekun]`: 特困人员供养 parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Tekun {
    pub basic_multiplier: Dec,
    pub min_age: u32,
    pub max_child_age: u32,
    pub care_monthly: CareMonthly,
}

/// `[temp_aid]`: 临时救助 parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TempAid {
    pub annual_cap: Dec,
    pub township_limit: Dec,
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
    /// Income kinds not counted, checked from `dibao.excluded_income_kinds`.
    #[serde(skip)]
    pub excluded: Vec<IncomeKind>,
    /// Expense kinds deducted, checked from `dibao.deductible_expense_kinds`.
    #[serde(skip)]
    pub deductible: Vec<ExpenseKind>,
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
}

impl Policy {
    /// Parses and checks one policy file; `source_name` labels errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Policy, PolicyError> {
        let mut p: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse {
            source_name: source_name.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        p.check(source_name)?;
        Ok(p)
    }

    fn check(&mut self, source_name: &str) -> Result<(), PolicyError> {
        let fail = |key: &str, problem: &str| PolicyError::Value {
            source_name: source_name.to_owned(),
            key: key.to_owned(),
            problem: problem.to_owned(),
        };
        if self.format != FORMAT {
            return Err(fail("format", &format!("应为 \"{FORMAT}\"")));
        }
        if self.region_code.len() != 6 || !self.region_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("region_code", "应为6位数字的行政区划代码"));
        }
        if self.version.trim().is_empty() {
            return Err(fail("version", "不能为空"));
        }
        let d = &self.dibao;
        let one = Decimal::ONE;
        let positive = [
            ("dibao.urban_standard_monthly", d.urban_standard_monthly),
            ("dibao.rural_standard_monthly", d.rural_standard_monthly),
            ("tekun.basic_multiplier", self.tekun.basic_multiplier),
        ];
        for (key, v) in positive {
            if v.0 <= Decimal::ZERO {
                return Err(fail(key, "必须大于0"));
            }
        }
        let non_negative = [
            ("dibao.min_household_benefit", d.min_household_benefit),
            ("dibao.class_a_uplift", d.class_a_uplift),
            ("dibao.class_b_uplift", d.class_b_uplift),
            ("dibao.employment_cost_monthly", d.employment_cost_monthly),
            ("tekun.care_monthly.full", self.tekun.care_monthly.full),
            (
                "tekun.care_monthly.partial",
                self.tekun.care_monthly.partial,
            ),
            ("tekun.care_monthly.none", self.tekun.care_monthly.none),
            ("temp_aid.annual_cap", self.temp_aid.annual_cap),
            ("temp_aid.township_limit", self.temp_aid.township_limit),
        ];
        for (key, v) in non_negative {
            if v.0 < Decimal::ZERO {
                return Err(fail(key, "不能为负数"));
            }
        }
        if d.marginal_multiplier.0 < one {
            return Err(fail("dibao.marginal_multiplier", "不能小于1"));
        }
        if d.low_income_multiplier.0 < d.marginal_multiplier.0 {
            return Err(fail(
                "dibao.low_income_multiplier",
                "不能小于 dibao.marginal_multiplier",
            ));
        }
        if d.class_a_uplift.0 > one || d.class_b_uplift.0 > one {
            return Err(fail(
                "dibao.class_a_uplift / class_b_uplift",
                "增发比例应在0到1之间",
            ));
        }
        for (key, v) in [
            ("dibao.review_months_ab", d.review_months_ab),
            ("dibao.review_months_c", d.review_months_c),
        ] {
            if v == 0 {
                return Err(fail(key, "至少为1个月"));
            }
        }
        for (key, v) in [
            ("dibao.class_a_min_age", d.class_a_min_age),
            ("dibao.class_b_min_age", d.class_b_min_age),
            ("dibao.class_b_max_child_age", d.class_b_max_child_age),
            ("tekun.min_age", self.tekun.min_age),
            ("tekun.max_child_age", self.tekun.max_child_age),
        ] {
            if v > 150 {
                return Err(fail(key, "年龄不合理（应在0到150之间）"));
            }
        }
        if d.gradual_exit_months > 120 || d.financial_asset_limit_months > 1200 {
            return Err(fail(
                "dibao.gradual_exit_months / financial_asset_limit_months",
                "月数不合理",
            ));
        }
        self.excluded = d
            .excluded_income_kinds
            .iter()
            .map(|k| {
                IncomeKind::from_code(k).ok_or_else(|| {
                    fail(
                        "dibao.excluded_income_kinds",
                        &format!("含未知收入类型 \"{k}\""),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        self.deductible = d
            .deductible_expense_kinds
            .iter()
            .map(|k| {
                ExpenseKind::from_code(k).ok_or_else(|| {
                    fail(
                        "dibao.deductible_expense_kinds",
                        &format!("含未知支出类型 \"{k}\""),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(())
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
pub const DEFAULT_POLICY_TOML: &str = include_str!("../assets/policy-default.toml");
