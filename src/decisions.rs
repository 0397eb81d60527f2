//! Evaluating the whole store and comparing with the decisions it keeps:
//! what a county needs the day the standard rises.

use chrono::NaiveDate;
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
