//! The demo checkup data is consistent before it reaches a database: the catalogue passes the
//! configuration audit and the entry checks, packages fit their items and are cheaper than
//! them, the planned bookings fit the rules and the capacity.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use hops_checkup::capacity::model::PoolKind;
use hops_checkup::catalogue::audit;
use hops_checkup::catalogue::drafts;
use hops_checkup::catalogue::model::{Applicability, BODY_PARTS, Marital};

use super::*;

const CATEGORIES: [&str; 11] = ["一般检查", "检验", "影像", "超声", "心电", "内镜", "妇科", "男科", "眼耳鼻喉", "口腔", "其他"];

fn day(s: &str) -> LocalDay {
    LocalDay::parse(s).unwrap()
}

/// A Sunday, as when this was written.
fn today() -> LocalDay {
    day("2026-11-22")
}

#[test]
fn catalogue_passes_the_audit_and_the_entry_checks() {
    let cat = demo_catalogue();
    let findings = audit::audit(&cat);
    assert!(findings.is_empty(), "{}", audit_failure(&findings));
    assert_eq!(cat.items.len(), ITEMS.len(), "item codes are unique");
    assert_eq!(cat.packages.len(), PACKAGES.len(), "package codes are unique");
    assert!(cat.items.len() >= 85, "{} items", cat.items.len());
    assert!(cat.packages.len() >= 14, "{} packages", cat.packages.len());
    let resources: BTreeSet<String> = RESOURCES.iter().map(|(c, _)| c.to_string()).collect();
    for i in cat.items.values() {
        let problems = drafts::check_item(i, &resources);
        assert!(problems.is_empty(), "{}: {problems:?}", i.code);
        assert!(BODY_PARTS.contains(&i.body_part.as_str()), "{}: {}", i.code, i.body_part);
        assert!(CATEGORIES.contains(&i.category.as_str()), "{}: {}", i.code, i.category);
        assert!(!i.meaning.is_empty() && !i.target_group.is_empty(), "{}", i.code);
        assert!(i.price.fen() > 0, "{}", i.code);
    }
    let names: HashSet<&str> = cat.items.values().map(|i| i.name.as_str()).collect();
    assert_eq!(names.len(), cat.items.len(), "item names are unique");
    for r in &resources {
        assert!(cat.items.values().any(|i| i.resource.as_ref() == Some(r)), "resource {r} unused");
    }
    for p in cat.packages.values() {
        let problems = drafts::check_package(p, &cat);
        assert!(problems.is_empty(), "{}: {problems:?}", p.code);
    }
    let specials: Vec<&str> = cat.packages.values().filter(|p| p.special_pool).map(|p| p.code.as_str()).collect();
    assert_eq!(specials, [SPECIAL]);
    for r in &cat.rules {
        let problems = drafts::check_rule(r, &cat);
        assert!(problems.is_empty(), "{r:?}: {problems:?}");
    }
    let kinds = |k: &str| cat.rules.iter().filter(|r| r.kind_code() == k).count();
    assert!(kinds("required") >= 4 && kinds("exclusive") >= 3 && kinds("requires") >= 3);
}

#[test]
fn a_broken_catalogue_is_refused_with_every_finding() {
    let mut cat = demo_catalogue();
    cat.packages.get_mut("M_BASIC").unwrap().items.retain(|c| c != "LAB_CBC");
    cat.packages.get_mut("F_BASIC_U").unwrap().items.push("GYN_TCT".into());
    let message = audit_failure(&audit::audit(&cat)).to_string();
    assert!(message.starts_with("演示体检目录未通过配置审核（2 处问题）"), "{message}");
    assert!(message.contains("套餐缺少必检项目：套餐「男性基础体检套餐」缺少必检项目「血常规（五分类）」"), "{message}");
    assert!(message.contains("套餐含不适用项目"), "{message}");
}

#[test]
fn packages_cost_less_than_their_items() {
    let cat = demo_catalogue();
    for p in cat.packages.values() {
        let list: i64 = p.items.iter().map(|c| cat.items[c].price.fen()).sum();
        let share = p.price.fen() as f64 / list as f64;
        assert!((0.6..0.95).contains(&share), "{}: {} of {}", p.code, p.price, Money(list));
    }
}

