//! The county's household roster (花名册) as Excel saves it: CSV in UTF-8
//! (with or without BOM) or GBK, Chinese headers, one row per person.
//!
//! Rows are grouped into households by 户编号 and checked with the same rules
//! as `household.v1` data. A file imports whole or not at all: every problem
//! is reported with its row number, column and reason.
//!
//! The table of legal supporters (法定义务人表), a second CSV in the same
//! encodings, is read by [`supporters`].

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::household_json::{parse_household, ErrorCode};
use crate::model::{Household, Hukou, IncomeKind};

mod member;
pub mod supporters;
use member::{income_kind_for_header, member_json};
pub use supporters::{parse_supporters, SupporterTable};

/// Text encoding of a roster file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Detect: UTF-8 (BOM or not) when it decodes, else GBK.
    Auto,
    /// UTF-8.
    Utf8,
    /// GBK (read as its superset GB18030).
    Gbk,
}

/// One problem in a roster file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterError {
    /// Line number in the file (the header is line 1); 0 for the file as a whole.
    pub line: u64,
    /// Column header, when one column is at fault.
    pub column: Option<String>,
    /// What is wrong, in Chinese.
    pub reason: String,
}

impl std::fmt::Display for RosterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, &self.column) {
            (0, _) => write!(f, "{}", self.reason),
            (l, Some(c)) => write!(f, "第{l}行，“{c}”列：{}", self.reason),
            (l, None) => write!(f, "第{l}行：{}", self.reason),
        }
    }
}

/// The documented columns. Required ones must be present in the header.
pub const COLUMNS: &[(&str, bool, &str)] = &[
    (
        "户编号",
        true,
        "household file number, e.g. TXZ-001; rows with the same number form one household",
    ),
    ("村/社区", true, "village or community"),
    ("组", false, "village group"),
    ("住址", false, "address"),
    ("联系电话", false, "telephone"),
    ("户籍类型", true, "农村 or 城镇"),
    (
        "户主姓名",
        false,
        "checked against the row whose relation is 户主",
    ),
    ("姓名", true, "member name"),
    (
        "身份证号",
        true,
        "18-digit ID number (may be empty for a person without one, then 出生日期 is needed)",
    ),
    ("出生日期", false, "YYYY-MM-DD"),
    (
        "与户主关系",
        true,
        "户主/本人, 配偶, 子女 (儿子, 女儿), 父母 (父亲, 母亲), 孙子女, 兄弟姐妹, 儿媳, 女婿, 其他",
    ),
    ("是否共同生活", false, "是/否 (default 是)"),
    (
        "残疾类别",
        false,
        "肢体, 视力, 听力, 言语, 智力, 精神, 多重",
    ),
    ("残疾等级", false, "1-4 or 一级..四级"),
    ("残疾证号", false, "disability certificate number"),
    ("是否重病", false, "是/否"),
    ("劳动能力", false, "完全/有, 部分, 无/丧失"),
    ("自理能力", false, "完全自理, 半失能/部分, 完全失能/无"),
];

/// The rows of one household while reading.
struct Group {
    /// Line of the household's first row.
    first_line: u64,
    /// The household as `household.v1` JSON.
    json: Map<String, Value>,
    /// Line of each member's row, by member index.
    lines: Vec<u64>,
    /// 户主姓名 as given, to check against the head's row.
    head_name: Option<String>,
}

/// Decodes roster bytes to text.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<String, RosterError> {
    let whole = |reason: &str| RosterError {
        line: 0,
        column: None,
        reason: reason.to_owned(),
    };
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes);
    match encoding {
        Encoding::Utf8 => {
            String::from_utf8(bytes.to_vec()).map_err(|_| whole("文件不是有效的 UTF-8 编码"))
        }
        Encoding::Gbk => decode_gbk(bytes).ok_or_else(|| whole("文件不是有效的 GBK 编码")),
        Encoding::Auto => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => decode_gbk(bytes).ok_or_else(|| {
                whole("无法识别文件编码（既不是 UTF-8 也不是 GBK），请另存为“CSV UTF-8”后重试")
            }),
        },
    }
}

