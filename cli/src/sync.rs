//! The sync commands: `device`, `bundle`, `county`, `policy`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::text::Table;
use super::{CliError, CliResult};
use bangfu::store::{PolicySaved, Store};
use bangfu::sync::wire::Conflict;
use bangfu::sync::{self, device, SyncError};

impl From<SyncError> for CliError {
    fn from(e: SyncError) -> Self {
        if e.is_input() {
            CliError::input(e.to_string())
        } else {
            CliError::failure(e.to_string())
        }
    }
}

/// `device` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// 建立本机设备身份（签名和加密密钥、设备编号），写出交县里登记的文件
    Init {
        /// 协理员姓名（默认用 settings 中的 caseworker）
        #[arg(long)]
        name: Option<String>,
        /// 所在村（默认用 settings 中的 village）
        #[arg(long)]
        village: Option<String>,
        /// 本数据库是从别的设备复制来的：建立新的设备编号，只导出此后的变更
        #[arg(long)]
        copied_store: bool,
        /// 登记文件的输出路径（默认放在密钥文件夹中）
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 显示本机设备身份和同步状态
    Show,
    /// 导入县里发的县级公钥文件
    ImportCountyKey {
        /// 县级公钥文件
        file: PathBuf,
        /// 替换已配置的另一个县级公钥：写作“旧密钥号:新密钥号”（向县民政局核实新密钥号后）
        #[arg(long, value_name = "旧密钥号:新密钥号")]
        replace: Option<String>,
    },
}

/// `bundle` subcommands.
#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// 导出自上次回执以来的全部变更（本机签名，加密给县里）
    Export {
        /// 数据包文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 导入县里的回执：确认县里已收到，并带回冲突
    Ack {
        /// 回执文件
        file: PathBuf,
    },
    /// 显示同步状态和县里退回的冲突
    Status,
}

