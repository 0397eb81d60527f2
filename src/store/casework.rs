//! Visits, case events and assistance measures in the store.

use rusqlite::types::Value as SqlValue;

use super::columns::{corrupt, date, json, opt_date, opt_json, text, uuid};
use super::{Records, Result, Store, StoreError, Tx};
use crate::casework::*;

impl Tx<'_> {
    /// Saves a visit (new or edited, draft or final); a final one must pass [`Visit::validate`].
    pub fn save_visit(&self, household_id: &str, v: &Visit) -> Result<()> {
        v.validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.put(
            "visits",
            &v.id.to_string(),
            &[
                ("household_id", text(household_id)),
                ("visit_date", text(&v.date.to_string())),
                ("workers", json(&v.workers)),
                ("checklist", json(&v.checklist)),
                ("findings", text(&v.findings)),
                ("next_visit", opt_date(v.next_visit)),
                ("draft", SqlValue::Integer(i64::from(v.draft))),
            ],
        )?;
        Ok(())
    }

    /// Deletes a visit (a discarded draft).
    pub fn delete_visit(&self, id: uuid::Uuid) -> Result<bool> {
        self.delete("visits", &id.to_string())
    }

    /// Saves a case event.
    pub fn save_event(&self, household_id: &str, e: &CaseEvent) -> Result<()> {
        self.put(
            "case_events",
            &e.id.to_string(),
            &[
                ("household_id", text(household_id)),
                ("kind", text(e.kind.code())),
                ("event_date", text(&e.date.to_string())),
                ("actor", text(&e.actor)),
                ("note", text(&e.note)),
                ("data", json(&e.data)),
            ],
        )?;
        Ok(())
    }

    /// Saves an assistance measure.
    pub fn save_measure(&self, household_id: &str, m: &Measure) -> Result<()> {
        m.validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.put(
            "measures",
            &m.id.to_string(),
            &[
                ("household_id", text(household_id)),
                ("kind", text(&m.kind)),
                ("description", text(&m.description)),
                ("responsible", text(&m.responsible)),
                ("due", opt_date(m.due)),
                ("status", json(&m.status)),
                ("outcome", text(&m.outcome)),
                ("referral", opt_json(m.referral.as_ref())),
            ],
        )?;
        Ok(())
    }
}

impl Store {
    /// Date of the latest final (not draft) visit of each household, by code.
    pub fn last_visit_dates(&self) -> Result<std::collections::HashMap<String, chrono::NaiveDate>> {
        let mut stmt = self.conn().prepare(
            "SELECT h.code, MAX(v.visit_date) FROM visits v JOIN households h ON h.id = v.household_id
             WHERE v.draft = 0 GROUP BY h.code",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = std::collections::HashMap::new();
        while let Some(r) = rows.next()? {
            let code: String = r.get(0)?;
            let d: String = r.get(1)?;
            out.insert(code, date(&d, "visits.visit_date")?);
        }
        Ok(out)
    }

    /// Visits of a household (record id), oldest first; drafts included.
    pub fn visits(&self, household_id: &str) -> Result<Vec<Visit>> {
        self.records().visits(household_id)
    }

    /// Case timeline of a household, in date order.
    pub fn events(&self, household_id: &str) -> Result<Vec<CaseEvent>> {
        self.records().events(household_id)
    }

    /// Assistance plan of a household.
    pub fn measures(&self, household_id: &str) -> Result<Vec<Measure>> {
        self.records().measures(household_id)
    }
}

impl Records<'_> {
    /// Visits of a household (record id), oldest first; drafts included.
    pub fn visits(&self, household_id: &str) -> Result<Vec<Visit>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, visit_date, workers, checklist, findings, next_visit, draft
             FROM visits WHERE household_id = ?1 ORDER BY visit_date, id",
        )?;
        let mut rows = stmt.query([household_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let d: String = r.get(1)?;
            let workers: String = r.get(2)?;
            let checklist: String = r.get(3)?;
            let next: Option<String> = r.get(5)?;
            out.push(Visit {
                id: uuid(&id, "visits.id")?,
                date: date(&d, "visits.visit_date")?,
                workers: serde_json::from_str(&workers)
                    .map_err(|e| corrupt("visits.workers", e))?,
                checklist: serde_json::from_str(&checklist)
                    .map_err(|e| corrupt("visits.checklist", e))?,
                findings: r.get(4)?,
                next_visit: next.map(|n| date(&n, "visits.next_visit")).transpose()?,
                draft: r.get(6)?,
            });
        }
        Ok(out)
    }

    /// Case timeline of a household, in date order.
    pub fn events(&self, household_id: &str) -> Result<Vec<CaseEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, event_date, actor, note, data FROM case_events WHERE household_id = ?1 ORDER BY event_date, id",
        )?;
        let mut rows = stmt.query([household_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let d: String = r.get(2)?;
            let data: String = r.get(5)?;
            out.push(CaseEvent {
                id: uuid(&id, "case_events.id")?,
                kind: EventKind::parse(&kind).ok_or_else(|| corrupt("case_events.kind", &kind))?,
                date: date(&d, "case_events.event_date")?,
                actor: r.get(3)?,
                note: r.get(4)?,
                data: serde_json::from_str(&data).map_err(|e| corrupt("case_events.data", e))?,
            });
        }
        Ok(out)
    }

    /// Assistance plan of a household.
    pub fn measures(&self, household_id: &str) -> Result<Vec<Measure>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, description, responsible, due, status, outcome, referral
             FROM measures WHERE household_id = ?1 ORDER BY due, id",
        )?;
        let mut rows = stmt.query([household_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let due: Option<String> = r.get(4)?;
            let status: String = r.get(5)?;
            out.push(Measure {
                id: uuid(&id, "measures.id")?,
                kind: r.get(1)?,
                description: r.get(2)?,
                responsible: r.get(3)?,
                due: due.map(|d| date(&d, "measures.due")).transpose()?,
                status: serde_json::from_str(&status).map_err(|e| corrupt("measures.status", e))?,
                outcome: r.get(6)?,
                referral: r
                    .get::<_, Option<String>>(7)?
                    .map(|j| serde_json::from_str(&j).map_err(|e| corrupt("measures.referral", e)))
                    .transpose()?,
            });
        }
        Ok(out)
    }
}
