//! Money: exact decimal amounts in yuan, parsed strictly and printed with two decimals.
//!
//! Money never passes through a binary float. Amounts come in as text
//! (`"1234.50"`, `"3000"`), are held as [`Decimal`], and go out with exactly
//! two decimals.

use rust_decimal::{Decimal, RoundingStrategy};

/// Why a piece of text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not digits with at most two decimals (`"12,000"`, `"1e3"`, `".5"`, `"五千"`).
    Malformed,
    /// A minus sign before an otherwise valid, non-zero amount.
    Negative,
}

impl std::fmt::Display for AmountError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AmountError::Malformed => {
                f.write_str("金额格式不正确（应为数字，最多两位小数，如 1234.50）")
            }
            AmountError::Negative => f.write_str("金额不能为负数"),
        }
    }
}

impl std::error::Error for AmountError {}

/// Parses an amount written as digits with at most two decimals.
///
/// `"-0"` and `"-0.00"` are zero; any other leading minus is [`AmountError::Negative`].
pub fn parse_amount(text: &str) -> Result<Decimal, AmountError> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let well_formed = digits(int_part) && frac_part.is_none_or(|f| digits(f) && f.len() <= 2);
    // 28 significant digits is Decimal's limit; no household has a sum near it.
    if !well_formed || int_part.len() > 20 {
        return Err(AmountError::Malformed);
    }
    let value: Decimal = body.parse().map_err(|_| AmountError::Malformed)?;
    if negative && !value.is_zero() {
        return Err(AmountError::Negative);
    }
    // Normalise "-0" to plain zero with the scale it was written with.
    Ok(if value.is_zero() { value.abs() } else { value })
}

/// Formats an amount with exactly two decimals (`600` → `"600.00"`).
pub fn format_amount(value: Decimal) -> String {
    let mut v = round_half_up(value, 2);
    v.rescale(2);
    v.to_string()
}

/// Rounds half away from zero (half-up for the non-negative amounts money uses).
pub fn round_half_up(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

/// Serde helpers to write a [`Decimal`] as a two-decimal string.
pub mod serde_amount {
    use rust_decimal::Decimal;
    use serde::Serializer;

    /// Serializes as `"1234.50"`.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_amount(*value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_amounts() {
        assert_eq!(parse_amount("3000").unwrap().to_string(), "3000");
        assert_eq!(parse_amount("1234.50").unwrap().to_string(), "1234.50");
        assert_eq!(parse_amount("0.5").unwrap().to_string(), "0.5");
        assert_eq!(parse_amount("-0").unwrap(), Decimal::ZERO);
        assert_eq!(parse_amount("-0.00").unwrap(), Decimal::ZERO);
        assert!(!parse_amount("-0").unwrap().is_sign_negative());
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "12,000", "1e3", ".5", "+5", " 5", "5 ", "3000.123", "五千", "", "-", "1.", "-.5",
            "0x10", "1_000", "NaN", "--5",
        ] {
            assert_eq!(parse_amount(bad), Err(AmountError::Malformed), "{bad:?}");
        }
        assert_eq!(parse_amount("-5"), Err(AmountError::Negative));
        assert_eq!(parse_amount("-0.01"), Err(AmountError::Negative));
        assert_eq!(parse_amount("-1e3"), Err(AmountError::Malformed));
    }

    #[test]
    fn formats_two_decimals_and_rounds_half_up() {
        assert_eq!(format_amount(Decimal::new(600, 0)), "600.00");
        assert_eq!(format_amount(Decimal::new(26666666, 5)), "266.67");
        assert_eq!(
            round_half_up(Decimal::new(10665, 1), 0),
            Decimal::new(1067, 0)
        );
        assert_eq!(
            round_half_up(Decimal::new(1005, 3), 2),
            Decimal::new(101, 2)
        );
        assert_eq!(
            round_half_up(Decimal::new(10049, 4), 2),
            Decimal::new(100, 2)
        );
    }
}