fn decode_gbk(bytes: &[u8]) -> Option<String> {
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Reads a roster into households, each merged over `existing` when it has the
/// same code; new households get `default_region` as their 行政区划代码.
///
/// Returns every problem found (not just the first) when any.
pub fn parse_roster(
    text: &str,
    default_region: &str,
    existing: &dyn Fn(&str) -> Option<Household>,
) -> Result<Vec<Household>, Vec<RosterError>> {
    if text.trim().is_empty() {
        return Err(whole("文件为空：没有表头也没有数据".into()));
    }
    // Counted before anything is parsed: every row takes at least a line.
    if text.lines().count() > crate::limits::MAX_ROSTER_ROWS + 1 {
        return Err(whole(format!(
            "花名册超过 {} 行，请按村分成几个文件导入",
            crate::limits::MAX_ROSTER_ROWS
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = Header::read(&mut reader)?;
    let mut rows = Rows::default();
    let mut lines = LineCounter {
        text: text.as_bytes(),
        byte: 0,
        line: 1,
    };
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                rows.add(&record, line, &header);
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                rows.errors.push(RosterError {
                    line,
                    column: None,
                    reason: format!("无法读取：{e}"),
                });
            }
        }
    }
    let Rows {
        mut groups,
        order,
        mut errors,
    } = rows;
    if groups.is_empty() && errors.is_empty() {
        return Err(whole("文件只有表头，没有数据行".into()));
    }
    let today = chrono::Local::now().date_naive();
    let mut households = Vec::new();
    for code in order {
        let Some(group) = groups.remove(&code) else {
            continue;
        };
        let base = existing(&code);
        if let Some(h) = household_of(group, base, default_region, today, &mut errors) {
            households.push(h);
        }
    }
    if errors.is_empty() {
        Ok(households)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// A problem with the whole file.
fn whole(reason: String) -> Vec<RosterError> {
    vec![RosterError {
        line: 0,
        column: None,
        reason,
    }]
}

/// The roster's header row.
struct Header {
    /// Column names, trimmed.
    names: Vec<String>,
    /// The income columns and their kinds.
    incomes: Vec<(usize, IncomeKind)>,
}

/// The header's column names, trimmed; every required column of `columns`
/// (name, required, description) must be there.
fn header_names(
    reader: &mut csv::Reader<&[u8]>,
    columns: &[(&str, bool, &str)],
) -> Result<Vec<String>, Vec<RosterError>> {
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| whole(format!("无法读取表头：{e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let missing: Vec<&str> = columns
        .iter()
        .filter(|(name, required, _)| *required && !names.iter().any(|h| h == name))
        .map(|(name, _, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(whole(format!("表头缺少必需的列：{}", missing.join("、"))));
    }
    Ok(names)
}

impl Header {
    /// Reads the header; every required column must be there.
    fn read(reader: &mut csv::Reader<&[u8]>) -> Result<Header, Vec<RosterError>> {
        let names = header_names(reader, COLUMNS)?;
        let incomes = names
            .iter()
            .enumerate()
            .filter_map(|(i, h)| income_kind_for_header(h).map(|k| (i, k)))
            .collect();
        Ok(Header { names, incomes })
    }
}

/// The rows read so far, grouped by household in the order they first appear.
#[derive(Default)]
struct Rows {
    groups: BTreeMap<String, Group>,
    order: Vec<String>,
    errors: Vec<RosterError>,
}

impl Rows {
    /// Adds the row at `line` (one member) to its household.
    fn add(&mut self, record: &csv::StringRecord, line: u64, header: &Header) {
        let headers = &header.names;
        if record.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        if record.len() != headers.len() {
            self.errors.push(RosterError {
                line,
                column: None,
                reason: format!(
                    "本行有{}列，表头有{}列（可能少了或多了逗号）",
                    record.len(),
                    headers.len()
                ),
            });
            return;
        }
        let cell = |name: &str| -> &str {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map_or("", str::trim)
        };
        let errors = &mut self.errors;
        let mut err = |column: &str, reason: String| {
            errors.push(RosterError {
                line,
                column: Some(column.to_owned()),
                reason,
            });
        };
        let code = cell("户编号").to_owned();
        if code.is_empty() {
            err("户编号", "不能为空".into());
            return;
        }
        let hukou = Hukou::from_code_or_zh(cell("户籍类型")).or(match cell("户籍类型") {
            "农业" | "农业户口" | "农村户口" => Some(Hukou::Rural),
            "非农业" | "非农业户口" | "城市" | "城镇户口" | "居民" => {
                Some(Hukou::Urban)
            }
            _ => None,
        });
        if hukou.is_none() {
            err("户籍类型", format!("“{}”不是农村或城镇", cell("户籍类型")));
        }
        let village = cell("村/社区");
        if village.is_empty() {
            err("村/社区", "不能为空".into());
        }
        let member = member_json(record, headers, &header.incomes, line, &mut self.errors);
        let order = &mut self.order;
        let entry = self.groups.entry(code.clone()).or_insert_with(|| {
            order.push(code.clone());
            let mut h = Map::new();
            h.insert("id".into(), json!(code));
            h.insert("village".into(), json!(village));
            h.insert("hukou".into(), json!(hukou.map_or("", Hukou::code)));
            for (key, column) in [("group", "组"), ("address", "住址"), ("phone", "联系电话")]
            {
                if !cell(column).is_empty() {
                    h.insert(key.into(), json!(cell(column)));
                }
            }
            h.insert("members".into(), json!([]));
            Group {
                first_line: line,
                json: h,
                lines: Vec::new(),
                head_name: None,
            }
        });
        for (key, column, value) in [
            ("village", "村/社区", village),
            ("hukou", "户籍类型", hukou.map_or("", Hukou::code)),
        ] {
            if entry.json.get(key).and_then(Value::as_str) != Some(value) {
                self.errors.push(RosterError {
                    line,
                    column: Some(column.into()),
                    reason: format!("与同户第{}行不一致", entry.first_line),
                });
            }
        }
        if !cell("户主姓名").is_empty() {
            entry.head_name = Some(cell("户主姓名").to_owned());
        }
        if let Some(Value::Array(list)) = entry.json.get_mut("members") {
            list.push(member);
        }
        entry.lines.push(line);
    }
}

/// One household from its rows, merged over `base` (the stored household
/// of the same code) and checked as a household file is; `None`, with the
/// problems in `errors` naming their rows, when it is not good.
fn household_of(
    group: Group,
    base: Option<Household>,
    default_region: &str,
    today: chrono::NaiveDate,
    errors: &mut Vec<RosterError>,
) -> Option<Household> {
    let Group {
        first_line,
        json: mut obj,
        lines,
        head_name,
    } = group;
    if let Some(base) = &base {
        merge_existing(&mut obj, base);
    }
    obj.insert(
        "region_code".into(),
        json!(base
            .as_ref()
            .map_or(default_region, |b| b.region_code.as_str())),
    );
    let parsed = match parse_household(&Value::Object(obj), 0) {
        Ok(p) => p,
        Err(e) => {
            errors.push(RosterError {
                line: first_line,
                column: None,
                reason: e.to_string(),
            });
            return None;
        }
    };
    // Amounts were already reported with their column while reading the rows.
    for e in parsed
        .errors
        .iter()
        .filter(|e| !matches!(e.code, ErrorCode::BadAmount | ErrorCode::NegativeAmount))
    {
        let line = e
            .member
            .and_then(|m| lines.get(m))
            .copied()
            .unwrap_or(first_line);
        errors.push(RosterError {
            line,
            column: column_for(e.code, e.field).map(str::to_owned),
            reason: e.code.zh().to_owned(),
        });
    }
    for (i, m) in parsed.household.members.iter().enumerate() {
        if m.born().is_some_and(|b| b > today) {
            errors.push(RosterError {
                line: lines[i],
                column: Some("出生日期".into()),
                reason: "出生日期晚于今天".into(),
            });
        }
    }
    for (member, field, problem) in crate::limits::household_text_problems(&parsed.household) {
        errors.push(RosterError {
            line: member
                .and_then(|m| lines.get(m))
                .copied()
                .unwrap_or(first_line),
            column: Some(roster_column(field).to_owned()),
            reason: problem,
        });
    }
    if let Some(name) = head_name {
        let heads: Vec<&str> = parsed
            .household
            .members
            .iter()
            .filter(|m| m.is_head())
            .map(|m| m.name.as_str())
            .collect();
        if !heads.is_empty() && !heads.contains(&name.as_str()) {
            errors.push(RosterError {
                line: first_line,
                column: Some("户主姓名".into()),
                reason: format!(
                    "户主姓名“{name}”与关系为户主的成员“{}”不一致",
                    heads.join("、")
                ),
            });
        }
    }
    Some(parsed.household)
}

/// Finds the line a record starts on. The csv reader's position may sit before
/// the `\n` of a CRLF ending or before skipped blank lines, so lines are
/// counted here, moving forward from the previous record.
struct LineCounter<'t> {
    text: &'t [u8],
    byte: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: u64) -> u64 {
        let target = (byte as usize).min(self.text.len());
        if target < self.byte {
            // Not expected (records come in order); count afresh.
            self.byte = 0;
            self.line = 1;
        }
        self.line += self.text[self.byte..target]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.byte = target;
        let mut start = target;
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line
            + self.text[target..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
    }
}

fn column_for(code: ErrorCode, field: Option<&str>) -> Option<&'static str> {
    Some(match code {
        ErrorCode::InvalidIdNumber | ErrorCode::DuplicateMember => "身份证号",
        ErrorCode::IdBirthdateMismatch | ErrorCode::MissingBirthDate | ErrorCode::BadBirthDate => {
            "出生日期"
        }
        ErrorCode::BadHukou => "户籍类型",
        ErrorCode::NoMembers => "是否共同生活",
        ErrorCode::BadField => match field {
            Some("work_capacity") => "劳动能力",
            Some("self_care") => "自理能力",
            Some("disability") => "残疾等级",
            _ => return None,
        },
        _ => return None,
    })
}

/// The roster's column for a field of the household file.
fn roster_column(field: &str) -> &str {
    match field {
        "id" => "户编号",
        "village" => "村/社区",
        "group" => "组",
        "address" => "住址",
        "phone" => "联系电话",
        "name" => "姓名",
        "relation" => "与户主关系",
        "id_number" => "身份证号",
        "disability.certificate" => "残疾证号",
        other => other,
    }
}

/// Keeps what the roster does not carry (incomes, assets, enrollment…) from the stored household.
fn merge_existing(obj: &mut Map<String, Value>, base: &Household) {
    let stored = crate::household_json::household_to_json(base);
    for key in [
        "expenses",
        "assets",
        "enrollment",
        "temp_aid",
        "hardship_causes",
        "cadre_relative",
        "address",
        "phone",
        "group",
    ] {
        if let (Some(v), false) = (stored.get(key), obj.contains_key(key)) {
            obj.insert(key.into(), v.clone());
        }
    }
    let Some(Value::Array(members)) = obj.get_mut("members") else {
        return;
    };
    for m in members.iter_mut() {
        let id = m
            .get("id_number")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let old = stored["members"].as_array().and_then(|list| {
            list.iter().find(|o| {
                id.is_some() && o.get("id_number").and_then(Value::as_str) == id.as_deref()
            })
        });
        if let (Some(old), Some(m)) = (old, m.as_object_mut()) {
            for key in [
                "incomes",
                "supporters",
                "tags",
                "health_note",
                "birth_date",
                "cohabiting",
                "serious_illness",
                "disability",
                "work_capacity",
                "self_care",
            ] {
                if let (Some(v), false) = (old.get(key), m.contains_key(key)) {
                    m.insert(key.into(), v.clone());
                }
            }
        }
    }
}
