//! Table-driven tests of selection validation, pricing and the configuration audit: every rule
//! kind alone and in combination, with and without a known person.

use hops_kernel::{Money, Sex};

use super::audit::audit;
use super::model::*;

fn item(code: &str, price: i64) -> Item {
    Item {
        code: code.into(),
        name: format!("项目{code}"),
        category: "检验".into(),
        body_part: "血液".into(),
        meaning: String::new(),
        target_group: String::new(),
        price: Money(price),
        applicability: Applicability::anyone(),
        preparation: String::new(),
        resource: None,
        active: true,
    }
}

fn restricted(code: &str, sex: Option<Sex>, ages: (Option<u32>, Option<u32>), marital: Marital) -> Item {
    Item { applicability: Applicability { sex, min_age: ages.0, max_age: ages.1, marital }, ..item(code, 100_00) }
}

fn package(code: &str, price: i64, items: &[&str]) -> Package {
    Package {
        code: code.into(),
        name: format!("套餐{code}"),
        target_group: String::new(),
        description: String::new(),
        price: Money(price),
        applicability: Applicability::anyone(),
        items: items.iter().map(|s| s.to_string()).collect(),
        special_pool: false,
        active: true,
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

/// A: 100, B: 200, C: 300, D: 400, E (women, married), F (50–75), G (men), MRI (resource).
fn catalogue(rules: Vec<Rule>) -> Catalogue {
    let mut items = vec![item("A", 100_00), item("B", 200_00), item("C", 300_00), item("D", 400_00)];
    items.push(restricted("E", Some(Sex::Female), (None, None), Marital::Married));
    items.push(restricted("F", None, (Some(50), Some(75)), Marital::Any));
    items.push(restricted("G", Some(Sex::Male), (None, None), Marital::Any));
    items.push(Item { resource: Some(s("mri")), ..item("MRI", 800_00) });
    items.push(Item { active: false, ..item("OLD", 10_00) });
    let packages = vec![package("P", 500_00, &["A", "B", "C"]), package("Q", 100_00, &["A"])];
    Catalogue {
        items: items.into_iter().map(|i| (i.code.clone(), i)).collect(),
        packages: packages.into_iter().map(|p| (p.code.clone(), p)).collect(),
        rules,
    }
}

fn sel(package: &str, add: &[&str], remove: &[&str]) -> Selection {
    Selection { package: s(package), add: add.iter().map(|x| s(x)).collect(), remove: remove.iter().map(|x| s(x)).collect() }
}

const MAN_30: Profile = Profile { sex: Sex::Male, age: 30, married: Some(false) };
const WOMAN_55_MARRIED: Profile = Profile { sex: Sex::Female, age: 55, married: Some(true) };
const WOMAN_30_UNKNOWN: Profile = Profile { sex: Sex::Female, age: 30, married: None };

fn codes(r: &Result<Priced, Vec<Violation>>) -> Vec<&'static str> {
    match r {
        Ok(_) => vec![],
        Err(v) => v.iter().map(|v| v.code).collect(),
    }
}

#[test]
fn violations_table() {
    use Rule::*;
    let ex = |a: &str, b: &str| Exclusive(s(a), s(b));
    let rq = |a: &str, b: &str| Requires(s(a), s(b));
    let must = |a: &str| Required(s(a));
    // (case, rules, selection, person, expected violation codes in sorted order)
    type Case = (&'static str, Vec<Rule>, Selection, Option<Profile>, Vec<&'static str>);
    let cases: Vec<Case> = vec![
        ("plain package", vec![], sel("P", &[], &[]), Some(MAN_30), vec![]),
        ("unknown package", vec![], sel("Z", &[], &[]), None, vec!["unknown_package"]),
        ("unknown add and remove items", vec![], sel("P", &["X"], &["Y"]), None, vec!["unknown_item", "unknown_item"]),
        ("inactive item", vec![], sel("P", &["OLD"], &[]), None, vec!["item_inactive"]),
        ("added twice", vec![], sel("P", &["D", "D"], &[]), None, vec!["duplicate_item"]),
        ("added but included", vec![], sel("P", &["A"], &[]), None, vec!["already_included"]),
        ("removed but not in package", vec![], sel("P", &[], &["D"]), None, vec!["not_in_package"]),
        ("exclusive with an added item", vec![ex("A", "D")], sel("P", &["D"], &[]), None, vec!["exclusive"]),
        ("exclusive resolved by a swap", vec![ex("A", "D")], sel("P", &["D"], &["A"]), None, vec![]),
        ("dependency missing", vec![rq("D", "MRI")], sel("P", &["D"], &[]), None, vec!["requires"]),
        ("dependency satisfied", vec![rq("D", "MRI")], sel("P", &["D", "MRI"], &[]), None, vec![]),
        ("dependency removed", vec![rq("A", "B")], sel("P", &[], &["B"]), None, vec!["requires"]),
        ("required removed", vec![must("A")], sel("P", &[], &["A"]), None, vec!["required"]),
        ("required not in package", vec![must("D")], sel("Q", &[], &[]), None, vec!["required"]),
        ("required added", vec![must("D")], sel("Q", &["D"], &[]), None, vec![]),
        (
            "required for women only, man",
            vec![must("E")],
            sel("Q", &[], &[]),
            Some(MAN_30),
            vec![], // does not apply to him
        ),
        ("required for women only, woman", vec![must("E")], sel("Q", &[], &[]), Some(WOMAN_55_MARRIED), vec!["required"]),
        ("sex restriction", vec![], sel("Q", &["E"], &[]), Some(MAN_30), vec!["not_applicable"]),
        ("age restriction", vec![], sel("Q", &["F"], &[]), Some(MAN_30), vec!["not_applicable"]),
        ("age and sex fit", vec![], sel("Q", &["E", "F"], &[]), Some(WOMAN_55_MARRIED), vec![]),
        ("marital unknown", vec![], sel("Q", &["E"], &[]), Some(WOMAN_30_UNKNOWN), vec!["marital_unknown"]),
        ("no person: restrictions wait", vec![], sel("Q", &["E", "G"], &[]), None, vec![]),
        (
            "everything at once",
            vec![ex("A", "D"), rq("D", "MRI"), must("C")],
            sel("P", &["D", "G", "X"], &["C"]),
            Some(WOMAN_30_UNKNOWN),
            vec!["exclusive", "not_applicable", "required", "requires", "unknown_item"],
        ),
    ];
    for (name, rules, selection, person, expected) in cases {
        let cat = catalogue(rules);
        let got = validate(&cat, &selection, person.as_ref());
        let mut got_codes = codes(&got);
        got_codes.sort();
        assert_eq!(got_codes, expected, "{name}: {got:?}");
    }
}

#[test]
fn messages_name_the_items() {
    let cat = catalogue(vec![Rule::Exclusive(s("A"), s("D")), Rule::Requires(s("D"), s("MRI"))]);
    let v = validate(&cat, &sel("P", &["D"], &[]), None).unwrap_err();
    let all: Vec<&str> = v.iter().map(|v| v.message.as_str()).collect();
    assert!(all.contains(&"「项目A」与「项目D」不能同时选择"), "{all:?}");
    assert!(all.contains(&"选择「项目D」须同时选择「项目MRI」"), "{all:?}");
    let v = validate(&cat, &sel("Q", &["E"], &[]), Some(&MAN_30)).unwrap_err();
    assert_eq!(v[0].message, "「项目E」仅适用于女性（受检人为男性）；仅适用于已婚者");
    let v = validate(&cat, &sel("Q", &["F"], &[]), Some(&MAN_30)).unwrap_err();
    assert_eq!(v[0].message, "「项目F」适用年龄为 50–75 岁（受检人 30 岁）");
}

#[test]
fn package_applicability() {
    let mut cat = catalogue(vec![]);
    cat.packages.get_mut("Q").unwrap().applicability = Applicability { sex: Some(Sex::Female), ..Applicability::anyone() };
    assert_eq!(codes(&validate(&cat, &sel("Q", &[], &[]), Some(&MAN_30))), vec!["package_not_applicable"]);
    assert!(validate(&cat, &sel("Q", &[], &[]), Some(&WOMAN_55_MARRIED)).is_ok());
    cat.packages.get_mut("Q").unwrap().active = false;
    assert_eq!(codes(&validate(&cat, &sel("Q", &[], &[]), None)), vec!["package_inactive"]);
}

#[test]
fn added_items_fit_the_package() {
    // Q for men: E (women, married) is neither offered nor accepted as an add-on, with or
    // without a person; G (men) and F (50–75) are; knowing the person's age narrows F away.
    let mut cat = catalogue(vec![]);
    cat.packages.get_mut("Q").unwrap().applicability = Applicability { sex: Some(Sex::Male), ..Applicability::anyone() };
    let q = cat.packages["Q"].clone();
    let offered = |known: &Applicability| add_ons(&cat, &q, known).iter().map(|i| i.code.as_str()).collect::<Vec<_>>();
    assert_eq!(offered(&Applicability::anyone()), ["B", "C", "D", "F", "G", "MRI"]);
    let thirty = Applicability { min_age: Some(30), max_age: Some(30), ..Applicability::anyone() };
    assert_eq!(offered(&thirty), ["B", "C", "D", "G", "MRI"]);
    // What is known and contradicts the package narrows nothing: the booking refuses the package.
    let woman = Applicability { sex: Some(Sex::Female), ..Applicability::anyone() };
    assert_eq!(offered(&woman), offered(&Applicability::anyone()));
    for person in [None, Some(MAN_30)] {
        let v = validate(&cat, &sel("Q", &["E", "G"], &[]), person.as_ref()).unwrap_err();
        assert_eq!(codes(&Err(v.clone())), vec!["not_for_package"], "{person:?}: one refusal for E, none for G");
        assert_eq!(v[0].message, "「项目E」仅适用于女性、已婚者，与套餐「套餐Q」的适用人群（男性）不符，不能加选");
        assert_eq!(v[0].items, vec![s("E")]);
    }
    assert!(validate(&cat, &sel("Q", &["G", "F"], &[]), None).is_ok());
}

#[test]
fn prices() {
    let cat = catalogue(vec![]);
    // P: list 600 for 500. Shares: A 83.33, B 166.67, C the rest 250.00.
    let p = validate(&cat, &sel("P", &[], &[]), None).unwrap();
    assert_eq!(p.total, Money(500_00));
    let shares: Vec<i64> = p.items.iter().map(|(_, m, _)| m.fen()).collect();
    assert_eq!(shares, vec![83_33, 166_67, 250_00]);
    // Removing B credits its share; adding D costs its list price; MRI brings its resource.
    let p = validate(&cat, &sel("P", &["D", "MRI"], &["B"]), None).unwrap();
    assert_eq!(p.total, Money(500_00 - 166_67 + 400_00 + 800_00));
    assert_eq!(p.resources, vec![s("mri")]);
    assert!(p.items.iter().any(|(c, m, src)| c == "D" && *m == Money(400_00) && *src == Source::Added));
    // A package of free items (list total 0) still prices exactly.
    let mut cat = catalogue(vec![]);
    cat.items.get_mut("A").unwrap().price = Money(0);
    assert_eq!(validate(&cat, &sel("Q", &[], &[]), None).unwrap().total, Money(100_00));
}

#[test]
fn audit_table() {
    use Rule::*;
    let ex = |a: &str, b: &str| Exclusive(s(a), s(b));
    let rq = |a: &str, b: &str| Requires(s(a), s(b));
    let must = |a: &str| Required(s(a));
    // (case, rules, catalogue change, expected finding kinds in sorted order)
    type Change = fn(&mut Catalogue);
    let none: Change = |_| {};
    let cases: Vec<(&str, Vec<Rule>, Change, Vec<&str>)> = vec![
        ("clean", vec![ex("A", "D"), rq("D", "MRI"), must("A")], none, vec![]),
        ("rule with unknown item", vec![ex("A", "X")], none, vec!["unknown_item"]),
        ("self dependency", vec![rq("D", "D")], none, vec!["dependency_cycle"]),
        ("two-item cycle", vec![rq("D", "MRI"), rq("MRI", "D")], none, vec!["dependency_cycle"]),
        ("three-item cycle plus tail", vec![rq("D", "F"), rq("F", "MRI"), rq("MRI", "D"), rq("G", "D")], none, vec!["dependency_cycle"]),
        ("requires what it excludes", vec![rq("D", "MRI"), ex("D", "MRI")], none, vec!["self_conflict"]),
        ("excluded through a chain", vec![rq("D", "F"), rq("F", "MRI"), ex("D", "MRI")], none, vec!["self_conflict"]),
        (
            "required items exclude each other",
            vec![must("A"), must("D"), ex("A", "D")],
            none,
            vec!["package_missing_required", "package_missing_required", "required_conflict"],
        ),
        (
            "required item's dependency excluded",
            vec![must("A"), must("D"), rq("D", "MRI"), ex("A", "MRI")],
            none,
            vec!["package_missing_required", "package_missing_required", "required_conflict"],
        ),
        ("package contains an exclusive pair", vec![ex("A", "B")], none, vec!["package_exclusive"]),
        ("package misses a dependency", vec![rq("A", "D")], none, vec!["package_missing_dependency", "package_missing_dependency"]),
        ("package misses a required item", vec![must("B")], none, vec!["package_missing_required"]),
        (
            "men's package with a women's item",
            vec![],
            |c| {
                let p = c.packages.get_mut("P").unwrap();
                p.applicability.sex = Some(Sex::Male);
                p.items.push(s("E"));
            },
            vec!["package_not_applicable"],
        ),
        (
            "required women's item not missing from a men's package",
            vec![must("E")],
            |c| {
                c.packages.get_mut("P").unwrap().applicability.sex = Some(Sex::Male);
                let q = c.packages.get_mut("Q").unwrap();
                q.applicability = Applicability { sex: Some(Sex::Female), marital: Marital::Married, ..Applicability::anyone() };
                q.items.push(s("E"));
            },
            vec![],
        ),
        ("package with an inactive item", vec![], |c| c.packages.get_mut("Q").unwrap().items.push(s("OLD")), vec!["package_inactive_item"]),
        (
            "package for everyone with a 50–75 item",
            vec![],
            |c| c.packages.get_mut("Q").unwrap().items.push(s("F")),
            vec!["package_narrow_item"],
        ),
        (
            "package for 50–75 with a 50–75 item",
            vec![],
            |c| {
                let q = c.packages.get_mut("Q").unwrap();
                q.applicability.min_age = Some(50);
                q.applicability.max_age = Some(75);
                q.items.push(s("F"));
            },
            vec![],
        ),
        ("item with an empty age range", vec![], |c| c.items.get_mut("F").unwrap().applicability.max_age = Some(40), vec!["nobody"]),
        ("item requiring the other sex", vec![rq("E", "G")], none, vec!["nobody"]),
        (
            "item requiring a disjoint age",
            vec![rq("F", "H")],
            |c| {
                let mut h = c.items["A"].clone();
                h.code = s("H");
                h.applicability.max_age = Some(18);
                c.items.insert(s("H"), h);
            },
            vec!["nobody"],
        ),
    ];
    for (name, rules, change, expected) in cases {
        let mut cat = catalogue(rules);
        change(&mut cat);
        let findings = audit(&cat);
        let mut kinds: Vec<&str> = findings.iter().map(|f| f.kind).collect();
        kinds.sort();
        assert_eq!(kinds, expected, "{name}: {findings:#?}");
    }
}

#[test]
fn audit_messages() {
    let cat = catalogue(vec![Rule::Requires(s("D"), s("F")), Rule::Requires(s("F"), s("MRI")), Rule::Requires(s("MRI"), s("D"))]);
    let f = audit(&cat);
    let cycle = f.iter().find(|f| f.kind == "dependency_cycle").unwrap();
    assert_eq!(cycle.message, "依赖关系成环：「项目D」 → 「项目F」 → 「项目MRI」 → 「项目D」");
    let cat = catalogue(vec![Rule::Exclusive(s("A"), s("B"))]);
    assert_eq!(audit(&cat)[0].message, "套餐「套餐P」同时包含互斥的「项目A」与「项目B」");
    assert_eq!(audit(&cat)[0].package.as_deref(), Some("P"));
}

#[test]
fn applicability_meet() {
    let women = Applicability { sex: Some(Sex::Female), ..Applicability::anyone() };
    let men = Applicability { sex: Some(Sex::Male), ..Applicability::anyone() };
    let old = Applicability { min_age: Some(60), ..Applicability::anyone() };
    let young = Applicability { max_age: Some(30), ..Applicability::anyone() };
    let married = Applicability { marital: Marital::Married, ..Applicability::anyone() };
    let single = Applicability { marital: Marital::Unmarried, ..Applicability::anyone() };
    let cases = [
        (&women, &men, false),
        (&women, &women, true),
        (&old, &young, false),
        (&old, &women, true),
        (&married, &single, false),
        (&married, &women, true),
        (&young, &Applicability::anyone(), true),
    ];
    for (a, b, ok) in cases {
        assert_eq!(a.compatible(b), ok, "{a:?} / {b:?}");
        assert_eq!(b.compatible(a), ok, "symmetric: {a:?} / {b:?}");
    }
    assert_eq!(
        Applicability { sex: Some(Sex::Female), min_age: Some(40), max_age: Some(75), marital: Marital::Married }.describe(),
        "女性、40–75 岁、已婚者"
    );
}
