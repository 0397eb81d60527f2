//! `#[tauri::command]`s: typed payloads in, typed results or a Chinese message out.

use std::path::PathBuf;

use bangfu::casefile::{due_list as core_due_list, CaseFile, DueItem};
use bangfu::casework::{CaseEvent, Measure, Visit};
use bangfu::household_json::{household_to_json, parse_household};
use bangfu::search::SearchIndex;
use bangfu::store::{FileState, HouseholdSummary, Passphrase, Store, StoreError};
use serde::Serialize;
use serde_json::Value;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::AppState;

/// A command's failure: one message for the caseworker, and field problems when a form was wrong.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// What went wrong, in Chinese.
    pub message: String,
    /// Each problem found in a form, naming the place.
    pub problems: Vec<String>,
}

impl CommandError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CommandError {
            message: message.into(),
            problems: Vec::new(),
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError::new(e.to_string())
    }
}

pub(crate) type Result<T> = std::result::Result<T, CommandError>;

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn lock_store<'a>(state: &'a State<AppState>) -> Result<std::sync::MutexGuard<'a, Option<Store>>> {
    state
        .store
        .lock()
        .map_err(|_| CommandError::new("数据库正忙，请重试"))
}

pub(crate) fn with_store<T>(
    state: &State<AppState>,
    f: impl FnOnce(&mut Store) -> Result<T>,
) -> Result<T> {
    let mut slot = lock_store(state)?;
    let store = slot
        .as_mut()
        .ok_or_else(|| CommandError::new("数据库尚未打开，请先输入口令"))?;
    f(store)
}

fn reindex(state: &State<AppState>, store: &Store) -> Result<()> {
    let index = SearchIndex::build(store)?;
    if let Ok(mut slot) = state.index.lock() {
        *slot = index;
    }
    Ok(())
}

/// Where the store is on the way to being open.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No store yet: first start.
    New,
    /// A store from before encryption: it needs a passphrase set.
    Unencrypted,
    /// An encrypted store waiting for its passphrase.
    Locked,
    /// Open.
    Open,
}

/// The start screen's facts.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    db_path: String,
    stage: Stage,
    households: usize,
    caseworker: Option<String>,
    village: Option<String>,
    device_id: Option<String>,
    /// When the last backup was written, if ever.
    last_backup: Option<String>,
    /// A reminder to back up is due.
    backup_due: bool,
}

fn status_of(state: &State<AppState>, store: Option<&mut Store>) -> Result<AppStatus> {
    let db_path = state.db_path.display().to_string();
    let Some(store) = store else {
        let stage = match Store::look_at(&state.db_path)? {
            FileState::New => Stage::New,
            FileState::Plain => Stage::Unencrypted,
            FileState::Encrypted(_) => Stage::Locked,
        };
        return Ok(AppStatus {
            db_path,
            stage,
            households: 0,
            caseworker: None,
            village: None,
            device_id: None,
            last_backup: None,
            backup_due: false,
        });
    };
    let households = store.household_summaries(None)?.len();
    let last = store.last_backup()?;
    Ok(AppStatus {
        db_path,
        stage: Stage::Open,
        households,
        caseworker: store.setting("caseworker")?,
        village: store.setting("village")?,
        device_id: Some(store.device_id()?),
        backup_due: households > 0 && bangfu::store::backup_overdue(last.as_ref(), today()),
        last_backup: last.map(|b| b.at),
    })
}

#[tauri::command]
pub fn app_status(state: State<AppState>) -> Result<AppStatus> {
    let mut slot = lock_store(&state)?;
    status_of(&state, slot.as_mut())
}

/// Opens the store with `store`'s passphrase and makes it the app's store.
fn install_store(
    state: &State<AppState>,
    slot: &mut Option<Store>,
    store: Store,
) -> Result<AppStatus> {
    reindex(state, &store)?;
    *slot = Some(store);
    status_of(state, slot.as_mut())
}

/// Opens the store with the caseworker's passphrase (encrypting a store from
/// before encryption). A wrong passphrase is an error and changes nothing.
#[tauri::command]
pub async fn unlock(state: State<'_, AppState>, passphrase: String) -> Result<AppStatus> {
    let mut slot = lock_store(&state)?;
    if slot.is_some() {
        return status_of(&state, slot.as_mut());
    }
    let found = Store::look_at(&state.db_path)?;
    if found == FileState::New {
        return Err(CommandError::new("还没有数据库，请先建立"));
    }
    let mut store = Store::open_found(&state.db_path, found, &Passphrase::new(passphrase))?;
    store.device_id()?;
    bangfu::sync::device::seal_key_files(&mut store, &state.db_path).map_err(sync_error)?;
    install_store(&state, &mut slot, store)
}

/// What the first-start form sends.
#[derive(Debug, serde::Deserialize)]
pub struct NewStore {
    passphrase: String,
    caseworker: String,
    village: String,
    demo: bool,
}

