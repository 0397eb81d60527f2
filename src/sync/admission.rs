//! What the county lets in from a device: which records a registered device
//! may write ([`authorize`]), and whether what it wrote reads back as valid
//! data ([`household_problems`]).
//!
//! A device is registered for one village of the county. It may write the
//! households of that village and the records under them (members,
//! expenses, visits, case events, measures, attachments) — nothing else:
//! never another village's household, never a household moved between
//! villages (a county action), never an eligibility decision (the county
//! evaluates itself). A signature proves who sent an entry; these rules
//! decide what that sender may do.

use serde_json::{Map, Value};

use crate::household_json::ErrorCode;
use crate::store::{Records, StoreError};

/// Tables a device writes and the county takes from it.
pub const DEVICE_TABLES: &[&str] = &[
    "households",
    "members",
    "expenses",
    "visits",
    "case_events",
    "measures",
    "temp_aid",
    "attachments",
];

/// Tables a device keeps to itself: its entries travel in a bundle without
/// their content (as withheld lines), so the county can follow the device's
/// hash chain without ever applying them.
pub const PRIVATE_TABLES: &[&str] = &["decisions"];

/// The village and county a device is registered for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Region code of the county (the households' `region_code`).
    pub region: String,
    /// The village, as registered.
    pub village: String,
}

/// Where a household is, as the county holds it or as an entry states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// File number, for messages.
    pub code: String,
    /// Region code.
    pub region: String,
    /// Village.
    pub village: String,
}

impl Place {
    /// The place a `households` row states; `None` when it lacks the columns.
    pub fn of_household_row(row: &Map<String, Value>) -> Option<Place> {
        let text = |c: &str| row.get(c).and_then(Value::as_str).map(str::to_owned);
        Some(Place {
            code: text("code")?,
            region: text("region_code")?,
            village: text("village")?,
        })
    }

    fn within(&self, scope: &Scope) -> bool {
        self.region == scope.region && self.village == scope.village
    }

    fn describe(&self) -> String {
        format!("{}（{}）的户 {}", self.village, self.region, self.code)
    }
}

/// One entry, with what the county knows around it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Table the entry writes.
    pub table: &'a str,
    /// The household the record belongs to now at the county (for a
    /// `households` row, itself); `None` for a record the county lacks.
    pub held: Option<&'a Place>,
    /// The household the entry puts the record in (for a `households` row,
    /// the row itself); `None` for a deletion.
    pub incoming: Option<&'a Place>,
    /// For a record under a household: the `household_id` the entry names
    /// when the county has no such household (its place is then unknown).
    pub unknown_household: Option<&'a str>,
}

/// Whether a device may write to `table` at all: `Err` with the reason, in
/// words that follow "第 n 条记录（表 记录号）".
pub fn authorize_table(table: &str) -> Result<(), String> {
    if PRIVATE_TABLES.contains(&table) {
        return Err(format!(
            "写的是资格评估结果（{table}）：评估由县里自行进行，设备不能写入"
        ));
    }
    if !DEVICE_TABLES.contains(&table) {
        return Err(format!("写的是设备不能写入的表“{table}”"));
    }
    Ok(())
}

/// Checks a withheld line (an entry whose content stays on the device): it
/// must be of a private table and carry no content.
pub fn check_withheld(line: &super::wire::Line) -> Result<(), String> {
    if !PRIVATE_TABLES.contains(&line.table.as_str()) {
        return Err(format!(
            "不带内容，但“{}”表的记录必须带内容送到县里",
            line.table
        ));
    }
    if line.row_json.is_some() || line.base.is_some() {
        return Err("标为不带内容，却带有内容".into());
    }
    Ok(())
}

/// Whether a device registered for `scope` may write this entry: `Err`
/// with the reason, in words that follow "第 n 条记录（表 记录号）".
pub fn authorize(scope: &Scope, f: &Facts) -> Result<(), String> {
    authorize_table(f.table)?;
    if let Some(id) = f.unknown_household {
        return Err(format!(
            "引用了县里没有的户（记录号 {id}）：可能需要先导入本村其他设备的数据包"
        ));
    }
    let mine = format!("本设备登记的 {}（{}）", scope.village, scope.region);
    if let Some(held) = f.held.filter(|h| !h.within(scope)) {
        return Err(format!(
            "改动的是{}，不是{mine}的户：设备只能改本村的户",
            held.describe()
        ));
    }
    match (f.held, f.incoming) {
        (Some(held), Some(incoming)) if f.table == "households" && !incoming.within(scope) => {
            Err(format!(
                "把户 {} 从 {} 改到 {}（{}）：迁村须由县里办理，设备不能改",
                held.code, held.village, incoming.village, incoming.region
            ))
        }
        (_, Some(incoming)) if !incoming.within(scope) => Err(format!(
            "写的是{}，不是{mine}的户：设备只能写本村的户",
            incoming.describe()
        )),
        _ => Ok(()),
    }
}

