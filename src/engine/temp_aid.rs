//! Step 6: 临时救助 — what can be granted now, and who approves it.

use rust_decimal::Decimal;

use super::checked::{sub, Checked, Overflow};
use super::{ApprovalLevel, Code, Decision, TempAidOutcome};
use crate::model::TempAidKind;
use crate::money::format_amount as yuan;

impl super::evaluation::Evaluation<'_> {
    /// Decides the household's 临时救助 request, if it has one.
    pub(super) fn temp_aid_step(&mut self, decision: &mut Decision) -> Checked<()> {
        let Some(request) = self.household.temp_aid.as_ref() else {
            return Ok(());
        };
        let v2 = self.policy.is_v2();
        let granted = if v2 {
            request
                .granted_in_year_of(self.as_of)
                .ok_or(Overflow("本年已救助合计"))?
        } else {
            request.granted_this_year.unwrap_or(Decimal::ZERO)
        };
        let t = &self.policy.temp_aid;
        let case_by_case = v2 && request.case_by_case;
        let (cap, cap_key) = match t.case_by_case_cap {
            Some(cap) if case_by_case => (cap.0, "temp_aid.case_by_case_cap"),
            _ => (t.annual_cap.0, "temp_aid.annual_cap"),
        };
        let requested = request.requested;
        let remaining = sub(cap, granted, "临时救助")?.max(Decimal::ZERO);
        let grantable = requested.min(remaining);
        let prepay = match t.prepay_limit {
            Some(limit) if v2 && request.kind == TempAidKind::Emergency => grantable <= limit.0,
            _ => false,
        };
        let approval_level = if grantable.is_zero() {
            ApprovalLevel::None
        } else if prepay {
            ApprovalLevel::Prepay
        } else if grantable <= t.township_limit.0 {
            ApprovalLevel::Township
        } else {
            ApprovalLevel::County
        };
        if case_by_case {
            self.note(
                Code::TempAidCaseByCase,
                Some("temp_aid.case_by_case_cap"),
                format!("本次临时救助经“一事一议”，年度上限提高到{}元", yuan(cap)),
            );
        }
        if grantable < requested {
            self.note(
                Code::TempAidCapLimited,
                Some(cap_key),
                format!(
                    "临时救助申请{}元，本年已救助{}元，年度上限{}元，本次最多可救助{}元",
                    yuan(requested),
                    yuan(granted),
                    yuan(cap),
                    yuan(grantable)
                ),
            );
        }
        match approval_level {
            ApprovalLevel::Prepay => {
                let limit = t.prepay_limit.map_or(Decimal::ZERO, |l| l.0);
                self.note(
                    Code::TempAidPrepay,
                    Some("temp_aid.prepay_limit"),
                    format!(
                        "急难型临时救助{}元不超过先行救助额度{}元，先行救助、事后补办审批手续",
                        yuan(grantable),
                        yuan(limit)
                    ),
                );
            }
            ApprovalLevel::County => self.note(
                Code::TempAidCountyApproval,
                Some("temp_aid.township_limit"),
                format!(
                    "临时救助{}元超过乡镇审批额度{}元，须报县级审批",
                    yuan(grantable),
                    yuan(t.township_limit.0)
                ),
            ),
            ApprovalLevel::None | ApprovalLevel::Township => {}
        }
        decision.temp_aid = Some(TempAidOutcome {
            grantable,
            approval_level,
        });
        Ok(())
    }
}
