//! Households, members and expenses in the store.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;
use serde_json::json;

use super::columns::{corrupt, flag, opt_text, text};
use super::{Records, Result, Store, StoreError, Tx};
use crate::dates::parse_iso_date;
use crate::model::*;

/// What saving a household did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOutcome {
    /// True if the household was new.
    pub created: bool,
    /// True if anything was written.
    pub changed: bool,
}

/// One line of the household list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HouseholdSummary {
    /// Household file number.
    pub code: String,
    /// Village.
    pub village: String,
    /// 组.
    pub group: Option<String>,
    /// Head's name.
    pub head: String,
    /// Members living together.
    pub cohabiting: usize,
    /// Status of the latest saved decision, if any.
    pub status: Option<String>,
    /// Total monthly amount of the latest saved decision.
    pub total_monthly: Option<String>,
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Tx<'_> {
    /// Inserts or updates a household (by its code) with its members and expenses.
    ///
    /// Record ids stay stable across updates: members are matched by ID
    /// number, else by position, so re-importing the same data writes nothing.
    pub fn save_household(&self, h: &Household) -> Result<SaveOutcome> {
        let existing: Option<String> = self
            .conn()
            .query_row("SELECT id FROM households WHERE code = ?1", [&h.id], |r| {
                r.get(0)
            })
            .optional()?;
        let created = existing.is_none();
        let household_id = existing.unwrap_or_else(new_id);
        let enrollment = h.enrollment.as_ref().map(|e| {
            json!({
                "program": e.program,
                "since": e.since.map(|d| d.to_string()),
                "monthly_amount": e.monthly_amount.to_string(),
                "class": e.class,
                "last_review": e.last_review.map(|d| d.to_string()),
                "exceeded_since": e.exceeded_since.map(|d| d.to_string()),
            })
            .to_string()
        });
        let temp_aid = h.temp_aid.as_ref().map(|t| {
            json!({"requested": t.requested.to_string(), "granted_this_year": t.granted_this_year.to_string()}).to_string()
        });
        let causes: Vec<&str> = h.hardship_causes.iter().map(|c| c.code()).collect();
        let mut changed = self.put(
            "households",
            &household_id,
            &[
                ("code", text(&h.id)),
                ("region_code", text(&h.region_code)),
                ("village", text(&h.village)),
                ("grp", opt_text(h.group.as_deref())),
                ("address", opt_text(h.address.as_deref())),
                ("phone", opt_text(h.phone.as_deref())),
                ("hukou", text(h.hukou.code())),
                ("financial", text(&h.assets.financial.to_string())),
                (
                    "disqualifying",
                    text(&json!(h.assets.disqualifying).to_string()),
                ),
                ("enrollment", opt_text(enrollment.as_deref())),
                ("temp_aid", opt_text(temp_aid.as_deref())),
                ("hardship_causes", text(&json!(causes).to_string())),
                ("cadre_relative", flag(h.cadre_relative)),
            ],
        )?;
        changed |= self.save_members(&household_id, &h.members)?;
        changed |= self.save_expenses(&household_id, &h.expenses)?;
        Ok(SaveOutcome { created, changed })
    }

    fn save_members(&self, household_id: &str, members: &[Member]) -> Result<bool> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, id_number, position FROM members WHERE household_id = ?1",
        )?;
        let old: Vec<(String, Option<String>, i64)> = stmt
            .query_map([household_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut unused: Vec<bool> = vec![true; old.len()];
        let mut changed = false;
        for (pos, m) in members.iter().enumerate() {
            let by_id = m.id_number.as_ref().and_then(|id| {
                old.iter()
                    .position(|(_, n, _)| n.as_ref() == Some(id))
                    .filter(|&i| unused[i])
            });
            let by_pos = || {
                old.iter()
                    .position(|(_, n, p)| *p == pos as i64 && n.is_none())
                    .filter(|&i| unused[i])
            };
            let id = match by_id.or_else(by_pos) {
                Some(i) => {
                    unused[i] = false;
                    old[i].0.clone()
                }
                None => new_id(),
            };
            let disability = m.disability.as_ref().map(|d| {
                json!({"grade": d.grade, "kind": d.kind.code(), "certificate": d.certificate})
                    .to_string()
            });
            let supporters = m.supporters.as_ref().map(|list| {
                json!(list
                    .iter()
                    .map(|s| json!({"name": s.name, "relation": s.relation, "capable": s.capable}))
                    .collect::<Vec<_>>())
                .to_string()
            });
            let incomes: Vec<_> = m
                .incomes
                .iter()
                .map(|i| json!({"kind": i.kind.code(), "annual": i.annual.to_string()}))
                .collect();
            changed |= self.put(
                "members",
                &id,
                &[
                    ("household_id", text(household_id)),
                    ("position", SqlValue::Integer(pos as i64)),
                    ("name", text(&m.name)),
                    ("id_number", opt_text(m.id_number.as_deref())),
                    (
                        "birth_date",
                        opt_text(m.birth_date.map(|d| d.to_string()).as_deref()),
                    ),
                    ("relation", text(&m.relation)),
                    ("cohabiting", flag(m.cohabiting)),
                    ("disability", opt_text(disability.as_deref())),
                    ("serious_illness", flag(m.serious_illness)),
                    ("work_capacity", text(m.work_capacity.code())),
                    ("self_care", text(m.self_care.code())),
                    ("supporters", opt_text(supporters.as_deref())),
                    ("incomes", text(&json!(incomes).to_string())),
                    ("tags", text(&json!(m.tags).to_string())),
                    ("health_note", opt_text(m.health_note.as_deref())),
                ],
            )?;
        }
        for (i, (id, _, _)) in old.iter().enumerate() {
            if unused[i] {
                changed |= self.delete("members", id)?;
            }
        }
        Ok(changed)
    }

    fn save_expenses(&self, household_id: &str, expenses: &[Expense]) -> Result<bool> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM expenses WHERE household_id = ?1 ORDER BY position")?;
        let old: Vec<String> = stmt
            .query_map([household_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut changed = false;
        for (pos, e) in expenses.iter().enumerate() {
            let id = old.get(pos).cloned().unwrap_or_else(new_id);
            changed |= self.put(
                "expenses",
                &id,
                &[
                    ("household_id", text(household_id)),
                    ("position", SqlValue::Integer(pos as i64)),
                    ("kind", text(e.kind.code())),
                    ("annual", text(&e.annual.to_string())),
                ],
            )?;
        }
        for id in old.iter().skip(expenses.len()) {
            changed |= self.delete("expenses", id)?;
        }
        Ok(changed)
    }
}

/// Reads households from rows; shared by the one-household and all-households paths.
struct Loader<'a> {
    conn: &'a rusqlite::Connection,
}

