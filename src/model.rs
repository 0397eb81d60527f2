//! The household as the program understands it: members, incomes, expenses,
//! assets and enrollment (the fields of `bangfu.household.v1`), plus what the
//! caseworker records beyond them (组, address, hardship causes, tags).
//!
//! Values here are already checked; [`crate::household_json`] turns untrusted
//! JSON into them and says what was wrong.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::id_number::{self, Sex};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* #[doc = $zh] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code used in files (`household.v1`, policy TOML).
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label shown to people.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            /// Looks a value up by its file code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Looks a value up by its code or its Chinese label.
            pub fn from_code_or_zh(text: &str) -> Option<Self> {
                let text = text.trim();
                Self::from_code(text).or_else(|| Self::ALL.iter().copied().find(|v| v.zh() == text))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::from_code(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!("未知的代码“{code}”"))
                })
            }
        }
    };
}
pub(crate) use code_enum;

code_enum!(
    /// 户籍类型: decides which 低保 standard applies.
    Hukou { Rural = "rural" / "农村", Urban = "urban" / "城镇" }
);

code_enum!(
    /// Work capacity (劳动能力) or self-care ability (生活自理能力).
    Ability { Full = "full" / "完全", Partial = "partial" / "部分", None = "none" / "无" }
);

code_enum!(
    /// Disability kind as on the 残疾人证.
    DisabilityKind {
        Physical = "physical" / "肢体",
        Visual = "visual" / "视力",
        Hearing = "hearing" / "听力",
        Speech = "speech" / "言语",
        Intellectual = "intellectual" / "智力",
        Mental = "mental" / "精神",
        Multiple = "multiple" / "多重",
    }
);

code_enum!(
    /// Kinds of income (last 12 months).
    IncomeKind {
        Wage = "wage" / "工资性收入",
        Business = "business" / "经营性收入",
        Property = "property" / "财产性收入",
        Transfer = "transfer" / "转移性收入",
        Pension = "pension" / "养老金",
        Alimony = "alimony" / "赡养（抚养、扶养）费",
        DisabilitySubsidy = "disability_subsidy" / "残疾人补贴",
        Award = "award" / "奖励",
        EducationAid = "education_aid" / "教育资助",
        Other = "other" / "其他收入",
    }
);

code_enum!(
    /// Kinds of rigid expenditure.
    ExpenseKind {
        Medical = "medical" / "医疗支出",
        Education = "education" / "教育支出",
        DisabilityCare = "disability_care" / "残疾康复护理支出",
        Other = "other" / "其他支出",
    }
);

code_enum!(
    /// 致困原因 recorded for a household (one or more).
    HardshipCause {
        Illness = "illness" / "因病",
        Disability = "disability" / "因残",
        Schooling = "schooling" / "因学",
        Disaster = "disaster" / "因灾/疫",
        LackOfLabour = "lack_of_labour" / "缺劳力",
        Housing = "housing" / "住房",
        Other = "other" / "其他",
    }
);

/// A disability as recorded on the certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Disability {
    /// Grade 1 (most severe) to 4.
    pub grade: u8,
    /// Kind of disability.
    pub kind: DisabilityKind,
    /// 残疾人证号, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

impl Disability {
    /// 重度残疾: grade 1 or 2, or grade 3 intellectual or mental.
    pub fn is_severe(&self) -> bool {
        self.grade <= 2
            || (self.grade == 3
                && matches!(
                    self.kind,
                    DisabilityKind::Intellectual | DisabilityKind::Mental
                ))
    }
}

/// One income line of a member (last 12 months).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Income {
    /// Kind of income.
    pub kind: IncomeKind,
    /// Yuan over the last 12 months.
    pub annual: Decimal,
}

/// One rigid expenditure line of a household.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Expense {
    /// Kind of expenditure.
    pub kind: ExpenseKind,
    /// Yuan over the last 12 months.
    pub annual: Decimal,
}

