//! Tests of the formulas in `model.rs`.
use super::*;

fn formula() -> Formula {
    Formula {
        prices: [Money(500), Money(2_000), Money(1_500), Money(300)],
        share_bp: 3_000,
        timeout_minutes: 30,
        timeout_deduction: Money(200),
        complaint_deduction: Money(5_000),
    }
}

fn manual(fen: i64, reason: &str) -> Adjustment {
    Adjustment { kind: AdjustmentKind::Manual, amount: Money(fen), reason: reason.into() }
}

fn complaint() -> Adjustment {
    Adjustment { kind: AdjustmentKind::Complaint, amount: Money::ZERO, reason: "态度差".into() }
}

#[test]
fn compute_table() {
    struct Case {
        name: &'static str,
        formula: Formula,
        activity: Activity,
        adjustments: Vec<Adjustment>,
        /// Amounts of the lines in order: text, video, phone, revisit, share, timeouts, complaints, manual…
        lines: Vec<i64>,
        total: i64,
    }
    let f = formula();
    let cases = vec![
        Case {
            name: "nothing",
            formula: f,
            activity: Activity::default(),
            adjustments: vec![],
            lines: vec![0, 0, 0, 0, 0, 0, 0],
            total: 0,
        },
        Case {
            name: "unit prices per kind",
            formula: f,
            activity: Activity { completed: [3, 1, 2, 4], ..Default::default() },
            adjustments: vec![],
            lines: vec![1_500, 2_000, 3_000, 1_200, 0, 0, 0],
            total: 7_700,
        },
        Case {
            name: "share of revenue, exact",
            formula: f,
            activity: Activity { paid: 2, revenue: Money(12_345), ..Default::default() },
            adjustments: vec![],
            // 123.45 × 30% = 37.035 → 37.04 (half up)
            lines: vec![0, 0, 0, 0, 3_704, 0, 0],
            total: 3_704,
        },
        Case {
            name: "share rounds down below half a fen",
            formula: Formula { share_bp: 3_333, ..f },
            activity: Activity { paid: 1, revenue: Money(100), ..Default::default() },
            adjustments: vec![],
            // 1.00 × 33.33% = 0.3333 → 0.33
            lines: vec![0, 0, 0, 0, 33, 0, 0],
            total: 33,
        },
        Case {
            name: "deductions and adjustments",
            formula: f,
            activity: Activity { completed: [1, 0, 0, 0], paid: 1, revenue: Money(3_000), timeouts: 2 },
            adjustments: vec![complaint(), manual(1_000, "夜间值班补贴"), complaint(), manual(-250, "资料不全")],
            lines: vec![500, 0, 0, 0, 900, -400, -10_000, 1_000, -250],
            total: -8_250,
        },
        Case {
            name: "a free consultation counts at its unit price and adds no revenue",
            formula: f,
            activity: Activity { completed: [0, 0, 0, 1], paid: 1, revenue: Money::ZERO, timeouts: 0 },
            adjustments: vec![],
            lines: vec![0, 0, 0, 300, 0, 0, 0],
            total: 300,
        },
        Case {
            name: "100% share, zero prices",
            formula: Formula { prices: [Money::ZERO; 4], share_bp: 10_000, ..f },
            activity: Activity { completed: [5, 5, 5, 5], paid: 20, revenue: Money(99_999), timeouts: 0 },
            adjustments: vec![],
            lines: vec![0, 0, 0, 0, 99_999, 0, 0],
            total: 99_999,
        },
    ];
    for c in cases {
        let got = compute(&c.formula, &c.activity, &c.adjustments).unwrap();
        let amounts: Vec<i64> = got.lines.iter().map(|l| l.amount.0).collect();
        assert_eq!(amounts, c.lines, "{}", c.name);
        assert_eq!(got.total, Money(c.total), "{}", c.name);
        assert_eq!(got.lines.iter().map(|l| l.amount).sum::<Money>(), got.total, "{}: total is the sum of the lines", c.name);
    }
}

#[test]
fn trace_prints_what_count_unit_amount() {
    let a = Activity { completed: [2, 0, 0, 0], paid: 2, revenue: Money(6_000), timeouts: 1 };
    let got = compute(&formula(), &a, &[complaint(), manual(-500, "处方不规范")]).unwrap();
    let printed: Vec<(String, i64, String, String)> =
        got.lines.iter().map(|l| (l.item.clone(), l.count, l.unit.clone(), l.amount.to_string())).collect();
    assert_eq!(printed[0], ("图文问诊（已完成、未退款）".into(), 2, "¥5.00/单".into(), "¥10.00".into()));
    assert_eq!(printed[4], ("问诊收入分成（已支付、未退款，收入 ¥60.00）".into(), 2, "¥60.00 × 30%".into(), "¥18.00".into()));
    assert_eq!(printed[5], ("超时扣款（首次回复晚于支付后 30 分钟）".into(), 1, "-¥2.00/次".into(), "-¥2.00".into()));
    assert_eq!(printed[6], ("投诉扣款（投诉成立）".into(), 1, "-¥50.00/次".into(), "-¥50.00".into()));
    assert_eq!(printed[7], ("人工调整：处方不规范".into(), 1, "-¥5.00".into(), "-¥5.00".into()));
    assert_eq!(got.total, Money(1_000 + 1_800 - 200 - 5_000 - 500));
}

