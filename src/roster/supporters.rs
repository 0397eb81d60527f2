//! The county's table of legal supporters (法定义务人表): CSV as Excel saves
//! it (UTF-8, with or without BOM, or GBK; see [`super::decode`]), one row
//! per supporter of a household member, with the supporter's own family
//! figures that rules v2 §1 reads.
//!
//! Members are found among households already held (by 户编号, then by
//! 18-digit ID number or by name). Every cell is checked as `household.v2`
//! checks a supporter. A file is taken whole or not at all: every problem is
//! reported with its line, column and reason. A member the file lists gets
//! exactly the supporters listed for it; the other members keep theirs.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{whole, LineCounter, RosterError};
use crate::limits::{text_problem, TextKind, MAX_ROSTER_ROWS};
use crate::model::{Household, Supporter};

/// The documented columns: name, required in the header, meaning.
pub const COLUMNS: &[(&str, bool, &str)] = &[
    (
        "户编号",
        true,
        "household file number of a household already held",
    ),
    (
        "成员姓名或身份证号",
        true,
        "the member supported: its 18-digit ID number, or its name when no other member of the household has it",
    ),
    ("义务人姓名", true, "the supporter's name"),
    ("关系", true, "the supporter's relation to the member (儿子, 女儿…)"),
    ("年龄", true, "integer 0–150, may be empty"),
    (
        "家庭人口",
        true,
        "people in the supporter's own family, integer ≥ 1, may be empty",
    ),
    (
        "家庭年收入",
        true,
        "the supporter's family's income over 12 months, yuan, may be empty",
    ),
    (
        "家庭金融资产",
        true,
        "the supporter's family's financial assets, yuan, may be empty (= 0)",
    ),
    (
        "是否有赡养能力",
        false,
        "有 or 无: the caseworker's judgement; empty: the figures decide",
    ),
    ("认定理由", false, "why the judgement was made"),
];

/// The supporters the file gives one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSupporters {
    /// The household's 户编号.
    pub household: String,
    /// The member's index in the household's `members`.
    pub member: usize,
    /// Line of the member's first row.
    pub line: u64,
    /// The supporters, in file order.
    pub supporters: Vec<Supporter>,
}

/// A 法定义务人表 read and checked against the households held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupporterTable {
    /// Each member listed, in the order first listed.
    pub members: Vec<MemberSupporters>,
}

impl SupporterTable {
    /// How many households the file names.
    pub fn household_count(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.household.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len()
    }

    /// How many supporters the file lists.
    pub fn supporter_count(&self) -> usize {
        self.members.iter().map(|m| m.supporters.len()).sum()
    }

    /// The households the file names, from `households`, each listed
    /// member's supporters replaced by those of the file; in the order the
    /// file first names them. Households the file does not name are left out.
    pub fn apply(&self, households: &[Household]) -> Vec<Household> {
        let held: HashMap<&str, &Household> =
            households.iter().map(|h| (h.id.as_str(), h)).collect();
        let mut out: Vec<Household> = Vec::new();
        let mut placed: HashMap<&str, usize> = HashMap::new();
        for entry in &self.members {
            let at = match placed.get(entry.household.as_str()) {
                Some(&i) => i,
                None => match held.get(entry.household.as_str()) {
                    Some(h) => {
                        out.push((*h).clone());
                        placed.insert(&entry.household, out.len() - 1);
                        out.len() - 1
                    }
                    None => continue,
                },
            };
            if let Some(m) = out[at].members.get_mut(entry.member) {
                m.supporters = Some(entry.supporters.clone());
            }
        }
        out
    }
}

