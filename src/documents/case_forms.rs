//! The two paper forms of the path, as the county files them: the
//! 最低生活保障申请审核确认表 and the 特困人员认定表. They follow the forms in
//! `../shared/background/field-practice.md`: the applicant and the family,
//! the 办理经过 with its dates, and the outcome box with the figures.

use chrono::NaiveDate;
use serde_json::Value;

use crate::casefile::CaseFile;
use crate::casework::EventKind;
use crate::dates::age_on;
use crate::engine::Status;
use crate::money::format_amount;
use crate::pdf::{Align, Column, Document, PdfError, Table};

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseForm {
    /// 最低生活保障申请审核确认表.
    Dibao,
    /// 特困人员认定表.
    Tekun,
}

impl CaseForm {
    /// The form's title.
    pub fn title(self) -> &'static str {
        match self {
            CaseForm::Dibao => "最低生活保障申请审核确认表",
            CaseForm::Tekun => "特困人员认定表",
        }
    }
}

/// The form `which` of the household in `file`, printed on `printed`.
pub fn case_form_pdf(
    file: &CaseFile,
    which: CaseForm,
    printed: NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    let h = &file.household;
    let mut doc = Document::new(which.title())?;
    doc.header(format!("{} · 户 {}", h.village, h.id), "");
    doc.footer(
        format!("打印日期 {printed}"),
        "第 {page} 页 / 共 {pages} 页",
    );
    doc.title(which.title());
    let head = h.head();
    doc.key_value("户编号", h.id.clone());
    doc.key_value("申请人", head.map_or("—".to_owned(), |m| m.name.clone()));
    doc.key_value(
        "身份证号",
        head.and_then(|m| m.id_number.clone())
            .unwrap_or_else(|| "—".into()),
    );
    doc.key_value(
        "住址",
        h.address.clone().unwrap_or_else(|| h.village.clone()),
    );
    doc.key_value("户籍类型", h.hukou.zh());
    if h.cadre_relative {
        doc.key_value("近亲属备案", "是（须县级入户核查）");
    }
    let result = file.decision_json();
    match which {
        CaseForm::Dibao => dibao_body(&mut doc, file, result.as_ref(), printed),
        CaseForm::Tekun => tekun_body(&mut doc, file, result.as_ref(), printed),
    }
    doc.heading("办理经过");
    let mut steps = Table::new(vec![
        Column::mm("日期", 24.0),
        Column::mm("环节", 30.0),
        Column::fraction("经办", 1.0),
        Column::fraction("情况", 2.2),
    ]);
    steps.font_size(9.0);
    for e in &file.events {
        let recorded = crate::lifecycle::describe_step(e);
        let what = [recorded, e.note.clone()]
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .collect::<Vec<_>>()
            .join("。");
        steps.row([
            e.date.to_string(),
            e.kind.zh().to_owned(),
            e.actor.clone(),
            what,
        ]);
    }
    doc.table(steps);
    if let Some(v) = file
        .visits
        .iter()
        .filter(|v| !v.draft)
        .max_by_key(|v| v.date)
    {
        doc.key_value(
            "入户调查人员",
            format!("{}（{}）", v.workers.join("、"), v.date),
        );
    }
    doc.space_mm(6.0);
    doc.signature_line(&["申请人（签字或手印）", "调查人员（签字）"]);
    doc.space_mm(4.0);
    doc.signature_line(&["村（居）委会意见（盖章）", "乡镇（街道）审核意见（盖章）"]);
    doc.space_mm(4.0);
    doc.signature_line(&["县民政局确认意见（盖章）", "日期"]);
    doc.to_bytes()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or("—").to_owned()
}

