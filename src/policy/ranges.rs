//! The values each policy amount, multiplier and share may take.

use rust_decimal::Decimal;

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
    ("tekun.supporter_capable_multiplier", range(0, 10, " 倍")),
    (
        "temp_aid.case_by_case_cap",
        range(0, 1_000_000, " 元/户/年"),
    ),
    ("temp_aid.prepay_limit", range(0, 500_000, " 元")),
    ("orphan.monthly_allowance", range(0, 10_000, " 元/人/月")),
    (
        "disability_subsidies.living_monthly",
        range(0, 5_000, " 元/人/月"),
    ),
    (
        "disability_subsidies.care_monthly.grade1",
        range(0, 5_000, " 元/人/月"),
    ),
    (
        "disability_subsidies.care_monthly.grade2",
        range(0, 5_000, " 元/人/月"),
    ),
    (
        "disability_subsidies.care_monthly.grade3_4_intellectual_mental",
        range(0, 5_000, " 元/人/月"),
    ),
    ("monitoring.rigid_expense_share", range(0, 10, " 倍")),
];

/// The allowed range of the policy amount or multiplier `key`.
pub fn range_of(key: &str) -> Option<Range> {
    RANGES.iter().find(|(k, _)| *k == key).map(|(_, r)| *r)
}
