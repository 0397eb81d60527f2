//! Working days (工作日): the 办理时限 of the local plans count them, so a
//! deadline that spans 国庆 or 春节 moves with the holidays and their 调休.
//!
//! Monday to Friday are working days except the listed holidays; Saturday
//! and Sunday are not, except the listed make-up days (调休上班). The lists
//! come from a TOML file (`assets/calendar-cn.toml` built in), one table per
//! year, replaceable when the State Council publishes the next year's dates.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar shipped with the program.
pub const BUILTIN_CALENDAR_TOML: &str = include_str!("../../assets/calendar-cn.toml");

/// A calendar file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("节假日日历 {source_name}：{problem}")]
pub struct CalendarError {
    /// File name or label.
    pub source_name: String,
    /// What is wrong, in Chinese.
    pub problem: String,
}

/// Whether a year's dates are those of a published notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// Copied from the State Council's notice.
    Official,
    /// Worked out from the rules and the lunar calendar; to be replaced.
    Projected,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    year: Vec<Year>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Year {
    year: i32,
    status: YearStatus,
    source: String,
    holidays: Vec<String>,
    workdays: Vec<String>,
}

/// Which days are working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
    years: BTreeMap<i32, (YearStatus, String)>,
}

impl WorkCalendar {
    /// The built-in calendar (2026 official, 2027 projected).
    pub fn builtin() -> WorkCalendar {
        // The built-in file is checked by a unit test; an empty calendar
        // (weekends only) is the safe fallback should it ever fail.
        WorkCalendar::from_toml(BUILTIN_CALENDAR_TOML, "内置日历").unwrap_or(WorkCalendar {
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
            years: BTreeMap::new(),
        })
    }

    /// Reads and checks a calendar file: every date real and in its year, a
    /// make-up day on a weekend, no date both a holiday and a make-up day.
    pub fn from_toml(text: &str, source_name: &str) -> Result<WorkCalendar, CalendarError> {
        let fail = |problem: String| CalendarError {
            source_name: source_name.to_owned(),
            problem,
        };
        let file: File = toml::from_str(text).map_err(|e| fail(e.message().to_owned()))?;
        let mut calendar = WorkCalendar {
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
            years: BTreeMap::new(),
        };
        for y in file.year {
            if calendar
                .years
                .insert(y.year, (y.status, y.source.clone()))
                .is_some()
            {
                return Err(fail(format!("{} 年写了两次", y.year)));
            }
            let date = |text: &str, list: &str| {
                crate::dates::parse_iso_date(text)
                    .filter(|d| d.year() == y.year)
                    .ok_or_else(|| fail(format!("{} 年的 {list} 中“{text}”不是该年的日期", y.year)))
            };
            for h in &y.holidays {
                calendar.holidays.insert(date(h, "holidays")?);
            }
            for w in &y.workdays {
                let d = date(w, "workdays")?;
                if !is_weekend(d) {
                    return Err(fail(format!("调休上班日 {d} 不是周六或周日")));
                }
                if calendar.holidays.contains(&d) {
                    return Err(fail(format!("{d} 既是假日又是调休上班日")));
                }
                calendar.workdays.insert(d);
            }
        }
        Ok(calendar)
    }

    /// Whether the offices work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if is_weekend(day) {
            self.workdays.contains(&day)
        } else {
            !self.holidays.contains(&day)
        }
    }

    /// The `n`-th working day after `from` (`from` itself not counted):
    /// "within 3 working days of 受理" ends on `add_working_days(受理, 3)`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            match day.succ_opt() {
                Some(next) => day = next,
                None => return day,
            }
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (0 when `to` ≤ `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// Whether `year`'s dates are in the file, and how sure they are.
    pub fn year_status(&self, year: i32) -> Option<YearStatus> {
        self.years.get(&year).map(|(s, _)| *s)
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_iso_date(s).unwrap()
    }

    #[test]
    fn the_built_in_calendar_reads_and_knows_2026_and_2027() {
        let c = WorkCalendar::from_toml(BUILTIN_CALENDAR_TOML, "内置日历").expect("valid");
        assert_eq!(c, WorkCalendar::builtin());
        assert_eq!(c.year_status(2026), Some(YearStatus::Official));
        assert_eq!(c.year_status(2027), Some(YearStatus::Projected));
        assert_eq!(c.year_status(2028), None);
    }

    #[test]
    fn working_days_skip_weekends_holidays_and_count_make_up_days() {
        let c = WorkCalendar::builtin();
        // An ordinary week: Friday 2026-11-27 + 3 working days = Wednesday.
        assert_eq!(c.add_working_days(d("2026-11-27"), 3), d("2026-12-02"));
        // 国庆 2026: accepted Tuesday 29 September; 30 September is the only
        // working day before the holiday, Saturday 10 October is a make-up day.
        assert!(!c.is_working_day(d("2026-10-05")));
        assert!(c.is_working_day(d("2026-10-10")));
        assert_eq!(c.add_working_days(d("2026-09-29"), 1), d("2026-09-30"));
        assert_eq!(c.add_working_days(d("2026-09-29"), 2), d("2026-10-08"));
        assert_eq!(c.add_working_days(d("2026-09-29"), 4), d("2026-10-10"));
        // The Sunday before 国庆 works (调休).
        assert!(c.is_working_day(d("2026-09-20")));
        // 春节 2027 (projected): Thursday 4 February + 3 = Monday 15 February,
        // with Saturday 20 February a make-up day.
        assert_eq!(c.add_working_days(d("2027-02-04"), 1), d("2027-02-15"));
        assert_eq!(c.add_working_days(d("2027-02-04"), 3), d("2027-02-17"));
        assert!(c.is_working_day(d("2027-02-20")));
        // 国庆 2027 (projected).
        assert_eq!(c.add_working_days(d("2027-09-30"), 1), d("2027-10-08"));
        assert_eq!(c.add_working_days(d("2027-09-30"), 2), d("2027-10-09"));
        // Counting back the other way.
        assert_eq!(c.working_days_between(d("2026-09-29"), d("2026-10-10")), 4);
        assert_eq!(c.working_days_between(d("2026-10-10"), d("2026-09-29")), 0);
        // Thirty working days from a 受理 on 2026-09-15 end after 国庆.
        let due = c.add_working_days(d("2026-09-15"), 30);
        assert_eq!(c.working_days_between(d("2026-09-15"), due), 30);
        assert_eq!(due, d("2026-11-02"));
    }

    #[test]
    fn a_wrong_calendar_file_is_refused_naming_the_date() {
        let bad = |text: &str| {
            WorkCalendar::from_toml(text, "c.toml")
                .unwrap_err()
                .to_string()
        };
        let one = |h: &str, w: &str| {
            format!("[[year]]\nyear = 2026\nstatus = \"official\"\nsource = \"x\"\nholidays = [{h}]\nworkdays = [{w}]\n")
        };
        assert!(bad(&one("\"2027-01-01\"", "")).contains("2027-01-01"));
        assert!(bad(&one("", "\"2026-10-08\"")).contains("不是周六或周日"));
        assert!(bad(&one("\"2026-10-10\"", "\"2026-10-10\"")).contains("既是假日又是调休上班日"));
        assert!(bad(&one("\"2026-02-30\"", "")).contains("2026-02-30"));
    }
}
