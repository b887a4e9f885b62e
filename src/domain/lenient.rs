//! Lenient value types of inquiry and position bodies. Each type can only hold a valid value,
//! and its parser accepts every form that existing clients send: date-times in three forms,
//! whole numbers as JSON numbers or strings, an allocation with a trailing `%`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};
use serde_json::Value;

use super::time::Timestamp;

/// The date-time forms accepted in requests, for error messages.
pub const DATE_TIME_FORMS: &str =
    "RFC 3339 (2025-11-01T16:30:00Z or with an offset), YYYY-MM-DD HH:MM:SS (UTC) or YYYY-MM-DD";

/// A date-time from a request, in UTC, at whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LenientDateTime(Timestamp);

impl LenientDateTime {
    /// Parses RFC 3339 with `Z` or an offset (converted to UTC), `YYYY-MM-DD HH:MM:SS` (taken as
    /// UTC) or `YYYY-MM-DD` (midnight UTC). Fractions of a second are dropped. Returns `None`
    /// for any other text and for impossible dates such as `2025-02-30`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::parse_any_year(text).filter(|parsed| (0..=9999).contains(&parsed.0.year()))
    }

    /// Reads the three forms without the year check: an offset can move a written year 9999 or
    /// 0000 out of the four digits that the output form has room for.
    fn parse_any_year(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
            return Some(Self::at(moment.with_timezone(&Utc)));
        }
        if let Ok(moment) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
            return Some(Self::at(Utc.from_utc_datetime(&moment)));
        }
        // `%Y` alone accepts signs and short years, so the date form is checked by shape first.
        let is_date_shape = text.len() == 10
            && text.bytes().enumerate().all(|(index, byte)| match index {
                4 | 7 => byte == b'-',
                _ => byte.is_ascii_digit(),
            });
        if is_date_shape && let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let midnight = date.and_hms_opt(0, 0, 0)?;
            return Some(Self::at(Utc.from_utc_datetime(&midnight)));
        }
        None
    }

    fn at(moment: Timestamp) -> Self {
        Self(moment.trunc_subsecs(0))
    }

    pub fn timestamp(self) -> Timestamp {
        self.0
    }
}

/// A whole percent from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation(u8);

impl Allocation {
    /// Reads a JSON integer or a string of digits, with an optional trailing `%` (`"10"`,
    /// `"10%"`, `10`). Fractions and values outside 0–100 are rejected.
    pub fn parse(value: &Value) -> Option<Self> {
        let number = match value {
            // A whole number written with a zero fraction (`10.0`) is still a whole percent.
            Value::Number(number) => match number.as_i64() {
                Some(whole) => whole,
                None => whole_number(&number.to_string())?,
            },
            Value::String(text) => {
                let text = text.trim();
                let digits = text.strip_suffix('%').map(str::trim_end).unwrap_or(text);
                if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                    return None;
                }
                digits.parse::<i64>().ok()?
            }
            _ => return None,
        };
        let percent = u8::try_from(number)
            .ok()
            .filter(|percent| *percent <= 100)?;
        Some(Self(percent))
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

/// Reads the exact text of a JSON number such as `10.0` or `10.00` as a whole number. Returns
/// `None` when it has a non-zero fraction or an exponent.
fn whole_number(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.')?;
    let digits_only = !whole.is_empty() && whole.bytes().all(|byte| byte.is_ascii_digit());
    (digits_only && fraction.bytes().all(|byte| byte == b'0')).then(|| whole.parse().ok())?
}

/// The importance of a requirement, a whole number from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Importance(u8);

impl Importance {
    /// Reads a JSON integer or a string of digits from 1 to 5.
    pub fn parse(value: &Value) -> Option<Self> {
        let number = match value {
            Value::Number(number) => number.as_i64()?,
            Value::String(text) => {
                let text = text.trim();
                if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
                    return None;
                }
                text.parse::<i64>().ok()?
            }
            _ => return None,
        };
        let level = u8::try_from(number)
            .ok()
            .filter(|level| (1..=5).contains(level))?;
        Some(Self(level))
    }

    /// Wraps a stored level, which was checked when it was written.
    pub fn from_stored(level: u8) -> Option<Self> {
        (1..=5).contains(&level).then_some(Self(level))
    }

    pub fn level(self) -> u8 {
        self.0
    }
}

