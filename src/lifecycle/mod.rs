//! The case from application to exit (办理流程): which step may follow which,
//! what each step must record, and the deadlines (办理时限) that run between
//! them, counted in working days where the plans say so.
//!
//! A household's case is its list of [`CaseEvent`]s in date order; the
//! [`Case`] read from them says where it stands and what may come next.
//! Nothing here touches the store: [`record_step`](crate::decisions::record_step)
//! checks a step against the case before saving it.

pub mod calendar;

use chrono::{Days, NaiveDate};
use serde_json::Value;

pub use calendar::{WorkCalendar, YearStatus};

use crate::casework::{CaseEvent, EventKind};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No application yet (or none since the last case closed).
    New,
    /// 已受理.
    Accepted,
    /// 已入户调查.
    Investigated,
    /// 信息核对中.
    Checking,
    /// 已核对.
    Checked,
    /// 已民主评议.
    Deliberated,
    /// 公示中.
    Noticing,
    /// 公示期满.
    Noticed,
    /// 乡镇已审核.
    TownshipReviewed,
    /// 在保.
    Enrolled,
    /// 渐退期.
    GradualExit,
    /// 已结束 (不予认定 or 停保/退出).
    Closed,
}

impl Stage {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Stage::New => "未申请",
            Stage::Accepted => "已受理",
            Stage::Investigated => "已入户调查",
            Stage::Checking => "信息核对中",
            Stage::Checked => "已核对",
            Stage::Deliberated => "已民主评议",
            Stage::Noticing => "公示中",
            Stage::Noticed => "公示期满",
            Stage::TownshipReviewed => "乡镇已审核",
            Stage::Enrolled => "在保",
            Stage::GradualExit => "渐退期",
            Stage::Closed => "已结束",
        }
    }

    /// Whether an application is being handled (from 受理 to the decision).
    pub fn in_progress(self) -> bool {
        !matches!(
            self,
            Stage::New | Stage::Enrolled | Stage::GradualExit | Stage::Closed
        )
    }
}

/// The 办理时限 of a policy (optional `[procedure]` table; national
/// defaults otherwise: 最低生活保障审核确认办法 第十五、十九、二十二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// 入户调查 within this many working days of 受理.
    pub investigation_working_days: u32,
    /// A decision (确认 or 不予认定) within this many working days of 受理 …
    pub decision_working_days: u32,
    /// … or this many with a recorded extension.
    pub decision_extended_working_days: u32,
    /// 公示 lasts at least this many days (calendar days, both ends counted).
    pub notice_days: u32,
    /// 先行救助 paid within this many hours of the report.
    pub prepay_hours: u32,
    /// Households under 监测 (防返贫监测) are visited every this many months
    /// (may be left out: 3).
    #[serde(default = "three_months")]
    pub monitoring_visit_months: u32,
}

fn three_months() -> u32 {
    3
}

impl Default for Procedure {
    fn default() -> Self {
        Procedure {
            investigation_working_days: 3,
            decision_working_days: 30,
            decision_extended_working_days: 45,
            notice_days: 7,
            prepay_hours: 24,
            monitoring_visit_months: three_months(),
        }
    }
}

/// A step that cannot be recorded, said in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不能记录“{step}”：{reason}")]
pub struct StepError {
    /// The step asked for.
    pub step: &'static str,
    /// Why, naming what must come first.
    pub reason: String,
}

/// A household's case as its steps leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Where it stands.
    pub stage: Stage,
    /// The 受理 date of the application in hand (or the last one).
    pub accepted: Option<NaiveDate>,
    /// When the 公示 started, while one runs or ran for this application.
    pub notice_from: Option<NaiveDate>,
    /// When it ended.
    pub notice_to: Option<NaiveDate>,
    /// Objections not settled yet (their step ids).
    pub open_objections: Vec<uuid::Uuid>,
    /// An extension to the longer time limit was recorded.
    pub extended: bool,
    /// Date of the latest step.
    pub last: Option<NaiveDate>,
}

impl Case {
    /// A case with no steps.
    pub fn new() -> Case {
        Case {
            stage: Stage::New,
            accepted: None,
            notice_from: None,
            notice_to: None,
            open_objections: Vec::new(),
            extended: false,
            last: None,
        }
    }

