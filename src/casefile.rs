//! Everything known about one household, gathered from the store: the data,
//! its casework, the latest decision and what is due (动态管理).
//!
//! The dossier, the notice, the report and the app all read this one view.

use chrono::NaiveDate;
use serde_json::Value;

use crate::casework::{CaseEvent, Measure, Visit};
use crate::dates::{add_months, age_on};
use crate::model::{Ability, Household};
use crate::policy::PolicySet;
use crate::store::{Result, Store, StoreError, StoredDecision};

/// Months between visits when no next visit was set and the policy has no
/// cadence (a v1 policy): quarterly for households receiving support, as
/// the local plans ask.
pub const DEFAULT_VISIT_MONTHS: u32 = 3;

/// One household's file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    /// Store record id.
    pub record_id: String,
    /// The household.
    pub household: Household,
    /// Visits, oldest first (drafts included).
    pub visits: Vec<Visit>,
    /// Case timeline.
    pub events: Vec<CaseEvent>,
    /// Assistance plan.
    pub measures: Vec<Measure>,
    /// Latest saved decision, if any.
    pub decision: Option<StoredDecision>,
    /// Photos and scans, with their bytes, oldest first.
    pub attachments: Vec<AttachedFile>,
    /// The 临时救助 register, oldest first.
    pub temp_aid: Vec<crate::temp_aid::TempAidRecord>,
    /// Months between home visits for the status decided, under the policy
    /// of the decision (rules v2 §7); `None` without a decision or cadence.
    pub visit_months: Option<u32>,
    /// The 办理时限 of the case's applications (working days).
    pub deadlines: Vec<crate::lifecycle::Deadline>,
}

/// What the deadlines are counted with: the store's calendar and the 办理时限
/// of the policy in force when the case's first application was accepted.
struct DeadlineRules {
    calendar: crate::lifecycle::WorkCalendar,
    policies: PolicySet,
}

impl DeadlineRules {
    fn of(store: &Store, policies: &PolicySet) -> Result<DeadlineRules> {
        Ok(DeadlineRules {
            calendar: store.work_calendar()?,
            policies: policies.clone(),
        })
    }

    fn deadlines(&self, events: &[CaseEvent]) -> Vec<crate::lifecycle::Deadline> {
        let procedure = events
            .first()
            .and_then(|e| self.policies.in_force(e.date).ok())
            .map(|p| p.procedure())
            .unwrap_or_default();
        crate::lifecycle::deadlines(events, &self.calendar, &procedure)
    }
}

/// The visit cadence of a saved decision under the policies in `policies`.
fn visit_months(policies: &PolicySet, decision: Option<&StoredDecision>) -> Option<u32> {
    let d = decision?;
    let policy = policies.in_force(d.as_of).ok()?;
    let result: Value = serde_json::from_str(&d.result_json).ok()?;
    let any_tekun = result["members"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m["tekun"] == Value::Bool(true)));
    crate::engine::visit_cadence(policy, d.status, any_tekun).map(|(months, _, _)| months)
}

/// An attachment with its stored bytes.
#[derive(Debug, Clone)]
pub struct AttachedFile {
    /// What it is.
    pub meta: crate::attachments::Attachment,
    /// The stored JPEG or PDF.
    pub bytes: Vec<u8>,
}

/// A household's attachments with their bytes.
fn attached_files(store: &Store, record_id: &str) -> Result<Vec<AttachedFile>> {
    store
        .attachments(record_id)?
        .into_iter()
        .map(|meta| {
            let bytes = store.blob(&meta.sha256)?.ok_or_else(|| {
                StoreError::NotFound(format!("附件“{}”的内容", meta.original_name))
            })?;
            Ok(AttachedFile { meta, bytes })
        })
        .collect()
}

impl CaseFile {
    /// Loads a household's file by its code.
    pub fn load(store: &Store, code: &str) -> Result<CaseFile> {
        let (record_id, household) = store.household(code)?;
        let decision = store.latest_decision(code)?;
        let (policies, _) = store.policy_set()?;
        let rules = DeadlineRules::of(store, &policies)?;
        let events = store.events(&record_id)?;
        Ok(CaseFile {
            deadlines: rules.deadlines(&events),
            visit_months: visit_months(&policies, decision.as_ref()),
            temp_aid: store.temp_aid(&record_id)?,
            visits: store.visits(&record_id)?,
            events,
            measures: store.measures(&record_id)?,
            attachments: attached_files(store, &record_id)?,
            record_id,
            household,
            decision,
        })
    }

