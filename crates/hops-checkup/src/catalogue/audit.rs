//! The configuration audit (项目配置审核, seed 004 (六)1): contradictions in the catalogue that
//! would let customers miss or over-choose items, or make an order impossible. Pure: a
//! function of the catalogue.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Applicability, Catalogue, Package, Rule};

/// One contradiction: a stable kind code, the items or package it concerns, and a Chinese
/// explanation a catalogue editor can act on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub kind: &'static str,
    /// The package concerned, if any.
    pub package: Option<String>,
    pub items: Vec<String>,
    pub message: String,
}

impl Finding {
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            "unknown_item" => "规则引用了不存在的项目",
            "dependency_cycle" => "依赖循环",
            "self_conflict" => "项目无法选择",
            "required_conflict" => "必检项目互相冲突",
            "nobody" => "无人可选",
            "package_exclusive" => "套餐含互斥项目",
            "package_missing_dependency" => "套餐缺少依赖项目",
            "package_missing_required" => "套餐缺少必检项目",
            "package_not_applicable" => "套餐含不适用项目",
            "package_narrow_item" => "套餐含限定更窄的项目",
            "package_inactive_item" => "套餐含停用或不存在的项目",
            _ => "其他",
        }
    }
}

/// Every contradiction in the catalogue, in a stable order.
pub fn audit(cat: &Catalogue) -> Vec<Finding> {
    let mut out = Vec::new();
    let find = |kind, package: Option<&str>, items: Vec<&String>, message: String| Finding {
        kind,
        package: package.map(str::to_string),
        items: items.into_iter().cloned().collect(),
        message,
    };
    for rule in &cat.rules {
        for code in rule.items() {
            if !cat.items.contains_key(code) {
                out.push(find("unknown_item", None, vec![&code.to_string()], format!("{}规则引用的项目 {code} 不存在", rule.kind_label())));
            }
        }
    }
    for cycle in dependency_cycles(cat) {
        let path: Vec<String> = cycle.iter().chain(cycle.first()).map(|c| cat.label(c)).collect();
        out.push(find("dependency_cycle", None, cycle.iter().collect(), format!("依赖关系成环：{}", path.join(" → "))));
    }
    let exclusive: BTreeSet<(&String, &String)> = cat
        .rules
        .iter()
        .filter_map(|r| match r {
            Rule::Exclusive(a, b) => Some(if a <= b { (a, b) } else { (b, a) }),
            _ => None,
        })
        .collect();
    let conflicts_in = |set: &BTreeSet<String>| -> Vec<(&String, &String)> {
        exclusive.iter().filter(|(a, b)| set.contains(*a) && set.contains(*b)).copied().collect()
    };
    // Items that can never be ordered: what they pull in excludes itself, or no person fits.
    for (code, item) in &cat.items {
        let closure = cat.closure(code);
        for (a, b) in conflicts_in(&closure) {
            let via = if a == code || b == code { String::new() } else { "（经依赖关系）".to_string() };
            out.push(find(
                "self_conflict",
                None,
                vec![code, a, b],
                format!("选择{}须同时选择{}与{}{via}，而二者互斥，该项目永远无法选择", cat.label(code), cat.label(a), cat.label(b)),
            ));
        }
        if item.active && who_can_take(cat, &closure).is_none() {
            let who: Vec<String> = closure
                .iter()
                .filter_map(|c| cat.items.get(c))
                .filter(|i| i.applicability.is_restricted())
                .map(|i| format!("{}限{}", cat.label(&i.code), i.applicability.describe()))
                .collect();
            out.push(find("nobody", None, vec![code], format!("没有人能选择{}：{}", cat.label(code), who.join("；"))));
        }
    }
    let required: BTreeSet<String> = cat
        .rules
        .iter()
        .filter_map(|r| match r {
            Rule::Required(a) => Some(cat.closure(a)),
            _ => None,
        })
        .flatten()
        .collect();
    for (a, b) in conflicts_in(&required) {
        out.push(find(
            "required_conflict",
            None,
            vec![a, b],
            format!("{}与{}互斥，但必检项目（或其依赖）要求二者都选", cat.label(a), cat.label(b)),
        ));
    }
    for (pcode, p) in &cat.packages {
        let items: BTreeSet<String> = p.items.iter().cloned().collect();
        let pl = format!("套餐「{}」", p.name);
        for code in &items {
            match cat.items.get(code) {
                None => out.push(find("package_inactive_item", Some(pcode), vec![code], format!("{pl}包含不存在的项目 {code}"))),
                Some(i) if !i.active => {
                    out.push(find("package_inactive_item", Some(pcode), vec![code], format!("{pl}包含已停用的项目{}", cat.label(code))))
                }
                Some(i)
                    if p.applicability.compatible(&i.applicability)
                        && p.applicability.meet(&i.applicability) != Some(p.applicability.clone()) =>
                {
                    // Some of the package's own target group cannot take this item: they are
                    // refused when they book the package.
                    out.push(find(
                        "package_narrow_item",
                        Some(pcode),
                        vec![code],
                        format!(
                            "{pl}面向{}，但其中的{}仅限{}：其余客户预约该套餐会被拒绝",
                            nonempty(p.applicability.describe()),
                            cat.label(code),
                            i.applicability.describe()
                        ),
                    ))
                }
                Some(i) if !p.fits(i, &Applicability::anyone()) => out.push(find(
                    "package_not_applicable",
                    Some(pcode),
                    vec![code],
                    format!(
                        "{pl}面向{}，但其中的{}仅限{}",
                        nonempty(p.applicability.describe()),
                        cat.label(code),
                        i.applicability.describe()
                    ),
                )),
                Some(_) => {}
            }
        }
        for (a, b) in conflicts_in(&items) {
            out.push(find("package_exclusive", Some(pcode), vec![a, b], format!("{pl}同时包含互斥的{}与{}", cat.label(a), cat.label(b))));
        }
        for rule in &cat.rules {
            match rule {
                Rule::Requires(a, b) if items.contains(a) && !items.contains(b) => out.push(find(
                    "package_missing_dependency",
                    Some(pcode),
                    vec![a, b],
                    format!("{pl}包含{}，但缺少其依赖的{}", cat.label(a), cat.label(b)),
                )),
                Rule::Required(a)
                    if !items.contains(a) && cat.items.get(a).is_some_and(|i| i.active && p.fits(i, &Applicability::anyone())) =>
                {
                    out.push(find("package_missing_required", Some(pcode), vec![a], format!("{pl}缺少必检项目{}", cat.label(a))))
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn nonempty(s: String) -> String {
    if s.is_empty() { "所有人".into() } else { s }
}

/// Who may take every item of `codes` at once; `None` when nobody can.
fn who_can_take(cat: &Catalogue, codes: &BTreeSet<String>) -> Option<Applicability> {
    codes.iter().filter_map(|c| cat.items.get(c)).try_fold(Applicability::anyone(), |acc, i| {
        let a = &i.applicability;
        if let (Some(lo), Some(hi)) = (a.min_age, a.max_age)
            && lo > hi
        {
            return None;
        }
        acc.meet(a)
    })
}

/// The dependency cycles, one per strongly connected component (each listed from its smallest
/// code, following the dependencies), self-dependencies included.
fn dependency_cycles(cat: &Catalogue) -> Vec<Vec<String>> {
    let mut edges: BTreeMap<&String, BTreeSet<&String>> = BTreeMap::new();
    for r in &cat.rules {
        if let Rule::Requires(a, b) = r {
            edges.entry(a).or_default().insert(b);
        }
    }
    let reach = |from: &String| -> BTreeSet<&String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = edges.get(from).map(|s| s.iter().copied().collect()).unwrap_or_default();
        while let Some(c) = todo.pop() {
            if seen.insert(c) {
                todo.extend(edges.get(c).into_iter().flatten().copied());
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<&String>> = edges.keys().map(|k| (*k, reach(k))).collect();
    let mut done: BTreeSet<&String> = BTreeSet::new();
    let mut cycles = Vec::new();
    for (start, from_start) in &reachable {
        if done.contains(start) || !from_start.contains(start) {
            continue;
        }
        // The component: nodes reachable from start that reach start back.
        let component: BTreeSet<&String> =
            from_start.iter().copied().filter(|n| reachable.get(n).is_some_and(|r| r.contains(start))).collect();
        done.extend(component.iter().copied());
        // The shortest way round from `start` (breadth first, smallest codes first).
        let mut parent: BTreeMap<&String, &String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([*start]);
        let mut last = *start;
        'search: while let Some(at) = queue.pop_front() {
            for n in &edges[at] {
                if *n == *start {
                    last = at;
                    break 'search;
                }
                if component.contains(n) && !parent.contains_key(n) {
                    parent.insert(n, at);
                    queue.push_back(n);
                }
            }
        }
        let mut path = vec![last.clone()];
        while let Some(p) = parent.get(path.last().expect("non-empty")).copied() {
            path.push(p.clone());
        }
        path.reverse();
        cycles.push(path);
    }
    cycles
}

/// What keeps package `code` from being sold as it stands: the audit's findings about it, and
/// what booking it without add-ons would refuse (the same validation as a booking, for
/// no person in particular). Empty for a package that sells.
pub fn sale_blockers(cat: &Catalogue, code: &str) -> Vec<String> {
    let mut out: Vec<String> = audit(cat).into_iter().filter(|f| f.package.as_deref() == Some(code)).map(|f| f.message).collect();
    let selection = super::model::Selection { package: code.to_string(), add: Vec::new(), remove: Vec::new() };
    if let Err(violations) = super::model::validate(cat, &selection, None) {
        out.extend(violations.into_iter().map(|v| v.message).filter(|m| !out.contains(m)).collect::<Vec<_>>());
    }
    out
}

/// The active packages of `after` that a change from `before` keeps from being sold, with
/// what stops each of them — only what the change brings (a package already blocked before
/// is named only for new reasons).
pub fn newly_blocked(before: &Catalogue, after: &Catalogue) -> Vec<(String, Vec<String>)> {
    after
        .packages
        .values()
        .filter(|p| p.active)
        .filter_map(|p| {
            let was = if before.packages.get(&p.code).is_some_and(|b| b.active) { sale_blockers(before, &p.code) } else { Vec::new() };
            let new: Vec<String> = sale_blockers(after, &p.code).into_iter().filter(|m| !was.contains(m)).collect();
            (!new.is_empty()).then(|| (p.code.clone(), new))
        })
        .collect()
}

/// The packages on sale: active, and booked as they stand without a refusal (a package saved
/// before saving checked this, or blocked by a later change of an item, is kept off the
/// patients' pages until it is mended).
pub fn on_sale(cat: &Catalogue) -> Vec<&Package> {
    let findings: BTreeSet<String> = audit(cat).into_iter().filter_map(|f| f.package).collect();
    cat.packages
        .values()
        .filter(|p| p.active && !findings.contains(&p.code))
        .filter(|p| {
            let selection = super::model::Selection { package: p.code.clone(), add: Vec::new(), remove: Vec::new() };
            super::model::validate(cat, &selection, None).is_ok()
        })
        .collect()
}
