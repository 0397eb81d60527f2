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
/// Fails only when no policy version is in force on `as_of`.
pub fn evaluate_all(
    policies: &PolicySet,
    households: &[ParsedHousehold],
    as_of: NaiveDate,
) -> Result<Report, PolicyError> {
    let policy = policies.in_force(as_of)?;
    let shared = shared_id_numbers(households.iter().map(|p| &p.household));
    let results = map_in_parallel(households, |p| {
        evaluate(policy, &p.household, &p.errors, as_of, &shared)
    });
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
pub fn evaluate(
    policy: &Policy,
    household: &Household,
    errors: &[DataError],
    as_of: NaiveDate,
    shared_ids: &HashSet<&str>,
) -> EvalResult {
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
        return EvalResult {
            id: household.id.clone(),
            status: Status::Invalid,
            errors,
            decision: None,
            policy_version: policy.version.clone(),
        };
    }
    let (status, decision) = Evaluation::new(policy, household, as_of).decide(shared_ids);
    EvalResult {
        id: household.id.clone(),
        status,
        errors,
        decision: Some(decision),
        policy_version: policy.version.clone(),
    }
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
    fn new(policy: &'a Policy, household: &'a Household, as_of: NaiveDate) -> Self {
        let (standard, standard_key) = policy.standard(household.hukou);
        let d = &policy.dibao;
        let people: Vec<Person> = household
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
                let counted_income: Decimal = member
                    .incomes
                    .iter()
                    .filter(|i| !policy.excluded.contains(&i.kind))
                    .map(|i| i.annual)
                    .sum();
                let earned: Decimal = member
                    .incomes
                    .iter()
                    .filter(|i| matches!(i.kind, IncomeKind::Wage | IncomeKind::Business))
                    .map(|i| i.annual)
                    .sum();
                Person {
                    index,
                    member,
                    age,
                    class,
                    counted_income,
                    employment_cost: earned.min(TWELVE * d.employment_cost_monthly.0),
                    own_monthly: round_half_up(counted_income / TWELVE, 2),
                    severe,
                }
            })
            .collect();
        let n = Decimal::from(people.len());
        let limit = Decimal::from(d.financial_asset_limit_months) * standard;
        Evaluation {
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
            financial_ok: household.assets.financial <= limit * n,
            disqualifying_ok: household.assets.disqualifying.is_empty(),
            people,
            codes: Vec::new(),
            reasons: Vec::new(),
        }
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

    fn decide(mut self, shared_ids: &HashSet<&str>) -> (Status, Decision) {
        let s = self.standard;
        let d = &self.policy.dibao;
        self.explain_assets();

        // Step 1: 特困, per cohabiting member.
        let tekun: Vec<Option<Decimal>> =
            self.people.iter().map(|p| self.tekun_benefit(p)).collect();
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
            let income: Decimal = rest.iter().map(|&i| self.people[i].counted_income).sum();
            let cost: Decimal = rest.iter().map(|&i| self.people[i].employment_cost).sum();
            let expenses: Decimal = self
                .household
                .expenses
                .iter()
                .filter(|e| self.policy.deductible.contains(&e.kind))
                .map(|e| e.annual)
                .sum();
            let pci = round_half_up(
                (income - cost - expenses).max(Decimal::ZERO) / (TWELVE * size),
                2,
            );
            decision.per_capita_income = Some(pci);
            let class = rest
                .iter()
                .map(|&i| self.people[i].class)
                .max()
                .unwrap_or(Class::C);
            let enrollment = self.household.enrollment.as_ref().filter(|e| e.is_dibao());
            let low_income_line = d.low_income_multiplier.0 * s;

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
                let gap = s - pci;
                let uplift: Decimal = rest
                    .iter()
                    .map(|&i| gap * self.uplift(self.people[i].class))
                    .sum();
                let computed = self.round_benefit(gap * size + uplift);
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
                        (d.class_a_uplift.0 * Decimal::ONE_HUNDRED).normalize(),
                        b,
                        (d.class_b_uplift.0 * Decimal::ONE_HUNDRED).normalize(),
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
                    self.step5(pci, &rest, &mut members)
                }
            } else {
                self.step5(pci, &rest, &mut members)
            }
        };

        // Step 6: 临时救助.
        decision.temp_aid = self
            .household
            .temp_aid
            .as_ref()
            .map(|t| self.temp_aid(t.requested, t.granted_this_year));

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

        decision.total_monthly = decision.monthly_benefit
            + members
                .iter()
                .map(|m| m.tekun_benefit + m.single_person_benefit)
                .sum::<Decimal>();
        decision.members = members;
        decision.codes = self.codes;
        decision.reasons = self.reasons;
        (status, decision)
    }

    /// Step 5: 低保边缘 (with 单人保), 低收入, or not eligible.
    fn step5(&mut self, pci: Decimal, rest: &[usize], members: &mut [MemberOutcome]) -> Status {
        let s = self.standard;
        let d = &self.policy.dibao;
        let marginal_line = d.marginal_multiplier.0 * s;
        let low_income_line = d.low_income_multiplier.0 * s;
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
                    let benefit = self
                        .round_benefit((s - p.own_monthly) * (Decimal::ONE + self.uplift(p.class)));
                    let text = format!(
                        "{}为{}，本人月收入{}元低于{}{}元，单人纳入低保：补差{}元，{}类增发后每月{}元",
                        p.member.name,
                        if p.severe { "重度残疾人" } else { "重病患者" },
                        yuan(p.own_monthly),
                        self.standard_name,
                        yuan(s),
                        yuan(s - p.own_monthly),
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
            Status::Marginal
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
            Status::LowIncome
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
            Status::Ineligible
        }
    }

    fn explain_assets(&mut self) {
        if !self.financial_ok {
            let n = Decimal::from(self.people.len());
            let d = &self.policy.dibao;
            let per_capita = if n.is_zero() {
                self.household.assets.financial
            } else {
                self.household.assets.financial / n
            };
            self.note(
                Code::AssetFinancialOverLimit,
                Some("dibao.financial_asset_limit_months"),
                format!(
                    "家庭金融资产{}元，人均{}元，超过{}个月{}（{}元）",
                    yuan(self.household.assets.financial),
                    yuan(per_capita),
                    d.financial_asset_limit_months,
                    self.standard_name,
                    yuan(Decimal::from(d.financial_asset_limit_months) * self.standard)
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
    }

    /// Step 1 for one person: the 特困 benefit, or `None`.
    fn tekun_benefit(&self, p: &Person) -> Option<Decimal> {
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
            Some(self.round_benefit(self.standard * t.basic_multiplier.0 + care))
        } else {
            None
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

    fn temp_aid(&mut self, requested: Decimal, granted: Decimal) -> TempAidOutcome {
        let t = &self.policy.temp_aid;
        let remaining = (t.annual_cap.0 - granted).max(Decimal::ZERO);
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
        TempAidOutcome {
            grantable,
            approval_level,
        }
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

/// Chinese name of a disqualifying asset tag (the tag itself when unknown).
pub fn disqualifying_zh(tag: &str) -> &str {
    match tag {
        "non_essential_vehicle" => "非生活必需机动车辆",
        "company_ownership" => "开办或投资企业",
        "commercial_property" => "经营性房产（门面）",
        "multiple_houses" => "多套住房",
        "luxury_housing" => "豪华装修住房",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::map_in_parallel;

    #[test]
    fn parallel_map_keeps_input_order() {
        let items: Vec<u64> = (0..50_000).collect();
        let doubled = map_in_parallel(&items, |x| x * 2);
        assert_eq!(doubled.len(), items.len());
        assert!(doubled.iter().enumerate().all(|(i, d)| *d == 2 * i as u64));
        assert_eq!(map_in_parallel(&items[..3], |x| x + 1), vec![1, 2, 3]);
    }
}
