//! Writing households as a household document (v1 when nothing needs v2).

use serde_json::{json, Map, Value};

use super::{FORMAT, FORMAT_V2};
use crate::model::*;

/// Writes households as a household document: `bangfu.household.v1` when
/// every household fits in it, else `bangfu.household.v2`, so that tools
/// that know only v1 can still read what has nothing of v2.
pub fn to_document<'a>(households: impl IntoIterator<Item = &'a Household>) -> Value {
    let mut v2 = false;
    let list: Vec<Value> = households
        .into_iter()
        .inspect(|h| v2 |= needs_v2(h))
        .map(household_to_json)
        .collect();
    json!({
        "format": if v2 { FORMAT_V2 } else { FORMAT },
        "households": list,
    })
}

/// Whether a household carries a field only `bangfu.household.v2` has.
pub fn needs_v2(h: &Household) -> bool {
    let supporter_figures = h.members.iter().any(|m| {
        m.supporters.iter().flatten().any(|s| {
            s.age.is_some()
                || s.family_size.is_some()
                || s.family_annual_income.is_some()
                || s.family_financial_assets.is_some()
        })
    });
    let register = h
        .temp_aid
        .as_ref()
        .is_some_and(|t| t.grants.is_some() || t.case_by_case || t.kind != TempAidKind::default());
    let tekun = h.enrollment.as_ref().is_some_and(Enrollment::is_tekun);
    supporter_figures || register || tekun || h.last_visit.is_some()
}

/// The `household.v1` form of a part of the model (its serde form: the
/// store keeps the same JSON in its columns).
fn to_value<T: serde::Serialize>(part: &T) -> Value {
    serde_json::to_value(part).unwrap_or(Value::Null)
}

/// Writes one household as its `household.v1` object.
pub fn household_to_json(h: &Household) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(h.id));
    obj.insert("region_code".into(), json!(h.region_code));
    obj.insert("village".into(), json!(h.village));
    obj.insert("hukou".into(), json!(h.hukou.code()));
    obj.insert(
        "members".into(),
        h.members.iter().map(member_to_json).collect(),
    );
    obj.insert("expenses".into(), h.expenses.iter().map(to_value).collect());
    obj.insert(
        "assets".into(),
        json!({"financial": h.assets.financial.to_string(), "disqualifying": h.assets.disqualifying}),
    );
    if let Some(e) = &h.enrollment {
        obj.insert("enrollment".into(), to_value(e));
    }
    if let Some(t) = &h.temp_aid {
        obj.insert("temp_aid".into(), to_value(t));
    }
    // Extensions beyond the v1 fields, written only when recorded.
    for (key, value) in [
        ("group", &h.group),
        ("address", &h.address),
        ("phone", &h.phone),
    ] {
        if let Some(v) = value {
            obj.insert(key.into(), json!(v));
        }
    }
    if !h.hardship_causes.is_empty() {
        obj.insert("hardship_causes".into(), json!(h.hardship_causes));
    }
    if h.cadre_relative {
        obj.insert("cadre_relative".into(), json!(true));
    }
    if let Some(d) = h.last_visit {
        obj.insert("last_visit".into(), json!(d.to_string()));
    }
    Value::Object(obj)
}

fn member_to_json(m: &Member) -> Value {
    let mut obj = Map::new();
    obj.insert("name".into(), json!(m.name));
    obj.insert("id_number".into(), json!(m.id_number));
    if let Some(b) = m.birth_date {
        obj.insert("birth_date".into(), json!(b.to_string()));
    }
    obj.insert("relation".into(), json!(m.relation));
    obj.insert("cohabiting".into(), json!(m.cohabiting));
    obj.insert(
        "disability".into(),
        m.disability.as_ref().map_or(Value::Null, to_value),
    );
    obj.insert("serious_illness".into(), json!(m.serious_illness));
    obj.insert("work_capacity".into(), json!(m.work_capacity.code()));
    obj.insert("self_care".into(), json!(m.self_care.code()));
    obj.insert("incomes".into(), m.incomes.iter().map(to_value).collect());
    if let Some(list) = &m.supporters {
        obj.insert("supporters".into(), list.iter().map(to_value).collect());
    }
    if !m.tags.is_empty() {
        obj.insert("tags".into(), json!(m.tags));
    }
    if let Some(n) = &m.health_note {
        obj.insert("health_note".into(), json!(n));
    }
    Value::Object(obj)
}
