//! `bangfu.eval.v1` and `.v2`: what an evaluation decides, and how it is
//! written out (v2's fields only under a v2 policy).

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::household_json::DataError;
use crate::money::format_amount;

/// The `format` value of a results file under a v1 policy.
pub const FORMAT: &str = "bangfu.eval.v1";

/// The `format` value of a results file under a v2 policy.
pub const FORMAT_V2: &str = "bangfu.eval.v2";

/// A household's status after evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 低保.
    Dibao,
    /// 渐退期: still paid the old amount while income has risen.
    GradualExit,
    /// 低保边缘.
    Marginal,
    /// 低收入.
    LowIncome,
    /// Not eligible for any program.
    Ineligible,
    /// Every cohabiting member is 特困 (or 孤儿, at least one 特困).
    Tekun,
    /// Every cohabiting member is a 孤儿 (v2).
    Orphan,
    /// The data is bad; see the errors.
    Invalid,
}

impl Status {
    /// Every status.
    pub const ALL: &'static [Status] = &[
        Status::Dibao,
        Status::GradualExit,
        Status::Marginal,
        Status::LowIncome,
        Status::Ineligible,
        Status::Tekun,
        Status::Orphan,
        Status::Invalid,
    ];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Status::Dibao => "低保",
            Status::GradualExit => "低保渐退",
            Status::Marginal => "低保边缘",
            Status::LowIncome => "低收入",
            Status::Ineligible => "不符合",
            Status::Tekun => "特困",
            Status::Orphan => "孤儿",
            Status::Invalid => "数据有误",
        }
    }

    /// The file code (`dibao`, `gradual_exit`, …).
    pub fn code(self) -> &'static str {
        match self {
            Status::Dibao => "dibao",
            Status::GradualExit => "gradual_exit",
            Status::Marginal => "marginal",
            Status::LowIncome => "low_income",
            Status::Ineligible => "ineligible",
            Status::Tekun => "tekun",
            Status::Orphan => "orphan",
            Status::Invalid => "invalid",
        }
    }

    /// Parses a file code.
    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.code() == code)
    }
}

/// Member class (A/B/C); a person holds only the highest that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Class {
    /// No special circumstance.
    C,
    /// Elderly, child or disabled.
    B,
    /// Severe disability, serious illness or very old.
    A,
}

/// Result codes of spec v1 §4 and v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Code {
    DibaoEligible,
    IncomeNotBelowStandard,
    AssetFinancialOverLimit,
    AssetDisqualifying,
    Tekun,
    Marginal,
    SinglePersonDibao,
    LowIncome,
    GradualExit,
    GradualExitEnded,
    ReviewOverdue,
    TempAidCapLimited,
    TempAidCountyApproval,
    DuplicateIdNumber,
    MinBenefitApplied,
    SupporterNotAssessed,
    OrphanAllowance,
    SevereMemberFullStandard,
    TempAidCaseByCase,
    TempAidPrepay,
    VisitOverdue,
    DisabilityLivingSubsidy,
    DisabilityCareSubsidy,
    RigidExpenseHardship,
}

/// One sentence of explanation: what was decided, with the figures, and the policy key applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The code this sentence explains.
    pub code: Code,
    /// Chinese sentence with the actual figures.
    pub text: String,
    /// The policy key applied, when the step rests on one.
    pub policy_key: Option<&'static str>,
    /// The provision the policy cites for that key (`《…》第五条`).
    pub citation: Option<Arc<str>>,
}

impl Reason {
    /// Where the step's rule comes from, for people: the cited provision,
    /// else the policy key.
    pub fn basis(&self) -> Option<String> {
        match (&self.citation, self.policy_key) {
            (Some(c), _) => Some(c.to_string()),
            (None, Some(key)) => Some(key.to_owned()),
            (None, None) => None,
        }
    }
}

/// Approval level for 临时救助.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalLevel {
    /// Nothing can be granted.
    None,
    /// 先行救助: an emergency paid first and approved afterwards (v2).
    Prepay,
    /// The township may approve alone.
    Township,
    /// The county must approve.
    County,
}

