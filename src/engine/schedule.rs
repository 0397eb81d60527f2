//! Rules v2 §7: when a 特困 household is next reviewed, and when every
//! household is next visited (动态管理).

use super::{Code, Decision, MemberOutcome, Status};
use crate::dates::add_months;
use crate::model::Enrollment;
use crate::policy::Policy;

/// How often a household of `status` is visited under `policy` (v2's
/// `casework.visit_months`): the shortest cadence above 0 of its status
/// and, when `any_tekun`, of 特困 — with the policy key and the ground in
/// Chinese. `None` when no cadence applies (or the policy is v1).
pub fn visit_cadence(
    policy: &Policy,
    status: Status,
    any_tekun: bool,
) -> Option<(u32, &'static str, &'static str)> {
    let v = &policy.casework.as_ref()?.visit_months;
    let by_status = match status {
        Status::Dibao => Some((v.dibao, "casework.visit_months.dibao", "低保")),
        Status::GradualExit => Some((v.gradual_exit, "casework.visit_months.gradual_exit", "渐退")),
        Status::Tekun => Some((v.tekun, "casework.visit_months.tekun", "特困")),
        Status::Marginal => Some((v.marginal, "casework.visit_months.marginal", "低保边缘")),
        Status::LowIncome => Some((v.low_income, "casework.visit_months.low_income", "低收入")),
        Status::Ineligible | Status::Orphan | Status::Invalid => None,
    };
    let for_tekun = any_tekun.then_some((v.tekun, "casework.visit_months.tekun", "特困"));
    [by_status, for_tekun]
        .into_iter()
        .flatten()
        .filter(|(m, _, _)| *m > 0)
        .min_by_key(|(m, _, _)| *m)
}

impl super::evaluation::Evaluation<'_> {
    /// The review date of a 特困 household (`tekun.review_months`).
    pub(super) fn tekun_review(&mut self, status: Status, decision: &mut Decision) {
        let Some(months) = self.policy.tekun.review_months else {
            return;
        };
        if status != Status::Tekun {
            return;
        }
        let from = self
            .enrollment(Enrollment::is_tekun)
            .and_then(|e| e.last_review)
            .unwrap_or(self.as_of);
        let next = add_months(from, months);
        if next < self.as_of {
            self.note(
                Code::ReviewOverdue,
                Some("tekun.review_months"),
                format!("特困人员每{months}个月核查一次，上次核查{from}，应于{next}前核查，已逾期"),
            );
        }
        decision.next_review = Some(next);
        decision.review_overdue = next < self.as_of;
    }

    /// The next home visit: from the last one, at the shortest cadence of
    /// the household's status and, when any member is 特困, of 特困.
    pub(super) fn visits(
        &mut self,
        status: Status,
        members: &[MemberOutcome],
        decision: &mut Decision,
    ) {
        let any_tekun = members.iter().any(|m| m.tekun);
        let Some((months, key, ground)) = visit_cadence(self.policy, status, any_tekun) else {
            return;
        };
        let from = self.household.last_visit.unwrap_or(self.as_of);
        let next = add_months(from, months);
        decision.next_visit = Some(next);
        decision.visit_overdue = next < self.as_of;
        if next < self.as_of {
            self.note(
                Code::VisitOverdue,
                Some(key),
                format!("{ground}对象每{months}个月入户走访一次，上次走访{from}，应于{next}前走访，已逾期"),
            );
        }
    }
}
