//! `bangfu eval`: evaluate a household file or the whole store.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::text::Table;
use super::{parse_date_arg, today, CliError, CliResult, EvalArgs, Format};
use bangfu::decisions::{diff, evaluate_store, save_report, EvalStoreError};
use bangfu::engine::{evaluate_all, Report};
use bangfu::money::format_amount;
use bangfu::policy::{Policy, PolicySet, DEFAULT_POLICY_TOML};
use bangfu::store::Store;

/// Loads the policy files given, or the built-in default when none is.
pub fn load_policies(paths: &[PathBuf]) -> Result<PolicySet, CliError> {
    let policies = if paths.is_empty() {
        vec![Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策")
            .map_err(|e| CliError::input(e.to_string()))?]
    } else {
        paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    CliError::input(format!("无法读取政策文件 {}：{e}", p.display()))
                })?;
                Policy::from_toml(&text, &p.display().to_string())
                    .map_err(|e| CliError::input(e.to_string()))
            })
            .collect::<Result<_, _>>()?
    };
    PolicySet::new(policies).map_err(|e| CliError::input(e.to_string()))
}

/// The policy files given, or else the policies in use in the store (those
/// imported from the county, or the built-in one before any was).
pub fn store_policies(store: &Store, paths: &[PathBuf]) -> Result<PolicySet, CliError> {
    if paths.is_empty() {
        Ok(store.policy_set()?.0)
    } else {
        load_policies(paths)
    }
}

/// Checks that a policy is in force on `as_of`, naming what to do if not.
fn check_in_force(policies: &PolicySet, as_of: NaiveDate) -> CliResult {
    policies.in_force(as_of).map(|_| ()).map_err(|e| {
        CliError::input(format!(
            "{e}（已有政策：{}；用 bangfu policy import 导入县里签发的政策）",
            policies
                .versions()
                .iter()
                .map(|p| format!("{} 自 {} 起", p.version, p.effective_from))
                .collect::<Vec<_>>()
                .join("，")
        ))
    })
}

pub(super) fn run(explicit_db: Option<&Path>, db: &Path, args: &EvalArgs) -> CliResult {
    let as_of = match &args.as_of {
        Some(d) => parse_date_arg("--as-of", d)?,
        None => today(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());

    if let Some(input) = &args.input {
        // A household file is evaluated under the policies given, or those of
        // the store named with --db, or the built-in one.
        let policies = match explicit_db {
            Some(db) if args.policies.is_empty() => {
                if !db.exists() {
                    return Err(CliError::input(format!("数据库 {} 不存在", db.display())));
                }
                store_policies(&super::unlock::open_store(db)?, &[])?
            }
            _ => load_policies(&args.policies)?,
        };
        check_in_force(&policies, as_of)?;
        let text = bangfu::limits::read_text(input, bangfu::limits::MAX_HOUSEHOLD_FILE_BYTES)
            .map_err(|e| CliError::input(format!("输入文件 {}：{e}", input.display())))?;
        let households = bangfu::household_json::parse_file(&text)
            .map_err(|e| CliError::input(format!("{}：{e}", input.display())))?;
        let report = evaluate_all(&policies, &households, as_of)
            .map_err(|e| CliError::input(e.to_string()))?;
        return print_report(&mut out, &report, args.format);
    }

    if explicit_db.is_none() && !db.exists() {
        return Err(CliError::input(
            "没有给出 --input，也没有找到数据库；请用 --input FILE 或 --db PATH",
        ));
    }
    let mut store = super::unlock::open_store(db)?;
    let policies = store_policies(&store, &args.policies)?;
    check_in_force(&policies, as_of)?;
    let (households, report) = evaluate_store(&store, &policies, as_of).map_err(|e| match e {
        EvalStoreError::Policy(p) => CliError::input(p.to_string()),
        EvalStoreError::Store(s) => CliError::from(s),
    })?;
    if args.diff {
        let changes = diff(&store.latest_decisions()?, &report.results);
        match args.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &changes)
                    .map_err(|e| CliError::failure(e.to_string()))?;
                writeln!(out)?;
            }
            Format::Table => {
                let mut t = Table::new(&[
                    ("户编号", false),
                    ("变化", false),
                    ("原类别", false),
                    ("新类别", false),
                    ("原金额", true),
                    ("新金额", true),
                    ("增减", true),
                ]);
                for c in &changes {
                    t.row(vec![
                        c.id.clone(),
                        c.kind.zh().into(),
                        c.from_status.map_or("—", |s| s.zh()).into(),
                        c.to_status.zh().into(),
                        format_amount(c.from_total),
                        format_amount(c.to_total),
                        format!("{:+}", c.delta.round_dp(2)),
                    ]);
                }
                write!(out, "{}", t.render())?;
                writeln!(out, "共 {} 户有变化（评估日期 {as_of}）", changes.len())?;
            }
        }
    } else {
        print_report(&mut out, &report, args.format)?;
    }
    if args.save {
        let n = save_report(&mut store, &households, &report)?;
        eprintln!(
            "已保存 {n} 户的评估结果（政策版本 {}）",
            policies
                .in_force(as_of)
                .map(|p| p.version.as_str())
                .unwrap_or("")
        );
    }
    Ok(())
}

fn print_report(out: &mut dyn Write, report: &Report, format: Format) -> CliResult {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *out, report)
                .map_err(|e| CliError::failure(e.to_string()))?;
            writeln!(out)?;
        }
        Format::Table => {
            let mut t = Table::new(&[
                ("户编号", false),
                ("结论", false),
                ("人数", true),
                ("月人均收入", true),
                ("低保金", true),
                ("合计", true),
                ("说明", false),
            ]);
            for r in &report.results {
                match &r.decision {
                    Some(d) => t.row(vec![
                        r.id.clone(),
                        r.status.zh().into(),
                        d.household_size.to_string(),
                        d.per_capita_income.map_or("—".into(), format_amount),
                        format_amount(d.monthly_benefit),
                        format_amount(d.total_monthly),
                        d.reasons.first().map_or(String::new(), |x| x.text.clone()),
                    ]),
                    None => t.row(vec![
                        r.id.clone(),
                        r.status.zh().into(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        r.errors
                            .iter()
                            .map(|e| e.describe(&r.id))
                            .collect::<Vec<_>>()
                            .join("；"),
                    ]),
                }
            }
            write!(out, "{}", t.render())?;
            let total: rust_decimal::Decimal =
                report.results.iter().map(|r| r.total_monthly()).sum();
            writeln!(
                out,
                "共 {} 户，评估日期 {}，每月合计 {} 元",
                report.results.len(),
                report.as_of,
                format_amount(total)
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