    /// The latest decision as its results-file JSON object.
    pub fn decision_json(&self) -> Option<Value> {
        self.decision.as_ref().and_then(StoredDecision::result)
    }

    /// Money paid each month under the latest decision.
    pub fn monthly_total(&self) -> rust_decimal::Decimal {
        self.decision
            .as_ref()
            .map_or(rust_decimal::Decimal::ZERO, |d| d.total_monthly)
    }

    /// Measures the latest decision suggests that the plan lacks: 残疾人两项补贴
    /// for each member the rules give one, not yet in a measure of that kind
    /// naming the member. `responsible` is who will carry them out.
    pub fn suggested_measures(&self, responsible: &str) -> Vec<Measure> {
        let Some(result) = self.decision_json() else {
            return Vec::new();
        };
        let members = result["members"].as_array().cloned().unwrap_or_default();
        let amount = |v: &Value| {
            v.as_str()
                .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        for m in &members {
            let (living, care) = (amount(&m["living_subsidy"]), amount(&m["care_subsidy"]));
            if living.is_zero() && care.is_zero() {
                continue;
            }
            let Some(member) = m["index"]
                .as_u64()
                .and_then(|i| self.household.members.get(i as usize))
            else {
                continue;
            };
            let planned = self
                .measures
                .iter()
                .any(|x| x.kind == "残疾人两项补贴" && x.description.contains(&member.name));
            if planned {
                continue;
            }
            let mut parts = Vec::new();
            if !living.is_zero() {
                parts.push(format!(
                    "困难残疾人生活补贴每月{}元",
                    crate::money::format_amount(living)
                ));
            }
            if !care.is_zero() {
                parts.push(format!(
                    "重度残疾人护理补贴每月{}元",
                    crate::money::format_amount(care)
                ));
            }
            out.push(Measure {
                id: uuid::Uuid::now_v7(),
                kind: "残疾人两项补贴".into(),
                description: format!("为{}申请{}", member.name, parts.join("、")),
                responsible: responsible.to_owned(),
                due: None,
                status: crate::casework::MeasureStatus::Planned,
                outcome: String::new(),
                referral: None,
            });
        }
        out
    }

    /// What is due or overdue for this household on `today`.
    pub fn due_items(&self, today: NaiveDate) -> Vec<DueItem> {
        let mut items = Vec::new();
        let code = &self.household.id;
        if let Some(next) = self.decision_json().and_then(|d| {
            d["next_review"]
                .as_str()
                .and_then(crate::dates::parse_iso_date)
        }) {
            items.push(DueItem::new(
                code,
                DueKind::Review,
                next,
                today,
                "低保定期核查",
            ));
        }
        let paid = self.monthly_total() > rust_decimal::Decimal::ZERO;
        let last_visit = self
            .visits
            .iter()
            .filter(|v| !v.draft)
            .max_by_key(|v| v.date);
        // The policy's cadence for the status decided; a date the caseworker
        // set at the last visit when it is sooner.
        let cadence = match self.visit_months {
            Some(months) => Some(months),
            None if paid => Some(DEFAULT_VISIT_MONTHS),
            None => None,
        };
        let next_visit = match last_visit {
            Some(v) => {
                let by_cadence = cadence.map(|m| add_months(v.date, m));
                match (v.next_visit, by_cadence) {
                    (Some(set), Some(due)) => Some(set.min(due)),
                    (set, due) => set.or(due),
                }
            }
            None if paid || cadence.is_some() => Some(today),
            None => None,
        };
        if let Some(next) = next_visit {
            items.push(DueItem::new(code, DueKind::Visit, next, today, "入户走访"));
        }
        for d in self.deadlines.iter().filter(|d| d.done.is_none()) {
            items.push(DueItem::new(code, DueKind::Deadline, d.due, today, d.what));
        }
        for m in self.measures.iter().filter(|m| !m.status.is_closed()) {
            if let Some(due) = m.due {
                items.push(DueItem::new(
                    code,
                    DueKind::Measure,
                    due,
                    today,
                    &format!("帮扶措施：{}", m.kind),
                ));
            }
        }
        if self.visits.iter().any(|v| v.draft) {
            items.push(DueItem::new(
                code,
                DueKind::Draft,
                today,
                today,
                "有未完成的入户调查草稿",
            ));
        }
        items
    }
}

/// What kind of thing is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// 定期核查 of a 低保 household.
    Review,
    /// A home visit.
    Visit,
    /// An assistance measure's deadline.
    Measure,
    /// An unfinished visit form.
    Draft,
    /// A 办理时限 of the application in hand (入户调查, 作出决定).
    Deadline,
}

