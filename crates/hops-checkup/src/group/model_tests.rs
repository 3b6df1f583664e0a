//! Table tests of who pays what under each kind of group card, and of progress.

use super::*;
use crate::booking::model::Status;

fn priced(items: &[(&str, i64, Source)]) -> Priced {
    Priced {
        items: items.iter().map(|(c, f, s)| (c.to_string(), Money(*f), *s)).collect(),
        total: Money(items.iter().map(|i| i.1).sum()),
        resources: vec![],
    }
}

fn plan(kind: CardKind, payer: Payer) -> Plan {
    Plan { employer: "E".into(), code: "P".into(), name: "卡".into(), kind, package: "PKG".into(), payer }
}

use Source::{Added as A, Package as P};

#[test]
fn split_table() {
    let discounts = Discounts { default_pct: 80, per_item: [("CT".to_string(), 50)].into_iter().collect() };
    let menu = |pick| CardKind::Menu { items: vec!["CT".into(), "MRI".into(), "US".into()], pick };
    // (case, order, kind, payer, employer fen, person fen)
    type Case = (&'static str, Vec<(&'static str, i64, Source)>, CardKind, Payer, i64, i64);
    let cases: Vec<Case> = vec![
        ("fixed, package only", vec![("BLOOD", 3000, P), ("DR", 7000, P)], CardKind::Fixed, Payer::Employer, 10000, 0),
        ("fixed, add-on at default 80%", vec![("BLOOD", 3000, P), ("US", 10000, A)], CardKind::Fixed, Payer::Employer, 3000, 8000),
        ("fixed, add-on with item override 50%", vec![("BLOOD", 3000, P), ("CT", 30000, A)], CardKind::Fixed, Payer::Employer, 3000, 15000),
        ("fixed, rounding half up", vec![("X", 1001, A)], CardKind::Fixed, Payer::Employer, 0, 801),
        (
            "amount, everything fits",
            vec![("BLOOD", 3000, P), ("US", 10000, A)],
            CardKind::Amount { budget: Money(20000) },
            Payer::Employer,
            13000,
            0,
        ),
        (
            "amount, exact fit",
            vec![("BLOOD", 3000, P), ("US", 17000, A)],
            CardKind::Amount { budget: Money(20000) },
            Payer::Employer,
            20000,
            0,
        ),
        (
            "amount, whole items only; a later cheaper one still fits",
            vec![("BLOOD", 3000, P), ("CT", 30000, A), ("US", 10000, A)],
            CardKind::Amount { budget: Money(15000) },
            Payer::Employer,
            13000,
            15000,
        ),
        (
            "amount, package items first even when listed after",
            vec![("US", 10000, A), ("BLOOD", 12000, P)],
            CardKind::Amount { budget: Money(12000) },
            Payer::Employer,
            12000,
            8000,
        ),
        (
            "menu, all menu items covered",
            vec![("BLOOD", 3000, P), ("CT", 30000, A), ("US", 10000, A)],
            menu(None),
            Payer::Employer,
            43000,
            0,
        ),
        (
            "menu, pick 1: the second menu item is an add-on",
            vec![("BLOOD", 3000, P), ("CT", 30000, A), ("US", 10000, A)],
            menu(Some(1)),
            Payer::Employer,
            33000,
            8000,
        ),
        (
            "menu, items outside the menu are add-ons",
            vec![("BLOOD", 3000, P), ("GASTRO", 50000, A)],
            menu(Some(2)),
            Payer::Employer,
            3000,
            40000,
        ),
        ("family plan at 90%", vec![("BLOOD", 3000, P), ("US", 10000, A)], CardKind::Fixed, Payer::Person { pct: 90 }, 0, 11700),
        ("family plan at 0%", vec![("BLOOD", 3000, P)], CardKind::Fixed, Payer::Person { pct: 0 }, 0, 0),
        ("empty order", vec![], CardKind::Fixed, Payer::Employer, 0, 0),
    ];
    for (case, order, kind, payer, employer, person) in cases {
        let s = split(&priced(&order), &plan(kind, payer), &discounts);
        assert_eq!((s.employer.fen(), s.person.fen()), (employer, person), "{case}");
        assert_eq!(s.lines.len(), order.len(), "{case}");
        for l in &s.lines {
            assert!(l.employer.fen() == 0 || l.person.fen() == 0, "{case}: an item is paid by one side");
            assert!(l.employer.fen() + l.person.fen() <= l.price.fen(), "{case}: nobody pays more than the price");
        }
    }
}

#[test]
fn percent_rounds_half_up() {
    assert_eq!(percent(Money(1), 50), Money(1));
    assert_eq!(percent(Money(3), 50), Money(2));
    assert_eq!(percent(Money(999), 100), Money(999));
    assert_eq!(percent(Money(999), 0), Money(0));
}

#[test]
fn relation_parses_codes_and_labels() {
    for r in Relation::ALL {
        assert_eq!(Relation::parse(r.code()), Some(r));
        assert_eq!(Relation::parse(r.label_zh()), Some(r));
    }
    assert_eq!(Relation::parse(""), Some(Relation::Employee));
    assert_eq!(Relation::parse("同事"), None);
}

#[test]
fn progress_is_the_furthest_booking() {
    let cases: [(&[Status], Progress); 6] = [
        (&[], Progress::NotBooked),
        (&[Status::Cancelled, Status::Expired], Progress::NotBooked),
        (&[Status::Refunded, Status::PendingPayment], Progress::Booked),
        (&[Status::Paid], Progress::Booked),
        (&[Status::CheckedIn, Status::Cancelled], Progress::CheckedIn),
        (&[Status::Paid, Status::Completed], Progress::Completed),
    ];
    for (statuses, want) in cases {
        assert_eq!(Progress::of(statuses), want, "{statuses:?}");
    }
}
