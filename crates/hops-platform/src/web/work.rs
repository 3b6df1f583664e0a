//! 我的待办: what waits for the signed-in user, gathered from the platform (the approvals of
//! `flow`) and from every module ([`super::Module::work`]). The home page shows it first; the
//! navigation shows each entry's count as a badge. Each source reads its own counts (a bounded
//! query or two, within the user's permissions and data scope); the result is remembered per
//! user for a few seconds ([`crate::memo`]: every change of the hospital clears it), because
//! every console page asks for the badges. A source that fails is logged and left out — the page
//! still shows, and says the list may be incomplete.

use std::sync::Arc;

use super::AppState;
use crate::core::Access;

/// One kind of work waiting for the user: what, how many (of which how many are past their due
/// time, and how many are due later today), and where it is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItem {
    /// What waits, as the user says it: 我的工单, 今日回访, 待我审批.
    pub label: String,
    pub count: i64,
    /// The measure word after the count: 件, 通, 篇, 项.
    pub unit: &'static str,
    /// Of `count`, past their due time by the module's own clock (an SLA, a call's day).
    pub overdue: i64,
    /// How overdue ones are called: 已超时 (an SLA), 已逾期 (a day).
    pub overdue_label: &'static str,
    /// Of `count`, due later today (not overdue).
    pub due_today: i64,
    /// A line saying more (the kinds of approvals, the steps of complaints); may be empty.
    pub note: String,
    /// Where the work is done, filtered to these items where the page can.
    pub href: String,
    /// The navigation entry (its `href`) whose badge counts these items.
    pub nav: Option<&'static str>,
}

impl WorkItem {
    pub fn new(label: impl Into<String>, count: i64, unit: &'static str, href: impl Into<String>) -> WorkItem {
        WorkItem {
            label: label.into(),
            count,
            unit,
            overdue: 0,
            overdue_label: "已逾期",
            due_today: 0,
            note: String::new(),
            href: href.into(),
            nav: None,
        }
    }

    /// How many are overdue (called `label`) and how many are due later today.
    pub fn due(mut self, overdue: i64, label: &'static str, due_today: i64) -> WorkItem {
        self.overdue = overdue;
        self.overdue_label = label;
        self.due_today = due_today;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> WorkItem {
        self.note = note.into();
        self
    }

    /// Counted on the badge of the navigation entry `href`.
    pub fn in_nav(mut self, href: &'static str) -> WorkItem {
        self.nav = Some(href);
        self
    }
}

/// The count on a navigation entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavBadge {
    pub count: i64,
    pub overdue: i64,
}

impl NavBadge {
    /// As shown: `99+` above 99.
    pub fn text(&self) -> String {
        if self.count > 99 { "99+".into() } else { self.count.to_string() }
    }

    /// What a screen reader says.
    pub fn describe(&self) -> String {
        if self.overdue > 0 {
            format!("{} 项待办，其中 {} 项已逾期", self.count, self.overdue)
        } else {
            format!("{} 项待办", self.count)
        }
    }
}

/// Everything waiting for one user.
#[derive(Clone, Debug, Default)]
pub struct Work {
    pub items: Vec<WorkItem>,
    /// A source could not be read (logged): the list may be incomplete.
    pub incomplete: bool,
}

impl Work {
    /// How many things wait, all kinds together.
    pub fn total(&self) -> i64 {
        self.items.iter().map(|w| w.count).sum()
    }

    /// The kinds with something waiting, in the sources' order.
    pub fn busy(&self) -> Vec<&WorkItem> {
        self.items.iter().filter(|w| w.count > 0).collect()
    }

    /// The kinds with nothing waiting now.
    pub fn idle(&self) -> Vec<&WorkItem> {
        self.items.iter().filter(|w| w.count == 0).collect()
    }

    /// The badge of the navigation entry `href`: the items counted there, when any wait.
    pub fn badge(&self, href: &str) -> Option<NavBadge> {
        let mine = self.items.iter().filter(|w| w.nav == Some(href));
        let (count, overdue) = mine.fold((0, 0), |(c, o), w| (c + w.count, o + w.overdue));
        (count > 0).then_some(NavBadge { count, overdue })
    }
}

/// The signed-in user's work, remembered a few seconds per user.
pub async fn of(state: &AppState, access: &Access) -> Arc<Work> {
    let Some(user) = access.actor().user_id else {
        return Arc::new(Work::default());
    };
    let key = format!("work:{}", user.0);
    let memo = &access.core().memo;
    if let Some(work) = memo.get::<Work>(access.hospital(), &key) {
        return work;
    }
    let mut work = Work::default();
    let mut add = |source: &str, r: crate::error::Result<Vec<WorkItem>>| match r {
        Ok(items) => work.items.extend(items),
        Err(e) => {
            tracing::warn!(source, error = %e, "work items not counted");
            work.incomplete = true;
        }
    };
    add("approvals", crate::flow::web::work(access).await);
    for m in state.modules() {
        add(m.name(), m.work(access).await);
    }
    let work = Arc::new(work);
    memo.put(access.hospital(), &key, work.clone());
    work
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn badges_add_up_the_items_of_their_entry() {
        let work = Work {
            items: vec![
                WorkItem::new("我的工单", 3, "件", "/desk/tickets?queue=mine").due(1, "已超时", 1).in_nav("/desk/tickets"),
                WorkItem::new("待领取工单", 2, "件", "/desk/tickets?queue=unassigned").in_nav("/desk/tickets"),
                WorkItem::new("升级给我", 4, "件", "/desk/tickets?queue=escalated"),
                WorkItem::new("今日回访", 0, "通", "/desk/followup?due=today").in_nav("/desk/followup"),
            ],
            incomplete: false,
        };
        assert_eq!(work.badge("/desk/tickets"), Some(NavBadge { count: 5, overdue: 1 }));
        assert_eq!(work.badge("/desk/followup"), None, "nothing waiting: no badge");
        assert_eq!(work.badge("/approvals"), None);
        assert_eq!(work.total(), 9);
        assert_eq!(work.busy().len(), 3);
        assert_eq!(work.idle()[0].label, "今日回访");
        assert_eq!(NavBadge { count: 120, overdue: 0 }.text(), "99+");
        assert_eq!(NavBadge { count: 5, overdue: 1 }.describe(), "5 项待办，其中 1 项已逾期");
    }
}
