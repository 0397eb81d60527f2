//! `bangfu attach` and `bangfu attachments`: photos and scans in the household file.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::text::Table;
use super::{parse_date_arg, today, unlock, CliError, CliResult};
use bangfu::attach::{attach_file, export_all, AttachError, NewAttachment};
use bangfu::attachments::AttachmentKind;

/// `attach` options.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// 户编号
    #[arg(long, value_name = "ID")]
    pub household: String,
    /// 照片或扫描件（JPEG、PNG 或 PDF）
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 类别：house_photo（住房照片）、id_document（证件）、application（申请书）、review_record（评议记录）、other（其他），也可写中文
    #[arg(long, value_name = "K")]
    pub kind: String,
    /// 说明文字
    #[arg(long, default_value = "")]
    pub caption: String,
    /// 拍摄或签署日期（YYYY-MM-DD）
    #[arg(long, value_name = "DATE")]
    pub taken_on: Option<String>,
    /// 所涉成员姓名
    #[arg(long, value_name = "NAME")]
    pub member: Option<String>,
    /// 所属入户调查的编号
    #[arg(long, value_name = "UUID")]
    pub visit: Option<uuid::Uuid>,
    /// 所属办理记录的编号
    #[arg(long, value_name = "UUID")]
    pub event: Option<uuid::Uuid>,
}

/// `attachments …`
#[derive(Debug, Subcommand)]
pub enum AttachmentsCommand {
    /// 列出一户的附件
    List {
        /// 户编号
        #[arg(long, value_name = "ID")]
        household: String,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 把一户的附件原样导出到文件夹
    Export {
        /// 户编号
        #[arg(long, value_name = "ID")]
        household: String,
        /// 目标文件夹
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

impl From<AttachError> for CliError {
    fn from(e: AttachError) -> Self {
        match e {
            AttachError::Store(s) => CliError::from(s),
            other => CliError::input(other.to_string()),
        }
    }
}

fn kind_arg(text: &str) -> Result<AttachmentKind, CliError> {
    AttachmentKind::from_code_or_zh(text).ok_or_else(|| {
        let all: Vec<String> = AttachmentKind::ALL
            .iter()
            .map(|k| format!("{}（{}）", k.code(), k.zh()))
            .collect();
        CliError::input(format!(
            "--kind 的值“{text}”不是附件类别；可用：{}",
            all.join("、")
        ))
    })
}

pub(super) fn attach(db: &Path, a: &AttachArgs) -> CliResult {
    let new = NewAttachment {
        household: a.household.clone(),
        kind: kind_arg(&a.kind)?,
        caption: a.caption.clone(),
        taken_on: a
            .taken_on
            .as_deref()
            .map(|d| parse_date_arg("--taken-on", d))
            .transpose()?,
        member_name: a.member.clone(),
        visit_id: a.visit,
        event_id: a.event,
    };
    let mut store = unlock::open_store(db)?;
    let (att, fresh) = attach_file(&mut store, &a.file, &new, today())?;
    let pixels = match (att.width, att.height) {
        (Some(w), Some(h)) => format!("，{w}×{h} 像素"),
        _ => String::new(),
    };
    println!(
        "已为 {} 户添加{}：{}（{} KB{pixels}{}），编号 {}",
        a.household,
        att.kind.zh(),
        att.original_name,
        att.size.div_ceil(1024),
        if fresh {
            ""
        } else {
            "，内容已存在，未重复保存"
        },
        att.id
    );
    if let Some(warning) = bangfu::attach::pdf_warning(&store, &att)? {
        eprintln!("警告：{warning}");
    }
    Ok(())
}

pub(super) fn attachments(db: &Path, c: AttachmentsCommand) -> CliResult {
    let store = unlock::open_store(db)?;
    match c {
        AttachmentsCommand::List { household, json } => {
            let id = store.household_record_id(&household)?;
            let list = store.attachments(&id)?;
            if json {
                let text = serde_json::to_string_pretty(&list)
                    .map_err(|e| CliError::failure(e.to_string()))?;
                println!("{text}");
                return Ok(());
            }
            let mut table = Table::new(&[
                ("类别", false),
                ("日期", false),
                ("说明", false),
                ("成员", false),
                ("大小(KB)", true),
                ("编号", false),
            ]);
            for a in &list {
                table.row(vec![
                    a.kind.zh().to_owned(),
                    a.taken_on.unwrap_or(a.added_on).to_string(),
                    a.caption.clone(),
                    a.member_name.clone().unwrap_or_default(),
                    a.size.div_ceil(1024).to_string(),
                    a.id.to_string(),
                ]);
            }
            print!("{}", table.render());
            println!("共 {} 个附件", list.len());
        }
        AttachmentsCommand::Export { household, out } => {
            let written = export_all(&store, &household, &out)?;
            for path in &written {
                println!("{}", path.display());
            }
            println!("已导出 {} 个附件到 {}", written.len(), out.display());
        }
    }
    Ok(())
}
