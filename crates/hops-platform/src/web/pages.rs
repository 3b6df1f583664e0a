//! The platform's own routes and navigation entries.

use crate::accounts::model::Permission;

use super::routes::Routes;
use super::shell::{NavItem, Section};
use super::{admin_pages, auth_pages, ops};

pub fn routes() -> Routes {
    ops::routes().merge(auth_pages::routes()).merge(admin_pages::routes()).merge(crate::calendar::web::routes())
}

pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem { section: Section::Overview, label: "首页", href: "/", permission: Permission::DashboardView },
        NavItem { section: Section::System, label: "用户与角色", href: "/users", permission: Permission::UserManage },
        NavItem { section: Section::System, label: "审计日志", href: "/audit", permission: Permission::AuditRead },
        NavItem { section: Section::System, label: "后台任务", href: "/jobs", permission: Permission::JobsManage },
        NavItem { section: Section::System, label: "节假日安排", href: "/calendar", permission: Permission::CalendarManage },
        NavItem { section: Section::System, label: "医院（租户）", href: "/hospitals", permission: Permission::HospitalManage },
        NavItem { section: Section::System, label: "API 文档", href: "/api/docs", permission: Permission::DashboardView },
    ]
}

/// Percent-encodes a string for a query value.
pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const PDF: &str = "application/pdf";

/// A file download: `name` as the browser saves it (Chinese allowed, RFC 6266 `filename*`),
/// `ascii` for clients that only read `filename`.
pub fn download(content_type: &str, ascii: &str, name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    // form-urlencoding writes a space as `+` (a literal `+` as `%2B`); `filename*` wants `%20`.
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", url_encode(name).replace('+', "%20"));
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// An XLSX download: see [`download`].
pub fn xlsx(ascii: &str, name: &str, bytes: Vec<u8>) -> axum::response::Response {
    download(XLSX, ascii, name, bytes)
}

/// `text` as a QR code in SVG, at least `size` pixels square with its quiet zone (a check-in
/// code, an authenticator's enrolment link).
pub fn qr_svg(text: &str, size: u32) -> crate::error::Result<String> {
    let qr = qrcode::QrCode::new(text.as_bytes()).map_err(|e| crate::error::Error::Internal(anyhow::anyhow!("qr: {e}")))?;
    Ok(qr.render::<qrcode::render::svg::Color>().min_dimensions(size, size).quiet_zone(true).build())
}

/// `next` when it is a path on this site, else `None`: it starts with one `/`, and holds no
/// backslash, control character or white space. Browsers drop tabs and line breaks inside an
/// address and read `\` as `/`, so `/\t/evil.example` or `/\evil.example` would leave the site;
/// such a path is refused rather than cleaned up.
pub fn safe_path(next: &str) -> Option<&str> {
    let bad = |c: char| c == '\\' || c.is_control() || c.is_whitespace();
    (next.starts_with('/') && !next.starts_with("//") && !next.chars().any(bad)).then_some(next)
}

/// Only same-site relative paths are followed after login (no open redirects): see [`safe_path`].
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(safe_path).unwrap_or("/").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_the_file_for_every_browser() {
        let r = xlsx("report.xlsx", "月报 2026+1.xlsx", vec![1]);
        let d = r.headers()[axum::http::header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(d, "attachment; filename=\"report.xlsx\"; filename*=UTF-8''%E6%9C%88%E6%8A%A5%202026%2B1.xlsx");
        assert_eq!(r.headers()[axum::http::header::CONTENT_TYPE], XLSX);
    }

    #[test]
    fn next_is_never_an_open_redirect() {
        assert_eq!(safe_next(Some("/patients?q=1")), "/patients?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
        // What browsers strip or rewrite inside an address.
        for evil in
            ["/\t/evil.example/", "/\n/evil.example", "/\r/evil.example", "/ /evil.example", "/\u{0}/evil.example", "/\u{3000}/evil"]
        {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(Some("/patients?q=张三")), "/patients?q=张三");
    }
}
