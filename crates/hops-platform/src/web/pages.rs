//! The platform's own routes and navigation entries.

use crate::accounts::model::Permission;

use super::routes::Routes;
use super::shell::{NavItem, Section};
use super::{admin_pages, auth_pages, ops};

pub fn routes() -> Routes {
    ops::routes().merge(auth_pages::routes()).merge(admin_pages::routes())
}

pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem { section: Section::Overview, label: "首页", href: "/", permission: Permission::DashboardView },
        NavItem { section: Section::System, label: "用户与角色", href: "/users", permission: Permission::UserManage },
        NavItem { section: Section::System, label: "审计日志", href: "/audit", permission: Permission::AuditRead },
        NavItem { section: Section::System, label: "后台任务", href: "/jobs", permission: Permission::JobsManage },
        NavItem { section: Section::System, label: "医院（租户）", href: "/hospitals", permission: Permission::HospitalManage },
        NavItem { section: Section::System, label: "API 文档", href: "/api/docs", permission: Permission::DashboardView },
    ]
}

/// Percent-encodes a string for a query value.
pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
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
