//! Group checkups as pure data: group cards (plans) and who pays what for an order, the people
//! an employer lists, and booking progress per employer.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::Money;

use crate::catalogue::model::{Catalogue, Priced, Source};

/// What a group card covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardKind {
    /// The plan's package.
    Fixed,
    /// Items of the person's choice up to a budget (whole items, in order).
    Amount { budget: Money },
    /// The package plus up to `pick` items (all, when `None`) chosen from `items`.
    Menu { items: Vec<String>, pick: Option<u32> },
}

impl CardKind {
    pub fn code(&self) -> &'static str {
        match self {
            CardKind::Fixed => "fixed",
            CardKind::Amount { .. } => "amount",
            CardKind::Menu { .. } => "menu",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            CardKind::Fixed => "固定套餐卡",
            CardKind::Amount { .. } => "金额卡",
            CardKind::Menu { .. } => "自选卡",
        }
    }
}

/// Who pays a plan's orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payer {
    /// The employer pays what the card covers; the person pays add-ons at the discount.
    Employer,
    /// The person pays every item at `pct` percent of its price (family plans).
    Person { pct: u32 },
}

/// A group card an employer hands out (团检卡).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub employer: String,
    pub code: String,
    pub name: String,
    pub kind: CardKind,
    /// The package every order of this card starts from.
    pub package: String,
    pub payer: Payer,
}

/// An employer's discounts on add-on items the person pays: a default percentage of the list
/// price and per-item overrides (100 = no discount).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discounts {
    pub default_pct: u32,
    pub per_item: BTreeMap<String, u32>,
}

impl Discounts {
    pub fn pct(&self, item: &str) -> u32 {
        self.per_item.get(item).copied().unwrap_or(self.default_pct)
    }
}

/// `pct` percent of `m`, rounded half up to the fen.
pub fn percent(m: Money, pct: u32) -> Money {
    Money((m.fen() * i64::from(pct) + 50).div_euclid(100))
}

/// One item of an order and who pays for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub item: String,
    /// The price the order charges for the item (package share or list price).
    pub price: Money,
    pub employer: Money,
    pub person: Money,
}

/// Who pays what for an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub lines: Vec<Line>,
    pub employer: Money,
    pub person: Money,
}

/// Splits a priced order between the employer and the person under a plan.
///
/// - fixed: the employer pays the package's items; added items are the person's, discounted;
/// - amount: items are covered in order (package items first) while they fit whole in what is
///   left of the budget; those that do not fit are the person's, discounted;
/// - menu: the employer pays the package's items and the first `pick` added items of the menu;
///   other added items are the person's, discounted;
/// - a person-paid plan: the person pays every item at the plan's percentage.
pub fn split(priced: &Priced, plan: &Plan, discounts: &Discounts) -> Split {
    let mut lines = Vec::with_capacity(priced.items.len());
    let mut budget_left = match &plan.kind {
        CardKind::Amount { budget } => budget.fen(),
        _ => 0,
    };
    let mut picks_left = match &plan.kind {
        CardKind::Menu { pick, .. } => pick.map_or(u32::MAX, |p| p),
        _ => 0,
    };
    // Package items first, then added ones, each in the order the order lists them.
    let ordered = priced.items.iter().filter(|i| i.2 == Source::Package).chain(priced.items.iter().filter(|i| i.2 == Source::Added));
    for (item, price, source) in ordered {
        let covered = match (plan.payer, &plan.kind) {
            (Payer::Person { .. }, _) => false,
            (Payer::Employer, CardKind::Fixed) => *source == Source::Package,
            (Payer::Employer, CardKind::Amount { .. }) => {
                let fits = price.fen() <= budget_left;
                if fits {
                    budget_left -= price.fen();
                }
                fits
            }
            (Payer::Employer, CardKind::Menu { items, .. }) => {
                *source == Source::Package
                    || (items.iter().any(|m| m == item) && picks_left > 0 && {
                        picks_left -= 1;
                        true
                    })
            }
        };
        let (employer, person) = match (covered, plan.payer) {
            (true, _) => (*price, Money(0)),
            (false, Payer::Person { pct }) => (Money(0), percent(*price, pct)),
            (false, Payer::Employer) => (Money(0), percent(*price, discounts.pct(item))),
        };
        lines.push(Line { item: item.clone(), price: *price, employer, person });
    }
    let employer = Money(lines.iter().map(|l| l.employer.fen()).sum());
    let person = Money(lines.iter().map(|l| l.person.fen()).sum());
    Split { lines, employer, person }
}