#[test]
fn overflow_is_an_error_not_a_wrong_number() {
    let f = Formula { prices: [Money(i64::MAX); 4], ..formula() };
    let a = Activity { completed: [2, 0, 0, 0], ..Default::default() };
    assert_eq!(compute(&f, &a, &[]), Err(Overflow));
}

#[test]
fn share_rounding_table() {
    let cases = [(0, 3_000, 0), (1, 5_000, 1), (1, 4_999, 0), (3, 5_000, 2), (12_345, 3_000, 3_704), (-12_345, 3_000, -3_704), (100, 1, 0)];
    for (revenue, bp, want) in cases {
        assert_eq!(share_of(Money(revenue), bp), Ok(Money(want)), "{revenue} × {bp}bp");
    }
}

fn draft() -> FormulaDraft {
    FormulaDraft {
        price_text: "5.00".into(),
        price_video: "20".into(),
        price_phone: "¥15".into(),
        price_revisit: "3.00".into(),
        share_percent: "30".into(),
        timeout_minutes: "30".into(),
        timeout_deduction: "2".into(),
        complaint_deduction: "50.00".into(),
    }
}

#[test]
fn formula_draft_round_trip() {
    let f = draft().parse().unwrap();
    assert_eq!(f, formula());
    assert_eq!(FormulaDraft::from_formula(&f).parse().unwrap(), f);
    assert_eq!(f.timeout_micros(), 30 * 60 * 1_000_000);
}

#[test]
fn formula_draft_errors_table() {
    type Edit = fn(&mut FormulaDraft);
    let cases: &[(&str, Edit, &[&str])] = &[
        ("negative price", |d| d.price_text = "-1".into(), &["price_text"]),
        ("three decimals", |d| d.price_video = "1.234".into(), &["price_video"]),
        ("empty price", |d| d.price_phone = "".into(), &["price_phone"]),
        ("price too high", |d| d.price_revisit = "10000.01".into(), &["price_revisit"]),
        ("share over 100", |d| d.share_percent = "100.01".into(), &["share_percent"]),
        ("share text", |d| d.share_percent = "三成".into(), &["share_percent"]),
        ("share negative", |d| d.share_percent = "-5".into(), &["share_percent"]),
        ("timeout zero", |d| d.timeout_minutes = "0".into(), &["timeout_minutes"]),
        ("timeout fraction", |d| d.timeout_minutes = "1.5".into(), &["timeout_minutes"]),
        ("deduction negative", |d| d.timeout_deduction = "-2".into(), &["timeout_deduction"]),
        (
            "several at once",
            |d| {
                d.price_text = "x".into();
                d.complaint_deduction = "".into();
                d.timeout_minutes = "".into();
            },
            &["price_text", "timeout_minutes", "complaint_deduction"],
        ),
    ];
    for (name, edit, fields) in cases {
        let mut d = draft();
        edit(&mut d);
        let errors = d.parse().unwrap_err();
        let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(&got, fields, "{name}");
    }
}

#[test]
fn percent_table() {
    let ok = [("0", 0), ("30", 3_000), ("12.5", 1_250), ("12.55", 1_255), ("100", 10_000), (" 7.05% ", 705), ("100.00", 10_000)];
    for (s, bp) in ok {
        assert_eq!(parse_percent(s), Ok(bp), "{s}");
        assert_eq!(parse_percent(&percent_number(bp)), Ok(bp), "round trip {s}");
    }
    for s in ["", "101", "12.", ".5", "1.234", "abc", "-1", "1e2", "1000"] {
        assert!(parse_percent(s).is_err(), "{s}");
    }
    assert_eq!(percent(1_250), "12.5%");
    assert_eq!(percent(705), "7.05%");
}