/// One line of the due list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DueItem {
    /// Household code.
    pub household: String,
    /// Kind.
    pub kind: DueKind,
    /// Due date.
    pub due: NaiveDate,
    /// Past due on the day asked.
    pub overdue: bool,
    /// Chinese description.
    pub what: String,
}

impl DueItem {
    fn new(code: &str, kind: DueKind, due: NaiveDate, today: NaiveDate, what: &str) -> Self {
        DueItem {
            household: code.to_owned(),
            kind,
            due,
            overdue: due < today,
            what: what.to_owned(),
        }
    }
}

/// Everything due within `horizon_days` of `today` (overdue first), for the whole store or a village.
pub fn due_list(
    store: &Store,
    village: Option<&str>,
    today: NaiveDate,
    horizon_days: u64,
) -> Result<Vec<DueItem>> {
    let horizon = today + chrono::Days::new(horizon_days);
    let mut items = Vec::new();
    let files = case_files(store, village)?;
    for file in &files {
        items.extend(
            file.due_items(today)
                .into_iter()
                .filter(|i| i.due <= horizon),
        );
    }
    // Households under 监测 are visited at their own cadence, unless a
    // visit is due for them already.
    let (policies, _) = store.policy_set()?;
    let months = policies
        .in_force(today)
        .map(|p| p.procedure().monitoring_visit_months)
        .unwrap_or(DEFAULT_VISIT_MONTHS);
    for m in crate::monitoring::monitoring_list(&files, today, months) {
        let visit_due = items
            .iter()
            .any(|i| i.household == m.household && i.kind == DueKind::Visit);
        if !visit_due && m.next_visit <= horizon {
            items.push(DueItem::new(
                &m.household,
                DueKind::Visit,
                m.next_visit,
                today,
                "监测走访",
            ));
        }
    }
    items.sort_by(|a, b| (a.due, &a.household).cmp(&(b.due, &b.household)));
    Ok(items)
}

/// Every household's file, for the whole store or one village, by code.
pub fn case_files(store: &Store, village: Option<&str>) -> Result<Vec<CaseFile>> {
    let households = match village {
        Some(v) => store.households_in_village(v)?,
        None => store.households()?,
    };
    let decisions: std::collections::HashMap<String, StoredDecision> = store
        .latest_decisions()?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let (policies, _) = store.policy_set()?;
    let rules = DeadlineRules::of(store, &policies)?;
    let mut out = Vec::with_capacity(households.len());
    for household in households {
        let record_id = store.household_record_id(&household.id)?;
        let decision = decisions.get(&household.id).cloned();
        let events = store.events(&record_id)?;
        out.push(CaseFile {
            deadlines: rules.deadlines(&events),
            visit_months: visit_months(&policies, decision.as_ref()),
            temp_aid: store.temp_aid(&record_id)?,
            visits: store.visits(&record_id)?,
            events,
            measures: store.measures(&record_id)?,
            attachments: attached_files(store, &record_id)?,
            decision,
            record_id,
            household,
        });
    }
    Ok(out)
}

/// Special groups of a member (特殊群体): derived where the data decides it,
/// plus the tags the caseworker recorded.
pub fn special_groups(household: &Household, index: usize, today: NaiveDate) -> Vec<String> {
    let Some(m) = household.members.get(index) else {
        return Vec::new();
    };
    let mut groups: Vec<String> = Vec::new();
    let age = m.born().map(|b| age_on(b, today));
    let living_alone = m.cohabiting && household.cohabiting().count() == 1;
    if let Some(d) = &m.disability {
        if d.is_severe() {
            groups.push("重度残疾".into());
        }
        if d.kind == crate::model::DisabilityKind::Mental {
            groups.push("精神障碍".into());
        }
    }
    if age.is_some_and(|a| a >= 60) {
        if living_alone {
            groups.push("独居老人".into());
        }
        if m.self_care == Ability::None {
            groups.push("失能老人".into());
        }
    }
    for tag in &m.tags {
        if !groups.contains(tag) {
            groups.push(tag.clone());
        }
    }
    groups
}
