//! Master-data rules: turning raw text (from forms, the API or an import row) into validated
//! values, with a Chinese message per offending field. Pure: no I/O, `today` is passed in.

use hops_kernel::{IdCardNumber, Instant, LocalDay, Phone, Sex};
use hops_platform::FieldError;

/// Professional titles accepted for doctors (卫生专业技术职称).
pub const TITLES: &[&str] = &[
    "主任医师",
    "副主任医师",
    "主治医师",
    "住院医师",
    "医师",
    "主任药师",
    "副主任药师",
    "主管药师",
    "药师",
    "主任护师",
    "副主任护师",
    "主管护师",
    "护师",
    "护士",
    "主任技师",
    "副主任技师",
    "主管技师",
    "技师",
];

fn text(field: &str, label: &str, value: &str, max: usize, required: bool, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(FieldError::new(field, format!("{label}不能为空")));
    } else if v.chars().count() > max {
        errors.push(FieldError::new(field, format!("{label}不能超过 {max} 个字")));
    }
    v.to_string()
}

fn code(field: &str, label: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        errors.push(FieldError::new(field, format!("{label}不能为空")));
    } else if v.len() > 32 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        errors.push(FieldError::new(field, format!("{label}须为 1–32 位字母、数字或 - _ .")));
    }
    v
}

