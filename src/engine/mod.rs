//! The eligibility engine: spec `eligibility-v1` §3, a pure function of
//! (policy version, household, date).
//!
//! No I/O, no clock, no global state: the same input gives the same result,
//! byte for byte. Every decision carries its reasons — Chinese sentences with
//! the actual figures and the policy key applied — which the app and the
//! dossier show as they are.

mod result;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use result::*;

use crate::dates::{add_months, age_on};
use crate::household_json::{DataError, ErrorCode, ParsedHousehold};
use crate::id_number::mask_id_number;
use crate::model::{Ability, Household, Hukou, IncomeKind, Member};
use crate::money::{format_amount as yuan, round_half_up};
use crate::policy::{Policy, PolicyError, PolicySet};

/// Evaluates every household of one input as of `as_of`.
///
/// `DUPLICATE_ID_NUMBER` is decided across the households given here.
/// Fails when no policy version is in force on `as_of`, or when a figure
/// leaves the range of exact decimals ([`PolicyError::Overflow`], naming the
/// policy and the household).
pub fn evaluate_all(
    policies: &PolicySet,
    households: &[ParsedHousehold],
    as_of: NaiveDate,
) -> Result<Report, PolicyError> {
    let policy = policies.in_force(as_of)?;
    let shared = shared_id_numbers(households.iter().map(|p| &p.household));
    let results = map_in_parallel(households, |p| {
        evaluate(policy, &p.household, &p.errors, as_of, &shared)
    })
    .into_iter()
    .collect::<Result<_, _>>()?;
    Ok(Report { as_of, results })
}

/// Maps `f` over `items` on every core, keeping the input order.
///
/// Evaluation is a pure function of each household, so splitting the work
/// changes nothing in the results; small inputs stay on one thread.
pub fn map_in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const MIN_CHUNK: usize = 4096;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 2 * MIN_CHUNK {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// ID numbers held by a cohabiting member in more than one household.
pub fn shared_id_numbers<'a>(households: impl Iterator<Item = &'a Household>) -> HashSet<&'a str> {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    let mut shared = HashSet::new();
    for (h, household) in households.enumerate() {
        for (_, m) in household.cohabiting() {
            if let Some(id) = m.id_number.as_deref() {
                if *first_seen.entry(id).or_insert(h) != h {
                    shared.insert(id);
                }
            }
        }
    }
    shared
}

/// Evaluates one household.
///
/// `errors` are the data errors found when reading it; `shared_ids` the ID
/// numbers also held in another household (see [`shared_id_numbers`]).
///
/// All arithmetic is checked: a figure that leaves the range of exact
/// decimals (possible only with parameters outside the policy's plausible
/// ranges, or a policy built without [`Policy::from_toml`]) is
/// [`PolicyError::Overflow`], naming the policy version, the household and
/// the step — never a panic.
pub fn evaluate(
    policy: &Policy,
    household: &Household,
    errors: &[DataError],
    as_of: NaiveDate,
    shared_ids: &HashSet<&str>,
) -> Result<EvalResult, PolicyError> {
    let mut errors = errors.to_vec();
    for (i, m) in household.members.iter().enumerate() {
        if m.born().is_some_and(|b| b > as_of) {
            errors.push(DataError {
                code: ErrorCode::BadBirthDate,
                member: Some(i),
                field: None,
            });
        }
    }
    if !errors.is_empty() {
        errors.sort();
        errors.dedup();
        return Ok(EvalResult {
            id: household.id.clone(),
            status: Status::Invalid,
            errors,
            decision: None,
            policy_version: policy.version.clone(),
        });
    }
    let (status, decision) = Evaluation::new(policy, household, as_of)
        .and_then(|e| e.decide(shared_ids))
        .map_err(|Overflow(step)| PolicyError::Overflow {
            version: policy.version.clone(),
            household: household.id.clone(),
            step,
        })?;
    Ok(EvalResult {
        id: household.id.clone(),
        status,
        errors,
        decision: Some(decision),
        policy_version: policy.version.clone(),
    })
}

