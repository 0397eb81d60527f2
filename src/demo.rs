//! A demo village for newcomers: 200+ households with realistic names, valid
//! ID numbers and the whole range of situations (低保, 特困, 单人保, 渐退,
//! 低收入, asset limits, 临时救助, a shared ID number), with visits, case
//! timelines and assistance plans.
//!
//! Deterministic: the same seed and date give the same village.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use crate::casework::*;
use crate::dates::add_months;
use crate::id_number::make_id_number;
use crate::model::*;
use crate::store::{Store, StoreError};

/// Region code of the demo county (matches the default policy).
pub const REGION: &str = "341024";

/// Villages of the demo, with the prefix of their household codes and hukou.
pub const VILLAGES: &[(&str, &str, Hukou)] = &[
    ("田心寨村", "TXZ", Hukou::Rural),
    ("保婴村", "BY", Hukou::Rural),
    ("巨网村", "JW", Hukou::Rural),
    ("黎阳社区", "LY", Hukou::Urban),
];

const SURNAMES: &[&str] = &[
    "程", "王", "李", "张", "刘", "陈", "胡", "汪", "吴", "方", "黄", "江", "潘", "叶", "余", "洪",
    "徐", "朱", "钱", "颜",
];
const MALE: &[&str] = &[
    "金明", "建国", "大山", "军", "发根", "国强", "志刚", "春生", "长青", "德胜", "永福", "海涛",
    "文华", "庆丰", "有才",
];
const FEMALE: &[&str] = &[
    "秀兰", "桂芳", "观英", "润林", "代娣", "转梅", "玉珍", "春燕", "小红", "丽华", "月娥", "美玲",
    "素芬", "翠花", "雪梅",
];
const CHILD: &[&str] = &[
    "小雨", "浩", "婷", "子轩", "欣怡", "梓涵", "宇航", "佳琪", "思远", "雨桐",
];
const WORKERS: &[&str] = &["方晓燕", "洪卫东", "余丽娟", "江海波"];

/// A tiny deterministic generator (64-bit LCG): no dependency, same village every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One demo household with its casework.
pub struct DemoHousehold {
    /// The household.
    pub household: Household,
    /// Visits (oldest first).
    pub visits: Vec<Visit>,
    /// Case timeline.
    pub events: Vec<CaseEvent>,
    /// Assistance plan.
    pub measures: Vec<Measure>,
}

fn yuan(n: i64) -> Decimal {
    Decimal::new(n * 100, 2)
}

/// The situations the demo covers, in rotation.
#[derive(Clone, Copy)]
enum Situation {
    PoorFamily,
    LoneElder,
    DisabledChild,
    Marginal,
    LowIncome,
    GradualExit,
    OverdueReview,
    Savings,
    Vehicle,
    TempAid,
    WellOff,
    IllnessExpenses,
}

const SITUATIONS: [Situation; 12] = [
    Situation::PoorFamily,
    Situation::LoneElder,
    Situation::DisabledChild,
    Situation::Marginal,
    Situation::LowIncome,
    Situation::GradualExit,
    Situation::OverdueReview,
    Situation::Savings,
    Situation::Vehicle,
    Situation::TempAid,
    Situation::WellOff,
    Situation::IllnessExpenses,
];

