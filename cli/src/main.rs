//! The `bangfu` command: Chinese text for people, `--json` for machines.
//!
//! Exit status: 0 when the command ran; 2 for an unreadable or invalid input
//! file or policy (and for bad arguments); 1 for anything else.

mod attach;
mod backup;
mod bench;
mod case;
mod commands;
mod eval;
mod papers;
mod plan;
mod sync;
mod temp_aid;
mod text;
mod unlock;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A failed command: its message (Chinese) and exit status.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong, naming the place.
    pub message: String,
    /// Exit status.
    pub code: i32,
}

impl CliError {
    /// Bad input (a file or a policy): exit status 2.
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }

    /// Anything else: exit status 1.
    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }
}

impl From<bangfu::store::StoreError> for CliError {
    fn from(e: bangfu::store::StoreError) -> Self {
        CliError::failure(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::failure(format!("读写失败：{e}"))
    }
}

/// Result of a command.
pub type CliResult = Result<(), CliError>;

/// bangfu（帮扶）：村级社会救助协理员的离线工作台。
#[derive(Debug, Parser)]
#[command(name = "bangfu", version, about, long_about = None)]
pub struct Cli {
    /// 数据库文件路径（默认在系统数据目录）
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// 从这个文件的第一行读取口令（例如 /dev/stdin，或脚本的 <(…)），口令不进入命令历史
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// 命令
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成演示村数据（200户以上），评估并保存结果
    Demo(DemoArgs),
    /// 导入：户数据（household.v1/v2 JSON）、花名册或法定义务人表（CSV）
    #[command(subcommand)]
    Import(ImportCommand),
    /// 导出：户数据（household JSON）或台账（CSV）
    #[command(subcommand)]
    Export(ExportCommand),
    /// 户：列表、详情
    #[command(subcommand)]
    Households(HouseholdsCommand),
    /// 入户调查记录
    #[command(subcommand)]
    Visit(VisitCommand),
    /// 临时救助登记：申请、发放、审批表
    #[command(subcommand)]
    TempAid(temp_aid::TempAidCommand),
    /// 确认在保：按最近保存的评估结果记录低保或特困的在保信息
    Confirm(temp_aid::ConfirmArgs),
    /// 办理流程：记录一步（按规定顺序，检查时限）
    #[command(subcommand)]
    Event(case::EventCommand),
    /// 办理流程：某户现在到哪一步、下一步是什么、时限
    Case(case::CaseArgs),
    /// 一户一策帮扶措施
    #[command(subcommand)]
    Measure(plan::MeasureCommand),
    /// 变更日志（审计）
    #[command(subcommand)]
    Log(LogCommand),
    /// 资格评估（规则 eligibility-v1 / v2）
    Eval(EvalArgs),
    /// 本机设置：协理员姓名、村
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// 打印一户一档 PDF（单户或整村）
    Dossier(papers::DossierArgs),
    /// 打印低保申请审核确认表或特困人员认定表 PDF
    Form(papers::FormArgs),
    /// 打印村级公示 PDF（只含户主姓名、人数、类别、金额）
    Notice(papers::NoticeArgs),
    /// 统计表（PDF 和/或 CSV）
    Report(papers::ReportArgs),
    /// 动态管理到期事项：复核、走访、帮扶措施
    Due(papers::DueArgs),
    /// 防返贫监测：刚性支出困难、一年内停保退出或未获认定的户，按周期走访
    Monitor(papers::MonitorArgs),
    /// 回头看：重复登记、干部近亲属未备案、未按期走访、超期未复核、金额不符
    Audit(papers::AuditArgs),
    /// 设备身份：建立、查看，导入县级公钥
    #[command(subcommand)]
    Device(sync::DeviceCommand),
    /// 数据包：导出给县里（签名、加密），导入县里的回执
    #[command(subcommand)]
    Bundle(sync::BundleCommand),
    /// 县级：初始化、登记设备、导入数据包、冲突、签发政策
    #[command(subcommand)]
    County(sync::CountyCommand),
    /// 政策文件：导入县里签发的政策
    #[command(subcommand)]
    Policy(sync::PolicyCommand),
    /// 添加附件：住房照片、证件、申请书、评议记录等（JPEG、PNG、PDF）
    Attach(attach::AttachArgs),
    /// 附件：列出、导出
    #[command(subcommand)]
    Attachments(attach::AttachmentsCommand),
    /// 备份：把整个数据库（加密）复制到另一个文件
    Backup {
        /// 备份文件（不能是已有的文件）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// 加密并采用旧版本建立的未加密数据库（确认它是本机原来的数据库后）
    Encrypt,
    /// 从备份恢复：核对备份完好后替换数据库（原数据库改名保留）
    Restore {
        /// 备份文件
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// 性能测试（结果记入 BENCHMARKS.md）
    Bench {
        /// 生成的户数
        #[arg(long, default_value_t = 100_000)]
        households: usize,
        /// 存放测试文件的目录
        #[arg(long, default_value = "target/bench")]
        dir: PathBuf,
        /// 只测同步数据包（导出、县级导入、每户变更字节数）
        #[arg(long)]
        sync: bool,
        /// 只测附件（导入 1200 万像素照片、含 10 张照片的档案）
        #[arg(long, conflicts_with = "sync")]
        attachments: bool,
    },
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 每个村的户数（共4个村/社区）
    #[arg(long, default_value_t = 60)]
    pub per_village: usize,
    /// 只生成这一个村的户（一台村级设备只管本村，同步到县里时须一致）
    #[arg(long)]
    pub village: Option<String>,
    /// 以此日期为“今天”（默认今天）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
}

/// `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 导入 household.v1/v2 JSON 文件（整份成功或整份不导入）
    Households {
        /// JSON 文件
        file: PathBuf,
    },
    /// 导入县里的花名册 CSV（UTF-8/带BOM/GBK 自动识别）
    Roster {
        /// CSV 文件
        file: PathBuf,
        /// 强制指定编码
        #[arg(long, value_enum, default_value_t = EncodingArg::Auto)]
        encoding: EncodingArg,
    },
    /// 导入法定义务人表 CSV（每行一名义务人；成员须已在库中；整份成功或整份不导入）
    Supporters {
        /// CSV 文件
        file: PathBuf,
        /// 强制指定编码
        #[arg(long, value_enum, default_value_t = EncodingArg::Auto)]
        encoding: EncodingArg,
    },
}

/// Roster encodings on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EncodingArg {
    /// 自动识别
    Auto,
    /// UTF-8
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK
    Gbk,
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// 导出 household JSON（只有 v1 字段时为 v1，否则为 v2；默认输出到屏幕）
    Households {
        /// 输出文件
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 导出台账（CSV，带BOM，Excel可直接打开）
    Ledger {
        /// CSV 格式（目前唯一格式）
        #[arg(long, required = true)]
        csv: bool,
        /// 输出文件（默认输出到屏幕）
        #[arg(long)]
        out: Option<PathBuf>,
        /// 显示完整身份证号（仅供县级内部使用）
        #[arg(long)]
        full_id: bool,
    },
}

/// `households` subcommands.
#[derive(Debug, Subcommand)]
pub enum HouseholdsCommand {
    /// 户列表
    List {
        /// 只列某村/社区
        #[arg(long)]
        village: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 户详情
    Show {
        /// 户编号（如 TXZ-003）
        id: String,
        /// 输出 JSON（household 加走访、流程、措施）
        #[arg(long)]
        json: bool,
    },
}

/// `visit` subcommands.
#[derive(Debug, Subcommand)]
pub enum VisitCommand {
    /// 记录一次入户调查
    Add(VisitAddArgs),
    /// 列出某户的入户调查
    List {
        /// 户编号
        #[arg(long)]
        household: String,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
}

/// `visit add` options.
#[derive(Debug, Args)]
pub struct VisitAddArgs {
    /// 户编号
    #[arg(long)]
    pub household: String,
    /// 走访日期
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: String,
    /// 调查人员（至少两名，可重复）
    #[arg(long = "worker", required = true)]
    pub workers: Vec<String>,
    /// 有问题的核查项及说明，如 housing=墙体开裂（其余项视为无问题）；项目：food clothing education medical housing water
    #[arg(long = "problem", value_name = "ITEM=NOTE")]
    pub problems: Vec<String>,
    /// 调查情况（看、查、算、访）
    #[arg(long, default_value = "")]
    pub findings: String,
    /// 下次走访日期
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub next: Option<String>,
    /// 保存为草稿
    #[arg(long)]
    pub draft: bool,
}

/// `log` subcommands.
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// 校验变更日志哈希链，并核对每条记录与日志一致
    Verify,
}

/// `settings` subcommands.
#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// 设置一项：caseworker（协理员姓名）、village（所在村）
    Set {
        /// 名称
        key: String,
        /// 值
        value: String,
    },
    /// 显示本机设置
    Show,
}

/// `eval` options.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// 政策文件（可重复，按生效日期选用；默认用 bangfu policy import 导入的政策，未导入时用内置政策）
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// household.v1/v2 输入文件（不给则评估数据库中全部户）
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// 评估日期（默认今天）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// 输出格式
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// 保存评估结果（仅数据库模式）
    #[arg(long, conflicts_with = "input")]
    pub save: bool,
    /// 列出与已保存结果相比的变化（仅数据库模式）
    #[arg(long, conflicts_with = "input")]
    pub diff: bool,
}

/// Output format of `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// bangfu.eval.v1/v2 JSON（按生效政策的版本）
    Json,
    /// 中文表格
    Table,
}

