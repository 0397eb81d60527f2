//! The printed papers: the one-household-one-file dossier (一户一档), the
//! village public notice (公示) and the township/county summary report.

mod case_forms;
mod dossier;
mod notice;
mod report;
mod temp_aid_form;

pub use case_forms::{case_form_pdf, CaseForm};
pub use dossier::{dossier_pdf, village_dossiers, DossierOptions, VillageDossiers};
pub use notice::{notice_pdf, persons_covered, NoticeOptions, NoticeRow};
pub use report::{report_csv, report_pdf, Summary};
pub use temp_aid_form::temp_aid_form_pdf;

use crate::engine::Status;

/// The program name a status is paid under, as printed.
pub fn program_zh(status: Status) -> &'static str {
    match status {
        Status::Dibao => "最低生活保障",
        Status::GradualExit => "低保（渐退期）",
        Status::Tekun => "特困人员供养",
        Status::Orphan => "孤儿基本生活保障",
        Status::Marginal => "低保边缘",
        Status::LowIncome => "低收入",
        Status::Ineligible => "不符合救助条件",
        Status::Invalid => "数据待核实",
    }
}

/// Who signs a notice by default: 田心寨村 → 田心寨村民委员会, 黎阳社区 → 黎阳社区居民委员会.
pub fn default_issuer(village: &str) -> String {
    if village.ends_with("社区") || village.ends_with("居委会") {
        format!("{village}居民委员会")
    } else if village.ends_with('村') {
        format!("{village}民委员会")
    } else {
        format!("{village}村（居）民委员会")
    }
}
