//! The county's field-level merge: what one device's change of one record
//! does to the record the county holds. Pure: the intake reads the record and
//! its versions, asks here, and writes what comes back.
//!
//! For each column of an incoming row, the device's *base* (the row as the
//! device had it before this change) tells whether the device changed that
//! column. Columns it did not change are left as the county has them, so two
//! devices changing different fields of one household both apply. A column
//! it changed from the value the county holds is applied. A column it changed
//! while another device had changed the same column to a different value is a
//! **conflict**: both values are kept, and the change that reached the county
//! later holds until a caseworker settles it — arrival order, never the
//! devices' clocks, which villages often have wrong. A later change of that
//! column by either device settles the conflict.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who last set one column of a record, and from what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldVersion {
    /// The device.
    #[serde(rename = "d")]
    pub device: String,
    /// The time its entry states (shown, never compared).
    #[serde(rename = "t")]
    pub at: String,
    /// Hash of its entry.
    #[serde(rename = "e")]
    pub entry: String,
    /// The value it replaced (JSON text), when known.
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

/// Versions of a record's columns: who created the record (every column
/// not listed since), and each column set by a later change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordVersions {
    /// The change that created the record.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub created: Option<FieldVersion>,
    /// Columns set since, by column name.
    #[serde(rename = "f", default, skip_serializing_if = "HashMap::is_empty")]
    pub fields: HashMap<String, FieldVersion>,
}

impl RecordVersions {
    /// Who last set `column`.
    pub fn get(&self, column: &str) -> Option<&FieldVersion> {
        self.fields.get(column).or(self.created.as_ref())
    }
}

/// One device's change of one record, as the bundle states it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The sending device.
    pub device: &'a str,
    /// The entry's stated time (kept for people, never ordered by).
    pub at: &'a str,
    /// The entry's hash.
    pub entry: &'a str,
    /// The row as the device had it before the change; `None` when the
    /// record was new to the device.
    pub base: Option<&'a Map<String, Value>>,
}

impl Change<'_> {
    fn version(&self, replaced: Option<&Value>) -> FieldVersion {
        FieldVersion {
            device: self.device.to_owned(),
            at: self.at.to_owned(),
            entry: self.entry.to_owned(),
            base: replaced.map(Value::to_string),
        }
    }
}

/// A column another device had changed to a different value.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    /// The column.
    pub column: String,
    /// Who set the value the county held.
    pub held: FieldVersion,
    /// That value.
    pub held_value: Value,
    /// The value that arrived (and now holds).
    pub incoming: Value,
}

/// What an insert or update does to the county's record.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The row to write (every column but `id`), when anything changed.
    pub write: Option<Map<String, Value>>,
    /// The record's versions after the change.
    pub versions: RecordVersions,
    /// Columns whose open conflicts (involving this device) the change settles.
    pub settled: Vec<String>,
    /// Conflicts found.
    pub conflicts: Vec<FieldConflict>,
}

/// Merges `row` (an insert or update by `change.device`) into the county's
/// record `held` (`None`: the county lacks it). `columns` are the table's;
/// `open_mine(column)` says whether an open conflict on that column of this
/// record involves this device.
pub fn merge_write(
    held: Option<&Map<String, Value>>,
    row: &Map<String, Value>,
    columns: &[&str],
    mut versions: RecordVersions,
    change: &Change,
    open_mine: &dyn Fn(&str) -> bool,
) -> Merged {
    let Some(cur) = held else {
        let write = columns
            .iter()
            .filter(|c| **c != "id")
            .map(|c| ((*c).to_owned(), row.get(*c).cloned().unwrap_or(Value::Null)))
            .collect();
        return Merged {
            write: Some(write),
            versions: RecordVersions {
                created: Some(change.version(None)),
                fields: HashMap::new(),
            },
            settled: Vec::new(),
            conflicts: Vec::new(),
        };
    };
    let mut target = cur.clone();
    let (mut changed, mut settled, mut conflicts) = (false, Vec::new(), Vec::new());
    for (c, v) in row.iter().filter(|(c, _)| c.as_str() != "id") {
        let cv = cur.get(c).unwrap_or(&Value::Null);
        let b: Option<&Value> = change.base.map(|m| m.get(c).unwrap_or(&Value::Null));
        if b == Some(v) {
            continue; // this device did not change this column
        }
        if open_mine(c) {
            settled.push(c.clone());
            if v != cv {
                target.insert(c.clone(), v.clone());
                changed = true;
            }
            versions.fields.insert(c.clone(), change.version(b));
            continue;
        }
        if v == cv {
            continue;
        }
        let fv = versions.get(c).cloned();
        let ours = fv.as_ref().is_none_or(|f| f.device == change.device);
        if b != Some(cv) && !ours {
            let Some(fv) = fv else { continue };
            if fv.base.as_deref() == Some(v.to_string().as_str()) {
                continue; // the county's value is a later change made from this one
            }
            conflicts.push(FieldConflict {
                column: c.clone(),
                held: fv,
                held_value: cv.clone(),
                incoming: v.clone(),
            });
        }
        // Applied: from the value the county holds, over this device's own
        // earlier change, or (a conflict) as the later to arrive.
        target.insert(c.clone(), v.clone());
        versions.fields.insert(c.clone(), change.version(b));
        changed = true;
    }
    target.remove("id");
    Merged {
        write: changed.then_some(target),
        versions,
        settled,
        conflicts,
    }
}

