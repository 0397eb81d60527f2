//! 防返贫监测: the households to watch though they receive no 低保 — those
//! the engine flags 刚性支出困难, those that left 低保 or 特困 in the last
//! twelve months, and applicants refused in the last twelve months — each
//! visited at the policy's monitoring cadence.

use chrono::NaiveDate;

use crate::casefile::CaseFile;
use crate::casework::EventKind;
use crate::dates::add_months;

/// One household under monitoring.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Monitored {
    /// Household code.
    pub household: String,
    /// Village.
    pub village: String,
    /// The head of household's name.
    pub head: String,
    /// Why it is watched, in Chinese (one or more).
    pub grounds: Vec<String>,
    /// The last home visit, if any.
    pub last_visit: Option<NaiveDate>,
    /// When it should next be visited.
    pub next_visit: NaiveDate,
    /// That date is past.
    pub overdue: bool,
}

/// The households of `files` under monitoring on `today`, visited every
/// `visit_months` months (`[procedure] monitoring_visit_months`).
pub fn monitoring_list(files: &[CaseFile], today: NaiveDate, visit_months: u32) -> Vec<Monitored> {
    let year_ago = today
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(NaiveDate::MIN);
    files
        .iter()
        .filter_map(|f| {
            let mut grounds = Vec::new();
            if f.decision
                .as_ref()
                .is_some_and(|d| d.has_code("RIGID_EXPENSE_HARDSHIP"))
            {
                grounds.push("刚性支出困难".to_owned());
            }
            for e in f
                .events
                .iter()
                .filter(|e| e.date > year_ago && e.date <= today)
            {
                let stopped = e.kind == EventKind::Termination
                    || (e.kind == EventKind::Review
                        && e.data.get("outcome").and_then(|v| v.as_str()) == Some("stop"));
                if stopped {
                    grounds.push(format!("{} 停保退出", e.date));
                } else if e.kind == EventKind::Refusal {
                    grounds.push(format!("{} 申请未获认定", e.date));
                }
            }
            if grounds.is_empty() {
                return None;
            }
            let last_visit = f.visits.iter().filter(|v| !v.draft).map(|v| v.date).max();
            let next_visit = last_visit.map_or(today, |d| add_months(d, visit_months));
            Some(Monitored {
                household: f.household.id.clone(),
                village: f.household.village.clone(),
                head: f.household.head().map_or(String::new(), |m| m.name.clone()),
                grounds,
                last_visit,
                overdue: next_visit < today,
                next_visit,
            })
        })
        .collect()
}
