//! Household search for the list screen: by name, ID number, village, 组,
//! household code, or the pinyin initials of a member's name (`cjm` finds 程金明).
//!
//! The index is built once from the store and answers each keystroke in memory.

use pinyin::ToPinyin;

use crate::model::Household;
use crate::store::{HouseholdSummary, Result, Store};

/// One searchable household.
#[derive(Debug, Clone)]
struct Entry {
    summary: HouseholdSummary,
    /// Lower-case haystack: code, village, 组, names, ID numbers, initials.
    text: String,
}

/// An in-memory search index over the store's households.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    entries: Vec<Entry>,
}

/// Pinyin initials of a name: 程金明 → `cjm`; other characters kept as they are.
pub fn initials(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => p.plain().chars().next().unwrap_or(c),
            None => c.to_ascii_lowercase(),
        })
        .collect()
}

impl SearchIndex {
    /// Builds the index from the store.
    pub fn build(store: &Store) -> Result<SearchIndex> {
        let summaries = store.household_summaries(None)?;
        let households: std::collections::HashMap<String, Household> = store
            .households()?
            .into_iter()
            .map(|h| (h.id.clone(), h))
            .collect();
        let entries = summaries
            .into_iter()
            .map(|summary| {
                let mut text = format!(
                    "{} {} {}",
                    summary.code,
                    summary.village,
                    summary.group.as_deref().unwrap_or("")
                );
                if let Some(h) = households.get(&summary.code) {
                    for m in &h.members {
                        text.push(' ');
                        text.push_str(&m.name);
                        text.push(' ');
                        text.push_str(&initials(&m.name));
                        if let Some(id) = &m.id_number {
                            text.push(' ');
                            text.push_str(id);
                        }
                    }
                }
                Entry {
                    summary,
                    text: text.to_lowercase(),
                }
            })
            .collect();
        Ok(SearchIndex { entries })
    }

    /// Households matching every word of `query` (all households when empty), at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<HouseholdSummary> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.entries
            .iter()
            .filter(|e| words.iter().all(|w| e.text.contains(w.as_str())))
            .take(limit)
            .map(|e| e.summary.clone())
            .collect()
    }

    /// Number of households indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("程金明"), "cjm");
        assert_eq!(initials("王秀兰"), "wxl");
        assert_eq!(initials("A王"), "aw");
    }

    #[test]
    fn finds_by_name_initials_id_and_village() {
        let mut store = Store::open_in_memory().unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let village = crate::demo::build(today, 5);
        store
            .write(|tx| {
                for d in &village {
                    tx.save_household(&d.household)?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .unwrap();
        let index = SearchIndex::build(&store).unwrap();
        assert_eq!(index.len(), 20);
        let target = &village[3].household;
        let name = &target.members[0].name;
        assert!(index.search(name, 50).iter().any(|s| s.code == target.id));
        assert!(index
            .search(&initials(name), 50)
            .iter()
            .any(|s| s.code == target.id));
        let id = target.members[0].id_number.clone().unwrap();
        let by_id = index.search(&id[6..14], 50);
        assert!(by_id.iter().any(|s| s.code == target.id));
        assert!(index
            .search("黎阳社区", 50)
            .iter()
            .all(|s| s.village == "黎阳社区"));
        assert!(index.search("没有这个人", 50).is_empty());
    }
}
