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

/// Only same-site relative paths are followed after login (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
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
    }
}
