//! 一户一策 on the command line: measures, their follow-through (status,
//! outcome, referral and its reply), and the measures a decision suggests.

use std::path::Path;

use clap::Subcommand;

use super::text::Table;
use super::{parse_date_arg, CliError, CliResult};
use bangfu::casefile::CaseFile;
use bangfu::casework::{Measure, MeasureStatus, Referral};

/// `measure` subcommands.
#[derive(Debug, Subcommand)]
pub enum MeasureCommand {
    /// 添加帮扶措施（可同时转介到有关部门）
    Add {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 类别：低保、特困供养、临时救助、医疗救助、教育救助、住房救助、就业救助、慈善、结对帮扶……
        #[arg(long)]
        kind: String,
        /// 具体内容
        #[arg(long, default_value = "")]
        description: String,
        /// 责任人
        #[arg(long)]
        responsible: String,
        /// 完成时限
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<String>,
        /// 转介到的部门（如 县医疗保障局）
        #[arg(long, requires = "referral_sent")]
        referral_to: Option<String>,
        /// 转介日期
        #[arg(long, value_name = "YYYY-MM-DD", requires = "referral_to")]
        referral_sent: Option<String>,
    },
    /// 更新措施的落实情况：状态、结果、转介的答复
    Update {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 措施的记录号（measure list 可查）
        #[arg(long)]
        id: uuid::Uuid,
        /// 状态：planned（计划中） in_progress（进行中） done（已完成） not_done（未落实）
        #[arg(long)]
        status: Option<String>,
        /// 落实结果（未落实须写明原因）
        #[arg(long)]
        outcome: Option<String>,
        /// 转介部门的答复
        #[arg(long, requires = "replied")]
        reply: Option<String>,
        /// 答复日期
        #[arg(long, value_name = "YYYY-MM-DD", requires = "reply")]
        replied: Option<String>,
    },
    /// 列出某户的帮扶措施
    List {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 按最近的评估结果建议措施（残疾人两项补贴）；加 --add 则加入帮扶计划
    Suggest {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 责任人
        #[arg(long, default_value = "")]
        responsible: String,
        /// 把建议加入帮扶计划
        #[arg(long, requires = "responsible")]
        add: bool,
    },
}

fn status_arg(text: &str) -> Result<MeasureStatus, CliError> {
    MeasureStatus::ALL
        .into_iter()
        .find(|s| s.code() == text || s.zh() == text)
        .ok_or_else(|| {
            CliError::input(format!(
                "--status 的值“{text}”不认识：应为 planned、in_progress、done 或 not_done"
            ))
        })
}

fn save(store: &mut bangfu::store::Store, household_id: &str, m: &Measure) -> CliResult {
    m.validate().map_err(|e| CliError::input(e.to_string()))?;
    store.write(|tx| tx.save_measure(household_id, m))?;
    Ok(())
}

pub(super) fn measure(db: &Path, c: MeasureCommand) -> CliResult {
    let mut store = super::unlock::open_store(db)?;
    match c {
        MeasureCommand::Add {
            household,
            kind,
            description,
            responsible,
            due,
            referral_to,
            referral_sent,
        } => {
            let household_id = store.household_record_id(&household)?;
            let referral = match (referral_to, referral_sent) {
                (Some(department), Some(sent)) => Some(Referral {
                    department,
                    sent: parse_date_arg("--referral-sent", &sent)?,
                    reply: String::new(),
                    replied: None,
                }),
                _ => None,
            };
            let m = Measure {
                id: uuid::Uuid::now_v7(),
                kind,
                description,
                responsible,
                due: due
                    .as_deref()
                    .map(|d| parse_date_arg("--due", d))
                    .transpose()?,
                status: MeasureStatus::Planned,
                outcome: String::new(),
                referral,
            };
            save(&mut store, &household_id, &m)?;
            println!("已为 {household} 户添加措施：{}（记录号 {}）", m.kind, m.id);
            Ok(())
        }
        MeasureCommand::Update {
            household,
            id,
            status,
            outcome,
            reply,
            replied,
        } => {
            let household_id = store.household_record_id(&household)?;
            let mut m = store
                .measures(&household_id)?
                .into_iter()
                .find(|m| m.id == id)
                .ok_or_else(|| {
                    CliError::input(format!("户 {household} 没有记录号为 {id} 的措施"))
                })?;
            if let Some(s) = status {
                m.status = status_arg(&s)?;
            }
            if let Some(o) = outcome {
                m.outcome = o;
            }
            if let (Some(reply), Some(replied)) = (reply, replied) {
                let Some(r) = m.referral.as_mut() else {
                    return Err(CliError::input("这项措施没有转介，无从记录答复"));
                };
                r.reply = reply;
                r.replied = Some(parse_date_arg("--replied", &replied)?);
            }
            save(&mut store, &household_id, &m)?;
            println!("已更新 {household} 户措施“{}”：{}", m.kind, m.status.zh());
            Ok(())
        }
        MeasureCommand::List { household, json } => {
            let measures = store.measures(&store.household_record_id(&household)?)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&measures)
                        .map_err(|e| CliError::failure(e.to_string()))?
                );
                return Ok(());
            }
            let mut t = Table::new(&[
                ("记录号", false),
                ("措施", false),
                ("内容", false),
                ("责任人", false),
                ("时限", false),
                ("状态", false),
                ("转介", false),
                ("结果", false),
            ]);
            for m in &measures {
                let referral = m.referral.as_ref().map_or(String::new(), |r| {
                    let answer = r
                        .replied
                        .map_or("待答复".to_owned(), |d| format!("{d} 答复：{}", r.reply));
                    format!("{} {}，{answer}", r.sent, r.department)
                });
                t.row(vec![
                    m.id.to_string(),
                    m.kind.clone(),
                    m.description.clone(),
                    m.responsible.clone(),
                    m.due.map_or("—".into(), |d| d.to_string()),
                    m.status.zh().into(),
                    referral,
                    m.outcome.clone(),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        MeasureCommand::Suggest {
            household,
            responsible,
            add,
        } => {
            let file = CaseFile::load(&store, &household)?;
            let suggested = file.suggested_measures(&responsible);
            if suggested.is_empty() {
                println!("{household} 户最近的评估没有需要新增的措施");
                return Ok(());
            }
            for m in &suggested {
                println!("建议：{} —— {}", m.kind, m.description);
            }
            if add {
                for m in &suggested {
                    save(&mut store, &file.record_id, m)?;
                }
                println!("已加入帮扶计划 {} 项", suggested.len());
            }
            Ok(())
        }
    }
}
