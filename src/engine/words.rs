//! The Chinese words the reasons use for codes of the model and the rules.

use super::Class;
use crate::model::Ability;

/// `A`, `B` or `C`.
pub(super) fn class_zh(class: Class) -> &'static str {
    match class {
        Class::A => "A",
        Class::B => "B",
        Class::C => "C",
    }
}

/// A self-care ability as the 特困 care levels name it.
pub(super) fn ability_zh(a: Ability) -> &'static str {
    match a {
        Ability::Full => "生活自理",
        Ability::Partial => "部分失能",
        Ability::None => "完全失能",
    }
}

/// The disqualifying asset tags the program knows, with their Chinese names.
pub const DISQUALIFYING_TAGS: &[(&str, &str)] = &[
    ("non_essential_vehicle", "非生活必需机动车辆"),
    ("company_ownership", "开办或投资企业"),
    ("commercial_property", "经营性房产（门面）"),
    ("multiple_houses", "多套住房"),
    ("luxury_housing", "豪华装修住房"),
];

/// Chinese name of a disqualifying asset tag (the tag itself when unknown).
pub fn disqualifying_zh(tag: &str) -> &str {
    DISQUALIFYING_TAGS
        .iter()
        .find(|(t, _)| *t == tag)
        .map_or(tag, |(_, zh)| zh)
}
