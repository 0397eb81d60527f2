//! `bangfu.household.v1`: reading untrusted household JSON and writing it back.
//!
//! Reading never stops at bad data inside a household: each household comes
//! back with a best-effort [`Household`] and the list of [`DataError`]s found
//! in it, so the engine can report it `invalid` and go on with the others.
//! Only damage to the file itself (not JSON, wrong `format`, a household
//! without an `id`, an `id` used twice) is a [`FileError`].

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::dates::parse_iso_date;
use crate::id_number::{parse_id_number, IdError};
use crate::model::*;
use crate::money::{parse_amount, AmountError};

/// The `format` value of a v1 household file.
pub const FORMAT: &str = "bangfu.household.v1";

/// The `format` value of a v2 household file (v1 plus optional fields; a v1
/// file is a valid v2 file).
pub const FORMAT_V2: &str = "bangfu.household.v2";

/// The error codes of spec §3 for bad data in a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum ErrorCode {
    InvalidIdNumber,
    IdBirthdateMismatch,
    MissingBirthDate,
    BadBirthDate,
    DuplicateMember,
    NegativeAmount,
    BadAmount,
    UnknownIncomeKind,
    UnknownExpenseKind,
    BadHukou,
    BadField,
    NoMembers,
}

impl ErrorCode {
    /// What the code means, for people.
    pub fn zh(self) -> &'static str {
        match self {
            ErrorCode::InvalidIdNumber => "身份证号无效",
            ErrorCode::IdBirthdateMismatch => "出生日期与身份证号不一致",
            ErrorCode::MissingBirthDate => "无身份证号且未填出生日期",
            ErrorCode::BadBirthDate => "出生日期无效或晚于评估日期",
            ErrorCode::DuplicateMember => "同一身份证号在本户重复出现",
            ErrorCode::NegativeAmount => "金额为负数",
            ErrorCode::BadAmount => "金额缺失或格式不正确",
            ErrorCode::UnknownIncomeKind => "未知的收入类型",
            ErrorCode::UnknownExpenseKind => "未知的支出类型",
            ErrorCode::BadHukou => "户籍类型应为农村或城镇",
            ErrorCode::BadField => "字段取值不正确",
            ErrorCode::NoMembers => "没有共同生活的家庭成员",
        }
    }
}

/// One problem in one household's data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct DataError {
    /// The spec's error code.
    pub code: ErrorCode,
    /// Index of the member concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<usize>,
    /// The field concerned, for `BAD_FIELD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl DataError {
    fn new(code: ErrorCode, member: Option<usize>) -> Self {
        DataError {
            code,
            member,
            field: None,
        }
    }

    fn field(member: Option<usize>, field: &'static str) -> Self {
        DataError {
            code: ErrorCode::BadField,
            member,
            field: Some(field),
        }
    }

    /// A Chinese sentence naming the place and the problem.
    pub fn describe(&self, household: &str) -> String {
        let mut place = format!("户 {household}");
        if let Some(m) = self.member {
            place.push_str(&format!(" 第{}名成员", m + 1));
        }
        if let Some(f) = self.field {
            place.push_str(&format!(" 字段 {f}"));
        }
        format!(
            "{place}：{}（{}）",
            self.code.zh(),
            serde_json::to_value(self.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        )
    }
}

/// A household file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not valid JSON.
    #[error("不是有效的 JSON：{0}")]
    Json(#[from] serde_json::Error),
    /// Wrong or missing `format`.
    #[error("format 应为 \"{FORMAT}\" 或 \"{FORMAT_V2}\"，实际为 {0}")]
    Format(String),
    /// The structure is wrong at a place.
    #[error("{place}：{problem}")]
    Structure {
        /// Where, as a JSON path (`households[3].id`).
        place: String,
        /// What is wrong.
        problem: String,
    },
}

/// One household as read: its data (defaults where the data was bad) and its errors.
#[derive(Debug, Clone)]
pub struct ParsedHousehold {
    /// The household with defaults substituted where the data was bad.
    pub household: Household,
    /// What was wrong; empty when the household is valid.
    pub errors: Vec<DataError>,
    /// What was wrong in fields only v2 reads (supporters' figures,
    /// `last_visit`, the 临时救助 register, a 特困 enrollment): a v1 policy
    /// ignores those fields, and so these errors.
    pub v2_errors: Vec<DataError>,
}

impl ParsedHousehold {
    /// The errors that count under a policy of `v2` or not.
    pub fn errors_for(&self, v2: bool) -> impl Iterator<Item = &DataError> {
        self.errors
            .iter()
            .chain(self.v2_errors.iter().filter(move |_| v2))
    }
}