impl Loader<'_> {
    fn households(&self, filter: &str, arg: &str) -> Result<Vec<(String, Household)>> {
        let mut members = self.members(filter, arg)?;
        let mut expenses = self.expenses(filter, arg)?;
        let sql = format!(
            "SELECT id, code, region_code, village, grp, address, phone, hukou, financial, disqualifying,
                    enrollment, temp_aid, hardship_causes, cadre_relative
             FROM households h WHERE {filter} ORDER BY code"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([arg])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let code: String = r.get(1)?;
            let place = |col: &str| format!("households.{col}（户 {code}）");
            let hukou: String = r.get(7)?;
            let financial: String = r.get(8)?;
            let disqualifying: String = r.get(9)?;
            let enrollment: Option<String> = r.get(10)?;
            let temp_aid: Option<String> = r.get(11)?;
            let causes: String = r.get(12)?;
            let h = Household {
                members: members.remove(&id).unwrap_or_default(),
                expenses: expenses.remove(&id).unwrap_or_default(),
                region_code: r.get(2)?,
                village: r.get(3)?,
                group: r.get(4)?,
                address: r.get(5)?,
                phone: r.get(6)?,
                hukou: Hukou::from_code(&hukou).ok_or_else(|| corrupt(&place("hukou"), &hukou))?,
                assets: Assets {
                    financial: dec(&financial, &place("financial"))?,
                    disqualifying: serde_json::from_str(&disqualifying)
                        .map_err(|e| corrupt(&place("disqualifying"), e))?,
                },
                enrollment: enrollment
                    .map(|e| parse_enrollment(&e, &place("enrollment")))
                    .transpose()?,
                temp_aid: temp_aid
                    .map(|t| parse_temp_aid(&t, &place("temp_aid")))
                    .transpose()?,
                hardship_causes: serde_json::from_str::<Vec<String>>(&causes)
                    .map_err(|e| corrupt(&place("hardship_causes"), e))?
                    .iter()
                    .filter_map(|c| HardshipCause::from_code(c))
                    .collect(),
                cadre_relative: r.get(13)?,
                id: code,
            };
            out.push((id, h));
        }
        Ok(out)
    }

    fn members(&self, filter: &str, arg: &str) -> Result<HashMap<String, Vec<Member>>> {
        let sql = format!(
            "SELECT m.household_id, m.name, m.id_number, m.birth_date, m.relation, m.cohabiting, m.disability,
                    m.serious_illness, m.work_capacity, m.self_care, m.supporters, m.incomes, m.tags, m.health_note
             FROM members m JOIN households h ON h.id = m.household_id
             WHERE {filter} ORDER BY m.household_id, m.position"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([arg])?;
        let mut out: HashMap<String, Vec<Member>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let household_id: String = r.get(0)?;
            let name: String = r.get(1)?;
            let place = |col: &str| format!("members.{col}（{name}）");
            let birth: Option<String> = r.get(3)?;
            let disability: Option<String> = r.get(6)?;
            let work: String = r.get(8)?;
            let care: String = r.get(9)?;
            let supporters: Option<String> = r.get(10)?;
            let incomes: String = r.get(11)?;
            let tags: String = r.get(12)?;
            let member = Member {
                id_number: r.get(2)?,
                birth_date: birth
                    .as_deref()
                    .map(|b| parse_iso_date(b).ok_or_else(|| corrupt(&place("birth_date"), b)))
                    .transpose()?,
                relation: r.get(4)?,
                cohabiting: r.get(5)?,
                disability: disability
                    .map(|d| parse_disability(&d, &place("disability")))
                    .transpose()?,
                serious_illness: r.get(7)?,
                work_capacity: Ability::from_code(&work)
                    .ok_or_else(|| corrupt(&place("work_capacity"), &work))?,
                self_care: Ability::from_code(&care)
                    .ok_or_else(|| corrupt(&place("self_care"), &care))?,
                supporters: supporters
                    .map(|s| parse_supporters(&s, &place("supporters")))
                    .transpose()?,
                incomes: parse_incomes(&incomes, &place("incomes"))?,
                tags: serde_json::from_str(&tags).map_err(|e| corrupt(&place("tags"), e))?,
                health_note: r.get(13)?,
                name,
            };
            out.entry(household_id).or_default().push(member);
        }
        Ok(out)
    }

    fn expenses(&self, filter: &str, arg: &str) -> Result<HashMap<String, Vec<Expense>>> {
        let sql = format!(
            "SELECT e.household_id, e.kind, e.annual FROM expenses e JOIN households h ON h.id = e.household_id
             WHERE {filter} ORDER BY e.household_id, e.position"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([arg])?;
        let mut out: HashMap<String, Vec<Expense>> = HashMap::new();
        while let Some(r) = rows.next()? {
            let household_id: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let annual: String = r.get(2)?;
            out.entry(household_id).or_default().push(Expense {
                kind: ExpenseKind::from_code(&kind)
                    .ok_or_else(|| corrupt("expenses.kind", &kind))?,
                annual: dec(&annual, "expenses.annual")?,
            });
        }
        Ok(out)
    }
}

