//! The 临时救助 register and the confirmation of 在保: `temp-aid`, `confirm`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rust_decimal::Decimal;

use super::commands::write_file_atomically;
use super::text::Table;
use super::{parse_date_arg, today, CliError, CliResult};
use bangfu::decisions::{
    confirm_enrollment, evaluate_request, grant_temp_aid, ConfirmError, GrantError,
};
use bangfu::model::TempAidKind;
use bangfu::money::{format_amount, parse_amount};
use bangfu::temp_aid::TempAidRecord;

/// `temp-aid` subcommands.
#[derive(Debug, Subcommand)]
pub enum TempAidCommand {
    /// 登记一笔临时救助申请
    Request(RequestArgs),
    /// 核定并发放一笔临时救助（金额不超过按政策可救助的数额）
    Pay(PayArgs),
    /// 先行救助发放后补办审批
    Approve {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 记录号
        #[arg(long)]
        id: uuid::Uuid,
        /// 审批日期
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        /// 审批机关（如 乡镇人民政府）
        #[arg(long)]
        by: String,
    },
    /// 列出某户的临时救助登记
    List {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 打印一笔临时救助的审批表（PDF）
    Form {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 记录号
        #[arg(long)]
        id: uuid::Uuid,
        /// 输出 PDF 文件
        #[arg(long)]
        out: PathBuf,
        /// 政策文件（默认用数据库中的政策或内置政策）
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
    },
}

/// `temp-aid request` options.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// 户编号
    #[arg(long)]
    pub household: String,
    /// 类型：emergency（急难型）或 expenditure（支出型）
    #[arg(long, default_value = "expenditure")]
    pub kind: String,
    /// 事由
    #[arg(long)]
    pub cause: String,
    /// 事件发生日期
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub event_date: String,
    /// 报告时间
    #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
    pub reported_at: Option<String>,
    /// 申请金额（元）
    #[arg(long)]
    pub requested: String,
    /// 一事一议，并写明理由
    #[arg(long, value_name = "理由")]
    pub case_by_case: Option<String>,
}

/// `temp-aid pay` options.
#[derive(Debug, Args)]
pub struct PayArgs {
    /// 户编号
    #[arg(long)]
    pub household: String,
    /// 记录号（temp-aid list 可查）
    #[arg(long)]
    pub id: uuid::Uuid,
    /// 核定金额（元）
    #[arg(long)]
    pub granted: String,
    /// 发放时间
    #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
    pub paid_at: String,
    /// 政策文件（默认用数据库中的政策或内置政策）
    #[arg(long = "policy")]
    pub policies: Vec<PathBuf>,
}

/// `confirm` options.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// 户编号
    #[arg(long)]
    pub household: String,
    /// 确认日期（默认今天）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

impl From<GrantError> for CliError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::Store(e) => e.into(),
            other => CliError::input(other.to_string()),
        }
    }
}

impl From<ConfirmError> for CliError {
    fn from(e: ConfirmError) -> Self {
        match e {
            ConfirmError::Store(e) => e.into(),
            other => CliError::input(other.to_string()),
        }
    }
}

fn amount_arg(option: &str, text: &str) -> Result<Decimal, CliError> {
    parse_amount(text).map_err(|e| CliError::input(format!("{option} 的值“{text}”：{e}")))
}

fn date_time_arg(option: &str, text: &str) -> Result<chrono::NaiveDateTime, CliError> {
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        CliError::input(format!(
            "{option} 的值“{text}”不是“YYYY-MM-DD HH:MM”格式的时间"
        ))
    })
}

