//! The summary a township or county asks for: households and persons by
//! village and program, by hardship cause and special group, the monthly
//! payout, and what is overdue.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::casefile::{special_groups, CaseFile, DueKind};
use crate::csv_cell as cell;
use crate::money::format_amount;
use crate::pdf::{Align, Column, Document, PdfError, Table};

/// Counts for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Count {
    /// Households.
    pub households: usize,
    /// Persons (cohabiting members).
    pub persons: usize,
    /// Monthly payout.
    pub monthly: Decimal,
}

impl Count {
    fn add(&mut self, persons: usize, monthly: Decimal) {
        self.households += 1;
        self.persons += persons;
        self.monthly += monthly;
    }
}

/// The summary.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Day the summary was made.
    pub as_of: Option<NaiveDate>,
    /// (village, status) → count.
    pub by_village_status: BTreeMap<(String, String), Count>,
    /// Hardship cause → count.
    pub by_cause: BTreeMap<String, Count>,
    /// Special group → persons.
    pub by_group: BTreeMap<String, usize>,
    /// All households.
    pub total: Count,
    /// Reviews overdue.
    pub reviews_overdue: usize,
    /// Visits overdue.
    pub visits_overdue: usize,
    /// Measures past their deadline.
    pub measures_overdue: usize,
    /// 办理时限 passed with the step not done.
    pub deadlines_overdue: usize,
    /// Households with 残疾人两项补贴, and the sum per month.
    pub disability_subsidies: Count,
    /// Households flagged 刚性支出困难 (monitored).
    pub rigid_expense: Count,
}

impl Summary {
    /// Builds the summary of these files on `today`.
    pub fn build(files: &[CaseFile], today: NaiveDate) -> Summary {
        let mut s = Summary {
            as_of: Some(today),
            ..Summary::default()
        };
        for f in files {
            let persons = f.household.cohabiting().count();
            let monthly = f.monthly_total();
            let status = f.decision.as_ref().map_or("未评估", |d| d.status.zh());
            s.by_village_status
                .entry((f.household.village.clone(), status.to_owned()))
                .or_default()
                .add(persons, monthly);
            for cause in &f.household.hardship_causes {
                s.by_cause
                    .entry(cause.zh().to_owned())
                    .or_default()
                    .add(persons, monthly);
            }
            for i in 0..f.household.members.len() {
                for g in special_groups(&f.household, i, today) {
                    *s.by_group.entry(g).or_default() += 1;
                }
            }
            s.total.add(persons, monthly);
            if let Some(d) = &f.decision {
                let subsidies = d.subsidies_monthly();
                if !subsidies.is_zero() {
                    s.disability_subsidies.add(persons, subsidies);
                }
                if d.has_code("RIGID_EXPENSE_HARDSHIP") {
                    s.rigid_expense.add(persons, rust_decimal::Decimal::ZERO);
                }
            }
            for item in f.due_items(today).into_iter().filter(|i| i.overdue) {
                match item.kind {
                    DueKind::Review => s.reviews_overdue += 1,
                    DueKind::Visit => s.visits_overdue += 1,
                    DueKind::Measure => s.measures_overdue += 1,
                    DueKind::Deadline => s.deadlines_overdue += 1,
                    DueKind::Draft => {}
                }
            }
        }
        s
    }
}