/// `county` subcommands.
#[derive(Debug, Subcommand)]
pub enum CountyCommand {
    /// 建立县级数据库和县级密钥，写出发给各设备的县级公钥文件
    Init {
        /// 县级行政区划代码（6位）
        #[arg(long)]
        region: String,
        /// 单位名称，如 示例县民政局
        #[arg(long)]
        name: String,
        /// 县级公钥文件的输出路径（默认放在密钥文件夹中）
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 登记一台设备（用设备 init 写出的登记文件）
    RegisterDevice {
        /// 设备登记文件
        file: PathBuf,
    },
    /// 列出已登记的设备
    Devices,
    /// 导入数据包（可给多个，按设备和序号排序后逐个导入），并写出回执
    Import {
        /// 数据包文件
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// 回执存放目录（默认与数据包同目录，文件名加 .ack）
        #[arg(long)]
        ack_dir: Option<PathBuf>,
    },
    /// 重新写出某台设备的回执（带上目前涉及它的全部未解决冲突）
    Ack {
        /// 设备编号
        device: String,
        /// 回执文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 列出设备之间的冲突（默认只列未解决的）
    Conflicts {
        /// 包括已解决的
        #[arg(long)]
        all: bool,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
        /// 显示完整身份证号
        #[arg(long)]
        full_id: bool,
    },
    /// 把一户迁到本县另一个村（社区）：只能由县里办理，记入变更日志
    MoveHousehold {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 迁入的村（社区）
        #[arg(long)]
        to_village: String,
    },
    /// 用县级密钥签发政策文件
    PublishPolicy {
        /// 政策文件 policy.toml
        policy: PathBuf,
        /// 输出路径（默认为政策文件名加 .signed）
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// 导入县里签发的政策文件（只接受有效的县级签名）
    Import {
        /// 签名的政策文件
        file: PathBuf,
    },
    /// 列出本机评估所用的政策（按生效日期）
    List,
}

/// "，含照片和扫描件 N 个（K KB）" when a bundle carries attachment bytes.
fn photos_text(m: &sync::wire::BundleManifest) -> String {
    if m.blob_count == 0 {
        return String::new();
    }
    format!(
        "，含照片和扫描件 {} 个（{} KB）",
        m.blob_count,
        m.blob_bytes.div_ceil(1024)
    )
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `bangfu device …`
pub(super) fn device(db: &Path, c: DeviceCommand) -> CliResult {
    let mut store = match c {
        DeviceCommand::Init { .. } => super::unlock::open_or_create(db)?,
        _ => super::unlock::open_store(db)?,
    };
    match c {
        DeviceCommand::Init {
            name,
            village,
            copied_store,
            out,
        } => {
            let (d, created) = device::init(
                &mut store,
                db,
                name.as_deref(),
                village.as_deref(),
                copied_store,
            )?;
            let out = out.unwrap_or_else(|| device::default_registration_path(db));
            d.write_registration(&out)?;
            println!("{}设备身份：", if created { "已建立" } else { "本机已有" });
            print_device(&d, db);
            println!("登记文件：{}", out.display());
            println!(
                "请把登记文件交给县里（bangfu county register-device {}），并当面核对密钥号 {}",
                out.display(),
                d.keys.signing.public().key_id()
            );
            if d.state.copied_from.is_some() {
                println!(
                    "本数据库复制自设备 {}：只导出第 {} 条之后的变更",
                    d.state.copied_from.as_deref().unwrap_or(""),
                    d.state.base_seq
                );
            }
        }
        DeviceCommand::Show => {
            let d = device::load(&store, db)?;
            print_device(&d, db);
            print_status(&store)?;
        }
        DeviceCommand::ImportCountyKey { file, replace } => {
            let (k, new) = device::import_county_key(&mut store, &file, replace.as_deref())?;
            println!(
                "{}县级公钥：{}（{}），密钥号 {}",
                if new { "已导入" } else { "已是当前的" },
                k.name,
                k.region,
                k.key_id
            );
        }
    }
    Ok(())
}

fn print_device(d: &device::Device, db: &Path) {
    println!("  设备编号：{}", d.id);
    println!("  协理员：{}  村：{}", d.caseworker, d.village);
    println!("  密钥号：{}", d.keys.signing.public().key_id());
    println!(
        "  密钥文件夹：{}（私钥仅本人可读）",
        sync::identity::keys_dir(db).display()
    );
}

fn print_status(store: &Store) -> CliResult {
    match device::county_key(store)? {
        Some(k) => println!("县级公钥：{}（{}），密钥号 {}", k.name, k.region, k.key_id),
        None => println!("县级公钥：未导入"),
    }
    let acked = device::acked(store)?;
    println!(
        "县里已确认：第 {} 号数据包（至本机第 {} 条记录）",
        acked.as_ref().map_or(0, |a| a.sequence),
        acked.as_ref().map_or(0, |a| a.seq)
    );
    if let Some(l) = device::last_export(store)? {
        if acked.as_ref().is_none_or(|a| a.sequence < l.sequence) {
            println!("已导出、尚未收到回执：第 {} 号（{}）", l.sequence, l.at);
        }
    }
    println!("待导出的变更：{} 条", device::pending(store)?);
    let conflicts = device::conflicts(store)?;
    if conflicts.is_empty() {
        println!("县里退回的冲突：无");
    } else {
        println!("县里退回的冲突：{} 处，请核实后修改", conflicts.len());
        print_conflicts(&conflicts, false);
    }
    Ok(())
}

/// `bangfu bundle …`
pub(super) fn bundle(db: &Path, c: BundleCommand) -> CliResult {
    let mut store = super::unlock::open_store(db)?;
    match c {
        BundleCommand::Export { out } => match device::export(&mut store, db, &out)? {
            device::Exported::Nothing { acked_sequence } => {
                println!("自上次回执（第 {acked_sequence} 号）以来没有新的变更，未生成数据包");
            }
            device::Exported::Written { parts, replaces } => {
                for (path, manifest) in &parts {
                    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                    println!(
                        "已导出第 {} 号数据包 {}：{} 条变更（本机第 {}–{} 条）{}，{} 字节，已签名并加密给 {}",
                        manifest.sequence,
                        path.display(),
                        manifest.entry_count,
                        manifest.first_seq,
                        manifest.last_seq,
                        photos_text(manifest),
                        size,
                        manifest.region
                    );
                }
                if parts.len() > 1 {
                    println!(
                        "变更较多，已按顺序分成 {} 个数据包（每个不超过约 {} MB）：请全部交给县里，县里按编号依次导入",
                        parts.len(),
                        device::PART_PLAIN_BYTES / 1024 / 1024
                    );
                }
                if let Some(r) = replaces {
                    println!(
                        "注意：此前于 {} 导出的数据包（至第 {} 号）尚未收到回执；这次导出包含其全部内容并取代它，县里只会接受其中一份",
                        r.at, r.sequence
                    );
                }
            }
        },
        BundleCommand::Ack { file } => {
            let a = device::apply_ack(&mut store, db, &file)?;
            if a.new {
                println!(
                    "已导入回执：县里确认收到第 {} 号数据包（至本机第 {} 条记录），下次从第 {} 条之后导出",
                    a.manifest.sequence, a.manifest.last_seq, a.manifest.last_seq
                );
            } else {
                println!(
                    "这份回执（第 {} 号）已导入过或已过时，导出起点不变",
                    a.manifest.sequence
                );
            }
            if a.conflicts.is_empty() {
                println!("没有冲突");
            } else {
                println!(
                    "县里发现 {} 处冲突（同一字段在两台设备上被改成不同的值），请核实后修改：",
                    a.conflicts.len()
                );
                print_conflicts(&a.conflicts, false);
            }
        }
        BundleCommand::Status => {
            let d = device::load(&store, db)?;
            print_device(&d, db);
            print_status(&store)?;
        }
    }
    Ok(())
}

fn value_text(column: &str, v: &serde_json::Value, full_id: bool) -> String {
    let text = match v {
        serde_json::Value::Null => "（空）".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if column == "id_number" && !full_id {
        bangfu::id_number::mask_id_number(&text)
    } else if column == "*" {
        if v.is_null() {
            "（删除整条记录）".into()
        } else {
            "（整条记录，另一设备有修改）".into()
        }
    } else {
        text
    }
}

fn print_conflicts(list: &[Conflict], full_id: bool) {
    for c in list {
        println!(
            "冲突 #{}：户 {} 的 {}.{}（记录 {}）{}",
            c.id,
            c.household.as_deref().unwrap_or("（未知）"),
            c.table,
            c.column,
            short(&c.record_id),
            if c.status == "open" {
                "未解决"
            } else {
                "已解决"
            }
        );
        for (label, side) in [("县里原值", &c.held), ("新到的值", &c.incoming)] {
            println!(
                "  {label}：{}（设备 {}，{}）",
                value_text(&c.column, &side.value, full_id),
                short(&side.device_id),
                side.at
            );
        }
        println!(
            "  目前采用：{}——{}",
            if c.winner == "incoming" {
                "新到的值"
            } else {
                "县里原值"
            },
            c.rule
        );
        if let Some(note) = &c.clock_note {
            println!("  注意：{note}");
        }
        if let Some(by) = &c.settled_by {
            println!(
                "  已由设备 {} 于 {} 再次修改而解决",
                short(by),
                c.settled_at.as_deref().unwrap_or("")
            );
        }
    }
}

fn county_store(db: &Path) -> Result<Store, CliError> {
    if !db.exists() {
        return Err(CliError::failure(format!(
            "县级数据库 {} 不存在：请先运行 bangfu --db {} county init --region 行政区划代码 --name 单位名称",
            db.display(),
            db.display()
        )));
    }
    super::unlock::open_store(db)
}

/// `bangfu county …`
pub(super) fn county(db: &Path, c: CountyCommand) -> CliResult {
    use bangfu::sync::county as cty;
    match c {
        CountyCommand::Init { region, name, out } => {
            let mut store = super::unlock::open_or_create(db)?;
            let (county, created) = cty::init(&mut store, db, &region, &name)?;
            let out = out.unwrap_or_else(|| sync::identity::keys_dir(db).join("county-key.bangfu"));
            county.write_public_file(&out)?;
            println!(
                "{}县级数据库：{}（{}），密钥号 {}",
                if created { "已建立" } else { "已有" },
                county.public.name,
                county.public.region,
                county.public.key_id
            );
            println!(
                "县级私钥在 {}（仅本人可读，请妥善备份）",
                sync::identity::keys_dir(db).display()
            );
            println!(
                "县级公钥文件：{}——发给各协理员，用 bangfu device import-county-key 导入",
                out.display()
            );
        }
        CountyCommand::RegisterDevice { file } => {
            let mut store = county_store(db)?;
            cty::load(&store, db)?;
            let (d, new) = cty::register_device(&mut store, &file)?;
            println!(
                "{}设备 {}：{}，{}，密钥号 {}（请与设备上显示的核对）",
                if new { "已登记" } else { "已登记过" },
                d.device_id,
                d.caseworker,
                d.village,
                d.key_id
            );
        }
        CountyCommand::Devices => {
            let store = county_store(db)?;
            cty::load(&store, db)?;
            let list = cty::devices(&store)?;
            for d in &list {
                println!(
                    "{}  {}  {}  密钥号 {}  已导入至第 {} 号",
                    d.device_id, d.village, d.caseworker, d.key_id, d.last_sequence
                );
            }
            println!("共 {} 台设备", list.len());
        }
        CountyCommand::Import { files, ack_dir } => {
            let mut store = county_store(db)?;
            let county = cty::load(&store, db)?;
            import_all(&mut store, &county, &files, ack_dir.as_deref())?;
        }
        CountyCommand::Ack { device, out } => {
            let store = county_store(db)?;
            let county = cty::load(&store, db)?;
            let m = cty::write_ack(&store, &county, &device, &out)?;
            println!(
                "已写出设备 {} 的回执 {}：确认至第 {} 号数据包，未解决冲突 {} 处",
                device,
                out.display(),
                m.sequence,
                m.open_conflicts
            );
        }
        CountyCommand::Conflicts { all, json, full_id } => {
            let store = county_store(db)?;
            cty::load(&store, db)?;
            let list = cty::conflicts(&store, all)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list)
                        .map_err(|e| CliError::failure(e.to_string()))?
                );
            } else {
                print_conflicts(&list, full_id);
                println!(
                    "共 {} 处{}冲突",
                    list.len(),
                    if all { "" } else { "未解决的" }
                );
            }
        }
        CountyCommand::MoveHousehold {
            household,
            to_village,
        } => {
            let mut store = county_store(db)?;
            let county = cty::load(&store, db)?;
            let from = cty::move_household(&mut store, &county, &household, &to_village)?;
            println!("已把户 {household} 从 {from} 迁到 {}", to_village.trim());
        }
        CountyCommand::PublishPolicy { policy, out } => {
            let store = county_store(db)?;
            let county = cty::load(&store, db)?;
            let out = out.unwrap_or_else(|| {
                let mut name = policy.as_os_str().to_owned();
                name.push(".signed");
                PathBuf::from(name)
            });
            let m = sync::policy_file::publish(&county, &policy, &out)?;
            println!(
                "已签发政策 {}（{} 起生效）：{}",
                m.policy_version,
                m.effective_from,
                out.display()
            );
        }
    }
    Ok(())
}

fn import_all(
    store: &mut Store,
    county: &sync::county::County,
    files: &[PathBuf],
    ack_dir: Option<&Path>,
) -> CliResult {
    use bangfu::sync::county as cty;
    // Bundles of one device in sequence order, whatever order they were given in.
    let mut order: Vec<(Option<(String, u64)>, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (cty::peek_bundle(f), i))
        .collect();
    order.sort();
    let (mut imported, mut again, mut rejected) = (0, 0, 0);
    let mut last_error = None;
    for (_, i) in order {
        let file = &files[i];
        match cty::import_bundle(store, county, file) {
            Ok(r) => {
                let ack = ack_path(file, ack_dir);
                let written = cty::write_ack(store, county, &r.device.device_id, &ack);
                let who = format!(
                    "设备 {}（{}，{}）第 {} 号",
                    short(&r.device.device_id),
                    r.device.caseworker,
                    r.device.village,
                    r.manifest.sequence
                );
                if r.already {
                    again += 1;
                    println!("＝ {}：{who} 已导入过，未做任何更改", file.display());
                } else {
                    imported += 1;
                    println!(
                        "✓ {}：{who}，{} 条变更{}，写入 {} 行，新冲突 {} 处，解决冲突 {} 处",
                        file.display(),
                        r.manifest.entry_count,
                        photos_text(&r.manifest),
                        r.rows_changed,
                        r.new_conflicts.len(),
                        r.settled
                    );
                    print_conflicts(&r.new_conflicts, false);
                }
                match written {
                    Ok(m) => println!(
                        "  回执：{}（未解决冲突 {} 处）",
                        ack.display(),
                        m.open_conflicts
                    ),
                    Err(e) => {
                        rejected += 1;
                        println!("  回执写入失败：{e}");
                        last_error = Some(CliError::from(e));
                    }
                }
            }
            Err(e) => {
                rejected += 1;
                println!("✗ 已拒绝 {e}");
                last_error = Some(CliError::from(e));
            }
        }
    }
    println!(
        "共 {} 个文件：导入 {imported}，已导入过 {again}，拒绝 {rejected}",
        files.len()
    );
    match (rejected, last_error) {
        (0, _) | (_, None) => Ok(()),
        (1, Some(e)) => Err(e),
        (n, Some(e)) => Err(CliError {
            message: format!("{n} 个文件未导入（见上）"),
            code: e.code,
        }),
    }
}

fn ack_path(bundle: &Path, dir: Option<&Path>) -> PathBuf {
    let mut name = bundle.file_name().unwrap_or_default().to_owned();
    name.push(".ack");
    match dir {
        Some(d) => d.join(name),
        None => bundle.with_file_name(name),
    }
}

/// `bangfu policy …`
pub(super) fn policy(db: &Path, c: PolicyCommand) -> CliResult {
    match c {
        PolicyCommand::Import { file } => {
            let mut store = super::unlock::open_store(db)?;
            let (m, p, saved) = sync::policy_file::import(&mut store, &file)?;
            println!(
                "已核对县级签名并导入政策 {}（{}，{} 起生效）",
                m.policy_version, p.region_name, m.effective_from
            );
            match saved {
                PolicySaved::Added => {}
                PolicySaved::Replaced(old) => println!("同一生效日期的政策 {old} 已被替换"),
                PolicySaved::Unchanged => println!("这份政策此前已导入，未做更改"),
            }
            let (set, _) = store.policy_set()?;
            match set.versions().first() {
                Some(first) if first.effective_from > super::today() => println!(
                    "注意：本机的县级政策最早 {} 才生效，在此之前的评估没有政策可用；请同时导入县里现行的政策",
                    first.effective_from
                ),
                _ => println!("今后的评估自 {} 起按此政策计算", m.effective_from),
            }
        }
        PolicyCommand::List => {
            let store = super::unlock::open_store(db)?;
            let imported = store.imported_policies()?;
            if imported.is_empty() {
                let (set, _) = store.policy_set()?;
                for p in set.versions() {
                    println!(
                        "尚未导入县里签发的政策；评估使用内置政策 {}（{}，{} 起生效）",
                        p.version, p.region_name, p.effective_from
                    );
                }
                return Ok(());
            }
            let mut t = Table::new(&[
                ("生效日期", false),
                ("版本", false),
                ("地区", false),
                ("导入时间", false),
            ]);
            for i in &imported {
                t.row(vec![
                    i.policy.effective_from.to_string(),
                    i.policy.version.clone(),
                    format!("{} {}", i.policy.region_code, i.policy.region_name),
                    i.imported_at.clone(),
                ]);
            }
            print!("{}", t.render());
        }
    }
    Ok(())
}

/// `bangfu bench --sync`
pub(super) fn bench(dir: &Path) -> CliResult {
    std::fs::create_dir_all(dir)?;
    let exe = std::env::current_exe()?;
    println!(
        "bangfu bench --sync: {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (figures, notes) =
        crate::bench::run_sync_benchmarks(dir, &exe).map_err(CliError::failure)?;
    for n in &notes {
        println!("{n}");
    }
    for f in &figures {
        println!("{f}");
    }
    Ok(())
}