fn dec(s: &str, place: &str) -> Result<Decimal> {
    s.parse().map_err(|e| corrupt(place, e))
}

fn json_value(s: &str, place: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| corrupt(place, e))
}

fn parse_enrollment(s: &str, place: &str) -> Result<Enrollment> {
    let v = json_value(s, place)?;
    let date = |k: &str| v[k].as_str().and_then(parse_iso_date);
    Ok(Enrollment {
        program: v["program"].as_str().unwrap_or_default().to_owned(),
        since: date("since"),
        monthly_amount: dec(v["monthly_amount"].as_str().unwrap_or_default(), place)?,
        class: v["class"].as_str().map(str::to_owned),
        last_review: date("last_review"),
        exceeded_since: date("exceeded_since"),
    })
}

fn parse_temp_aid(s: &str, place: &str) -> Result<TempAidRequest> {
    let v = json_value(s, place)?;
    Ok(TempAidRequest {
        requested: dec(v["requested"].as_str().unwrap_or_default(), place)?,
        granted_this_year: dec(v["granted_this_year"].as_str().unwrap_or_default(), place)?,
    })
}

fn parse_disability(s: &str, place: &str) -> Result<Disability> {
    let v = json_value(s, place)?;
    let kind = v["kind"]
        .as_str()
        .and_then(DisabilityKind::from_code)
        .ok_or_else(|| corrupt(place, s))?;
    let grade = v["grade"]
        .as_u64()
        .filter(|g| (1..=4).contains(g))
        .ok_or_else(|| corrupt(place, s))? as u8;
    Ok(Disability {
        grade,
        kind,
        certificate: v["certificate"].as_str().map(str::to_owned),
    })
}

