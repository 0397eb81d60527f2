//! The casework around a household: home visits (入户调查), the case timeline
//! (申请受理 → … → 县级确认), and the assistance plan (一户一策).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The 两不愁三保障 checklist items a visit looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckItem {
    /// 不愁吃.
    Food,
    /// 不愁穿.
    Clothing,
    /// 义务教育有保障.
    Education,
    /// 基本医疗有保障.
    Medical,
    /// 住房安全有保障.
    Housing,
    /// 饮水安全有保障.
    Water,
}

impl CheckItem {
    /// Every item in form order.
    pub const ALL: [CheckItem; 6] = [
        CheckItem::Food,
        CheckItem::Clothing,
        CheckItem::Education,
        CheckItem::Medical,
        CheckItem::Housing,
        CheckItem::Water,
    ];

    /// The code in files (as serialised).
    pub fn code(self) -> &'static str {
        match self {
            CheckItem::Food => "food",
            CheckItem::Clothing => "clothing",
            CheckItem::Education => "education",
            CheckItem::Medical => "medical",
            CheckItem::Housing => "housing",
            CheckItem::Water => "water",
        }
    }

    /// The label on the paper form.
    pub fn zh(self) -> &'static str {
        match self {
            CheckItem::Food => "不愁吃",
            CheckItem::Clothing => "不愁穿",
            CheckItem::Education => "义务教育有保障",
            CheckItem::Medical => "基本医疗有保障",
            CheckItem::Housing => "住房安全有保障",
            CheckItem::Water => "饮水安全有保障",
        }
    }
}

/// One checklist line: fine or a problem, with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The item.
    pub item: CheckItem,
    /// `true` when there is a problem.
    pub problem: bool,
    /// What was seen.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A home visit (入户调查) record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Record id (UUID v7).
    pub id: uuid::Uuid,
    /// Date of the visit.
    pub date: NaiveDate,
    /// Investigators: at least two (national rule).
    pub workers: Vec<String>,
    /// 两不愁三保障 checklist.
    pub checklist: Vec<CheckResult>,
    /// Findings (看、查、算、访).
    pub findings: String,
    /// When to come back.
    pub next_visit: Option<NaiveDate>,
    /// A draft is an unfinished form kept across restarts.
    pub draft: bool,
}

/// Why a visit cannot be saved as final.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    /// Fewer than two different named investigators.
    #[error("入户调查须由至少两名不同的工作人员进行（现有{0}名）")]
    TooFewWorkers(usize),
    /// A checklist item is missing.
    #[error("“两不愁三保障”核查缺少“{0}”一项")]
    MissingItem(&'static str),
    /// A problem without a note.
    #[error("“{0}”存在问题，请填写情况说明")]
    ProblemWithoutNote(&'static str),
    /// Next visit not after the visit.
    #[error("下次走访日期（{0}）应晚于本次走访日期")]
    NextVisitBeforeVisit(NaiveDate),
}

impl Visit {
    /// Checks a final visit record; drafts may be incomplete.
    pub fn validate(&self) -> Result<(), VisitError> {
        if self.draft {
            return Ok(());
        }
        let mut named: Vec<&str> = self
            .workers
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty())
            .collect();
        named.sort_unstable();
        named.dedup();
        let named = named.len();
        if named < 2 {
            return Err(VisitError::TooFewWorkers(named));
        }
        for item in CheckItem::ALL {
            match self.checklist.iter().find(|c| c.item == item) {
                None => return Err(VisitError::MissingItem(item.zh())),
                Some(c) if c.problem && c.note.trim().is_empty() => {
                    return Err(VisitError::ProblemWithoutNote(item.zh()))
                }
                Some(_) => {}
            }
        }
        if let Some(next) = self.next_visit.filter(|n| *n <= self.date) {
            return Err(VisitError::NextVisitBeforeVisit(next));
        }
        Ok(())
    }
}