/// The step of the rules whose arithmetic left `Decimal`'s range.
#[derive(Debug, Clone, Copy)]
struct Overflow(&'static str);

/// A figure, or the step where it overflowed.
type Checked<T> = Result<T, Overflow>;

/// `a × b`, or [`Overflow`] in `step`.
fn mul(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_mul(b).ok_or(Overflow(step))
}

/// `a + b`, or [`Overflow`] in `step`.
fn add(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_add(b).ok_or(Overflow(step))
}

/// `a − b`, or [`Overflow`] in `step`.
fn sub(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_sub(b).ok_or(Overflow(step))
}

/// `a ÷ b`, or [`Overflow`] in `step` (also for a zero `b`).
fn div(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_div(b).ok_or(Overflow(step))
}

/// The sum of `items`, or [`Overflow`] in `step`.
fn sum(items: impl IntoIterator<Item = Decimal>, step: &'static str) -> Checked<Decimal> {
    items
        .into_iter()
        .try_fold(Decimal::ZERO, |total, x| add(total, x, step))
}

/// What the steps need to know about one cohabiting member.
struct Person<'a> {
    index: usize,
    member: &'a Member,
    age: i32,
    class: Class,
    counted_income: Decimal,
    employment_cost: Decimal,
    own_monthly: Decimal,
    severe: bool,
}

struct Evaluation<'a> {
    policy: &'a Policy,
    household: &'a Household,
    as_of: NaiveDate,
    standard: Decimal,
    standard_key: &'static str,
    standard_name: &'static str,
    people: Vec<Person<'a>>,
    financial_ok: bool,
    disqualifying_ok: bool,
    codes: Vec<Code>,
    reasons: Vec<Reason>,
}

const TWELVE: Decimal = Decimal::from_parts(12, 0, 0, false, 0);

