//! Every allowed and refused step of the path, the data each step needs,
//! and the deadlines across holidays.

use super::*;
use serde_json::json;

fn d(s: &str) -> NaiveDate {
    crate::dates::parse_iso_date(s).unwrap()
}

fn step(kind: EventKind, date: &str, data: serde_json::Value) -> CaseEvent {
    CaseEvent {
        id: uuid::Uuid::now_v7(),
        kind,
        date: d(date),
        actor: "乡镇民政办".into(),
        note: "说明".into(),
        data: data.as_object().cloned().unwrap_or_default(),
    }
}

/// The whole 低保 path from 受理 to 在保, with the data each step needs.
fn full_path() -> Vec<CaseEvent> {
    use EventKind::*;
    vec![
        step(Application, "2026-09-01", json!({})),
        step(Investigation, "2026-09-03", json!({})),
        step(CheckRequest, "2026-09-04", json!({})),
        step(CheckReply, "2026-09-10", json!({"finding": "nothing"})),
        step(
            DemocraticReview,
            "2026-09-11",
            json!({"result": "agree", "participants": 9}),
        ),
        step(NoticeStart, "2026-09-14", json!({})),
        step(NoticeEnd, "2026-09-20", json!({})),
        step(TownshipReview, "2026-09-22", json!({})),
        step(CountyConfirmation, "2026-09-29", json!({})),
    ]
}

#[test]
fn the_whole_path_is_accepted_and_ends_enrolled() {
    let p = Procedure::default();
    let (case, refused) = Case::replay(&full_path(), &p);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(case.stage, Stage::Enrolled);
    assert_eq!(case.accepted, Some(d("2026-09-01")));
}

#[test]
fn at_every_stage_every_step_off_the_path_is_refused_naming_what_may_come() {
    let p = Procedure::default();
    let path = full_path();
    let mut case = Case::new();
    for next in &path {
        for kind in EventKind::ALL {
            let mut probe = step(kind, "2026-12-31", json!({}));
            // Give each probe the data it needs, so only the order decides.
            probe.data = json!({"finding": "nothing", "result": "agree", "participants": 3,
                "outcome": "same", "reason": "income", "by": "村民", "recorded": "dibao",
                "approved_by": "乡镇"})
            .as_object()
            .cloned()
            .unwrap();
            let allowed = case.next_steps().contains(&kind);
            let result = case.check(&probe, &p);
            if allowed {
                // ObjectionSettled needs an open objection; TownshipReview a finished notice.
                if kind != EventKind::ObjectionSettled {
                    assert!(result.is_ok(), "{:?} at {:?}: {result:?}", kind, case.stage);
                }
            } else {
                let e = result.expect_err("off the path");
                assert!(e.to_string().contains(kind.zh()), "{e}");
                assert!(
                    e.reason.contains(case.stage.zh()) || e.reason.contains("延长"),
                    "{e}"
                );
            }
        }
        case.check(next, &p).expect("the path");
        case.apply(next);
    }
}

#[test]
fn a_step_dated_before_the_last_one_is_refused() {
    let p = Procedure::default();
    let (case, _) = Case::replay(&full_path()[..3], &p);
    let e = case
        .check(
            &step(
                EventKind::CheckReply,
                "2026-09-01",
                json!({"finding": "nothing"}),
            ),
            &p,
        )
        .unwrap_err();
    assert!(e.reason.contains("早于上一步"), "{e}");
}