/// Yes/no in the forms people type: 是/否, Y/N, 1/0, true/false; empty means `default`.
pub fn flag(field: &str, value: &str, default: bool, errors: &mut Vec<FieldError>) -> bool {
    match value.trim().to_lowercase().as_str() {
        "" => default,
        "是" | "y" | "yes" | "1" | "true" | "on" => true,
        "否" | "n" | "no" | "0" | "false" | "off" => false,
        other => {
            errors.push(FieldError::new(field, format!("应填“是”或“否”，而不是“{other}”")));
            default
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct DepartmentDraft {
    pub code: String,
    pub name: String,
    pub category: String,
    pub online: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub category: String,
    pub online: bool,
}

pub fn department(d: &DepartmentDraft) -> Result<Department, Vec<FieldError>> {
    let mut e = Vec::new();
    let v = Department {
        code: code("code", "科室编码", &d.code, &mut e),
        name: text("name", "科室名称", &d.name, 50, true, &mut e),
        category: text("category", "科室类别", &d.category, 30, false, &mut e),
        online: flag("online", &d.online, true, &mut e),
    };
    if e.is_empty() { Ok(v) } else { Err(e) }
}

#[derive(Clone, Debug, Default)]
pub struct DoctorDraft {
    pub code: String,
    pub name: String,
    pub department_code: String,
    pub title: String,
    pub specialty: String,
    pub online_clinic: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Doctor {
    pub code: String,
    pub name: String,
    pub department_code: String,
    pub title: String,
    pub specialty: String,
    pub online_clinic: bool,
}

pub fn doctor(d: &DoctorDraft) -> Result<Doctor, Vec<FieldError>> {
    let mut e = Vec::new();
    let title = d.title.trim().to_string();
    if !TITLES.contains(&title.as_str()) {
        e.push(FieldError::new("title", format!("职称“{title}”无效，应为：{}", TITLES.join("、"))));
    }
    let v = Doctor {
        code: code("code", "医生工号", &d.code, &mut e),
        name: text("name", "医生姓名", &d.name, 50, true, &mut e),
        department_code: code("department_code", "科室编码", &d.department_code, &mut e),
        title,
        specialty: text("specialty", "擅长", &d.specialty, 200, false, &mut e),
        online_clinic: flag("online_clinic", &d.online_clinic, true, &mut e),
    };
    if e.is_empty() { Ok(v) } else { Err(e) }
}

#[derive(Clone, Debug, Default)]
pub struct PatientDraft {
    pub external_id: String,
    pub name: String,
    pub sex: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub channel: String,
    pub registered_at: String,
}

#[derive(Clone, Debug)]
pub struct Patient {
    pub external_id: Option<String>,
    pub name: String,
    pub sex: Sex,
    pub birth: Option<LocalDay>,
    pub id_number: Option<IdCardNumber>,
    pub phone: Option<Phone>,
    pub channel: String,
    pub registered_at: Option<Instant>,
}

pub fn parse_sex(s: &str) -> Option<Sex> {
    match s.trim().to_lowercase().as_str() {
        "男" | "m" | "male" => Some(Sex::Male),
        "女" | "f" | "female" => Some(Sex::Female),
        _ => None,
    }
}

pub fn patient(d: &PatientDraft, today: LocalDay) -> Result<Patient, Vec<FieldError>> {
    let mut e = Vec::new();
    let name = text("name", "姓名", &d.name, 50, true, &mut e);
    let external_id = d.external_id.trim();
    if external_id.chars().count() > 64 {
        e.push(FieldError::new("external_id", "外部编号不能超过 64 个字符"));
    }
    let id_number = match d.id_number.trim() {
        "" => None,
        s => match IdCardNumber::parse(s, today) {
            Ok(n) => Some(n),
            Err(err) => {
                e.push(FieldError::new("id_number", err.to_string()));
                None
            }
        },
    };
    let phone = match d.phone.trim() {
        "" => None,
        s => match Phone::parse(s) {
            Ok(p) => Some(p),
            Err(err) => {
                e.push(FieldError::new("phone", err.to_string()));
                None
            }
        },
    };
    let typed_sex = match d.sex.trim() {
        "" => None,
        s => match parse_sex(s) {
            Some(x) => Some(x),
            None => {
                e.push(FieldError::new("sex", format!("性别应为“男”或“女”，而不是“{s}”")));
                None
            }
        },
    };
    let typed_birth = match d.birth_date.trim() {
        "" => None,
        s => match LocalDay::parse(s) {
            Ok(day) if day > today => {
                e.push(FieldError::new("birth_date", "出生日期不能晚于今天"));
                None
            }
            Ok(day) => Some(day),
            Err(err) => {
                e.push(FieldError::new("birth_date", err.to_string()));
                None
            }
        },
    };
    // The ID number is authoritative for sex and birth date; a contradicting column is an error.
    let (sex, birth) = match &id_number {
        Some(n) => {
            if typed_sex.is_some_and(|s| s != n.sex()) {
                e.push(FieldError::new("sex", "性别与身份证号不一致"));
            }
            if typed_birth.is_some_and(|b| b != n.birth_date()) {
                e.push(FieldError::new("birth_date", "出生日期与身份证号不一致"));
            }
            (Some(n.sex()), Some(n.birth_date()))
        }
        None => {
            if typed_sex.is_none() && d.sex.trim().is_empty() && d.id_number.trim().is_empty() {
                e.push(FieldError::new("sex", "未填身份证号时须填写性别"));
            }
            (typed_sex, typed_birth)
        }
    };
    let registered_at = match d.registered_at.trim() {
        "" => None,
        s => match Instant::parse(s) {
            Ok(t) => Some(t),
            Err(err) => {
                e.push(FieldError::new("registered_at", err.to_string()));
                None
            }
        },
    };
    let channel = text("channel", "来源渠道", &d.channel, 30, false, &mut e);
    match (e.is_empty(), sex) {
        (true, Some(sex)) => Ok(Patient {
            external_id: (!external_id.is_empty()).then(|| external_id.to_string()),
            name,
            sex,
            birth,
            id_number,
            phone,
            channel,
            registered_at,
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> LocalDay {
        LocalDay::parse("2026-11-22").unwrap()
    }

    fn draft(name: &str, sex: &str, id: &str, phone: &str) -> PatientDraft {
        PatientDraft { name: name.into(), sex: sex.into(), id_number: id.into(), phone: phone.into(), ..Default::default() }
    }

    fn fields(r: Result<Patient, Vec<FieldError>>) -> Vec<String> {
        r.err().unwrap_or_default().into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn patient_cases() {
        let ok = patient(&draft("张三", "", "11010519491231002X", "138 1234 5678"), today()).unwrap();
        assert_eq!(ok.sex, Sex::Female);
        assert_eq!(ok.phone.unwrap().as_str(), "13812345678");
        assert_eq!(ok.birth.unwrap().to_string(), "1949-12-31");
        let cases: &[(PatientDraft, &[&str])] = &[
            (draft("", "", "11010519491231002X", ""), &["name"]),
            (draft("李四", "", "110105194912310021", ""), &["id_number"]),
            (draft("李四", "男", "11010519491231002X", ""), &["sex"]),
            (draft("李四", "", "", ""), &["sex"]),
            (draft("李四", "未知", "", ""), &["sex"]),
            (draft("李四", "女", "", "12345"), &["phone"]),
            (draft("", "x", "123", "abc"), &["name", "id_number", "phone", "sex"]),
        ];
        for (d, expected) in cases {
            let mut got = fields(patient(d, today()));
            got.sort();
            let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(got, want, "{d:?}");
        }
        let mut d = draft("王五", "男", "", "");
        d.birth_date = "2030-01-01".into();
        assert_eq!(fields(patient(&d, today())), vec!["birth_date"]);
        d.birth_date = "1980-02-30".into();
        assert_eq!(fields(patient(&d, today())), vec!["birth_date"]);
        d.birth_date = "1980-02-28".into();
        d.registered_at = "yesterday".into();
        assert_eq!(fields(patient(&d, today())), vec!["registered_at"]);
    }

    #[test]
    fn doctor_and_department_rules() {
        let d = DoctorDraft {
            code: "D001".into(),
            name: "王医生".into(),
            department_code: "CARD".into(),
            title: "主任医师".into(),
            ..Default::default()
        };
        assert!(doctor(&d).unwrap().online_clinic);
        let bad = DoctorDraft { code: "有空格 1".into(), title: "教授".into(), online_clinic: "也许".into(), ..Default::default() };
        let mut f: Vec<_> = doctor(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        f.sort();
        assert_eq!(f, vec!["code", "department_code", "name", "online_clinic", "title"]);
        assert!(
            department(&DepartmentDraft {
                code: "CARD".into(), name: "心血管内科".into(), online: "否".into(), ..Default::default()
            })
            .is_ok_and(|d| !d.online)
        );
        assert!(department(&DepartmentDraft::default()).is_err());
    }
}
