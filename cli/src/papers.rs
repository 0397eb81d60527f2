//! The printed papers and the due list: `dossier`, `notice`, `report`, `due`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::commands::write_file_atomically;
use super::text::Table;
use super::{parse_date_arg, today, CliError, CliResult};
use bangfu::casefile::{case_files, due_list, CaseFile};
use bangfu::documents::{
    dossier_pdf, notice_pdf, report_csv, report_pdf, village_dossiers, DossierOptions,
    NoticeOptions, Summary,
};

/// `dossier` options.
#[derive(Debug, Args)]
pub struct DossierArgs {
    /// 户编号（如 TXZ-003），输出一个 PDF
    #[arg(long, conflicts_with = "village", required_unless_present = "village")]
    pub household: Option<String>,
    /// 村/社区：每户一个 PDF 加一个合订本
    #[arg(long)]
    pub village: Option<String>,
    /// 输出文件（--household）或目录（--village）
    #[arg(long)]
    pub out: PathBuf,
    /// 把扫描的证件、申请书、评议记录作为附页附在档案后
    #[arg(long)]
    pub with_scans: bool,
}

/// `notice` options.
#[derive(Debug, Args)]
pub struct NoticeArgs {
    /// 村/社区
    #[arg(long)]
    pub village: String,
    /// 输出 PDF 文件
    #[arg(long)]
    pub out: PathBuf,
    /// 公示开始日期（默认今天），公示期7天
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// 监督电话（默认取设置 complaint_phone）
    #[arg(long)]
    pub phone: Option<String>,
    /// 公示单位（默认取设置 issuer）
    #[arg(long)]
    pub issuer: Option<String>,
}

/// `report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 只统计某村/社区
    #[arg(long)]
    pub village: Option<String>,
    /// 输出 PDF 文件
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 输出 CSV 文件（带BOM，Excel可直接打开）
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// `due` options.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// 只列某村/社区
    #[arg(long)]
    pub village: Option<String>,
    /// 列出今后多少天内到期的事项
    #[arg(long, default_value_t = 30)]
    pub days: u64,
    /// 输出 JSON
    #[arg(long)]
    pub json: bool,
}

fn pdf_error(e: bangfu::pdf::PdfError) -> CliError {
    CliError::failure(format!("生成 PDF 失败：{e}"))
}

pub(super) fn dossier(db: &Path, a: &DossierArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let printed = today();
    let options = DossierOptions {
        with_scans: a.with_scans,
    };
    if let Some(code) = &a.household {
        let file = CaseFile::load(&store, code)?;
        write_file_atomically(
            &a.out,
            &dossier_pdf(&file, printed, options).map_err(pdf_error)?,
        )?;
        println!("已生成 {} 户的一户一档：{}", code, a.out.display());
        return Ok(());
    }
    let village = a.village.as_deref().unwrap_or_default();
    let files = case_files(&store, Some(village))?;
    if files.is_empty() {
        return Err(CliError::input(format!("数据库中没有“{village}”的户")));
    }
    let village_files = village_dossiers(&files, village, printed, options).map_err(pdf_error)?;
    let (each, combined) = (&village_files.each, &village_files.combined);
    for (code, bytes) in each {
        let name = bangfu::files::safe_file_name(&format!("{code}.pdf"));
        write_file_atomically(&a.out.join(name), bytes)?;
    }
    let name = bangfu::files::safe_file_name(&format!("{village}-一户一档合订本.pdf"));
    let all = a.out.join(name);
    write_file_atomically(&all, combined)?;
    println!(
        "已生成 {village} {} 户的一户一档（每户一个 PDF）和合订本 {}",
        each.len(),
        all.display()
    );
    Ok(())
}

pub(super) fn notice(db: &Path, a: &NoticeArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let files = case_files(&store, Some(&a.village))?;
    if files.is_empty() {
        return Err(CliError::input(format!("数据库中没有“{}”的户", a.village)));
    }
    let from = match &a.from {
        Some(d) => parse_date_arg("--from", d)?,
        None => today(),
    };
    let options = NoticeOptions::for_village(
        &store,
        &a.village,
        from,
        a.phone.as_deref(),
        a.issuer.as_deref(),
    )?;
    write_file_atomically(&a.out, &notice_pdf(&files, &options).map_err(pdf_error)?)?;
    println!("已生成 {} 公示：{}", a.village, a.out.display());
    Ok(())
}

pub(super) fn report(db: &Path, a: &ReportArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let files = case_files(&store, a.village.as_deref())?;
    let summary = Summary::build(&files, today());
    let scope = a.village.clone().unwrap_or_default();
    if let Some(out) = &a.out {
        write_file_atomically(out, &report_pdf(&summary, &scope).map_err(pdf_error)?)?;
        println!("已生成统计表 PDF：{}", out.display());
    }
    if let Some(csv) = &a.csv {
        let bytes = report_csv(&summary).map_err(|e| CliError::failure(e.to_string()))?;
        write_file_atomically(csv, &bytes)?;
        println!("已生成统计表 CSV：{}", csv.display());
    }
    let mut t = Table::new(&[
        ("村/社区", false),
        ("类别", false),
        ("户数", true),
        ("人数", true),
        ("月发放（元）", true),
    ]);
    for ((village, status), c) in &summary.by_village_status {
        t.row(vec![
            village.clone(),
            status.clone(),
            c.households.to_string(),
            c.persons.to_string(),
            bangfu::money::format_amount(c.monthly),
        ]);
    }
    print!("{}", t.render());
    println!(
        "合计 {} 户 {} 人，每月 {} 元；逾期：定期核查 {} 户，入户走访 {} 户，帮扶措施 {} 项",
        summary.total.households,
        summary.total.persons,
        bangfu::money::format_amount(summary.total.monthly),
        summary.reviews_overdue,
        summary.visits_overdue,
        summary.measures_overdue
    );
    Ok(())
}