/// Reads a 法定义务人表 (already decoded) against `households`.
///
/// Returns every problem found (not just the first) when any, sorted by line.
pub fn parse_supporters(
    text: &str,
    households: &[Household],
) -> Result<SupporterTable, Vec<RosterError>> {
    if text.trim().is_empty() {
        return Err(whole("文件为空：没有表头也没有数据".into()));
    }
    if text.lines().count() > MAX_ROSTER_ROWS + 1 {
        return Err(whole(format!(
            "法定义务人表超过 {MAX_ROSTER_ROWS} 行，请按村分成几个文件导入"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let names = super::header_names(&mut reader, COLUMNS)?;
    let mut rows = Rows {
        names,
        households: households.iter().map(|h| (h.id.as_str(), h)).collect(),
        table: SupporterTable::default(),
        index: HashMap::new(),
        supporter_lines: HashMap::new(),
        errors: Vec::new(),
        any: false,
    };
    let mut lines = LineCounter {
        text: text.as_bytes(),
        byte: 0,
        line: 1,
    };
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                rows.add(&record, line);
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
        table,
        mut errors,
        any,
        ..
    } = rows;
    if !any && errors.is_empty() {
        return Err(whole("文件只有表头，没有数据行".into()));
    }
    if errors.is_empty() {
        Ok(table)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// The rows read so far.
struct Rows<'h> {
    /// The header's column names, trimmed.
    names: Vec<String>,
    /// The households held, by 户编号.
    households: HashMap<&'h str, &'h Household>,
    table: SupporterTable,
    /// Where each (户编号, member index) is in `table.members`.
    index: HashMap<(String, usize), usize>,
    /// The line of each supporter's row, by (户编号, member index, supporter name).
    supporter_lines: HashMap<(String, usize, String), u64>,
    errors: Vec<RosterError>,
    /// Whether any row had data.
    any: bool,
}

impl Rows<'_> {
    /// Reads the row at `line`: one supporter of one member.
    fn add(&mut self, record: &csv::StringRecord, line: u64) {
        if record.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        self.any = true;
        if record.len() != self.names.len() {
            self.errors.push(RosterError {
                line,
                column: None,
                reason: format!(
                    "本行有{}列，表头有{}列（可能少了或多了逗号）",
                    record.len(),
                    self.names.len()
                ),
            });
            return;
        }
        let names = &self.names;
        let has = |name: &str| names.iter().any(|h| h == name);
        let cell = |name: &str| -> &str {
            names
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map_or("", str::trim)
        };
        let before = self.errors.len();
        let errors = &mut self.errors;
        let mut err = |column: &str, reason: String| {
            errors.push(RosterError {
                line,
                column: Some(column.to_owned()),
                reason,
            });
        };

        // Whose supporter.
        let code = cell("户编号");
        let household = if code.is_empty() {
            err("户编号", "不能为空".into());
            None
        } else {
            let found = self.households.get(code).copied();
            if found.is_none() {
                err(
                    "户编号",
                    format!(
                        "没有户编号为“{}”的户（请先导入花名册或户数据）",
                        shown(code)
                    ),
                );
            }
            found
        };
        let who = cell("成员姓名或身份证号");
        let member = if who.is_empty() {
            err("成员姓名或身份证号", "不能为空".into());
            None
        } else {
            household.and_then(|h| match find_member(h, who) {
                Ok(i) => Some(i),
                Err(reason) => {
                    err("成员姓名或身份证号", reason);
                    None
                }
            })
        };

        // The supporter.
        let mut text = |column: &str, kind: TextKind, required: bool| -> Option<String> {
            let value = cell(column);
            if value.is_empty() {
                if required {
                    err(column, "不能为空".into());
                }
                return None;
            }
            if let Some(problem) = text_problem(value, kind) {
                err(column, problem);
                return None;
            }
            Some(value.to_owned())
        };
        let name = text("义务人姓名", TextKind::Short, true);
        let relation = text("关系", TextKind::Short, true);
        let judgement_note = if has("认定理由") {
            text("认定理由", TextKind::Note, false)
        } else {
            None
        };
        let age = integer(cell("年龄"), 0, 150).unwrap_or_else(|()| {
            err("年龄", format!("“{}”应为0至150的整数", shown(cell("年龄"))));
            None
        });
        let family_size = integer(cell("家庭人口"), 1, u64::from(u32::MAX)).unwrap_or_else(|()| {
            err(
                "家庭人口",
                format!("“{}”应为不小于1的整数", shown(cell("家庭人口"))),
            );
            None
        });
        let mut amount = |column: &str| -> Option<Decimal> {
            let value = cell(column);
            if value.is_empty() {
                return None;
            }
            crate::money::parse_amount(value)
                .map_err(|e| err(column, format!("“{}”：{e}", shown(value))))
                .ok()
        };
        let family_annual_income = amount("家庭年收入");
        let family_financial_assets = amount("家庭金融资产");
        let capable = match cell("是否有赡养能力") {
            "" => None,
            "有" | "是" => Some(true),
            "无" | "否" => Some(false),
            other => {
                err(
                    "是否有赡养能力",
                    format!("“{}”应为有、无或空（空：按家庭收入认定）", shown(other)),
                );
                None
            }
        };

        let (Some(code), Some(member), Some(name), Some(relation)) =
            (household.map(|h| h.id.clone()), member, name, relation)
        else {
            return;
        };
        if self.errors.len() > before {
            return;
        }
        let key = (code.clone(), member, name.clone());
        if let Some(first) = self.supporter_lines.get(&key) {
            self.errors.push(RosterError {
                line,
                column: Some("义务人姓名".into()),
                reason: format!("与第{first}行重复：同一成员的义务人“{name}”列了两次"),
            });
            return;
        }
        self.supporter_lines.insert(key, line);
        let supporter = Supporter {
            name,
            relation,
            capable,
            judgement_note,
            age,
            family_size,
            family_annual_income,
            family_financial_assets,
        };
        let table = &mut self.table;
        let at = *self.index.entry((code.clone(), member)).or_insert_with(|| {
            table.members.push(MemberSupporters {
                household: code,
                member,
                line,
                supporters: Vec::new(),
            });
            table.members.len() - 1
        });
        table.members[at].supporters.push(supporter);
    }
}

/// The member of `h` that `who` names: an 18-character ID number, or a
/// name only one member has. The error is a Chinese sentence.
fn find_member(h: &Household, who: &str) -> Result<usize, String> {
    if looks_like_id_number(who) {
        let id = who.to_uppercase();
        return h
            .members
            .iter()
            .position(|m| m.id_number.as_deref().map(str::to_uppercase) == Some(id.clone()))
            .ok_or_else(|| {
                format!(
                    "户“{}”中没有身份证号为 {} 的成员",
                    h.id,
                    crate::id_number::mask_id_number(&id)
                )
            });
    }
    let found: Vec<usize> = h
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.name == who)
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [i] => Ok(*i),
        [] => Err(format!("户“{}”中没有名为“{}”的成员", h.id, shown(who))),
        _ => Err(format!(
            "户“{}”中有{}名成员叫“{}”，请改填该成员的身份证号",
            h.id,
            found.len(),
            shown(who)
        )),
    }
}

/// Whether `text` has the shape of an 18-digit ID number (17 digits and a
/// digit or X).
fn looks_like_id_number(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
}

/// An integer cell: `Ok(None)` when empty, `Err(())` when not an integer
/// from `min` to `max`.
fn integer(text: &str, min: u64, max: u64) -> Result<Option<u32>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    text.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or(())
}

