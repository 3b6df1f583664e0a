//! The checkup catalogue as pure data: items (项目), packages (套餐), rules, and who may take
//! them. Validation of a selection ([`validate`]) and the configuration audit
//! ([`crate::catalogue::audit`]) are functions of this data; nothing here does I/O.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::{Money, Sex};

/// Body parts items are grouped by on the patient pages (seed 004: 按身体部位分类体检项目).
pub const BODY_PARTS: [&str; 10] = ["一般检查", "头颈", "胸部", "腹部", "盆腔", "血液", "心血管", "骨骼", "内分泌", "其他"];

/// A marital-status restriction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Marital {
    #[default]
    Any,
    Married,
    Unmarried,
}

impl Marital {
    pub const ALL: [Marital; 3] = [Marital::Any, Marital::Married, Marital::Unmarried];

    pub fn code(self) -> &'static str {
        match self {
            Marital::Any => "any",
            Marital::Married => "married",
            Marital::Unmarried => "unmarried",
        }
    }

    pub fn from_code(s: &str) -> Option<Marital> {
        match s.trim() {
            "" | "any" | "不限" => Some(Marital::Any),
            "married" | "已婚" => Some(Marital::Married),
            "unmarried" | "未婚" => Some(Marital::Unmarried),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Marital::Any => "不限",
            Marital::Married => "已婚",
            Marital::Unmarried => "未婚",
        }
    }

    fn admits(self, married: bool) -> bool {
        match self {
            Marital::Any => true,
            Marital::Married => married,
            Marital::Unmarried => !married,
        }
    }
}

/// Who may take an item or a package: sex, an inclusive age range, marital status.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Applicability {
    pub sex: Option<Sex>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub marital: Marital,
}

impl Applicability {
    pub fn anyone() -> Applicability {
        Applicability::default()
    }

    pub fn is_restricted(&self) -> bool {
        *self != Applicability::default()
    }

    /// "女性、40–75 岁、已婚" — empty when unrestricted.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.sex {
            parts.push(format!("{}性", s.label_zh()));
        }
        match (self.min_age, self.max_age) {
            (Some(a), Some(b)) if a == b => parts.push(format!("{a} 岁")),
            (Some(a), Some(b)) => parts.push(format!("{a}–{b} 岁")),
            (Some(a), None) => parts.push(format!("{a} 岁及以上")),
            (None, Some(b)) => parts.push(format!("{b} 岁及以下")),
            (None, None) => {}
        }
        if self.marital != Marital::Any {
            parts.push(format!("{}者", self.marital.label_zh()));
        }
        parts.join("、")
    }

    /// Whether some person satisfies both restrictions.
    pub fn compatible(&self, other: &Applicability) -> bool {
        self.meet(other).is_some()
    }

    /// The restriction of someone who satisfies both, if anyone can.
    pub fn meet(&self, other: &Applicability) -> Option<Applicability> {
        let sex = match (self.sex, other.sex) {
            (Some(a), Some(b)) if a != b => return None,
            (a, b) => a.or(b),
        };
        let min_age = self.min_age.max(other.min_age);
        let max_age = match (self.max_age, other.max_age) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let (Some(lo), Some(hi)) = (min_age, max_age)
            && lo > hi
        {
            return None;
        }
        let marital = match (self.marital, other.marital) {
            (Marital::Any, m) | (m, Marital::Any) => m,
            (a, b) if a == b => a,
            _ => return None,
        };
        Some(Applicability { sex, min_age, max_age, marital })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub category: String,
    pub body_part: String,
    /// 检查意义.
    pub meaning: String,
    /// 适用人群.
    pub target_group: String,
    pub price: Money,
    pub applicability: Applicability,
    /// 检前须知, e.g. 空腹.
    pub preparation: String,
    /// A scarce resource with its own daily limit (胃肠镜, MRI), by resource code.
    pub resource: Option<String>,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub code: String,
    pub name: String,
    pub target_group: String,
    pub description: String,
    pub price: Money,
    pub applicability: Applicability,
    /// Item codes.
    pub items: Vec<String>,
    /// Booked from its own daily pool instead of the individual one (特殊套餐单独设置号源).
    pub special_pool: bool,
    pub active: bool,
}