/// Builds the demo village: `per_village` households in each of [`VILLAGES`].
pub fn build(today: NaiveDate, per_village: usize) -> Vec<DemoHousehold> {
    let mut rng = Rng(0x6261_6e67_6675);
    let mut out = Vec::new();
    let mut serial = 100u32;
    for (v, (village, prefix, hukou)) in VILLAGES.iter().enumerate() {
        for n in 0..per_village {
            let situation = SITUATIONS[(n + v) % SITUATIONS.len()];
            let code = format!("{prefix}-{:03}", n + 1);
            let group = format!("{}组", 1 + rng.below(6));
            let mut person = |rng: &mut Rng,
                              (min_age, span): (i32, u64),
                              male_percent: u64,
                              relation: &str,
                              surname: &str| {
                serial += 1;
                let age = min_age + rng.below(span) as i32;
                let male = rng.chance(male_percent);
                let year = today.year() - age;
                let birth = NaiveDate::from_ymd_opt(
                    year,
                    1 + rng.below(12) as u32,
                    1 + rng.below(28) as u32,
                )
                .unwrap_or(today);
                let seq = (serial * 2 + u32::from(male)) % 1000;
                let given = if age < 18 {
                    rng.pick(CHILD)
                } else if male {
                    rng.pick(MALE)
                } else {
                    rng.pick(FEMALE)
                };
                Member {
                    name: format!("{surname}{given}"),
                    id_number: Some(make_id_number(REGION, birth, seq)),
                    birth_date: None,
                    relation: relation.to_owned(),
                    cohabiting: true,
                    disability: None,
                    serious_illness: false,
                    work_capacity: if (18..60).contains(&age) {
                        Ability::Full
                    } else {
                        Ability::None
                    },
                    self_care: Ability::Full,
                    supporters: None,
                    incomes: Vec::new(),
                    tags: Vec::new(),
                    health_note: None,
                }
            };
            let surname = *rng.pick(SURNAMES);
            let wife = *rng.pick(SURNAMES);
            let mut members = Vec::new();
            let mut expenses = Vec::new();
            let mut assets = Assets {
                financial: yuan(500 * rng.below(8) as i64),
                disqualifying: Vec::new(),
            };
            let mut enrollment = None;
            let mut temp_aid = None;
            let mut causes = Vec::new();
            let wage = |amount: i64| Income {
                kind: IncomeKind::Wage,
                annual: yuan(amount),
            };
            match situation {
                Situation::PoorFamily | Situation::OverdueReview | Situation::IllnessExpenses => {
                    let mut head = person(&mut rng, (40, 15), 100, "self", surname);
                    head.incomes.push(wage(6000 + 600 * rng.below(10) as i64));
                    let mut spouse = person(&mut rng, (38, 12), 0, "spouse", wife);
                    if matches!(situation, Situation::IllnessExpenses) {
                        spouse.serious_illness = true;
                        spouse.work_capacity = Ability::None;
                        spouse.health_note = Some("尿毒症，每周透析".into());
                        expenses.push(Expense {
                            kind: ExpenseKind::Medical,
                            annual: yuan(9000 + 1000 * rng.below(6) as i64),
                        });
                        causes.push(HardshipCause::Illness);
                    } else {
                        causes.push(HardshipCause::LackOfLabour);
                    }
                    let mut child = person(&mut rng, (6, 10), 50, "child", surname);
                    child.tags.push("困境儿童".into());
                    expenses.push(Expense {
                        kind: ExpenseKind::Education,
                        annual: yuan(600 + 200 * rng.below(5) as i64),
                    });
                    members.extend([head, spouse, child]);
                    if matches!(situation, Situation::OverdueReview) {
                        enrollment = Some(Enrollment {
                            program: "dibao".into(),
                            since: Some(add_months(today, 0) - Days::new(900)),
                            monthly_amount: yuan(700),
                            class: Some("B".into()),
                            last_review: Some(today - Days::new(400)),
                            exceeded_since: None,
                        });
                    }
                }
                Situation::LoneElder => {
                    let mut elder = person(&mut rng, (70, 20), 40, "self", surname);
                    elder.incomes.push(Income {
                        kind: IncomeKind::Pension,
                        annual: yuan(1500 + 60 * rng.below(10) as i64),
                    });
                    elder.self_care = *rng.pick(&[Ability::Full, Ability::Partial, Ability::None]);
                    elder.supporters = Some(Vec::new());
                    elder.tags.push(
                        if elder.self_care == Ability::Full {
                            "独居老人"
                        } else {
                            "失能老人"
                        }
                        .into(),
                    );
                    members.push(elder);
                    causes.push(HardshipCause::LackOfLabour);
                }
                Situation::DisabledChild | Situation::Marginal => {
                    let mut head = person(&mut rng, (45, 10), 0, "self", surname);
                    let base = if matches!(situation, Situation::Marginal) {
                        16000
                    } else {
                        9000
                    };
                    head.incomes.push(wage(base + 1200 * rng.below(4) as i64));
                    let mut son = person(&mut rng, (20, 10), 100, "child", surname);
                    son.disability = Some(Disability {
                        grade: 1 + rng.below(2) as u8,
                        kind: *rng.pick(&[
                            DisabilityKind::Physical,
                            DisabilityKind::Intellectual,
                            DisabilityKind::Visual,
                        ]),
                        certificate: Some(format!(
                            "{}{}",
                            son.id_number.clone().unwrap_or_default(),
                            "42"
                        )),
                    });
                    son.work_capacity = Ability::None;
                    son.self_care = Ability::Partial;
                    son.incomes.push(Income {
                        kind: IncomeKind::DisabilitySubsidy,
                        annual: yuan(1800),
                    });
                    son.tags.push("重度残疾".into());
                    expenses.push(Expense {
                        kind: ExpenseKind::DisabilityCare,
                        annual: yuan(1200),
                    });
                    members.extend([head, son]);
                    causes.push(HardshipCause::Disability);
                }
                Situation::LowIncome | Situation::WellOff => {
                    let mut head = person(&mut rng, (35, 20), 100, "self", surname);
                    let base = if matches!(situation, Situation::WellOff) {
                        40000
                    } else {
                        15000
                    };
                    head.incomes.push(wage(base + 1000 * rng.below(5) as i64));
                    let mut spouse = person(&mut rng, (33, 20), 0, "spouse", wife);
                    spouse.incomes.push(Income {
                        kind: IncomeKind::Business,
                        annual: yuan(6000),
                    });
                    members.extend([head, spouse]);
                    causes.push(HardshipCause::Other);
                }
                Situation::GradualExit => {
                    let mut head = person(&mut rng, (40, 10), 100, "self", surname);
                    head.incomes.push(wage(16000));
                    let mut daughter = person(&mut rng, (19, 4), 0, "child", surname);
                    daughter.incomes.push(wage(2400));
                    members.extend([head, daughter]);
                    enrollment = Some(Enrollment {
                        program: "dibao".into(),
                        since: Some(today - Days::new(1200)),
                        monthly_amount: yuan(520),
                        class: Some("C".into()),
                        last_review: Some(today - Days::new(200)),
                        exceeded_since: Some(today - Days::new(120)),
                    });
                    causes.push(HardshipCause::Schooling);
                }
                Situation::Savings | Situation::Vehicle => {
                    let mut head = person(&mut rng, (50, 10), 100, "self", surname);
                    head.incomes.push(wage(5000));
                    let spouse = person(&mut rng, (48, 10), 0, "spouse", wife);
                    members.extend([head, spouse]);
                    if matches!(situation, Situation::Savings) {
                        assets.financial = yuan(40000 + 1000 * rng.below(20) as i64);
                    } else {
                        assets.disqualifying.push("non_essential_vehicle".into());
                    }
                    causes.push(HardshipCause::Other);
                }
                Situation::TempAid => {
                    let mut head = person(&mut rng, (30, 20), 100, "self", surname);
                    head.incomes.push(wage(24000));
                    let mut mother = person(&mut rng, (62, 10), 0, "parent", wife);
                    mother.incomes.push(Income {
                        kind: IncomeKind::Pension,
                        annual: yuan(2400),
                    });
                    members.extend([head, mother]);
                    temp_aid = Some(TempAidRequest {
                        requested: yuan(3000 + 1000 * rng.below(6) as i64),
                        granted_this_year: Some(yuan(1000 * rng.below(18) as i64)),
                        kind: TempAidKind::Expenditure,
                        case_by_case: false,
                        grants: None,
                    });
                    causes.push(HardshipCause::Disaster);
                }
            }
            // A son working away: listed, but not living with the household.
            if rng.chance(15) {
                let mut away = person(&mut rng, (28, 1), 100, "child", surname);
                away.cohabiting = false;
                away.incomes.push(wage(48000));
                members.push(away);
            }
            record_supporters(&mut members, today);
            let household = Household {
                id: code,
                region_code: REGION.into(),
                village: (*village).into(),
                hukou: *hukou,
                members,
                expenses,
                assets,
                enrollment,
                temp_aid,
                group: Some(group.clone()),
                address: Some(format!("{village}{group}{}号", 1 + rng.below(80))),
                phone: Some(format!("13{:09}", rng.below(1_000_000_000))),
                hardship_causes: causes,
                cadre_relative: rng.chance(3),
                last_visit: None,
            };
            // Households with too much income or property applied and were refused.
            let refused = matches!(
                situation,
                Situation::WellOff | Situation::Savings | Situation::Vehicle
            );
            out.push(casework(household, refused, today, &mut rng));
        }
    }
    // One person listed in two households: the audit must find it.
    if out.len() > 13 {
        let shared = out[0].household.members[0].clone();
        let mut twin = shared;
        twin.relation = "other".into();
        out[13].household.members.push(twin);
    }
    out
}