impl ApprovalLevel {
    /// Every level.
    pub const ALL: &'static [ApprovalLevel] = &[
        ApprovalLevel::None,
        ApprovalLevel::Prepay,
        ApprovalLevel::Township,
        ApprovalLevel::County,
    ];

    /// The file code (`prepay`, `township`, …).
    pub fn code(self) -> &'static str {
        match self {
            ApprovalLevel::None => "none",
            ApprovalLevel::Prepay => "prepay",
            ApprovalLevel::Township => "township",
            ApprovalLevel::County => "county",
        }
    }

    /// Chinese name, as the 审批表 prints it.
    pub fn zh(self) -> &'static str {
        match self {
            ApprovalLevel::None => "不予救助",
            ApprovalLevel::Prepay => "先行救助（事后补办审批）",
            ApprovalLevel::Township => "乡镇（街道）审批",
            ApprovalLevel::County => "县级民政部门审批",
        }
    }
}

/// 临时救助 outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TempAidOutcome {
    /// Amount that can be granted now.
    #[serde(with = "crate::money::serde_amount")]
    pub grantable: Decimal,
    /// Who approves it.
    pub approval_level: ApprovalLevel,
}

/// Per-member outcome, for each cohabiting member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberOutcome {
    /// Position in the input `members` list.
    pub index: usize,
    /// Class A/B/C.
    pub class: Class,
    /// Supported as 特困.
    pub tekun: bool,
    /// 特困 monthly support.
    pub tekun_benefit: Decimal,
    /// 单人保 granted.
    pub single_person_dibao: bool,
    /// 单人保 monthly amount.
    pub single_person_benefit: Decimal,
    /// Draws 孤儿基本生活保障 (v2).
    pub orphan: bool,
    /// 孤儿基本生活保障 per month.
    pub orphan_benefit: Decimal,
    /// 困难残疾人生活补贴 per month (v2).
    pub living_subsidy: Decimal,
    /// 重度残疾人护理补贴 per month (v2).
    pub care_subsidy: Decimal,
}

/// A member's outcome as written in a results file of an edition.
struct MemberOut<'a>(&'a MemberOutcome, bool);
impl Serialize for MemberOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (o, v2) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &o.index)?;
        m.serialize_entry("class", &o.class)?;
        m.serialize_entry("tekun", &o.tekun)?;
        m.serialize_entry("tekun_benefit", &Money(o.tekun_benefit))?;
        m.serialize_entry("single_person_dibao", &o.single_person_dibao)?;
        m.serialize_entry("single_person_benefit", &Money(o.single_person_benefit))?;
        if v2 {
            m.serialize_entry("orphan", &o.orphan)?;
            m.serialize_entry("orphan_benefit", &Money(o.orphan_benefit))?;
            m.serialize_entry("living_subsidy", &Money(o.living_subsidy))?;
            m.serialize_entry("care_subsidy", &Money(o.care_subsidy))?;
        }
        m.end()
    }
}

/// The decision for a household whose data is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// 低保标准 S applied.
    pub standard: Decimal,
    /// |R|: members counted for 低保.
    pub household_size: usize,
    /// PCI, `None` when R is empty.
    pub per_capita_income: Option<Decimal>,
    /// Household 低保 or 渐退 amount.
    pub monthly_benefit: Decimal,
    /// Highest member class of R (for `dibao` and `gradual_exit`).
    pub household_class: Option<Class>,
    /// Next review date (for `dibao`, and under v2 for `tekun`).
    pub next_review: Option<NaiveDate>,
    /// Review overdue.
    pub review_overdue: bool,
    /// End of the 渐退期 (for `gradual_exit`).
    pub exit_at: Option<NaiveDate>,
    /// 临时救助, when requested.
    pub temp_aid: Option<TempAidOutcome>,
    /// Per cohabiting member.
    pub members: Vec<MemberOutcome>,
    /// Household benefit plus every member's.
    pub total_monthly: Decimal,
    /// Next home visit (v2), when a cadence applies.
    pub next_visit: Option<NaiveDate>,
    /// The visit is overdue (v2).
    pub visit_overdue: bool,
    /// 残疾人两项补贴 of every member per month (v2; not in `total_monthly`).
    pub subsidies_monthly: Decimal,
    /// Codes, in the order the steps produced them.
    pub codes: Vec<Code>,
    /// Explanations.
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// A decision with nothing decided yet, for R of `household_size` members.
    pub(super) fn empty(standard: Decimal, household_size: usize) -> Decision {
        Decision {
            standard,
            household_size,
            per_capita_income: None,
            monthly_benefit: Decimal::ZERO,
            household_class: None,
            next_review: None,
            review_overdue: false,
            exit_at: None,
            temp_aid: None,
            members: Vec::new(),
            total_monthly: Decimal::ZERO,
            next_visit: None,
            visit_overdue: false,
            subsidies_monthly: Decimal::ZERO,
            codes: Vec::new(),
            reasons: Vec::new(),
        }
    }
}

