//! Steps 2–5: the members left after 特困 and 孤儿 (R) form the 低保
//! household: 低保, 渐退, 低保边缘 with 单人保, 低收入 or not eligible.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::checked::{add, div, mul, sub, sum, Checked, TWELVE};
use super::evaluation::{Evaluation, Person};
use super::words::class_zh;
use super::{Class, Code, Decision, MemberOutcome, Status};
use crate::dates::add_months;
use crate::model::{DisabilityKind, Enrollment};
use crate::money::{format_amount as yuan, round_half_up};
use crate::policy::{ExitCeiling, ExitStart, SinglePersonGroup, SinglePersonScope};

impl Evaluation<'_> {
    /// Steps 2–5 for R (`rest`, indices into the people); returns the status.
    pub(super) fn dibao_steps(
        &mut self,
        rest: &[usize],
        members: &mut [MemberOutcome],
        decision: &mut Decision,
    ) -> Checked<Status> {
        let s = self.standard;
        let pci = self.per_capita_income(rest)?;
        decision.per_capita_income = Some(pci);
        let class = rest
            .iter()
            .map(|&i| self.people[i].class)
            .max()
            .unwrap_or(Class::C);
        if pci >= s {
            self.note(
                Code::IncomeNotBelowStandard,
                Some(self.standard_key),
                format!(
                    "家庭月人均收入{}元，不低于{}{}元",
                    yuan(pci),
                    self.standard_name,
                    yuan(s)
                ),
            );
        }
        let status = if pci < s && self.assets_ok() {
            self.dibao(pci, class, rest, decision)?;
            Status::Dibao
        } else if self.gradual_exit(pci, class, decision)? {
            Status::GradualExit
        } else {
            self.step5(pci)?
        };
        self.single_person_dibao(status, rest, members)?;
        Ok(status)
    }

    /// Step 2: PCI = max(0, Σ counted income − Σ employment cost − Σ
    /// deductible expenses) / 12 / |R|, rounded to 0.01.
    fn per_capita_income(&self, rest: &[usize]) -> Checked<Decimal> {
        let size = Decimal::from(rest.len());
        let step = "家庭月人均收入";
        let income = sum(rest.iter().map(|&i| self.people[i].counted_income), step)?;
        let cost = sum(rest.iter().map(|&i| self.people[i].employment_cost), step)?;
        let expenses = self.deductible_expenses()?;
        let counted = sub(sub(income, cost, step)?, expenses, step)?.max(Decimal::ZERO);
        Ok(round_half_up(
            div(counted, mul(TWELVE, size, step)?, step)?,
            2,
        ))
    }

    /// The household's yearly expenses of deductible kinds.
    pub(super) fn deductible_expenses(&self) -> Checked<Decimal> {
        sum(
            self.household
                .expenses
                .iter()
                .filter(|e| self.policy.deductible.contains(&e.kind))
                .map(|e| e.annual),
            "家庭刚性支出合计",
        )
    }

    /// Step 3: the 低保 amount, class and review date.
    fn dibao(
        &mut self,
        pci: Decimal,
        class: Class,
        rest: &[usize],
        decision: &mut Decision,
    ) -> Checked<()> {
        let s = self.standard;
        let d = &self.policy.dibao;
        let step = "低保补差";
        let gap = sub(s, pci, step)?;
        let full_standard = self.policy.severe_member_full_standard();
        let mut computed = Decimal::ZERO;
        let mut raised = Vec::new();
        for &i in rest {
            let p = &self.people[i];
            let share = mul(gap, add(Decimal::ONE, self.uplift(p.class), step)?, step)?;
            let share = if full_standard && (p.severe || p.member.serious_illness) && share < s {
                raised.push((p.member.name.clone(), share));
                s
            } else {
                share
            };
            computed = add(computed, share, step)?;
        }
        let computed = self.round_benefit(computed);
        let min = d.min_household_benefit.0;
        let benefit = computed.max(min);
        let (a, b) = rest
            .iter()
            .fold((0, 0), |(a, b), &i| match self.people[i].class {
                Class::A => (a + 1, b),
                Class::B => (a, b + 1),
                Class::C => (a, b),
            });
        self.note(
            Code::DibaoEligible,
            Some(self.standard_key),
            format!(
                "家庭月人均收入{}元，低于{}{}元，符合低保条件：月人均补差{}元×{}人，A类{}人增发{}%、B类{}人增发{}%，计{}元（按{}取整）",
                yuan(pci),
                self.standard_name,
                yuan(s),
                yuan(gap),
                rest.len(),
                a,
                mul(d.class_a_uplift.0, Decimal::ONE_HUNDRED, step)?.normalize(),
                b,
                mul(d.class_b_uplift.0, Decimal::ONE_HUNDRED, step)?.normalize(),
                yuan(computed),
                d.benefit_rounding.zh()
            ),
        );
        for (name, share) in raised {
            self.note(
                Code::SevereMemberFullStandard,
                Some("dibao.severe_member_full_standard"),
                format!(
                    "{name}为重度残疾人或重病患者，按{}全额{}元计入（按补差计为{}元）",
                    self.standard_name,
                    yuan(s),
                    yuan(share)
                ),
            );
        }
        if computed < min {
            self.note(
                Code::MinBenefitApplied,
                Some("dibao.min_household_benefit"),
                format!(
                    "计算所得{}元低于每户最低保障金额{}元，按{}元发放",
                    yuan(computed),
                    yuan(min),
                    yuan(min)
                ),
            );
        }
        let (months, key) = match class {
            Class::A | Class::B => (d.review_months_ab, "dibao.review_months_ab"),
            Class::C => (d.review_months_c, "dibao.review_months_c"),
        };
        let from = self
            .enrollment(Enrollment::is_dibao)
            .and_then(|e| e.last_review)
            .unwrap_or(self.as_of);
        let next = add_months(from, months);
        if next < self.as_of {
            self.note(
                Code::ReviewOverdue,
                Some(key),
                format!(
                    "{}类低保户每{}个月复核一次，上次复核{}，应于{}前复核，已逾期",
                    class_zh(class),
                    months,
                    from,
                    next
                ),
            );
        }
        decision.monthly_benefit = benefit;
        decision.household_class = Some(class);
        decision.next_review = Some(next);
        decision.review_overdue = next < self.as_of;
        Ok(())
    }

    /// The household's enrollment, when `is` says it is of the program asked.
    pub(super) fn enrollment(&self, is: fn(&Enrollment) -> bool) -> Option<&Enrollment> {
        self.household.enrollment.as_ref().filter(|e| is(e))
    }

    /// Step 4: 渐退 for a household already in 低保. Returns whether the
    /// household is in its 渐退 period on the evaluation date.
    fn gradual_exit(
        &mut self,
        pci: Decimal,
        class: Class,
        decision: &mut Decision,
    ) -> Checked<bool> {
        let d = &self.policy.dibao;
        let low_income_line = mul(d.low_income_multiplier.0, self.standard, "低收入标准")?;
        let ceiling = self.policy.gradual_exit_ceiling();
        let Some(enrolled) = self.enrollment(Enrollment::is_dibao) else {
            return Ok(false);
        };
        if !self.assets_ok() || (ceiling == ExitCeiling::LowIncome && pci > low_income_line) {
            return Ok(false);
        }
        let found = enrolled.exceeded_since.unwrap_or(self.as_of);
        let started = match self.policy.gradual_exit_start() {
            ExitStart::FirstFinding => found,
            ExitStart::NextMonth => first_of_next_month(found),
        };
        let exit_at = add_months(started, d.gradual_exit_months);
        let amount = enrolled.monthly_amount;
        if self.as_of < exit_at {
            let below = match ceiling {
                ExitCeiling::LowIncome => {
                    format!("但未超过低收入标准{}元，", yuan(low_income_line))
                }
                ExitCeiling::None => String::new(),
            };
            let start = match self.policy.gradual_exit_start() {
                ExitStart::FirstFinding => String::new(),
                ExitStart::NextMonth => format!("，自认定次月{started}起计"),
            };
            self.note(
                Code::GradualExit,
                Some("dibao.gradual_exit_months"),
                format!(
                    "原低保家庭收入自{found}起超过低保标准，{below}给予{}个月渐退期{start}，继续按原月低保金{}元发放至{exit_at}",
                    d.gradual_exit_months,
                    yuan(amount),
                ),
            );
            decision.monthly_benefit = amount;
            decision.household_class = Some(class);
            decision.exit_at = Some(exit_at);
            Ok(true)
        } else {
            self.note(
                Code::GradualExitEnded,
                Some("dibao.gradual_exit_months"),
                format!(
                    "渐退期（自{started}起{}个月）已于{exit_at}结束，停发低保金",
                    d.gradual_exit_months
                ),
            );
            Ok(false)
        }
    }

    /// Step 5: 低保边缘, 低收入, or not eligible.
    fn step5(&mut self, pci: Decimal) -> Checked<Status> {
        let s = self.standard;
        let d = &self.policy.dibao;
        let marginal_line = mul(d.marginal_multiplier.0, s, "低保边缘标准")?;
        let low_income_line = mul(d.low_income_multiplier.0, s, "低收入标准")?;
        if pci < marginal_line && self.assets_ok() {
            self.note(
                Code::Marginal,
                Some("dibao.marginal_multiplier"),
                format!(
                    "家庭月人均收入{}元，低于低保边缘标准{}元（{}的{}倍），属低保边缘家庭",
                    yuan(pci),
                    yuan(marginal_line),
                    self.standard_name,
                    d.marginal_multiplier.0
                ),
            );
            Ok(Status::Marginal)
        } else if pci <= low_income_line && self.assets_ok() {
            self.note(
                Code::LowIncome,
                Some("dibao.low_income_multiplier"),
                format!(
                    "家庭月人均收入{}元，不高于低收入标准{}元（{}的{}倍），属低收入家庭",
                    yuan(pci),
                    yuan(low_income_line),
                    self.standard_name,
                    d.low_income_multiplier.0
                ),
            );
            Ok(Status::LowIncome)
        } else {
            if pci > low_income_line {
                self.explain(
                    Code::IncomeNotBelowStandard,
                    Some("dibao.low_income_multiplier"),
                    format!(
                        "家庭月人均收入{}元，高于低收入标准{}元，不符合社会救助条件",
                        yuan(pci),
                        yuan(low_income_line)
                    ),
                );
            }
            Ok(Status::Ineligible)
        }
    }

    /// 单人保: a one-person 补差 for members of R in the policy's groups,
    /// in the households its scope names.
    fn single_person_dibao(
        &mut self,
        status: Status,
        rest: &[usize],
        members: &mut [MemberOutcome],
    ) -> Checked<()> {
        let in_scope = match self.policy.single_person_scope() {
            SinglePersonScope::Marginal => status == Status::Marginal,
            SinglePersonScope::NotDibao => {
                matches!(
                    status,
                    Status::Marginal | Status::LowIncome | Status::Ineligible
                ) && self.assets_ok()
            }
        };
        if !in_scope {
            return Ok(());
        }
        let s = self.standard;
        for &i in rest {
            let p = &self.people[i];
            let Some(group) = self.single_person_group(p) else {
                continue;
            };
            if p.own_monthly >= s {
                continue;
            }
            let step = "单人保补差";
            let gap = sub(s, p.own_monthly, step)?;
            let benefit = self.round_benefit(mul(
                gap,
                add(Decimal::ONE, self.uplift(p.class), step)?,
                step,
            )?);
            let text = format!(
                "{}为{}，本人月收入{}元低于{}{}元，单人纳入低保：补差{}元，{}类增发后每月{}元",
                p.member.name,
                group,
                yuan(p.own_monthly),
                self.standard_name,
                yuan(s),
                yuan(gap),
                class_zh(p.class),
                yuan(benefit)
            );
            let index = p.index;
            self.note(Code::SinglePersonDibao, Some(self.standard_key), text);
            if let Some(m) = members.iter_mut().find(|m| m.index == index) {
                m.single_person_dibao = true;
                m.single_person_benefit = benefit;
            }
        }
        Ok(())
    }

    /// The first group of `dibao.single_person_groups` the person is in, in Chinese.
    fn single_person_group(&self, p: &Person) -> Option<&'static str> {
        self.policy
            .single_person_groups()
            .iter()
            .find_map(|group| match group {
                SinglePersonGroup::SevereDisability => p.severe.then_some("重度残疾人"),
                SinglePersonGroup::SeriousIllness => p.member.serious_illness.then_some("重病患者"),
                SinglePersonGroup::MentalDisability => p
                    .member
                    .disability
                    .as_ref()
                    .is_some_and(|d| d.kind == DisabilityKind::Mental)
                    .then_some("精神残疾人"),
            })
    }
}

/// The first day of the month after `date`.
fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    add_months(first, 1)
}
