//! `bangfu.eval.v1`: what an evaluation decides, and how it is written out.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::household_json::DataError;
use crate::money::format_amount;

/// The `format` value of a results file.
pub const FORMAT: &str = "bangfu.eval.v1";

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
    /// Every cohabiting member is 特困.
    Tekun,
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
            Status::Invalid => "invalid",
        }
    }

    /// Parses a file code.
    pub fn from_code(code: &str) -> Option<Status> {
        [
            Status::Dibao,
            Status::GradualExit,
            Status::Marginal,
            Status::LowIncome,
            Status::Ineligible,
            Status::Tekun,
            Status::Invalid,
        ]
        .into_iter()
        .find(|s| s.code() == code)
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

/// Result codes of spec §4.
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
}

/// Approval level for 临时救助.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalLevel {
    /// Nothing can be granted.
    None,
    /// The township may approve alone.
    Township,
    /// The county must approve.
    County,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberOutcome {
    /// Position in the input `members` list.
    pub index: usize,
    /// Class A/B/C.
    pub class: Class,
    /// Supported as 特困.
    pub tekun: bool,
    /// 特困 monthly support.
    #[serde(with = "crate::money::serde_amount")]
    pub tekun_benefit: Decimal,
    /// 单人保 granted.
    pub single_person_dibao: bool,
    /// 单人保 monthly amount.
    #[serde(with = "crate::money::serde_amount")]
    pub single_person_benefit: Decimal,
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
    /// Next review date (for `dibao`).
    pub next_review: Option<NaiveDate>,
    /// Review overdue (for `dibao`).
    pub review_overdue: bool,
    /// End of the 渐退期 (for `gradual_exit`).
    pub exit_at: Option<NaiveDate>,
    /// 临时救助, when requested.
    pub temp_aid: Option<TempAidOutcome>,
    /// Per cohabiting member.
    pub members: Vec<MemberOutcome>,
    /// Household benefit plus every member's.
    pub total_monthly: Decimal,
    /// Codes, in the order the steps produced them.
    pub codes: Vec<Code>,
    /// Explanations.
    pub reasons: Vec<Reason>,
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

struct ReasonOut<'a>(&'a Reason, &'a str);
impl Serialize for ReasonOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("code", &self.0.code)?;
        m.serialize_entry("text", &self.0.text)?;
        m.serialize_entry("policy_key", &self.0.policy_key)?;
        m.serialize_entry("policy_version", self.1)?;
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
        m.serialize_entry("members", &d.members)?;
        m.serialize_entry("total_monthly", &Money(d.total_monthly))?;
        m.serialize_entry("codes", &d.codes)?;
        let reasons: Vec<_> = d
            .reasons
            .iter()
            .map(|r| ReasonOut(r, &self.policy_version))
            .collect();
        m.serialize_entry("reasons", &reasons)?;
        m.end()
    }
}

/// A whole `bangfu.eval.v1` document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Evaluation date.
    pub as_of: NaiveDate,
    /// Results in input order.
    pub results: Vec<EvalResult>,
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("format", FORMAT)?;
        m.serialize_entry("as_of", &self.as_of.to_string())?;
        m.serialize_entry("results", &self.results)?;
        m.end()
    }
}
