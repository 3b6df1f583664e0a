//! Invoice requests as pure data: title kinds, statuses, which bookings may be invoiced, and the
//! checks of a request — the 统一社会信用代码 of a company title (GB 32100-2015 check
//! character), the name of a personal one, the e-mail address — and of an e-invoice number.

use hops_platform::FieldError;

use crate::booking::model::Status as BookingStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TitleKind {
    /// 个人
    Personal,
    /// 单位 (company, institution), with its 统一社会信用代码 as tax number.
    Company,
}

impl TitleKind {
    pub const ALL: [TitleKind; 2] = [TitleKind::Personal, TitleKind::Company];

    pub fn code(self) -> &'static str {
        match self {
            TitleKind::Personal => "personal",
            TitleKind::Company => "company",
        }
    }

    pub fn from_code(s: &str) -> Option<TitleKind> {
        match s.trim() {
            "personal" | "个人" => Some(TitleKind::Personal),
            "company" | "单位" | "企业" => Some(TitleKind::Company),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TitleKind::Personal => "个人",
            TitleKind::Company => "单位",
        }
    }
}

hops_kernel::coded! {
    /// An invoice request's state.
    pub InvoiceStatus {
        /// Asked for; the hospital's e-invoice system has not issued it yet.
        Requested = "requested", "待开票";
        Issued = "issued", "已开票";
        Cancelled = "cancelled", "已作废";
    }
}

impl InvoiceStatus {
    /// Requested or issued: the booking has its invoice request and takes no other.
    pub fn is_open(self) -> bool {
        self != InvoiceStatus::Cancelled
    }
}

/// Only money received is invoiced: paid, checked-in and completed bookings.
pub fn can_invoice(status: BookingStatus) -> bool {
    matches!(status, BookingStatus::Paid | BookingStatus::CheckedIn | BookingStatus::Completed)
}

/// What a person asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceDraft {
    pub title_kind: TitleKind,
    /// The person's name, or the company's registered name.
    pub title: String,
    /// 统一社会信用代码 of a company; empty for a person.
    pub tax_number: String,
    /// Where the e-invoice is sent.
    pub email: String,
}

impl InvoiceDraft {
    /// The draft as stored: spaces trimmed, the tax number in capitals (a person's none).
    pub fn normalized(&self) -> InvoiceDraft {
        InvoiceDraft {
            title_kind: self.title_kind,
            title: self.title.trim().to_string(),
            tax_number: match self.title_kind {
                TitleKind::Company => self.tax_number.trim().to_ascii_uppercase(),
                TitleKind::Personal => String::new(),
            },
            email: self.email.trim().to_string(),
        }
    }
}

/// Every problem of a request (normalised first), by field.
pub fn check_draft(d: &InvoiceDraft) -> Vec<FieldError> {
    let d = d.normalized();
    let mut out = Vec::new();
    let n = d.title.chars().count();
    match d.title_kind {
        TitleKind::Personal if n == 0 => out.push(FieldError::new("title", "个人抬头请填写姓名")),
        TitleKind::Personal if n > 30 || d.title.chars().any(|c| c.is_ascii_digit() || "<>&\"".contains(c)) => {
            out.push(FieldError::new("title", "个人抬头应为 30 个字以内的姓名，不含数字或特殊符号"))
        }
        TitleKind::Company if n < 2 => out.push(FieldError::new("title", "单位抬头请填写单位全称")),
        TitleKind::Company if n > 100 => out.push(FieldError::new("title", "单位名称不能超过 100 个字")),
        _ => {}
    }
    if d.title_kind == TitleKind::Company {
        if d.tax_number.is_empty() {
            out.push(FieldError::new("tax_number", "单位抬头须填写统一社会信用代码（纳税人识别号）"));
        } else if let Err(e) = check_credit_code(&d.tax_number) {
            out.push(FieldError::new("tax_number", e));
        }
    }
    if !email_ok(&d.email) {
        out.push(FieldError::new("email", "请填写正确的电子邮箱，电子发票将发送到该邮箱"));
    }
    out
}

/// The characters of a 统一社会信用代码, by value (GB 32100-2015: no I, O, S, V, Z).
const CREDIT_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 (3^(i-1) mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character (position 18) of the first 17 characters of a 统一社会信用代码.
pub fn credit_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(CREDIT_WEIGHTS) {
        sum += CREDIT_CHARS.find(c)? as u32 * w;
    }
    CREDIT_CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// Checks a 统一社会信用代码 (GB 32100-2015): 18 characters of digits and capitals without
/// I, O, S, V, Z; positions 3–8 an administrative division code (digits); position 18 the
/// check character of the first 17.
pub fn check_credit_code(code: &str) -> Result<(), String> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(format!("统一社会信用代码应为 18 位（现为 {} 位）", chars.len()));
    }
    if let Some(c) = chars.iter().find(|c| !CREDIT_CHARS.contains(**c)) {
        return Err(format!("统一社会信用代码含有无效字符「{c}」（不使用 I、O、S、V、Z）"));
    }
    if !chars[2..8].iter().all(char::is_ascii_digit) {
        return Err("统一社会信用代码第 3–8 位应为行政区划代码（数字）".into());
    }
    let first17: String = chars[..17].iter().collect();
    match credit_check_char(&first17) {
        Some(c) if c == chars[17] => Ok(()),
        _ => Err("统一社会信用代码校验位不正确，请核对".into()),
    }
}

/// A plain e-mail address: `local@domain.tld`, no spaces, at most 100 characters.
pub fn email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    email.len() <= 100 && local_ok && domain_ok
}

