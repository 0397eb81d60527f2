//! Evaluating the whole store and comparing with the decisions it keeps:
//! what a county needs the day the standard rises.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::engine::{evaluate, shared_id_numbers, EvalResult, Report, Status};
use crate::model::Household;
use crate::policy::{PolicyError, PolicySet};
use crate::store::{Store, StoreError, StoredDecision};

/// Evaluating the store failed.
#[derive(Debug, thiserror::Error)]
pub enum EvalStoreError {
    /// No policy in force, or similar.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Evaluates every household in the store; returns them with the report (same order).
pub fn evaluate_store(
    store: &Store,
    policies: &PolicySet,
    as_of: NaiveDate,
) -> Result<(Vec<Household>, Report), EvalStoreError> {
    let households = store.households()?;
    let report = evaluate_households(&households, policies, as_of)?;
    Ok((households, report))
}

/// Evaluates stored (already valid) households together.
pub fn evaluate_households(
    households: &[Household],
    policies: &PolicySet,
    as_of: NaiveDate,
) -> Result<Report, PolicyError> {
    let policy = policies.in_force(as_of)?;
    let shared = shared_id_numbers(households.iter());
    let results =
        crate::engine::map_in_parallel(households, |h| evaluate(policy, h, &[], as_of, &shared))
            .into_iter()
            .collect::<Result<_, _>>()?;
    Ok(Report {
        as_of,
        results,
        v2: policy.is_v2(),
    })
}

/// Saves every result as the household's latest decision, in one transaction.
pub fn save_report(
    store: &mut Store,
    households: &[Household],
    report: &Report,
) -> Result<usize, StoreError> {
    store.write(|tx| {
        for (h, r) in households.iter().zip(&report.results) {
            tx.save_decision(h, r, report.as_of)?;
        }
        Ok::<_, StoreError>(households.len())
    })
}

/// How a household's decision moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Not paid before, paid now.
    NewlyEligible,
    /// Paid before, not now.
    Stopped,
    /// Enters the 渐退期.
    IntoGradualExit,
    /// Same payment status, more money.
    AmountUp,
    /// Same payment status, less money.
    AmountDown,
    /// Status changed without a payment change (e.g. 低收入 → 低保边缘).
    StatusChanged,
    /// No decision was stored before.
    FirstDecision,
}

impl ChangeKind {
    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            ChangeKind::NewlyEligible => "新纳入",
            ChangeKind::Stopped => "停发",
            ChangeKind::IntoGradualExit => "进入渐退期",
            ChangeKind::AmountUp => "金额增加",
            ChangeKind::AmountDown => "金额减少",
            ChangeKind::StatusChanged => "类别变化",
            ChangeKind::FirstDecision => "首次评估",
        }
    }
}

/// One line of `eval --diff`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// Household code.
    pub id: String,
    /// What kind of change.
    pub kind: ChangeKind,
    /// Status before (none when there was no decision).
    pub from_status: Option<Status>,
    /// Status now.
    pub to_status: Status,
    /// Total monthly before.
    #[serde(with = "crate::money::serde_amount")]
    pub from_total: Decimal,
    /// Total monthly now.
    #[serde(with = "crate::money::serde_amount")]
    pub to_total: Decimal,
    /// Difference (now − before).
    #[serde(with = "crate::money::serde_amount")]
    pub delta: Decimal,
}

/// Lists what the new results change against the stored decisions; unchanged households are left out.
pub fn diff(stored: &[StoredDecision], results: &[EvalResult]) -> Vec<Change> {
    let by_code: std::collections::HashMap<&str, &StoredDecision> =
        stored.iter().map(|d| (d.code.as_str(), d)).collect();
    let mut out = Vec::new();
    for r in results {
        let now = r.total_monthly();
        let Some(before) = by_code.get(r.id.as_str()) else {
            out.push(Change {
                id: r.id.clone(),
                kind: ChangeKind::FirstDecision,
                from_status: None,
                to_status: r.status,
                from_total: Decimal::ZERO,
                to_total: now,
                delta: now,
            });
            continue;
        };
        let paid_before = before.total_monthly > Decimal::ZERO;
        let paid_now = now > Decimal::ZERO;
        let kind = if r.status == Status::GradualExit && before.status != Status::GradualExit {
            ChangeKind::IntoGradualExit
        } else if paid_now && !paid_before {
            ChangeKind::NewlyEligible
        } else if paid_before && !paid_now {
            ChangeKind::Stopped
        } else if now > before.total_monthly {
            ChangeKind::AmountUp
        } else if now < before.total_monthly {
            ChangeKind::AmountDown
        } else if r.status != before.status {
            ChangeKind::StatusChanged
        } else {
            continue;
        };
        out.push(Change {
            id: r.id.clone(),
            kind,
            from_status: Some(before.status),
            to_status: r.status,
            from_total: before.total_monthly,
            to_total: now,
            delta: now - before.total_monthly,
        });
    }
    out
}

