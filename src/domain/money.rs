//! Exact decimal amounts: contract prices and the VAT percent. An amount is read from the exact
//! text of a JSON number or from a plain decimal string, and never passes through binary
//! floating point. It keeps at most two decimal places and is written out with exactly two.

use std::fmt;

use rust_decimal::Decimal;

/// Decimal places an amount may have.
pub const MAX_DECIMAL_PLACES: u32 = 2;
/// Digits an amount may have before the decimal point.
pub const MAX_INTEGER_DIGITS: usize = 15;

/// A non-negative amount with at most two decimal places, held at scale 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

/// The reason a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a decimal number.
    Invalid,
    /// Below zero.
    Negative,
    /// More than [`MAX_DECIMAL_PLACES`] decimal places that are not zero.
    TooManyDecimals,
    /// More than [`MAX_INTEGER_DIGITS`] digits before the decimal point.
    TooLarge,
}

impl Amount {
    /// Parses a decimal written as `150`, `150.5`, `150.00`, `.5` or, as JSON numbers may be
    /// written, `1.5e2`. Trailing zeros after the decimal point are allowed (`150.000` is
    /// 150.00), but a non-zero third decimal is an error: nothing is rounded.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], parse_exponent(&unsigned[at + 1..])?),
            None => (unsigned, 0),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if (integer.is_empty() && fraction.is_empty())
            || !all_digits(integer)
            || !all_digits(fraction)
        {
            return Err(AmountError::Invalid);
        }

        // The value is `digits × 10^-scale`; drop the zeros that don't change it.
        let mut digits: String = format!("{integer}{fraction}")
            .trim_start_matches('0')
            .to_owned();
        if digits.is_empty() {
            return Ok(Self::zero());
        }
        let mut scale =
            i64::try_from(fraction.len()).map_err(|_| AmountError::TooLarge)? - exponent;
        while scale > 0 && digits.ends_with('0') {
            digits.pop();
            scale -= 1;
        }
        if scale > i64::from(MAX_DECIMAL_PLACES) {
            return Err(AmountError::TooManyDecimals);
        }
        if negative {
            return Err(AmountError::Negative);
        }
        let integer_digits =
            i64::try_from(digits.len()).map_err(|_| AmountError::TooLarge)? - scale;
        if integer_digits > MAX_INTEGER_DIGITS as i64 {
            return Err(AmountError::TooLarge);
        }
        if scale < 0 {
            digits.extend(std::iter::repeat_n('0', (-scale) as usize));
            scale = 0;
        }

        // At most 17 digits, so the mantissa fits an i128 and the scale a u32.
        let mantissa: i128 = digits.parse().map_err(|_| AmountError::Invalid)?;
        let mut value = Decimal::from_i128_with_scale(mantissa, scale as u32);
        value.rescale(MAX_DECIMAL_PLACES);
        Ok(Self(value))
    }

    pub fn zero() -> Self {
        let mut value = Decimal::ZERO;
        value.rescale(MAX_DECIMAL_PLACES);
        Self(value)
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Reads the exponent of a number in scientific notation. Exponents beyond ±1000 can't give an
/// amount in range, so they are rejected before any digits are built from them.
fn parse_exponent(text: &str) -> Result<i64, AmountError> {
    let exponent: i64 = text.parse().map_err(|_| AmountError::Invalid)?;
    if exponent > 1000 {
        Err(AmountError::TooLarge)
    } else if exponent < -1000 {
        Err(AmountError::TooManyDecimals)
    } else {
        Ok(exponent)
    }
}

impl fmt::Display for Amount {
    /// Writes the amount with exactly two decimals: `150.00`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn amount(text: &str) -> String {
        Amount::parse(text).expect(text).to_string()
    }

    #[test]
    fn published_forms_are_one_amount() {
        assert_eq!(amount("150.00"), "150.00");
        assert_eq!(amount("150"), "150.00");
        assert_eq!(amount("150.0"), "150.00");
        assert_eq!(amount("120.5"), "120.50");
        assert_eq!(amount("1.5e2"), "150.00");
        assert_eq!(amount("15000E-2"), "150.00");
        assert_eq!(amount(".5"), "0.50");
        assert_eq!(amount("0"), "0.00");
        assert_eq!(amount("-0"), "0.00");
        assert_eq!(amount("150.000"), "150.00");
    }

    #[test]
    fn third_decimal_is_rejected() {
        assert_eq!(Amount::parse("150.001"), Err(AmountError::TooManyDecimals));
        assert_eq!(Amount::parse("0.005"), Err(AmountError::TooManyDecimals));
        assert_eq!(Amount::parse("1e-3"), Err(AmountError::TooManyDecimals));
    }

    #[test]
    fn other_text_is_rejected() {
        for text in [
            "", ".", "abc", "1,5", "1.2.3", "+1", " 1", "1e", "e5", "0x10", "NaN",
        ] {
            assert_eq!(Amount::parse(text), Err(AmountError::Invalid), "{text:?}");
        }
        assert_eq!(Amount::parse("-1"), Err(AmountError::Negative));
        assert_eq!(Amount::parse("1e16"), Err(AmountError::TooLarge));
        assert_eq!(Amount::parse("1e999999"), Err(AmountError::TooLarge));
        assert_eq!(
            Amount::parse("1e-999999"),
            Err(AmountError::TooManyDecimals)
        );
        assert_eq!(amount("999999999999999.99"), "999999999999999.99");
    }

    #[test]
    fn values_beyond_f64_precision_stay_exact() {
        // 2^53 + 1 has no f64 representation.
        assert_eq!(amount("9007199254740993.1e-1"), "900719925474099.31");
        assert_eq!(amount("0.10"), "0.10");
    }

    proptest! {
        #[test]
        fn written_form_parses_back(cents in 0u64..100_000_000_000_000_000) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            let parsed = Amount::parse(&text).unwrap();
            prop_assert_eq!(parsed.to_string(), text.clone());
            prop_assert_eq!(Amount::parse(&parsed.to_string()).unwrap(), parsed);
        }

        #[test]
        fn whole_numbers_in_any_form_are_equal(whole in 0u64..1_000_000_000_000_000) {
            let plain = Amount::parse(&whole.to_string()).unwrap();
            prop_assert_eq!(Amount::parse(&format!("{whole}.0")).unwrap(), plain);
            prop_assert_eq!(Amount::parse(&format!("{whole}.00")).unwrap(), plain);
            prop_assert_eq!(Amount::parse(&format!("{whole}00e-2")).unwrap(), plain);
        }

        #[test]
        fn non_zero_third_decimal_is_never_rounded(
            cents in 0u64..100_000_000_000_000_000,
            extra in 1u64..10,
        ) {
            let text = format!("{}.{:02}{extra}", cents / 100, cents % 100);
            prop_assert_eq!(Amount::parse(&text), Err(AmountError::TooManyDecimals));
        }
    }
}
