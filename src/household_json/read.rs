//! Reading one household object: every field checked, every problem kept
//! as a [`DataError`] (v2-only fields' problems apart, for a v1 policy to
//! ignore).

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{structure, DataError, ErrorCode, FileError, ParsedHousehold};
use crate::dates::parse_iso_date;
use crate::id_number::{parse_id_number, IdError};
use crate::model::*;
use crate::money::{parse_amount, AmountError};

/// Reads one household object; `index` only names the place in a [`FileError`].
pub fn parse_household(value: &Value, index: usize) -> Result<ParsedHousehold, FileError> {
    let obj = value
        .as_object()
        .ok_or_else(|| structure(&format!("households[{index}]"), "应为 JSON 对象"))?;
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return Err(structure(
                &format!("households[{index}].id"),
                "缺少户编号（非空字符串）",
            ))
        }
    };
    let mut errors = Vec::new();
    let mut v2_errors = Vec::new();
    let hukou = match obj
        .get("hukou")
        .and_then(Value::as_str)
        .and_then(Hukou::from_code)
    {
        Some(h) => h,
        None => {
            errors.push(DataError::new(ErrorCode::BadHukou, None));
            Hukou::Rural
        }
    };
    let members: Vec<Member> = match obj.get("members") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, m)| parse_member(m, i, &mut errors, &mut v2_errors))
            .collect(),
        _ => Vec::new(),
    };
    check_member_ids(&members, &mut errors);
    if !members.iter().any(|m| m.cohabiting) {
        errors.push(DataError::new(ErrorCode::NoMembers, None));
    }
    let expenses = list_of(obj.get("expenses"))
        .iter()
        .filter_map(|e| {
            let kind = e
                .get("kind")
                .and_then(Value::as_str)
                .and_then(ExpenseKind::from_code);
            if kind.is_none() {
                errors.push(DataError::new(ErrorCode::UnknownExpenseKind, None));
            }
            let annual = amount(e.get("annual"), None, &mut errors);
            Some(Expense {
                kind: kind?,
                annual,
            })
        })
        .collect();
    let assets = parse_assets(obj.get("assets"), &mut errors);
    let enrollment = match obj.get("enrollment") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_enrollment(v, &mut errors, &mut v2_errors)),
    };
    let temp_aid = match obj.get("temp_aid") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_temp_aid(v, &mut errors, &mut v2_errors)),
    };
    let last_visit = match obj.get("last_visit") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let date = v.as_str().and_then(parse_iso_date);
            if date.is_none() {
                v2_errors.push(DataError::field(None, "last_visit"));
            }
            date
        }
    };
    let hardship_causes = list_of(obj.get("hardship_causes"))
        .iter()
        .filter_map(|c| c.as_str().and_then(HardshipCause::from_code_or_zh))
        .collect();
    for list in [&mut errors, &mut v2_errors] {
        list.sort();
        list.dedup();
    }
    Ok(ParsedHousehold {
        household: Household {
            id,
            region_code: text(obj.get("region_code")).unwrap_or_default(),
            village: text(obj.get("village")).unwrap_or_default(),
            hukou,
            members,
            expenses,
            assets,
            enrollment,
            temp_aid,
            group: text(obj.get("group")),
            address: text(obj.get("address")),
            phone: text(obj.get("phone")),
            hardship_causes,
            cadre_relative: obj
                .get("cadre_relative")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_visit,
        },
        errors,
        v2_errors,
    })
}

