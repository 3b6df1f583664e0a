//! The 18-digit resident identity card number (居民身份证号码), GB 11643-1999.
//!
//! Layout: 6-digit region code (GB/T 2260), 8-digit birth date `YYYYMMDD`, 3-digit sequence
//! number (odd = male, even = female), and a check character computed with ISO 7064 MOD 11-2
//! (`0`–`9` or `X`).

use std::fmt;

use jiff::civil::Date;
use thiserror::Error;

use crate::regions::province_of;
use crate::sex::Sex;
use crate::time::LocalDay;

/// Why an identity card number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdCardError {
    /// Nothing was given.
    #[error("身份证号不能为空")]
    Empty,
    /// Not 18 characters (15-digit first-generation numbers are no longer accepted).
    #[error("身份证号长度应为18位，实际为{0}位")]
    WrongLength(usize),
    /// A character other than digits (and a final X).
    #[error("身份证号格式无效：前17位应为数字，最后一位应为数字或X")]
    InvalidCharacter,
    /// The first six digits are not a county-level region code.
    #[error("身份证号地区码无效：{0}")]
    InvalidRegion(String),
    /// Digits 7–14 are not a real calendar date.
    #[error("身份证号出生日期无效：{0}不是有效日期")]
    InvalidBirthDate(String),
    /// The birth date is before 1900-01-01 or after today.
    #[error("身份证号出生日期无效：{0}不在1900-01-01至今天之间")]
    BirthDateOutOfRange(String),
    /// The last character does not match the ISO 7064 MOD 11-2 check.
    #[error("身份证号校验位错误，请核对号码")]
    WrongCheckDigit,
}

/// A valid 18-digit identity card number (with an uppercase `X` check character).
///
/// There is deliberately no `Display`: use [`IdCardNumber::as_str`] for storage (encrypted) and
/// [`IdCardNumber::masked`] for anything shown, exported or logged. `Debug` is masked too.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdCardNumber([u8; 18]);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl IdCardNumber {
    /// Validates a number: surrounding whitespace is trimmed and a lowercase `x` accepted. The
    /// birth date must lie between 1900-01-01 and `today`.
    pub fn parse(s: &str, today: LocalDay) -> Result<IdCardNumber, IdCardError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(IdCardError::Empty);
        }
        let len = t.chars().count();
        if len != 18 {
            return Err(IdCardError::WrongLength(len));
        }
        let mut bytes: [u8; 18] = t.as_bytes().try_into().map_err(|_| IdCardError::InvalidCharacter)?;
        bytes[17] = bytes[17].to_ascii_uppercase();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdCardError::InvalidCharacter);
        }
        let region = number(&bytes[0..6]);
        if !is_county_code(region) {
            return Err(IdCardError::InvalidRegion(t[0..6].to_owned()));
        }
        let birth_text = format!("{}-{}-{}", &t[6..10], &t[10..12], &t[12..14]);
        let birth = birth_of(&bytes).ok_or_else(|| IdCardError::InvalidBirthDate(birth_text.clone()))?;
        if birth < earliest_birth() || birth > today {
            return Err(IdCardError::BirthDateOutOfRange(birth_text));
        }
        let first17: &[u8; 17] = bytes[..17].try_into().expect("17 bytes");
        if check_char(first17) != bytes[17] {
            return Err(IdCardError::WrongCheckDigit);
        }
        Ok(IdCardNumber(bytes))
    }

    /// Builds a valid number (for demo data and tests): `region` is a six-digit county-level
    /// code, `seq` the sequence number 0..=999 (odd = male, even = female); the check character
    /// is computed.
    ///
    /// # Panics
    ///
    /// If `region` is not a county-level code of a real province, `seq > 999`, or the birth
    /// year is not between 1000 and 9999.
    pub fn generate(region: u32, birth: LocalDay, seq: u16) -> IdCardNumber {
        assert!(is_county_code(region), "invalid region code {region}");
        assert!(seq <= 999, "sequence number {seq} out of 0..=999");
        let date = birth.to_date();
        assert!((1000..=9999).contains(&date.year()), "birth year {} not four digits", date.year());
        let text = format!("{region:06}{:04}{:02}{:02}{seq:03}", date.year(), date.month(), date.day());
        let mut bytes = [0u8; 18];
        bytes[..17].copy_from_slice(text.as_bytes());
        let first17: &[u8; 17] = bytes[..17].try_into().expect("17 bytes");
        bytes[17] = check_char(first17);
        IdCardNumber(bytes)
    }

    /// The full number, e.g. `11010519491231002X`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("identity numbers are ASCII")
    }

    /// Sex from the sequence number (odd = male).
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// The birth date encoded in digits 7–14.
    pub fn birth_date(&self) -> LocalDay {
        birth_of(&self.0).expect("validated at construction")
    }

    /// Age in full years on `day` (0 if `day` is before the birth date). Someone born on
    /// 29 February has their birthday on 1 March in common years.
    pub fn age_on(&self, day: LocalDay) -> u32 {
        self.birth_date().age_on(day)
    }

    /// For display: the first 3 and last 4 characters, the rest `*` (`110***********002X`).
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}***********{}", &s[..3], &s[14..])
    }

    /// The six-digit region code, e.g. `110105`.
    pub fn region_code(&self) -> u32 {
        number(&self.0[0..6])
    }
}