/// For a deletion by `device` of the county's record `held`: the latest
/// change by another device that this device had not seen (its base
/// differs), which the conflict then shows. The deletion holds either way,
/// as the later to arrive.
pub fn unseen_change<'v>(
    held: &Map<String, Value>,
    base: Option<&Map<String, Value>>,
    versions: &'v RecordVersions,
    device: &str,
) -> Option<&'v FieldVersion> {
    let base = base?;
    held.iter()
        .filter(|(c, v)| c.as_str() != "id" && base.get(c.as_str()).unwrap_or(&Value::Null) != *v)
        .filter_map(|(c, _)| versions.get(c))
        .filter(|f| f.device != device)
        .max_by(|a, b| (&a.at, &a.device).cmp(&(&b.at, &b.device)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("an object"),
        }
    }

    const COLUMNS: &[&str] = &["id", "phone", "grp"];

    fn version(device: &str, base: Option<&str>) -> FieldVersion {
        FieldVersion {
            device: device.into(),
            at: "2026-11-30T00:00:00.000Z".into(),
            entry: format!("e-{device}"),
            base: base.map(str::to_owned),
        }
    }

    fn created_by(device: &str) -> RecordVersions {
        RecordVersions {
            created: Some(version(device, None)),
            fields: HashMap::new(),
        }
    }

    fn change<'a>(device: &'a str, base: Option<&'a Map<String, Value>>) -> Change<'a> {
        Change {
            device,
            at: "2000-01-01T00:00:00.000Z",
            entry: "e-new",
            base,
        }
    }

    const NONE_OPEN: &dyn Fn(&str) -> bool = &|_| false;

    #[test]
    fn a_new_record_takes_every_column() {
        let row = map(json!({"id": "r", "phone": "1"}));
        let m = merge_write(
            None,
            &row,
            COLUMNS,
            RecordVersions::default(),
            &change("a", None),
            NONE_OPEN,
        );
        assert_eq!(m.write, Some(map(json!({"phone": "1", "grp": null}))));
        assert_eq!(m.versions.created.map(|v| v.device), Some("a".into()));
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn different_columns_of_two_devices_both_apply() {
        let held = map(json!({"id": "r", "phone": "1", "grp": "2组"}));
        let base = map(json!({"id": "r", "phone": "1", "grp": "1组"}));
        let row = map(json!({"id": "r", "phone": "9", "grp": "1组"}));
        // Device b changed the group (held); device a, from the old base, the phone.
        let mut versions = created_by("a");
        versions
            .fields
            .insert("grp".into(), version("b", Some("\"1组\"")));
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            versions,
            &change("a", Some(&base)),
            NONE_OPEN,
        );
        assert_eq!(m.write, Some(map(json!({"phone": "9", "grp": "2组"}))));
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn the_same_column_changed_by_two_devices_is_a_conflict_the_later_arrival_holds() {
        let held = map(json!({"id": "r", "phone": "1", "grp": "甲组"}));
        let base = map(json!({"id": "r", "phone": "1", "grp": "1组"}));
        let row = map(json!({"id": "r", "phone": "1", "grp": "乙组"}));
        let mut versions = created_by("a");
        // Device a's change says 9999: it does not matter.
        let mut ahead = version("a", Some("\"1组\""));
        ahead.at = "9999-12-31T00:00:00.000Z".into();
        versions.fields.insert("grp".into(), ahead);
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            versions,
            &change("b", Some(&base)),
            NONE_OPEN,
        );
        assert_eq!(m.write, Some(map(json!({"phone": "1", "grp": "乙组"}))));
        assert_eq!(m.conflicts.len(), 1);
        let c = &m.conflicts[0];
        assert_eq!((c.column.as_str(), c.held.device.as_str()), ("grp", "a"));
        assert_eq!(
            (c.held_value.clone(), c.incoming.clone()),
            (json!("甲组"), json!("乙组"))
        );
        assert_eq!(m.versions.get("grp").map(|v| v.device.as_str()), Some("b"));
    }

    #[test]
    fn a_change_made_from_the_held_value_or_by_the_same_device_is_no_conflict() {
        let held = map(json!({"id": "r", "phone": "1", "grp": "甲组"}));
        let row = map(json!({"id": "r", "phone": "1", "grp": "乙组"}));
        let mut versions = created_by("a");
        versions
            .fields
            .insert("grp".into(), version("a", Some("\"1组\"")));
        // b had seen 甲组.
        let seen = map(json!({"id": "r", "phone": "1", "grp": "甲组"}));
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            versions.clone(),
            &change("b", Some(&seen)),
            NONE_OPEN,
        );
        assert!(m.conflicts.is_empty() && m.write.is_some());
        // a changes its own value again, from an old base.
        let old = map(json!({"id": "r", "phone": "1", "grp": "1组"}));
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            versions,
            &change("a", Some(&old)),
            NONE_OPEN,
        );
        assert!(m.conflicts.is_empty() && m.write.is_some());
    }

    #[test]
    fn an_unchanged_column_and_an_older_value_leave_the_record_alone() {
        let held = map(json!({"id": "r", "phone": "1", "grp": "乙组"}));
        let base = map(json!({"id": "r", "phone": "1", "grp": "1组"}));
        let row = map(json!({"id": "r", "phone": "1", "grp": "1组"}));
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            created_by("a"),
            &change("b", Some(&base)),
            NONE_OPEN,
        );
        assert_eq!(m.write, None);
        // The county's value is a later change made from the incoming one.
        let mut versions = created_by("a");
        versions
            .fields
            .insert("grp".into(), version("a", Some("\"甲组\"")));
        let row = map(json!({"id": "r", "phone": "1", "grp": "甲组"}));
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            versions,
            &change("b", Some(&base)),
            NONE_OPEN,
        );
        assert_eq!((m.write, m.conflicts.len()), (None, 0));
    }

    #[test]
    fn a_change_of_a_column_in_conflict_settles_it() {
        let held = map(json!({"id": "r", "phone": "1", "grp": "乙组"}));
        let base = map(json!({"id": "r", "phone": "1", "grp": "甲组"}));
        let row = map(json!({"id": "r", "phone": "1", "grp": "丙组"}));
        let open: &dyn Fn(&str) -> bool = &|c| c == "grp";
        let m = merge_write(
            Some(&held),
            &row,
            COLUMNS,
            created_by("b"),
            &change("a", Some(&base)),
            open,
        );
        assert_eq!(m.settled, vec!["grp".to_owned()]);
        assert_eq!(m.write, Some(map(json!({"phone": "1", "grp": "丙组"}))));
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn a_deletion_names_the_change_it_had_not_seen() {
        let held = map(json!({"id": "r", "phone": "9", "grp": "1组"}));
        let base = map(json!({"id": "r", "phone": "1", "grp": "1组"}));
        let mut versions = created_by("a");
        versions
            .fields
            .insert("phone".into(), version("b", Some("\"1\"")));
        let seen = unseen_change(&held, Some(&base), &versions, "a");
        assert_eq!(seen.map(|v| v.device.as_str()), Some("b"));
        assert_eq!(unseen_change(&held, Some(&held), &versions, "a"), None);
        assert_eq!(unseen_change(&held, Some(&base), &versions, "b"), None);
    }
}
