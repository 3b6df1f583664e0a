//! Tests of the formulas in `model.rs`.
use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn sums(consultations: i64, completed: i64, ratings: &[i64], reply_minutes: &[i64], revisits: i64) -> Sums {
    Sums {
        consultations,
        completed,
        rated: ratings.len() as i64,
        rating_sum: ratings.iter().sum(),
        replies: reply_minutes.len() as i64,
        reply_micros: reply_minutes.iter().sum::<i64>() * 60_000_000,
        revisits,
    }
}

fn subject(code: &str, s: Sums) -> Subject {
    Subject { id: 0, code: code.into(), name: code.into(), department: String::new(), title: String::new(), sums: s }
}

#[test]
fn bayesian_average() {
    // (prior mean, m, sum, n, expected)
    type Case = (Option<f64>, i64, i64, i64, Option<f64>);
    let cases: &[Case] = &[
        (Some(4.0), 10, 5, 1, Some(45.0 / 11.0)),
        (Some(4.0), 10, 240, 50, Some(280.0 / 60.0)),
        (Some(4.0), 0, 5, 1, Some(5.0)),
        (Some(4.2), 10, 0, 0, Some(4.2)),
        (Some(4.0), 0, 0, 0, None),
        (None, 10, 0, 0, None),
        (None, 10, 9, 2, Some(4.5)),
        (Some(3.0), -5, 8, 2, Some(4.0)),
    ];
    for (mu, m, sum, n, want) in cases {
        let got = bayesian(*mu, *m, *sum, *n);
        match (got, want) {
            (Some(g), Some(w)) => assert!(close(g, *w), "{mu:?} {m} {sum}/{n}: {g} ≠ {w}"),
            (g, w) => assert_eq!(g, *w, "{mu:?} {m} {sum}/{n}"),
        }
    }
}

#[test]
fn normalisation() {
    let h = Better::Higher;
    let l = Better::Lower;
    let cases: Vec<(Vec<Option<f64>>, Better, Vec<f64>)> = vec![
        (vec![Some(10.0), Some(20.0), Some(15.0)], h, vec![0.0, 100.0, 50.0]),
        (vec![Some(10.0), Some(20.0), Some(15.0)], l, vec![100.0, 0.0, 50.0]),
        (vec![Some(3.0), Some(3.0)], h, vec![100.0, 100.0]),
        (vec![Some(3.0)], l, vec![100.0]),
        // Missing: the mean of the others' scores.
        (vec![Some(2.0), None, Some(6.0)], l, vec![100.0, 50.0, 0.0]),
        (vec![None, None], h, vec![0.0, 0.0]),
        (vec![], h, vec![]),
    ];
    for (values, better, want) in cases {
        let got = normalise(&values, better);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!(close(*g, *w), "{values:?} {better:?}: {got:?} ≠ {want:?}");
        }
    }
}

