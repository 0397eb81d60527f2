//! Rules v2 §8–9: 残疾人两项补贴 per member, and the 刚性支出困难 flag for
//! monitoring. Neither changes the status or the assistance paid.

use rust_decimal::Decimal;

use super::checked::{mul, sum, Checked};
use super::{Code, MemberOutcome, Status};
use crate::model::DisabilityKind;
use crate::money::format_amount as yuan;

impl super::evaluation::Evaluation<'_> {
    /// 困难残疾人生活补贴 and 重度残疾人护理补贴 for members not 特困 or 孤儿.
    pub(super) fn disability_subsidies(
        &mut self,
        status: Status,
        members: &mut [MemberOutcome],
    ) -> Checked<()> {
        let Some(rules) = &self.policy.disability_subsidies else {
            return Ok(());
        };
        let living_applies = rules
            .living_statuses
            .iter()
            .any(|s| s.code() == status.code());
        let mut notes = Vec::new();
        for (p, out) in self.people.iter().zip(members.iter_mut()) {
            let Some(disability) = &p.member.disability else {
                continue;
            };
            if out.tekun || out.orphan {
                continue;
            }
            if living_applies {
                out.living_subsidy = rules.living_monthly.0;
            }
            let c = &rules.care_monthly;
            let (care, key) = match disability.grade {
                1 => (c.grade1.0, "disability_subsidies.care_monthly.grade1"),
                2 => (c.grade2.0, "disability_subsidies.care_monthly.grade2"),
                3 | 4
                    if matches!(
                        disability.kind,
                        DisabilityKind::Intellectual | DisabilityKind::Mental
                    ) =>
                {
                    (
                        c.grade3_4_intellectual_mental.0,
                        "disability_subsidies.care_monthly.grade3_4_intellectual_mental",
                    )
                }
                _ => (Decimal::ZERO, ""),
            };
            out.care_subsidy = care;
            let name = &p.member.name;
            let grade = disability.grade;
            let kind = disability.kind.zh();
            if !out.living_subsidy.is_zero() {
                notes.push((
                    Code::DisabilityLivingSubsidy,
                    "disability_subsidies.living_monthly",
                    format!(
                        "{name}为{kind}{grade}级残疾，家庭属{}，享受困难残疾人生活补贴每月{}元",
                        status.zh(),
                        yuan(out.living_subsidy)
                    ),
                ));
            }
            if !care.is_zero() {
                notes.push((
                    Code::DisabilityCareSubsidy,
                    key,
                    format!(
                        "{name}为{kind}{grade}级残疾，享受重度残疾人护理补贴每月{}元",
                        yuan(care)
                    ),
                ));
            }
        }
        for (code, key, text) in notes {
            self.note(code, Some(key), text);
        }
        Ok(())
    }

    /// 刚性支出困难: a household not in 低保 whose deductible expenses reach
    /// the policy's share of R's counted income is flagged for monitoring.
    pub(super) fn rigid_expenses(&mut self, status: Status, rest: &[usize]) -> Checked<()> {
        let Some(monitoring) = &self.policy.monitoring else {
            return Ok(());
        };
        if !matches!(
            status,
            Status::Marginal | Status::LowIncome | Status::Ineligible
        ) || !self.assets_ok()
        {
            return Ok(());
        }
        let expenses = self.deductible_expenses()?;
        let step = "刚性支出困难";
        let income = sum(rest.iter().map(|&i| self.people[i].counted_income), step)?;
        let share = monitoring.rigid_expense_share.0;
        let line = mul(share, income, step)?;
        if expenses > Decimal::ZERO && expenses >= line {
            self.note(
                Code::RigidExpenseHardship,
                Some("monitoring.rigid_expense_share"),
                format!(
                    "家庭年刚性支出{}元，达到家庭年收入{}元的{}倍（{}元），属刚性支出困难家庭，纳入监测",
                    yuan(expenses),
                    yuan(income),
                    share.normalize(),
                    yuan(line)
                ),
            );
        }
        Ok(())
    }
}
