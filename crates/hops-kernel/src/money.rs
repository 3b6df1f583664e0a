//! Money in renminbi, held as integer fen (分, 1/100 yuan) so sums are exact.

use std::fmt;
use std::iter::Sum;
use std::str::FromStr;

use thiserror::Error;

/// An amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    /// Nothing was given.
    #[error("金额不能为空")]
    Empty,
    /// Not a number of the accepted forms.
    #[error("金额格式无效：“{0}”，应为 1234.50 或 ¥1,234.50 这样的数字")]
    Invalid(String),
    /// More than two decimal places.
    #[error("金额最多保留两位小数（精确到分）：“{0}”")]
    TooManyDecimals(String),
    /// Too large to represent.
    #[error("金额超出范围：“{0}”")]
    Overflow(String),
    /// A spreadsheet cell held NaN or infinity.
    #[error("金额不是有效数字")]
    NotFinite,
}

/// An amount of renminbi in fen (分). Negative amounts (refunds, corrections) are allowed.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Money(pub i64);

impl Money {
    /// ¥0.00
    pub const ZERO: Money = Money(0);

    /// The amount in fen.
    pub fn fen(self) -> i64 {
        self.0
    }

    /// Reads an amount in yuan: `12`, `12.3`, `12.34`, `-5`, `+5`, `1,234.50`, `¥1,234.50`,
    /// `￥12`, `-¥5.00`, `¥-5`, `12.50元`. Surrounding whitespace is ignored; thousands separators
    /// must group by three. More than two decimals, letters, an empty string and amounts beyond
    /// the `i64` range of fen are rejected.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(MoneyError::Empty);
        }
        let invalid = || MoneyError::Invalid(t.to_owned());

        // An optional sign, before or after an optional currency symbol (but not both).
        let (neg_before, after_sign) = strip_sign(t);
        let (negative, rest) = match after_sign.strip_prefix('¥').or_else(|| after_sign.strip_prefix('￥')) {
            Some(r) => {
                let r = r.trim_start();
                let (neg_after, after) = strip_sign(r);
                if after_sign.len() != t.len() && after.len() != r.len() {
                    return Err(invalid());
                }
                (neg_before || neg_after, after)
            }
            None => (neg_before, after_sign),
        };
        let rest = rest.strip_suffix('元').map_or(rest, str::trim_end);

        let (int_part, frac_part) = match rest.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        let digits = integer_digits(int_part).ok_or_else(invalid)?;
        let frac = match frac_part {
            None => "",
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(invalid());
            }
            Some(f) if f.len() > 2 => return Err(MoneyError::TooManyDecimals(t.to_owned())),
            Some(f) => f,
        };
        fen_from_parts(negative, &digits, frac, false).ok_or_else(|| MoneyError::Overflow(t.to_owned()))
    }

    /// Converts a yuan amount read from a spreadsheet cell, rounding half away from zero to the
    /// fen. The rounding works on the shortest decimal form of the float (what the spreadsheet
    /// shows), so `2.675` becomes ¥2.68 even though the nearest double is slightly below it.
    pub fn from_yuan_f64(yuan: f64) -> Result<Money, MoneyError> {
        if !yuan.is_finite() {
            return Err(MoneyError::NotFinite);
        }
        // Rust prints floats in their shortest round-trip form, never in exponent notation.
        let text = yuan.to_string();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(u) => (true, u),
            None => (false, text.as_str()),
        };
        let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        fen_from_parts(negative, int_part, frac_part, true).ok_or_else(|| MoneyError::Overflow(text.clone()))
    }

    /// Sum, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Difference, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// This amount times a quantity (e.g. unit price × count), or `None` on overflow.
    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }

    /// Whether the amount is below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Plain yuan with two decimals and no symbol or separators, for CSV and exports:
    /// `1234.50`, `-5.00`.
    pub fn to_yuan_string(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// `¥1,234.50`; negative amounts `-¥5.00`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let yuan = (abs / 100).to_string();
        let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
        for (i, c) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}¥{grouped}.{:02}", abs % 100)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s)
    }
}

/// Panics on overflow (beyond ±92 trillion yuan), like integer addition in debug builds; use
/// [`Money::checked_add`] where the inputs are untrusted.
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |acc, m| acc.checked_add(m).expect("money sum overflowed"))
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

