//! Mainland China mobile numbers.

use std::fmt;

use thiserror::Error;

/// A mobile number could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhoneError {
    /// Nothing was given.
    #[error("手机号不能为空")]
    Empty,
    /// Something other than digits, spaces, hyphens or a leading `+86`.
    #[error("手机号只能包含数字")]
    InvalidCharacter,
    /// Not 11 digits (after removing a `+86` / `0086` / `86` prefix).
    #[error("手机号应为11位数字，实际为{0}位")]
    WrongLength(usize),
    /// An international number with a country code other than +86.
    #[error("仅支持中国大陆手机号（+86）")]
    Foreign,
    /// 11 digits, but not a mainland mobile number (must start with 13–19).
    #[error("手机号格式无效，应以13至19开头")]
    NotMobile,
}

/// A mainland China mobile number, normalised to 11 digits matching `1[3-9]\d{9}`.
///
/// There is deliberately no `Display`: use [`Phone::as_str`] for storage and sending,
/// [`Phone::masked`] for everything shown to people. `Debug` is masked too, so the number does
/// not leak into logs.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone([u8; 11]);

impl Phone {
    /// Reads `13812345678`, `+86 138 1234 5678`, `86-138-1234-5678`, `0086 13812345678`,
    /// `+86(138)12345678`. Spaces (also full-width), hyphens and parentheses are ignored.
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let mut digits = Vec::with_capacity(16);
        let mut saw_anything = false;
        let mut international = false;
        for (i, c) in s.trim().chars().enumerate() {
            saw_anything = true;
            match c {
                '0'..='9' => digits.push(c as u8),
                '+' if i == 0 => international = true,
                ' ' | '\u{3000}' | '-' | '(' | ')' => {}
                _ => return Err(PhoneError::InvalidCharacter),
            }
        }
        if !saw_anything {
            return Err(PhoneError::Empty);
        }
        let national: &[u8] = if international {
            digits.strip_prefix(b"86").ok_or(PhoneError::Foreign)?
        } else if let Some(rest) = digits.strip_prefix(b"0086") {
            rest
        } else if digits.starts_with(b"00") {
            return Err(PhoneError::Foreign);
        } else if digits.len() == 13 && digits.starts_with(b"86") {
            &digits[2..]
        } else {
            &digits
        };
        let number: [u8; 11] = national.try_into().map_err(|_| PhoneError::WrongLength(national.len()))?;
        if number[0] != b'1' || !(b'3'..=b'9').contains(&number[1]) {
            return Err(PhoneError::NotMobile);
        }
        Ok(Phone(number))
    }

    /// The 11 digits: `13812345678`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("phone digits are ASCII")
    }

    /// For display: `138****5678`.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}****{}", &s[..3], &s[7..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepted_forms() {
        let cases: &[(&str, &str)] = &[
            ("13812345678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("86-138-1234-5678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("0086 138 1234 5678", "13812345678"),
            ("+86(138)12345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("138\u{3000}1234\u{3000}5678", "13812345678"),
            ("  19912345678 ", "19912345678"),
            ("16612345678", "16612345678"),
            ("14712345678", "14712345678"),
        ];
        for &(s, want) in cases {
            let p = Phone::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!(p.as_str(), want);
        }
    }

    #[test]
    fn parse_rejects_bad_input() {
        let cases: &[(&str, PhoneError)] = &[
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("1381234567", PhoneError::WrongLength(10)),
            ("138123456789", PhoneError::WrongLength(12)),
            ("+86 138 1234 567", PhoneError::WrongLength(10)),
            ("0086 138 1234 567", PhoneError::WrongLength(10)),
            ("+1 415 555 1234", PhoneError::Foreign),
            ("+14155551234", PhoneError::Foreign),
            ("0044 7911 123456", PhoneError::Foreign),
            ("871381234567", PhoneError::WrongLength(12)),
            ("8713812345678", PhoneError::WrongLength(13)),
            ("1381234567a", PhoneError::InvalidCharacter),
            ("138.1234.5678", PhoneError::InvalidCharacter),
            ("138+12345678", PhoneError::InvalidCharacter),
            ("１３８１２３４５６７８", PhoneError::InvalidCharacter),
            ("tel:13812345678", PhoneError::InvalidCharacter),
            ("12812345678", PhoneError::NotMobile),
            ("10086100861", PhoneError::NotMobile),
            ("23812345678", PhoneError::NotMobile),
            ("02112345678", PhoneError::NotMobile),
            ("+86 12812345678", PhoneError::NotMobile),
        ];
        for (s, want) in cases {
            assert_eq!(Phone::parse(s).as_ref(), Err(want), "{s:?}");
        }
    }

    #[test]
    fn messages_are_chinese() {
        assert_eq!(PhoneError::Empty.to_string(), "手机号不能为空");
        assert_eq!(PhoneError::WrongLength(10).to_string(), "手机号应为11位数字，实际为10位");
        assert!(PhoneError::NotMobile.to_string().contains("13至19"));
    }

    #[test]
    fn masking() {
        let p = Phone::parse("+86 138 1234 5678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(format!("{p:?}"), "Phone(138****5678)");
        assert!(!format!("{p:?}").contains("1234"));
    }

    #[test]
    fn normalised_numbers_compare_equal() {
        assert_eq!(Phone::parse("13812345678"), Phone::parse("+86 138-1234-5678"));
    }
}