impl Package {
    /// Whether someone the package is for — and, as far as `known` says, the person — can take
    /// `item`. The one rule of which items fit a package: the add-ons the patient pages offer
    /// ([`add_ons`]), the added items [`validate`] refuses (`not_for_package`), the recommended
    /// ones, and the audit's items that do not fit their package. `known` is
    /// [`Applicability::anyone`] when nothing is known of the person; what is known and
    /// contradicts the package itself narrows nothing (the booking refuses the package).
    pub fn fits(&self, item: &Item, known: &Applicability) -> bool {
        let who = self.applicability.meet(known).unwrap_or_else(|| self.applicability.clone());
        who.compatible(&item.applicability)
    }
}

/// The add-ons a package offers a person of whom `known` is known: the active items outside
/// the package that [`Package::fits`], in code order.
pub fn add_ons<'a>(cat: &'a Catalogue, package: &Package, known: &Applicability) -> Vec<&'a Item> {
    cat.items.values().filter(|i| i.active && !package.items.contains(&i.code) && package.fits(i, known)).collect()
}

/// A configuration rule between items.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The two items must not both be chosen (互斥).
    Exclusive(String, String),
    /// Choosing the first requires the second (依赖).
    Requires(String, String),
    /// Every order contains the item, for everyone it applies to (必检).
    Required(String),
}

impl Rule {
    pub fn kind_code(&self) -> &'static str {
        match self {
            Rule::Exclusive(..) => "exclusive",
            Rule::Requires(..) => "requires",
            Rule::Required(_) => "required",
        }
    }

    pub fn kind_label(&self) -> &'static str {
        match self {
            Rule::Exclusive(..) => "互斥",
            Rule::Requires(..) => "依赖",
            Rule::Required(_) => "必检",
        }
    }

    /// Builds a rule from its kind code and item codes; `None` for an unknown kind or a
    /// missing second item.
    pub fn from_parts(kind: &str, a: &str, b: Option<&str>) -> Option<Rule> {
        let (a, b) = (a.trim().to_string(), b.map(|b| b.trim().to_string()).filter(|b| !b.is_empty()));
        match (kind.trim(), b) {
            ("exclusive" | "互斥", Some(b)) => Some(Rule::Exclusive(a, b)),
            ("requires" | "依赖", Some(b)) => Some(Rule::Requires(a, b)),
            ("required" | "必检", None) => Some(Rule::Required(a)),
            _ => None,
        }
    }

    pub fn items(&self) -> Vec<&str> {
        match self {
            Rule::Exclusive(a, b) | Rule::Requires(a, b) => vec![a, b],
            Rule::Required(a) => vec![a],
        }
    }
}

/// A hospital's whole catalogue.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    pub items: BTreeMap<String, Item>,
    pub packages: BTreeMap<String, Package>,
    pub rules: Vec<Rule>,
}

impl Catalogue {
    /// "「胃镜」" — the item's name in quotes, or its code when unknown.
    pub fn label(&self, code: &str) -> String {
        format!("「{}」", self.items.get(code).map_or(code, |i| i.name.as_str()))
    }

    pub(crate) fn labels<'a>(&self, codes: impl IntoIterator<Item = &'a String>) -> String {
        codes.into_iter().map(|c| self.label(c)).collect::<Vec<_>>().join("、")
    }

    /// The items a choice of `code` pulls in by dependency, itself included.
    pub fn closure(&self, code: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut todo = vec![code.to_string()];
        while let Some(c) = todo.pop() {
            if out.insert(c.clone()) {
                for r in &self.rules {
                    if let Rule::Requires(a, b) = r
                        && *a == c
                    {
                        todo.push(b.clone());
                    }
                }
            }
        }
        out
    }
}

/// The person an order is for, as far as the rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    pub sex: Sex,
    pub age: u32,
    /// `None` when the person has not said.
    pub married: Option<bool>,
}

/// A choice of package and item changes (加项, 减项; a swap is both).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub package: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// One reason a selection cannot be ordered: a stable code, the items it concerns and a
/// Chinese message naming them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub code: &'static str,
    pub items: Vec<String>,
    pub message: String,
}