fn list_of(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

/// Reads an amount; a missing, null or malformed one is an error and reads as zero.
fn amount(value: Option<&Value>, member: Option<usize>, errors: &mut Vec<DataError>) -> Decimal {
    let parsed = match value {
        Some(Value::String(s)) => parse_amount(s),
        // With arbitrary_precision the number keeps the text it was written as.
        Some(Value::Number(n)) => parse_amount(&n.to_string()),
        _ => Err(AmountError::Malformed),
    };
    parsed.unwrap_or_else(|e| {
        let code = match e {
            AmountError::Negative => ErrorCode::NegativeAmount,
            AmountError::Malformed => ErrorCode::BadAmount,
        };
        errors.push(DataError::new(code, member));
        Decimal::ZERO
    })
}

fn ability(
    value: Option<&Value>,
    member: usize,
    field: &'static str,
    errors: &mut Vec<DataError>,
) -> Ability {
    match value {
        None | Some(Value::Null) => Ability::Full,
        Some(v) => v.as_str().and_then(Ability::from_code).unwrap_or_else(|| {
            errors.push(DataError::field(Some(member), field));
            Ability::Full
        }),
    }
}

fn parse_member(
    value: &Value,
    index: usize,
    errors: &mut Vec<DataError>,
    v2_errors: &mut Vec<DataError>,
) -> Member {
    let empty = Map::new();
    let obj = value.as_object().unwrap_or(&empty);
    let m = Some(index);
    let id_number = text(obj.get("id_number"));
    let birth_text = obj.get("birth_date").filter(|v| !v.is_null());
    let birth_date = birth_text.and_then(Value::as_str).and_then(parse_iso_date);
    match id_number.as_deref().map(parse_id_number) {
        Some(Err(IdError::Shape | IdError::CheckDigit | IdError::BirthDate)) => {
            errors.push(DataError::new(ErrorCode::InvalidIdNumber, m));
        }
        Some(Ok(info)) => match birth_text {
            Some(_) if birth_date.is_none() => {
                errors.push(DataError::new(ErrorCode::BadBirthDate, m))
            }
            Some(_) if birth_date != Some(info.birth_date) => {
                errors.push(DataError::new(ErrorCode::IdBirthdateMismatch, m));
            }
            _ => {}
        },
        None => match birth_text {
            None => errors.push(DataError::new(ErrorCode::MissingBirthDate, m)),
            Some(_) if birth_date.is_none() => {
                errors.push(DataError::new(ErrorCode::BadBirthDate, m))
            }
            Some(_) => {}
        },
    }
    let cohabiting = match obj.get("cohabiting") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(DataError::field(m, "cohabiting"));
            true
        }
    };
    let serious_illness = match obj.get("serious_illness") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(DataError::field(m, "serious_illness"));
            false
        }
    };
    let disability = match obj.get("disability") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let grade = v
                .get("grade")
                .and_then(Value::as_u64)
                .filter(|g| (1..=4).contains(g));
            let kind = v
                .get("kind")
                .and_then(Value::as_str)
                .and_then(DisabilityKind::from_code);
            match (grade, kind) {
                (Some(grade), Some(kind)) => Some(Disability {
                    grade: grade as u8,
                    kind,
                    certificate: text(v.get("certificate")),
                }),
                _ => {
                    errors.push(DataError::field(m, "disability"));
                    None
                }
            }
        }
    };
    let supporters = match obj.get("supporters") {
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|s| parse_supporter(s, index, v2_errors))
                .collect(),
        ),
        _ => None,
    };
    let incomes = list_of(obj.get("incomes"))
        .iter()
        .filter_map(|inc| {
            let kind = inc
                .get("kind")
                .and_then(Value::as_str)
                .and_then(IncomeKind::from_code);
            if kind.is_none() {
                errors.push(DataError::new(ErrorCode::UnknownIncomeKind, m));
            }
            let annual = amount(inc.get("annual"), m, errors);
            Some(Income {
                kind: kind?,
                annual,
            })
        })
        .collect();
    Member {
        name: text(obj.get("name")).unwrap_or_default(),
        id_number,
        birth_date,
        relation: text(obj.get("relation")).unwrap_or_default(),
        cohabiting,
        disability,
        serious_illness,
        work_capacity: ability(obj.get("work_capacity"), index, "work_capacity", errors),
        self_care: ability(obj.get("self_care"), index, "self_care", errors),
        supporters,
        incomes,
        tags: list_of(obj.get("tags"))
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        health_note: text(obj.get("health_note")),
    }
}

/// Reads one supporter. `capable` is v1's (only `true` counts as a
/// judgement of capable, `false` as not capable, anything else as none);
/// the family figures are v2's.
fn parse_supporter(value: &Value, member: usize, v2_errors: &mut Vec<DataError>) -> Supporter {
    let m = Some(member);
    let mut integer = |key: &str, valid: fn(u64) -> bool| match value.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => {
            let n = v
                .as_u64()
                .filter(|n| valid(*n))
                .and_then(|n| u32::try_from(n).ok());
            if n.is_none() {
                v2_errors.push(DataError::field(m, "supporters"));
            }
            n
        }
    };
    let age = integer("age", |n| n <= 150);
    let family_size = integer("family_size", |n| n >= 1);
    let mut figure = |key: &str| match value.get(key) {
        None | Some(Value::Null) => None,
        present => Some(amount(present, m, v2_errors)),
    };
    let family_annual_income = figure("family_annual_income");
    let family_financial_assets = figure("family_financial_assets");
    Supporter {
        name: text(value.get("name")).unwrap_or_default(),
        relation: text(value.get("relation")).unwrap_or_default(),
        capable: value.get("capable").and_then(Value::as_bool),
        judgement_note: text(value.get("judgement_note")),
        age,
        family_size,
        family_annual_income,
        family_financial_assets,
    }
}