fn parse_supporters(s: &str, place: &str) -> Result<Vec<Supporter>> {
    let v = json_value(s, place)?;
    Ok(v.as_array()
        .ok_or_else(|| corrupt(place, s))?
        .iter()
        .map(|x| Supporter {
            name: x["name"].as_str().unwrap_or_default().to_owned(),
            relation: x["relation"].as_str().unwrap_or_default().to_owned(),
            capable: x["capable"].as_bool() == Some(true),
        })
        .collect())
}

fn parse_incomes(s: &str, place: &str) -> Result<Vec<Income>> {
    let v = json_value(s, place)?;
    v.as_array()
        .ok_or_else(|| corrupt(place, s))?
        .iter()
        .map(|x| {
            Ok(Income {
                kind: x["kind"]
                    .as_str()
                    .and_then(IncomeKind::from_code)
                    .ok_or_else(|| corrupt(place, s))?,
                annual: dec(x["annual"].as_str().unwrap_or_default(), place)?,
            })
        })
        .collect()
}

impl Records<'_> {
    /// One household by its record id, read as strictly as any other: a
    /// column that does not parse is an error naming it.
    pub fn household_by_record_id(&self, id: &str) -> Result<Option<Household>> {
        Ok(Loader { conn: self.conn }
            .households("h.id = ?1", id)?
            .into_iter()
            .next()
            .map(|(_, h)| h))
    }
}

impl Store {
    /// Every household, ordered by code.
    pub fn households(&self) -> Result<Vec<Household>> {
        Ok(Loader { conn: self.conn() }
            .households("?1 = ?1", "")?
            .into_iter()
            .map(|(_, h)| h)
            .collect())
    }

    /// Households of one village, ordered by code.
    pub fn households_in_village(&self, village: &str) -> Result<Vec<Household>> {
        Ok(Loader { conn: self.conn() }
            .households("h.village = ?1", village)?
            .into_iter()
            .map(|(_, h)| h)
            .collect())
    }

    /// One household by its code, with its record id.
    pub fn household(&self, code: &str) -> Result<(String, Household)> {
        Loader { conn: self.conn() }
            .households("h.code = ?1", code)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("户 {code}")))
    }

    /// Record id of a household code.
    pub fn household_record_id(&self, code: &str) -> Result<String> {
        self.conn()
            .query_row("SELECT id FROM households WHERE code = ?1", [code], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("户 {code}")))
    }

    /// Villages in the store, with household counts.
    pub fn villages(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn().prepare(
            "SELECT village, COUNT(*) FROM households GROUP BY village ORDER BY village",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The household list, optionally of one village, with the latest saved decision.
    pub fn household_summaries(&self, village: Option<&str>) -> Result<Vec<HouseholdSummary>> {
        let mut stmt = self.conn().prepare(
            "SELECT h.code, h.village, h.grp,
                    COALESCE((SELECT name FROM members m WHERE m.household_id = h.id
                              ORDER BY (m.relation IN ('self','户主','本人','head')) DESC, m.position LIMIT 1), ''),
                    (SELECT COUNT(*) FROM members m WHERE m.household_id = h.id AND m.cohabiting = 1),
                    d.status, d.total_monthly
             FROM households h
             LEFT JOIN decisions d ON d.id = (SELECT id FROM decisions WHERE household_id = h.id ORDER BY as_of DESC, id DESC LIMIT 1)
             WHERE ?1 IS NULL OR h.village = ?1
             ORDER BY h.code",
        )?;
        let rows = stmt.query_map(params![village], |r| {
            Ok(HouseholdSummary {
                code: r.get(0)?,
                village: r.get(1)?,
                group: r.get(2)?,
                head: r.get(3)?,
                cohabiting: r.get::<_, i64>(4)? as usize,
                status: r.get(5)?,
                total_monthly: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Store {
    /// ID numbers of this household's cohabiting members that a cohabiting member of another household also holds.
    pub fn id_numbers_shared_with_others(
        &self,
        code: &str,
    ) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT m.id_number FROM members m JOIN households h ON h.id = m.household_id
             WHERE h.code = ?1 AND m.cohabiting = 1 AND m.id_number IS NOT NULL
               AND EXISTS (SELECT 1 FROM members o WHERE o.id_number = m.id_number
                           AND o.cohabiting = 1 AND o.household_id <> m.household_id)",
        )?;
        let rows = stmt.query_map([code], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