pub(super) fn temp_aid(db: &Path, c: TempAidCommand) -> CliResult {
    let mut store = super::unlock::open_store(db)?;
    match c {
        TempAidCommand::Request(a) => {
            let household_id = store.household_record_id(&a.household)?;
            let kind = TempAidKind::from_code_or_zh(&a.kind).ok_or_else(|| {
                CliError::input(format!(
                    "--kind 的值“{}”不认识：应为 emergency（急难型）或 expenditure（支出型）",
                    a.kind
                ))
            })?;
            let record = TempAidRecord {
                id: uuid::Uuid::now_v7(),
                kind,
                cause: a.cause,
                event_date: parse_date_arg("--event-date", &a.event_date)?,
                reported_at: a
                    .reported_at
                    .as_deref()
                    .map(|t| date_time_arg("--reported-at", t))
                    .transpose()?,
                requested: amount_arg("--requested", &a.requested)?,
                case_by_case: a.case_by_case.is_some(),
                case_reason: a.case_by_case.unwrap_or_default(),
                granted: None,
                approval_level: None,
                paid_at: None,
                approved: None,
            };
            record
                .validate()
                .map_err(|e| CliError::input(e.to_string()))?;
            store.write(|tx| tx.save_temp_aid(&household_id, &record))?;
            println!(
                "已登记 {} 户的{}临时救助申请 {} 元（记录号 {}）",
                a.household,
                record.kind.zh(),
                format_amount(record.requested),
                record.id
            );
            Ok(())
        }
        TempAidCommand::Pay(a) => {
            let paid_at = date_time_arg("--paid-at", &a.paid_at)?;
            let policies = super::eval::store_policies(&store, &a.policies)?;
            let record = grant_temp_aid(
                &mut store,
                &policies,
                &a.household,
                a.id,
                amount_arg("--granted", &a.granted)?,
                paid_at,
            )?;
            let level = record.approval_level.map_or("—", |l| l.zh());
            let hours = record
                .hours_to_payment()
                .map(|h| format!("，自报告 {h} 小时"))
                .unwrap_or_default();
            println!(
                "已发放 {} 户临时救助 {} 元（{level}{hours}）",
                a.household,
                format_amount(record.granted.unwrap_or_default()),
            );
            Ok(())
        }
        TempAidCommand::Approve {
            household,
            id,
            date,
            by,
        } => {
            let household_id = store.household_record_id(&household)?;
            let mut record = store
                .temp_aid(&household_id)?
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| {
                    CliError::input(format!("户 {household} 没有记录号为 {id} 的临时救助"))
                })?;
            record.approved = Some(bangfu::temp_aid::Approval {
                on: parse_date_arg("--date", &date)?,
                by,
            });
            record
                .validate()
                .map_err(|e| CliError::input(e.to_string()))?;
            store.write(|tx| tx.save_temp_aid(&household_id, &record))?;
            println!("已记录 {household} 户先行救助的补办审批（{date}）");
            Ok(())
        }
        TempAidCommand::List { household, json } => {
            let household_id = store.household_record_id(&household)?;
            let register = store.temp_aid(&household_id)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&register)
                        .map_err(|e| CliError::failure(e.to_string()))?
                );
                return Ok(());
            }
            let mut table = Table::new(&[
                ("记录号", false),
                ("类型", false),
                ("事由", false),
                ("发生日期", false),
                ("申请", true),
                ("核定", true),
                ("发放时间", false),
            ]);
            for r in &register {
                table.row(vec![
                    r.id.to_string(),
                    r.kind.zh().to_owned(),
                    r.cause.clone(),
                    r.event_date.to_string(),
                    format_amount(r.requested),
                    r.granted.map_or("—".into(), format_amount),
                    r.paid_at.map_or("未发放".into(), |p| {
                        p.format("%Y-%m-%d %H:%M").to_string()
                    }),
                ]);
            }
            print!("{}", table.render());
            Ok(())
        }
        TempAidCommand::Form {
            household,
            id,
            out,
            policies,
        } => {
            let policies = super::eval::store_policies(&store, &policies)?;
            let paid = store
                .temp_aid(&store.household_record_id(&household)?)?
                .into_iter()
                .find(|r| r.id == id)
                .and_then(|r| r.paid_at);
            let e = evaluate_request(
                &store,
                &policies,
                &household,
                id,
                paid.map_or(today(), |p| p.date()),
            )?;
            let pdf = bangfu::documents::temp_aid_form_pdf(
                &e.household,
                &e.record,
                &e.register,
                Some(&e.result),
                today(),
            )
            .map_err(|e| CliError::failure(format!("生成 PDF 失败：{e}")))?;
            write_file_atomically(&out, &pdf)?;
            println!("已生成临时救助审批表：{}", out.display());
            Ok(())
        }
    }
}

pub(super) fn confirm(db: &Path, a: &ConfirmArgs) -> CliResult {
    let mut store = super::unlock::open_store(db)?;
    let on = match &a.date {
        Some(d) => parse_date_arg("--date", d)?,
        None => today(),
    };
    let e = confirm_enrollment(&mut store, &a.household, on)?;
    println!(
        "已确认 {} 户在保：{}，每月 {} 元，自 {} 起{}",
        a.household,
        if e.is_tekun() {
            "特困供养"
        } else {
            "最低生活保障"
        },
        format_amount(e.monthly_amount),
        e.since.map_or("—".into(), |d| d.to_string()),
        e.class
            .as_deref()
            .map(|c| format!("（{c}类）"))
            .unwrap_or_default()
    );
    Ok(())
}
