//! Households, members and expenses in the store.

use std::collections::HashMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;

use super::columns::{corrupt, flag, json, opt_json, opt_text, text};
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
    /// 残疾人两项补贴 per month under the latest decision (v2), when any.
    pub subsidies_monthly: Option<String>,
    /// The latest decision flags 刚性支出困难 (monitoring).
    pub rigid_expense: bool,
    /// Where the case stands (办理流程), in Chinese.
    pub stage: String,
    /// A 办理时限 of the case is missed (late, or past due and not done).
    pub overdue: bool,
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
                ("disqualifying", json(&h.assets.disqualifying)),
                ("enrollment", opt_json(h.enrollment.as_ref())),
                (
                    "temp_aid",
                    self.recorded_temp_aid(&household_id, h.temp_aid.as_ref())?,
                ),
                ("hardship_causes", json(&h.hardship_causes)),
                ("cadre_relative", flag(h.cadre_relative)),
                (
                    "last_visit",
                    opt_text(
                        self.recorded_last_visit(&household_id, h.last_visit)?
                            .as_deref(),
                    ),
                ),
            ],
        )?;
        changed |= self.save_members(&household_id, &h.members)?;
        changed |= self.save_expenses(&household_id, &h.expenses)?;
        Ok(SaveOutcome { created, changed })
    }

    /// What the `last_visit` column should hold when a household is saved
    /// with `given` as its last visit: the date itself when the recorded
    /// visits do not already reach it, else what the column held (so that
    /// saving a household as it was read changes nothing).
    fn recorded_last_visit(
        &self,
        household_id: &str,
        given: Option<chrono::NaiveDate>,
    ) -> Result<Option<String>> {
        let Some(given) = given else {
            return Ok(None);
        };
        let (column, visited): (Option<String>, Option<String>) = self.conn().query_row(
            "SELECT (SELECT last_visit FROM households WHERE id = ?1),
                        (SELECT max(visit_date) FROM visits WHERE household_id = ?1 AND draft = 0)",
            [household_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let given = given.to_string();
        Ok(match visited {
            // ISO dates compare as text.
            Some(v) if given <= v => column,
            _ => Some(given),
        })
    }

    /// What the `temp_aid` column should hold: the request given, unless the
    /// household keeps a register (which then decides, and the column keeps
    /// what it held).
    fn recorded_temp_aid(
        &self,
        household_id: &str,
        given: Option<&TempAidRequest>,
    ) -> Result<SqlValue> {
        let (registered, column): (bool, Option<String>) = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM temp_aid WHERE household_id = ?1),
                    (SELECT temp_aid FROM households WHERE id = ?1)",
            [household_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(if registered {
            column.map_or(SqlValue::Null, SqlValue::Text)
        } else {
            opt_json(given)
        })
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
                    ("disability", opt_json(m.disability.as_ref())),
                    ("serious_illness", flag(m.serious_illness)),
                    ("work_capacity", text(m.work_capacity.code())),
                    ("self_care", text(m.self_care.code())),
                    ("supporters", opt_json(m.supporters.as_ref())),
                    ("incomes", json(&m.incomes)),
                    ("tags", json(&m.tags)),
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
        let mut registers = super::temp_aid::registers(self.conn, filter, arg)?;
        let sql = format!(
            "SELECT id, code, region_code, village, grp, address, phone, hukou, financial, disqualifying,
                    enrollment, temp_aid, hardship_causes, cadre_relative,
                    max(coalesce(h.last_visit, ''), coalesce(
                        (SELECT max(visit_date) FROM visits v WHERE v.household_id = h.id AND v.draft = 0),
                        ''))
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
            let last_visit: String = r.get(14)?;
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
                    disqualifying: from_json(&disqualifying, &place("disqualifying"))?,
                },
                enrollment: enrollment
                    .map(|e| from_json(&e, &place("enrollment")))
                    .transpose()?,
                // With a register, the open request and the payments made
                // decide; the column keeps what a household file brought.
                temp_aid: match registers.remove(&id) {
                    Some(register) => crate::temp_aid::open_request(&register),
                    None => temp_aid
                        .map(|t| from_json(&t, &place("temp_aid")))
                        .transpose()?,
                },
                hardship_causes: from_json(&causes, &place("hardship_causes"))?,
                cadre_relative: r.get(13)?,
                // The last completed visit decides the next one (rules v2 §7).
                last_visit: match last_visit.as_str() {
                    "" => None,
                    d => Some(parse_iso_date(d).ok_or_else(|| corrupt(&place("last_visit"), d))?),
                },
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
                    .map(|s| from_json(&s, &place("supporters")))
                    .transpose()?,
                incomes: from_json(&incomes, &place("incomes"))?,
                tags: from_json(&tags, &place("tags"))?,
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

/// A JSON column read back into the model; anything that does not fit is corrupt.
fn from_json<T: serde::de::DeserializeOwned>(s: &str, place: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(place, e))
}

fn parse_disability(s: &str, place: &str) -> Result<Disability> {
    let d: Disability = from_json(s, place)?;
    if !(1..=4).contains(&d.grade) {
        return Err(corrupt(
            place,
            format!("残疾等级 {} 不在 1–4 级之内", d.grade),
        ));
    }
    Ok(d)
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
                    d.status, d.total_monthly,
                    NULLIF(json_extract(d.result_json, '$.subsidies_monthly'), '0.00'),
                    COALESCE((SELECT 1 FROM json_each(d.result_json, '$.codes')
                              WHERE value = 'RIGID_EXPENSE_HARDSHIP'), 0),
                    h.id
             FROM households h
             LEFT JOIN decisions d ON d.id = (SELECT id FROM decisions WHERE household_id = h.id ORDER BY as_of DESC, id DESC LIMIT 1)
             WHERE ?1 IS NULL OR h.village = ?1
             ORDER BY h.code",
        )?;
        let rows = stmt.query_map(params![village], |r| {
            Ok((
                HouseholdSummary {
                    code: r.get(0)?,
                    village: r.get(1)?,
                    group: r.get(2)?,
                    head: r.get(3)?,
                    cohabiting: r.get::<_, i64>(4)? as usize,
                    status: r.get(5)?,
                    total_monthly: r.get(6)?,
                    subsidies_monthly: r.get(7)?,
                    rigid_expense: r.get(8)?,
                    stage: String::new(),
                    overdue: false,
                },
                r.get::<_, String>(9)?,
            ))
        })?;
        let rows: Vec<(HouseholdSummary, String)> = rows.collect::<rusqlite::Result<_>>()?;
        // Where each case stands, and whether a time limit is missed.
        let (policies, _) = self.policy_set()?;
        let calendar = self.work_calendar()?;
        let today = chrono::Local::now().date_naive();
        let procedure = policies
            .in_force(today)
            .map(|p| p.procedure())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(rows.len());
        for (mut summary, id) in rows {
            let events = self.events(&id)?;
            let (case, _) = crate::lifecycle::Case::replay(&events, &procedure);
            summary.stage = case.stage.zh().to_owned();
            summary.overdue = crate::lifecycle::deadlines(&events, &calendar, &procedure)
                .iter()
                .any(|d| d.missed(today));
            out.push(summary);
        }
        Ok(out)
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
