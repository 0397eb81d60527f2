//! The 办理流程 on the command line: `event add` records a step in the order
//! the path allows, `case` shows where a household's case stands.

use std::path::Path;

use clap::{Args, Subcommand};
use serde_json::{Map, Value};

use super::text::Table;
use super::{parse_date_arg, today, CliError, CliResult};
use bangfu::casework::{CaseEvent, EventKind};
use bangfu::decisions::{record_step, StepRecordError};
use bangfu::lifecycle::{deadlines, Case};

/// `event` subcommands.
#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// 记录办理流程的一步（须按顺序：受理 → 入户调查 → 信息核对 → 民主评议 → 公示 → 乡镇审核 → 确认 …）
    Add {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 节点：application investigation check_request check_reply democratic_review notice_start objection objection_settled notice_end township_review county_confirmation refusal extension review gradual_exit termination exception（或中文名）
        #[arg(long)]
        kind: String,
        /// 日期
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        /// 经办人或单位
        #[arg(long, default_value = "")]
        actor: String,
        /// 备注（不予认定、延长时限、异议等须写理由）
        #[arg(long, default_value = "")]
        note: String,
        /// 该步要记录的内容，如 finding=nothing、result=agree、participants=9、by=村民张某、objection=记录号、outcome=decrease、reason=voluntary、paid_months=2、recorded=dibao、approved_by=乡镇（可重复）
        #[arg(long = "data", value_name = "KEY=VALUE")]
        data: Vec<String>,
    },
}

/// `case` options.
#[derive(Debug, Args)]
pub struct CaseArgs {
    /// 户编号
    #[arg(long)]
    pub household: String,
    /// 输出 JSON
    #[arg(long)]
    pub json: bool,
}

impl From<StepRecordError> for CliError {
    fn from(e: StepRecordError) -> Self {
        match e {
            StepRecordError::Store(e) => e.into(),
            other => CliError::input(other.to_string()),
        }
    }
}

/// `KEY=VALUE` pairs as a JSON object; whole numbers become numbers.
fn data_arg(pairs: &[String]) -> Result<Map<String, Value>, CliError> {
    let mut out = Map::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::input(format!(
                "--data 的值“{pair}”应写成 键=值，如 finding=nothing"
            )));
        };
        let value = value.trim();
        let value = match value.parse::<u64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(value),
        };
        out.insert(key.trim().to_owned(), value);
    }
    Ok(out)
}

pub(super) fn event(db: &Path, c: EventCommand) -> CliResult {
    let EventCommand::Add {
        household,
        kind,
        date,
        actor,
        note,
        data,
    } = c;
    let mut store = super::unlock::open_store(db)?;
    let kind = EventKind::parse(&kind)
        .ok_or_else(|| CliError::input(format!("--kind 的值“{kind}”不是已知的流程节点")))?;
    let step = CaseEvent {
        id: uuid::Uuid::now_v7(),
        kind,
        date: parse_date_arg("--date", &date)?,
        actor,
        note,
        data: data_arg(&data)?,
    };
    if step.date > today() {
        return Err(CliError::input(format!(
            "--date 的值 {} 晚于今天（本机日期 {}）：办理步骤只能记录已经发生的事",
            step.date,
            today()
        )));
    }
    let policies = super::eval::store_policies(&store, &[])?;
    let case = record_step(&mut store, &policies, &household, &step)?;
    let next: Vec<&str> = case.next_steps().iter().map(|k| k.zh()).collect();
    println!(
        "已记录 {household} 户 {} {}（记录号 {}）；现在：{}，下一步：{}",
        step.date,
        kind.zh(),
        step.id,
        case.stage.zh(),
        next.join("、")
    );
    Ok(())
}

pub(super) fn show(db: &Path, a: &CaseArgs) -> CliResult {
    let store = super::unlock::open_store(db)?;
    let policies = super::eval::store_policies(&store, &[])?;
    let procedure = policies
        .in_force(today())
        .map_err(|e| CliError::input(e.to_string()))?
        .procedure();
    let events = store.events(&store.household_record_id(&a.household)?)?;
    let (case, refused) = Case::replay(&events, &procedure);
    let calendar = store.work_calendar()?;
    let deadlines = deadlines(&events, &calendar, &procedure);
    let next: Vec<&str> = case.next_steps().iter().map(|k| k.zh()).collect();
    if a.json {
        let value = serde_json::json!({
            "household": a.household,
            "stage": case.stage,
            "stage_zh": case.stage.zh(),
            "next": case.next_steps().iter().map(|k| k.code()).collect::<Vec<_>>(),
            "deadlines": deadlines,
            "out_of_order": refused.iter().map(|(e, err)| serde_json::json!({"id": e.id, "problem": err.to_string()})).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::failure(e.to_string()))?
        );
        return Ok(());
    }
    println!(
        "户 {}：{}；下一步：{}",
        a.household,
        case.stage.zh(),
        next.join("、")
    );
    let mut table = Table::new(&[
        ("时限", false),
        ("应于", false),
        ("完成", false),
        ("", false),
    ]);
    for d in &deadlines {
        table.row(vec![
            d.what.to_owned(),
            d.due.to_string(),
            d.done.map_or("—".into(), |x| x.to_string()),
            if d.missed(today()) {
                "超时".into()
            } else {
                String::new()
            },
        ]);
    }
    print!("{}", table.render());
    for (e, err) in &refused {
        println!("顺序不符：{} {}：{}", e.date, e.kind.zh(), err.reason);
    }
    Ok(())
}