    /// Reads a case from its steps in date order. Steps recorded before the
    /// path was enforced (or out of order) are taken as they come; each one
    /// the path would refuse is returned with the reason, for 回头看.
    pub fn replay(
        events: &[CaseEvent],
        procedure: &Procedure,
    ) -> (Case, Vec<(CaseEvent, StepError)>) {
        let mut case = Case::new();
        let mut refused = Vec::new();
        for e in events {
            if let Err(err) = case.check(e, procedure) {
                refused.push((e.clone(), err));
            }
            case.apply(e);
        }
        (case, refused)
    }

    /// The steps that may come next.
    pub fn next_steps(&self) -> Vec<EventKind> {
        use EventKind::*;
        let mut out: Vec<EventKind> = match self.stage {
            Stage::New | Stage::Closed => vec![Application],
            Stage::Accepted => vec![Investigation, Refusal],
            Stage::Investigated => vec![CheckRequest, Refusal],
            Stage::Checking => vec![CheckReply],
            Stage::Checked => vec![DemocraticReview, NoticeStart, Refusal],
            Stage::Deliberated => vec![NoticeStart, Refusal],
            Stage::Noticing if self.open_objections.is_empty() => vec![Objection, NoticeEnd],
            Stage::Noticing => vec![Objection, ObjectionSettled],
            Stage::Noticed => vec![TownshipReview, Refusal],
            Stage::TownshipReviewed => vec![CountyConfirmation, Refusal],
            Stage::Enrolled => vec![Review, GradualExit, Termination],
            Stage::GradualExit => vec![Review, Termination],
        };
        if self.stage.in_progress() && !self.extended {
            out.push(Extension);
        }
        if matches!(
            self.stage,
            Stage::Enrolled | Stage::Closed | Stage::GradualExit
        ) && self.accepted.is_some()
        {
            out.push(Exception);
        }
        out
    }

