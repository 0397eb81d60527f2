//! 公示: the village public notice of who receives support.
//!
//! Following the national rule it shows only the head's name, the number of
//! family members covered, the program and the monthly amount, with the
//! 7-day notice period and the complaint telephone — never ID numbers,
//! illness, disability or income details.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::casefile::CaseFile;
use crate::engine::Status;
use crate::money::format_amount;
use crate::pdf::{Align, Column, Document, PdfError, Table, TextStyle};

/// Days a notice stays up (公示期).
pub const NOTICE_DAYS: u64 = 7;

/// What the notice needs besides the households.
#[derive(Debug, Clone)]
pub struct NoticeOptions {
    /// Village or community.
    pub village: String,
    /// First day of the notice period.
    pub from: NaiveDate,
    /// Complaint telephone (监督电话).
    pub complaint_phone: String,
    /// Who publishes it (e.g. 某某镇人民政府).
    pub issuer: String,
}

impl NoticeOptions {
    /// The options for `village`'s notice from `from`: the telephone and the
    /// issuer given, else the device's settings (`complaint_phone`,
    /// `issuer`), else the defaults — the township office for questions, and
    /// the village's own committee ([`default_issuer`](super::default_issuer)).
    /// The command and the app print the same notice from the same settings.
    pub fn for_village(
        store: &crate::store::Store,
        village: &str,
        from: NaiveDate,
        phone: Option<&str>,
        issuer: Option<&str>,
    ) -> Result<NoticeOptions, crate::store::StoreError> {
        let given = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let complaint_phone = match given(phone) {
            Some(p) => p,
            None => store
                .setting("complaint_phone")?
                .unwrap_or_else(|| "（请向乡镇民政办咨询）".to_owned()),
        };
        let issuer = match given(issuer) {
            Some(i) => i,
            None => store
                .setting("issuer")?
                .unwrap_or_else(|| super::default_issuer(village)),
        };
        Ok(NoticeOptions {
            village: village.to_owned(),
            from,
            complaint_phone,
            issuer,
        })
    }
}

/// One line of the notice: only what may be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// Head's name.
    pub head: String,
    /// Family members covered.
    pub covered: usize,
    /// Program name.
    pub program: &'static str,
    /// Monthly amount.
    pub amount: Decimal,
}

/// Persons covered by a household's latest decision: the 低保 household and
/// its 特困 members, or only the 特困 or 单人保 persons when that is all that is paid.
pub fn persons_covered(file: &CaseFile) -> usize {
    covered(file).map_or(0, |(_, n)| n)
}

fn covered(file: &CaseFile) -> Option<(&'static str, usize)> {
    let d = file.decision.as_ref()?;
    if d.total_monthly <= Decimal::ZERO {
        return None;
    }
    let json = file.decision_json()?;
    let members = json["members"].as_array().cloned().unwrap_or_default();
    let tekun = members.iter().filter(|m| m["tekun"] == true).count();
    let single = members
        .iter()
        .filter(|m| m["single_person_dibao"] == true)
        .count();
    let size = json["household_size"].as_u64().unwrap_or(0) as usize;
    Some(match d.status {
        Status::Tekun => ("特困人员供养", tekun),
        Status::Marginal if tekun == 0 => ("低保（单人保）", single),
        Status::Dibao | Status::GradualExit if tekun > 0 => ("低保、特困人员供养", size + tekun),
        Status::Dibao | Status::GradualExit => (crate::documents::program_zh(d.status), size),
        Status::Marginal => ("特困人员供养、单人保", tekun + single),
        // Only the 特困 members are paid when the rest of the household is not eligible.
        _ => ("特困人员供养", tekun),
    })
}

/// The lines of the notice: households receiving support, by code.
pub fn notice_rows(files: &[CaseFile]) -> Vec<NoticeRow> {
    files
        .iter()
        .filter_map(|f| {
            let (program, covered) = covered(f)?;
            Some(NoticeRow {
                head: f.household.head().map_or(String::new(), |m| m.name.clone()),
                covered,
                program,
                amount: f
                    .decision
                    .as_ref()
                    .map_or(Decimal::ZERO, |d| d.total_monthly),
            })
        })
        .collect()
}

/// Renders the village notice.
pub fn notice_pdf(files: &[CaseFile], options: &NoticeOptions) -> Result<Vec<u8>, PdfError> {
    let rows = notice_rows(files);
    let until = options.from + Days::new(NOTICE_DAYS - 1);
    let mut doc = Document::new("社会救助对象公示")?;
    doc.header(format!("{} 社会救助对象公示", options.village), "");
    doc.footer(options.issuer.clone(), "第 {page} 页 / 共 {pages} 页");
    doc.title(format!("{}社会救助对象公示", options.village));
    doc.paragraph_styled(
        format!(
            "根据《社会救助暂行办法》和最低生活保障、特困人员救助供养审核确认办法的规定，经入户调查、民主评议、乡镇审核，现将以下{}户社会救助对象予以公示。公示期自{}至{}，共{}天。",
            rows.len(),
            options.from.format("%Y年%m月%d日"),
            until.format("%Y年%m月%d日"),
            NOTICE_DAYS
        ),
        TextStyle::default().indent(2.0),
    );
    let mut table = Table::new(vec![
        Column::mm("序号", 14.0).align(Align::Center),
        Column::fraction("户主姓名", 1.2),
        Column::mm("保障人数", 22.0).align(Align::Center),
        Column::fraction("救助类别", 1.6),
        Column::mm("月保障金额（元）", 36.0).align(Align::Right),
    ]);
    let mut total = Decimal::ZERO;
    for (i, r) in rows.iter().enumerate() {
        total += r.amount;
        table.row([
            (i + 1).to_string(),
            r.head.clone(),
            r.covered.to_string(),
            r.program.to_owned(),
            format_amount(r.amount),
        ]);
    }
    table.row([
        "合计".to_owned(),
        format!("{}户", rows.len()),
        rows.iter().map(|r| r.covered).sum::<usize>().to_string(),
        String::new(),
        format_amount(total),
    ]);
    doc.table(table);
    doc.space_mm(4.0);
    doc.paragraph_styled(
        format!(
            "公示期内，如对公示对象有异议，可向村（居）委会、乡镇人民政府或县民政局反映。监督电话：{}。",
            options.complaint_phone
        ),
        TextStyle::default().indent(2.0),
    );
    doc.space_mm(8.0);
    doc.paragraph_styled(
        options.issuer.clone(),
        TextStyle::default().align(Align::Right),
    );
    doc.paragraph_styled(
        options.from.format("%Y年%m月%d日").to_string(),
        TextStyle::default().align(Align::Right),
    );
    doc.to_bytes()
}
