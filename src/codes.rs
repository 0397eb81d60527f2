//! Every code table people see, with its Chinese labels, in one place: the
//! dossier, the notice, the command and the desktop app's screens all name a
//! code the same way. The app's `ui/src/logic/codes.generated.ts` is written
//! from here ([`typescript`]); a unit test fails when it is out of date, and
//! `BANGFU_WRITE_UI_CODES=1 cargo test -p bangfu codes` rewrites it.

use crate::attachments::AttachmentKind;
use crate::casework::{CheckItem, EventKind};
use crate::engine::{ApprovalLevel, Status, DISQUALIFYING_TAGS};
use crate::model::{
    Ability, DisabilityKind, ExpenseKind, HardshipCause, IncomeKind, TempAidKind, RELATIONS,
};

/// One code table: its name in the UI's module, and `(code, label)` pairs
/// in the order forms list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeTable {
    /// The TypeScript constant it becomes (`incomeKinds`).
    pub name: &'static str,
    /// What the codes are, for the generated file's comment.
    pub about: &'static str,
    /// Code and Chinese label.
    pub entries: Vec<(&'static str, &'static str)>,
}

fn table<T: Copy>(
    name: &'static str,
    about: &'static str,
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
) -> CodeTable {
    CodeTable {
        name,
        about,
        entries: all.iter().map(|v| (code(*v), zh(*v))).collect(),
    }
}

/// The code tables, as the UI lists them.
pub fn tables() -> Vec<CodeTable> {
    vec![
        table(
            "statuses",
            "评估结论（eval 结果的 status）",
            Status::ALL,
            Status::code,
            Status::zh,
        ),
        table(
            "incomeKinds",
            "收入类别",
            IncomeKind::ALL,
            IncomeKind::code,
            IncomeKind::zh,
        ),
        table(
            "expenseKinds",
            "刚性支出类别",
            ExpenseKind::ALL,
            ExpenseKind::code,
            ExpenseKind::zh,
        ),
        CodeTable {
            name: "relations",
            about: "与户主关系",
            entries: RELATIONS.to_vec(),
        },
        table(
            "abilities",
            "劳动能力、自理能力",
            Ability::ALL,
            Ability::code,
            Ability::zh,
        ),
        table(
            "disabilityKinds",
            "残疾类别",
            DisabilityKind::ALL,
            DisabilityKind::code,
            DisabilityKind::zh,
        ),
        table(
            "checkItems",
            "入户调查“两不愁三保障”核查项",
            &CheckItem::ALL,
            CheckItem::code,
            CheckItem::zh,
        ),
        table(
            "eventKinds",
            "办理流程节点",
            &EventKind::ALL,
            EventKind::code,
            EventKind::zh,
        ),
        table(
            "tempAidKinds",
            "临时救助类型",
            TempAidKind::ALL,
            TempAidKind::code,
            TempAidKind::zh,
        ),
        table(
            "approvalLevels",
            "临时救助审批层级（审批表的写法）",
            ApprovalLevel::ALL,
            ApprovalLevel::code,
            ApprovalLevel::zh,
        ),
        table(
            "causes",
            "致困原因",
            HardshipCause::ALL,
            HardshipCause::code,
            HardshipCause::zh,
        ),
        CodeTable {
            name: "disqualifyingTags",
            about: "不符合财产条件的情形",
            entries: DISQUALIFYING_TAGS.to_vec(),
        },
        table(
            "attachmentKinds",
            "附件类别",
            AttachmentKind::ALL,
            AttachmentKind::code,
            AttachmentKind::zh,
        ),
    ]
}

/// The UI's generated module: each table as `[code, label][]`.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from the Rust code tables (src/codes.rs) — do not edit.\n\
         // `BANGFU_WRITE_UI_CODES=1 cargo test -p bangfu codes` writes it again.\n",
    );
    for t in tables() {
        out.push_str(&format!(
            "\n/** {} */\nexport const {}: [string, string][] = [\n",
            t.about, t.name
        ));
        for (code, zh) in &t.entries {
            out.push_str(&format!("  [{}, {}],\n", quoted(code), quoted(zh)));
        }
        out.push_str("]\n");
    }
    out
}

/// A TypeScript string literal.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ui/src/logic/codes.generated.ts"
    );

    #[test]
    fn the_ui_codes_are_generated_from_these_tables() {
        let expected = typescript();
        if std::env::var_os("BANGFU_WRITE_UI_CODES").is_some() {
            std::fs::write(GENERATED, &expected).expect("write the UI's codes");
        }
        let found = std::fs::read_to_string(GENERATED).unwrap_or_default();
        assert!(
            found == expected,
            "{GENERATED} is out of date: run BANGFU_WRITE_UI_CODES=1 cargo test -p bangfu codes"
        );
    }

    #[test]
    fn every_table_has_distinct_codes_and_labels() {
        for t in tables() {
            let mut codes: Vec<_> = t.entries.iter().map(|e| e.0).collect();
            let mut labels: Vec<_> = t.entries.iter().map(|e| e.1).collect();
            let n = codes.len();
            codes.sort_unstable();
            codes.dedup();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!((codes.len(), labels.len()), (n, n), "{}", t.name);
            assert!(n > 0, "{}", t.name);
        }
        // Codes written by serde are the codes listed here.
        for item in CheckItem::ALL {
            assert_eq!(serde_json::to_value(item).ok(), Some(item.code().into()));
        }
    }
}