/// Steps of the case workflow (办理流程). Which step may follow which is
/// [`crate::lifecycle`]'s business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 申请受理.
    Application,
    /// 入户调查.
    Investigation,
    /// 信息核对: the check asked of the county (with the signed 授权书).
    CheckRequest,
    /// 信息核对: the county's reply.
    CheckReply,
    /// 民主评议.
    DemocraticReview,
    /// 公示开始.
    NoticeStart,
    /// 公示期间的异议.
    Objection,
    /// 异议的处理结果.
    ObjectionSettled,
    /// 公示结束.
    NoticeEnd,
    /// 乡镇审核.
    TownshipReview,
    /// 审核确认（纳入）.
    CountyConfirmation,
    /// 不予认定.
    Refusal,
    /// 延长办理时限 (30 → 45 working days).
    Extension,
    /// 复核.
    Review,
    /// 进入渐退期.
    GradualExit,
    /// 停保/退出.
    Termination,
    /// 容错纠错: an outcome recorded that differs from the computed one.
    Exception,
}

impl EventKind {
    /// Every step in workflow order.
    pub const ALL: [EventKind; 17] = [
        EventKind::Application,
        EventKind::Investigation,
        EventKind::CheckRequest,
        EventKind::CheckReply,
        EventKind::DemocraticReview,
        EventKind::NoticeStart,
        EventKind::Objection,
        EventKind::ObjectionSettled,
        EventKind::NoticeEnd,
        EventKind::TownshipReview,
        EventKind::CountyConfirmation,
        EventKind::Refusal,
        EventKind::Extension,
        EventKind::Review,
        EventKind::GradualExit,
        EventKind::Termination,
        EventKind::Exception,
    ];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            EventKind::Application => "申请受理",
            EventKind::Investigation => "入户调查",
            EventKind::CheckRequest => "申请信息核对",
            EventKind::CheckReply => "信息核对结果",
            EventKind::DemocraticReview => "民主评议",
            EventKind::NoticeStart => "公示开始",
            EventKind::Objection => "公示异议",
            EventKind::ObjectionSettled => "异议处理",
            EventKind::NoticeEnd => "公示结束",
            EventKind::TownshipReview => "乡镇审核",
            EventKind::CountyConfirmation => "县级确认",
            EventKind::Refusal => "不予认定",
            EventKind::Extension => "延长办理时限",
            EventKind::Review => "复核",
            EventKind::GradualExit => "进入渐退期",
            EventKind::Termination => "终止",
            EventKind::Exception => "容错纠错",
        }
    }

    /// The file code.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Application => "application",
            EventKind::Investigation => "investigation",
            EventKind::CheckRequest => "check_request",
            EventKind::CheckReply => "check_reply",
            EventKind::DemocraticReview => "democratic_review",
            EventKind::NoticeStart => "notice_start",
            EventKind::Objection => "objection",
            EventKind::ObjectionSettled => "objection_settled",
            EventKind::NoticeEnd => "notice_end",
            EventKind::TownshipReview => "township_review",
            EventKind::CountyConfirmation => "county_confirmation",
            EventKind::Refusal => "refusal",
            EventKind::Extension => "extension",
            EventKind::Review => "review",
            EventKind::GradualExit => "gradual_exit",
            EventKind::Termination => "termination",
            EventKind::Exception => "exception",
        }
    }

    /// Parses a code or a Chinese name.
    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.code() == text || k.zh() == text)
    }
}

/// One step in a household's case timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// Record id (UUID v7).
    pub id: uuid::Uuid,
    /// Which step.
    pub kind: EventKind,
    /// When.
    pub date: NaiveDate,
    /// Who (person or office).
    pub actor: String,
    /// Notes (评议结果, 公示 objections, reason for 终止…).
    pub note: String,
    /// What the step records beyond the note, by key (see
    /// [`crate::lifecycle`] for what each step needs).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// Status of an assistance measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// 计划中.
    Planned,
    /// 进行中.
    InProgress,
    /// 已完成.
    Done,
    /// 未落实: given up or refused, with the reason in the outcome.
    NotDone,
}