/// First start: creates the encrypted store, records the caseworker and the
/// village, makes the device key, and fills in the demo village if asked.
#[tauri::command]
pub async fn create_store(state: State<'_, AppState>, setup: NewStore) -> Result<AppStatus> {
    let mut problems = Vec::new();
    if setup.caseworker.trim().is_empty() {
        problems.push("协理员姓名：不能为空".to_owned());
    }
    if setup.village.trim().is_empty() {
        problems.push("所在村：不能为空".to_owned());
    }
    let passphrase = Passphrase::new(setup.passphrase);
    if !passphrase.strong_enough() {
        problems.push(bangfu::store::StoreError::WeakPassphrase.to_string());
    }
    if !problems.is_empty() {
        return Err(CommandError {
            message: "有填写错误，数据库尚未建立".into(),
            problems,
        });
    }
    let mut slot = lock_store(&state)?;
    let found = Store::look_at(&state.db_path)?;
    if found != FileState::New {
        return Err(CommandError::new("数据库已经存在，请输入口令打开"));
    }
    let mut store = Store::open_found(&state.db_path, found, &passphrase)?;
    bangfu::sync::device::init(
        &mut store,
        &state.db_path,
        Some(&setup.caseworker),
        Some(&setup.village),
        false,
    )
    .map_err(sync_error)?;
    if setup.demo {
        bangfu::demo::install(&mut store, today(), 60, None)
            .map_err(|e| CommandError::new(e.to_string()))?;
    }
    install_store(&state, &mut slot, store)
}

/// Writes an encrypted backup of the store into `dir` (the app's backup
/// folder when empty) and returns its path.
#[tauri::command]
pub fn backup_now(state: State<AppState>, dir: String) -> Result<String> {
    let dir = match dir.trim() {
        "" => state.backup_dir.clone(),
        chosen => PathBuf::from(chosen),
    };
    let out = dir.join(format!(
        "帮扶备份-{}.sqlite",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    ));
    with_store(&state, |store| {
        store.backup_to(&out)?;
        Ok(out.display().to_string())
    })
}

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
        return Err(CommandError {
            message: "有填写错误，未保存".into(),
            problems,
        });
    }
    with_store(&state, |store| {
        store.write(|tx| tx.save_household(&parsed.household))?;
        reindex(&state, store)?;
        Ok(parsed.household.id.clone())
    })
}

/// Evaluates a household now (and saves the decision when asked); returns the eval.v1 result.
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

pub(crate) fn write_and_open(
    app: &tauri::AppHandle,
    state: &State<AppState>,
    name: &str,
    bytes: &[u8],
) -> Result<String> {
    let path: PathBuf = state.print_dir.join(name);
    std::fs::create_dir_all(&state.print_dir)
        .map_err(|e| CommandError::new(format!("无法创建打印目录：{e}")))?;
    bangfu::files::write_atomically(&path, bytes, bangfu::files::Access::OwnerOnly)
        .map_err(|e| CommandError::new(format!("无法写入 {}：{e}", path.display())))?;
    if std::env::var_os("BANGFU_NO_OPEN").is_none() {
        // A missing PDF viewer is not a failure: the file is there to print.
        let _ = app
            .opener()
            .open_path(path.display().to_string(), None::<&str>);
    }
    Ok(path.display().to_string())
}

#[tauri::command]
pub fn print_dossier(
    app: tauri::AppHandle,
    state: State<AppState>,
    code: String,
) -> Result<String> {
    let bytes = with_store(&state, |store| {
        let file = CaseFile::load(store, &code)?;
        bangfu::documents::dossier_pdf(&file, today(), Default::default())
            .map_err(|e| CommandError::new(format!("生成 PDF 失败：{e}")))
    })?;
    write_and_open(&app, &state, &format!("一户一档-{code}.pdf"), &bytes)
}

#[tauri::command]
pub fn print_notice(
    app: tauri::AppHandle,
    state: State<AppState>,
    village: String,
    phone: String,
) -> Result<String> {
    let bytes = with_store(&state, |store| {
        let files = bangfu::casefile::case_files(store, Some(&village))?;
        let options = bangfu::documents::NoticeOptions::for_village(
            store,
            &village,
            today(),
            Some(&phone),
            None,
        )?;
        bangfu::documents::notice_pdf(&files, &options)
            .map_err(|e| CommandError::new(format!("生成 PDF 失败：{e}")))
    })?;
    write_and_open(&app, &state, &format!("公示-{village}.pdf"), &bytes)
}

/// Device settings shown on the settings screen.
const SETTINGS: &[&str] = &["caseworker", "village", "complaint_phone", "issuer"];

#[tauri::command]
pub fn get_settings(state: State<AppState>) -> Result<Vec<(String, String)>> {
    with_store(&state, |store| {
        SETTINGS
            .iter()
            .map(|k| Ok(((*k).to_owned(), store.setting(k)?.unwrap_or_default())))
            .collect()
    })
}

#[tauri::command]
pub fn set_setting(state: State<AppState>, key: String, value: String) -> Result<()> {
    if !SETTINGS.contains(&key.as_str()) {
        return Err(CommandError::new(format!("未知的设置项“{key}”")));
    }
    with_store(&state, |store| Ok(store.set_setting(&key, value.trim())?))
}