/// Evaluates one stored household; `DUPLICATE_ID_NUMBER` is decided against the whole store.
pub fn evaluate_one(
    store: &Store,
    policies: &PolicySet,
    code: &str,
    as_of: NaiveDate,
) -> Result<(Household, EvalResult), EvalStoreError> {
    let (_, household) = store.household(code)?;
    let policy = policies.in_force(as_of)?;
    let shared_owned = store.id_numbers_shared_with_others(code)?;
    let shared = shared_owned.iter().map(String::as_str).collect();
    let result = evaluate(policy, &household, &[], as_of, &shared)?;
    Ok((household, result))
}

/// Why a household's enrollment (在保) cannot be confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// No decision has been saved for the household.
    #[error("户 {0} 还没有保存的评估结果：请先“评估并保存结果”，再确认")]
    NoDecision(String),
    /// The saved decision is not one a household is enrolled on.
    #[error("户 {code} 最近保存的评估结论是“{status}”，只有低保、低保渐退或特困才能确认在保")]
    NotEnrollable {
        /// Household code.
        code: String,
        /// Status in Chinese.
        status: &'static str,
    },
    /// The confirmation date is before the decision.
    #[error("确认日期 {on} 早于评估日期 {as_of}")]
    BeforeDecision {
        /// Confirmation date.
        on: NaiveDate,
        /// Decision date.
        as_of: NaiveDate,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records the household's enrollment (在保) from its latest saved decision,
/// confirmed on `on`: the program and amount decided, `since` kept from an
/// enrollment in the same program (else `on`), `last_review` set to `on`
/// (a confirmation is a completed review), and the 渐退 finding kept.
/// Returns the enrollment recorded.
pub fn confirm_enrollment(
    store: &mut Store,
    code: &str,
    on: NaiveDate,
) -> Result<crate::model::Enrollment, ConfirmError> {
    let (household, enrollment) = enrolled_household(store, code, on)?;
    store.write(|tx| tx.save_household(&household).map(drop))?;
    Ok(enrollment)
}

/// The household `code` with the enrollment its latest saved decision gives
/// when confirmed on `on` (not saved), and that enrollment.
fn enrolled_household(
    store: &Store,
    code: &str,
    on: NaiveDate,
) -> Result<(Household, crate::model::Enrollment), ConfirmError> {
    let decision = store
        .latest_decision(code)?
        .ok_or_else(|| ConfirmError::NoDecision(code.to_owned()))?;
    if on < decision.as_of {
        return Err(ConfirmError::BeforeDecision {
            on,
            as_of: decision.as_of,
        });
    }
    let result = decision.result().ok_or_else(|| StoreError::Corrupt {
        place: format!("decisions.result_json（户 {code}）"),
        problem: "不是有效的 JSON".into(),
    })?;
    let amount = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| s.parse::<Decimal>().ok())
            .unwrap_or(Decimal::ZERO)
    };
    let (program, monthly_amount) = match decision.status {
        Status::Dibao | Status::GradualExit => ("dibao", amount(&result["monthly_benefit"])),
        Status::Tekun => (
            "tekun",
            result["members"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| amount(&m["tekun_benefit"]))
                .sum(),
        ),
        other => {
            return Err(ConfirmError::NotEnrollable {
                code: code.to_owned(),
                status: other.zh(),
            })
        }
    };
    let (_, mut household) = store.household(code)?;
    let before = household.enrollment.take();
    let same = before.as_ref().filter(|e| e.program == program);
    let enrollment = crate::model::Enrollment {
        program: program.to_owned(),
        since: same.and_then(|e| e.since).or(Some(on)),
        monthly_amount,
        class: result["household_class"].as_str().map(str::to_owned),
        last_review: Some(on),
        exceeded_since: same.and_then(|e| e.exceeded_since),
    };
    household.enrollment = Some(enrollment.clone());
    Ok((household, enrollment))
}

