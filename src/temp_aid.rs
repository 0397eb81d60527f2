//! The 临时救助 register: each request a household makes, and what was paid.
//!
//! The engine reads a household's 临时救助 as one open request plus the
//! grants already paid ([`crate::model::TempAidRequest`]); the register is
//! where those come from, so that `granted_this_year` is always the sum of
//! real payments and never a typed figure.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::engine::ApprovalLevel;
use crate::model::{Grant, TempAidKind, TempAidRequest};

/// One 临时救助 request and, once paid, its payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempAidRecord {
    /// Record id (UUID v7).
    pub id: uuid::Uuid,
    /// 急难型 or 支出型.
    pub kind: TempAidKind,
    /// What happened (事由): fire, accident, illness, school fees…
    pub cause: String,
    /// When it happened.
    pub event_date: NaiveDate,
    /// When the household (or the village) reported it; for 先行救助 the
    /// hours from here to the payment are the measure of the response.
    pub reported_at: Option<NaiveDateTime>,
    /// Amount asked for.
    pub requested: Decimal,
    /// Decided 一事一议 (the higher cap applies).
    pub case_by_case: bool,
    /// Why it is decided 一事一议 (required when it is).
    pub case_reason: String,
    /// Amount granted, once decided.
    pub granted: Option<Decimal>,
    /// Who approved it (from the evaluation when it was granted).
    pub approval_level: Option<ApprovalLevel>,
    /// When it was paid; `None` while the request is open.
    pub paid_at: Option<NaiveDateTime>,
    /// 先行救助 is approved after the payment (补办审批): when, and by whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Approval>,
}

/// The approval of a 先行救助 payment, given after it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Date approved.
    pub on: NaiveDate,
    /// Who approved it (乡镇人民政府, 县民政局 …).
    pub by: String,
}

/// Why a register entry cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TempAidError {
    /// No cause written.
    #[error("请填写临时救助事由")]
    NoCause,
    /// Nothing asked.
    #[error("申请金额应大于0")]
    NothingRequested,
    /// 一事一议 without its reason.
    #[error("“一事一议”须写明理由")]
    NoCaseReason,
    /// Paid, but the amount granted is missing or zero.
    #[error("已发放的救助须填写核定金额（大于0）")]
    PaidWithoutAmount,
    /// More granted than asked.
    #[error("核定金额{granted}元超过申请金额{requested}元")]
    MoreThanRequested {
        /// Granted.
        granted: String,
        /// Requested.
        requested: String,
    },
    /// The event after the report, or the payment before the event or the report.
    #[error("日期顺序不对：{0}")]
    DateOrder(String),
    /// An approval after the payment that is not one.
    #[error("补办审批有误：{0}")]
    Approval(String),
}

impl TempAidRecord {
    /// Checks what a caseworker typed.
    pub fn validate(&self) -> Result<(), TempAidError> {
        if self.cause.trim().is_empty() {
            return Err(TempAidError::NoCause);
        }
        if self.requested <= Decimal::ZERO {
            return Err(TempAidError::NothingRequested);
        }
        if self.case_by_case && self.case_reason.trim().is_empty() {
            return Err(TempAidError::NoCaseReason);
        }
        if self.paid_at.is_some() && self.granted.is_none_or(|g| g <= Decimal::ZERO) {
            return Err(TempAidError::PaidWithoutAmount);
        }
        if let Some(granted) = self.granted.filter(|g| *g > self.requested) {
            return Err(TempAidError::MoreThanRequested {
                granted: crate::money::format_amount(granted),
                requested: crate::money::format_amount(self.requested),
            });
        }
        let at = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
        let event = self.event_date;
        if let Some(reported) = self.reported_at.filter(|r| r.date() < event) {
            return Err(TempAidError::DateOrder(format!(
                "报告时间 {} 早于事件发生日期 {event}",
                at(reported)
            )));
        }
        if let Some(paid) = self.paid_at.filter(|p| p.date() < event) {
            return Err(TempAidError::DateOrder(format!(
                "发放时间 {} 早于事件发生日期 {event}",
                at(paid)
            )));
        }
        if let Some(a) = &self.approved {
            if self.approval_level != Some(ApprovalLevel::Prepay) || a.by.trim().is_empty() {
                return Err(TempAidError::Approval(
                    "只有先行救助才事后补办审批，且须写明审批机关".into(),
                ));
            }
            if self.paid_at.is_some_and(|p| a.on < p.date()) {
                return Err(TempAidError::Approval(format!(
                    "补办审批日期 {} 早于发放日期",
                    a.on
                )));
            }
        }
        if let (Some(reported), Some(paid)) = (self.reported_at, self.paid_at) {
            if paid < reported {
                return Err(TempAidError::DateOrder(format!(
                    "发放时间 {} 早于报告时间 {}",
                    at(paid),
                    at(reported)
                )));
            }
        }
        Ok(())
    }

