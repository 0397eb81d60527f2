//! 回头看: the county's look back over the store for the risks its work
//! plans name — the same person in two households, relatives of village staff
//! without a registration, payments with no recent visit, decisions older than
//! the review cadence, and stored amounts that a fresh evaluation contradicts.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::casework::EventKind;
use crate::dates::add_months;
use crate::decisions::evaluate_households;
use crate::engine::Class;
use crate::id_number::mask_id_number;
use crate::lifecycle::{deadlines, Case};
use crate::model::Household;
use crate::money::format_amount;
use crate::policy::PolicySet;
use crate::store::{Result, Store, StoreError};

/// The rule a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rule {
    /// The same ID number in two households (重复享受).
    DuplicateIdNumber,
    /// A household with village staff (or a staff member's listed relative) not registered as 近亲属备案.
    CadreRelativeUnregistered,
    /// Paid, but no home visit within the last review period.
    PaidWithoutVisit,
    /// The latest decision is older than the review cadence.
    DecisionStale,
    /// The stored amount differs from a fresh evaluation.
    AmountDiffers,
    /// The outcome differs from the rules, with a recorded 容错纠错 (reason,
    /// approval): listed as justified, not as a mismatch.
    JustifiedException,
    /// A step of the 办理流程 recorded out of the order the path allows.
    StepOutOfOrder,
    /// A 办理时限 missed: done late, or still not done past its date.
    DeadlineMissed,
    /// 先行救助 paid later than the policy's hours after the report.
    PrepayLate,
    /// 先行救助 paid, but its approval not given afterwards within the
    /// working days a decision has (补办审批).
    PrepayNotApproved,
}

impl Rule {
    /// Chinese name of the rule.
    pub fn zh(self) -> &'static str {
        match self {
            Rule::DuplicateIdNumber => "身份证号重复登记",
            Rule::CadreRelativeUnregistered => "干部近亲属未备案",
            Rule::PaidWithoutVisit => "享受待遇但未按期走访",
            Rule::DecisionStale => "认定结果超过复核周期",
            Rule::AmountDiffers => "保障金额与重新评估不符",
            Rule::JustifiedException => "容错纠错（已说明理由并经批准）",
            Rule::StepOutOfOrder => "办理流程顺序不符",
            Rule::DeadlineMissed => "超过办理时限",
            Rule::PrepayLate => "先行救助超时",
            Rule::PrepayNotApproved => "先行救助未补办审批",
        }
    }
}

/// One finding: the household, the rule and what was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Household code.
    pub household: String,
    /// Rule broken.
    pub rule: Rule,
    /// What was seen, in Chinese (ID numbers masked).
    pub detail: String,
}

/// A person on the village staff list (settings key `staff`: JSON list of `{name, id_number}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StaffMember {
    /// Name.
    pub name: String,
    /// ID number.
    pub id_number: String,
}

/// Reads the staff list from the store's settings.
pub fn staff_list(store: &Store) -> Result<Vec<StaffMember>> {
    match store.setting("staff")? {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
            place: "settings.staff".into(),
            problem: e.to_string(),
        }),
    }
}

/// Runs every check on `today`.
pub fn audit(
    store: &Store,
    policies: &PolicySet,
    today: NaiveDate,
) -> std::result::Result<Vec<Finding>, crate::decisions::EvalStoreError> {
    let households = store.households()?;
    let mut findings = duplicate_id_numbers(&households);
    findings.extend(unregistered_cadre_relatives(
        &households,
        &staff_list(store)?,
    ));
    findings.extend(decision_checks(store, &households, policies, today)?);
    findings.extend(procedure_checks(store, &households, policies, today)?);
    findings.sort_by(|a, b| (&a.household, a.rule).cmp(&(&b.household, b.rule)));
    Ok(findings)
}