/// Reads a 临时救助 request; its v2 fields' errors go to `v2_errors`.
fn parse_temp_aid(
    value: &Value,
    errors: &mut Vec<DataError>,
    v2_errors: &mut Vec<DataError>,
) -> TempAidRequest {
    let requested = amount(value.get("requested"), None, errors);
    let granted_this_year = match value.get("granted_this_year") {
        None => None,
        present => Some(amount(present, None, errors)),
    };
    let bad = |v2_errors: &mut Vec<DataError>| v2_errors.push(DataError::field(None, "temp_aid"));
    let kind = match value.get("kind") {
        None | Some(Value::Null) => TempAidKind::default(),
        Some(v) => v
            .as_str()
            .and_then(TempAidKind::from_code)
            .unwrap_or_else(|| {
                bad(v2_errors);
                TempAidKind::default()
            }),
    };
    let case_by_case = match value.get("case_by_case") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            bad(v2_errors);
            false
        }
    };
    let grants = match value.get("grants") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .filter_map(|g| {
                    let date = g
                        .get("date")
                        .and_then(Value::as_str)
                        .and_then(parse_iso_date);
                    if date.is_none() {
                        bad(v2_errors);
                    }
                    let amount = amount(g.get("amount"), None, v2_errors);
                    Some(Grant {
                        date: date?,
                        amount,
                    })
                })
                .collect(),
        ),
        Some(_) => {
            bad(v2_errors);
            None
        }
    };
    if value.get("grants").is_some() && value.get("granted_this_year").is_some() {
        bad(v2_errors);
    }
    TempAidRequest {
        requested,
        granted_this_year,
        kind,
        case_by_case,
        grants,
    }
}

fn check_member_ids(members: &[Member], errors: &mut Vec<DataError>) {
    let mut seen = HashSet::new();
    for (i, m) in members.iter().enumerate() {
        if let Some(id) = &m.id_number {
            if !seen.insert(id.as_str()) {
                errors.push(DataError::new(ErrorCode::DuplicateMember, Some(i)));
            }
        }
    }
}

fn parse_assets(value: Option<&Value>, errors: &mut Vec<DataError>) -> Assets {
    let Some(v) = value.filter(|v| !v.is_null()) else {
        return Assets::default();
    };
    Assets {
        financial: match v.get("financial") {
            None => Decimal::ZERO,
            present => amount(present, None, errors),
        },
        disqualifying: list_of(v.get("disqualifying"))
            .iter()
            .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_owned))
            .collect(),
    }
}

/// Reads an enrollment. A 低保 enrollment's dates are checked as v1 says;
/// a 特困 one's (`since`, `last_review`) as v2 says, and its amount may be
/// left out.
fn parse_enrollment(
    value: &Value,
    errors: &mut Vec<DataError>,
    v2_errors: &mut Vec<DataError>,
) -> Enrollment {
    let program = text(value.get("program")).unwrap_or_default();
    let mut date = |key: &str| match value.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => {
            let parsed = v.as_str().and_then(parse_iso_date);
            if parsed.is_none() {
                match program.as_str() {
                    "dibao" => errors.push(DataError::field(None, "enrollment")),
                    "tekun" if key != "exceeded_since" => {
                        v2_errors.push(DataError::field(None, "enrollment"))
                    }
                    _ => {}
                }
            }
            parsed
        }
    };
    let since = date("since");
    let last_review = date("last_review");
    let exceeded_since = date("exceeded_since");
    let monthly_amount = match value.get("monthly_amount") {
        None | Some(Value::Null) if program == "tekun" => Decimal::ZERO,
        present => amount(present, None, errors),
    };
    Enrollment {
        since,
        last_review,
        exceeded_since,
        monthly_amount,
        class: text(value.get("class")),
        program,
    }
}