/// A legal supporter (法定赡养/抚养/扶养义务人), living with the household or not.
///
/// Capability is either recorded as a judgement (`capable`) or computed by
/// the engine from the supporter's own family figures (rules v2 §1).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Supporter {
    /// Name.
    pub name: String,
    /// Relation to the member.
    pub relation: String,
    /// The caseworker's judgement: able to support or not; `None` when not
    /// judged (then the figures decide, and without them: not capable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capable: Option<bool>,
    /// Why the judgement was made (free text, printed in the dossier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judgement_note: Option<String>,
    /// Age in completed years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
    /// Number of people in the supporter's own family (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_size: Option<u32>,
    /// The supporter's family's income over the last 12 months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_annual_income: Option<Decimal>,
    /// The supporter's family's financial assets (absent = 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_financial_assets: Option<Decimal>,
}

impl Supporter {
    /// Whether the figures the engine needs to judge capability are there.
    pub fn has_figures(&self) -> bool {
        self.family_size.is_some() && self.family_annual_income.is_some()
    }
}

/// The codes of a member's relation to the head, with their Chinese names
/// (the file may also carry the Chinese word itself).
pub const RELATIONS: &[(&str, &str)] = &[
    ("self", "户主"),
    ("spouse", "配偶"),
    ("child", "子女"),
    ("parent", "父母"),
    ("grandchild", "孙子女"),
    ("grandparent", "祖父母"),
    ("sibling", "兄弟姐妹"),
    ("child_in_law", "儿媳/女婿"),
    ("other", "其他"),
];

/// A household member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Name.
    pub name: String,
    /// 18-digit ID number, when the person has one.
    pub id_number: Option<String>,
    /// Birth date as written in the file (optional when the ID number gives it).
    pub birth_date: Option<NaiveDate>,
    /// Relation to the head (`self`, `spouse`, `child`, … or Chinese).
    pub relation: String,
    /// Lives with the household (共同生活); only cohabiting members count.
    pub cohabiting: bool,
    /// Disability, if any.
    pub disability: Option<Disability>,
    /// Serious illness (重病).
    pub serious_illness: bool,
    /// Work capacity.
    pub work_capacity: Ability,
    /// Self-care ability.
    pub self_care: Ability,
    /// Legal supporters; `None` means not assessed.
    pub supporters: Option<Vec<Supporter>>,
    /// Incomes over the last 12 months.
    pub incomes: Vec<Income>,
    /// Special-group tags the caseworker recorded (留守儿童, 独居老人, …).
    pub tags: Vec<String>,
    /// Free-text health note (chronic illness named, …).
    pub health_note: Option<String>,
}

impl Member {
    /// The birth date that counts: from the ID number, else the recorded one.
    pub fn born(&self) -> Option<NaiveDate> {
        self.id_number
            .as_deref()
            .and_then(|id| id_number::parse_id_number(id).ok())
            .map(|info| info.birth_date)
            .or(self.birth_date)
    }

    /// Sex from the ID number, when it has a valid one.
    pub fn sex(&self) -> Option<Sex> {
        self.id_number
            .as_deref()
            .and_then(|id| id_number::parse_id_number(id).ok())
            .map(|info| info.sex)
    }

    /// The relation to the head in Chinese (codes translated, Chinese kept as written).
    pub fn relation_zh(&self) -> &str {
        let code = match self.relation.as_str() {
            "head" => "self",
            other => other,
        };
        RELATIONS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(self.relation.as_str(), |(_, zh)| zh)
    }

    /// Whether this member is the head of household.
    pub fn is_head(&self) -> bool {
        matches!(
            self.relation.as_str(),
            "self" | "head" | "户主" | "本人" | "申请人"
        )
    }
}

/// Financial assets and disqualifying holdings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assets {
    /// Deposits, securities, bonds… in yuan.
    pub financial: Decimal,
    /// Tags that fail the asset test (`non_essential_vehicle`, `company_ownership`, …).
    pub disqualifying: Vec<String>,
}

