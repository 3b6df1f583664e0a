//! The centre's details and their checks. Pure.

use hops_platform::FieldError;

/// Where patients go for their checkup.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Centre {
    pub name: String,
    pub address: String,
    /// A landline or mobile number patients may call (shown in full: it is the hospital's).
    pub phone: String,
    /// When to arrive (e.g. 07:30–10:00 空腹到检).
    pub arrival: String,
    /// How to get there (parking, entrance, floor).
    pub directions: String,
}

impl Centre {
    /// A link that opens the address in a map app or the browser (AMap's URI API, keyword
    /// search: no coordinates to keep).
    pub fn map_url(&self) -> String {
        let q = format!("{} {}", self.name, self.address);
        format!("https://uri.amap.com/search?keyword={}", hops_platform::web::pages::url_encode(q.trim()))
    }

    /// The number as a `tel:` link target (digits, `+` and `-` only).
    pub fn tel(&self) -> String {
        self.phone.chars().filter(|c| c.is_ascii_digit() || *c == '+' || *c == '-').collect()
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Checks the details as typed (trimmed); every problem at its field.
pub fn check(draft: &Centre) -> Result<Centre, Vec<FieldError>> {
    let c = Centre {
        name: draft.name.trim().to_string(),
        address: draft.address.trim().to_string(),
        phone: draft.phone.trim().to_string(),
        arrival: draft.arrival.trim().to_string(),
        directions: draft.directions.trim().to_string(),
    };
    let mut errors = Vec::new();
    if c.name.is_empty() || chars(&c.name) > 40 {
        errors.push(FieldError::new("name", "请填写体检中心名称（最多 40 字）"));
    }
    if chars(&c.address) < 5 || chars(&c.address) > 120 {
        errors.push(FieldError::new("address", "请填写完整地址（5–120 字），如 北京市朝阳区某某路 1 号门诊楼 3 层"));
    }
    let digits = c.phone.chars().filter(char::is_ascii_digit).count();
    let allowed = c.phone.chars().all(|ch| ch.is_ascii_digit() || " -+()转".contains(ch));
    if !c.phone.is_empty() && (!allowed || !(7..=20).contains(&digits)) {
        errors.push(FieldError::new("phone", "咨询电话应为 7–20 位数字，可含区号和 -，如 010-12345678"));
    }
    if chars(&c.arrival) > 100 {
        errors.push(FieldError::new("arrival", "到检时间说明最多 100 字"));
    }
    if chars(&c.directions) > 300 {
        errors.push(FieldError::new("directions", "交通指引最多 300 字"));
    }
    if errors.is_empty() { Ok(c) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_checked_at_their_fields() {
        let ok = Centre {
            name: " 示范医院体检中心 ".into(),
            address: "北京市朝阳区示范路 1 号 门诊楼 3 层".into(),
            phone: "010-8888 6666".into(),
            arrival: "07:30–10:00 空腹到检".into(),
            directions: String::new(),
        };
        let c = check(&ok).unwrap();
        assert_eq!(c.name, "示范医院体检中心");
        assert_eq!(c.tel(), "010-88886666");
        assert!(c.map_url().starts_with("https://uri.amap.com/search?keyword=%E7%A4%BA"), "{}", c.map_url());
        let bad = Centre {
            name: String::new(),
            address: "北京".into(),
            phone: "12ab".into(),
            arrival: "x".repeat(101),
            directions: String::new(),
        };
        let fields: Vec<String> = check(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "address", "phone", "arrival"]);
        assert!(check(&Centre { phone: String::new(), ..ok }).is_ok(), "the phone may be left out");
    }
}