/// Checks a plan against the catalogue: its package exists, budgets are positive, menu items
/// exist, percentages are within 0–100. Returns (field, message) pairs.
pub fn check_plan(plan: &Plan, cat: &Catalogue) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if plan.name.trim().is_empty() || plan.name.chars().count() > 40 {
        out.push(("name", "请填写卡名称（不超过 40 个字）".to_string()));
    }
    if !cat.packages.contains_key(&plan.package) {
        out.push(("package", format!("套餐 {} 不存在", plan.package)));
    }
    match &plan.kind {
        CardKind::Fixed => {}
        CardKind::Amount { budget } => {
            if budget.fen() <= 0 {
                out.push(("budget", "金额卡的额度须大于 0".to_string()));
            }
        }
        CardKind::Menu { items, pick } => {
            if items.is_empty() {
                out.push(("menu_items", "自选卡须列出可选项目".to_string()));
            }
            let unknown: Vec<&str> = items.iter().filter(|i| !cat.items.contains_key(*i)).map(String::as_str).collect();
            if !unknown.is_empty() {
                out.push(("menu_items", format!("可选项目不存在：{}", unknown.join("、"))));
            }
            let distinct: BTreeSet<&String> = items.iter().collect();
            if distinct.len() != items.len() {
                out.push(("menu_items", "可选项目有重复".to_string()));
            }
            if pick.is_some_and(|p| p == 0 || p as usize > items.len()) {
                out.push(("menu_pick", format!("可选数量须在 1 到 {} 之间", items.len())));
            }
        }
    }
    if let Payer::Person { pct } = plan.payer
        && pct > 100
    {
        out.push(("person_pct", "自付比例须在 0–100 之间".to_string()));
    }
    out
}

/// How a listed person relates to the employer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Employee,
    Spouse,
    Child,
    Parent,
    Other,
}

impl Relation {
    pub const ALL: [Relation; 5] = [Relation::Employee, Relation::Spouse, Relation::Child, Relation::Parent, Relation::Other];

    pub fn code(self) -> &'static str {
        match self {
            Relation::Employee => "self",
            Relation::Spouse => "spouse",
            Relation::Child => "child",
            Relation::Parent => "parent",
            Relation::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Relation::Employee => "本人",
            Relation::Spouse => "配偶",
            Relation::Child => "子女",
            Relation::Parent => "父母",
            Relation::Other => "其他亲属",
        }
    }

    /// From a code or its Chinese label (as a spreadsheet has it); blank is the employee.
    pub fn parse(s: &str) -> Option<Relation> {
        let s = s.trim();
        if s.is_empty() || s == "员工" {
            return Some(Relation::Employee);
        }
        Relation::ALL.into_iter().find(|r| r.code() == s || r.label_zh() == s)
    }
}

hops_kernel::coded! {
    /// Where a listed person stands with their checkup.
    #[derive(PartialOrd, Ord)]
    pub Progress {
        NotBooked = "not_booked", "未预约";
        /// Holds a booking (paid or not), not yet checked in.
        Booked = "booked", "已预约";
        CheckedIn = "checked_in", "已签到";
        Completed = "completed", "已完成";
    }
}

impl Progress {
    /// A person's progress from the statuses of their bookings (the furthest one counts;
    /// cancelled, expired and refunded bookings count as none).
    pub fn of(statuses: &[crate::booking::model::Status]) -> Progress {
        use crate::booking::model::Status as S;
        statuses
            .iter()
            .map(|s| match s {
                S::PendingPayment | S::Paid => Progress::Booked,
                S::CheckedIn => Progress::CheckedIn,
                S::Completed => Progress::Completed,
                S::Cancelled | S::Expired | S::Refunded => Progress::NotBooked,
            })
            .max()
            .unwrap_or(Progress::NotBooked)
    }
}

/// The group card number handed to a listed person: `GC-`, the employer code, the person's id.
pub fn card_number(employer: &str, id: i64) -> String {
    format!("GC-{}-{id}", employer.to_uppercase())
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
