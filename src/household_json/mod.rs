//! `bangfu.household.v1` and `.v2`: reading untrusted household JSON
//! ([`read`](self::parse_household)) and writing it back ([`to_document`]).
//!
//! Reading never stops at bad data inside a household: each household comes
//! back with a best-effort [`Household`](crate::model::Household) and the
//! list of [`DataError`]s found in it, so the engine can report it `invalid`
//! and go on with the others. Only damage to the file itself (not JSON,
//! wrong `format`, a household without an `id`, an `id` used twice) is a
//! [`FileError`].

mod read;
mod write;

use std::collections::HashSet;

use serde_json::Value;

use crate::model::Household;

pub use read::parse_household;
pub use write::{household_to_json, needs_v2, to_document};

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

/// A [`FileError`] at `place` (a JSON path such as `households[3].id`).
fn structure(place: &str, problem: &str) -> FileError {
    FileError::Structure {
        place: place.to_owned(),
        problem: problem.to_owned(),
    }
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
