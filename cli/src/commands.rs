//! The store commands: demo, import, export, households, visits, log, settings.

use bangfu::limits::{read_limited, read_text, MAX_HOUSEHOLD_FILE_BYTES, MAX_ROSTER_BYTES};
use std::io::Write;
use std::path::Path;

use super::text::Table;
use super::*;
use bangfu::casework::*;
use bangfu::household_json::{parse_file, to_document};
use bangfu::money::format_amount;
use bangfu::roster::{decode, parse_roster, parse_supporters, Encoding};
use bangfu::store::{Store, StoreError};

fn open(db: &Path) -> Result<Store, CliError> {
    super::unlock::open_store(db)
}

/// For the commands that may start a store.
fn open_or_create(db: &Path) -> Result<Store, CliError> {
    super::unlock::open_or_create(db)
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> CliResult {
    match out {
        Some(path) => write_file_atomically(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            Ok(stdout.flush()?)
        }
    }
}

/// Writes a file the user asked for (see [`bangfu::files`]).
pub(super) fn write_file_atomically(path: &Path, bytes: &[u8]) -> CliResult {
    bangfu::files::write_atomically(path, bytes, bangfu::files::Access::Normal)
        .map_err(|e| CliError::failure(format!("无法写入 {}：{e}", path.display())))
}

pub(super) fn demo(db: &Path, args: &DemoArgs) -> CliResult {
    let as_of = match &args.as_of {
        Some(d) => parse_date_arg("--as-of", d)?,
        None => today(),
    };
    let mut store = open_or_create(db)?;
    store.device_id()?;
    if store.setting("caseworker")?.is_none() {
        store.set_setting("caseworker", "演示协理员")?;
    }
    let (created, households, report) = bangfu::demo::install(
        &mut store,
        as_of,
        args.per_village.max(1),
        args.village.as_deref(),
    )
    .map_err(|e| CliError::failure(e.to_string()))?;
    let policies = eval::store_policies(&store, &[])?;

    let mut by_status: std::collections::BTreeMap<&str, (usize, rust_decimal::Decimal)> =
        Default::default();
    for r in &report.results {
        let e = by_status.entry(r.status.zh()).or_default();
        e.0 += 1;
        e.1 += r.total_monthly();
    }
    println!("演示数据库：{}", db.display());
    println!(
        "新建 {created} 户，共 {} 户，评估日期 {as_of}（政策 {}）",
        households.len(),
        policies
            .in_force(as_of)
            .map(|p| p.version.as_str())
            .unwrap_or("")
    );
    let mut t = Table::new(&[("结论", false), ("户数", true), ("每月合计（元）", true)]);
    for (status, (n, total)) in &by_status {
        t.row(vec![(*status).into(), n.to_string(), format_amount(*total)]);
    }
    print!("{}", t.render());
    println!(
        "下一步：bangfu --db {} households list；bangfu --db {} eval --format table",
        db.display(),
        db.display()
    );
    Ok(())
}

pub(super) fn import(db: &Path, c: ImportCommand) -> CliResult {
    match c {
        ImportCommand::Households { file } => {
            let text = read_text(&file, MAX_HOUSEHOLD_FILE_BYTES)
                .map_err(|e| CliError::input(format!("{}：{e}", file.display())))?;
            let parsed = parse_file(&text)
                .map_err(|e| CliError::input(format!("{}：{e}", file.display())))?;
            let today = today();
            let problems: Vec<String> = parsed.iter().flat_map(|p| p.problems(today)).collect();
            if !problems.is_empty() {
                return Err(CliError::input(format!(
                    "{} 有 {} 处错误，整份文件未导入：\n{}",
                    file.display(),
                    problems.len(),
                    problems.join("\n")
                )));
            }
            let households: Vec<_> = parsed.into_iter().map(|p| p.household).collect();
            save_all(db, &households, &file)
        }
        ImportCommand::Roster { file, encoding } => {
            let text = read_csv(&file, encoding)?;
            let store = open_or_create(db)?;
            let existing = |code: &str| store.household(code).ok().map(|(_, h)| h);
            let region = match store.setting("region_code")? {
                Some(r) => r,
                None => bangfu::policy::Policy::from_toml(
                    bangfu::policy::DEFAULT_POLICY_TOML,
                    "内置政策",
                )
                .map(|p| p.region_code)
                .unwrap_or_default(),
            };
            let households = parse_roster(&text, &region, &existing)
                .map_err(|errors| csv_errors(&file, &errors))?;
            drop(store);
            save_all(db, &households, &file)
        }
        ImportCommand::Supporters { file, encoding } => import_supporters(db, &file, encoding),
    }
}

/// Reads a county CSV (花名册, 法定义务人表) in the encoding asked for.
fn read_csv(file: &Path, encoding: EncodingArg) -> Result<String, CliError> {
    let bytes = read_limited(file, MAX_ROSTER_BYTES)
        .map_err(|e| CliError::input(format!("{}：{e}", file.display())))?;
    let encoding = match encoding {
        EncodingArg::Auto => Encoding::Auto,
        EncodingArg::Utf8 => Encoding::Utf8,
        EncodingArg::Gbk => Encoding::Gbk,
    };
    decode(&bytes, encoding).map_err(|e| CliError::input(format!("{}：{e}", file.display())))
}

/// Every problem of a county CSV, one a line, as the input error.
fn csv_errors(file: &Path, errors: &[bangfu::roster::RosterError]) -> CliError {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    CliError::input(format!(
        "{} 有 {} 处错误，整份文件未导入：\n{}",
        file.display(),
        errors.len(),
        lines.join("\n")
    ))
}

/// `import supporters`: the 法定义务人表 against the households in the
/// store, saved in one transaction or not at all.
fn import_supporters(db: &Path, file: &Path, encoding: EncodingArg) -> CliResult {
    let text = read_csv(file, encoding)?;
    let mut store = open(db)?;
    let households = store.households()?;
    let table = parse_supporters(&text, &households).map_err(|errors| csv_errors(file, &errors))?;
    let updated = table.apply(&households);
    let changed = store.write(|tx| {
        let mut changed = 0;
        for h in &updated {
            changed += usize::from(tx.save_household(h)?.changed);
        }
        Ok::<_, StoreError>(changed)
    })?;
    println!(
        "已导入法定义务人表 {}：户数 {}，成员数 {}，义务人数 {}（更新 {changed} 户，未变 {} 户）",
        file.display(),
        updated.len(),
        table.members.len(),
        table.supporter_count(),
        updated.len() - changed
    );
    Ok(())
}

fn save_all(db: &Path, households: &[bangfu::model::Household], file: &Path) -> CliResult {
    let mut store = open_or_create(db)?;
    let outside = bangfu::sync::device::households_outside_village(&store, households)?;
    if !outside.is_empty() {
        return Err(CliError::input(format!(
            "{} 有 {} 户不是本村的，整份文件未导入：\n{}",
            file.display(),
            outside.len(),
            outside.join("\n")
        )));
    }
    let (created, changed) = store.write(|tx| {
        let (mut created, mut changed) = (0, 0);
        for h in households {
            let o = tx.save_household(h)?;
            created += usize::from(o.created);
            changed += usize::from(o.changed && !o.created);
        }
        Ok::<_, StoreError>((created, changed))
    })?;
    println!(
        "已导入 {}：共 {} 户，新增 {created} 户，更新 {changed} 户，未变 {} 户",
        file.display(),
        households.len(),
        households.len() - created - changed
    );
    Ok(())
}

pub(super) fn export(db: &Path, c: ExportCommand) -> CliResult {
    let store = open(db)?;
    match c {
        ExportCommand::Households { out } => {
            let households = store.households()?;
            let mut bytes = serde_json::to_vec_pretty(&to_document(&households))
                .map_err(|e| CliError::failure(e.to_string()))?;
            bytes.push(b'\n');
            write_out(out.as_deref(), &bytes)?;
            if out.is_some() {
                eprintln!("已导出 {} 户", households.len());
            }
            Ok(())
        }
        ExportCommand::Ledger {
            csv: _,
            out,
            full_id,
        } => {
            let mut bytes = Vec::new();
            let n = bangfu::ledger::write_ledger(&store, &mut bytes, full_id)?;
            write_out(out.as_deref(), &bytes)?;
            if out.is_some() {
                eprintln!("已导出台账 {n} 户");
            }
            Ok(())
        }
    }
}

pub(super) fn households(db: &Path, c: HouseholdsCommand) -> CliResult {
    let store = open(db)?;
    match c {
        HouseholdsCommand::List { village, json } => {
            let list = store.household_summaries(village.as_deref())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list)
                        .map_err(|e| CliError::failure(e.to_string()))?
                );
                return Ok(());
            }
            let mut t = Table::new(&[
                ("户编号", false),
                ("村/社区", false),
                ("组", false),
                ("户主", false),
                ("人数", true),
                ("类别", false),
                ("月金额", true),
            ]);
            for s in &list {
                t.row(vec![
                    s.code.clone(),
                    s.village.clone(),
                    s.group.clone().unwrap_or_default(),
                    s.head.clone(),
                    s.cohabiting.to_string(),
                    s.status
                        .as_deref()
                        .and_then(bangfu::engine::Status::from_code)
                        .map_or("未评估", |x| x.zh())
                        .into(),
                    s.total_monthly.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", t.render());
            println!("共 {} 户", list.len());
            Ok(())
        }
        HouseholdsCommand::Show { id, json } => {
            let (record_id, h) = store.household(&id)?;
            let visits = store.visits(&record_id)?;
            let events = store.events(&record_id)?;
            let measures = store.measures(&record_id)?;
            if json {
                let v = serde_json::json!({
                    "household": bangfu::household_json::household_to_json(&h),
                    "visits": visits, "events": events, "measures": measures,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v)
                        .map_err(|e| CliError::failure(e.to_string()))?
                );
                return Ok(());
            }
            print!("{}", describe_household(&h, &visits, &events, &measures));
            Ok(())
        }
    }
}

fn describe_household(
    h: &bangfu::model::Household,
    visits: &[Visit],
    events: &[CaseEvent],
    measures: &[Measure],
) -> String {
    let mut s = String::new();
    let head = h.head().map_or("", |m| m.name.as_str());
    s.push_str(&format!(
        "户编号 {}  户主 {head}  {} {}  {}户籍\n",
        h.id,
        h.village,
        h.group.as_deref().unwrap_or(""),
        h.hukou.zh()
    ));
    if let Some(a) = &h.address {
        s.push_str(&format!(
            "住址 {a}  电话 {}\n",
            h.phone.as_deref().unwrap_or("")
        ));
    }
    let mut t = Table::new(&[
        ("序号", true),
        ("姓名", false),
        ("关系", false),
        ("性别", false),
        ("身份证号", false),
        ("共同生活", false),
        ("残疾", false),
        ("重病", false),
        ("劳动能力", false),
        ("年收入", true),
    ]);
    for (i, m) in h.members.iter().enumerate() {
        let income: rust_decimal::Decimal = m.incomes.iter().map(|x| x.annual).sum();
        t.row(vec![
            (i + 1).to_string(),
            m.name.clone(),
            m.relation_zh().to_owned(),
            m.sex().map_or("", |x| x.zh()).into(),
            m.id_number.clone().unwrap_or_default(),
            if m.cohabiting { "是" } else { "否" }.into(),
            m.disability
                .as_ref()
                .map_or(String::new(), |d| format!("{}{}级", d.kind.zh(), d.grade)),
            if m.serious_illness { "是" } else { "" }.into(),
            m.work_capacity.zh().into(),
            format_amount(income),
        ]);
    }
    s.push_str(&t.render());
    s.push_str(&format!(
        "金融资产 {} 元",
        format_amount(h.assets.financial)
    ));
    if !h.assets.disqualifying.is_empty() {
        s.push_str(&format!(
            "；其他财产：{}",
            h.assets.disqualifying.join("、")
        ));
    }
    s.push('\n');
    for e in &h.expenses {
        s.push_str(&format!(
            "刚性支出 {} {} 元/年\n",
            e.kind.zh(),
            format_amount(e.annual)
        ));
    }
    if !visits.is_empty() {
        s.push_str("入户调查：\n");
        for v in visits {
            let problems: Vec<&str> = v
                .checklist
                .iter()
                .filter(|c| c.problem)
                .map(|c| c.item.zh())
                .collect();
            s.push_str(&format!(
                "  {} {}{}  问题：{}\n",
                v.date,
                v.workers.join("、"),
                if v.draft { "（草稿）" } else { "" },
                if problems.is_empty() {
                    "无".into()
                } else {
                    problems.join("、")
                }
            ));
        }
    }
    if !events.is_empty() {
        s.push_str("办理流程：\n");
        for e in events {
            s.push_str(&format!(
                "  {} {} {} {}\n",
                e.date,
                e.kind.zh(),
                e.actor,
                e.note
            ));
        }
    }
    if !measures.is_empty() {
        s.push_str("帮扶措施：\n");
        for m in measures {
            s.push_str(&format!(
                "  {} {} 责任人 {} 时限 {} {}\n",
                m.kind,
                m.description,
                m.responsible,
                m.due.map_or(String::new(), |d| d.to_string()),
                m.status.zh()
            ));
        }
    }
    s
}

fn household_record(store: &Store, code: &str) -> Result<String, CliError> {
    Ok(store.household_record_id(code)?)
}

pub(super) fn visit(db: &Path, c: VisitCommand) -> CliResult {
    let mut store = open(db)?;
    match c {
        VisitCommand::Add(a) => {
            let household_id = household_record(&store, &a.household)?;
            let date = parse_date_arg("--date", &a.date)?;
            let next_visit = a
                .next
                .as_deref()
                .map(|n| parse_date_arg("--next", n))
                .transpose()?;
            let mut checklist: Vec<CheckResult> = CheckItem::ALL
                .iter()
                .map(|&item| CheckResult {
                    item,
                    problem: false,
                    note: String::new(),
                })
                .collect();
            for p in &a.problems {
                let (item, note) = p.split_once('=').unwrap_or((p.as_str(), ""));
                let known: Result<CheckItem, _> =
                    serde_json::from_value(serde_json::Value::String(item.trim().to_owned()));
                let Some(c) = known
                    .ok()
                    .and_then(|k| checklist.iter_mut().find(|c| c.item == k))
                else {
                    return Err(CliError::input(format!("--problem 的核查项“{item}”未知；可用：food clothing education medical housing water")));
                };
                c.problem = true;
                c.note = note.trim().to_owned();
            }
            let visit = Visit {
                id: uuid::Uuid::now_v7(),
                date,
                workers: a.workers,
                checklist,
                findings: a.findings,
                next_visit,
                draft: a.draft,
            };
            visit
                .validate()
                .map_err(|e| CliError::input(e.to_string()))?;
            store.write(|tx| tx.save_visit(&household_id, &visit))?;
            println!(
                "已记录 {} 户 {date} 的入户调查{}（记录号 {}）",
                a.household,
                if visit.draft { "草稿" } else { "" },
                visit.id
            );
            Ok(())
        }
        VisitCommand::List { household, json } => {
            let household_id = household_record(&store, &household)?;
            let visits = store.visits(&household_id)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&visits)
                        .map_err(|e| CliError::failure(e.to_string()))?
                );
            } else {
                for v in &visits {
                    println!("{} {} {}", v.date, v.workers.join("、"), v.findings);
                }
            }
            Ok(())
        }
    }
}