    /// Whether `e` may be recorded now: the step follows the path, its date
    /// is not before the case's last step, and it records what it must.
    pub fn check(&self, e: &CaseEvent, procedure: &Procedure) -> Result<(), StepError> {
        let fail = |reason: String| StepError {
            step: e.kind.zh(),
            reason,
        };
        if !self.next_steps().contains(&e.kind) {
            let next: Vec<&str> = self.next_steps().iter().map(|k| k.zh()).collect();
            let why = match (e.kind, self.stage) {
                (EventKind::NoticeEnd, Stage::Noticing) => {
                    "还有未处理的公示异议，须先记录“异议处理”".to_owned()
                }
                (EventKind::Extension, _) if self.extended => "办理时限已经延长过一次".to_owned(),
                _ => format!(
                    "现在处于“{}”，下一步只能是：{}",
                    self.stage.zh(),
                    next.join("、")
                ),
            };
            return Err(fail(why));
        }
        if let Some(last) = self.last.filter(|l| e.date < *l) {
            return Err(fail(format!("日期 {} 早于上一步的日期 {last}", e.date)));
        }
        let text = |key: &str| e.data.get(key).and_then(Value::as_str).map(str::trim);
        let one_of = |key: &str, allowed: &[(&str, &str)]| -> Result<(), StepError> {
            match text(key) {
                Some(v) if allowed.iter().any(|(code, _)| *code == v) => Ok(()),
                _ => {
                    let words: Vec<String> = allowed
                        .iter()
                        .map(|(code, zh)| format!("{code}（{zh}）"))
                        .collect();
                    Err(fail(format!("须写明 {key}：{}", words.join("、"))))
                }
            }
        };
        match e.kind {
            EventKind::CheckReply => one_of("finding", CHECK_FINDINGS)?,
            EventKind::DemocraticReview => {
                one_of("result", REVIEW_RESULTS)?;
                if e.data
                    .get("participants")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
                    == 0
                {
                    return Err(fail("须写明参加评议的人数（participants）".into()));
                }
            }
            EventKind::Objection
                if text("by").is_none_or(str::is_empty) || e.note.trim().is_empty() =>
            {
                return Err(fail("须写明谁提出异议（by）和异议内容".into()));
            }
            EventKind::ObjectionSettled => {
                let known = text("objection")
                    .and_then(|id| id.parse::<uuid::Uuid>().ok())
                    .is_some_and(|id| self.open_objections.contains(&id));
                if !known {
                    return Err(fail(
                        "须指明处理的是哪一条未处理的异议（objection：异议的记录号）".into(),
                    ));
                }
                if e.note.trim().is_empty() {
                    return Err(fail("须写明异议的处理结果".into()));
                }
            }
            EventKind::NoticeEnd => {
                let from = self.notice_from.unwrap_or(e.date);
                let earliest = from + Days::new(u64::from(procedure.notice_days.max(1)) - 1);
                if e.date < earliest {
                    return Err(fail(format!(
                        "公示自 {from} 开始，须满 {} 天，最早 {earliest} 结束",
                        procedure.notice_days
                    )));
                }
            }
            EventKind::TownshipReview => {
                if let Some(to) = self.notice_to.filter(|to| e.date <= *to) {
                    return Err(fail(format!("公示 {to} 才结束，乡镇审核须在公示期满之后")));
                }
            }
            EventKind::Refusal | EventKind::Extension if e.note.trim().is_empty() => {
                return Err(fail("须写明理由".into()));
            }
            EventKind::Review => one_of("outcome", REVIEW_OUTCOMES)?,
            EventKind::Termination => {
                one_of("reason", EXIT_REASONS)?;
                if text("reason") == Some("voluntary") {
                    let months = e.data.get("paid_months").and_then(Value::as_u64);
                    if !months.is_some_and(|m| (1..=3).contains(&m)) {
                        return Err(fail(
                            "主动退出须写明继续发放的月数（paid_months：1 到 3）".into(),
                        ));
                    }
                }
            }
            EventKind::Exception
                if text("recorded").is_none_or(str::is_empty)
                    || text("approved_by").is_none_or(str::is_empty)
                    || e.note.trim().is_empty() =>
            {
                return Err(fail(
                    "须写明认定的结论（recorded）、理由和批准人（approved_by）".into(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// Moves the case on by `e` (assumed checked; a refused step is still
    /// followed so that a case read back from old data makes sense).
    pub fn apply(&mut self, e: &CaseEvent) {
        use EventKind::*;
        self.last = Some(self.last.map_or(e.date, |l| l.max(e.date)));
        match e.kind {
            Application => {
                *self = Case {
                    stage: Stage::Accepted,
                    accepted: Some(e.date),
                    last: self.last,
                    ..Case::new()
                };
            }
            Investigation => self.stage = Stage::Investigated,
            CheckRequest => self.stage = Stage::Checking,
            CheckReply => self.stage = Stage::Checked,
            DemocraticReview => self.stage = Stage::Deliberated,
            NoticeStart => {
                self.stage = Stage::Noticing;
                self.notice_from = Some(e.date);
            }
            Objection => self.open_objections.push(e.id),
            ObjectionSettled => {
                let settled = e
                    .data
                    .get("objection")
                    .and_then(Value::as_str)
                    .and_then(|id| id.parse::<uuid::Uuid>().ok());
                self.open_objections.retain(|o| Some(*o) != settled);
            }
            NoticeEnd => {
                self.stage = Stage::Noticed;
                self.notice_to = Some(e.date);
            }
            TownshipReview => self.stage = Stage::TownshipReviewed,
            CountyConfirmation => self.stage = Stage::Enrolled,
            Refusal | Termination => self.stage = Stage::Closed,
            Extension => self.extended = true,
            Review => {
                if e.data.get("outcome").and_then(Value::as_str) == Some("stop") {
                    self.stage = Stage::Closed;
                }
            }
            GradualExit => self.stage = Stage::GradualExit,
            Exception => {}
        }
    }
}

impl Default for Case {
    fn default() -> Self {
        Case::new()
    }
}

/// `finding` of a 信息核对 reply.
pub const CHECK_FINDINGS: &[(&str, &str)] = &[
    ("nothing", "未发现收入或财产"),
    ("income", "发现收入"),
    ("assets", "发现财产"),
    ("both", "发现收入和财产"),
];

/// `result` of a 民主评议.
pub const REVIEW_RESULTS: &[(&str, &str)] = &[
    ("agree", "同意"),
    ("disagree", "不同意"),
    ("hardship", "确有困难"),
];

/// `outcome` of a 复核.
pub const REVIEW_OUTCOMES: &[(&str, &str)] = &[
    ("same", "维持"),
    ("increase", "增发"),
    ("decrease", "减发"),
    ("stop", "停发"),
];

/// `reason` of a 停保/退出.
pub const EXIT_REASONS: &[(&str, &str)] = &[
    ("income", "收入超标"),
    ("death", "死亡"),
    ("moved", "迁出"),
    ("voluntary", "主动退出"),
];

/// What a step records beyond its note, in Chinese (核对结果：未发现收入或财产;
/// 评议：同意，9人参加; 终止：主动退出，继续发放2个月; 容错纠错 with the
/// computed and the recorded outcome …), for the dossier; empty when the
/// step records nothing more.
pub fn describe_step(e: &CaseEvent) -> String {
    let text = |key: &str| e.data.get(key).and_then(Value::as_str).unwrap_or("");
    let number = |key: &str| e.data.get(key).and_then(Value::as_u64);
    let word = |table: &[(&str, &'static str)], key: &str| {
        table
            .iter()
            .find(|(code, _)| *code == text(key))
            .map_or(String::new(), |(_, zh)| (*zh).to_owned())
    };
    let status = |key: &str| {
        crate::engine::Status::from_code(text(key))
            .map_or(text(key).to_owned(), |s| s.zh().to_owned())
    };
    match e.kind {
        EventKind::CheckReply => format!("核对结果：{}", word(CHECK_FINDINGS, "finding")),
        EventKind::DemocraticReview => format!(
            "评议：{}，{}人参加",
            word(REVIEW_RESULTS, "result"),
            number("participants").unwrap_or(0)
        ),
        EventKind::Objection => format!("{}提出异议", text("by")),
        EventKind::Review => format!("复核：{}", word(REVIEW_OUTCOMES, "outcome")),
        EventKind::Termination => match number("paid_months") {
            Some(m) if text("reason") == "voluntary" => format!("终止：主动退出，继续发放{m}个月"),
            _ => format!("终止：{}", word(EXIT_REASONS, "reason")),
        },
        EventKind::CountyConfirmation => match text("support_mode") {
            "centralized" => "集中供养".to_owned(),
            "dispersed" => format!(
                "分散供养，照料人：{}，委托照料协议 {}",
                text("carer"),
                text("agreement_date")
            ),
            _ => String::new(),
        },
        EventKind::Exception => format!(
            "计算结论：{}；认定为：{}；批准人：{}",
            if text("computed").is_empty() {
                "—".to_owned()
            } else {
                status("computed")
            },
            status("recorded"),
            text("approved_by")
        ),
        _ => String::new(),
    }
}

/// A deadline of the application in hand.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deadline {
    /// What must be done, in Chinese.
    pub what: &'static str,
    /// By when.
    pub due: NaiveDate,
    /// When it was done, if it was.
    pub done: Option<NaiveDate>,
}

impl Deadline {
    /// Done late, or not done and past due on `today`.
    pub fn missed(&self, today: NaiveDate) -> bool {
        match self.done {
            Some(done) => done > self.due,
            None => today > self.due,
        }
    }
}

/// The deadlines of every application in `events` (date order): 入户调查
/// within the working days after 受理, and the decision (确认 or 不予认定)
/// within the working days allowed (more after an extension).
pub fn deadlines(
    events: &[CaseEvent],
    calendar: &WorkCalendar,
    procedure: &Procedure,
) -> Vec<Deadline> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if events[i].kind != EventKind::Application {
            i += 1;
            continue;
        }
        let accepted = events[i].date;
        let end = events[i + 1..]
            .iter()
            .position(|e| e.kind == EventKind::Application)
            .map_or(events.len(), |p| i + 1 + p);
        let cycle = &events[i + 1..end];
        let first = |kinds: &[EventKind]| {
            cycle
                .iter()
                .find(|e| kinds.contains(&e.kind))
                .map(|e| e.date)
        };
        out.push(Deadline {
            what: "入户调查",
            due: calendar.add_working_days(accepted, procedure.investigation_working_days),
            done: first(&[EventKind::Investigation]),
        });
        let extended = cycle.iter().any(|e| e.kind == EventKind::Extension);
        let days = if extended {
            procedure.decision_extended_working_days
        } else {
            procedure.decision_working_days
        };
        out.push(Deadline {
            what: if extended {
                "作出决定（已延长）"
            } else {
                "作出决定"
            },
            due: calendar.add_working_days(accepted, days),
            done: first(&[EventKind::CountyConfirmation, EventKind::Refusal]),
        });
        i = end;
    }
    out
}

#[cfg(test)]
mod tests;
