//! Custom scalars of the contract: `Date` (YYYY-MM-DD) and `Decimal` (exact, sent as a string).
//! `DateTime` and `JSON` are async-graphql's own.

use std::str::FromStr;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal as RustDecimal;

/// Calendar date, YYYY-MM-DD
///
/// Years 1 to 9999 only: chrono also reads "+10000-01-01" and "-2026-01-01", and SQLite
/// compares dates as text, where those sort out of calendar order.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| d.format("%Y-%m-%d").to_string() == *s)
                .filter(|d| (1..=9999).contains(&d.year()))
                .map(Date)
                .ok_or_else(|| {
                    InputValueError::custom(format!("{s:?} is not a date like 2026-11-28"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// Exact decimal, sent and received as a string, e.g. "1250000.50"
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub RustDecimal);

/// The largest amount a `Decimal(12,2)` column holds, in cents.
pub const MAX_CENTS: i64 = 999_999_999_999;

impl Decimal {
    /// Converts to cents when the value fits (12,2): at most 2 decimals, 10 integer digits.
    /// Checked all the way: a 29-digit input near `Decimal::MAX` must be refused, not overflow.
    pub fn to_cents(self) -> Option<i64> {
        let value = self.0.normalize();
        if value.scale() > 2 {
            return None;
        }
        let cents = value.checked_mul(RustDecimal::from(100))?.trunc();
        let cents = i64::try_from(cents).ok()?;
        (cents.abs() <= MAX_CENTS).then_some(cents)
    }

    pub fn from_cents(cents: i64) -> Self {
        Decimal(RustDecimal::new(cents, 2))
    }
}

#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                let well_formed = !s.is_empty()
                    && s.len() <= 40
                    && s.trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.');
                well_formed
                    .then(|| RustDecimal::from_str(s).ok())
                    .flatten()
                    .map(Decimal)
                    .ok_or_else(|| {
                        InputValueError::custom(format!("{s:?} is not a decimal like \"1250.50\""))
                    })
            }
            _ => Err(InputValueError::custom(
                "a Decimal is sent as a string, e.g. \"1250.50\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_four_digit_years_that_exist() {
        let parse = |s: &str| Date::parse(Value::String(s.to_owned())).ok();
        assert!(parse("2026-02-28").is_some());
        assert!(parse("0001-01-01").is_some());
        assert!(parse("9999-12-31").is_some());
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "",
            "2026-1-1",
            "0000-01-01",
            "+10000-01-01",
            "-2026-01-01",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn decimals_fit_twelve_two() {
        let d = |s: &str| Decimal(RustDecimal::from_str(s).unwrap_or_default());
        assert_eq!(d("1250000.50").to_cents(), Some(125_000_050));
        assert_eq!(d("1.5").to_cents(), Some(150));
        assert_eq!(d("1.555").to_cents(), None);
        assert_eq!(d("9999999999.99").to_cents(), Some(MAX_CENTS));
        assert_eq!(d("10000000000").to_cents(), None);
        assert_eq!(Decimal(RustDecimal::MAX).to_cents(), None);
        assert_eq!(Decimal(RustDecimal::MIN).to_cents(), None);
        assert_eq!(d("792281625142643375935439503.35").to_cents(), None);
        assert_eq!(Decimal::from_cents(150).0.to_string(), "1.50");
    }
}