impl Violation {
    fn new(code: &'static str, items: &[&String], message: String) -> Violation {
        Violation { code, items: items.iter().map(|s| s.to_string()).collect(), message }
    }
}

/// Where an ordered item comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Package,
    Added,
}

/// A valid selection with its price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priced {
    /// Item code, price charged for it, source. Package items carry their share of the
    /// package price; added items their own price.
    pub items: Vec<(String, Money, Source)>,
    pub total: Money,
    /// Scarce resources the order needs, by resource code.
    pub resources: Vec<String>,
}

/// Checks a selection against the catalogue and, when known, the person; returns every
/// violation at once, or the priced order.
///
/// Price: the package price, less the package's own share for each removed item (the item's
/// list price scaled by package price ÷ sum of the package's list prices, so a removal never
/// refunds more than the package charged for it), plus each added item's list price.
pub fn validate(cat: &Catalogue, sel: &Selection, person: Option<&Profile>) -> Result<Priced, Vec<Violation>> {
    let mut v = Vec::new();
    let package = match cat.packages.get(sel.package.trim()) {
        Some(p) if p.active => Some(p),
        Some(p) => {
            v.push(Violation::new("package_inactive", &[], format!("套餐「{}」已下架", p.name)));
            None
        }
        None => {
            v.push(Violation::new("unknown_package", &[], format!("套餐 {} 不存在", sel.package.trim())));
            None
        }
    };
    let in_package: BTreeSet<String> = package.map(|p| p.items.iter().cloned().collect()).unwrap_or_default();
    let mut added = BTreeSet::new();
    // Added items that do not fit the package: refused once, for that reason only.
    let mut unfit = BTreeSet::new();
    for code in &sel.add {
        match cat.items.get(code) {
            None => v.push(Violation::new("unknown_item", &[code], format!("项目 {code} 不存在"))),
            Some(i) if !i.active => v.push(Violation::new("item_inactive", &[code], format!("项目「{}」已停用", i.name))),
            Some(_) if in_package.contains(code) => {
                v.push(Violation::new("already_included", &[code], format!("{}已包含在套餐中，无需加项", cat.label(code))))
            }
            Some(_) if !added.insert(code.clone()) => {
                v.push(Violation::new("duplicate_item", &[code], format!("{}重复加项", cat.label(code))))
            }
            Some(i) => {
                if let Some(p) = package.filter(|p| !p.fits(i, &Applicability::anyone())) {
                    let message = format!(
                        "{}仅适用于{}，与套餐「{}」的适用人群（{}）不符，不能加选",
                        cat.label(code),
                        i.applicability.describe(),
                        p.name,
                        p.applicability.describe()
                    );
                    v.push(Violation::new("not_for_package", &[code], message));
                    unfit.insert(code.clone());
                }
            }
        }
    }
    let mut removed = BTreeSet::new();
    for code in &sel.remove {
        if !cat.items.contains_key(code) {
            v.push(Violation::new("unknown_item", &[code], format!("项目 {code} 不存在")));
        } else if package.is_some() && !in_package.contains(code) {
            v.push(Violation::new("not_in_package", &[code], format!("{}不在套餐中，无法减项", cat.label(code))));
        } else {
            removed.insert(code.clone());
        }
    }
    let chosen: BTreeSet<String> = in_package.difference(&removed).chain(added.iter()).cloned().collect();

    if let (Some(p), Some(person)) = (package, person)
        && let Some(why) = refusal(&p.applicability, person)
    {
        v.push(Violation::new("package_not_applicable", &[], format!("套餐「{}」{why}", p.name)));
    }
    for rule in &cat.rules {
        match rule {
            Rule::Required(a) if !chosen.contains(a) => {
                let applies = match (cat.items.get(a), person) {
                    (Some(i), Some(p)) => refusal(&i.applicability, p).is_none(),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if applies {
                    let message = if removed.contains(a) {
                        format!("{}为必检项目，不能减去", cat.label(a))
                    } else {
                        format!("须包含必检项目{}", cat.label(a))
                    };
                    v.push(Violation::new("required", &[a], message));
                }
            }
            Rule::Exclusive(a, b) if chosen.contains(a) && chosen.contains(b) => {
                v.push(Violation::new("exclusive", &[a, b], format!("{}与{}不能同时选择", cat.label(a), cat.label(b))))
            }
            Rule::Requires(a, b) if chosen.contains(a) && !chosen.contains(b) => {
                let message = if removed.contains(b) {
                    format!("{}依赖{}，不能减去{}", cat.label(a), cat.label(b), cat.label(b))
                } else {
                    format!("选择{}须同时选择{}", cat.label(a), cat.label(b))
                };
                v.push(Violation::new("requires", &[a, b], message))
            }
            _ => {}
        }
    }
    if let Some(person) = person {
        for code in chosen.difference(&unfit) {
            if let Some(item) = cat.items.get(code)
                && let Some(why) = refusal(&item.applicability, person)
            {
                // Only the unstated marital status stands in the way: asking will settle it.
                let asking_helps =
                    refusal(&item.applicability, &Profile { married: Some(item.applicability.marital == Marital::Married), ..*person })
                        .is_none();
                let kind = if person.married.is_none() && asking_helps { "marital_unknown" } else { "not_applicable" };
                v.push(Violation::new(kind, &[code], format!("{}{why}", cat.label(code))));
            }
        }
    }
    if !v.is_empty() {
        v.sort();
        v.dedup();
        return Err(v);
    }
    let package = package.expect("a missing package is a violation");
    Ok(price(cat, package, &removed, &added))
}

/// Why `a` does not admit the person ("仅适用于女性（受检人为男性）"), or `None` if it does.
fn refusal(a: &Applicability, p: &Profile) -> Option<String> {
    let mut why = Vec::new();
    if let Some(s) = a.sex
        && s != p.sex
    {
        why.push(format!("仅适用于{}性（受检人为{}性）", s.label_zh(), p.sex.label_zh()));
    }
    let below = a.min_age.is_some_and(|m| p.age < m);
    let above = a.max_age.is_some_and(|m| p.age > m);
    if below || above {
        let range = Applicability { min_age: a.min_age, max_age: a.max_age, ..Applicability::default() }.describe();
        why.push(format!("适用年龄为 {range}（受检人 {} 岁）", p.age));
    }
    match (a.marital, p.married) {
        (Marital::Any, _) => {}
        (m, None) => why.push(format!("仅适用于{}者，请先填写婚姻状况", m.label_zh())),
        (m, Some(married)) if !m.admits(married) => why.push(format!("仅适用于{}者", m.label_zh())),
        _ => {}
    }
    if why.is_empty() { None } else { Some(why.join("；")) }
}

fn price(cat: &Catalogue, package: &Package, removed: &BTreeSet<String>, added: &BTreeSet<String>) -> Priced {
    let list: i64 = package.items.iter().filter_map(|c| cat.items.get(c)).map(|i| i.price.fen()).sum();
    // The package's own price of an item: its list price scaled by package price / list total,
    // rounded half up; the last item takes the rounding remainder so the shares add up exactly.
    let mut shares: Vec<(String, i64)> = Vec::with_capacity(package.items.len());
    let mut given = 0i64;
    for (n, code) in package.items.iter().enumerate() {
        let item_list = cat.items.get(code).map_or(0, |i| i.price.fen());
        let share = if n + 1 == package.items.len() {
            package.price.fen() - given
        } else if list == 0 {
            0
        } else {
            ((i128::from(item_list) * i128::from(package.price.fen()) * 2 + i128::from(list)) / (2 * i128::from(list))) as i64
        };
        given += share;
        shares.push((code.clone(), share));
    }
    let mut items: Vec<(String, Money, Source)> =
        shares.into_iter().filter(|(c, _)| !removed.contains(c)).map(|(c, s)| (c, Money(s), Source::Package)).collect();
    items.extend(added.iter().map(|c| (c.clone(), cat.items[c].price, Source::Added)));
    let total = Money(items.iter().map(|(_, m, _)| m.fen()).sum());
    let resources: BTreeSet<String> = items.iter().filter_map(|(c, _, _)| cat.items.get(c)?.resource.clone()).collect();
    Priced { items, total, resources: resources.into_iter().collect() }
}
