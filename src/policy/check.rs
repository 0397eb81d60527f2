//! What a policy file must hold beyond its TOML shape: the keys of its
//! edition, values a county could really use, and citations of real keys.

use super::{range_of, Dec, Edition, Policy, PolicyError, FORMAT, FORMAT_V2};
use crate::model::{ExpenseKind, IncomeKind};

impl Policy {
    /// Checks a freshly read policy; `table` is the same file as plain TOML
    /// (for the citations, which must name keys that hold a value).
    pub(super) fn check(
        &mut self,
        source_name: &str,
        table: &toml::Table,
    ) -> Result<(), PolicyError> {
        let fail = |key: &str, problem: &str| PolicyError::Value {
            source_name: source_name.to_owned(),
            key: key.to_owned(),
            problem: problem.to_owned(),
        };
        self.edition = match self.format.as_str() {
            FORMAT => Edition::V1,
            FORMAT_V2 => Edition::V2,
            _ => {
                return Err(fail(
                    "format",
                    &format!("应为 \"{FORMAT}\" 或 \"{FORMAT_V2}\""),
                ))
            }
        };
        for (key, present) in self.v2_keys() {
            match (self.edition, present) {
                (Edition::V1, true) => {
                    return Err(fail(
                        key,
                        &format!("是 {FORMAT_V2} 的键，{FORMAT} 的文件不能有（请把 format 改为 \"{FORMAT_V2}\" 并写全 v2 的键）"),
                    ))
                }
                (Edition::V2, false) if key != "citations" => {
                    return Err(fail(key, &format!("缺失：{FORMAT_V2} 的文件必须写这个键")))
                }
                _ => {}
            }
        }
        if self.region_code.len() != 6 || !self.region_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail("region_code", "应为6位数字的行政区划代码"));
        }
        if self.version.trim().is_empty() {
            return Err(fail("version", "不能为空"));
        }
        // Every amount, multiplier and share within what a real county could
        // use (docs/policy-format.md): a typo or a forged file of 0.01 or
        // 7e28 is refused here, before any evaluation multiplies with it.
        for (key, value) in self.ranged_values() {
            let Some(range) = range_of(key) else {
                continue;
            };
            if !range.contains(value.0) {
                return Err(fail(key, &range.problem(value.0)));
            }
        }
        let d = &self.dibao;
        if d.low_income_multiplier.0 < d.marginal_multiplier.0 {
            return Err(fail(
                "dibao.low_income_multiplier",
                "不能小于 dibao.marginal_multiplier",
            ));
        }
        let mut review_months = vec![
            ("dibao.review_months_ab", d.review_months_ab),
            ("dibao.review_months_c", d.review_months_c),
        ];
        review_months.extend(self.tekun.review_months.map(|m| ("tekun.review_months", m)));
        for (key, v) in review_months {
            if v == 0 || v > 120 {
                return Err(fail(key, "应在1到120个月之间"));
            }
        }
        let mut ages = vec![
            ("dibao.class_a_min_age", d.class_a_min_age),
            ("dibao.class_b_min_age", d.class_b_min_age),
            ("dibao.class_b_max_child_age", d.class_b_max_child_age),
            ("tekun.min_age", self.tekun.min_age),
            ("tekun.max_child_age", self.tekun.max_child_age),
        ];
        ages.extend(
            self.tekun
                .supporter_exempt_age
                .map(|a| ("tekun.supporter_exempt_age", a)),
        );
        ages.extend(self.orphan.as_ref().map(|o| ("orphan.max_age", o.max_age)));
        for (key, v) in ages {
            if v > 150 {
                return Err(fail(key, "年龄不合理（应在0到150之间）"));
            }
        }
        let mut months = vec![
            ("dibao.gradual_exit_months", d.gradual_exit_months, 120),
            (
                "dibao.financial_asset_limit_months",
                d.financial_asset_limit_months,
                1200,
            ),
        ];
        months.extend(
            self.tekun
                .supporter_exempt_asset_months
                .map(|m| ("tekun.supporter_exempt_asset_months", m, 1200)),
        );
        if let Some(c) = &self.casework {
            let v = &c.visit_months;
            for (key, m) in [
                ("casework.visit_months.dibao", v.dibao),
                ("casework.visit_months.gradual_exit", v.gradual_exit),
                ("casework.visit_months.tekun", v.tekun),
                ("casework.visit_months.marginal", v.marginal),
                ("casework.visit_months.low_income", v.low_income),
            ] {
                months.push((key, m, 120));
            }
        }
        for (key, v, max) in months {
            if v > max {
                return Err(fail(key, &format!("月数不合理（应在0到{max}之间）")));
            }
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
        if let Some(p) = &self.procedure {
            for (key, v, range) in [
                (
                    "procedure.investigation_working_days",
                    p.investigation_working_days,
                    1..=30,
                ),
                (
                    "procedure.decision_working_days",
                    p.decision_working_days,
                    1..=120,
                ),
                (
                    "procedure.decision_extended_working_days",
                    p.decision_extended_working_days,
                    p.decision_working_days..=180,
                ),
                ("procedure.notice_days", p.notice_days, 1..=30),
                ("procedure.prepay_hours", p.prepay_hours, 1..=720),
                (
                    "procedure.monitoring_visit_months",
                    p.monitoring_visit_months,
                    1..=12,
                ),
            ] {
                if !range.contains(&v) {
                    return Err(fail(
                        key,
                        &format!("应在 {} 到 {} 之间", range.start(), range.end()),
                    ));
                }
            }
        }
        if let Some(citations) = &self.citations {
            for (key, text) in citations {
                if !holds_value(table, key) {
                    return Err(fail(
                        &format!("citations.\"{key}\""),
                        "引用的不是本政策文件中有值的键（应为如 dibao.rural_standard_monthly 这样的键，不能是表）",
                    ));
                }
                if text.trim().is_empty() {
                    return Err(fail(&format!("citations.\"{key}\""), "不能为空"));
                }
            }
        }
        Ok(())
    }

    /// Each v2 key (or table) and whether the file has it.
    fn v2_keys(&self) -> [(&'static str, bool); 17] {
        let (d, t, a) = (&self.dibao, &self.tekun, &self.temp_aid);
        [
            (
                "tekun.supporter_capable_multiplier",
                t.supporter_capable_multiplier.is_some(),
            ),
            (
                "tekun.supporter_exempt_age",
                t.supporter_exempt_age.is_some(),
            ),
            (
                "tekun.supporter_exempt_asset_months",
                t.supporter_exempt_asset_months.is_some(),
            ),
            ("tekun.child_route", t.child_route.is_some()),
            ("tekun.review_months", t.review_months.is_some()),
            ("orphan", self.orphan.is_some()),
            (
                "dibao.severe_member_full_standard",
                d.severe_member_full_standard.is_some(),
            ),
            (
                "dibao.gradual_exit_ceiling",
                d.gradual_exit_ceiling.is_some(),
            ),
            ("dibao.gradual_exit_start", d.gradual_exit_start.is_some()),
            ("dibao.single_person_scope", d.single_person_scope.is_some()),
            (
                "dibao.single_person_groups",
                d.single_person_groups.is_some(),
            ),
            ("temp_aid.case_by_case_cap", a.case_by_case_cap.is_some()),
            ("temp_aid.prepay_limit", a.prepay_limit.is_some()),
            ("casework.visit_months", self.casework.is_some()),
            ("disability_subsidies", self.disability_subsidies.is_some()),
            ("monitoring", self.monitoring.is_some()),
            ("citations", self.citations.is_some()),
        ]
    }

    /// Every amount, multiplier and share in the file, by key.
    fn ranged_values(&self) -> Vec<(&'static str, Dec)> {
        let (d, t, a) = (&self.dibao, &self.tekun, &self.temp_aid);
        let mut out = vec![
            ("dibao.urban_standard_monthly", d.urban_standard_monthly),
            ("dibao.rural_standard_monthly", d.rural_standard_monthly),
            ("dibao.min_household_benefit", d.min_household_benefit),
            ("dibao.marginal_multiplier", d.marginal_multiplier),
            ("dibao.low_income_multiplier", d.low_income_multiplier),
            ("dibao.class_a_uplift", d.class_a_uplift),
            ("dibao.class_b_uplift", d.class_b_uplift),
            ("dibao.employment_cost_monthly", d.employment_cost_monthly),
            ("tekun.basic_multiplier", t.basic_multiplier),
            ("tekun.care_monthly.full", t.care_monthly.full),
            ("tekun.care_monthly.partial", t.care_monthly.partial),
            ("tekun.care_monthly.none", t.care_monthly.none),
            ("temp_aid.annual_cap", a.annual_cap),
            ("temp_aid.township_limit", a.township_limit),
        ];
        let optional = [
            (
                "tekun.supporter_capable_multiplier",
                t.supporter_capable_multiplier,
            ),
            ("temp_aid.case_by_case_cap", a.case_by_case_cap),
            ("temp_aid.prepay_limit", a.prepay_limit),
            (
                "orphan.monthly_allowance",
                self.orphan.as_ref().map(|o| o.monthly_allowance),
            ),
            (
                "disability_subsidies.living_monthly",
                self.disability_subsidies.as_ref().map(|s| s.living_monthly),
            ),
            (
                "disability_subsidies.care_monthly.grade1",
                self.disability_subsidies
                    .as_ref()
                    .map(|s| s.care_monthly.grade1),
            ),
            (
                "disability_subsidies.care_monthly.grade2",
                self.disability_subsidies
                    .as_ref()
                    .map(|s| s.care_monthly.grade2),
            ),
            (
                "disability_subsidies.care_monthly.grade3_4_intellectual_mental",
                self.disability_subsidies
                    .as_ref()
                    .map(|s| s.care_monthly.grade3_4_intellectual_mental),
            ),
            (
                "monitoring.rigid_expense_share",
                self.monitoring.as_ref().map(|m| m.rigid_expense_share),
            ),
        ];
        out.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        out
    }
}

/// Whether the dotted `key` names a value (not a table) in `table`,
/// outside `[citations]` itself.
fn holds_value(table: &toml::Table, key: &str) -> bool {
    let mut parts = key.split('.');
    let Some(first) = parts.next().filter(|p| *p != "citations") else {
        return false;
    };
    let mut here = table.get(first);
    for part in parts {
        here = here.and_then(|v| v.as_table()).and_then(|t| t.get(part));
    }
    here.is_some_and(|v| !v.is_table())
}