/// Records the legal supporters of every member without work capacity, as
/// a caseworker finds them: the working relatives living in the household,
/// judged able to support; a child working away, with his family's figures
/// for the rules to judge. A lone elder keeps the empty list the situation
/// gave. Draws nothing from the generator, so the rest of the demo is as before.
fn record_supporters(members: &mut [Member], today: NaiveDate) {
    let relatives: Vec<(String, String, bool, Option<u32>, Decimal)> = members
        .iter()
        .filter(|m| m.work_capacity == Ability::Full)
        .map(|m| {
            let income = m.incomes.iter().map(|i| i.annual).sum();
            let age = m
                .born()
                .map(|b| crate::dates::age_on(b, today).max(0) as u32);
            (
                m.name.clone(),
                m.relation.clone(),
                m.cohabiting,
                age,
                income,
            )
        })
        .collect();
    for m in members.iter_mut() {
        if m.work_capacity != Ability::None || m.supporters.is_some() || !m.cohabiting {
            continue;
        }
        let found: Vec<Supporter> = relatives
            .iter()
            .filter(|(name, ..)| *name != m.name)
            .map(|(name, relation, cohabiting, age, income)| {
                let kin = match (m.relation.as_str(), relation.as_str()) {
                    ("child", "self" | "spouse") => "父母",
                    ("self" | "spouse", "child") | ("parent", "self" | "spouse") => "子女",
                    ("self", "spouse") | ("spouse", "self") => "配偶",
                    _ => "其他亲属",
                };
                if *cohabiting {
                    Supporter {
                        name: name.clone(),
                        relation: kin.into(),
                        capable: Some(true),
                        judgement_note: Some("共同生活，有劳动能力和收入".into()),
                        ..Supporter::default()
                    }
                } else {
                    Supporter {
                        name: name.clone(),
                        relation: kin.into(),
                        age: *age,
                        family_size: Some(3),
                        family_annual_income: Some(*income),
                        family_financial_assets: Some(yuan(20000)),
                        ..Supporter::default()
                    }
                }
            })
            .collect();
        if !found.is_empty() {
            m.supporters = Some(found);
        }
    }
}