/// The family, its income and the outcome box of the 低保 form.
fn dibao_body(doc: &mut Document, file: &CaseFile, result: Option<&Value>, printed: NaiveDate) {
    let h = &file.household;
    doc.heading("家庭成员及收入（近12个月）");
    let mut members = Table::new(vec![
        Column::fraction("姓名", 1.0),
        Column::fraction("关系", 0.8),
        Column::mm("年龄", 10.0).align(Align::Right),
        Column::fraction("健康/残疾", 1.4),
        Column::fraction("劳动能力", 0.8),
        Column::mm("年收入（元）", 26.0).align(Align::Right),
    ]);
    members.font_size(9.0);
    for m in h.members.iter().filter(|m| m.cohabiting) {
        let mut health = Vec::new();
        if let Some(d) = &m.disability {
            health.push(format!("{}残疾{}级", d.kind.zh(), d.grade));
        }
        if m.serious_illness {
            health.push("重病".into());
        }
        let income: rust_decimal::Decimal = m.incomes.iter().map(|i| i.annual).sum();
        members.row([
            m.name.clone(),
            m.relation_zh().to_owned(),
            m.born()
                .map_or(String::new(), |b| age_on(b, printed).to_string()),
            if health.is_empty() {
                "健康".into()
            } else {
                health.join("；")
            },
            m.work_capacity.zh().to_owned(),
            format_amount(income),
        ]);
    }
    doc.table(members);
    doc.key_value(
        "家庭金融资产",
        format!("{} 元", format_amount(h.assets.financial)),
    );
    let expenses: rust_decimal::Decimal = h.expenses.iter().map(|e| e.annual).sum();
    doc.key_value("刚性支出（年）", format!("{} 元", format_amount(expenses)));
    doc.heading("审核确认结论");
    let Some(r) = result else {
        doc.paragraph("尚未评估。");
        return;
    };
    let status = Status::from_code(r["status"].as_str().unwrap_or("")).unwrap_or(Status::Invalid);
    let meets = matches!(status, Status::Dibao | Status::GradualExit);
    doc.key_value(
        "是否符合低保条件",
        if meets {
            "符合".to_owned()
        } else {
            format!("不符合（{}）", status.zh())
        },
    );
    doc.key_value("低保标准", format!("{} 元/人·月", text(r, "standard")));
    doc.key_value("月人均收入", format!("{} 元", text(r, "per_capita_income")));
    if let (Some(s), Some(p)) = (
        r["standard"]
            .as_str()
            .and_then(|s| s.parse::<rust_decimal::Decimal>().ok()),
        r["per_capita_income"]
            .as_str()
            .and_then(|s| s.parse::<rust_decimal::Decimal>().ok()),
    ) {
        if meets {
            doc.key_value("月人均收入差额", format!("{} 元", format_amount(s - p)));
        }
    }
    doc.key_value(
        "保障人口",
        format!("{} 人", crate::documents::persons_covered(file)),
    );
    if let Some(c) = r["household_class"].as_str() {
        doc.key_value("保障类别", format!("{c} 类"));
    }
    doc.key_value("月保障金额", format!("{} 元", text(r, "total_monthly")));
    reasons(doc, r);
}

/// The 特困 check sheet: capacity, source of living, supporters, self-care,
/// 供养方式, and the amount.
fn tekun_body(doc: &mut Document, file: &CaseFile, result: Option<&Value>, printed: NaiveDate) {
    let h = &file.household;
    let outcomes: Vec<Value> = result
        .and_then(|r| r["members"].as_array().cloned())
        .unwrap_or_default();
    doc.heading("认定对象");
    let mut table = Table::new(vec![
        Column::fraction("姓名", 1.0),
        Column::mm("年龄", 10.0).align(Align::Right),
        Column::fraction("劳动能力", 0.8),
        Column::fraction("自理能力", 0.8),
        Column::fraction("法定义务人", 2.0),
        Column::mm("月供养金（元）", 28.0).align(Align::Right),
    ]);
    table.font_size(9.0);
    for (i, m) in h.members.iter().enumerate().filter(|(_, m)| m.cohabiting) {
        let outcome = outcomes
            .iter()
            .find(|o| o["index"].as_u64() == Some(i as u64));
        let supporters = match &m.supporters {
            None => "未调查".to_owned(),
            Some(list) if list.is_empty() => "无".to_owned(),
            Some(list) => list
                .iter()
                .map(|s| {
                    let judged = match s.capable {
                        Some(true) => "有能力",
                        Some(false) => "无能力",
                        None if s.has_figures() => "按家庭收入核定",
                        None => "未评估",
                    };
                    format!("{}（{}，{judged}）", s.name, s.relation)
                })
                .collect::<Vec<_>>()
                .join("；"),
        };
        table.row([
            m.name.clone(),
            m.born()
                .map_or(String::new(), |b| age_on(b, printed).to_string()),
            m.work_capacity.zh().to_owned(),
            match m.self_care {
                crate::model::Ability::Full => "完全自理",
                crate::model::Ability::Partial => "半失能",
                crate::model::Ability::None => "完全失能",
            }
            .to_owned(),
            supporters,
            outcome.map_or("—".to_owned(), |o| text(o, "tekun_benefit")),
        ]);
    }
    doc.table(table);
    let confirmation = file
        .events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::CountyConfirmation);
    doc.key_value(
        "供养方式",
        confirmation
            .map(crate::lifecycle::describe_step)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| {
                "（确认时填写：集中供养 / 分散供养，照料人，委托照料协议日期）".into()
            }),
    );
    doc.heading("认定结论");
    let Some(r) = result else {
        doc.paragraph("尚未评估。");
        return;
    };
    let tekun = outcomes.iter().any(|o| o["tekun"].as_bool() == Some(true));
    doc.key_value(
        "是否符合特困人员条件",
        if tekun { "符合" } else { "不符合" },
    );
    doc.key_value("月供养金额合计", format!("{} 元", text(r, "total_monthly")));
    reasons(doc, r);
}

/// The rules' reasons, each with the provision it rests on.
fn reasons(doc: &mut Document, r: &Value) {
    let Some(list) = r["reasons"].as_array().filter(|l| !l.is_empty()) else {
        return;
    };
    doc.label("认定理由");
    for (i, reason) in list.iter().enumerate() {
        let basis = reason["citation"]
            .as_str()
            .or(reason["policy_key"].as_str())
            .map(|b| format!("（依据：{b}）"))
            .unwrap_or_default();
        doc.paragraph(format!("{}. {}{basis}", i + 1, text(reason, "text")));
    }
}
