//! One household's evaluation: the figures every step shares, and the order
//! of the steps (spec v1 §3, with v2's rules where the policy is v2).

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::checked::{add, div, mul, sum, Checked, TWELVE};
use super::words::disqualifying_zh;
use super::{Class, Code, Decision, MemberOutcome, Reason, Status};
use crate::dates::age_on;
use crate::id_number::mask_id_number;
use crate::model::{Household, Hukou, IncomeKind, Member};
use crate::money::{format_amount as yuan, round_half_up};
use crate::policy::Policy;

/// What the steps need to know about one cohabiting member.
pub(super) struct Person<'a> {
    pub index: usize,
    pub member: &'a Member,
    pub age: i32,
    pub class: Class,
    pub counted_income: Decimal,
    pub employment_cost: Decimal,
    pub own_monthly: Decimal,
    pub severe: bool,
}

/// The evaluation of one household under one policy on one date.
pub(super) struct Evaluation<'a> {
    pub policy: &'a Policy,
    pub household: &'a Household,
    pub as_of: NaiveDate,
    /// 低保标准 S, its key and its Chinese name.
    pub standard: Decimal,
    pub standard_key: &'static str,
    pub standard_name: &'static str,
    pub people: Vec<Person<'a>>,
    pub financial_ok: bool,
    pub disqualifying_ok: bool,
    pub codes: Vec<Code>,
    pub reasons: Vec<Reason>,
}

impl<'a> Evaluation<'a> {
    pub fn new(policy: &'a Policy, household: &'a Household, as_of: NaiveDate) -> Checked<Self> {
        let (standard, standard_key) = policy.standard(household.hukou);
        let d = &policy.dibao;
        let employment_cap = mul(TWELVE, d.employment_cost_monthly.0, "就业成本扣除")?;
        let people = household
            .cohabiting()
            .map(|(index, member)| {
                // Validation guarantees a birth date; the fallback keeps this total.
                let age = member.born().map_or(0, |b| age_on(b, as_of));
                let severe = member.disability.as_ref().is_some_and(|x| x.is_severe());
                let class = if severe || member.serious_illness || age >= d.class_a_min_age as i32 {
                    Class::A
                } else if age >= d.class_b_min_age as i32
                    || age < d.class_b_max_child_age as i32
                    || member.disability.is_some()
                {
                    Class::B
                } else {
                    Class::C
                };
                let counted_income = sum(
                    member
                        .incomes
                        .iter()
                        .filter(|i| !policy.excluded.contains(&i.kind))
                        .map(|i| i.annual),
                    "成员收入合计",
                )?;
                let earned = sum(
                    member
                        .incomes
                        .iter()
                        .filter(|i| matches!(i.kind, IncomeKind::Wage | IncomeKind::Business))
                        .map(|i| i.annual),
                    "成员工资和经营收入合计",
                )?;
                Ok(Person {
                    index,
                    member,
                    age,
                    class,
                    counted_income,
                    employment_cost: earned.min(employment_cap),
                    own_monthly: round_half_up(div(counted_income, TWELVE, "本人月收入")?, 2),
                    severe,
                })
            })
            .collect::<Checked<Vec<Person>>>()?;
        let n = Decimal::from(people.len());
        let limit = mul(
            Decimal::from(d.financial_asset_limit_months),
            standard,
            "金融资产限额",
        )?;
        Ok(Evaluation {
            policy,
            household,
            as_of,
            standard,
            standard_key,
            standard_name: match household.hukou {
                Hukou::Rural => "农村低保标准",
                Hukou::Urban => "城市低保标准",
            },
            // financial / n ≤ limit, compared without dividing.
            financial_ok: household.assets.financial <= mul(limit, n, "金融资产限额")?,
            disqualifying_ok: household.assets.disqualifying.is_empty(),
            people,
            codes: Vec::new(),
            reasons: Vec::new(),
        })
    }

    /// The asset test of the whole household.
    pub fn assets_ok(&self) -> bool {
        self.financial_ok && self.disqualifying_ok
    }

    /// Records `code` (once) and a sentence explaining it, citing `key`.
    pub fn note(&mut self, code: Code, key: Option<&'static str>, text: String) {
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
        self.explain(code, key, text);
    }

    /// Adds a sentence for `code` without recording the code itself (a
    /// second ground for a code another step decides).
    pub fn explain(&mut self, code: Code, key: Option<&'static str>, text: String) {
        let citation = key.and_then(|k| self.policy.citation(k)).cloned();
        self.reasons.push(Reason {
            code,
            text,
            policy_key: key,
            citation,
        });
    }

