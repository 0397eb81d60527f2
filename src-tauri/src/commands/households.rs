//! The household list and screen: search, details, saving, evaluating.

use bangfu::casefile::{CaseFile, DueItem};
use bangfu::casework::{CaseEvent, Measure, Visit};
use bangfu::household_json::{household_to_json, parse_household};
use bangfu::store::HouseholdSummary;
use serde::Serialize;
use serde_json::Value;
use tauri::State;

use crate::error::{CommandError, Result};
use crate::state::{reindex, today, with_store};
use crate::AppState;

#[tauri::command]
pub fn search_households(state: State<AppState>, query: String) -> Result<Vec<HouseholdSummary>> {
    let index = state
        .index
        .lock()
        .map_err(|_| CommandError::new("搜索索引正忙，请重试"))?;
    Ok(index.search(&query, 500))
}

/// Everything the household screen shows.
#[derive(Debug, Serialize)]
pub struct HouseholdDetail {
    household: Value,
    visits: Vec<Visit>,
    events: Vec<CaseEvent>,
    measures: Vec<Measure>,
    temp_aid: Vec<bangfu::temp_aid::TempAidRecord>,
    decision: Option<Value>,
    due: Vec<DueItem>,
}

#[tauri::command]
pub fn household_detail(state: State<AppState>, code: String) -> Result<HouseholdDetail> {
    with_store(&state, |store| {
        let file = CaseFile::load(store, &code)?;
        Ok(HouseholdDetail {
            household: household_to_json(&file.household),
            decision: file.decision_json(),
            due: file.due_items(today()),
            visits: file.visits,
            events: file.events,
            measures: file.measures,
            temp_aid: file.temp_aid,
        })
    })
}

/// What an ID number says.
#[derive(Debug, Serialize)]
pub struct IdFacts {
    birth_date: String,
    sex: &'static str,
}

#[tauri::command]
pub fn check_id_number(id: String) -> Result<IdFacts> {
    let info = bangfu::id_number::parse_id_number(id.trim())
        .map_err(|e| CommandError::new(e.to_string()))?;
    Ok(IdFacts {
        birth_date: info.birth_date.to_string(),
        sex: info.sex.zh(),
    })
}

/// Saves a household given as its household.v1 object; nothing is saved when any field is wrong.
#[tauri::command]
pub fn save_household(state: State<AppState>, household: Value) -> Result<String> {
    let parsed = parse_household(&household, 0).map_err(|e| CommandError::new(e.to_string()))?;
    let problems = parsed.problems(today());
    if !problems.is_empty() {
        return Err(CommandError::form("有填写错误，未保存", problems));
    }
    with_store(&state, |store| {
        let outside = bangfu::sync::device::households_outside_village(
            store,
            std::slice::from_ref(&parsed.household),
        )?;
        if !outside.is_empty() {
            return Err(CommandError::form("这一户不是本村的，未保存", outside));
        }
        store.write(|tx| tx.save_household(&parsed.household))?;
        reindex(&state, store)?;
        Ok(parsed.household.id.clone())
    })
}

/// Evaluates a household now (and saves the decision when asked); returns
/// the result as the results file writes it (`eval.v1` or `eval.v2`).
#[tauri::command]
pub fn evaluate_household(state: State<AppState>, code: String, save: bool) -> Result<Value> {
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let (household, result) = bangfu::decisions::evaluate_one(store, &policies, &code, today())
            .map_err(|e| CommandError::new(e.to_string()))?;
        if save {
            store.write(|tx| tx.save_decision(&household, &result, today()))?;
            reindex(&state, store)?;
        }
        serde_json::to_value(&result).map_err(|e| CommandError::new(e.to_string()))
    })
}