/// One ID number in the cohabiting members of more than one household.
fn duplicate_id_numbers(households: &[Household]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut holders: HashMap<&str, Vec<&str>> = HashMap::new();
    for h in households {
        for (_, m) in h.cohabiting() {
            if let Some(id) = m.id_number.as_deref() {
                holders.entry(id).or_default().push(&h.id);
            }
        }
    }
    for (id, codes) in &holders {
        if codes.len() > 1 {
            for code in codes {
                let others: Vec<&str> = codes.iter().copied().filter(|c| c != code).collect();
                findings.push(Finding {
                    household: (*code).to_owned(),
                    rule: Rule::DuplicateIdNumber,
                    detail: format!(
                        "身份证号 {} 同时登记在 {}",
                        mask_id_number(id),
                        others.join("、")
                    ),
                });
            }
        }
    }
    findings
}

/// Households with a member, or a legal supporter, on the village staff
/// list, without the 近亲属 record.
fn unregistered_cadre_relatives(households: &[Household], staff: &[StaffMember]) -> Vec<Finding> {
    let staff_ids: HashSet<&str> = staff.iter().map(|s| s.id_number.as_str()).collect();
    let staff_names: HashSet<&str> = staff.iter().map(|s| s.name.as_str()).collect();
    let mut findings = Vec::new();
    for h in households.iter().filter(|h| !h.cadre_relative) {
        let staff_here: Vec<&str> = h
            .members
            .iter()
            .filter(|m| {
                m.id_number
                    .as_deref()
                    .is_some_and(|id| staff_ids.contains(id))
            })
            .map(|m| m.name.as_str())
            .chain(
                h.members
                    .iter()
                    .flat_map(|m| m.supporters.iter().flatten())
                    .map(|s| s.name.as_str())
                    .filter(|n| staff_names.contains(n)),
            )
            .collect();
        if !staff_here.is_empty() {
            findings.push(Finding {
                household: h.id.clone(),
                rule: Rule::CadreRelativeUnregistered,
                detail: format!(
                    "本户与村（社区）工作人员 {} 有亲属关系，但未登记近亲属备案",
                    staff_here.join("、")
                ),
            });
        }
    }
    findings
}

/// The 办理流程 of each household: steps out of order, 办理时限 missed
/// (working days, by the store's calendar), and 先行救助 paid late.
fn procedure_checks(
    store: &Store,
    households: &[Household],
    policies: &PolicySet,
    today: NaiveDate,
) -> std::result::Result<Vec<Finding>, crate::decisions::EvalStoreError> {
    let procedure = policies.in_force(today)?.procedure();
    let calendar = store.work_calendar()?;
    let mut findings = Vec::new();
    for h in households {
        let record_id = store.household_record_id(&h.id)?;
        let events = store.events(&record_id)?;
        let (_, refused) = Case::replay(&events, &procedure);
        for (e, err) in refused {
            findings.push(Finding {
                household: h.id.clone(),
                rule: Rule::StepOutOfOrder,
                detail: format!("{} {}：{}", e.date, e.kind.zh(), err.reason),
            });
        }
        for d in deadlines(&events, &calendar, &procedure) {
            if d.missed(today) {
                findings.push(Finding {
                    household: h.id.clone(),
                    rule: Rule::DeadlineMissed,
                    detail: match d.done {
                        Some(done) => format!("{}应于 {} 前完成，{} 才完成", d.what, d.due, done),
                        None => format!("{}应于 {} 前完成，至今未完成", d.what, d.due),
                    },
                });
            }
        }
        for r in store.temp_aid(&record_id)? {
            if r.approval_level != Some(crate::engine::ApprovalLevel::Prepay) {
                continue;
            }
            if let Some(paid) = r.paid_at.filter(|_| r.approved.is_none()) {
                let due = calendar.add_working_days(paid.date(), procedure.decision_working_days);
                if due < today {
                    findings.push(Finding {
                        household: h.id.clone(),
                        rule: Rule::PrepayNotApproved,
                        detail: format!(
                            "先行救助（{}）于 {} 发放，应于 {due} 前补办审批，至今未办",
                            r.cause,
                            paid.date()
                        ),
                    });
                }
            }
            if let Some(hours) = r
                .hours_to_payment()
                .filter(|h| *h > i64::from(procedure.prepay_hours))
            {
                findings.push(Finding {
                    household: h.id.clone(),
                    rule: Rule::PrepayLate,
                    detail: format!(
                        "先行救助（{}）自报告至发放用了 {hours} 小时，超过 {} 小时",
                        r.cause, procedure.prepay_hours
                    ),
                });
            }
        }
    }
    Ok(findings)
}