#[test]
fn each_step_records_what_it_must() {
    let p = Procedure::default();
    let at = |n: usize| Case::replay(&full_path()[..n], &p).0;
    let refused = |case: &Case, e: CaseEvent, needle: &str| {
        let err = case.check(&e, &p).unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    };
    refused(
        &at(3),
        step(EventKind::CheckReply, "2026-09-10", json!({})),
        "finding",
    );
    refused(
        &at(3),
        step(
            EventKind::CheckReply,
            "2026-09-10",
            json!({"finding": "maybe"}),
        ),
        "nothing",
    );
    refused(
        &at(4),
        step(
            EventKind::DemocraticReview,
            "2026-09-11",
            json!({"result": "agree"}),
        ),
        "人数",
    );
    refused(
        &at(4),
        step(
            EventKind::DemocraticReview,
            "2026-09-11",
            json!({"participants": 5}),
        ),
        "result",
    );
    let mut no_reason = step(EventKind::Refusal, "2026-09-11", json!({}));
    no_reason.note = " ".into();
    refused(&at(4), no_reason, "理由");
    let enrolled = at(9);
    refused(
        &enrolled,
        step(EventKind::Review, "2027-09-01", json!({"outcome": "more"})),
        "outcome",
    );
    refused(
        &enrolled,
        step(EventKind::Termination, "2027-09-01", json!({})),
        "reason",
    );
    refused(
        &enrolled,
        step(
            EventKind::Termination,
            "2027-09-01",
            json!({"reason": "voluntary", "paid_months": 6}),
        ),
        "paid_months",
    );
    enrolled
        .check(
            &step(
                EventKind::Termination,
                "2027-09-01",
                json!({"reason": "voluntary", "paid_months": 2}),
            ),
            &p,
        )
        .expect("主动退出 with two months' payment");
    refused(
        &enrolled,
        step(
            EventKind::Exception,
            "2026-10-01",
            json!({"recorded": "dibao"}),
        ),
        "approved_by",
    );
}

#[test]
fn the_notice_runs_its_days_objections_are_settled_and_the_township_reviews_after_it() {
    let p = Procedure::default();
    let path = full_path();
    let (mut case, _) = Case::replay(&path[..6], &p);
    assert_eq!(case.stage, Stage::Noticing);
    // Six days are not seven.
    let e = case
        .check(&step(EventKind::NoticeEnd, "2026-09-19", json!({})), &p)
        .unwrap_err();
    assert!(e.reason.contains("2026-09-20"), "{e}");
    // An objection keeps the notice open until it is settled.
    let objection = step(
        EventKind::Objection,
        "2026-09-16",
        json!({"by": "邻居张某"}),
    );
    case.check(&objection, &p).expect("objection");
    case.apply(&objection);
    let e = case
        .check(&step(EventKind::NoticeEnd, "2026-09-20", json!({})), &p)
        .unwrap_err();
    assert!(e.reason.contains("异议处理"), "{e}");
    let wrong = step(
        EventKind::ObjectionSettled,
        "2026-09-18",
        json!({"objection": uuid::Uuid::now_v7().to_string()}),
    );
    assert!(case
        .check(&wrong, &p)
        .unwrap_err()
        .reason
        .contains("未处理的异议"));
    let settled = step(
        EventKind::ObjectionSettled,
        "2026-09-18",
        json!({"objection": objection.id.to_string()}),
    );
    case.check(&settled, &p).expect("settled");
    case.apply(&settled);
    let end = step(EventKind::NoticeEnd, "2026-09-20", json!({}));
    case.check(&end, &p).expect("seven days");
    case.apply(&end);
    let e = case
        .check(
            &step(EventKind::TownshipReview, "2026-09-20", json!({})),
            &p,
        )
        .unwrap_err();
    assert!(e.reason.contains("公示期满之后"), "{e}");
    case.check(
        &step(EventKind::TownshipReview, "2026-09-21", json!({})),
        &p,
    )
    .expect("after");
}

