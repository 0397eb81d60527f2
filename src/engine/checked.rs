//! Checked arithmetic for the rules: a figure that leaves `Decimal`'s range
//! is an error naming the step, never a panic.

use rust_decimal::Decimal;

/// The step of the rules whose arithmetic left `Decimal`'s range.
#[derive(Debug, Clone, Copy)]
pub(super) struct Overflow(pub &'static str);

/// A figure, or the step where it overflowed.
pub(super) type Checked<T> = Result<T, Overflow>;

/// Twelve months.
pub(super) const TWELVE: Decimal = Decimal::from_parts(12, 0, 0, false, 0);

/// `a × b`, or [`Overflow`] in `step`.
pub(super) fn mul(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_mul(b).ok_or(Overflow(step))
}

/// `a + b`, or [`Overflow`] in `step`.
pub(super) fn add(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_add(b).ok_or(Overflow(step))
}

/// `a − b`, or [`Overflow`] in `step`.
pub(super) fn sub(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_sub(b).ok_or(Overflow(step))
}

/// `a ÷ b`, or [`Overflow`] in `step` (also for a zero `b`).
pub(super) fn div(a: Decimal, b: Decimal, step: &'static str) -> Checked<Decimal> {
    a.checked_div(b).ok_or(Overflow(step))
}

/// The sum of `items`, or [`Overflow`] in `step`.
pub(super) fn sum(
    items: impl IntoIterator<Item = Decimal>,
    step: &'static str,
) -> Checked<Decimal> {
    items
        .into_iter()
        .try_fold(Decimal::ZERO, |total, x| add(total, x, step))
}