impl<'a> Evaluation<'a> {
    fn new(policy: &'a Policy, household: &'a Household, as_of: NaiveDate) -> Checked<Self> {
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

    fn assets_ok(&self) -> bool {
        self.financial_ok && self.disqualifying_ok
    }

    fn note(&mut self, code: Code, key: Option<&'static str>, text: String) {
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
        self.reasons.push(Reason {
            code,
            text,
            policy_key: key,
        });
    }

    fn round_benefit(&self, amount: Decimal) -> Decimal {
        round_half_up(amount, self.policy.dibao.benefit_rounding.decimals())
    }

    fn uplift(&self, class: Class) -> Decimal {
        match class {
            Class::A => self.policy.dibao.class_a_uplift.0,
            Class::B => self.policy.dibao.class_b_uplift.0,
            Class::C => Decimal::ZERO,
        }
    }

    fn decide(mut self, shared_ids: &HashSet<&str>) -> Checked<(Status, Decision)> {
        let s = self.standard;
        let d = &self.policy.dibao;
        self.explain_assets()?;

        // Step 1: 特困, per cohabiting member.
        let tekun = self
            .people
            .iter()
            .map(|p| self.tekun_benefit(p))
            .collect::<Checked<Vec<Option<Decimal>>>>()?;
        for (p, benefit) in self.people.iter().zip(&tekun) {
            if let Some(benefit) = benefit {
                let (care, _) = self.policy.care(p.member.self_care);
                let text = format!(
                    "{}：无劳动能力（{}），本人月收入{}元低于{}{}元，无有赡养（抚养、扶养）能力的法定义务人，纳入特困供养：基本生活费{}元×{}＋{}照料护理费{}元，每月{}元",
                    p.member.name,
                    self.no_capacity_reason(p),
                    yuan(p.own_monthly),
                    self.standard_name,
                    yuan(s),
                    yuan(s),
                    self.policy.tekun.basic_multiplier.0,
                    ability_zh(p.member.self_care),
                    yuan(care),
                    yuan(*benefit)
                );
                self.reasons.push(Reason {
                    code: Code::Tekun,
                    text,
                    policy_key: Some("tekun.basic_multiplier"),
                });
                if !self.codes.contains(&Code::Tekun) {
                    self.codes.push(Code::Tekun);
                }
            }
        }

        // Step 2: the rest R form the 低保 household.
        let rest: Vec<usize> = (0..self.people.len())
            .filter(|&i| tekun[i].is_none())
            .collect();
        let mut members: Vec<MemberOutcome> = self
            .people
            .iter()
            .zip(&tekun)
            .map(|(p, t)| MemberOutcome {
                index: p.index,
                class: p.class,
                tekun: t.is_some(),
                tekun_benefit: t.unwrap_or(Decimal::ZERO),
                single_person_dibao: false,
                single_person_benefit: Decimal::ZERO,
            })
            .collect();
        let mut decision = Decision {
            standard: s,
            household_size: rest.len(),
            per_capita_income: None,
            monthly_benefit: Decimal::ZERO,
            household_class: None,
            next_review: None,
            review_overdue: false,
            exit_at: None,
            temp_aid: None,
            members: Vec::new(),
            total_monthly: Decimal::ZERO,
            codes: Vec::new(),
            reasons: Vec::new(),
        };
        let status = if rest.is_empty() {
            Status::Tekun
        } else {
            let size = Decimal::from(rest.len());
            let step = "家庭月人均收入";
            let income = sum(rest.iter().map(|&i| self.people[i].counted_income), step)?;
            let cost = sum(rest.iter().map(|&i| self.people[i].employment_cost), step)?;
            let expenses = sum(
                self.household
                    .expenses
                    .iter()
                    .filter(|e| self.policy.deductible.contains(&e.kind))
                    .map(|e| e.annual),
                step,
            )?;
            let counted = sub(sub(income, cost, step)?, expenses, step)?.max(Decimal::ZERO);
            let pci = round_half_up(div(counted, mul(TWELVE, size, step)?, step)?, 2);
            decision.per_capita_income = Some(pci);
            let class = rest
                .iter()
                .map(|&i| self.people[i].class)
                .max()
                .unwrap_or(Class::C);
            let enrollment = self.household.enrollment.as_ref().filter(|e| e.is_dibao());
            let low_income_line = mul(d.low_income_multiplier.0, s, "低收入标准")?;

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
            if pci < s && self.assets_ok() {
                // Step 3: 低保.
                let step = "低保补差";
                let gap = sub(s, pci, step)?;
                let uplift = rest.iter().try_fold(Decimal::ZERO, |total, &i| {
                    add(
                        total,
                        mul(gap, self.uplift(self.people[i].class), step)?,
                        step,
                    )
                })?;
                let computed = self.round_benefit(add(mul(gap, size, step)?, uplift, step)?);
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
                let from = enrollment.and_then(|e| e.last_review).unwrap_or(self.as_of);
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
                Status::Dibao
            } else if let Some(gradual) =
                enrollment.filter(|_| self.assets_ok() && pci <= low_income_line)
            {
                // Step 4: 渐退期 for a household already in 低保.
                let started = gradual.exceeded_since.unwrap_or(self.as_of);
                let exit_at = add_months(started, d.gradual_exit_months);
                if self.as_of < exit_at {
                    self.note(
                        Code::GradualExit,
                        Some("dibao.gradual_exit_months"),
                        format!(
                            "原低保家庭收入自{}起超过低保标准，但未超过低收入标准{}元，给予{}个月渐退期，继续按原月低保金{}元发放至{}",
                            started,
                            yuan(low_income_line),
                            d.gradual_exit_months,
                            yuan(gradual.monthly_amount),
                            exit_at
                        ),
                    );
                    decision.monthly_benefit = gradual.monthly_amount;
                    decision.household_class = Some(class);
                    decision.exit_at = Some(exit_at);
                    Status::GradualExit
                } else {
                    self.note(
                        Code::GradualExitEnded,
                        Some("dibao.gradual_exit_months"),
                        format!(
                            "渐退期（自{}起{}个月）已于{}结束，停发低保金",
                            started, d.gradual_exit_months, exit_at
                        ),
                    );
                    self.step5(pci, &rest, &mut members)?
                }
            } else {
                self.step5(pci, &rest, &mut members)?
            }
        };

        // Step 6: 临时救助.
        decision.temp_aid = match self.household.temp_aid.as_ref() {
            Some(t) => Some(self.temp_aid(t.requested, t.granted_this_year)?),
            None => None,
        };

        // Step 7: the same ID number in another household.
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

        let step = "每月合计";
        decision.total_monthly =
            members
                .iter()
                .try_fold(decision.monthly_benefit, |total, m| {
                    add(
                        total,
                        add(m.tekun_benefit, m.single_person_benefit, step)?,
                        step,
                    )
                })?;
        decision.members = members;
        decision.codes = self.codes;
        decision.reasons = self.reasons;
        Ok((status, decision))
    }

    /// Step 5: 低保边缘 (with 单人保), 低收入, or not eligible.
    fn step5(
        &mut self,
        pci: Decimal,
        rest: &[usize],
        members: &mut [MemberOutcome],
    ) -> Checked<Status> {
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
            for &i in rest {
                let p = &self.people[i];
                if (p.severe || p.member.serious_illness) && p.own_monthly < s {
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
                        if p.severe { "重度残疾人" } else { "重病患者" },
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
            }
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
                self.reasons.push(Reason {
                    code: Code::IncomeNotBelowStandard,
                    text: format!(
                        "家庭月人均收入{}元，高于低收入标准{}元，不符合社会救助条件",
                        yuan(pci),
                        yuan(low_income_line)
                    ),
                    policy_key: Some("dibao.low_income_multiplier"),
                });
            }
            Ok(Status::Ineligible)
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

    /// Step 1 for one person: the 特困 benefit, or `None`.
    fn tekun_benefit(&self, p: &Person) -> Checked<Option<Decimal>> {
        let t = &self.policy.tekun;
        let no_capacity = p.age >= t.min_age as i32
            || p.age < t.max_child_age as i32
            || p.severe
            || p.member.work_capacity == Ability::None;
        let no_supporter = p
            .member
            .supporters
            .as_ref()
            .is_some_and(|list| list.iter().all(|s| !s.capable));
        if no_capacity && p.own_monthly < self.standard && no_supporter && self.assets_ok() {
            let (care, _) = self.policy.care(p.member.self_care);
            let step = "特困供养金";
            let basic = mul(self.standard, t.basic_multiplier.0, step)?;
            Ok(Some(self.round_benefit(add(basic, care, step)?)))
        } else {
            Ok(None)
        }
    }

    fn no_capacity_reason(&self, p: &Person) -> String {
        let t = &self.policy.tekun;
        if p.age >= t.min_age as i32 {
            format!("{}周岁，已满{}周岁", p.age, t.min_age)
        } else if p.age < t.max_child_age as i32 {
            format!("{}周岁，未满{}周岁", p.age, t.max_child_age)
        } else if p.severe {
            "重度残疾".to_owned()
        } else {
            "经评估无劳动能力".to_owned()
        }
    }

    fn temp_aid(&mut self, requested: Decimal, granted: Decimal) -> Checked<TempAidOutcome> {
        let t = &self.policy.temp_aid;
        let remaining = sub(t.annual_cap.0, granted, "临时救助")?.max(Decimal::ZERO);
        let grantable = requested.min(remaining);
        let approval_level = if grantable.is_zero() {
            ApprovalLevel::None
        } else if grantable <= t.township_limit.0 {
            ApprovalLevel::Township
        } else {
            ApprovalLevel::County
        };
        if grantable < requested {
            self.note(
                Code::TempAidCapLimited,
                Some("temp_aid.annual_cap"),
                format!(
                    "临时救助申请{}元，本年已救助{}元，年度上限{}元，本次最多可救助{}元",
                    yuan(requested),
                    yuan(granted),
                    yuan(t.annual_cap.0),
                    yuan(grantable)
                ),
            );
        }
        if approval_level == ApprovalLevel::County {
            self.note(
                Code::TempAidCountyApproval,
                Some("temp_aid.township_limit"),
                format!(
                    "临时救助{}元超过乡镇审批额度{}元，须报县级审批",
                    yuan(grantable),
                    yuan(t.township_limit.0)
                ),
            );
        }
        Ok(TempAidOutcome {
            grantable,
            approval_level,
        })
    }
}

fn class_zh(class: Class) -> &'static str {
    match class {
        Class::A => "A",
        Class::B => "B",
        Class::C => "C",
    }
}

fn ability_zh(a: Ability) -> &'static str {
    match a {
        Ability::Full => "生活自理",
        Ability::Partial => "部分失能",
        Ability::None => "完全失能",
    }
}

