//! One roster row as a member of `household.v1`: the cells a county's roster
//! carries for a person, with the spellings Excel users type (是/否, 一级,
//! 完全自理…), and each bad cell reported with its column.

use serde_json::{json, Map, Value};

use super::RosterError;
use crate::model::{Ability, DisabilityKind, IncomeKind};

/// The income kind an income column names (工资性收入, 年养老金（元）…).
pub(super) fn income_kind_for_header(header: &str) -> Option<IncomeKind> {
    let h = header
        .trim_start_matches("年")
        .trim_end_matches("（元）")
        .trim_end_matches("(元)");
    IncomeKind::from_code_or_zh(h).or(match h {
        "工资收入" | "工资" => Some(IncomeKind::Wage),
        "经营收入" | "种植养殖收入" => Some(IncomeKind::Business),
        "赡养费" | "抚养费" | "扶养费" => Some(IncomeKind::Alimony),
        _ => None,
    })
}

/// 是/否 as Excel users write it; an empty cell is `false`.
fn yes_no(text: &str) -> Option<bool> {
    match text {
        "是" | "Y" | "y" | "1" | "true" | "√" => Some(true),
        "否" | "N" | "n" | "0" | "false" | "" => Some(false),
        _ => None,
    }
}

/// The relation code for what the roster writes (户主, 妻, 孙女…).
fn relation_code(text: &str) -> &str {
    match text {
        "户主" | "本人" | "申请人" => "self",
        "配偶" | "妻" | "夫" | "妻子" | "丈夫" => "spouse",
        "子" | "女" | "子女" | "儿子" | "女儿" | "长子" | "长女" | "次子" | "次女" => {
            "child"
        }
        "父" | "母" | "父亲" | "母亲" | "父母" => "parent",
        "孙子" | "孙女" | "孙子女" | "外孙" | "外孙女" => "grandchild",
        "兄" | "弟" | "姐" | "妹" | "兄弟姐妹" => "sibling",
        "儿媳" | "女婿" => "child_in_law",
        "" => "",
        _ => "other",
    }
}

/// The member of one roster row, every bad cell reported to `errors` with
/// its line and column.
pub(super) fn member_json(
    record: &csv::StringRecord,
    headers: &[String],
    income_columns: &[(usize, IncomeKind)],
    line: u64,
    errors: &mut Vec<RosterError>,
) -> Value {
    let cell = |name: &str| -> &str {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .map_or("", str::trim)
    };
    let mut err = |column: &str, reason: String| {
        errors.push(RosterError {
            line,
            column: Some(column.into()),
            reason,
        })
    };
    let mut m = Map::new();
    if cell("姓名").is_empty() {
        err("姓名", "不能为空".into());
    }
    // A column the roster lacks leaves the stored value (or the default) alone.
    let has = |name: &str| headers.iter().any(|h| h == name);
    m.insert("name".into(), json!(cell("姓名")));
    let id = cell("身份证号").to_uppercase();
    m.insert(
        "id_number".into(),
        if id.is_empty() {
            Value::Null
        } else {
            json!(id)
        },
    );
    if !cell("出生日期").is_empty() {
        m.insert("birth_date".into(), json!(cell("出生日期")));
    }
    if cell("与户主关系").is_empty() {
        err("与户主关系", "不能为空".into());
    }
    m.insert("relation".into(), json!(relation_code(cell("与户主关系"))));
    match yes_no(cell("是否共同生活")) {
        _ if !has("是否共同生活") => {}
        Some(b) => {
            // An empty cell means the default: living together.
            m.insert(
                "cohabiting".into(),
                json!(b || cell("是否共同生活").is_empty()),
            );
        }
        None => err(
            "是否共同生活",
            format!("“{}”应为是或否", cell("是否共同生活")),
        ),
    }
    match yes_no(cell("是否重病")) {
        _ if !has("是否重病") => {}
        Some(b) => {
            m.insert("serious_illness".into(), json!(b));
        }
        None => err("是否重病", format!("“{}”应为是或否", cell("是否重病"))),
    }
    let columns = [cell("残疾类别"), cell("残疾等级"), cell("残疾证号")];
    if let Some(d) = disability_json(columns, has("残疾类别"), &mut err) {
        m.insert("disability".into(), d);
    }
    let ability = |text: &str| match text {
        "" | "完全" | "有" | "健全" | "完全自理" | "自理" => Some(Ability::Full),
        "部分" | "部分丧失" | "半失能" | "部分自理" => Some(Ability::Partial),
        "无" | "丧失" | "完全丧失" | "完全失能" | "不能自理" => Some(Ability::None),
        _ => None,
    };
    for (column, key) in [("劳动能力", "work_capacity"), ("自理能力", "self_care")] {
        if !has(column) {
            continue;
        }
        match ability(cell(column)) {
            Some(a) => {
                m.insert(key.into(), json!(a.code()));
            }
            None => err(column, format!("“{}”不是已知的取值", cell(column))),
        }
    }
    let incomes: Vec<Value> = income_columns
        .iter()
        .filter_map(|(i, kind)| {
            let text = record.get(*i).map_or("", str::trim);
            if text.is_empty() {
                return None;
            }
            if let Err(e) = crate::money::parse_amount(text) {
                err(&headers[*i], format!("“{text}”：{e}"));
            }
            Some(json!({"kind": kind.code(), "annual": text}))
        })
        .collect();
    if !income_columns.is_empty() {
        m.insert("incomes".into(), json!(incomes));
    }
    Value::Object(m)
}

/// The `disability` of a member's row from its 残疾类别, 残疾等级 and 残疾证号
/// cells: `null` for empty cells, the kind and grade (and certificate) when
/// given, `None` (nothing to set) when the columns are absent or wrong — the
/// problem then goes to `err`.
fn disability_json(
    [kind_cell, grade_text, certificate]: [&str; 3],
    has_column: bool,
    err: &mut dyn FnMut(&str, String),
) -> Option<Value> {
    let kind_text = kind_cell.trim_end_matches("残疾");
    if has_column && kind_text.is_empty() && grade_text.is_empty() {
        return Some(Value::Null);
    }
    if kind_text.is_empty() && grade_text.is_empty() {
        return None;
    }
    let kind = DisabilityKind::from_code_or_zh(kind_text);
    let grade = match grade_text.trim_end_matches('级') {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(3),
        "4" | "四" => Some(4),
        _ => None,
    };
    match (kind, grade) {
        (Some(kind), Some(grade)) => {
            let mut d = json!({"grade": grade, "kind": kind.code()});
            if !certificate.is_empty() {
                d["certificate"] = json!(certificate);
            }
            Some(d)
        }
        (None, _) => {
            err("残疾类别", format!("“{kind_cell}”不是已知的残疾类别"));
            None
        }
        (_, None) => {
            err("残疾等级", format!("“{grade_text}”应为1至4级"));
            None
        }
    }
}
