//! Tests of contract years, the settings form and the tally in `model.rs`.
use super::*;

fn d(s: &str) -> LocalDay {
    LocalDay::parse(s).unwrap()
}

fn year(start: &str, today: &str) -> (String, String) {
    let (a, b) = contract_year(d(start), d(today));
    (a.to_string(), b.to_string())
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn contract_years_run_from_anniversary_to_anniversary() {
    // (start, today, first day, day after the last)
    let cases = [
        // The start day itself, the day before an anniversary, the anniversary.
        ("2026-03-15", "2026-03-15", "2026-03-15", "2027-03-15"),
        ("2026-03-15", "2027-03-14", "2026-03-15", "2027-03-15"),
        ("2026-03-15", "2027-03-15", "2027-03-15", "2028-03-15"),
        ("2026-03-15", "2031-01-01", "2030-03-15", "2031-03-15"),
        // Calendar years (the default start).
        ("2026-01-01", "2026-12-31", "2026-01-01", "2027-01-01"),
        ("2026-01-01", "2027-01-01", "2027-01-01", "2028-01-01"),
        ("2020-01-01", "2026-06-30", "2026-01-01", "2027-01-01"),
        // Before the contract starts: the first contract year.
        ("2026-03-15", "2026-03-14", "2026-03-15", "2027-03-15"),
        ("2026-03-15", "2020-01-01", "2026-03-15", "2027-03-15"),
        // A start on a leap day: 28 February in other years, 29 February when there is one.
        ("2024-02-29", "2024-02-29", "2024-02-29", "2025-02-28"),
        ("2024-02-29", "2025-02-27", "2024-02-29", "2025-02-28"),
        ("2024-02-29", "2025-02-28", "2025-02-28", "2026-02-28"),
        ("2024-02-29", "2028-02-28", "2027-02-28", "2028-02-29"),
        ("2024-02-29", "2028-02-29", "2028-02-29", "2029-02-28"),
        // A year crossing a leap day is 366 days long.
        ("2027-03-01", "2028-02-29", "2027-03-01", "2028-03-01"),
        ("2023-12-31", "2024-12-30", "2023-12-31", "2024-12-31"),
    ];
    for (start, today, first, after) in cases {
        assert_eq!(year(start, today), pair(first, after), "start {start}, today {today}");
    }
    // Far dates do not fail: the year after 9999-12-31 ends 366 days later (10000 is a leap year).
    let (a, b) = contract_year(d("2099-12-31"), d("9999-12-31"));
    assert_eq!((a, b.days_since(a)), (d("9999-12-31"), 366));
    // Every day of a leap-day contract's years belongs to exactly one year, gapless.
    let start = d("2024-02-29");
    let mut day = start;
    while day < d("2033-01-01") {
        let (a, b) = contract_year(start, day);
        assert!(a <= day && day < b, "{day}");
        assert_eq!(contract_year(start, b).0, b, "years are contiguous at {b}");
        assert!((365..=366).contains(&b.days_since(a)), "{a}..{b}");
        day = day.plus_days(1);
    }
}

#[test]
fn anniversaries() {
    assert_eq!(anniversary(d("2024-02-29"), 1), d("2025-02-28"));
    assert_eq!(anniversary(d("2024-02-29"), 4), d("2028-02-29"));
    assert_eq!(anniversary(d("2024-02-29"), 0), d("2024-02-29"));
    assert_eq!(anniversary(d("2026-10-31"), -1), d("2025-10-31"));
}

#[test]
fn month_pieces_cut_at_calendar_months() {
    let p = month_pieces(d("2026-03-15"), d("2027-03-15"));
    assert_eq!(p.len(), 13);
    assert_eq!(p[0], (d("2026-03-15"), d("2026-04-01")));
    assert_eq!(p[1], (d("2026-04-01"), d("2026-05-01")));
    assert_eq!(p[12], (d("2027-03-01"), d("2027-03-15")));
    assert_eq!(month_pieces(d("2026-01-01"), d("2027-01-01")).len(), 12);
    // Up to today (inclusive): the last piece stops at tomorrow.
    assert_eq!(
        month_pieces(d("2026-01-01"), d("2026-02-02")),
        vec![(d("2026-01-01"), d("2026-02-01")), (d("2026-02-01"), d("2026-02-02"))]
    );
    assert!(month_pieces(d("2026-03-15"), d("2026-03-15")).is_empty());
    assert!(month_pieces(d("2026-03-15"), d("2026-03-01")).is_empty());
    assert_eq!(month_label(d("2027-03-01")), "2027年3月");
}

#[test]
fn defaults_are_the_calendar_year_1800_wan_and_no_double_counting() {
    let s = Settings::defaults(d("2026-07-09"));
    assert_eq!(s.contract_start, d("2026-01-01"));
    assert_eq!(s.target, Money(1_800_000_000));
    assert_eq!(s.target.to_yuan_string(), "18000000.00");
    assert_eq!(components_text(&s.components), "consultations,payments_outpatient,payments_prescription,payments_other");
    assert!(!s.components.contains(&Component::Payments(PaymentKind::Recharge)));
    assert!(!double_counts(&s.components));
    assert_eq!(contract_year(s.contract_start, d("2026-07-09")), (d("2026-01-01"), d("2027-01-01")));
}

#[test]
fn components_round_trip() {
    for c in Component::ALL {
        assert_eq!(Component::parse(c.code()), Some(c));
        assert!(c.metric().ends_with(c.code().trim_start_matches("payments_")) || c == Component::Consultations);
    }
    assert_eq!(
        parse_components("payments_other, consultations,unknown,consultations"),
        vec![Component::Consultations, Component::Payments(PaymentKind::Other)]
    );
    assert!(parse_components("").is_empty());
}

#[test]
fn amounts_in_wan() {
    for (text, fen) in [
        ("1800", Some(1_800_000_000)),
        ("1800.5", Some(1_800_500_000)),
        ("1,800 万元", Some(1_800_000_000)),
        ("0.000001", Some(1)),
        ("0.01万", Some(10_000)),
        ("0", Some(0)),
        ("-5", None),
        ("1800.", None),
        (".5", None),
        ("0.0000001", None),
        ("一千八百", None),
        ("1e3", None),
        ("99999999999999", None),
    ] {
        assert_eq!(parse_wan(text), fen, "{text}");
    }
    assert_eq!(wan(Money(1_800_000_000)), "1800");
    assert_eq!(wan(Money(1_800_500_000)), "1800.5");
    assert_eq!(wan(Money(1)), "0.000001");
}

fn draft(start: &str, target: &str, components: &[&str]) -> SettingsDraft {
    SettingsDraft {
        contract_start: start.into(),
        target_wan: target.into(),
        components: components.iter().map(|c| c.to_string()).collect(),
    }
}

fn fields(r: Result<Settings, Vec<FieldError>>) -> Vec<(String, String)> {
    r.unwrap_err().into_iter().map(|e| (e.field, e.message)).collect()
}

#[test]
fn valid_settings() {
    let s = settings(&draft(" 2024-02-29 ", "3000", &["payments_other", "consultations", "consultations"])).unwrap();
    assert_eq!(
        s,
        Settings {
            contract_start: d("2024-02-29"),
            target: Money(3_000_000_000),
            components: vec![Component::Consultations, Component::Payments(PaymentKind::Other)],
        }
    );
    // The form shows what was saved.
    let back = SettingsDraft::from_settings(&s);
    assert_eq!((back.contract_start.as_str(), back.target_wan.as_str()), ("2024-02-29", "3000"));
    assert_eq!(settings(&back).unwrap(), s);
    assert!(describe(&s).contains("合同起始日 2024-02-29；年度目标 3000 万元；收入构成 问诊收入、其他缴费"));
}

#[test]
fn every_problem_is_listed_at_once() {
    let f = fields(settings(&draft("", "", &[])));
    assert_eq!(f.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["contract_start", "target_wan", "components"]);
    assert!(f[0].1.contains("请填写合同起始日"));
    assert!(f[2].1.contains("请至少选择一项"));
    let f = fields(settings(&draft("2026-02-30", "0", &["payments_gift"])));
    assert_eq!(f.len(), 3, "{f:?}");
    assert!(f[0].1.contains("“2026-02-30”不是有效日期"), "{f:?}");
    assert_eq!(f[1].1, "年度目标须大于 0");
    assert_eq!(f[2].1, "未知的收入构成“payments_gift”");
    for (start, message) in
        [("2026-13-01", "不是有效日期"), ("26-3-1", "不是有效日期"), ("1999-12-31", "2000 年至 2099 年"), ("明天", "不是有效日期")]
    {
        let f = fields(settings(&draft(start, "1800", &["consultations"])));
        assert_eq!(f.len(), 1);
        assert!(f[0].0 == "contract_start" && f[0].1.contains(message), "{start}: {f:?}");
    }
    for (target, message) in [("-1", "须大于 0"), ("0.000000", "须大于 0"), ("abc", "不是有效金额"), ("1000001", "不能超过 1000000 万元")]
    {
        let f = fields(settings(&draft("2026-01-01", target, &["consultations"])));
        assert_eq!(f.len(), 1);
        assert!(f[0].0 == "target_wan" && f[0].1.contains(message), "{target}: {f:?}");
    }
    // Only blank codes: none chosen.
    let f = fields(settings(&draft("2026-01-01", "1800", &["", " "])));
    assert_eq!(f, vec![("components".to_string(), "请至少选择一项计入累计收入的收入构成".to_string())]);
}

#[test]
fn tally_sums_the_chosen_components_per_month() {
    let sums = |pairs: &[(&str, i64)]| pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect::<HashMap<_, _>>();
    let pieces = vec![
        (d("2026-03-15"), sums(&[("consultation_revenue_fen", 1_000), ("payments_fen_recharge", 50_000), ("payments_fen_other", 5)])),
        (d("2026-04-01"), sums(&[])),
        (d("2026-05-01"), sums(&[("payments_fen_other", 100), ("payments_fen_consultation", 1_000), ("appointments", 7)])),
    ];
    let t = tally(&[Component::Consultations, Component::Payments(PaymentKind::Other)], &pieces);
    assert_eq!(t.total, Money(1_105));
    assert_eq!(t.parts, vec![(Component::Consultations, Money(1_000)), (Component::Payments(PaymentKind::Other), Money(105))]);
    let cumulative: Vec<i64> = t.months.iter().map(|m| m.cumulative.0).collect();
    assert_eq!(cumulative, [1_005, 1_005, 1_105]);
    assert_eq!(t.months[2].amount, Money(100));
    let empty = tally(&Component::DEFAULT, &[]);
    assert_eq!((empty.total, empty.parts.len(), empty.months.len()), (Money::ZERO, 4, 0));
    assert_eq!(progress(Money(450_000_000), DEFAULT_TARGET), Some(0.25));
    assert_eq!(progress(Money(1), Money::ZERO), None);
}

#[test]
fn docs_list_every_component() {
    let doc = include_str!("../../../../docs/kpis.md");
    for c in Component::ALL {
        assert!(doc.contains(&format!("| `{}` | {} |", c.code(), c.label_zh())), "docs/kpis.md lacks component {}", c.code());
    }
}
