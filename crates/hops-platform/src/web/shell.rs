//! The console's frame: navigation assembled from the modules, the signed-in user, CSRF token
//! and idle timeout, handed to every page template as `shell`.

use crate::accounts::model::Permission;
use crate::accounts::service::SessionInfo;

use super::AppState;

/// Sections of the navigation, in SPEC order. A section shows only when a module put an item
/// in it that the user may open, so modules not built yet are not shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Overview,
    Analytics,
    Desk,
    Checkup,
    Care,
    Promotion,
    Delivery,
    MasterData,
    System,
}

impl Section {
    pub fn label_zh(self) -> &'static str {
        match self {
            Section::Overview => "工作台",
            Section::Analytics => "运营数据",
            Section::Desk => "客服中心",
            Section::Checkup => "体检预约",
            Section::Care => "全病程管理",
            Section::Promotion => "推广与内容",
            Section::Delivery => "交付管理",
            Section::MasterData => "基础数据",
            Section::System => "系统管理",
        }
    }
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub section: Section,
    pub label: &'static str,
    pub href: &'static str,
    pub permission: Permission,
}

pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
    pub active: bool,
    /// What waits for the user there (see [`super::work`]).
    pub badge: Option<super::work::NavBadge>,
}

pub struct NavGroup {
    pub title: &'static str,
    pub links: Vec<NavLink>,
}

/// What every console page template receives as `shell`.
pub struct Shell {
    pub title: String,
    pub nav: Vec<NavGroup>,
    pub user_name: String,
    pub role_label: &'static str,
    pub hospital_name: String,
    pub csrf: String,
    pub idle_seconds: i64,
    pub flash: Option<String>,
    pub asset_version: &'static str,
    /// The SMS, WeChat and WeChat Pay sandboxes are on (`HOPS_SANDBOX`): every console page says so.
    pub sandbox: bool,
    /// Unread in-app messages: the bell in the header.
    pub unread: i64,
}

impl Shell {
    pub(crate) fn new(state: &AppState, session: &SessionInfo, title: String, path: &str, unread: i64, work: &super::Work) -> Shell {
        let access = &session.access;
        let visible: Vec<&NavItem> = state.nav().iter().filter(|i| access.can(i.permission)).collect();
        // The active link is the longest href that prefixes the path.
        let active = visible
            .iter()
            .filter(|i| path == i.href || (i.href != "/" && path.starts_with(i.href)))
            .max_by_key(|i| i.href.len())
            .map(|i| i.href);
        let mut nav: Vec<NavGroup> = Vec::new();
        let mut sections: Vec<Section> = visible.iter().map(|i| i.section).collect();
        sections.sort();
        sections.dedup();
        for s in sections {
            let links = visible
                .iter()
                .filter(|i| i.section == s)
                .map(|i| NavLink { label: i.label, href: i.href, active: Some(i.href) == active, badge: work.badge(i.href) })
                .collect();
            nav.push(NavGroup { title: s.label_zh(), links });
        }
        let actor = access.actor();
        Shell {
            title,
            nav,
            user_name: actor.display_name.clone(),
            role_label: actor.role.map(|r| r.label_zh()).unwrap_or("系统"),
            hospital_name: session.hospital_name.clone(),
            csrf: session.csrf.clone(),
            idle_seconds: session.idle_seconds,
            flash: None,
            asset_version: env!("CARGO_PKG_VERSION"),
            sandbox: access.core().config.sandbox,
            unread,
        }
    }

    /// The bell's count as shown: `99+` above 99.
    pub fn unread_label(&self) -> String {
        if self.unread > 99 { "99+".into() } else { self.unread.to_string() }
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Self {
        self.flash = flash;
        self
    }
}

/// A headline figure on the home dashboard.
#[derive(Clone, Debug)]
pub struct Tile {
    pub label: String,
    pub value: String,
    pub sub: String,
    pub href: String,
}

/// A chart panel on the home dashboard.
#[derive(Clone, Debug)]
pub struct ChartPanel {
    pub title: String,
    pub subtitle: String,
    /// Inline SVG from `charts`.
    pub svg: String,
    pub href: String,
}

/// Paging of a list: `?page=N` (1-based), fixed page size.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub fn new(page: Option<i64>, per_page: i64) -> Paging {
        Paging { page: page.unwrap_or(1).max(1), per_page }
    }
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// The pager under a table.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list URL with its filters and without `page`, e.g. `/patients?q=张`.
    pub fn new(paging: Paging, total: i64, base: &str) -> Pager {
        Pager::named(paging, total, base, "page")
    }

    /// A pager whose page number travels as `param` (a second list on one page pages on its own).
    pub fn named(paging: Paging, total: i64, base: &str, param: &str) -> Pager {
        let pages = ((total + paging.per_page - 1) / paging.per_page).max(1);
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |p: i64| format!("{base}{sep}{param}={p}");
        Pager {
            page: paging.page,
            pages,
            total,
            prev: (paging.page > 1).then(|| link(paging.page - 1)),
            next: (paging.page < pages).then(|| link(paging.page + 1)),
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group_digits(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits() {
        assert_eq!(super::group_digits(0), "0");
        assert_eq!(super::group_digits(1234), "1,234");
        assert_eq!(super::group_digits(50_000), "50,000");
        assert_eq!(super::group_digits(-1_234_567), "-1,234,567");
    }
}
