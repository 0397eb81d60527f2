//! Visits, the case timeline, the assistance plan, what is due, and 回头看.

use bangfu::casefile::{due_list as core_due_list, DueItem};
use bangfu::casework::{CaseEvent, Measure, Visit};
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, Result};
use crate::state::{today, with_store};
use crate::AppState;

/// Saves a visit, final or draft (a draft survives a crash or restart).
#[tauri::command]
pub fn save_visit(state: State<AppState>, code: String, visit: Visit) -> Result<String> {
    visit
        .validate()
        .map_err(|e| CommandError::new(e.to_string()))?;
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        store.write(|tx| tx.save_visit(&id, &visit))?;
        Ok(visit.id.to_string())
    })
}

#[tauri::command]
pub fn discard_visit(state: State<AppState>, id: uuid::Uuid) -> Result<bool> {
    with_store(&state, |store| Ok(store.write(|tx| tx.delete_visit(id))?))
}

/// Records a step of the household's 办理流程, in the order the path allows
/// (a refused step says what must come first).
#[tauri::command]
pub fn add_event(state: State<AppState>, code: String, event: CaseEvent) -> Result<()> {
    if event.date > today() {
        return Err(CommandError::new(format!(
            "日期 {} 晚于今天（本机日期 {}）：办理步骤只能记录已经发生的事",
            event.date,
            today()
        )));
    }
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        bangfu::decisions::record_step(store, &policies, &code, &event)
            .map_err(|e| CommandError::new(e.to_string()))?;
        Ok(())
    })
}

/// Where a household's case stands: the stage, the steps that may come
/// next, the 办理时限 with what was done when, and steps out of order.
#[derive(Debug, Serialize)]
pub struct CaseStatus {
    stage: bangfu::lifecycle::Stage,
    stage_zh: &'static str,
    next: Vec<NextStep>,
    deadlines: Vec<DeadlineView>,
    out_of_order: Vec<String>,
}

/// A step that may come next, with its label.
#[derive(Debug, Serialize)]
pub struct NextStep {
    kind: &'static str,
    label: &'static str,
}

/// A deadline as the tab shows it.
#[derive(Debug, Serialize)]
pub struct DeadlineView {
    what: &'static str,
    due: chrono::NaiveDate,
    done: Option<chrono::NaiveDate>,
    missed: bool,
}

#[tauri::command]
pub fn case_status(state: State<AppState>, code: String) -> Result<CaseStatus> {
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let procedure = policies
            .in_force(today())
            .map_err(|e| CommandError::new(e.to_string()))?
            .procedure();
        let events = store.events(&store.household_record_id(&code)?)?;
        let (case, refused) = bangfu::lifecycle::Case::replay(&events, &procedure);
        let calendar = store.work_calendar()?;
        Ok(CaseStatus {
            stage: case.stage,
            stage_zh: case.stage.zh(),
            next: case
                .next_steps()
                .into_iter()
                .map(|k| NextStep {
                    kind: k.code(),
                    label: k.zh(),
                })
                .collect(),
            deadlines: bangfu::lifecycle::deadlines(&events, &calendar, &procedure)
                .into_iter()
                .map(|d| DeadlineView {
                    missed: d.missed(today()),
                    what: d.what,
                    due: d.due,
                    done: d.done,
                })
                .collect(),
            out_of_order: refused
                .into_iter()
                .map(|(e, err)| format!("{} {}：{}", e.date, e.kind.zh(), err.reason))
                .collect(),
        })
    })
}

/// Saves a measure of the plan, new or updated (status, outcome, referral).
#[tauri::command]
pub fn add_measure(state: State<AppState>, code: String, measure: Measure) -> Result<()> {
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        Ok(store.write(|tx| tx.save_measure(&id, &measure))?)
    })
}

/// The measures the household's latest decision suggests (残疾人两项补贴),
/// not yet in its plan, for the caseworker to add.
#[tauri::command]
pub fn suggested_measures(state: State<AppState>, code: String) -> Result<Vec<Measure>> {
    with_store(&state, |store| {
        let caseworker = store.setting("caseworker")?.unwrap_or_default();
        let file = bangfu::casefile::CaseFile::load(store, &code)?;
        Ok(file.suggested_measures(&caseworker))
    })
}

/// 防返贫监测: the households to watch, with their visits.
#[tauri::command]
pub fn monitoring_list(state: State<AppState>) -> Result<Vec<bangfu::monitoring::Monitored>> {
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let months = policies
            .in_force(today())
            .map(|p| p.procedure().monitoring_visit_months)
            .unwrap_or(3);
        let files = bangfu::casefile::case_files(store, None)?;
        Ok(bangfu::monitoring::monitoring_list(&files, today(), months))
    })
}

#[tauri::command]
pub fn due_list(state: State<AppState>, days: u64) -> Result<Vec<DueItem>> {
    with_store(&state, |store| {
        Ok(core_due_list(store, None, today(), days)?)
    })
}

/// A 回头看 finding as the window shows it.
#[derive(Debug, Serialize)]
pub struct AuditRow {
    household: String,
    rule: &'static str,
    detail: String,
}

/// 回头看: the findings of `bangfu audit`, under the policies in use.
#[tauri::command]
pub fn audit_findings(state: State<AppState>) -> Result<Vec<AuditRow>> {
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let findings = bangfu::audit::audit(store, &policies, today())
            .map_err(|e| CommandError::new(e.to_string()))?;
        Ok(findings
            .into_iter()
            .map(|f| AuditRow {
                household: f.household,
                rule: f.rule.zh(),
                detail: f.detail,
            })
            .collect())
    })
}

#[tauri::command]
pub fn villages(state: State<AppState>) -> Result<Vec<(String, i64)>> {
    with_store(&state, |store| Ok(store.villages()?))
}