impl fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdCardNumber({})", self.masked())
    }
}

fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
}

fn is_county_code(region: u32) -> bool {
    (100_000..=999_999).contains(&region) && !region.is_multiple_of(10_000) && province_of(region).is_some()
}

fn earliest_birth() -> LocalDay {
    LocalDay::from_date(Date::constant(1900, 1, 1))
}

/// The birth date in digits 7–14, if it is a real date.
fn birth_of(bytes: &[u8; 18]) -> Option<LocalDay> {
    let year = i16::try_from(number(&bytes[6..10])).ok()?;
    let month = i8::try_from(number(&bytes[10..12])).ok()?;
    let day = i8::try_from(number(&bytes[12..14])).ok()?;
    Date::new(year, month, day).ok().map(LocalDay::from_date)
}

/// ISO 7064 MOD 11-2 check character of the first 17 digits.
fn check_char(first17: &[u8; 17]) -> u8 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> LocalDay {
        LocalDay::parse("2026-11-22").unwrap()
    }

    fn day(s: &str) -> LocalDay {
        LocalDay::parse(s).unwrap()
    }

    #[test]
    fn valid_numbers() {
        // (input, normalised, sex, birth)
        let cases: &[(&str, &str, Sex, &str)] = &[
            ("11010519491231002X", "11010519491231002X", Sex::Female, "1949-12-31"),
            ("11010519491231002x", "11010519491231002X", Sex::Female, "1949-12-31"),
            ("  11010519491231002X\t", "11010519491231002X", Sex::Female, "1949-12-31"),
        ];
        for &(input, want, sex, birth) in cases {
            let id = IdCardNumber::parse(input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.as_str(), want);
            assert_eq!(id.sex(), sex);
            assert_eq!(id.birth_date(), day(birth));
            assert_eq!(id.region_code(), 110_105);
        }
    }

    #[test]
    fn invalid_numbers() {
        let t = today();
        let cases: Vec<(&str, IdCardError)> = vec![
            ("", IdCardError::Empty),
            ("   ", IdCardError::Empty),
            ("11010519491231002", IdCardError::WrongLength(17)),
            ("11010519491231002XX", IdCardError::WrongLength(19)),
            ("110105491231002", IdCardError::WrongLength(15)),
            ("11010519491231002Ｘ", IdCardError::InvalidCharacter),
            ("1101051949123100２X", IdCardError::InvalidCharacter),
            ("11010519491231002Y", IdCardError::InvalidCharacter),
            ("X10105194912310020", IdCardError::InvalidCharacter),
            ("1101051949-231002X", IdCardError::InvalidCharacter),
            ("11010519491231 02X", IdCardError::InvalidCharacter),
            ("99010519491231002X", IdCardError::InvalidRegion("990105".into())),
            ("10010519491231002X", IdCardError::InvalidRegion("100105".into())),
            ("72010519491231002X", IdCardError::InvalidRegion("720105".into())),
            ("00010519491231002X", IdCardError::InvalidRegion("000105".into())),
            ("11000019491231002X", IdCardError::InvalidRegion("110000".into())),
            ("11010519491332002X", IdCardError::InvalidBirthDate("1949-13-32".into())),
            ("11010519490229002X", IdCardError::InvalidBirthDate("1949-02-29".into())),
            ("11010519490001002X", IdCardError::InvalidBirthDate("1949-00-01".into())),
            ("11010518991231002X", IdCardError::BirthDateOutOfRange("1899-12-31".into())),
            // Checksum-valid, but born before 1900.
            ("440524188001010014", IdCardError::BirthDateOutOfRange("1880-01-01".into())),
            ("11010520261123002X", IdCardError::BirthDateOutOfRange("2026-11-23".into())),
            ("11010530001231002X", IdCardError::BirthDateOutOfRange("3000-12-31".into())),
            ("110105194912310021", IdCardError::WrongCheckDigit),
            ("110105194912310020", IdCardError::WrongCheckDigit),
            ("11010519491231003X", IdCardError::WrongCheckDigit),
            ("11010519491321002X", IdCardError::InvalidBirthDate("1949-13-21".into())),
            ("11010519941231002X", IdCardError::WrongCheckDigit),
        ];
        for (input, want) in cases {
            assert_eq!(IdCardNumber::parse(input, t), Err(want), "{input:?}");
        }
    }

    #[test]
    fn every_single_digit_change_is_caught() {
        let valid = "11010519491231002X";
        for pos in 0..18 {
            for c in "0123456789X".chars() {
                let mut s: Vec<char> = valid.chars().collect();
                if s[pos] == c {
                    continue;
                }
                s[pos] = c;
                let s: String = s.into_iter().collect();
                assert!(IdCardNumber::parse(&s, today()).is_err(), "{s} accepted");
            }
        }
    }

    #[test]
    fn error_messages_are_chinese() {
        let cases: &[(&str, &str)] = &[
            ("123", "身份证号长度应为18位，实际为3位"),
            ("11010519491231002Y", "身份证号格式无效：前17位应为数字，最后一位应为数字或X"),
            ("99010519491231002X", "身份证号地区码无效：990105"),
            ("11010519490229002X", "身份证号出生日期无效：1949-02-29不是有效日期"),
            ("11010520301231002X", "身份证号出生日期无效：2030-12-31不在1900-01-01至今天之间"),
            ("110105194912310021", "身份证号校验位错误，请核对号码"),
            ("", "身份证号不能为空"),
        ];
        for &(input, msg) in cases {
            assert_eq!(IdCardNumber::parse(input, today()).unwrap_err().to_string(), msg);
        }
    }

    #[test]
    fn birth_on_today_and_on_1900_01_01_are_accepted() {
        for birth in ["1900-01-01", "2026-11-22"] {
            let id = IdCardNumber::generate(330_106, day(birth), 1);
            assert_eq!(IdCardNumber::parse(id.as_str(), today()), Ok(id), "{birth}");
        }
    }

    #[test]
    fn age_on() {
        let id = IdCardNumber::parse("11010519491231002X", today()).unwrap();
        let cases: &[(&str, u32)] =
            &[("1949-12-31", 0), ("1940-01-01", 0), ("1950-12-30", 0), ("1950-12-31", 1), ("2026-11-22", 76), ("2026-12-31", 77)];
        for &(on, age) in cases {
            assert_eq!(id.age_on(day(on)), age, "{on}");
        }
        let leap = IdCardNumber::generate(330_106, day("2000-02-29"), 2);
        assert_eq!(leap.age_on(day("2001-02-28")), 0);
        assert_eq!(leap.age_on(day("2001-03-01")), 1);
        assert_eq!(leap.age_on(day("2004-02-29")), 4);
    }

    #[test]
    fn masking() {
        let id = IdCardNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.masked().chars().count(), 18);
        assert_eq!(format!("{id:?}"), "IdCardNumber(110***********002X)");
        let id = IdCardNumber::generate(110_105, day("1949-12-31"), 1);
        assert_eq!(id.masked(), format!("110***********{}", &id.as_str()[14..]));
    }

    #[test]
    fn generate_round_trips() {
        let births = ["1900-01-01", "1949-12-31", "1988-02-29", "2026-11-22"];
        for &(region, _) in crate::regions::COUNTIES {
            for birth in births {
                for seq in [0, 1, 2, 99, 998, 999] {
                    let id = IdCardNumber::generate(region, day(birth), seq);
                    let parsed = IdCardNumber::parse(id.as_str(), today()).unwrap();
                    assert_eq!(parsed, id);
                    assert_eq!(parsed.region_code(), region);
                    assert_eq!(parsed.birth_date(), day(birth));
                }
            }
        }
        assert_eq!(IdCardNumber::generate(110_105, day("1949-12-31"), 2).as_str(), "11010519491231002X");
        assert_eq!(IdCardNumber::generate(110_105, day("1949-12-31"), 1).sex(), Sex::Male);
        assert_eq!(IdCardNumber::generate(110_105, day("1949-12-31"), 0).sex(), Sex::Female);
    }

    #[test]
    #[should_panic(expected = "invalid region code")]
    fn generate_rejects_bad_region() {
        IdCardNumber::generate(330_000, day("1990-01-01"), 1);
    }

    #[test]
    #[should_panic(expected = "out of 0..=999")]
    fn generate_rejects_bad_seq() {
        IdCardNumber::generate(330_106, day("1990-01-01"), 1000);
    }
}