/// Reads a `bangfu.household.v1` document.
///
/// Households are read one at a time from the text, so memory stays
/// proportional to the typed result, not to a JSON tree of the whole file.
pub fn parse_file(text: &str) -> Result<Vec<ParsedHousehold>, FileError> {
    use serde::de::DeserializeSeed;
    let failure = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let read = DocumentSeed { failure: &failure }
        .deserialize(&mut de)
        .and_then(|doc| de.end().map(|()| doc));
    match (read, failure.into_inner()) {
        (_, Some(file_error)) => Err(file_error),
        (Err(e), None) => Err(FileError::Json(e)),
        (Ok((format, households)), None) => {
            match format.as_deref() {
                Some(FORMAT | FORMAT_V2) => {}
                other => {
                    return Err(FileError::Format(
                        other.map_or("（缺失）".into(), |s| format!("\"{s}\"")),
                    ))
                }
            }
            let households = households.ok_or_else(|| structure("households", "应为户的列表"))?;
            check_unique_ids(&households)?;
            Ok(households)
        }
    }
}

/// Reads an already-parsed `bangfu.household.v1` document.
pub fn parse_document(doc: &Value) -> Result<Vec<ParsedHousehold>, FileError> {
    let obj = doc
        .as_object()
        .ok_or_else(|| structure("$", "文件顶层应为 JSON 对象"))?;
    match obj.get("format").and_then(Value::as_str) {
        Some(FORMAT | FORMAT_V2) => {}
        other => {
            return Err(FileError::Format(
                other.map_or("（缺失）".into(), |s| format!("\"{s}\"")),
            ))
        }
    }
    let list = obj
        .get("households")
        .and_then(Value::as_array)
        .ok_or_else(|| structure("households", "应为户的列表"))?;
    let households = list
        .iter()
        .enumerate()
        .map(|(i, value)| parse_household(value, i))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique_ids(&households)?;
    Ok(households)
}

fn check_unique_ids(households: &[ParsedHousehold]) -> Result<(), FileError> {
    let mut seen = HashSet::with_capacity(households.len());
    for (i, p) in households.iter().enumerate() {
        if !seen.insert(p.household.id.as_str()) {
            return Err(structure(
                &format!("households[{i}].id"),
                &format!("户编号 {} 在文件中重复", p.household.id),
            ));
        }
    }
    Ok(())
}

/// Streams the top-level object: `format`, and `households` one by one.
struct DocumentSeed<'f> {
    failure: &'f std::cell::RefCell<Option<FileError>>,
}

type Document = (Option<String>, Option<Vec<ParsedHousehold>>);

impl<'de> serde::de::DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = Document;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DocumentSeed<'_> {
    type Value = Document;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("文件顶层应为 JSON 对象")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let (mut format, mut households) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "format" => format = map.next_value::<Value>()?.as_str().map(str::to_owned),
                "households" => {
                    households = Some(map.next_value_seed(HouseholdsSeed {
                        failure: self.failure,
                    })?)
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok((format, households))
    }
}

struct HouseholdsSeed<'f> {
    failure: &'f std::cell::RefCell<Option<FileError>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for HouseholdsSeed<'_> {
    type Value = Vec<ParsedHousehold>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for HouseholdsSeed<'_> {
    type Value = Vec<ParsedHousehold>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("households 应为户的列表")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(value) = seq.next_element::<Value>()? {
            match parse_household(&value, out.len()) {
                Ok(p) => out.push(p),
                Err(e) => {
                    let message = e.to_string();
                    *self.failure.borrow_mut() = Some(e);
                    return Err(serde::de::Error::custom(message));
                }
            }
        }
        Ok(out)
    }
}

fn structure(place: &str, problem: &str) -> FileError {
    FileError::Structure {
        place: place.to_owned(),
        problem: problem.to_owned(),
    }
}

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

impl ParsedHousehold {
    /// Problems that keep this household out of the store on `today`, as
    /// Chinese sentences naming the household and member: the data errors,
    /// and birth dates after today.
    pub fn problems(&self, today: chrono::NaiveDate) -> Vec<String> {
        let mut out: Vec<String> = self
            .errors_for(true)
            .map(|e| e.describe(&self.household.id))
            .collect();
        if self.household.last_visit.is_some_and(|d| d > today) {
            out.push(format!(
                "户 {} 字段 last_visit：最近走访日期晚于今天",
                self.household.id
            ));
        }
        for (i, m) in self.household.members.iter().enumerate() {
            if m.born().is_some_and(|b| b > today) {
                out.push(format!(
                    "户 {} 第{}名成员：出生日期晚于今天",
                    self.household.id,
                    i + 1
                ));
            }
        }
        for (member, field, problem) in crate::limits::household_text_problems(&self.household) {
            let who = member.map_or(String::new(), |m| format!(" 第{}名成员", m + 1));
            out.push(format!(
                "户 {}{who} 字段 {field}：{problem}",
                self.household.id.escape_default()
            ));
        }
        out
    }
}
