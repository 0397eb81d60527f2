//! Saved eligibility decisions: what was decided, under which policy version,
//! from which inputs — so a later evaluation can say what changed.

use rusqlite::types::Value as SqlValue;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{Result, Store, StoreError, Tx};
use crate::engine::{EvalResult, Status};
use crate::household_json::household_to_json;
use crate::model::Household;

/// The latest decision saved for a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDecision {
    /// Household code.
    pub code: String,
    /// Evaluation date.
    pub as_of: chrono::NaiveDate,
    /// Policy version applied.
    pub policy_version: String,
    /// Status decided.
    pub status: Status,
    /// Total monthly amount.
    pub total_monthly: Decimal,
    /// Hash of the inputs (household data and policy version).
    pub input_hash: String,
    /// The full `bangfu.eval.v1` result.
    pub result_json: String,
}

impl StoredDecision {
    /// The result as it was written (`eval.v1` or `eval.v2`), when readable.
    pub fn result(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.result_json).ok()
    }

    /// 残疾人两项补贴 of the household per month (v2; zero otherwise).
    pub fn subsidies_monthly(&self) -> Decimal {
        self.result()
            .and_then(|r| r["subsidies_monthly"].as_str()?.parse().ok())
            .unwrap_or(Decimal::ZERO)
    }

    /// Whether the decision carries result code `code` (`RIGID_EXPENSE_HARDSHIP`, …).
    pub fn has_code(&self, code: &str) -> bool {
        self.result().is_some_and(|r| {
            r["codes"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c.as_str() == Some(code)))
        })
    }
}

/// SHA-256 of what a decision was computed from.
pub fn input_hash(household: &Household, policy_version: &str, as_of: chrono::NaiveDate) -> String {
    let mut h = Sha256::new();
    h.update(household_to_json(household).to_string());
    h.update([0]);
    h.update(policy_version);
    h.update([0]);
    h.update(as_of.to_string());
    hex::encode(h.finalize())
}

impl Tx<'_> {
    /// Saves a decision for a household; for a first 渐退 finding, records
    /// `exceeded_since` as the spec requires (and clears it once back under the standard).
    pub fn save_decision(
        &self,
        household: &Household,
        result: &EvalResult,
        as_of: chrono::NaiveDate,
    ) -> Result<()> {
        let household_id: String = self
            .conn()
            .query_row(
                "SELECT id FROM households WHERE code = ?1",
                [&household.id],
                |r| r.get(0),
            )
            .map_err(|_| StoreError::NotFound(format!("户 {}", household.id)))?;
        let result_json =
            serde_json::to_string(result).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.put(
            "decisions",
            &uuid::Uuid::now_v7().to_string(),
            &[
                ("household_id", SqlValue::Text(household_id)),
                ("as_of", SqlValue::Text(as_of.to_string())),
                (
                    "policy_version",
                    SqlValue::Text(result.policy_version.clone()),
                ),
                ("status", SqlValue::Text(result.status.code().to_owned())),
                (
                    "total_monthly",
                    SqlValue::Text(crate::money::format_amount(result.total_monthly())),
                ),
                (
                    "input_hash",
                    SqlValue::Text(input_hash(household, &result.policy_version, as_of)),
                ),
                ("result_json", SqlValue::Text(result_json)),
            ],
        )?;
        if let Some(e) = household.enrollment.as_ref().filter(|e| e.is_dibao()) {
            let exceeded = match result.status {
                Status::GradualExit if e.exceeded_since.is_none() => Some(Some(as_of)),
                Status::Dibao if e.exceeded_since.is_some() => Some(None),
                _ => None,
            };
            if let Some(exceeded_since) = exceeded {
                let mut updated = household.clone();
                if let Some(en) = updated.enrollment.as_mut() {
                    en.exceeded_since = exceeded_since;
                }
                self.save_household(&updated)?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// The latest saved decision of every household that has one, by code.
    pub fn latest_decisions(&self) -> Result<Vec<StoredDecision>> {
        self.decisions_where("1 = 1 OR ?1 IS NULL", None)
    }

    /// The latest saved decision of one household.
    pub fn latest_decision(&self, code: &str) -> Result<Option<StoredDecision>> {
        Ok(self.decisions_where("h.code = ?1", Some(code))?.pop())
    }

    fn decisions_where(&self, filter: &str, arg: Option<&str>) -> Result<Vec<StoredDecision>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT h.code, d.as_of, d.policy_version, d.status, d.total_monthly, d.input_hash, d.result_json
             FROM decisions d JOIN households h ON h.id = d.household_id
             WHERE d.id = (SELECT id FROM decisions d2 WHERE d2.household_id = d.household_id ORDER BY as_of DESC, id DESC LIMIT 1)
               AND ({filter})
             ORDER BY h.code"
        ))?;
        let mut rows = stmt.query([arg])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let as_of: String = r.get(1)?;
            let status: String = r.get(3)?;
            let total: String = r.get(4)?;
            let bad = |col: &str, v: &str| StoreError::Corrupt {
                place: format!("decisions.{col}"),
                problem: v.to_owned(),
            };
            out.push(StoredDecision {
                code: r.get(0)?,
                as_of: crate::dates::parse_iso_date(&as_of).ok_or_else(|| bad("as_of", &as_of))?,
                policy_version: r.get(2)?,
                status: Status::from_code(&status).ok_or_else(|| bad("status", &status))?,
                total_monthly: total.parse().map_err(|_| bad("total_monthly", &total))?,
                input_hash: r.get(5)?,
                result_json: r.get(6)?,
            });
        }
        Ok(out)
    }
}
