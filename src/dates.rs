//! Calendar arithmetic the rules need: completed years of age, month steps, strict ISO dates.

use chrono::{Datelike, Months, NaiveDate};

/// Parses a strict `YYYY-MM-DD` date (zero-padded, nothing around it).
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Completed years (周岁) at `on` for someone born on `birth`.
///
/// A person is a year older on the birthday itself; someone born on 29 February
/// becomes a year older on 1 March in a year without 29 February.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Adds whole months, clamping to the month's last day (2026-08-31 + 6 → 2027-02-28).
///
/// Saturates at the latest representable date instead of failing: a review date
/// that far ahead means "not due".
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    #[test]
    fn strict_dates() {
        assert!(parse_iso_date("2026-02-28").is_some());
        for bad in [
            "2026-2-28",
            "2026-02-30",
            "26-02-28",
            "2026/02/28",
            " 2026-02-28",
            "2026-02-28T00",
        ] {
            assert!(parse_iso_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn age_on_birthday_and_leap_day() {
        assert_eq!(age_on(d("1966-06-06"), d("2026-06-05")), 59);
        assert_eq!(age_on(d("1966-06-06"), d("2026-06-06")), 60);
        assert_eq!(age_on(d("1944-02-29"), d("2025-02-28")), 80);
        assert_eq!(age_on(d("1944-02-29"), d("2025-03-01")), 81);
        assert_eq!(age_on(d("1944-02-29"), d("2028-02-29")), 84);
    }

    #[test]
    fn month_end_clamps() {
        assert_eq!(add_months(d("2026-08-31"), 6), d("2027-02-28"));
        assert_eq!(add_months(d("2027-08-31"), 6), d("2028-02-29"));
        assert_eq!(add_months(d("2026-02-28"), 6), d("2026-08-28"));
        assert_eq!(add_months(d("2026-01-31"), 1), d("2026-02-28"));
    }
}