/// Reads a number given as a JSON number or as text, keeping its written form (`5000`,
/// `"5000"`, `"4500.50"`). Other text is kept as sent, because budgets are free-form.
pub fn number_or_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => Some(text.trim().to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocation_reads_zero_fractions() {
        let parsed: Value = serde_json::from_str("10.0").unwrap();
        assert_eq!(
            Allocation::parse(&parsed).map(Allocation::percent),
            Some(10)
        );
        let parsed: Value = serde_json::from_str("10.5").unwrap();
        assert!(Allocation::parse(&parsed).is_none());
    }

    #[test]
    fn offsets_may_not_leave_four_digit_years() {
        assert!(LenientDateTime::parse("9999-12-31T23:59:59-05:00").is_none());
        assert!(LenientDateTime::parse("0000-01-01T00:00:00+01:00").is_none());
        assert!(LenientDateTime::parse("9999-12-31T23:59:59Z").is_some());
    }

    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn utc(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn date_times_in_published_forms() {
        let cases = [
            ("2025-11-01T16:30:00.000Z", "2025-11-01T16:30:00Z"),
            ("2025-11-01T16:30:00Z", "2025-11-01T16:30:00Z"),
            ("2025-11-01T18:30:00+02:00", "2025-11-01T16:30:00Z"),
            ("2025-11-01 16:30:00", "2025-11-01T16:30:00Z"),
            ("2025-11-01 16:30:00.999", "2025-11-01T16:30:00Z"),
            ("2025-11-01", "2025-11-01T00:00:00Z"),
        ];
        for (input, expected) in cases {
            let parsed = LenientDateTime::parse(input).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(parsed.timestamp(), utc(expected), "{input}");
        }
    }

    #[test]
    fn date_times_rejected() {
        for input in [
            "2025-02-30",
            "2025-11-01T16:30",
            "01.11.2025",
            "tomorrow",
            "2025-1-1",
            "+2025-11-01",
            "",
        ] {
            assert_eq!(LenientDateTime::parse(input), None, "{input}");
        }
    }

    #[test]
    fn allocations() {
        for (value, expected) in [
            (json!("10"), Some(10)),
            (json!("10%"), Some(10)),
            (json!(" 10 % "), Some(10)),
            (json!(0), Some(0)),
            (json!(100), Some(100)),
            (json!("101"), None),
            (json!(-1), None),
            (json!(10.5), None),
            (json!("10.5"), None),
            (json!("%"), None),
            (json!(true), None),
        ] {
            assert_eq!(
                Allocation::parse(&value).map(Allocation::percent),
                expected,
                "{value}"
            );
        }
    }

    #[test]
    fn importances() {
        assert_eq!(Importance::parse(&json!(3)).map(Importance::level), Some(3));
        assert_eq!(
            Importance::parse(&json!("5")).map(Importance::level),
            Some(5)
        );
        assert_eq!(Importance::parse(&json!(0)), None);
        assert_eq!(Importance::parse(&json!(6)), None);
        assert_eq!(Importance::parse(&json!("high")), None);
    }

    #[test]
    fn budgets_keep_written_form() {
        assert_eq!(number_or_text(&json!(5000)).as_deref(), Some("5000"));
        let written: Value = serde_json::from_str("4500.50").unwrap();
        assert_eq!(number_or_text(&written).as_deref(), Some("4500.50"));
        assert_eq!(number_or_text(&json!(" 5000 ")).as_deref(), Some("5000"));
        assert_eq!(number_or_text(&json!([1])), None);
    }

    proptest! {
        #[test]
        fn every_form_reads_the_same_second(seconds in 0i64..4_102_444_800, micros in 0u32..1_000_000) {
            let moment = Utc.timestamp_opt(seconds, micros * 1000).unwrap();
            let whole = moment.trunc_subsecs(0);
            let rfc = moment.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let spaced = moment.format("%Y-%m-%d %H:%M:%S").to_string();
            prop_assert_eq!(LenientDateTime::parse(&rfc).map(LenientDateTime::timestamp), Some(whole));
            prop_assert_eq!(LenientDateTime::parse(&spaced).map(LenientDateTime::timestamp), Some(whole));
            let date = moment.format("%Y-%m-%d").to_string();
            let midnight = LenientDateTime::parse(&date).map(LenientDateTime::timestamp);
            prop_assert_eq!(midnight.map(|value| value.date_naive()), Some(moment.date_naive()));
        }

        #[test]
        fn offsets_convert_to_utc(seconds in 0i64..4_102_444_800, offset_hours in -12i32..=14) {
            let moment = Utc.timestamp_opt(seconds, 0).unwrap();
            let zone = chrono::FixedOffset::east_opt(offset_hours * 3600).unwrap();
            let text = moment.with_timezone(&zone).to_rfc3339();
            prop_assert_eq!(LenientDateTime::parse(&text).map(LenientDateTime::timestamp), Some(moment));
        }

        #[test]
        fn any_text_parses_or_is_rejected(text in "\\PC{0,40}") {
            // Any text is read or rejected without a panic, and a read value has no fraction of a second.
            if let Some(parsed) = LenientDateTime::parse(&text) {
                prop_assert_eq!(parsed.timestamp().timestamp_subsec_nanos(), 0);
            }
        }

        #[test]
        fn allocation_accepts_every_percent(percent in 0u8..=100, with_sign in any::<bool>(), as_number in any::<bool>()) {
            let value = if as_number {
                json!(percent)
            } else if with_sign {
                json!(format!("{percent}%"))
            } else {
                json!(percent.to_string())
            };
            prop_assert_eq!(Allocation::parse(&value).map(Allocation::percent), Some(percent));
        }

        #[test]
        fn allocation_rejects_out_of_range(number in 101i64..1_000_000) {
            prop_assert_eq!(Allocation::parse(&json!(number)), None);
            prop_assert_eq!(Allocation::parse(&json!(number.to_string())), None);
            prop_assert_eq!(Allocation::parse(&json!(-number)), None);
        }

        #[test]
        fn importance_holds_one_to_five(number in -100i64..100) {
            let parsed = Importance::parse(&json!(number)).map(Importance::level);
            prop_assert_eq!(parsed.is_some(), (1..=5).contains(&number));
        }
    }
}
