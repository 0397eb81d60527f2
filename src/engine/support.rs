//! Who is supported on their own (spec v1 §3 step 1, v2 §1–2): a member
//! without work capacity or a child, with little income and no legal
//! supporter able to support them, draws 特困 or 孤儿 support and leaves R.

use rust_decimal::Decimal;

use super::checked::{add, div, mul, Checked, TWELVE};
use super::evaluation::{Evaluation, Person};
use super::words::ability_zh;
use super::Code;
use crate::model::{Ability, Supporter};
use crate::money::{format_amount as yuan, round_half_up};
use crate::policy::{ChildRoute, SupporterTest};

/// What step 1 and the 孤儿 test decided for one member.
pub(super) struct SupportOutcome {
    /// 特困 support per month, when the member is 特困.
    pub tekun: Option<Decimal>,
    /// 孤儿基本生活保障 per month, when the member is a 孤儿.
    pub orphan: Option<Decimal>,
}

/// One supporter's capability as the rules find it.
struct Finding {
    /// Counted as able to support.
    capable: bool,
    /// Judged or computable (v2's `SUPPORTER_NOT_ASSESSED` when not).
    assessed: bool,
    /// The finding in Chinese, with the figures.
    text: String,
}

impl Evaluation<'_> {
    /// Decides 孤儿 and 特困 for every cohabiting member, in order.
    pub(super) fn support_outcomes(&mut self) -> Checked<Vec<SupportOutcome>> {
        let mut out = Vec::with_capacity(self.people.len());
        for i in 0..self.people.len() {
            out.push(self.support_outcome(i)?);
        }
        Ok(out)
    }

    fn support_outcome(&mut self, i: usize) -> Checked<SupportOutcome> {
        let s = self.standard;
        let test = self.policy.supporter_test();
        let p = &self.people[i];
        let findings = match &p.member.supporters {
            Some(list) => Some(
                list.iter()
                    .map(|sup| assess(sup, test, s, self.standard_name))
                    .collect::<Checked<Vec<Finding>>>()?,
            ),
            None => None,
        };
        let none_capable = findings
            .as_ref()
            .is_some_and(|f| f.iter().all(|f| !f.capable));
        let income_ok = p.own_monthly < s;
        let assets_ok = self.assets_ok();
        let no_capacity = self.no_capacity(p);
        let orphan_age = match (self.policy.child_route(), &self.policy.orphan) {
            (ChildRoute::Orphan, Some(o)) if p.age < o.max_age as i32 => Some(o),
            _ => None,
        };
        let unassessed = match &findings {
            None => true,
            Some(f) => f.iter().any(|f| !f.assessed),
        };
        if test.is_some()
            && unassessed
            && income_ok
            && assets_ok
            && (no_capacity || orphan_age.is_some())
        {
            let text = format!(
                "{}：本人月收入{}元低于{}{}元，{}，{}，可能属{}；请登记其法定赡养（抚养、扶养）义务人及各自的家庭人口、家庭年收入和金融资产，或记录能力认定结论",
                p.member.name,
                yuan(p.own_monthly),
                self.standard_name,
                yuan(s),
                if orphan_age.is_some() { format!("{}周岁", p.age) } else { format!("无劳动能力（{}）", self.no_capacity_reason(p)) },
                if findings.is_none() { "法定义务人未登记".to_owned() } else { "有法定义务人的赡养能力未评估".to_owned() },
                if orphan_age.is_some() { "孤儿" } else { "特困人员" },
            );
            self.note(
                Code::SupporterNotAssessed,
                Some("tekun.supporter_capable_multiplier"),
                text,
            );
        }
        let p = &self.people[i];
        let detail = findings
            .as_ref()
            .map(|f| {
                f.iter()
                    .map(|f| f.text.as_str())
                    .collect::<Vec<_>>()
                    .join("；")
            })
            .unwrap_or_default();
        let detail = if detail.is_empty() {
            "无法定义务人".to_owned()
        } else {
            detail
        };
        let eligible = none_capable && income_ok && assets_ok;
        if let Some(orphan) = orphan_age.filter(|_| eligible) {
            let allowance = orphan.monthly_allowance.0;
            let text = format!(
                "{}：{}周岁，未满{}周岁，无有抚养能力的法定义务人（{}），本人月收入{}元低于{}{}元，纳入孤儿基本生活保障，每月{}元",
                p.member.name,
                p.age,
                orphan.max_age,
                detail,
                yuan(p.own_monthly),
                self.standard_name,
                yuan(s),
                yuan(allowance)
            );
            self.note(
                Code::OrphanAllowance,
                Some("orphan.monthly_allowance"),
                text,
            );
            return Ok(SupportOutcome {
                tekun: None,
                orphan: Some(allowance),
            });
        }
        if !(eligible && no_capacity) {
            return Ok(SupportOutcome {
                tekun: None,
                orphan: None,
            });
        }
        let t = &self.policy.tekun;
        let (care, _) = self.policy.care(p.member.self_care);
        let step = "特困供养金";
        let basic = mul(s, t.basic_multiplier.0, step)?;
        let benefit = self.round_benefit(add(basic, care, step)?);
        let text = format!(
            "{}：无劳动能力（{}），本人月收入{}元低于{}{}元，无有赡养（抚养、扶养）能力的法定义务人（{}），纳入特困供养：基本生活费{}元×{}＋{}照料护理费{}元，每月{}元",
            p.member.name,
            self.no_capacity_reason(p),
            yuan(p.own_monthly),
            self.standard_name,
            yuan(s),
            detail,
            yuan(s),
            t.basic_multiplier.0,
            ability_zh(p.member.self_care),
            yuan(care),
            yuan(benefit)
        );
        self.note(Code::Tekun, Some("tekun.basic_multiplier"), text);
        Ok(SupportOutcome {
            tekun: Some(benefit),
            orphan: None,
        })
    }

    /// No work capacity: old, a child, severely disabled, or assessed so.
    fn no_capacity(&self, p: &Person) -> bool {
        let t = &self.policy.tekun;
        p.age >= t.min_age as i32
            || p.age < t.max_child_age as i32
            || p.severe
            || p.member.work_capacity == Ability::None
    }

    pub(super) fn no_capacity_reason(&self, p: &Person) -> String {
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
}