#[test]
fn month_table() {
    let m = Month::parse("2026-10").unwrap();
    assert_eq!(m.code(), "2026-10");
    assert_eq!(m.label_zh(), "2026年10月");
    assert_eq!(m.range().start, LocalDay::parse("2026-10-01").unwrap());
    assert_eq!(m.range().end_exclusive, LocalDay::parse("2026-11-01").unwrap());
    assert_eq!(Month::parse("2026-1").unwrap().code(), "2026-01");
    assert_eq!(m.previous().code(), "2026-09");
    assert_eq!(Month::parse("2026-12").unwrap().next().code(), "2027-01");
    for bad in ["", "2026", "2026-13", "2026-00", "26-10", "2026-10-01", "2026/10", "abcd-ef"] {
        assert!(Month::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn flow_table() {
    use Answer::*;
    use Status::*;
    let cases = [
        (Draft, Confirm, Ok(Confirmed)),
        (Draft, Dispute, Ok(Disputed)),
        (Disputed, Confirm, Ok(Confirmed)),
        (Disputed, Dispute, Err(())),
        (Resolved, Confirm, Ok(Confirmed)),
        (Resolved, Dispute, Ok(Disputed)),
        (Confirmed, Confirm, Err(())),
        (Confirmed, Dispute, Err(())),
    ];
    for (from, a, want) in cases {
        assert_eq!(answer(from, a).map_err(|_| ()), want, "{from:?} {a:?}");
    }
    assert_eq!(resolve(Disputed), Ok(Resolved));
    for s in [Draft, Confirmed, Resolved] {
        assert!(resolve(s).is_err(), "{s:?}");
    }
    assert_eq!(after_change(Confirmed, Money(1), Money(2)), Draft);
    assert_eq!(after_change(Confirmed, Money(1), Money(1)), Confirmed);
    assert_eq!(after_change(Disputed, Money(1), Money(2)), Disputed);
    assert_eq!(after_change(Resolved, Money(1), Money(2)), Resolved);
    for s in Status::ALL {
        assert_eq!(Status::parse(s.code()), Some(s));
    }
}

#[test]
fn adjustment_draft_table() {
    let d = |kind: &str, amount: &str, reason: &str| AdjustmentDraft { kind: kind.into(), amount: amount.into(), reason: reason.into() };
    assert_eq!(
        d("complaint", "whatever", " 患者投诉回复慢，经核实成立 ").parse(),
        Ok(Adjustment { kind: AdjustmentKind::Complaint, amount: Money::ZERO, reason: "患者投诉回复慢，经核实成立".into() })
    );
    assert_eq!(d("manual", "-20.50", "补扣").parse().unwrap().amount, Money(-2_050));
    let fields = |r: Result<Adjustment, Vec<FieldError>>| r.unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>();
    assert_eq!(fields(d("", "", "").parse()), vec!["kind", "reason"]);
    assert_eq!(fields(d("manual", "0", "x").parse()), vec!["amount"]);
    assert_eq!(fields(d("manual", "abc", "x").parse()), vec!["amount"]);
    assert_eq!(fields(d("manual", "1000000.01", "x").parse()), vec!["amount"]);
    assert_eq!(fields(d("manual", "5", &"长".repeat(501)).parse()), vec!["reason"]);
}

#[test]
fn the_flow_table_agrees_with_the_sheet_rules_and_names_refusals() {
    for from in Status::ALL {
        for (a, own) in [(Answer::Confirm, true), (Answer::Dispute, true), (Answer::Confirm, false), (Answer::Dispute, false)] {
            let action = Action::of_answer(a, own);
            assert_eq!(FLOW.next(from, action).ok(), answer(from, a).ok(), "{from:?} {action:?}");
        }
        assert_eq!(FLOW.next(from, Action::Resolve).ok(), resolve(from).ok(), "{from:?}");
        assert_eq!(FLOW.next(from, Action::Reset).is_ok(), after_change(from, Money(1), Money(2)) != from, "{from:?}");
    }
    use Action as A;
    let offered: &[(Status, &[Action])] = &[
        (Status::Draft, &[A::Confirm, A::Dispute, A::ConfirmOnBehalf, A::DisputeOnBehalf]),
        (Status::Disputed, &[A::Confirm, A::ConfirmOnBehalf, A::Resolve]),
        (Status::Resolved, &[A::Confirm, A::Dispute, A::ConfirmOnBehalf, A::DisputeOnBehalf]),
        (Status::Confirmed, &[A::Reset]),
    ];
    assert_eq!(FLOW.offers_exactly(offered), Ok(()));
    assert_eq!(MONTH_FLOW.offers_exactly(&[(MonthStatus::Open, &[MonthAction::Lock][..]), (MonthStatus::Locked, &[][..])]), Ok(()));
    assert_eq!(MONTH_FLOW.next(MonthStatus::Locked, MonthAction::Lock), Err("绩效月份当前为“已锁定”，不能锁定".to_string()));
    assert_eq!(Month::parse("2026-10").unwrap().subject_id(), 202_610);
}