/// One household's evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalResult {
    /// Household id as in the input.
    pub id: String,
    /// Status.
    pub status: Status,
    /// For `invalid`: what is wrong.
    pub errors: Vec<DataError>,
    /// For every other status: the decision.
    pub decision: Option<Decision>,
    /// Version of the policy applied.
    pub policy_version: String,
    /// Whether that policy is v2 (the result is then written as `eval.v2`).
    pub v2: bool,
}

impl EvalResult {
    /// Whether the code is among the result's codes.
    pub fn has(&self, code: Code) -> bool {
        self.decision
            .as_ref()
            .is_some_and(|d| d.codes.contains(&code))
    }

    /// Total monthly payment (zero when invalid).
    pub fn total_monthly(&self) -> Decimal {
        self.decision
            .as_ref()
            .map_or(Decimal::ZERO, |d| d.total_monthly)
    }
}

struct Money(Decimal);
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_amount(self.0))
    }
}

struct ReasonOut<'a>(&'a Reason, &'a str, bool);
impl Serialize for ReasonOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("code", &self.0.code)?;
        m.serialize_entry("text", &self.0.text)?;
        m.serialize_entry("policy_key", &self.0.policy_key)?;
        m.serialize_entry("policy_version", self.1)?;
        if self.2 {
            m.serialize_entry("citation", &self.0.citation.as_deref())?;
        }
        m.end()
    }
}

impl Serialize for EvalResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("status", &self.status)?;
        let Some(d) = &self.decision else {
            m.serialize_entry("errors", &self.errors)?;
            return m.end();
        };
        m.serialize_entry("standard", &Money(d.standard))?;
        m.serialize_entry("household_size", &d.household_size)?;
        m.serialize_entry("per_capita_income", &d.per_capita_income.map(Money))?;
        m.serialize_entry("monthly_benefit", &Money(d.monthly_benefit))?;
        m.serialize_entry("household_class", &d.household_class)?;
        m.serialize_entry("next_review", &d.next_review.map(|n| n.to_string()))?;
        m.serialize_entry("review_overdue", &d.review_overdue)?;
        if let Some(exit_at) = d.exit_at {
            m.serialize_entry("exit_at", &exit_at.to_string())?;
        }
        m.serialize_entry("temp_aid", &d.temp_aid)?;
        let members: Vec<_> = d.members.iter().map(|o| MemberOut(o, self.v2)).collect();
        m.serialize_entry("members", &members)?;
        m.serialize_entry("total_monthly", &Money(d.total_monthly))?;
        if self.v2 {
            m.serialize_entry("next_visit", &d.next_visit.map(|n| n.to_string()))?;
            m.serialize_entry("visit_overdue", &d.visit_overdue)?;
            m.serialize_entry("subsidies_monthly", &Money(d.subsidies_monthly))?;
        }
        m.serialize_entry("codes", &d.codes)?;
        let reasons: Vec<_> = d
            .reasons
            .iter()
            .map(|r| ReasonOut(r, &self.policy_version, self.v2))
            .collect();
        m.serialize_entry("reasons", &reasons)?;
        m.end()
    }
}

/// A whole results document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Evaluation date.
    pub as_of: NaiveDate,
    /// Results in input order.
    pub results: Vec<EvalResult>,
    /// Written as `bangfu.eval.v2` (the policy in force is v2).
    pub v2: bool,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("format", if self.v2 { FORMAT_V2 } else { FORMAT })?;
        m.serialize_entry("as_of", &self.as_of.to_string())?;
        m.serialize_entry("results", &self.results)?;
        m.end()
    }
}