/// Judges one supporter: a recorded judgement first; under a v2 policy the
/// family figures next; otherwise not capable.
fn assess(
    s: &Supporter,
    test: Option<SupporterTest>,
    standard: Decimal,
    standard_name: &str,
) -> Checked<Finding> {
    let who = if s.relation.is_empty() {
        s.name.clone()
    } else {
        format!("{}（{}）", s.name, s.relation)
    };
    if let Some(capable) = s.capable {
        return Ok(Finding {
            capable,
            assessed: true,
            text: format!(
                "{who}经认定{}赡养（抚养、扶养）能力",
                if capable { "有" } else { "无" }
            ),
        });
    }
    let (Some(test), Some(size), Some(income)) = (test, s.family_size, s.family_annual_income)
    else {
        return Ok(Finding {
            capable: false,
            assessed: false,
            text: format!("{who}的赡养（抚养、扶养）能力未评估，按无能力计"),
        });
    };
    let step = "法定义务人赡养能力";
    let size_dec = Decimal::from(size.max(1));
    let assets = s.family_financial_assets.unwrap_or(Decimal::ZERO);
    let asset_line = mul(Decimal::from(test.exempt_asset_months), standard, step)?;
    if let Some(age) = s.age.filter(|a| *a >= test.exempt_age) {
        // assets / size ≤ months × S, compared without dividing.
        if assets <= mul(asset_line, size_dec, step)? {
            return Ok(Finding {
                capable: false,
                assessed: true,
                text: format!(
                    "{who}{age}周岁，已满{}周岁，家庭人均金融资产{}元不超过{}个月{}（{}元），不计为有赡养能力",
                    test.exempt_age,
                    yuan(div(assets, size_dec, step)?),
                    test.exempt_asset_months,
                    standard_name,
                    yuan(asset_line)
                ),
            });
        }
    }
    let per_capita = round_half_up(div(income, mul(TWELVE, size_dec, step)?, step)?, 2);
    let line = mul(test.capable_multiplier, standard, step)?;
    let capable = per_capita >= line;
    Ok(Finding {
        capable,
        assessed: true,
        text: format!(
            "{who}家庭{}人，年收入{}元，月人均{}元，{}{}的{}倍（{}元），{}赡养（抚养、扶养）能力",
            size,
            yuan(income),
            yuan(per_capita),
            if capable { "不低于" } else { "低于" },
            standard_name,
            test.capable_multiplier.normalize(),
            yuan(line),
            if capable { "有" } else { "无" }
        ),
    })
}
