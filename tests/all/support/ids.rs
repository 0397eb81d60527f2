//! ID numbers (GB 11643) and dates for test data.

use chrono::NaiveDate;

/// The region of the test data (a county of Anhui).
pub const REGION: &str = "341024";

/// `YYYY-MM-DD`.
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// GB 11643 check character, computed independently of the crate.
pub fn check_char(first17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    char::from(b"10X98765432"[(sum % 11) as usize])
}

/// An ID number with a correct check character for any 17 digits (even an
/// impossible date).
pub fn raw_id(first17: &str) -> String {
    assert_eq!(first17.len(), 17);
    format!("{first17}{}", check_char(first17))
}

/// A valid ID number in [`REGION`] for a birth date (`YYYY-MM-DD`, a real
/// date) and a 3-digit sequence, made independently of the crate.
pub fn id_number(birth: &str, seq: u32) -> String {
    raw_id(&format!("{REGION}{}{seq:03}", date(birth).format("%Y%m%d")))
}