/// Checks the number of an issued e-invoice: 8–20 digits (全电发票 20, 普通电子发票 8).
pub fn check_invoice_number(number: &str) -> Result<String, String> {
    let n = number.trim();
    if (8..=20).contains(&n.len()) && n.chars().all(|c| c.is_ascii_digit()) {
        Ok(n.to_string())
    } else {
        Err("发票号码应为 8–20 位数字".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_of_real_companies_pass() {
        // Published codes: the GB 32100-2015 example, Tencent (深圳市腾讯计算机系统有限公司),
        // Huawei (华为技术有限公司), Xiaomi (小米科技有限责任公司), Baidu (百度在线网络技术（北京）有限公司).
        for code in ["91350100M000100Y43", "91440300708461136T", "914403001922038216", "91110108551385082Q", "91110000802100433B"] {
            assert_eq!(check_credit_code(code), Ok(()), "{code}");
            assert_eq!(credit_check_char(&code[..17]), code.chars().last(), "{code}");
        }
    }

    #[test]
    fn credit_code_problems_table() {
        let cases = [
            ("91350100M000100Y44", "统一社会信用代码校验位不正确，请核对"),
            ("91440300708461136X", "统一社会信用代码校验位不正确，请核对"),
            // Two characters swapped.
            ("91350100M000010Y43", "统一社会信用代码校验位不正确，请核对"),
            ("91350100M000100Y4", "统一社会信用代码应为 18 位（现为 17 位）"),
            ("91350100M000100Y431", "统一社会信用代码应为 18 位（现为 19 位）"),
            ("91350100M0001O0Y43", "统一社会信用代码含有无效字符「O」（不使用 I、O、S、V、Z）"),
            ("91350100m000100Y43", "统一社会信用代码含有无效字符「m」（不使用 I、O、S、V、Z）"),
            ("913A0100M000100Y43", "统一社会信用代码第 3–8 位应为行政区划代码（数字）"),
        ];
        for (code, message) in cases {
            assert_eq!(check_credit_code(code), Err(message.to_string()), "{code}");
        }
        assert_eq!(credit_check_char("123"), None);
    }

    #[test]
    fn emails_table() {
        for ok in ["a@b.cn", "zhang.san+invoice@example.com.cn", "x_y-z@mail-1.example.org"] {
            assert!(email_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.cn",
            "a@b",
            "a b@c.cn",
            "a@b..cn",
            "a@-b.cn",
            "a@b.c",
            "a@b.12",
            ".a@b.cn",
            "a..b@c.cn",
            "张三@b.cn",
            "a@b@c.cn",
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
    }

    #[test]
    fn drafts_table() {
        let draft = |kind, title: &str, tax: &str, email: &str| InvoiceDraft {
            title_kind: kind,
            title: title.into(),
            tax_number: tax.into(),
            email: email.into(),
        };
        use TitleKind::*;
        let cases: Vec<(InvoiceDraft, Vec<&str>)> = vec![
            (draft(Personal, "张三", "", "a@b.cn"), vec![]),
            // A person's tax number is not kept (nor checked).
            (draft(Personal, " 张三 ", "whatever", " a@b.cn "), vec![]),
            (draft(Company, "腾讯科技", " 91440300708461136t ", "fp@tencent.com"), vec![]),
            (draft(Personal, "", "", "a@b.cn"), vec!["title"]),
            (draft(Personal, "张3", "", "a@b.cn"), vec!["title"]),
            (draft(Company, "某", "", "bad"), vec!["title", "tax_number", "email"]),
            (draft(Company, "某某公司", "91350100M000100Y44", "a@b.cn"), vec!["tax_number"]),
        ];
        for (d, fields) in cases {
            let got: Vec<String> = check_draft(&d).into_iter().map(|f| f.field).collect();
            assert_eq!(got, fields, "{d:?}");
        }
        let n = draft(Company, " 腾讯 ", " 91440300708461136t ", " fp@tencent.com ").normalized();
        assert_eq!((n.title.as_str(), n.tax_number.as_str(), n.email.as_str()), ("腾讯", "91440300708461136T", "fp@tencent.com"));
        assert_eq!(draft(Personal, "张三", "110", "a@b.cn").normalized().tax_number, "");
    }

    #[test]
    fn statuses_and_numbers() {
        let cases = [
            (BookingStatus::PendingPayment, false),
            (BookingStatus::Paid, true),
            (BookingStatus::CheckedIn, true),
            (BookingStatus::Completed, true),
            (BookingStatus::Cancelled, false),
            (BookingStatus::Expired, false),
            (BookingStatus::Refunded, false),
        ];
        for (s, ok) in cases {
            assert_eq!(can_invoice(s), ok, "{s:?}");
        }
        for s in InvoiceStatus::ALL {
            assert_eq!(InvoiceStatus::from_code(s.code()), Some(s));
        }
        assert!(InvoiceStatus::Issued.is_open() && !InvoiceStatus::Cancelled.is_open());
        for k in TitleKind::ALL {
            assert_eq!(TitleKind::from_code(k.code()), Some(k));
            assert_eq!(TitleKind::from_code(k.label_zh()), Some(k));
        }
        assert_eq!(check_invoice_number(" 26330000000012345678 "), Ok("26330000000012345678".into()));
        assert_eq!(check_invoice_number("12345678"), Ok("12345678".into()));
        for bad in ["1234567", "123456789012345678901", "2633A000", ""] {
            assert!(check_invoice_number(bad).is_err(), "{bad}");
        }
    }
}
