//! The 18-digit resident ID number (居民身份证号, GB 11643): validation, birth date, sex, masking.

use chrono::NaiveDate;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Sex as encoded by the 17th digit (odd male, even female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// The Chinese word used on forms.
    pub fn zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Why an ID number is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// Not 17 digits followed by a digit or upper-case `X`.
    Shape,
    /// The GB 11643 check character does not match.
    CheckDigit,
    /// Positions 7–14 are not a real calendar date.
    BirthDate,
}

impl std::fmt::Display for IdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdError::Shape => "身份证号应为18位：17位数字加1位数字或大写X",
            IdError::CheckDigit => "身份证号校验码不正确",
            IdError::BirthDate => "身份证号中的出生日期不是真实日期",
        })
    }
}

impl std::error::Error for IdError {}

/// The facts an ID number carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdInfo {
    /// Birth date from positions 7–14.
    pub birth_date: NaiveDate,
    /// Sex from position 17.
    pub sex: Sex,
}

/// The GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// Validates an ID number and returns its birth date and sex.
pub fn parse_id_number(id: &str) -> Result<IdInfo, IdError> {
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(IdError::Shape);
    }
    if check_char(&b[..17]) != Some(b[17]) {
        return Err(IdError::CheckDigit);
    }
    let num = |r: std::ops::Range<usize>| id[r].parse::<u32>().ok();
    let birth_date = match (num(6..10), num(10..12), num(12..14)) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    }
    .ok_or(IdError::BirthDate)?;
    let sex = if (b[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
    Ok(IdInfo { birth_date, sex })
}

/// Masks an ID number for anything not needing it in full: `341024********011X`.
///
/// Keeps the 6-digit region and the last 4 characters; anything that is not
/// 18 characters long is masked entirely but for its length.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() == 18 {
        let mut out: String = chars[..6].iter().collect();
        out.push_str("********");
        out.extend(&chars[14..]);
        out
    } else {
        "*".repeat(chars.len())
    }
}

/// Builds a valid ID number from region, birth date and a 3-digit sequence (demo data, tests).
pub fn make_id_number(region: &str, birth: NaiveDate, sequence: u32) -> String {
    let first17 = format!(
        "{region:0>6.6}{}{:03}",
        birth.format("%Y%m%d"),
        sequence % 1000
    );
    let check = check_char(first17.as_bytes()).map_or('0', char::from);
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_public_examples() {
        let info = parse_id_number("341024198104120119").unwrap();
        assert_eq!(
            info.birth_date,
            NaiveDate::from_ymd_opt(1981, 4, 12).unwrap()
        );
        assert_eq!(info.sex, Sex::Male);
        assert_eq!(
            parse_id_number("341024194402290425").unwrap().sex,
            Sex::Female
        );
        assert_eq!(
            parse_id_number("341024199001010010"),
            Err(IdError::CheckDigit)
        );
    }

    #[test]
    fn rejects_bad_shapes_and_dates() {
        assert_eq!(parse_id_number("34102419810412011"), Err(IdError::Shape));
        assert_eq!(parse_id_number("34102419810412011x"), Err(IdError::Shape));
        assert_eq!(parse_id_number("３41024198104120119"), Err(IdError::Shape));
        let feb30 = make_id_number("341024", NaiveDate::from_ymd_opt(1981, 2, 28).unwrap(), 11)
            .replacen("19810228", "19810230", 1);
        let fixed = format!(
            "{}{}",
            &feb30[..17],
            char::from(check_char(&feb30.as_bytes()[..17]).unwrap())
        );
        assert_eq!(parse_id_number(&fixed), Err(IdError::BirthDate));
    }

    #[test]
    fn generated_numbers_are_valid_and_x_is_upper_case() {
        let mut saw_x = false;
        for seq in 0..200 {
            let id = make_id_number("341024", NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(), seq);
            assert!(parse_id_number(&id).is_ok(), "{id}");
            if id.ends_with('X') {
                saw_x = true;
                assert!(parse_id_number(&id.to_lowercase()).is_err());
            }
        }
        assert!(saw_x);
    }

    #[test]
    fn masks() {
        assert_eq!(mask_id_number("34102419810412011X"), "341024********011X");
        assert_eq!(mask_id_number("123"), "***");
    }
}
