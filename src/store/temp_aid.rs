//! The 临时救助 register in the store (table `temp_aid`).

use std::collections::HashMap;

use super::columns::{corrupt, date, flag, opt_json, opt_text, text, uuid};
use super::{Records, Result, Store, StoreError, Tx};
use crate::engine::ApprovalLevel;
use crate::temp_aid::TempAidRecord;

/// How date-times are written in the register (minutes are enough).
const DATE_TIME: &str = "%Y-%m-%d %H:%M";

impl Tx<'_> {
    /// Saves a register entry (new or edited) of the household `household_id`.
    pub fn save_temp_aid(&self, household_id: &str, r: &TempAidRecord) -> Result<()> {
        r.validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let date_time = |d: Option<chrono::NaiveDateTime>| {
            opt_text(d.map(|d| d.format(DATE_TIME).to_string()).as_deref())
        };
        self.put(
            "temp_aid",
            &r.id.to_string(),
            &[
                ("household_id", text(household_id)),
                ("kind", text(r.kind.code())),
                ("cause", text(&r.cause)),
                ("event_date", text(&r.event_date.to_string())),
                ("reported_at", date_time(r.reported_at)),
                ("requested", text(&r.requested.to_string())),
                ("case_by_case", flag(r.case_by_case)),
                ("case_reason", text(&r.case_reason)),
                (
                    "granted",
                    opt_text(r.granted.map(|g| g.to_string()).as_deref()),
                ),
                (
                    "approval_level",
                    opt_text(r.approval_level.map(ApprovalLevel::code)),
                ),
                ("paid_at", date_time(r.paid_at)),
                ("approved", opt_json(r.approved.as_ref())),
            ],
        )?;
        Ok(())
    }
}

impl Store {
    /// The 临时救助 register of a household (record id), oldest first.
    pub fn temp_aid(&self, household_id: &str) -> Result<Vec<TempAidRecord>> {
        self.records().temp_aid(household_id)
    }
}

impl Records<'_> {
    /// The 临时救助 register of a household (record id), oldest first.
    pub fn temp_aid(&self, household_id: &str) -> Result<Vec<TempAidRecord>> {
        Ok(registers(self.conn, "h.id = ?1", household_id)?
            .remove(household_id)
            .unwrap_or_default())
    }
}

/// The registers of the households matching `filter` (over `households h`),
/// by household record id.
pub(super) fn registers(
    conn: &rusqlite::Connection,
    filter: &str,
    arg: &str,
) -> Result<HashMap<String, Vec<TempAidRecord>>> {
    let sql = format!(
        "SELECT t.household_id, t.id, t.kind, t.cause, t.event_date, t.reported_at, t.requested,
                t.case_by_case, t.case_reason, t.granted, t.approval_level, t.paid_at, t.approved
         FROM temp_aid t JOIN households h ON h.id = t.household_id
         WHERE {filter} ORDER BY t.household_id, t.event_date, t.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([arg])?;
    let mut out: HashMap<String, Vec<TempAidRecord>> = HashMap::new();
    let date_time = |s: Option<String>, place: &str| {
        s.map(|s| {
            chrono::NaiveDateTime::parse_from_str(&s, DATE_TIME).map_err(|e| corrupt(place, e))
        })
        .transpose()
    };
    let amount = |s: &str, place: &str| s.parse().map_err(|e| corrupt(place, e));
    while let Some(r) = rows.next()? {
        let household_id: String = r.get(0)?;
        let id: String = r.get(1)?;
        let kind: String = r.get(2)?;
        let event: String = r.get(4)?;
        let requested: String = r.get(6)?;
        let granted: Option<String> = r.get(9)?;
        let level: Option<String> = r.get(10)?;
        out.entry(household_id).or_default().push(TempAidRecord {
            id: uuid(&id, "temp_aid.id")?,
            kind: crate::model::TempAidKind::from_code(&kind)
                .ok_or_else(|| corrupt("temp_aid.kind", &kind))?,
            cause: r.get(3)?,
            event_date: date(&event, "temp_aid.event_date")?,
            reported_at: date_time(r.get(5)?, "temp_aid.reported_at")?,
            requested: amount(&requested, "temp_aid.requested")?,
            case_by_case: r.get(7)?,
            case_reason: r.get(8)?,
            granted: granted
                .map(|g| amount(&g, "temp_aid.granted"))
                .transpose()?,
            approval_level: level
                .map(|l| {
                    ApprovalLevel::ALL
                        .iter()
                        .copied()
                        .find(|a| a.code() == l)
                        .ok_or_else(|| corrupt("temp_aid.approval_level", &l))
                })
                .transpose()?,
            paid_at: date_time(r.get(11)?, "temp_aid.paid_at")?,
            approved: r
                .get::<_, Option<String>>(12)?
                .map(|j| serde_json::from_str(&j).map_err(|e| corrupt("temp_aid.approved", e)))
                .transpose()?,
        });
    }
    Ok(out)
}