pub(super) fn log_verify(db: &Path) -> CliResult {
    if !db.exists() {
        return Err(CliError::input(format!("数据库 {} 不存在", db.display())));
    }
    let store = open(db)?;
    let problems = store.verify_log()?;
    if problems.is_empty() {
        println!(
            "变更日志完好：{} 条记录，哈希链连续，所有数据与日志一致",
            store.log_len()?
        );
        Ok(())
    } else {
        for p in &problems {
            println!("{p}");
        }
        Err(CliError::failure(format!(
            "变更日志校验发现 {} 处问题",
            problems.len()
        )))
    }
}

/// Device settings: the caseworker, the village, what the notice prints, and
/// the village staff list (JSON) the 近亲属 check of `audit` reads.
const SETTINGS: &[&str] = &[
    "caseworker",
    "village",
    "complaint_phone",
    "issuer",
    "staff",
];

pub(super) fn settings(db: &Path, c: SettingsCommand) -> CliResult {
    let mut store = match c {
        SettingsCommand::Set { .. } => open_or_create(db)?,
        _ => open(db)?,
    };
    match c {
        SettingsCommand::Set { key, value } => {
            if !SETTINGS.contains(&key.as_str()) {
                return Err(CliError::input(format!(
                    "未知的设置项“{key}”；可用：{}",
                    SETTINGS.join("、")
                )));
            }
            if key == "staff" {
                serde_json::from_str::<Vec<bangfu::audit::StaffMember>>(&value).map_err(|e| {
                    CliError::input(format!(
                        "staff 应为 JSON 列表，如 [{{\"name\":\"张三\",\"id_number\":\"…\"}}]：{e}"
                    ))
                })?;
            }
            store.device_id()?;
            store.set_setting(&key, &value)?;
            println!("已设置 {key} = {value}");
        }
        SettingsCommand::Show => {
            println!("设备编号：{}", store.device_id()?);
            for key in SETTINGS {
                println!(
                    "{key}：{}",
                    store.setting(key)?.unwrap_or_else(|| "（未设置）".into())
                );
            }
        }
    }
    Ok(())
}