/// Why a step of the 办理流程 cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum StepRecordError {
    /// The step does not follow the path, or lacks what it must record.
    #[error(transparent)]
    Step(#[from] crate::lifecycle::StepError),
    /// A confirmation without an enrollable decision.
    #[error(transparent)]
    Confirm(#[from] ConfirmError),
    /// No policy in force.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A 特困 confirmation says how the person is supported (供养方式): 集中
/// (in an institution) or 分散 (at home, with a named carer and the date of
/// the 委托照料协议).
fn tekun_support(step: &crate::casework::CaseEvent) -> Result<(), crate::lifecycle::StepError> {
    let text = |key: &str| {
        step.data
            .get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let fail = |reason: &str| crate::lifecycle::StepError {
        step: step.kind.zh(),
        reason: reason.to_owned(),
    };
    match text("support_mode") {
        Some("centralized") => Ok(()),
        Some("dispersed") => {
            if text("carer").is_none() {
                return Err(fail("分散供养须写明照料人（carer）"));
            }
            match text("agreement_date").and_then(crate::dates::parse_iso_date) {
                Some(_) => Ok(()),
                None => Err(fail(
                    "分散供养须写明委托照料协议的签订日期（agreement_date：YYYY-MM-DD）",
                )),
            }
        }
        _ => Err(fail(
            "特困人员须写明供养方式（support_mode：centralized 集中供养 或 dispersed 分散供养）",
        )),
    }
}

/// Records a step of household `code`'s case, after checking it against
/// the case so far ([`crate::lifecycle::Case::check`]). What the step
/// decides is written in the same transaction: a confirmation records 在保
/// from the saved decision, a review sets `last_review`, entering 渐退 sets
/// `exceeded_since`, and an exit ends the enrollment.
pub fn record_step(
    store: &mut Store,
    policies: &PolicySet,
    code: &str,
    step: &crate::casework::CaseEvent,
) -> Result<crate::lifecycle::Case, StepRecordError> {
    use crate::casework::EventKind;
    let household_id = store.household_record_id(code)?;
    let procedure = policies.in_force(step.date)?.procedure();
    // A 容错纠错 keeps the outcome the rules computed beside the one recorded.
    let mut step = step.clone();
    if step.kind == EventKind::Exception && !step.data.contains_key("computed") {
        if let Some(d) = store.latest_decision(code)? {
            step.data.insert("computed".into(), d.status.code().into());
        }
    }
    let step = &step;
    let events = store.events(&household_id)?;
    let (mut case, _) = crate::lifecycle::Case::replay(&events, &procedure);
    case.check(step, &procedure)?;
    let household = match step.kind {
        EventKind::CountyConfirmation => {
            let (household, enrollment) = enrolled_household(store, code, step.date)?;
            if enrollment.is_tekun() {
                tekun_support(step)?;
            }
            Some(household)
        }
        EventKind::Review | EventKind::GradualExit | EventKind::Termination => {
            let (_, mut h) = store.household(code)?;
            let stops =
                step.data.get("outcome").and_then(serde_json::Value::as_str) == Some("stop");
            match (step.kind, h.enrollment.as_mut()) {
                // 终止, or a review that stops the payment (停发): 在保 ends.
                (EventKind::Termination, _) => h.enrollment = None,
                (EventKind::Review, _) if stops => h.enrollment = None,
                (EventKind::Review, Some(e)) => e.last_review = Some(step.date),
                (EventKind::GradualExit, Some(e)) if e.exceeded_since.is_none() => {
                    e.exceeded_since = Some(step.date)
                }
                _ => {}
            }
            Some(h)
        }
        _ => None,
    };
    store.write(|tx| {
        tx.save_event(&household_id, step)?;
        if let Some(h) = &household {
            tx.save_household(h)?;
        }
        Ok::<(), StoreError>(())
    })?;
    case.apply(step);
    Ok(case)
}

/// Why a 临时救助 payment cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// No such request in the household's register.
    #[error("户 {code} 的临时救助登记中没有记录号为 {id} 的申请")]
    NoRequest {
        /// Household code.
        code: String,
        /// Record id.
        id: uuid::Uuid,
    },
    /// Already paid.
    #[error("这笔临时救助已于 {0} 发放，不能重复发放")]
    AlreadyPaid(String),
    /// More than the rules allow now.
    #[error(
        "核定金额{granted}元超过按政策本次最多可救助的{grantable}元（年度上限扣除本年已救助）"
    )]
    OverLimit {
        /// Amount asked to grant.
        granted: String,
        /// What the rules allow.
        grantable: String,
    },
    /// The payment as entered cannot be saved (dates out of order, …).
    #[error("{0}")]
    Bad(#[from] crate::temp_aid::TempAidError),
    /// The household's data is invalid, so nothing can be computed.
    #[error("户 {0} 的数据有误，无法计算可救助金额：请先改正户信息")]
    Invalid(String),
    /// Evaluation failed.
    #[error(transparent)]
    Eval(#[from] EvalStoreError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A 临时救助 request as the rules see it on a day.
#[derive(Debug, Clone)]
pub struct RequestEvaluation {
    /// The household, with the request as its open one.
    pub household: Household,
    /// The request.
    pub record: crate::temp_aid::TempAidRecord,
    /// The household's whole register.
    pub register: Vec<crate::temp_aid::TempAidRecord>,
    /// The household's evaluation (its `temp_aid` outcome is the request's).
    pub result: EvalResult,
}

/// Evaluates household `code` as of `as_of` with its request `id` as the
/// open one, and as grants only the payments made before that request was
/// paid: what the rules allowed for it. While it is open, every payment of
/// the year counts, even one dated after `as_of` (a payment entered late
/// with an earlier date must still respect the yearly cap).
pub fn evaluate_request(
    store: &Store,
    policies: &PolicySet,
    code: &str,
    id: uuid::Uuid,
    as_of: NaiveDate,
) -> Result<RequestEvaluation, GrantError> {
    let household_id = store.household_record_id(code)?;
    let register = store.temp_aid(&household_id)?;
    let record = register
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .ok_or(GrantError::NoRequest {
            code: code.to_owned(),
            id,
        })?;
    let paid_before = |r: &crate::temp_aid::TempAidRecord| match (r.paid_at, record.paid_at) {
        (Some(p), Some(q)) => p < q,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let counted_by = |mut r: crate::temp_aid::TempAidRecord| {
        if record.paid_at.is_none() {
            r.paid_at = r.paid_at.map(|p| {
                if p.date() > as_of && p.year() == as_of.year() {
                    as_of.and_time(chrono::NaiveTime::MIN)
                } else {
                    p
                }
            });
        }
        r
    };
    let asked: Vec<_> = register
        .iter()
        .filter(|r| r.id != id && paid_before(r))
        .cloned()
        .map(counted_by)
        .chain(std::iter::once(crate::temp_aid::TempAidRecord {
            paid_at: None,
            granted: None,
            ..record.clone()
        }))
        .collect();
    let (_, mut household) = store.household(code)?;
    household.temp_aid = crate::temp_aid::open_request(&asked);
    let policy = policies.in_force(as_of).map_err(EvalStoreError::from)?;
    let shared_owned = store.id_numbers_shared_with_others(code)?;
    let shared = shared_owned.iter().map(String::as_str).collect();
    let result = evaluate(policy, &household, &[], as_of, &shared).map_err(EvalStoreError::from)?;
    Ok(RequestEvaluation {
        household,
        record,
        register,
        result,
    })
}

/// Records the payment of the open 临时救助 request `id` of household
/// `code`: `granted` paid at `paid_at`. The request is evaluated as of the
/// payment day ([`evaluate_request`]) and the payment may not exceed what
/// the rules allow then; the approval level is recorded from the same
/// evaluation (先行救助 for a small emergency). Returns the paid record.
pub fn grant_temp_aid(
    store: &mut Store,
    policies: &PolicySet,
    code: &str,
    id: uuid::Uuid,
    granted: Decimal,
    paid_at: chrono::NaiveDateTime,
) -> Result<crate::temp_aid::TempAidRecord, GrantError> {
    let RequestEvaluation {
        mut record, result, ..
    } = evaluate_request(store, policies, code, id, paid_at.date())?;
    if let Some(at) = record.paid_at {
        return Err(GrantError::AlreadyPaid(
            at.format("%Y-%m-%d %H:%M").to_string(),
        ));
    }
    let outcome = result
        .decision
        .as_ref()
        .and_then(|d| d.temp_aid.clone())
        .ok_or_else(|| GrantError::Invalid(code.to_owned()))?;
    let grantable = outcome.grantable;
    if granted > grantable {
        return Err(GrantError::OverLimit {
            granted: crate::money::format_amount(granted),
            grantable: crate::money::format_amount(grantable),
        });
    }
    record.granted = Some(granted);
    record.paid_at = Some(paid_at);
    record.approval_level = Some(outcome.approval_level);
    record.validate()?;
    let household_id = store.household_record_id(code)?;
    store.write(|tx| tx.save_temp_aid(&household_id, &record))?;
    Ok(record)
}
