//! 临时救助审批表: one request of the register, with the decision the rules
//! allow and the places to sign, as the township and the county file it.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::engine::{ApprovalLevel, Code, EvalResult};
use crate::model::{Household, TempAidKind};
use crate::money::format_amount;
use crate::pdf::{Document, PdfError, TextStyle};
use crate::temp_aid::TempAidRecord;

/// The 审批表 of `record`, a request in `register` of `household`, printed
/// on `printed`. `evaluation` is the household's evaluation (its 临时救助
/// outcome and reasons are printed with their citations) when there is one.
pub fn temp_aid_form_pdf(
    household: &Household,
    record: &TempAidRecord,
    register: &[TempAidRecord],
    evaluation: Option<&EvalResult>,
    printed: NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new("临时救助审批表")?;
    doc.header(format!("{} · 户 {}", household.village, household.id), "");
    doc.footer(
        format!("打印日期 {printed}"),
        "第 {page} 页 / 共 {pages} 页",
    );
    doc.title("临时救助审批表");
    let head = household.head();
    doc.key_value("户编号", household.id.clone());
    doc.key_value(
        "申请人",
        head.map_or_else(|| "—".to_owned(), |m| m.name.clone()),
    );
    doc.key_value(
        "身份证号",
        head.and_then(|m| m.id_number.clone())
            .unwrap_or_else(|| "—".to_owned()),
    );
    doc.key_value(
        "住址",
        household
            .address
            .clone()
            .unwrap_or_else(|| household.village.clone()),
    );
    doc.key_value("家庭人口", format!("{}人", household.cohabiting().count()));
    doc.rule();
    doc.key_value(
        "救助类型",
        match record.kind {
            TempAidKind::Emergency => "急难型（突发事件、意外伤害、重大疾病等）",
            TempAidKind::Expenditure => "支出型（医疗、教育等刚性支出）",
        },
    );
    doc.key_value("事由", record.cause.clone());
    doc.key_value("事件发生日期", record.event_date.to_string());
    if let Some(reported) = record.reported_at {
        doc.key_value("报告时间", reported.format("%Y-%m-%d %H:%M").to_string());
    }
    doc.key_value(
        "申请金额",
        format!("{} 元", format_amount(record.requested)),
    );
    let year = record.event_date.year();
    let paid_this_year: Decimal = register
        .iter()
        .filter(|r| r.id != record.id)
        .filter_map(|r| Some((r.paid_at?, r.granted?)))
        .filter(|(at, _)| at.year() == year && at.date() <= record.event_date)
        .map(|(_, g)| g)
        .sum();
    doc.key_value(
        format!("{year}年已获救助"),
        format!("{} 元", format_amount(paid_this_year)),
    );
    if record.case_by_case {
        doc.key_value("一事一议", format!("是。理由：{}", record.case_reason));
    }
    let outcome = evaluation
        .and_then(|e| e.decision.as_ref())
        .and_then(|d| d.temp_aid.as_ref());
    if let Some(o) = outcome {
        doc.key_value(
            "按政策可救助",
            format!(
                "{} 元（{}）",
                format_amount(o.grantable),
                o.approval_level.zh()
            ),
        );
    }
    doc.rule();
    doc.key_value(
        "核定金额",
        record.granted.map_or_else(
            || "（待核定）".to_owned(),
            |g| format!("{} 元", format_amount(g)),
        ),
    );
    doc.key_value(
        "审批层级",
        record
            .approval_level
            .or(outcome.map(|o| o.approval_level))
            .map_or("（待定）", ApprovalLevel::zh),
    );
    if let Some(paid) = record.paid_at {
        doc.key_value("发放时间", paid.format("%Y-%m-%d %H:%M").to_string());
    }
    if record.approval_level == Some(ApprovalLevel::Prepay) {
        doc.key_value(
            "先行救助",
            match record.hours_to_payment() {
                Some(h) => format!("是，自报告至发放 {h} 小时；审批手续于事后补办"),
                None => "是，审批手续于事后补办".to_owned(),
            },
        );
    }
    if let Some(a) = &record.approved {
        doc.key_value("补办审批", format!("{} {}", a.on, a.by));
    }
    let reasons: Vec<_> = evaluation
        .and_then(|e| e.decision.as_ref())
        .map(|d| {
            d.reasons
                .iter()
                .filter(|r| {
                    matches!(
                        r.code,
                        Code::TempAidCapLimited
                            | Code::TempAidCountyApproval
                            | Code::TempAidCaseByCase
                            | Code::TempAidPrepay
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if !reasons.is_empty() {
        doc.heading("政策依据");
        for r in reasons {
            let basis = r
                .basis()
                .map(|b| format!("（依据：{b}）"))
                .unwrap_or_default();
            doc.paragraph_styled(format!("{}{basis}", r.text), TextStyle::default());
        }
    }
    doc.space_mm(6.0);
    doc.signature_line(&["申请人（签字）", "村（居）委会意见（盖章）"]);
    doc.space_mm(4.0);
    doc.signature_line(&["乡镇（街道）审核意见（盖章）", "县民政局审批意见（盖章）"]);
    doc.to_bytes()
}