/// The summary as CSV with BOM (Excel-ready): one section per table.
///
/// Every cell goes through [`crate::csv_cell`], so a village or cause that
/// would start a formula is written as text.
pub fn report_csv(s: &Summary) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        w.write_record(["分组", "项目", "类别", "户数", "人数", "月发放金额（元）"])?;
        // Villages and causes come from data: every cell goes through
        // csv_cell; the last three columns are numbers bangfu wrote.
        let mut row = |cells: [&str; 6]| {
            let cells: [std::borrow::Cow<str>; 6] = std::array::from_fn(|i| {
                if i >= 3 {
                    cell::number(cells[i])
                } else {
                    cell::text(cells[i])
                }
            });
            w.write_record(cells.iter().map(|c| c.as_bytes()))
        };
        for ((village, status), c) in &s.by_village_status {
            row([
                "村/社区",
                village,
                status,
                &c.households.to_string(),
                &c.persons.to_string(),
                &format_amount(c.monthly),
            ])?;
        }
        for (cause, c) in &s.by_cause {
            row([
                "致困原因",
                cause,
                "",
                &c.households.to_string(),
                &c.persons.to_string(),
                &format_amount(c.monthly),
            ])?;
        }
        for (group, n) in &s.by_group {
            row(["特殊群体", group, "", "", &n.to_string(), ""])?;
        }
        let c = &s.disability_subsidies;
        row([
            "专项",
            "残疾人两项补贴",
            "",
            &c.households.to_string(),
            &c.persons.to_string(),
            &format_amount(c.monthly),
        ])?;
        let c = &s.rigid_expense;
        row([
            "专项",
            "刚性支出困难（监测）",
            "",
            &c.households.to_string(),
            &c.persons.to_string(),
            "",
        ])?;
        row([
            "合计",
            "",
            "",
            &s.total.households.to_string(),
            &s.total.persons.to_string(),
            &format_amount(s.total.monthly),
        ])?;
        for (what, n) in [
            ("定期核查", s.reviews_overdue),
            ("入户走访", s.visits_overdue),
            ("帮扶措施", s.measures_overdue),
        ] {
            row(["逾期", what, "", &n.to_string(), "", ""])?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// The summary as a printable PDF.
pub fn report_pdf(s: &Summary, scope: &str) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new("社会救助工作统计表")?;
    doc.header(
        format!("社会救助工作统计表 {scope}"),
        s.as_of.map_or(String::new(), |d| d.to_string()),
    );
    doc.title(format!("{scope}社会救助工作统计表"));
    doc.paragraph(format!(
        "统计日期：{}。共{}户{}人，每月发放合计{}元。",
        s.as_of.map_or(String::new(), |d| d.to_string()),
        s.total.households,
        s.total.persons,
        format_amount(s.total.monthly)
    ));
    let money = |header: &str| Column::mm(header, 34.0).align(Align::Right);
    doc.heading("一、分村分类别");
    let mut t = Table::new(vec![
        Column::fraction("村/社区", 1.5),
        Column::fraction("类别", 1.2),
        Column::mm("户数", 18.0).align(Align::Right),
        Column::mm("人数", 18.0).align(Align::Right),
        money("月发放（元）"),
    ]);
    for ((village, status), c) in &s.by_village_status {
        t.row([
            village.clone(),
            status.clone(),
            c.households.to_string(),
            c.persons.to_string(),
            format_amount(c.monthly),
        ]);
    }
    t.row([
        "合计".to_owned(),
        String::new(),
        s.total.households.to_string(),
        s.total.persons.to_string(),
        format_amount(s.total.monthly),
    ]);
    doc.table(t);
    doc.heading("二、按致困原因");
    let mut t = Table::new(vec![
        Column::fraction("致困原因", 2.0),
        Column::mm("户数", 18.0).align(Align::Right),
        Column::mm("人数", 18.0).align(Align::Right),
        money("月发放（元）"),
    ]);
    for (cause, c) in &s.by_cause {
        t.row([
            cause.clone(),
            c.households.to_string(),
            c.persons.to_string(),
            format_amount(c.monthly),
        ]);
    }
    doc.table(t);
    doc.heading("三、特殊群体");
    let mut t = Table::new(vec![
        Column::fraction("群体", 2.0),
        Column::mm("人数", 24.0).align(Align::Right),
    ]);
    for (group, n) in &s.by_group {
        t.row([group.clone(), n.to_string()]);
    }
    doc.table(t);
    doc.heading("四、专项");
    doc.key_value(
        "残疾人两项补贴",
        format!(
            "{} 户，每月 {} 元（另行发放）",
            s.disability_subsidies.households,
            format_amount(s.disability_subsidies.monthly)
        ),
    );
    doc.key_value(
        "刚性支出困难（监测）",
        format!(
            "{} 户 {} 人",
            s.rigid_expense.households, s.rigid_expense.persons
        ),
    );
    doc.heading("五、动态管理逾期情况");
    doc.key_value("定期核查逾期", format!("{} 户", s.reviews_overdue));
    doc.key_value("入户走访逾期", format!("{} 户", s.visits_overdue));
    doc.key_value("帮扶措施逾期", format!("{} 项", s.measures_overdue));
    doc.key_value("超过办理时限", format!("{} 项", s.deadlines_overdue));
    doc.to_bytes()
}