/// Parses arguments, runs the command and returns the exit status.
fn main() {
    // Like other Unix tools, stop quietly when the reader of our output goes away (`| head`).
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    if let Some(file) = &cli.passphrase_file {
        unlock::read_passphrase_from(file.clone());
    }
    let code = match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("错误：{}", e.message);
            e.code
        }
    };
    bench::report_peak_if_asked();
    std::process::exit(code);
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> CliResult {
    let db = cli
        .db
        .clone()
        .unwrap_or_else(bangfu::store::Store::default_path);
    match cli.command {
        Command::Demo(args) => commands::demo(&db, &args),
        Command::Import(c) => commands::import(&db, c),
        Command::Export(c) => commands::export(&db, c),
        Command::Households(c) => commands::households(&db, c),
        Command::Visit(c) => commands::visit(&db, c),
        Command::TempAid(c) => temp_aid::temp_aid(&db, c),
        Command::Confirm(a) => temp_aid::confirm(&db, &a),
        Command::Event(c) => case::event(&db, c),
        Command::Case(a) => case::show(&db, &a),
        Command::Measure(c) => plan::measure(&db, c),
        Command::Log(LogCommand::Verify) => commands::log_verify(&db),
        Command::Settings(c) => commands::settings(&db, c),
        Command::Eval(args) => eval::run(cli.db.as_deref(), &db, &args),
        Command::Dossier(a) => papers::dossier(&db, &a),
        Command::Notice(a) => papers::notice(&db, &a),
        Command::Form(a) => papers::form(&db, &a),
        Command::Report(a) => papers::report(&db, &a),
        Command::Due(a) => papers::due(&db, &a),
        Command::Audit(a) => papers::audit(&db, &a),
        Command::Monitor(a) => papers::monitor(&db, &a),
        Command::Device(c) => sync::device(&db, c),
        Command::Bundle(c) => sync::bundle(&db, c),
        Command::County(c) => sync::county(&db, c),
        Command::Policy(c) => sync::policy(&db, c),
        Command::Attach(a) => attach::attach(&db, &a),
        Command::Attachments(c) => attach::attachments(&db, c),
        Command::Backup { out } => backup::backup(&db, &out),
        Command::Restore { file } => backup::restore(&db, &file),
        Command::Encrypt => backup::encrypt(&db),
        Command::Bench {
            dir, sync: true, ..
        } => sync::bench(&dir),
        Command::Bench {
            dir,
            attachments: true,
            ..
        } => {
            std::fs::create_dir_all(&dir)?;
            for f in crate::bench::run_attachment_benchmarks(&dir).map_err(CliError::failure)? {
                println!("{f}");
            }
            Ok(())
        }
        Command::Bench {
            households, dir, ..
        } => bench(households, &dir),
    }
}

fn bench(households: usize, dir: &std::path::Path) -> CliResult {
    std::fs::create_dir_all(dir)?;
    let exe = std::env::current_exe()?;
    println!(
        "bangfu bench: {households} households, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut figures =
        crate::bench::run_eval_benchmarks(households, dir, &exe).map_err(CliError::failure)?;
    figures.extend(crate::bench::run_app_benchmarks(5_000, dir).map_err(CliError::failure)?);
    figures.extend(crate::bench::run_attachment_benchmarks(dir).map_err(CliError::failure)?);
    for f in &figures {
        println!("{f}");
    }
    Ok(())
}

/// Parses a `YYYY-MM-DD` argument, naming the option when it is wrong.
fn parse_date_arg(option: &str, text: &str) -> Result<chrono::NaiveDate, CliError> {
    bangfu::dates::parse_iso_date(text)
        .ok_or_else(|| CliError::input(format!("{option} 的值“{text}”不是 YYYY-MM-DD 格式的日期")))
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
