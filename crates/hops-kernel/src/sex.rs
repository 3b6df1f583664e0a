//! Sex as recorded on the resident identity card.

/// Sex as recorded on the 居民身份证 (the 17th digit of the number: odd = male).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// Both values, for select boxes and exhaustive tests.
    pub const ALL: [Sex; 2] = [Sex::Male, Sex::Female];

    /// The label shown to users: 男 / 女.
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }

    /// The stable storage code: `"M"` / `"F"`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }

    /// Reads a storage code (`"M"` / `"F"`, case-insensitive, surrounding spaces ignored).
    pub fn from_code(code: &str) -> Option<Sex> {
        match code.trim() {
            "M" | "m" => Some(Sex::Male),
            "F" | "f" => Some(Sex::Female),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_codes() {
        let cases = [(Sex::Male, "男", "M"), (Sex::Female, "女", "F")];
        for (sex, label, code) in cases {
            assert_eq!(sex.label_zh(), label);
            assert_eq!(sex.code(), code);
            assert_eq!(Sex::from_code(code), Some(sex));
        }
    }

    #[test]
    fn from_code_table() {
        let cases: &[(&str, Option<Sex>)] = &[
            ("M", Some(Sex::Male)),
            ("m", Some(Sex::Male)),
            (" F ", Some(Sex::Female)),
            ("f", Some(Sex::Female)),
            ("", None),
            ("X", None),
            ("男", None),
            ("MF", None),
            ("Male", None),
        ];
        for &(code, want) in cases {
            assert_eq!(Sex::from_code(code), want, "{code:?}");
        }
    }

    #[test]
    fn all_round_trips() {
        for sex in Sex::ALL {
            assert_eq!(Sex::from_code(sex.code()), Some(sex));
        }
    }
}