/// A cell as quoted in a message: at most 30 characters, with control and
/// direction-changing characters written as `\u{…}` so that the message
/// cannot be disguised on a terminal.
fn shown(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(30)
        .map(|c| {
            if text_problem(c.encode_utf8(&mut [0; 4]), TextKind::Short).is_some() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if text.chars().count() > 30 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::household_json::parse_household;
    use rust_decimal::Decimal;
    use serde_json::json;

    const HEADER: &str =
        "户编号,成员姓名或身份证号,义务人姓名,关系,年龄,家庭人口,家庭年收入,家庭金融资产";

    fn households() -> Vec<Household> {
        let one = json!({
            "id": "R-001", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
            "members": [
                {"name": "程老汉", "id_number": "34102419400101001X", "relation": "self",
                 "supporters": [{"name": "旧义务人", "relation": "儿子"}]},
                {"name": "王秀兰", "id_number": "341024194202020026", "relation": "spouse"},
            ],
        });
        let two = json!({
            "id": "R-002", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
            "members": [
                {"name": "李明", "id_number": "341024195003030015", "relation": "self"},
                {"name": "李明", "id_number": "341024198004040036", "relation": "child"},
            ],
        });
        [one, two]
            .iter()
            .map(|v| parse_household(v, 0).expect("household").household)
            .collect()
    }

    fn file(rows: &[&str]) -> String {
        let mut s = String::from(HEADER);
        for r in rows {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        s
    }

    fn errors(rows: &[&str]) -> Vec<RosterError> {
        parse_supporters(&file(rows), &households()).expect_err("should be refused")
    }

    /// Each error's line and column.
    fn places(errors: &[RosterError]) -> Vec<(u64, &str)> {
        errors
            .iter()
            .map(|e| (e.line, e.column.as_deref().unwrap_or("")))
            .collect()
    }

    #[test]
    fn reads_supporters_by_name_and_id_number_with_figures() {
        let t = parse_supporters(
            &file(&[
                "R-001,程老汉,程大军,儿子,58,3,12000,5000.50",
                "R-001,34102419400101001x,程二军,儿子,,,,",
                "R-002,341024195003030015,李小红,女儿,45,4,96000.00,",
            ]),
            &households(),
        )
        .expect("valid file");
        assert_eq!(t.members.len(), 2);
        assert_eq!((t.household_count(), t.supporter_count()), (2, 3));
        let first = &t.members[0];
        assert_eq!(
            (first.household.as_str(), first.member, first.line),
            ("R-001", 0, 2)
        );
        let s = &first.supporters[0];
        assert_eq!((s.name.as_str(), s.relation.as_str()), ("程大军", "儿子"));
        assert_eq!((s.age, s.family_size), (Some(58), Some(3)));
        assert_eq!(s.family_annual_income, Some(Decimal::new(12000, 0)));
        assert_eq!(s.family_financial_assets, Some(Decimal::new(500050, 2)));
        assert_eq!(s.capable, None);
        let bare = &first.supporters[1];
        assert_eq!(bare.name, "程二军");
        assert!(bare.age.is_none() && !bare.has_figures());
        assert_eq!(t.members[1].member, 0, "the ID number picks the father");
    }

    #[test]
    fn listed_members_get_exactly_the_listed_supporters_others_keep_theirs() {
        let held = households();
        let t = parse_supporters(&file(&["R-001,王秀兰,王大哥,兄弟,70,2,8000,"]), &held)
            .expect("valid");
        let changed = t.apply(&held);
        assert_eq!(changed.len(), 1, "R-002 is not named");
        let h = &changed[0];
        assert_eq!(h.id, "R-001");
        let kept = h.members[0].supporters.as_ref().expect("kept");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].name, "旧义务人");
        let new = h.members[1].supporters.as_ref().expect("set");
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].name, "王大哥");

        // Listing 程老汉 replaces the supporter he had.
        let t = parse_supporters(&file(&["R-001,程老汉,程大军,儿子,58,3,12000,"]), &held)
            .expect("valid");
        let h = &t.apply(&held)[0];
        let list = h.members[0].supporters.as_ref().expect("set");
        assert_eq!(
            list.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["程大军"]
        );
    }

    #[test]
    fn judgement_columns_are_read_when_present() {
        let text = format!(
            "{HEADER},是否有赡养能力,认定理由\n\
             R-001,程老汉,程大军,儿子,58,3,12000,,无,\"本人重病，\n长期住院\"\n\
             R-001,程老汉,程二军,儿子,55,,,,有,\n\
             R-001,王秀兰,王大哥,兄弟,,,,,,\n"
        );
        let t = parse_supporters(&text, &households()).expect("valid");
        let old = &t.members[0].supporters;
        assert_eq!(old[0].capable, Some(false));
        assert_eq!(
            old[0].judgement_note.as_deref(),
            Some("本人重病，\n长期住院")
        );
        assert_eq!(old[1].capable, Some(true));
        assert_eq!(old[1].judgement_note, None);
        assert_eq!(t.members[1].supporters[0].capable, None);
        assert_eq!(t.members[1].line, 5, "a quoted line break counts as a line");

        let bad = format!("{HEADER},是否有赡养能力\nR-001,程老汉,程大军,儿子,58,3,12000,,不确定\n");
        let e = parse_supporters(&bad, &households()).expect_err("refused");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 2);
        assert_eq!(e[0].column.as_deref(), Some("是否有赡养能力"));
    }

    #[test]
    fn every_bad_cell_is_named_with_line_and_column() {
        let e = errors(&[
            "R-001,程老汉,程大军,儿子,151,0,\"12,000\",-5",
            "R-001,王秀兰,,,abc,2.5,1e3,1.234",
            "R-001,王秀兰,王大哥,兄弟,-1,3,8000,",
        ]);
        assert_eq!(
            places(&e),
            [
                (2, "年龄"),
                (2, "家庭人口"),
                (2, "家庭年收入"),
                (2, "家庭金融资产"),
                (3, "义务人姓名"),
                (3, "关系"),
                (3, "年龄"),
                (3, "家庭人口"),
                (3, "家庭年收入"),
                (3, "家庭金融资产"),
                (4, "年龄"),
            ]
        );
        assert!(e[3].reason.contains("负数"), "{}", e[3]);
        assert!(e[2].reason.contains("12,000"), "{}", e[2]);
        assert_eq!(
            e[1].to_string(),
            "第2行，“家庭人口”列：“0”应为不小于1的整数"
        );
        for ok in ["0", "150"] {
            let row = format!("R-001,程老汉,程大军,儿子,{ok},1,0,0");
            assert!(
                parse_supporters(&file(&[&row]), &households()).is_ok(),
                "{ok}"
            );
        }
    }

    #[test]
    fn unknown_households_and_members_and_ambiguous_names_are_errors() {
        let e = errors(&[
            "R-009,程老汉,程大军,儿子,58,3,12000,",
            "R-001,程小虎,程大军,儿子,58,3,12000,",
            "R-002,李明,李小红,女儿,45,4,96000,",
            "R-002,341024199901010011,李小红,女儿,45,4,96000,",
            ",,李小红,女儿,45,4,96000,",
        ]);
        assert_eq!(
            places(&e),
            [
                (2, "户编号"),
                (3, "成员姓名或身份证号"),
                (4, "成员姓名或身份证号"),
                (5, "成员姓名或身份证号"),
                (6, "户编号"),
                (6, "成员姓名或身份证号"),
            ]
        );
        assert!(e[0].reason.contains("R-009"), "{}", e[0]);
        assert!(e[1].reason.contains("程小虎"), "{}", e[1]);
        assert!(
            e[2].reason.contains("2名") && e[2].reason.contains("身份证号"),
            "{}",
            e[2]
        );
        assert!(
            e[3].reason.contains("341024********0011"),
            "the ID number is masked: {}",
            e[3]
        );
    }

    #[test]
    fn whole_file_problems() {
        let held = households();
        let e = parse_supporters("", &held).expect_err("empty");
        assert_eq!(e[0].line, 0);
        let e = parse_supporters(HEADER, &held).expect_err("header only");
        assert!(e[0].reason.contains("只有表头"), "{}", e[0]);
        let e = parse_supporters("户编号,义务人姓名\nR-001,张三\n", &held).expect_err("missing");
        assert!(
            e[0].reason.contains("成员姓名或身份证号") && e[0].reason.contains("家庭人口"),
            "{}",
            e[0]
        );
        let e = errors(&["R-001,程老汉,程大军,儿子,58,3"]);
        assert_eq!((e[0].line, e[0].column.as_deref()), (2, None));
        assert!(e[0].reason.contains("本行有6列"), "{}", e[0]);
    }

    #[test]
    fn texts_are_limited_and_duplicates_refused() {
        let long = "名".repeat(51);
        let row = format!("R-001,程老汉,{long},儿子,58,3,12000,");
        let e = errors(&[&row, "R-001,程老汉,程\u{202E}军,儿子,58,3,12000,"]);
        assert_eq!(e.len(), 2);
        assert!(e[0].reason.contains("太长"), "{}", e[0]);
        assert!(e[1].reason.contains("U+202E"), "{}", e[1]);

        let e = errors(&[
            "R-001,程老汉,程大军,儿子,58,3,12000,",
            "R-001,34102419400101001X,程大军,儿子,58,3,12000,",
        ]);
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].line, e[0].column.as_deref()), (3, Some("义务人姓名")));
        assert!(e[0].reason.contains("第2行"), "{}", e[0]);

        // A cell quoted in a message cannot carry a terminal escape.
        let e = errors(&["R-\u{1b}[2J,程老汉,程大军,儿子,58,3,12000,"]);
        assert!(!e[0].reason.contains('\u{1b}'), "{}", e[0]);
        assert!(e[0].reason.contains("\\u{1b}"), "{}", e[0]);
    }

    #[test]
    fn gbk_files_decode_through_the_roster_decoder() {
        let text = file(&["R-001,程老汉,程大军,儿子,58,3,12000,"]);
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        let decoded = super::super::decode(&bytes, super::super::Encoding::Auto).expect("GBK");
        let t = parse_supporters(&decoded, &households()).expect("valid");
        assert_eq!(t.members[0].supporters[0].name, "程大军");
    }
}