#[test]
fn indicator_values() {
    let mu = Some(4.5);
    // (sums, m, volume, mean, satisfaction, reply minutes, revisit rate)
    type Case = (Sums, i64, i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let cases: Vec<Case> = vec![
        (sums(10, 8, &[5, 4], &[3, 5], 2), 10, 8, Some(4.5), Some(4.5), Some(4.0), Some(0.2)),
        (sums(4, 4, &[5], &[], 0), 2, 4, Some(5.0), Some(14.0 / 3.0), None, Some(0.0)),
        (sums(0, 0, &[], &[], 0), 10, 0, None, Some(4.5), None, None),
    ];
    for (s, m, volume, mean, sat, reply, revisit) in cases {
        let i = indicators(&s, mu, m);
        assert_eq!(i.volume, volume);
        for (g, w) in [(i.rating_mean, mean), (i.satisfaction, sat), (i.reply_minutes, reply), (i.revisit_rate, revisit)] {
            match (g, w) {
                (Some(g), Some(w)) => assert!(close(g, w), "{s:?}: {g} ≠ {w}"),
                (g, w) => assert_eq!(g, w, "{s:?}"),
            }
        }
    }
}

/// One 5-star rating must not beat fifty ratings averaging 4.8 once corrected, although its
/// plain mean is higher.
#[test]
fn small_samples_do_not_win_on_satisfaction() {
    let one = subject("ONE", sums(5, 5, &[5], &[10; 5], 0));
    let fifty = subject("FIFTY", sums(50, 50, &[[5, 5, 5, 5, 4]; 10].concat(), &[10; 50], 0));
    let low = subject("LOW", sums(20, 20, &[4; 20], &[10; 20], 0));
    let satisfaction_only =
        Settings { weights: Weights { volume: 0.0, satisfaction: 1.0, reply: 0.0, revisit: 0.0 }, prior_weight: 10, min_sample: 5 };
    let b = board(satisfaction_only, vec![one.clone(), fifty.clone(), low.clone()]);
    // μ = (5 + 240 + 80) / 71; ONE: (10μ + 5) / 11; FIFTY: (10μ + 240) / 60.
    let mu = 325.0 / 71.0;
    assert!(close(b.prior_mean.unwrap(), mu));
    let order: Vec<&str> = b.ranked.iter().map(|e| e.subject.code.as_str()).collect();
    assert_eq!(order, ["FIFTY", "ONE", "LOW"]);
    let sat = |code: &str| b.ranked.iter().find(|e| e.subject.code == code).unwrap().indicators.satisfaction.unwrap();
    assert!(close(sat("ONE"), (10.0 * mu + 5.0) / 11.0));
    assert!(close(sat("FIFTY"), (10.0 * mu + 240.0) / 60.0));
    // Without the correction (m = 0) the single rating wins.
    let plain = Settings { prior_weight: 0, ..satisfaction_only };
    let b = board(plain, vec![one, fifty, low]);
    assert_eq!(b.ranked[0].subject.code, "ONE");
}

#[test]
fn composite_ranks_and_min_sample() {
    // A: high volume, slow replies. B: low volume, fast replies. C: below the minimum sample.
    let a = subject("A", sums(20, 20, &[], &[30; 20], 0));
    let b = subject("B", sums(10, 10, &[], &[6; 10], 5));
    let c = subject("C", sums(4, 4, &[], &[1; 4], 4));
    let s = Settings::default();
    let board = board(s, vec![a, b, c]);
    assert_eq!(board.unranked.len(), 1);
    assert_eq!(board.unranked[0].subject.code, "C");
    assert_eq!(board.unranked[0].rank, None);
    // No ratings: satisfaction scores 0 for both. A: 0.4·100 + 0 + 0.2·0 + 0.1·0 = 40;
    // B: 0.4·0 + 0 + 0.2·100 + 0.1·100 = 30.
    let got: Vec<(&str, f64, Option<usize>)> =
        board.ranked.iter().map(|e| (e.subject.code.as_str(), e.composite.unwrap(), e.rank)).collect();
    assert_eq!(got, [("A", 40.0, Some(1)), ("B", 30.0, Some(2))]);
}

#[test]
fn equal_composites_share_a_rank() {
    let x = subject("X", sums(5, 5, &[], &[], 0));
    let y = subject("Y", sums(5, 5, &[], &[], 0));
    let z = subject("Z", sums(6, 6, &[], &[], 0));
    let w = Settings { weights: Weights { volume: 0.0, satisfaction: 0.0, reply: 0.0, revisit: 1.0 }, ..Settings::default() };
    let b = board(w, vec![x, y, z]);
    let ranks: Vec<(&str, Option<usize>)> = b.ranked.iter().map(|e| (e.subject.code.as_str(), e.rank)).collect();
    // All revisit rates 0 → everyone 100; ties broken for display by volume then code.
    assert_eq!(ranks, [("Z", Some(1)), ("X", Some(1)), ("Y", Some(1))]);
}

fn draft(v: &str, s: &str, r: &str, t: &str, m: &str, n: &str) -> SettingsDraft {
    SettingsDraft {
        weight_volume: v.into(),
        weight_satisfaction: s.into(),
        weight_reply: r.into(),
        weight_revisit: t.into(),
        prior_weight: m.into(),
        min_sample: n.into(),
    }
}

#[test]
fn settings_validation() {
    // (draft, fields with errors)
    let cases: Vec<(SettingsDraft, &[&str])> = vec![
        (draft("0.4", "0.3", "0.2", "0.1", "10", "5"), &[]),
        (draft("40%", "30%", "20％", "10%", "0", "1"), &[]),
        (draft("0.3333", "0.3333", "0.3334", "0", "10", "5"), &[]),
        (draft("0.4", "0.3", "0.2", "0.1009", "10", "5"), &[]),
        (draft("0.4", "0.3", "0.2", "0.2", "10", "5"), &["weights"]),
        (draft("0.4", "0.3", "0.2", "0.098", "10", "5"), &["weights"]),
        (draft("-0.1", "0.5", "0.5", "0.1", "10", "5"), &["weight_volume"]),
        (draft("abc", "", "1.5", "NaN", "10", "5"), &["weight_volume", "weight_satisfaction", "weight_reply", "weight_revisit"]),
        (draft("0.4", "0.3", "0.2", "0.1", "-1", "0"), &["prior_weight", "min_sample"]),
        (draft("0.4", "0.3", "0.2", "0.1", "2.5", "x"), &["prior_weight", "min_sample"]),
    ];
    for (d, want) in cases {
        let got: Vec<String> = match settings(&d) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|f| f.field).collect(),
        };
        assert_eq!(got, want, "{d:?}");
    }
    let s = settings(&draft("40%", "0.3", "0.2", "0.1", "10", "5")).unwrap();
    assert!(close(s.weights.volume, 0.4));
    let e = settings(&draft("0.5", "0.3", "0.2", "0.1", "10", "5")).unwrap_err();
    assert_eq!(e[0].message, "四项权重之和须为 1（允许误差 ±0.001），当前为 1.1");
    assert_eq!(SettingsDraft::from_settings(&Settings::default()).weight_volume, "0.4");
}

