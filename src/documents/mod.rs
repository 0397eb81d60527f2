//! The printed papers: the one-household-one-file dossier (一户一档), the
//! village public notice (公示) and the township/county summary report.

mod dossier;
mod notice;
mod report;

pub use dossier::{dossier_pdf, village_dossiers};
pub use notice::{notice_pdf, NoticeOptions, NoticeRow};
pub use report::{report_csv, report_pdf, Summary};

use crate::engine::Status;

/// The program name a status is paid under, as printed.
pub fn program_zh(status: Status) -> &'static str {
    match status {
        Status::Dibao => "最低生活保障",
        Status::GradualExit => "低保（渐退期）",
        Status::Tekun => "特困人员供养",
        Status::Marginal => "低保边缘",
        Status::LowIncome => "低收入",
        Status::Ineligible => "不符合救助条件",
        Status::Invalid => "数据待核实",
    }
}