/// What is wrong with the household `id` and the records under it as the
/// county now holds them, read back as strictly as the program reads its
/// own data and checked as an imported household file is: an empty list
/// when nothing is. `None` when the household is not there (deleted).
pub fn household_problems(
    records: Records,
    id: &str,
    today: chrono::NaiveDate,
) -> Result<Option<Vec<String>>, StoreError> {
    let unreadable = |e: StoreError| match e {
        StoreError::Corrupt { place, problem } => Ok(vec![format!("{place} 无法读取：{problem}")]),
        other => Err(other),
    };
    let mut household = match records.household_by_record_id(id) {
        Ok(None) => return Ok(None),
        Ok(Some(h)) => h,
        Err(e) => return unreadable(e).map(Some),
    };
    // A visit dated after the county's today (a laptop's clock ahead) is the
    // visit's own matter, checked with the visit; it does not make the
    // household's data wrong.
    household.last_visit = household.last_visit.filter(|d| *d <= today);
    let json = crate::household_json::household_to_json(&household);
    let mut problems = match crate::household_json::parse_household(&json, 0) {
        Ok(mut parsed) => {
            // A household between its own row and its members' (the cut
            // between two parts of a large export) is incomplete, not wrong.
            parsed.errors.retain(|e| e.code != ErrorCode::NoMembers);
            parsed.problems(today)
        }
        Err(e) => vec![e.to_string()],
    };
    // A register entry must be one the program itself would save.
    let register = records.temp_aid(id).map(|register| {
        for r in register {
            if let Err(e) = r.validate() {
                problems.push(format!(
                    "户 {} 的临时救助登记（记录号 {}）：{e}",
                    household.id, r.id
                ));
            }
        }
    });
    let under = [
        records.visits(id).map(drop),
        records.events(id).map(drop),
        records.measures(id).map(drop),
        register,
        records.attachments(id).map(drop),
    ];
    for result in under {
        if let Err(e) = result {
            problems.extend(unreadable(e)?);
        }
    }
    Ok(Some(problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(code: &str, village: &str) -> Place {
        Place {
            code: code.into(),
            region: "341024".into(),
            village: village.into(),
        }
    }

    fn scope() -> Scope {
        Scope {
            region: "341024".into(),
            village: "保婴村".into(),
        }
    }

    fn facts<'a>(
        table: &'a str,
        held: Option<&'a Place>,
        incoming: Option<&'a Place>,
    ) -> Facts<'a> {
        Facts {
            table,
            held,
            incoming,
            unknown_household: None,
        }
    }

    #[test]
    fn a_device_writes_its_own_village_only() {
        let own = place("BY-001", "保婴村");
        let other = place("TXZ-001", "田心寨村");
        let s = scope();
        assert_eq!(
            authorize(&s, &facts("households", None, Some(&own))),
            Ok(())
        );
        assert_eq!(
            authorize(&s, &facts("members", Some(&own), Some(&own))),
            Ok(())
        );
        assert_eq!(authorize(&s, &facts("visits", Some(&own), None)), Ok(()));

        let e = authorize(&s, &facts("households", Some(&other), Some(&other))).unwrap_err();
        assert!(e.contains("田心寨村") && e.contains("TXZ-001"), "{e}");
        let e = authorize(&s, &facts("households", Some(&other), None)).unwrap_err();
        assert!(e.contains("只能改本村"), "{e}");
        let e = authorize(&s, &facts("households", None, Some(&other))).unwrap_err();
        assert!(e.contains("只能写本村"), "{e}");
        // Moving a member of another village's household into one's own.
        let e = authorize(&s, &facts("members", Some(&other), Some(&own))).unwrap_err();
        assert!(e.contains("TXZ-001"), "{e}");
        let e = authorize(&s, &facts("attachments", None, Some(&other))).unwrap_err();
        assert!(e.contains("TXZ-001"), "{e}");
    }

    #[test]
    fn a_move_between_villages_and_a_foreign_region_are_refused() {
        let own = place("BY-001", "保婴村");
        let moved = place("BY-001", "田心寨村");
        let s = scope();
        let e = authorize(&s, &facts("households", Some(&own), Some(&moved))).unwrap_err();
        assert!(e.contains("迁村须由县里办理"), "{e}");
        let elsewhere = Place {
            region: "110101".into(),
            ..own.clone()
        };
        let e = authorize(&s, &facts("households", None, Some(&elsewhere))).unwrap_err();
        assert!(e.contains("110101"), "{e}");
    }

    #[test]
    fn every_logged_table_is_either_sent_or_kept_by_the_device() {
        let mut both: Vec<&str> = DEVICE_TABLES
            .iter()
            .chain(PRIVATE_TABLES)
            .copied()
            .collect();
        let mut logged = crate::store::LOGGED_TABLES.to_vec();
        both.sort_unstable();
        logged.sort_unstable();
        assert_eq!(both, logged);
    }

    #[test]
    fn decisions_and_unknown_tables_are_never_written() {
        let own = place("BY-001", "保婴村");
        let s = scope();
        let e = authorize(&s, &facts("decisions", None, Some(&own))).unwrap_err();
        assert!(e.contains("县里自行"), "{e}");
        let e = authorize(&s, &facts("settings", None, None)).unwrap_err();
        assert!(e.contains("settings"), "{e}");
        let unknown = Facts {
            unknown_household: Some("0190-x"),
            ..facts("members", None, None)
        };
        assert!(authorize(&s, &unknown).unwrap_err().contains("0190-x"));
    }
}