/// What the household already receives (在保).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enrollment {
    /// Program: `"dibao"` or `"tekun"` (others count as none).
    pub program: String,
    /// Since when.
    pub since: Option<NaiveDate>,
    /// Current monthly payment, as recorded (zero when a 特困 enrollment
    /// leaves it out).
    pub monthly_amount: Decimal,
    /// Class recorded at the last decision (`A`/`B`/`C`).
    pub class: Option<String>,
    /// Date of the last review (定期核查).
    pub last_review: Option<NaiveDate>,
    /// First date the income was found above the standard (渐退 start).
    pub exceeded_since: Option<NaiveDate>,
}

impl Enrollment {
    /// Whether this is a 低保 enrollment.
    pub fn is_dibao(&self) -> bool {
        self.program == "dibao"
    }

    /// Whether this is a 特困 enrollment.
    pub fn is_tekun(&self) -> bool {
        self.program == "tekun"
    }
}

code_enum!(
    /// Kind of 临时救助 request (支出型 when not said).
    #[derive(Default)]
    TempAidKind {
        Emergency = "emergency" / "急难型",
        #[default]
        Expenditure = "expenditure" / "支出型",
    }
);

/// One 临时救助 payment already made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// Date paid.
    pub date: NaiveDate,
    /// Amount paid.
    pub amount: Decimal,
}

/// A 临时救助 request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TempAidRequest {
    /// Amount requested now.
    pub requested: Decimal,
    /// Already granted this calendar year, as typed in a v1 file; `None`
    /// when the payments are listed in `grants` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_this_year: Option<Decimal>,
    /// 急难型 or 支出型.
    #[serde(default, skip_serializing_if = "is_default_kind")]
    pub kind: TempAidKind,
    /// Decided 一事一议 (case by case, with the higher cap).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_by_case: bool,
    /// Payments already made (the register), when kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<Grant>>,
}

fn is_default_kind(kind: &TempAidKind) -> bool {
    *kind == TempAidKind::Expenditure
}

impl TempAidRequest {
    /// Paid in the calendar year of `as_of`, on or before it: the sum of the
    /// register's grants, or the typed figure of a v1 file.
    pub fn granted_in_year_of(&self, as_of: NaiveDate) -> Option<Decimal> {
        use chrono::Datelike;
        match &self.grants {
            Some(grants) => grants
                .iter()
                .filter(|g| g.date.year() == as_of.year() && g.date <= as_of)
                .try_fold(Decimal::ZERO, |total, g| total.checked_add(g.amount)),
            None => Some(self.granted_this_year.unwrap_or(Decimal::ZERO)),
        }
    }
}

/// A household in hardship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    /// The household's file number (`TXZ-003`), unique in a store.
    pub id: String,
    /// 6-digit 行政区划代码.
    pub region_code: String,
    /// Village or community (村/社区).
    pub village: String,
    /// Hukou type.
    pub hukou: Hukou,
    /// Members; order matters (results refer to members by index).
    pub members: Vec<Member>,
    /// Rigid expenditures.
    pub expenses: Vec<Expense>,
    /// Assets.
    pub assets: Assets,
    /// Current enrollment, if any.
    pub enrollment: Option<Enrollment>,
    /// 临时救助 request, if any.
    pub temp_aid: Option<TempAidRequest>,
    /// Village group (组), when recorded.
    pub group: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Contact telephone.
    pub phone: Option<String>,
    /// 致困原因.
    pub hardship_causes: Vec<HardshipCause>,
    /// 近亲属备案: a member is a close relative of village staff or a caseworker.
    pub cadre_relative: bool,
    /// Date of the last home visit (入户走访), when known.
    pub last_visit: Option<NaiveDate>,
}

impl Household {
    /// The head of household (relation `self`), else the first member.
    pub fn head(&self) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.is_head())
            .or_else(|| self.members.first())
    }

    /// Members who live together (共同生活的家庭成员), with their input index.
    pub fn cohabiting(&self) -> impl Iterator<Item = (usize, &Member)> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.cohabiting)
    }
}
