//! A person as typed, and a personal number as kept. Pure.

use std::marker::PhantomData;

use hops_kernel::{IdCardNumber, LocalDay, Phone, Sex};

use crate::error::FieldError;

/// The longest name kept (a Chinese name is 2–4 characters; foreign names run longer).
pub const NAME_MAX: usize = 50;

/// A person as a role gives them (a booking, a patient import).
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<LocalDay>,
    pub id_number: Option<IdCardNumber>,
    pub phone: Option<Phone>,
}

impl Person {
    /// The person's problems, field by field (`name`, `sex`, `birth_date`): a name is needed;
    /// an ID-card number fixes sex and birth date.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "请填写姓名"));
        } else if name.chars().count() > NAME_MAX {
            errors.push(FieldError::new("name", format!("姓名不能超过 {NAME_MAX} 个字")));
        }
        if let Some(id) = &self.id_number {
            if id.sex() != self.sex {
                errors.push(FieldError::new("sex", format!("性别与身份证号不符（身份证号为{}）", id.sex().label_zh())));
            }
            if self.birth_date.is_some_and(|b| b != id.birth_date()) {
                errors.push(FieldError::new("birth_date", format!("出生日期与身份证号不符（身份证号为 {}）", id.birth_date())));
            }
        }
        errors
    }

    /// The birth date: the typed one, else the ID-card number's.
    pub fn birth(&self) -> Option<LocalDay> {
        self.birth_date.or_else(|| self.id_number.as_ref().map(IdCardNumber::birth_date))
    }
}

/// A personal number in an edit of a person: kept as stored (a form showed it masked and it
/// came back unchanged), or set to this value (`None` removes it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit<T> {
    Keep,
    Set(Option<T>),
}

/// A personal number as kept: encrypted for its row, blind-indexed, masked. Never clear text;
/// the type says which number it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed<T> {
    pub(crate) enc: Vec<u8>,
    pub(crate) bidx: String,
    pub masked: String,
    kind: PhantomData<fn() -> T>,
}

impl<T> Sealed<T> {
    pub(crate) fn new(s: crate::crypto::Sealed) -> Sealed<T> {
        Sealed { enc: s.enc, bidx: s.bidx, masked: s.masked, kind: PhantomData }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: Option<&str>, sex: Sex, birth: Option<&str>) -> Person {
        let today = LocalDay::parse("2026-12-07").unwrap();
        Person {
            name: "张三".into(),
            sex,
            birth_date: birth.map(|b| LocalDay::parse(b).unwrap()),
            id_number: id.map(|i| IdCardNumber::parse(i, today).unwrap()),
            phone: None,
        }
    }

    #[test]
    fn an_id_number_fixes_sex_and_birth() {
        let id = IdCardNumber::generate(110101, LocalDay::parse("1980-05-06").unwrap(), 12);
        let n = id.as_str().to_string();
        let ok = person(Some(&n), id.sex(), None);
        assert!(ok.check().is_empty());
        assert_eq!(ok.birth(), Some(LocalDay::parse("1980-05-06").unwrap()));
        let other = if id.sex() == Sex::Male { Sex::Female } else { Sex::Male };
        let fields: Vec<_> = person(Some(&n), other, Some("1981-01-01")).check().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["sex", "birth_date"]);
        let mut unnamed = person(None, Sex::Female, None);
        unnamed.name = "  ".into();
        assert_eq!(unnamed.check()[0].field, "name");
        unnamed.name = "名".repeat(NAME_MAX + 1);
        assert_eq!(unnamed.check()[0].field, "name");
    }
}