fn strip_sign(s: &str) -> (bool, &str) {
    if let Some(r) = s.strip_prefix('-') {
        (true, r.trim_start())
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r.trim_start())
    } else {
        (false, s)
    }
}

/// The digits of an integer part, with optional thousands separators grouped by three.
fn integer_digits(s: &str) -> Option<String> {
    let mut groups = s.split(',');
    let first = groups.next()?;
    let ok = |g: &str, min: usize, max: usize| (min..=max).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit());
    if s.contains(',') {
        if !ok(first, 1, 3) || !groups.clone().all(|g| ok(g, 3, 3)) {
            return None;
        }
    } else if !ok(first, 1, usize::MAX) {
        return None;
    }
    Some(s.replace(',', ""))
}

/// Fen from decimal yuan digits. With `round`, decimals beyond the second are rounded half away
/// from zero; otherwise `frac` has at most two digits. `None` on overflow.
fn fen_from_parts(negative: bool, int: &str, frac: &str, round: bool) -> Option<Money> {
    let int = int.trim_start_matches('0');
    if int.len() > 20 {
        return None;
    }
    let mut fen: i128 = 0;
    for b in int.bytes().chain(frac.bytes().chain(std::iter::repeat(b'0')).take(2)) {
        fen = fen * 10 + i128::from(b - b'0');
    }
    if round && frac.as_bytes().get(2).is_some_and(|&b| b >= b'5') {
        fen += 1;
    }
    let fen = if negative { -fen } else { fen };
    i64::try_from(fen).ok().map(Money)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepted_forms() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("12", 1_200),
            ("12.3", 1_230),
            ("12.34", 1_234),
            ("12.05", 1_205),
            ("0.01", 1),
            ("007.10", 710),
            ("-5", -500),
            ("+5", 500),
            ("-0.5", -50),
            ("1,234.50", 123_450),
            ("¥1,234.50", 123_450),
            ("￥1,234.50", 123_450),
            ("¥ 12", 1_200),
            ("-¥5.00", -500),
            ("¥-5", -500),
            ("+¥5", 500),
            ("- 5", -500),
            ("12.50元", 1_250),
            ("12元", 1_200),
            ("  ¥1,000,000  ", 100_000_000),
            ("999", 99_900),
            ("92233720368547758.07", i64::MAX),
            ("-92233720368547758.08", i64::MIN),
        ];
        for &(s, fen) in cases {
            assert_eq!(Money::parse(s), Ok(Money(fen)), "{s:?}");
            assert_eq!(s.parse::<Money>(), Ok(Money(fen)), "{s:?}");
        }
    }

    #[test]
    fn parse_rejects_bad_input() {
        let inv = |s: &str| MoneyError::Invalid(s.into());
        let cases: Vec<(&str, MoneyError)> = vec![
            ("", MoneyError::Empty),
            ("   ", MoneyError::Empty),
            ("abc", inv("abc")),
            ("12a", inv("12a")),
            ("1e5", inv("1e5")),
            ("12.", inv("12.")),
            (".5", inv(".5")),
            ("-", inv("-")),
            ("¥", inv("¥")),
            ("--5", inv("--5")),
            ("-¥-5", inv("-¥-5")),
            ("+-5", inv("+-5")),
            ("1.2.3", inv("1.2.3")),
            ("12,34", inv("12,34")),
            ("1,2345", inv("1,2345")),
            ("1234,567", inv("1234,567")),
            (",123", inv(",123")),
            ("1,234,", inv("1,234,")),
            ("1 234", inv("1 234")),
            ("12.3a", inv("12.3a")),
            ("12.-3", inv("12.-3")),
            ("５", inv("５")),
            ("$5", inv("$5")),
            ("5¥", inv("5¥")),
            ("12.345", MoneyError::TooManyDecimals("12.345".into())),
            ("0.001", MoneyError::TooManyDecimals("0.001".into())),
            ("12.340", MoneyError::TooManyDecimals("12.340".into())),
            ("92233720368547758.08", MoneyError::Overflow("92233720368547758.08".into())),
            ("-92233720368547758.09", MoneyError::Overflow("-92233720368547758.09".into())),
            ("999999999999999999999999", MoneyError::Overflow("999999999999999999999999".into())),
        ];
        for (s, want) in cases {
            assert_eq!(Money::parse(s), Err(want), "{s:?}");
        }
    }

    #[test]
    fn error_messages_are_chinese() {
        assert_eq!(Money::parse("").unwrap_err().to_string(), "金额不能为空");
        assert!(Money::parse("abc").unwrap_err().to_string().starts_with("金额格式无效"));
        assert!(Money::parse("1.234").unwrap_err().to_string().contains("两位小数"));
        assert!(Money::parse("1e30").unwrap_err().to_string().contains("金额格式无效"));
        let big = "1".repeat(30);
        assert!(Money::parse(&big).unwrap_err().to_string().starts_with("金额超出范围"));
    }

    #[test]
    fn display_and_yuan_string() {
        let cases: &[(i64, &str, &str)] = &[
            (0, "¥0.00", "0.00"),
            (1, "¥0.01", "0.01"),
            (50, "¥0.50", "0.50"),
            (500, "¥5.00", "5.00"),
            (-500, "-¥5.00", "-5.00"),
            (-1, "-¥0.01", "-0.01"),
            (99_999, "¥999.99", "999.99"),
            (100_000, "¥1,000.00", "1000.00"),
            (123_450, "¥1,234.50", "1234.50"),
            (-123_456_789, "-¥1,234,567.89", "-1234567.89"),
            (i64::MAX, "¥92,233,720,368,547,758.07", "92233720368547758.07"),
            (i64::MIN, "-¥92,233,720,368,547,758.08", "-92233720368547758.08"),
        ];
        for &(fen, shown, plain) in cases {
            assert_eq!(Money(fen).to_string(), shown);
            assert_eq!(Money(fen).to_yuan_string(), plain);
            assert_eq!(Money::parse(shown), Ok(Money(fen)), "round trip {shown}");
            assert_eq!(Money::parse(plain), Ok(Money(fen)), "round trip {plain}");
        }
    }

    #[test]
    fn from_yuan_f64_rounds_half_away_from_zero() {
        let cases: &[(f64, i64)] = &[
            (0.0, 0),
            (-0.0, 0),
            (12.0, 1_200),
            (12.3, 1_230),
            (12.34, 1_234),
            (0.1 + 0.2, 30),
            (1.005, 101),
            (2.675, 268),
            (0.125, 13),
            (-0.125, -13),
            (0.124, 12),
            (0.004_999, 0),
            (-1.005, -101),
            (1234.5, 123_450),
            (19.999, 2_000),
            (1e-7, 0),
            (1e15, 100_000_000_000_000_000),
        ];
        for &(yuan, fen) in cases {
            assert_eq!(Money::from_yuan_f64(yuan), Ok(Money(fen)), "{yuan}");
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(Money::from_yuan_f64(bad), Err(MoneyError::NotFinite));
        }
        assert!(matches!(Money::from_yuan_f64(1e17), Err(MoneyError::Overflow(_))));
        assert!(matches!(Money::from_yuan_f64(-1e300), Err(MoneyError::Overflow(_))));
    }

    #[test]
    fn arithmetic_and_sum() {
        assert_eq!(Money(100).checked_add(Money(-250)), Some(Money(-150)));
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
        assert_eq!(Money(100).checked_sub(Money(250)), Some(Money(-150)));
        assert_eq!(Money(i64::MIN).checked_sub(Money(1)), None);
        assert_eq!(Money(1_250).checked_mul(3), Some(Money(3_750)));
        assert_eq!(Money(i64::MAX).checked_mul(2), None);
        let items = [Money(100), Money(250), Money(-50)];
        assert_eq!(items.iter().sum::<Money>(), Money(300));
        assert_eq!(items.into_iter().sum::<Money>(), Money(300));
        assert_eq!(std::iter::empty::<Money>().sum::<Money>(), Money::ZERO);
        assert!(Money(-1).is_negative());
        assert!(!Money::ZERO.is_negative());
        assert_eq!(Money(42).fen(), 42);
    }

    #[test]
    #[should_panic(expected = "money sum overflowed")]
    fn sum_overflow_panics() {
        let _: Money = [Money(i64::MAX), Money(1)].into_iter().sum();
    }
}