fn sync_error(e: bangfu::sync::SyncError) -> CommandError {
    CommandError::new(e.to_string())
}

/// What the sync screen shows.
#[derive(Debug, Serialize)]
pub struct SyncStatus {
    device_id: String,
    county: Option<String>,
    pending: i64,
    conflicts: usize,
    /// The policies evaluations use, oldest first, each as one line.
    policies: Vec<String>,
}

#[tauri::command]
pub fn sync_status(state: State<AppState>) -> Result<SyncStatus> {
    with_store(&state, |store| {
        Ok(SyncStatus {
            device_id: store.device_id()?,
            county: bangfu::sync::device::county_key(store)
                .map_err(sync_error)?
                .map(|k| format!("{}（{}）", k.name, k.region)),
            pending: bangfu::sync::device::pending(store).map_err(sync_error)?,
            conflicts: bangfu::sync::device::conflicts(store)
                .map_err(sync_error)?
                .len(),
            policies: policies_in_use(store)?,
        })
    })
}

/// "示例县 2026-01（2026-01-01 起施行）" for each policy in use; the
/// built-in one is marked as such, since a county should send its own.
fn policies_in_use(store: &Store) -> Result<Vec<String>> {
    let (set, source) = store.policy_set()?;
    let note = match source {
        bangfu::store::PolicySource::BuiltIn => "，程序内置，县里的政策尚未导入",
        bangfu::store::PolicySource::Imported => "",
    };
    Ok(set
        .versions()
        .iter()
        .map(|p| {
            format!(
                "{} {}（{} 起施行{note}）",
                p.region_name, p.version, p.effective_from
            )
        })
        .collect())
}

/// Imports the county's public key file, which bundles are encrypted to.
#[tauri::command]
pub fn import_county_key(state: State<AppState>, path: String) -> Result<String> {
    with_store(&state, |store| {
        let (key, _) = bangfu::sync::device::import_county_key(
            store,
            std::path::Path::new(path.trim()),
            false,
        )
        .map_err(sync_error)?;
        Ok(format!("{}（{}）", key.name, key.region))
    })
}

/// Makes the device key on first use, from the caseworker and village in the settings.
fn ensure_device(store: &mut Store, db: &std::path::Path) -> Result<()> {
    if bangfu::sync::device::state(store)
        .map_err(sync_error)?
        .is_none()
    {
        bangfu::sync::device::init(store, db, None, None, false)
            .map_err(|e| CommandError::new(format!("请先在“设置”中填写协理员姓名和所在村：{e}")))?;
    }
    Ok(())
}

/// Writes a signed, encrypted bundle of every change since the last
/// acknowledgement (several consecutive files when it is large); returns
/// the files written, none when there was nothing new.
#[tauri::command]
pub fn export_bundle(state: State<AppState>) -> Result<Vec<String>> {
    with_store(&state, |store| {
        ensure_device(store, &state.db_path)?;
        let dir = state.print_dir.with_file_name("同步");
        std::fs::create_dir_all(&dir)
            .map_err(|e| CommandError::new(format!("无法创建目录 {}：{e}", dir.display())))?;
        let out = dir.join(format!(
            "bangfu-{}.bundle",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        match bangfu::sync::device::export(store, &state.db_path, &out).map_err(sync_error)? {
            bangfu::sync::device::Exported::Nothing { .. } => Ok(Vec::new()),
            bangfu::sync::device::Exported::Written { parts, .. } => Ok(parts
                .iter()
                .map(|(path, _)| path.display().to_string())
                .collect()),
        }
    })
}

/// Applies the county's acknowledgement: the next export starts after it.
#[tauri::command]
pub fn import_ack(state: State<AppState>, path: String) -> Result<String> {
    with_store(&state, |store| {
        let applied = bangfu::sync::device::apply_ack(
            store,
            &state.db_path,
            std::path::Path::new(path.trim()),
        )
        .map_err(sync_error)?;
        Ok(if applied.new {
            format!("已确认，县里退回 {} 处冲突待核实", applied.conflicts.len())
        } else {
            "这份回执已经导入过".to_owned()
        })
    })
}

/// Imports a policy file signed by the county.
#[tauri::command]
pub fn import_policy(state: State<AppState>, path: String) -> Result<String> {
    with_store(&state, |store| {
        let (_, policy, saved) =
            bangfu::sync::policy_file::import(store, std::path::Path::new(path.trim()))
                .map_err(sync_error)?;
        let replaced = match saved {
            bangfu::store::PolicySaved::Replaced(old) => format!("，替换了同日生效的 {old}"),
            bangfu::store::PolicySaved::Unchanged => "，此前已导入过".to_owned(),
            bangfu::store::PolicySaved::Added => String::new(),
        };
        Ok(format!(
            "{} {}（{} 起施行，评估自该日起按此政策计算{replaced}）",
            policy.region_name, policy.version, policy.effective_from
        ))
    })
}