/// Whether everyone `package` admits is admitted by `item`.
fn within(package: &Applicability, item: &Applicability) -> bool {
    item.sex.is_none_or(|s| package.sex == Some(s))
        && item.min_age.is_none_or(|m| package.min_age.is_some_and(|p| p >= m))
        && item.max_age.is_none_or(|m| package.max_age.is_some_and(|p| p <= m))
        && (item.marital == Marital::Any || item.marital == package.marital)
}

#[test]
fn packages_admit_only_people_all_their_items_admit() {
    let cat = demo_catalogue();
    for p in cat.packages.values() {
        for c in &p.items {
            let i = &cat.items[c];
            assert!(
                within(&p.applicability, &i.applicability),
                "{}（{}）holds {}（{}）",
                p.code,
                p.applicability.describe(),
                c,
                i.applicability.describe()
            );
        }
    }
}

#[test]
fn booking_mix_fits_the_packages() {
    let cat = demo_catalogue();
    for m in INDIVIDUAL_MIX {
        let a = &cat.packages[m.package].applicability;
        assert!(a.min_age.is_none_or(|min| m.ages.0 >= min), "{}", m.package);
        // A year below the limit: nobody outgrows the package before the date.
        assert!(a.max_age.is_none_or(|max| m.ages.1 < max), "{}", m.package);
        assert_eq!(m.vip, m.package.starts_with("VIP"), "{}", m.package);
    }
    for tier in [Tier::Basic, Tier::Full, Tier::Young] {
        for sex in Sex::ALL {
            for married in [None, Some(false), Some(true)] {
                for age in 22..=60 {
                    let code = employer_package(tier, sex, age, married);
                    let sel = Selection { package: code.into(), add: vec![], remove: vec![] };
                    let profile = Profile { sex, age, married: if sex == Sex::Female { married.or(Some(false)) } else { married } };
                    assert!(validate(&cat, &sel, Some(&profile)).is_ok(), "{tier:?} {sex:?} {age} {married:?}: {code}");
                }
            }
        }
    }
}

#[test]
fn capacity_skips_sundays_and_holidays() {
    let plan = capacity_plan(today());
    let days: Vec<LocalDay> = plan.iter().map(|(d, _)| *d).collect();
    assert_eq!(days.first(), Some(&day("2026-11-23")), "today is a Sunday");
    assert!(days.iter().all(|d| d.weekday().to_monday_zero_offset() != 6));
    assert!(days.iter().all(|d| d.days_since(today()) < DAYS));
    for closed in ["2027-01-01", "2027-01-02", "2026-11-29"] {
        assert!(!days.contains(&day(closed)), "{closed}");
    }
    assert!(days.len() >= 45, "{} open days", days.len());
    let by_day: BTreeMap<LocalDay, &DaySetting> = plan.iter().map(|(d, s)| (*d, s)).collect();
    let (monday, saturday) = (by_day[&day("2026-12-07")], by_day[&day("2026-12-05")]);
    assert!(saturday.individual < monday.individual && saturday.resources["gastroscope"] < monday.resources["gastroscope"]);
    assert_eq!(saturday.groups.keys().collect::<Vec<_>>(), ["QJSY"], "only the school books Saturdays");
    for (d, s) in &plan {
        for code in s.groups.keys() {
            let e = EMPLOYERS.iter().find(|e| e.code == code).unwrap();
            assert!((e.window.0..=e.window.1).contains(&d.days_since(today())), "{code} on {d}");
        }
    }
    // 春节 closes, a 调休 Sunday opens.
    let spring: Vec<LocalDay> = capacity_plan(day("2027-02-01")).into_iter().map(|(d, _)| d).collect();
    assert!(!spring.contains(&day("2027-02-08")) && spring.contains(&day("2027-02-15")));
    let new_year: Vec<LocalDay> = capacity_plan(day("2025-12-29")).into_iter().map(|(d, _)| d).collect();
    assert!(new_year.contains(&day("2026-01-04")) && !new_year.contains(&day("2026-01-02")));
}

