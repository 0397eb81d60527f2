//! The 台账: one line per household, as a CSV that Excel opens with correct Chinese.

use std::io::Write;

use crate::csv_cell as cell;
use crate::id_number::mask_id_number;
use crate::store::{Result, Store, StoreError};

/// Writes the ledger as CSV with a UTF-8 BOM (so Excel picks the encoding).
///
/// ID numbers are masked unless `full_id` is set (the county's own copy).
/// Every cell goes through [`crate::csv_cell`]: a cell that would start a
/// formula is escaped, and ID and telephone numbers are written as text.
pub fn write_ledger(store: &Store, out: &mut dyn Write, full_id: bool) -> Result<usize> {
    let io = |e: std::io::Error| StoreError::Invalid(format!("写出台账失败：{e}"));
    out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let mut w = csv::Writer::from_writer(out);
    let header = [
        "户编号",
        "村/社区",
        "组",
        "户主姓名",
        "户主身份证号",
        "户籍类型",
        "家庭人口",
        "共同生活人口",
        "致困原因",
        "保障类别",
        "月保障金额（元）",
        "残疾人两项补贴（元/月）",
        "刚性支出困难",
        "评估日期",
        "政策版本",
        "最近走访日期",
        "联系电话",
    ];
    let csv_err = |e: csv::Error| StoreError::Invalid(format!("写出台账失败：{e}"));
    w.write_record(header).map_err(csv_err)?;
    let decisions: std::collections::HashMap<String, _> = store
        .latest_decisions()?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let last_visits = store.last_visit_dates()?;
    let households = store.households()?;
    for h in &households {
        let head = h.head();
        let id = head.and_then(|m| m.id_number.as_deref()).unwrap_or("");
        let decision = decisions.get(&h.id);
        let causes: Vec<&str> = h.hardship_causes.iter().map(|c| c.zh()).collect();
        let shown_id = if full_id {
            id.to_owned()
        } else {
            mask_id_number(id)
        };
        let total = decision.map_or(String::new(), |d| {
            crate::money::format_amount(d.total_monthly)
        });
        let subsidies = decision.map_or(String::new(), |d| {
            crate::money::format_amount(d.subsidies_monthly())
        });
        let rigid = decision
            .filter(|d| d.has_code("RIGID_EXPENSE_HARDSHIP"))
            .map_or("", |_| "是（监测）");
        let as_of = decision.map_or(String::new(), |d| d.as_of.to_string());
        let last_visit = last_visits
            .get(&h.id)
            .map_or(String::new(), |d| d.to_string());
        let member_count = h.members.len().to_string();
        let cohabiting = h.cohabiting().count().to_string();
        let causes = causes.join("、");
        // Every cell through csv_cell: names, villages and codes come from
        // rosters and bundles, and must never be run as formulas.
        let row = [
            cell::digits_as_text(h.id.as_str()),
            cell::text(&h.village),
            cell::text(h.group.as_deref().unwrap_or("")),
            cell::text(head.map_or("", |m| m.name.as_str())),
            cell::digits_as_text(&shown_id),
            cell::text(h.hukou.zh()),
            cell::number(&member_count),
            cell::number(&cohabiting),
            cell::text(&causes),
            cell::text(decision.map_or("未评估", |d| d.status.zh())),
            cell::number(&total),
            cell::number(&subsidies),
            cell::text(rigid),
            cell::text(&as_of),
            cell::text(decision.map_or("", |d| d.policy_version.as_str())),
            cell::text(&last_visit),
            cell::digits_as_text(h.phone.as_deref().unwrap_or("")),
        ];
        w.write_record(row.iter().map(|c| c.as_bytes()))
            .map_err(csv_err)?;
    }
    w.flush().map_err(io)?;
    Ok(households.len())
}
