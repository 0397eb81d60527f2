//! 临时救助 and 在保: the register of requests and payments, the 审批表,
//! and the confirmation of a household's enrollment from its decision.

use bangfu::decisions::{confirm_enrollment, evaluate_request, grant_temp_aid};
use bangfu::model::Enrollment;
use bangfu::temp_aid::TempAidRecord;
use tauri::State;

use super::printing::write_and_open;
use crate::error::{CommandError, Result};
use crate::state::{reindex, today, with_store};
use crate::AppState;

/// The household's 临时救助 register, oldest first.
#[tauri::command]
pub fn temp_aid_register(state: State<AppState>, code: String) -> Result<Vec<TempAidRecord>> {
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        Ok(store.temp_aid(&id)?)
    })
}

/// Records a new request (or corrects an open one); a paid one is final.
#[tauri::command]
pub fn save_temp_aid_request(
    state: State<AppState>,
    code: String,
    record: TempAidRecord,
) -> Result<String> {
    if record.paid_at.is_some() || record.granted.is_some() {
        return Err(CommandError::new(
            "发放须通过“核定发放”办理，按政策核算可救助金额后记录",
        ));
    }
    record
        .validate()
        .map_err(|e| CommandError::form("有填写错误，未保存", vec![e.to_string()]))?;
    with_store(&state, |store| {
        let id = store.household_record_id(&code)?;
        if store
            .temp_aid(&id)?
            .iter()
            .any(|r| r.id == record.id && !r.is_open())
        {
            return Err(CommandError::new("这笔临时救助已发放，不能再修改"));
        }
        store.write(|tx| tx.save_temp_aid(&id, &record))?;
        Ok(record.id.to_string())
    })
}

/// Pays an open request: `granted` at `paid_at` (`YYYY-MM-DD HH:MM`),
/// within what the rules allow on that day.
#[tauri::command]
pub fn pay_temp_aid(
    state: State<AppState>,
    code: String,
    id: uuid::Uuid,
    granted: String,
    paid_at: String,
) -> Result<TempAidRecord> {
    let granted = bangfu::money::parse_amount(granted.trim())
        .map_err(|e| CommandError::form("核定金额有误", vec![format!("核定金额：{e}")]))?;
    let paid_at =
        chrono::NaiveDateTime::parse_from_str(paid_at.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
            CommandError::form(
                "发放时间有误",
                vec!["发放时间应为“年-月-日 时:分”，如 2026-12-01 14:30".into()],
            )
        })?;
    if paid_at.date() > today() {
        return Err(CommandError::form(
            "发放时间有误",
            vec![format!(
                "发放时间 {paid_at} 晚于今天：只能记录已经发放的救助"
            )],
        ));
    }
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let record = grant_temp_aid(store, &policies, &code, id, granted, paid_at)
            .map_err(|e| CommandError::new(e.to_string()))?;
        reindex(&state, store)?;
        Ok(record)
    })
}

/// What the rules allow for an open request today: the amount that may be
/// granted and who approves it (shown before a payment is recorded).
#[tauri::command]
pub fn temp_aid_allowance(
    state: State<AppState>,
    code: String,
    id: uuid::Uuid,
) -> Result<Option<bangfu::engine::TempAidOutcome>> {
    with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let e = evaluate_request(store, &policies, &code, id, today())
            .map_err(|e| CommandError::new(e.to_string()))?;
        Ok(e.result.decision.and_then(|d| d.temp_aid))
    })
}

/// Prints the 临时救助审批表 of one request and opens it.
#[tauri::command]
pub fn print_temp_aid_form(
    app: tauri::AppHandle,
    state: State<AppState>,
    code: String,
    id: uuid::Uuid,
) -> Result<String> {
    let bytes = with_store(&state, |store| {
        let (policies, _) = store.policy_set()?;
        let paid = store
            .temp_aid(&store.household_record_id(&code)?)?
            .into_iter()
            .find(|r| r.id == id)
            .and_then(|r| r.paid_at);
        let e = evaluate_request(
            store,
            &policies,
            &code,
            id,
            paid.map_or(today(), |p| p.date()),
        )
        .map_err(|e| CommandError::new(e.to_string()))?;
        bangfu::documents::temp_aid_form_pdf(
            &e.household,
            &e.record,
            &e.register,
            Some(&e.result),
            today(),
        )
        .map_err(|e| CommandError::new(format!("生成 PDF 失败：{e}")))
    })?;
    write_and_open(&app, &state, &format!("临时救助审批表-{code}.pdf"), &bytes)
}

/// Confirms the household's 在保 from its latest saved decision, today.
#[tauri::command]
pub fn confirm_household(state: State<AppState>, code: String) -> Result<Enrollment> {
    with_store(&state, |store| {
        let enrollment = confirm_enrollment(store, &code, today())
            .map_err(|e| CommandError::new(e.to_string()))?;
        reindex(&state, store)?;
        Ok(enrollment)
    })
}