#[test]
fn enrolled_cases_are_reviewed_go_into_gradual_exit_and_end_and_a_new_application_starts_over() {
    let p = Procedure::default();
    let mut events = full_path();
    events.push(step(
        EventKind::Review,
        "2027-09-20",
        json!({"outcome": "decrease"}),
    ));
    events.push(step(EventKind::GradualExit, "2027-09-21", json!({})));
    events.push(step(
        EventKind::Termination,
        "2028-03-21",
        json!({"reason": "income"}),
    ));
    let (case, refused) = Case::replay(&events, &p);
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(case.stage, Stage::Closed);
    assert_eq!(case.next_steps()[0], EventKind::Application);
    events.push(step(EventKind::Application, "2028-06-01", json!({})));
    let (case, _) = Case::replay(&events, &p);
    assert_eq!(case.stage, Stage::Accepted);
    assert_eq!(case.accepted, Some(d("2028-06-01")));
    assert!(case.open_objections.is_empty() && !case.extended);
}

#[test]
fn old_steps_out_of_order_are_read_and_reported_not_lost() {
    let p = Procedure::default();
    let events = vec![
        step(EventKind::Application, "2026-01-05", json!({})),
        step(EventKind::NoticeStart, "2026-01-06", json!({})),
    ];
    let (case, refused) = Case::replay(&events, &p);
    assert_eq!(case.stage, Stage::Noticing);
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0].1.reason.contains("入户调查"),
        "{:?}",
        refused[0].1
    );
}

#[test]
fn deadlines_count_working_days_across_national_day_and_an_extension() {
    let p = Procedure::default();
    let c = WorkCalendar::builtin();
    let events = vec![
        step(EventKind::Application, "2026-09-29", json!({})),
        step(EventKind::Investigation, "2026-10-09", json!({})),
    ];
    let ds = deadlines(&events, &c, &p);
    // Three working days after Tuesday 29 September: 30 September, 8 and 9 October.
    assert_eq!(ds[0].due, d("2026-10-09"));
    assert!(!ds[0].missed(d("2026-12-01")));
    let late = vec![
        step(EventKind::Application, "2026-09-29", json!({})),
        step(EventKind::Investigation, "2026-10-10", json!({})),
    ];
    assert!(deadlines(&late, &c, &p)[0].missed(d("2026-12-01")));
    // The decision: 30 working days, or 45 after an extension.
    let decision = &ds[1];
    assert_eq!(c.working_days_between(d("2026-09-29"), decision.due), 30);
    assert!(decision.missed(decision.due + Days::new(1)));
    assert!(!decision.missed(decision.due));
    let mut extended = events.clone();
    extended.push(step(EventKind::Extension, "2026-10-20", json!({})));
    let ds = deadlines(&extended, &c, &p);
    assert_eq!(ds[1].what, "作出决定（已延长）");
    assert_eq!(c.working_days_between(d("2026-09-29"), ds[1].due), 45);
}

#[test]
fn each_step_is_described_in_chinese_for_the_dossier() {
    let said = |kind, data| describe_step(&step(kind, "2026-12-01", data));
    assert_eq!(
        said(EventKind::CheckReply, json!({"finding": "income"})),
        "核对结果：发现收入"
    );
    assert_eq!(
        said(
            EventKind::DemocraticReview,
            json!({"result": "hardship", "participants": 11})
        ),
        "评议：确有困难，11人参加"
    );
    assert_eq!(
        said(
            EventKind::Termination,
            json!({"reason": "voluntary", "paid_months": 2})
        ),
        "终止：主动退出，继续发放2个月"
    );
    assert_eq!(
        said(EventKind::Termination, json!({"reason": "death"})),
        "终止：死亡"
    );
    assert_eq!(
        said(
            EventKind::CountyConfirmation,
            json!({"support_mode": "dispersed", "carer": "张三", "agreement_date": "2026-11-30"})
        ),
        "分散供养，照料人：张三，委托照料协议 2026-11-30"
    );
    assert_eq!(
        said(
            EventKind::Exception,
            json!({"computed": "marginal", "recorded": "dibao", "approved_by": "乡镇人民政府"})
        ),
        "计算结论：低保边缘；认定为：低保；批准人：乡镇人民政府"
    );
    assert_eq!(said(EventKind::NoticeStart, json!({})), "");
}