pub(super) fn due(db: &Path, a: &DueArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let items = due_list(&store, a.village.as_deref(), today(), a.days)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&items).map_err(|e| CliError::failure(e.to_string()))?
        );
        return Ok(());
    }
    let mut t = Table::new(&[
        ("到期日", false),
        ("户编号", false),
        ("事项", false),
        ("状态", false),
    ]);
    for i in &items {
        t.row(vec![
            i.due.to_string(),
            i.household.clone(),
            i.what.clone(),
            if i.overdue {
                "已逾期"
            } else {
                "即将到期"
            }
            .into(),
        ]);
    }
    print!("{}", t.render());
    println!(
        "共 {} 项，其中逾期 {} 项",
        items.len(),
        items.iter().filter(|i| i.overdue).count()
    );
    Ok(())
}

/// `form` options.
#[derive(Debug, Args)]
pub struct FormArgs {
    /// 户编号
    #[arg(long)]
    pub household: String,
    /// 表：dibao（最低生活保障申请审核确认表）或 tekun（特困人员认定表）
    #[arg(long, default_value = "dibao")]
    pub kind: String,
    /// 输出 PDF 文件
    #[arg(long)]
    pub out: PathBuf,
}

pub(super) fn form(db: &Path, a: &FormArgs) -> CliResult {
    let which = match a.kind.as_str() {
        "dibao" | "低保" => bangfu::documents::CaseForm::Dibao,
        "tekun" | "特困" => bangfu::documents::CaseForm::Tekun,
        other => {
            return Err(CliError::input(format!(
                "--kind 的值“{other}”不认识：应为 dibao（低保审核确认表）或 tekun（特困人员认定表）"
            )))
        }
    };
    let store = super::unlock::open_store(db)?;
    let file = CaseFile::load(&store, &a.household)?;
    let pdf = bangfu::documents::case_form_pdf(&file, which, today()).map_err(pdf_error)?;
    write_file_atomically(&a.out, &pdf)?;
    println!(
        "已生成 {} 户的{}：{}",
        a.household,
        which.title(),
        a.out.display()
    );
    Ok(())
}

/// `monitor` options.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// 只列某村/社区
    #[arg(long)]
    pub village: Option<String>,
    /// 输出 JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn monitor(db: &Path, a: &MonitorArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let policies = super::eval::store_policies(&store, &[])?;
    let months = policies
        .in_force(today())
        .map_err(|e| CliError::input(e.to_string()))?
        .procedure()
        .monitoring_visit_months;
    let files = case_files(&store, a.village.as_deref())?;
    let list = bangfu::monitoring::monitoring_list(&files, today(), months);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).map_err(|e| CliError::failure(e.to_string()))?
        );
        return Ok(());
    }
    let mut t = Table::new(&[
        ("户编号", false),
        ("户主", false),
        ("村/社区", false),
        ("监测原因", false),
        ("最近走访", false),
        ("下次走访", false),
    ]);
    for m in &list {
        t.row(vec![
            m.household.clone(),
            m.head.clone(),
            m.village.clone(),
            m.grounds.join("；"),
            m.last_visit.map_or("—".into(), |d| d.to_string()),
            format!(
                "{}{}",
                m.next_visit,
                if m.overdue { "（已逾期）" } else { "" }
            ),
        ]);
    }
    print!("{}", t.render());
    println!(
        "监测 {} 户（每{months}个月走访），其中走访逾期 {} 户",
        list.len(),
        list.iter().filter(|m| m.overdue).count()
    );
    Ok(())
}

/// `audit` options.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// 政策文件（默认用 bangfu policy import 导入的政策，未导入时用内置政策）
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// 输出 JSON
    #[arg(long)]
    pub json: bool,
}

pub(super) fn audit(db: &Path, a: &AuditArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let policies = super::eval::store_policies(&store, &a.policies)?;
    let findings = bangfu::audit::audit(&store, &policies, today())
        .map_err(|e| CliError::failure(e.to_string()))?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&findings)
                .map_err(|e| CliError::failure(e.to_string()))?
        );
        return Ok(());
    }
    let mut t = Table::new(&[("户编号", false), ("问题", false), ("情况", false)]);
    for f in &findings {
        t.row(vec![
            f.household.clone(),
            f.rule.zh().into(),
            f.detail.clone(),
        ]);
    }
    print!("{}", t.render());
    println!("回头看：共发现 {} 处问题", findings.len());
    Ok(())
}