/// Against each household's latest saved decision: paid without a recent
/// visit, a decision past its review, an amount the current policy changes.
fn decision_checks(
    store: &Store,
    households: &[Household],
    policies: &PolicySet,
    today: NaiveDate,
) -> std::result::Result<Vec<Finding>, crate::decisions::EvalStoreError> {
    let policy = policies.in_force(today)?;
    let decisions: HashMap<String, _> = store
        .latest_decisions()?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let mut findings = Vec::new();
    let last_visits = store.last_visit_dates()?;
    let report = evaluate_households(households, policies, today)?;
    for (h, fresh) in households.iter().zip(&report.results) {
        let Some(stored) = decisions.get(&h.id) else {
            continue;
        };
        let class = fresh
            .decision
            .as_ref()
            .and_then(|d| d.household_class)
            .unwrap_or(Class::A);
        let months = match class {
            Class::C => policy.dibao.review_months_c,
            Class::A | Class::B => policy.dibao.review_months_ab,
        };
        if stored.total_monthly > rust_decimal::Decimal::ZERO {
            let last = last_visits
                .get(&h.id)
                .map_or("无".into(), |d| d.to_string());
            // Under a v2 policy the visit cadence of the household's status
            // decides (the same the due list uses); under v1, the review period.
            let missed = match fresh.decision.as_ref().filter(|_| policy.is_v2()) {
                Some(d) => d.visit_overdue.then(|| {
                    format!(
                        "应于 {} 前入户走访，已逾期（最近一次：{last}）",
                        d.next_visit.map_or("—".into(), |n| n.to_string())
                    )
                }),
                None => last_visits
                    .get(&h.id)
                    .is_none_or(|d| add_months(*d, months) < today)
                    .then(|| format!("最近{months}个月内没有入户走访记录（最近一次：{last}）")),
            };
            if let Some(missed) = missed {
                findings.push(Finding {
                    household: h.id.clone(),
                    rule: Rule::PaidWithoutVisit,
                    detail: format!(
                        "每月领取 {} 元，{missed}",
                        format_amount(stored.total_monthly)
                    ),
                });
            }
        }
        if add_months(stored.as_of, months) < today {
            findings.push(Finding {
                household: h.id.clone(),
                rule: Rule::DecisionStale,
                detail: format!(
                    "最近一次认定在 {}，已超过{}个月的复核周期",
                    stored.as_of, months
                ),
            });
        }
        if fresh.total_monthly() != stored.total_monthly || fresh.status != stored.status {
            let differs = format!(
                "保存的认定为{} {} 元，按现行政策 {} 重新评估为{} {} 元",
                stored.status.zh(),
                format_amount(stored.total_monthly),
                policy.version,
                fresh.status.zh(),
                format_amount(fresh.total_monthly())
            );
            // A 容错纠错 recorded since the decision explains the difference.
            let events = store.events(&store.household_record_id(&h.id)?)?;
            let exception = events
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::Exception && e.date >= stored.as_of);
            findings.push(match exception {
                Some(e) => Finding {
                    household: h.id.clone(),
                    rule: Rule::JustifiedException,
                    detail: format!(
                        "{differs}；{} 记录容错纠错：{}（批准：{}）",
                        e.date,
                        e.note,
                        e.data
                            .get("approved_by")
                            .and_then(|v| v.as_str())
                            .unwrap_or("—")
                    ),
                },
                None => Finding {
                    household: h.id.clone(),
                    rule: Rule::AmountDiffers,
                    detail: differs,
                },
            });
        }
    }
    Ok(findings)
}