    /// Whether the request is still open (not paid).
    pub fn is_open(&self) -> bool {
        self.paid_at.is_none()
    }

    /// Whole hours from the report to the payment, when both are known.
    pub fn hours_to_payment(&self) -> Option<i64> {
        Some((self.paid_at? - self.reported_at?).num_hours())
    }
}

/// The request the engine evaluates for a household with this register:
/// the latest open request, with every payment made as its grants; `None`
/// when no request is open.
pub fn open_request(register: &[TempAidRecord]) -> Option<TempAidRequest> {
    let open = register
        .iter()
        .filter(|r| r.is_open())
        .max_by_key(|r| (r.event_date, r.id))?;
    let grants = register
        .iter()
        .filter_map(|r| {
            Some(Grant {
                date: r.paid_at?.date(),
                amount: r.granted?,
            })
        })
        .collect();
    Some(TempAidRequest {
        requested: open.requested,
        granted_this_year: None,
        kind: open.kind,
        case_by_case: open.case_by_case,
        grants: Some(grants),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn record(requested: i64) -> TempAidRecord {
        TempAidRecord {
            id: uuid::Uuid::now_v7(),
            kind: TempAidKind::Emergency,
            cause: "房屋失火".into(),
            event_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            reported_at: Some(at("2026-11-20 08:00")),
            requested: Decimal::from(requested),
            case_by_case: false,
            case_reason: String::new(),
            granted: None,
            approval_level: None,
            paid_at: None,
            approved: None,
        }
    }

    #[test]
    fn the_open_request_carries_every_payment_as_a_grant() {
        let mut paid = record(3000);
        paid.granted = Some(Decimal::from(800));
        paid.paid_at = Some(at("2026-11-20 20:30"));
        assert_eq!(paid.hours_to_payment(), Some(12));
        let open = record(5000);
        let request = open_request(&[paid.clone(), open]).expect("an open request");
        assert_eq!(request.requested, Decimal::from(5000));
        assert_eq!(request.kind, TempAidKind::Emergency);
        let grants = request.grants.expect("grants");
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].amount, Decimal::from(800));
        assert!(
            open_request(&[paid]).is_none(),
            "nothing open, nothing asked"
        );
    }

    #[test]
    fn what_a_caseworker_cannot_save() {
        let mut r = record(3000);
        r.cause = " ".into();
        assert_eq!(r.validate(), Err(TempAidError::NoCause));
        let mut r = record(3000);
        r.case_by_case = true;
        assert_eq!(r.validate(), Err(TempAidError::NoCaseReason));
        let mut r = record(3000);
        r.paid_at = Some(at("2026-11-21 08:00"));
        assert_eq!(r.validate(), Err(TempAidError::PaidWithoutAmount));
        r.granted = Some(Decimal::from(3001));
        assert!(matches!(
            r.validate(),
            Err(TempAidError::MoreThanRequested { .. })
        ));
        r.granted = Some(Decimal::from(3000));
        r.paid_at = Some(at("2026-11-19 08:00"));
        assert!(matches!(r.validate(), Err(TempAidError::DateOrder(_))));
        r.paid_at = Some(at("2026-11-21 08:00"));
        assert_eq!(r.validate(), Ok(()));
        // Approved afterwards: only a 先行救助, not before it was paid.
        r.approved = Some(Approval {
            on: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            by: "乡镇人民政府".into(),
        });
        assert!(matches!(r.validate(), Err(TempAidError::Approval(_))));
        r.approval_level = Some(ApprovalLevel::Prepay);
        assert_eq!(r.validate(), Ok(()));
        r.approved = Some(Approval {
            on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            by: "乡镇人民政府".into(),
        });
        assert!(matches!(r.validate(), Err(TempAidError::Approval(_))));
    }
}