fn casework(household: Household, refused: bool, today: NaiveDate, rng: &mut Rng) -> DemoHousehold {
    let pair = |rng: &mut Rng| {
        let a = rng.below(WORKERS.len() as u64) as usize;
        vec![
            WORKERS[a].to_owned(),
            WORKERS[(a + 1) % WORKERS.len()].to_owned(),
        ]
    };
    let visit_count = 1 + rng.below(3);
    let mut visits = Vec::new();
    for k in 0..visit_count {
        let date = today - Days::new(30 + 120 * (visit_count - k) + rng.below(30));
        let housing_problem = rng.chance(10);
        visits.push(Visit {
            id: uuid::Uuid::now_v7(),
            date,
            workers: pair(rng),
            checklist: CheckItem::ALL
                .iter()
                .map(|&item| CheckResult {
                    item,
                    problem: item == CheckItem::Housing && housing_problem,
                    note: if item == CheckItem::Housing && housing_problem { "东侧墙体开裂，需危房改造".into() } else { String::new() },
                })
                .collect(),
            findings: "看：房屋基本安全，家具简陋；查：户口簿、身份证、收入证明齐全；算：按申报收入核算；访：邻居反映情况属实。".into(),
            next_visit: Some(add_months(date, 3 + 3 * rng.below(2) as u32)),
            draft: false,
        });
    }
    // Most cases went the whole path months ago; one in six is an
    // application in hand, stopped where its caseworker is now. The
    // investigation comes one to three days after 受理, in one case in
    // eight later than the three working days allow, so 回头看 has
    // something to find.
    let in_hand = rng.chance(6);
    let start = if in_hand {
        today - Days::new(rng.below(25))
    } else {
        today - Days::new(200 + rng.below(300))
    };
    let investigated = if rng.chance(8) {
        6 + rng.below(2)
    } else {
        1 + rng.below(3)
    };
    let steps = [
        (
            EventKind::Application,
            0,
            "村委会",
            "户主提交书面申请及授权核对书",
        ),
        (
            EventKind::Investigation,
            investigated,
            "乡镇民政办",
            "两名工作人员入户调查",
        ),
        (
            EventKind::CheckRequest,
            8,
            "乡镇民政办",
            "提交授权书，申请县级信息核对",
        ),
        (
            EventKind::CheckReply,
            10,
            "县民政局核对中心",
            "未发现不符合条件的收入和财产",
        ),
        (
            EventKind::DemocraticReview,
            12,
            "村民主评议小组",
            "评议通过",
        ),
        (EventKind::NoticeStart, 14, "村委会", "村务公开栏公示"),
        (EventKind::NoticeEnd, 21, "村委会", "公示期满无异议"),
        (EventKind::TownshipReview, 26, "乡镇人民政府", "审核同意"),
        if refused {
            (
                EventKind::Refusal,
                40,
                "县民政局",
                "经核对，家庭收入或财产超过规定，不予认定，已书面告知理由",
            )
        } else {
            (EventKind::CountyConfirmation, 40, "县民政局", "确认纳入")
        },
    ];
    let reached = if in_hand {
        1 + rng.below(steps.len() as u64 - 1) as usize
    } else {
        steps.len()
    };
    let events = steps[..reached]
        .iter()
        .filter(|(_, offset, _, _)| start + Days::new(*offset) <= today)
        .map(|(kind, offset, actor, note)| CaseEvent {
            id: uuid::Uuid::now_v7(),
            kind: *kind,
            date: start + Days::new(*offset),
            actor: (*actor).into(),
            note: (*note).into(),
            data: match kind {
                EventKind::CheckReply => serde_json::json!({"finding": "nothing"}),
                EventKind::DemocraticReview => {
                    serde_json::json!({"result": "agree", "participants": 9})
                }
                _ => serde_json::json!({}),
            }
            .as_object()
            .cloned()
            .unwrap_or_default(),
        })
        .collect();
    let mut measures = Vec::new();
    for cause in &household.hardship_causes {
        let (kind, description) = match cause {
            HardshipCause::Illness => ("医疗救助", "落实大病保险和医疗救助，协助办理慢特病门诊"),
            HardshipCause::Disability => (
                "残疾人两项补贴",
                "落实困难残疾人生活补贴和重度残疾人护理补贴",
            ),
            HardshipCause::Schooling => ("教育救助", "申请雨露计划及助学金"),
            HardshipCause::Disaster => ("临时救助", "受灾后急难救助，协调住房修缮"),
            HardshipCause::LackOfLabour => ("结对帮扶", "安排帮扶责任人每月走访"),
            HardshipCause::Housing => ("住房救助", "纳入危房改造计划"),
            HardshipCause::Other => ("就业救助", "推荐公益性岗位"),
        };
        let status = *rng.pick(&[
            MeasureStatus::Planned,
            MeasureStatus::InProgress,
            MeasureStatus::Done,
        ]);
        // The 专项救助 go to their department; the reply is back once done.
        let department = match kind {
            "医疗救助" => Some("县医疗保障局"),
            "教育救助" => Some("县教育局"),
            "住房救助" => Some("县住房和城乡建设局"),
            "就业救助" => Some("县人力资源和社会保障局"),
            _ => None,
        };
        let done = status == MeasureStatus::Done;
        measures.push(Measure {
            id: uuid::Uuid::now_v7(),
            kind: kind.into(),
            description: description.into(),
            responsible: WORKERS[rng.below(WORKERS.len() as u64) as usize].into(),
            due: Some(today + Days::new(30 + rng.below(120))),
            status,
            outcome: if done {
                "已落实".into()
            } else {
                String::new()
            },
            referral: department.map(|d| Referral {
                department: d.into(),
                sent: today - Days::new(20),
                reply: if done {
                    "已受理并落实".into()
                } else {
                    String::new()
                },
                replied: done.then(|| today - Days::new(5)),
            }),
        });
    }
    DemoHousehold {
        household,
        visits,
        events,
        measures,
    }
}