    /// A benefit rounded per `dibao.benefit_rounding`.
    pub fn round_benefit(&self, amount: Decimal) -> Decimal {
        round_half_up(amount, self.policy.dibao.benefit_rounding.decimals())
    }

    /// The A/B-class uplift (增发) fraction of a class.
    pub fn uplift(&self, class: Class) -> Decimal {
        match class {
            Class::A => self.policy.dibao.class_a_uplift.0,
            Class::B => self.policy.dibao.class_b_uplift.0,
            Class::C => Decimal::ZERO,
        }
    }

    /// Runs every step and returns the status and the decision.
    pub fn decide(mut self, shared_ids: &HashSet<&str>) -> Checked<(Status, Decision)> {
        self.explain_assets()?;
        // Rules v2 §1–2 and step 1: who is 孤儿 or 特困, leaving R.
        let support = self.support_outcomes()?;
        let mut members: Vec<MemberOutcome> = self
            .people
            .iter()
            .zip(&support)
            .map(|(p, s)| MemberOutcome {
                index: p.index,
                class: p.class,
                tekun: s.tekun.is_some(),
                tekun_benefit: s.tekun.unwrap_or(Decimal::ZERO),
                single_person_dibao: false,
                single_person_benefit: Decimal::ZERO,
                orphan: s.orphan.is_some(),
                orphan_benefit: s.orphan.unwrap_or(Decimal::ZERO),
                living_subsidy: Decimal::ZERO,
                care_subsidy: Decimal::ZERO,
            })
            .collect();
        let rest: Vec<usize> = (0..self.people.len())
            .filter(|&i| !members[i].tekun && !members[i].orphan)
            .collect();
        let mut decision = Decision::empty(self.standard, rest.len());
        let status = if rest.is_empty() {
            if members.iter().any(|m| m.tekun) {
                Status::Tekun
            } else {
                Status::Orphan
            }
        } else {
            // Steps 2–5: 低保, 渐退, 低保边缘 (单人保), 低收入.
            self.dibao_steps(&rest, &mut members, &mut decision)?
        };
        self.tekun_review(status, &mut decision);
        self.visits(status, &members, &mut decision);
        self.temp_aid_step(&mut decision)?;
        self.duplicate_ids(shared_ids);
        self.disability_subsidies(status, &mut members)?;
        self.rigid_expenses(status, &rest)?;

        let step = "每月合计";
        decision.total_monthly =
            members
                .iter()
                .try_fold(decision.monthly_benefit, |total, m| {
                    let own = add(
                        add(m.tekun_benefit, m.single_person_benefit, step)?,
                        m.orphan_benefit,
                        step,
                    )?;
                    add(total, own, step)
                })?;
        decision.subsidies_monthly = sum(
            members.iter().map(|m| m.living_subsidy + m.care_subsidy),
            "残疾人两项补贴合计",
        )?;
        decision.members = members;
        decision.codes = self.codes;
        decision.reasons = self.reasons;
        Ok((status, decision))
    }

    /// Step 7: the same ID number in another household.
    fn duplicate_ids(&mut self, shared_ids: &HashSet<&str>) {
        let household = self.household;
        for (_, m) in household.cohabiting() {
            if let Some(id) = m.id_number.as_deref().filter(|id| shared_ids.contains(id)) {
                self.note(
                    Code::DuplicateIdNumber,
                    None,
                    format!(
                        "{}（身份证号{}）同时登记在其他户，存在重复享受风险，请核实",
                        m.name,
                        mask_id_number(id)
                    ),
                );
            }
        }
    }

    fn explain_assets(&mut self) -> Checked<()> {
        if !self.financial_ok {
            let step = "金融资产限额";
            let n = Decimal::from(self.people.len());
            let d = &self.policy.dibao;
            let per_capita = if n.is_zero() {
                self.household.assets.financial
            } else {
                div(self.household.assets.financial, n, step)?
            };
            let limit = mul(
                Decimal::from(d.financial_asset_limit_months),
                self.standard,
                step,
            )?;
            self.note(
                Code::AssetFinancialOverLimit,
                Some("dibao.financial_asset_limit_months"),
                format!(
                    "家庭金融资产{}元，人均{}元，超过{}个月{}（{}元）",
                    yuan(self.household.assets.financial),
                    yuan(per_capita),
                    d.financial_asset_limit_months,
                    self.standard_name,
                    yuan(limit)
                ),
            );
        }
        if !self.disqualifying_ok {
            let tags: Vec<&str> = self
                .household
                .assets
                .disqualifying
                .iter()
                .map(|t| disqualifying_zh(t))
                .collect();
            self.note(
                Code::AssetDisqualifying,
                None,
                format!("家庭拥有不符合条件的财产：{}", tags.join("、")),
            );
        }
        Ok(())
    }
}