impl MeasureStatus {
    /// Every status.
    pub const ALL: [MeasureStatus; 4] = [
        MeasureStatus::Planned,
        MeasureStatus::InProgress,
        MeasureStatus::Done,
        MeasureStatus::NotDone,
    ];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "计划中",
            MeasureStatus::InProgress => "进行中",
            MeasureStatus::Done => "已完成",
            MeasureStatus::NotDone => "未落实",
        }
    }

    /// The file code.
    pub fn code(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::Done => "done",
            MeasureStatus::NotDone => "not_done",
        }
    }

    /// Whether nothing more is to be done (its deadline no longer runs).
    pub fn is_closed(self) -> bool {
        matches!(self, MeasureStatus::Done | MeasureStatus::NotDone)
    }
}

/// A referral to another department (医疗/教育/住房/就业救助, 慈善): where it
/// went, when, and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The department or organisation (县医保局, 镇中心校, 慈善总会 …).
    pub department: String,
    /// Date sent.
    pub sent: NaiveDate,
    /// Its reply, once there is one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reply: String,
    /// Date of the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replied: Option<NaiveDate>,
}

/// One measure of the household's assistance plan (一户一策).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// Record id (UUID v7).
    pub id: uuid::Uuid,
    /// 低保, 特困供养, 临时救助, 医疗救助, 教育救助, 住房救助, 就业救助, 慈善, 结对帮扶 …
    pub kind: String,
    /// What exactly.
    pub description: String,
    /// Responsible person.
    pub responsible: String,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// Status.
    pub status: MeasureStatus,
    /// What came of it (required to close it as 未落实).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub outcome: String,
    /// The referral, when the measure is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

/// Why a measure cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeasureError {
    /// No responsible person.
    #[error("请填写帮扶措施的责任人")]
    NoResponsible,
    /// 未落实 without saying why.
    #[error("措施“未落实”须写明原因（outcome）")]
    NotDoneWithoutReason,
    /// A referral without its department, or replied before it was sent.
    #[error("转介须写明转往的部门，答复日期不能早于转介日期")]
    BadReferral,
}

impl Measure {
    /// Checks what a caseworker typed.
    pub fn validate(&self) -> Result<(), MeasureError> {
        if self.responsible.trim().is_empty() {
            return Err(MeasureError::NoResponsible);
        }
        if self.status == MeasureStatus::NotDone && self.outcome.trim().is_empty() {
            return Err(MeasureError::NotDoneWithoutReason);
        }
        if let Some(r) = &self.referral {
            if r.department.trim().is_empty() || r.replied.is_some_and(|d| d < r.sent) {
                return Err(MeasureError::BadReferral);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure() -> Measure {
        Measure {
            id: uuid::Uuid::now_v7(),
            kind: "医疗救助".into(),
            description: "大病医疗救助".into(),
            responsible: "方晓燕".into(),
            due: None,
            status: MeasureStatus::Planned,
            outcome: String::new(),
            referral: Some(Referral {
                department: "县医疗保障局".into(),
                sent: NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                reply: String::new(),
                replied: None,
            }),
        }
    }

    #[test]
    fn a_measure_says_who_why_it_failed_and_where_it_was_referred() {
        assert_eq!(measure().validate(), Ok(()));
        let mut m = measure();
        m.responsible = " ".into();
        assert_eq!(m.validate(), Err(MeasureError::NoResponsible));
        let mut m = measure();
        m.status = MeasureStatus::NotDone;
        assert_eq!(m.validate(), Err(MeasureError::NotDoneWithoutReason));
        m.outcome = "户主拒绝".into();
        assert_eq!(m.validate(), Ok(()));
        let mut m = measure();
        if let Some(r) = m.referral.as_mut() {
            r.replied = NaiveDate::from_ymd_opt(2026, 11, 1);
        }
        assert_eq!(m.validate(), Err(MeasureError::BadReferral));
        assert!(MeasureStatus::NotDone.is_closed() && !MeasureStatus::InProgress.is_closed());
    }
}
