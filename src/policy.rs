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

/// The values a policy amount or multiplier may take: generous, but finite,
/// so that a typo or a forged file cannot put an absurd figure (0.01 yuan,
/// 10^9 yuan, 7×10^28) into every household's evaluation. The table is
/// [`RANGES`]; `docs/policy-format.md` lists it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Smallest value allowed (inclusive).
    pub min: Decimal,
    /// Largest value allowed (inclusive).
    pub max: Decimal,
    /// Unit named in messages (`元/人/月`, `倍`, empty for a fraction).
    pub unit: &'static str,
}

impl Range {
    /// Whether `value` lies in the range.
    pub fn contains(&self, value: Decimal) -> bool {
        self.min <= value && value <= self.max
    }

    /// The Chinese description of `value` being out of the range.
    pub fn problem(&self, value: Decimal) -> String {
        format!(
            "的值 {value} 不在允许范围内：应在 {} 到 {}{} 之间",
            self.min, self.max, self.unit
        )
    }
}

const fn range(min: u32, max: u32, unit: &'static str) -> Range {
    Range {
        min: Decimal::from_parts(min, 0, 0, false, 0),
        max: Decimal::from_parts(max, 0, 0, false, 0),
        unit,
    }
}

/// The allowed range of each amount and multiplier of a policy, by key.
///
/// Standards: the lowest monthly 低保 standard in China is about 400 yuan
/// (2024) and the highest about 1,500; 100 to 5,000 leaves room for decades
/// of change. Multipliers: 低保边缘 and 低收入 lines are 1.5 to 2 × S in
/// practice; 特困 basic living is at least 1.3 × S by national rule.
pub const RANGES: &[(&str, Range)] = &[
    (
        "dibao.urban_standard_monthly",
        range(100, 5_000, " 元/人/月"),
    ),
    (
        "dibao.rural_standard_monthly",
        range(100, 5_000, " 元/人/月"),
    ),
    ("dibao.min_household_benefit", range(0, 1_000, " 元/户/月")),
    ("dibao.marginal_multiplier", range(1, 5, " 倍")),
    ("dibao.low_income_multiplier", range(1, 5, " 倍")),
    ("dibao.class_a_uplift", range(0, 1, "")),
    ("dibao.class_b_uplift", range(0, 1, "")),
    (
        "dibao.employment_cost_monthly",
        range(0, 2_000, " 元/人/月"),
    ),
    ("tekun.basic_multiplier", range(1, 5, " 倍")),
    ("tekun.care_monthly.full", range(0, 5_000, " 元/人/月")),
    ("tekun.care_monthly.partial", range(0, 5_000, " 元/人/月")),
    ("tekun.care_monthly.none", range(0, 5_000, " 元/人/月")),
    ("temp_aid.annual_cap", range(0, 500_000, " 元/户/年")),
    ("temp_aid.township_limit", range(0, 500_000, " 元")),
];

/// The allowed range of the policy amount or multiplier `key`.
pub fn range_of(key: &str) -> Option<Range> {
    RANGES.iter().find(|(k, _)| *k == key).map(|(_, r)| *r)
}

/// A TOML error in Chinese: where (line and column), what, and the
/// parser's own words in brackets for a maintainer.
fn toml_message(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or_default().to_owned();
    let what = if message.starts_with("unknown field") {
        format!("不认识的键“{}”", quoted(message))
    } else if message.starts_with("missing field") {
        format!("缺少键“{}”", quoted(message))
    } else if message.starts_with("invalid type") {
        "值的类型不对（例如金额须写成带引号的 \"600.00\"）".to_owned()
    } else if message.contains("out of range")
        || message.contains("too large")
        || message.starts_with("invalid value")
    {
        "数值超出范围或取值不对".to_owned()
    } else if message.starts_with("duplicate key") {
        "同一个键写了两次".to_owned()
    } else {
        "格式不对，不是有效的 TOML".to_owned()
    };
    let place = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            let source: String = (text.lines().nth(line - 1).unwrap_or_default().trim())
                .chars()
                .filter(|c| !c.is_control())
                .take(80)
                .collect();
            format!("第 {line} 行第 {column} 列（{source}）：")
        }
        None => String::new(),
    };
    format!("{place}{what}（{message}）")
}

impl Policy {
    /// Parses and checks one policy file; `source_name` labels errors.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Policy, PolicyError> {
        let mut p: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse {
            source_name: source_name.to_owned(),
            message: toml_message(text, &e),
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
        // Every amount and multiplier within what a real county could use
        // (docs/policy-format.md): a typo or a forged file of 0.01 or 7e28
        // is refused here, before any evaluation multiplies with it.
        let ranged = [
            ("dibao.urban_standard_monthly", d.urban_standard_monthly),
            ("dibao.rural_standard_monthly", d.rural_standard_monthly),
            ("dibao.min_household_benefit", d.min_household_benefit),
            ("dibao.marginal_multiplier", d.marginal_multiplier),
            ("dibao.low_income_multiplier", d.low_income_multiplier),
            ("dibao.class_a_uplift", d.class_a_uplift),
            ("dibao.class_b_uplift", d.class_b_uplift),
            ("dibao.employment_cost_monthly", d.employment_cost_monthly),
            ("tekun.basic_multiplier", self.tekun.basic_multiplier),
            ("tekun.care_monthly.full", self.tekun.care_monthly.full),
            (
                "tekun.care_monthly.partial",
                self.tekun.care_monthly.partial,
            ),
            ("tekun.care_monthly.none", self.tekun.care_monthly.none),
            ("temp_aid.annual_cap", self.temp_aid.annual_cap),
            ("temp_aid.township_limit", self.temp_aid.township_limit),
        ];
        for (key, v) in ranged {
            let Some(range) = range_of(key) else {
                continue;
            };
            if !range.contains(v.0) {
                return Err(fail(key, &range.problem(v.0)));
            }
        }
        if d.low_income_multiplier.0 < d.marginal_multiplier.0 {
            return Err(fail(
                "dibao.low_income_multiplier",
                "不能小于 dibao.marginal_multiplier",
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
        assert_eq!(RANGES.len(), 14);
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