/// The disqualifying asset tags the program knows, with their Chinese names.
pub const DISQUALIFYING_TAGS: &[(&str, &str)] = &[
    ("non_essential_vehicle", "非生活必需机动车辆"),
    ("company_ownership", "开办或投资企业"),
    ("commercial_property", "经营性房产（门面）"),
    ("multiple_houses", "多套住房"),
    ("luxury_housing", "豪华装修住房"),
];

/// Chinese name of a disqualifying asset tag (the tag itself when unknown).
pub fn disqualifying_zh(tag: &str) -> &str {
    DISQUALIFYING_TAGS
        .iter()
        .find(|(t, _)| *t == tag)
        .map_or(tag, |(_, zh)| zh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Dec, DEFAULT_POLICY_TOML};

    /// One rural household: a worker, a 70-year-old without capacity or
    /// supporters (特困), a seriously ill member (单人保), 临时救助 asked.
    const HOUSEHOLDS: &str = r#"{"format": "bangfu.household.v1", "households": [{
        "id": "OVF-001", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [
            {"name": "甲", "id_number": "341024198104120119", "relation": "self",
             "disability": null, "serious_illness": false, "work_capacity": "full",
             "self_care": "full", "incomes": [{"kind": "wage", "annual": "3600"}]},
            {"name": "乙", "birth_date": "1950-01-01", "relation": "parent",
             "disability": null, "serious_illness": false, "work_capacity": "none",
             "self_care": "partial", "supporters": [], "incomes": []},
            {"name": "丙", "birth_date": "1990-01-01", "relation": "spouse",
             "disability": null, "serious_illness": true, "work_capacity": "none",
             "self_care": "full", "incomes": []}
        ],
        "expenses": [{"kind": "medical", "annual": "1200"}],
        "assets": {"financial": "1000", "disqualifying": []},
        "temp_aid": {"requested": "3000", "granted_this_year": "0"}
    }]}"#;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// With a parameter far outside the policy's ranges (set behind the
    /// loader's back), evaluation is an error naming the policy version and
    /// the household — for every parameter the arithmetic uses — never a
    /// panic.
    #[test]
    fn overflow_is_an_error_naming_policy_and_household_not_a_panic() {
        let households = crate::household_json::parse_file(HOUSEHOLDS).unwrap();
        assert!(
            households[0].errors.is_empty(),
            "{:?}",
            households[0].errors
        );
        let base = Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策").unwrap();
        let as_of = date("2026-12-01");
        let ok = evaluate_all(
            &PolicySet::new(vec![base.clone()]).unwrap(),
            &households,
            as_of,
        )
        .expect("the built-in policy evaluates");
        assert_eq!(ok.results.len(), 1);

        let huge = Dec(Decimal::MAX);
        type Setter = fn(&mut Policy, Dec);
        let setters: [(&str, Setter); 6] = [
            ("rural_standard_monthly", |p, v| {
                p.dibao.rural_standard_monthly = v
            }),
            ("employment_cost_monthly", |p, v| {
                p.dibao.employment_cost_monthly = v
            }),
            ("basic_multiplier", |p, v| p.tekun.basic_multiplier = v),
            ("low_income_multiplier", |p, v| {
                p.dibao.low_income_multiplier = v
            }),
            ("care_monthly.partial", |p, v| {
                p.tekun.care_monthly.partial = v
            }),
            ("class_a_uplift", |p, v| p.dibao.class_a_uplift = v),
        ];
        for (key, set) in setters {
            let mut policy = base.clone();
            policy.version = format!("溢出-{key}");
            set(&mut policy, huge);
            let policies = PolicySet::new(vec![policy]).unwrap();
            let result = std::panic::catch_unwind(|| evaluate_all(&policies, &households, as_of));
            let e = match result {
                Ok(Err(e)) => e,
                Ok(Ok(_)) => panic!("{key}: an overflowing policy was evaluated"),
                Err(_) => panic!("{key}: evaluation panicked"),
            };
            assert!(matches!(e, PolicyError::Overflow { .. }), "{key}: {e}");
            let text = e.to_string();
            assert!(
                text.contains(&format!("溢出-{key}")) && text.contains("OVF-001"),
                "{key}: {text}"
            );
        }
    }

    #[test]
    fn parallel_map_keeps_input_order() {
        let items: Vec<u64> = (0..50_000).collect();
        let doubled = map_in_parallel(&items, |x| x * 2);
        assert_eq!(doubled.len(), items.len());
        assert!(doubled.iter().enumerate().all(|(i, d)| *d == 2 * i as u64));
        assert_eq!(map_in_parallel(&items[..3], |x| x + 1), vec![1, 2, 3]);
    }
}