/// Plans the bookings as of `today` and checks each against the rules (on its date and on the
/// date it moves to), the employer's window, the VIP cut-off and every pool's capacity.
fn checked_plan(today: LocalDay) -> Vec<Planned> {
    let cat = demo_catalogue();
    let days = capacity_plan(today);
    let plan = plan_bookings(&cat, today, &days).unwrap_or_else(|e| panic!("{today}: {e:#}"));
    let total: usize = INDIVIDUAL_MIX.iter().map(|m| m.count).chain(EMPLOYERS.iter().map(|e| e.bookings)).sum();
    assert_eq!(plan.len(), total);
    assert!((140..=160).contains(&total), "{total}");
    let mut left: BTreeMap<(LocalDay, PoolKey), i64> =
        days.iter().flat_map(|(d, s)| s.pools().into_iter().map(move |(k, n)| ((*d, k), n))).collect();
    let mut take = |d: LocalDay, pools: &[PoolKey], n: i64| {
        for k in pools {
            let slot = left.get_mut(&(d, k.clone())).unwrap_or_else(|| panic!("no pool {k:?} on {d}"));
            *slot -= n;
            assert!(*slot >= 0, "{k:?} on {d} overfull");
        }
    };
    let mut ids = HashSet::new();
    for p in &plan {
        let r = &p.request;
        assert!(ids.insert(r.id_number.clone()), "identity numbers are unique");
        let id = IdCardNumber::parse(&r.id_number, today).unwrap();
        assert!(hops_kernel::Phone::parse(&r.phone).is_ok());
        assert_eq!(r.date, p.day.to_string());
        assert!(p.day > today && is_open(p.day));
        let sel = Selection { package: r.package.clone(), add: r.add_items.clone(), remove: r.remove_items.clone() };
        for d in [Some(p.day), if let Then::Reschedule(to) = p.then { Some(to) } else { None }].into_iter().flatten() {
            let profile = Profile { sex: id.sex(), age: id.age_on(d), married: r.married };
            if let Err(v) = validate(&cat, &sel, Some(&profile)) {
                panic!("{}", violations(&format!("{} {} {d}", r.package, r.name), &v));
            }
        }
        match r.pool.as_str() {
            "group" => {
                let e = EMPLOYERS.iter().find(|e| Some(e.code) == r.employer.as_deref()).unwrap();
                assert!((e.window.0..=e.window.1).contains(&p.day.days_since(today)));
                assert_eq!(p.pools[0], PoolKey::of(PoolKind::Group, e.code));
            }
            "vip" => assert!(p.day.days_since(today) >= 3 && r.package.starts_with("VIP")),
            _ => assert_eq!(p.pools[0].kind == PoolKind::Special, r.package == SPECIAL),
        }
        take(p.day, &p.pools, 1);
        match p.then {
            Then::Keep => {}
            Then::Cancel => take(p.day, &p.pools, -1),
            Then::Reschedule(to) => {
                take(p.day, &p.pools, -1);
                take(to, &p.pools, 1);
            }
        }
    }
    plan
}

#[test]
fn planned_bookings_fit_the_rules_and_the_capacity() {
    let plan = checked_plan(today());
    let count = |f: &dyn Fn(&Planned) -> bool| plan.iter().filter(|p| f(p)).count();
    assert!(count(&|p| p.then == Then::Cancel) >= 5);
    assert!(count(&|p| matches!(p.then, Then::Reschedule(_))) >= 3);
    assert!(count(&|p| !p.request.add_items.is_empty()) >= 15);
    assert!(count(&|p| !p.request.remove_items.is_empty()) >= 3);
    assert!(count(&|p| p.request.pool == "vip") >= 3);
    assert!(count(&|p| p.request.package == SPECIAL) >= 3);
    assert!(count(&|p| p.request.married.is_none()) >= 5, "some leave the marital status open");
    let packages: BTreeSet<&str> = plan.iter().map(|p| p.request.package.as_str()).collect();
    assert_eq!(packages.len(), PACKAGES.len(), "every package is booked: {packages:?}");
}

#[test]
fn bookings_can_be_planned_all_year_round() {
    // Around 元旦, 春节, 清明, 劳动节 and 国庆, among others.
    for start in (0..400).step_by(23) {
        checked_plan(day("2026-12-20").plus_days(start));
    }
}

#[test]
fn plans_are_deterministic() {
    let cat = demo_catalogue();
    let days = capacity_plan(today());
    let key =
        |p: &Planned| (p.request.id_number.clone(), p.request.date.clone(), p.request.package.clone(), p.request.add_items.clone(), p.then);
    let a: Vec<_> = plan_bookings(&cat, today(), &days).unwrap().iter().map(key).collect();
    let b: Vec<_> = plan_bookings(&cat, today(), &days).unwrap().iter().map(key).collect();
    assert_eq!(a, b);
}