#[test]
fn months() {
    // (text, parsed first day)
    let cases: &[(&str, Option<&str>)] = &[
        ("2026-10", Some("2026-10-01")),
        ("2024-02", Some("2024-02-01")),
        ("2026-13", None),
        ("2026-00", None),
        ("2026-1", None),
        ("2026/10", None),
        ("abcd-ef", None),
        ("", None),
        ("0000-01", None),
        ("２０２６-10", None),
    ];
    for (s, want) in cases {
        assert_eq!(parse_month(s).map(|m| m.start.to_string()), want.map(String::from), "{s}");
    }
    let m = parse_month("2026-12").unwrap();
    assert_eq!(month_code(m), "2026-12");
    assert_eq!(m.end_exclusive.to_string(), "2027-01-01");
    assert!(has_ended(m, LocalDay::parse("2027-01-01").unwrap()));
    assert!(!has_ended(m, LocalDay::parse("2026-12-31").unwrap()));
}

#[test]
fn feedback_validation() {
    let d = |n: &str, c: &str, m: &str| FeedbackDraft { name: n.into(), contact: c.into(), message: m.into() };
    // (draft, fields with errors)
    let long = "很".repeat(501);
    let cases: Vec<(FeedbackDraft, &[&str])> = vec![
        (d("", "", "排名很有参考价值"), &[]),
        (d("张女士", "138 1234 5678", "希望增加儿科"), &[]),
        (d("", "", "   "), &["message"]),
        (d("", "", "\0\u{7}"), &["message"]),
        (d("", "", &long), &["message"]),
        (d(&"名".repeat(31), &"1".repeat(65), "ok"), &["name", "contact"]),
    ];
    for (draft, want) in cases {
        let got: Vec<String> = match feedback(&draft) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|f| f.field).collect(),
        };
        assert_eq!(got, want, "{draft:?}");
    }
    let f = feedback(&d(" 张女士 ", "138-1234-5678", "第一行\r\n第二行\0")).unwrap();
    assert_eq!(f.message, "第一行\n第二行");
    assert_eq!(f.name, "张女士");
    assert_eq!(f.contact.as_deref().map(mask_contact).as_deref(), Some("138****5678"));
    assert!(feedback(&d("", "", &"很".repeat(500))).is_ok());
}

#[test]
fn masking() {
    let cases =
        [("13812345678", "138****5678"), ("zhang@example.com", "z***@example.com"), ("wechat_id_99", "we***99"), ("abc", "a***"), ("", "")];
    for (c, want) in cases {
        assert_eq!(mask_contact(c), want, "{c}");
    }
    assert_eq!(mask_name("张女士"), "张**");
    assert_eq!(mask_name("李"), "李*");
    assert_eq!(mask_name(""), "");
}

#[test]
fn method_text_shows_weights_and_prior() {
    let subjects = vec![subject("A", sums(5, 5, &[4, 5], &[], 0))];
    let b = board(Settings::default(), subjects);
    let text = method_text(&b, RankKind::Doctor).join("\n");
    for needle in ["问诊量 × 40%", "满意度 × 30%", "首次响应 × 20%", "复诊率 × 10%", "m = 10", "μ = 4.50", "不少于 5 例"]
    {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
}

#[test]
fn hospital_codes() {
    for (c, ok) in [("demo", true), ("h-1_b", true), ("\0", false), ("a", false), ("abc/def", false), ("医院", false)] {
        assert_eq!(plausible_hospital_code(c), ok, "{c:?}");
    }
}
