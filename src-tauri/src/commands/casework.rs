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

#[tauri::command]
pub fn add_event(state: State<AppState>, code: String, event: CaseEvent) -> Result<()> {
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        Ok(store.write(|tx| tx.save_event(&id, &event))?)
    })
}

#[tauri::command]
pub fn add_measure(state: State<AppState>, code: String, measure: Measure) -> Result<()> {
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        Ok(store.write(|tx| tx.save_measure(&id, &measure))?)
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