/// Writes the demo village into a store (households already there are left
/// alone), then evaluates every household under the policies in use
/// ([`Store::policy_set`]) and saves the decisions. Returns how many households were new, and the evaluation.
pub fn install(
    store: &mut Store,
    as_of: NaiveDate,
    per_village: usize,
    only_village: Option<&str>,
) -> Result<(usize, Vec<Household>, crate::engine::Report), crate::decisions::EvalStoreError> {
    if let Some(name) = only_village.filter(|v| !VILLAGES.iter().any(|(n, _, _)| n == v)) {
        let names: Vec<&str> = VILLAGES.iter().map(|(n, _, _)| *n).collect();
        return Err(StoreError::Invalid(format!(
            "演示数据中没有“{name}”，可选：{}",
            names.join("、")
        ))
        .into());
    }
    // The policy is checked first, so a date without one writes nothing.
    let (policies, _) = store.policy_set()?;
    policies.in_force(as_of)?;
    let mut village = build(as_of, per_village);
    if let Some(name) = only_village {
        village.retain(|d| d.household.village == name);
    }
    let created = store.write(|tx| {
        let mut created = 0;
        for d in &village {
            if !tx.save_household(&d.household)?.created {
                continue;
            }
            created += 1;
            let id: String = tx.conn().query_row(
                "SELECT id FROM households WHERE code = ?1",
                [&d.household.id],
                |r| r.get(0),
            )?;
            for v in &d.visits {
                tx.save_visit(&id, v)?;
            }
            for e in &d.events {
                tx.save_event(&id, e)?;
            }
            for m in &d.measures {
                tx.save_measure(&id, m)?;
            }
        }
        Ok::<_, StoreError>(created)
    })?;
    let (households, report) = crate::decisions::evaluate_store(store, &policies, as_of)?;
    crate::decisions::save_report(store, &households, &report)?;
    Ok((created, households, report))
}

/// A synthetic photo like a phone camera's: `width`×`height`, noise over
/// colour gradients (so it compresses as a real photo does, not as a flat
/// picture), JPEG quality 92. A 4000×3000 one is about the size a
/// 12-megapixel phone writes. Used by the benchmarks and the tests as
/// a stand-in for what a caseworker attaches.
pub fn photo(width: u32, height: u32, seed: u32) -> Result<Vec<u8>, String> {
    let mut state = seed | 1;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 48) as u8;
        image::Rgb([
            ((x * 255 / width.max(1)) as u8).saturating_add(noise),
            ((y * 255 / height.max(1)) as u8).saturating_add(noise / 2),
            ((seed % 200) as u8).saturating_add(noise),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
