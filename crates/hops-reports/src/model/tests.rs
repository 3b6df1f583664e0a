//! Tests of the report model.
use hops_analytics::kpi::service::DepartmentShare;
use hops_kernel::LocalDay;

use super::*;

fn month(s: &str) -> PeriodRange {
    PeriodRange::containing(Period::Month, LocalDay::parse(s).unwrap())
}

#[test]
fn changes_and_arrows() {
    let c = change("consultations_created", &Value::Count(120), &Value::Count(100));
    assert_eq!((c.text.as_str(), c.arrow(), c.tone()), ("+20.0%", "▲", "good"));
    let c = change("consultations_created", &Value::Count(80), &Value::Count(100));
    assert_eq!((c.text.as_str(), c.arrow(), c.tone()), ("-20.0%", "▼", "bad"));
    // Reply time: lower is better.
    let c = change("avg_first_reply_minutes", &Value::Average(Some(6.0)), &Value::Average(Some(8.0)));
    assert_eq!((c.text.as_str(), c.arrow(), c.tone()), ("-25.0%", "▼", "good"));
    let c = change("consultations_refunded_video", &Value::Count(3), &Value::Count(1));
    assert_eq!(c.tone(), "bad");
    // Rates move in percentage points.
    let c = change("good_review_rate", &Value::Rate(Some(0.85)), &Value::Rate(Some(0.9)));
    assert_eq!((c.text.as_str(), c.tone()), ("-5.0 个百分点", "bad"));
    assert!((c.amount.unwrap() + 0.05).abs() < 1e-9);
    // Neutral KPIs have arrows but no colour.
    let c = change("revisit_share", &Value::Rate(Some(0.3)), &Value::Rate(Some(0.2)));
    assert_eq!((c.arrow(), c.tone()), ("▲", "neutral"));
    // Not comparable, flat, from zero.
    assert_eq!(change("satisfaction_avg", &Value::Average(None), &Value::Average(Some(4.0))).text, "—");
    assert_eq!(change("appointments", &Value::Count(5), &Value::Count(5)).text, "持平");
    let c = change("appointments", &Value::Count(5), &Value::Count(0));
    assert_eq!((c.text.as_str(), c.arrow(), c.amount), ("新增", "▲", None));
    let c = change("consultation_revenue", &Value::Money(Money(15_000)), &Value::Money(Money(10_000)));
    assert_eq!(c.text, "+50.0%");
}

#[test]
fn values_for_people_and_api() {
    assert_eq!(show(&Value::Count(1234567)), "1,234,567");
    assert_eq!(show(&Value::Rate(Some(0.8312))), "83.1%");
    assert_eq!(show(&Value::Money(Money(123_450))), "¥1,234.50");
    assert_eq!(show(&Value::Average(None)), "—");
    assert_eq!(api_value(&Value::Money(Money(5))), json!("0.05"));
    assert_eq!(api_value(&Value::Rate(None)), Json::Null);
}

#[test]
fn review_reason_families() {
    let cases: &[(&str, &[&str])] = &[
        ("等了一个多小时医生才回复，回复太慢了", &["回复慢"]),
        ("说是很快回复，结果等到第二天早上", &["回复慢"]),
        ("医生态度很差，很不耐烦", &["态度"]),
        ("感觉医生在应付差事", &["态度"]),
        ("申请退款一周了还没退钱", &["退款"]),
        ("医生没接诊，钱却迟迟不退", &["退款"]),
        ("快递一直不动，药迟迟没到", &["配送"]),
        ("送来的药和开的不一样", &["配送"]),
        ("全是专业术语，根本看不懂", &["解释不清"]),
        ("回答很笼统，没有针对性", &["解释不清"]),
        ("前面排了几十个人，等到晚上", &["等待"]),
        ("电话一直打不进来，等了好久", &["等待"]),
        ("几句话收这么多钱，不值", &["价格"]),
        ("付完钱半天没人理", &["回复慢"]),
        ("APP闪退，聊天记录都没了", &["系统"]),
        ("操作太复杂了，老人根本不会用", &["系统"]),
        ("退款申请被拒，理由也说不清楚", &["退款", "解释不清"]),
        ("药送得太慢了，等了好几天", &["配送"]),
        ("一般", &[]),
    ];
    for (text, want) in cases {
        assert_eq!(review_reasons(text), want.to_vec(), "{text}");
    }
    let t = tally_reasons(["回复太慢", "半天不回", "还行吧", "态度差", "", "退款难，态度也不好", "不知道说啥", "嗯"]);
    assert_eq!(t, vec![("回复慢", 2), ("态度", 2), ("退款", 1), ("其他", 3), ("未填写评价", 1)]);
    assert!(tally_reasons(std::iter::empty()).is_empty());
}

fn set(range: PeriodRange, now: &[(&str, Value)], before: &[(&str, Value)], year: &[(&str, Value)]) -> KpiSet {
    let v = |xs: &[(&str, Value)]| xs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    KpiSet {
        range,
        spans: hops_analytics::kpi::model::Spans::of(range, range.end_exclusive),
        current: v(now),
        previous: v(before),
        year_ago: v(year),
        department_share: vec![DepartmentShare {
            code: "CARD".into(), name: "心血管内科".into(), consultations: 3, share: Some(0.75)
        }],
    }
}

fn sample() -> Report {
    let range = month("2026-10-01");
    let kpis = set(
        range,
        &[
            ("consultations_created", Value::Count(130)),
            ("consultation_revenue", Value::Money(Money(150_000))),
            ("good_review_rate", Value::Rate(Some(0.80))),
            ("avg_first_reply_minutes", Value::Average(Some(12.5))),
            ("consultations_refunded", Value::Count(2)),
            ("appointments", Value::Count(101)),
        ],
        &[
            ("consultations_created", Value::Count(100)),
            ("consultation_revenue", Value::Money(Money(140_000))),
            ("good_review_rate", Value::Rate(Some(0.90))),
            ("avg_first_reply_minutes", Value::Average(Some(10.0))),
            ("consultations_refunded", Value::Count(2)),
            ("appointments", Value::Count(100)),
        ],
        &[("consultations_created", Value::Count(50))],
    );
    let reviews = Reviews { distribution: [2, 1, 0, 3, 10], reasons: tally_reasons(["回复太慢", "没人回", "态度差"]) };
    assemble(Input {
        hospital: "示例医院",
        kpis: &kpis,
        trend: vec![],
        doctors: vec![],
        leaderboard: None,
        reviews,
        conclusions: None,
        generated_at: Instant::parse("2026-11-02 08:00:00").unwrap(),
    })
}

#[test]
fn summary_names_the_biggest_moves() {
    let r = sample();
    assert_eq!(r.title, "互联网医院运营月报");
    assert!(
        r.summary
            .overview
            .starts_with("2026年10月（2026-10-01 至 2026-10-31），互联网医院共收到问诊订单 130 单（环比 +30.0%，同比 +160.0%）")
    );
    // The year-on-year rise of consultations is the largest good move (one sentence per KPI).
    assert_eq!(r.summary.highlights[0], "问诊下单量同比增长 160.0%（50 → 130）");
    assert_eq!(r.summary.highlights.len(), 2, "{:?}", r.summary.highlights);
    assert!(r.summary.highlights[1].starts_with("问诊收入环比增长 7.1%"));
    // Bad moves: 10 points of good reviews (weight 0.5) before 25% slower replies; appointments +1% is noise.
    assert_eq!(r.summary.problems[0], "好评率环比下降 10.0 个百分点（90.0% → 80.0%）");
    assert_eq!(r.summary.problems[1], "平均首次响应时长环比延长 25.0%（10.00 → 12.50 分钟）");
    assert_eq!(r.summary.problems[2], "差评（1–2 分）共 3 条，主要原因为「回复慢」（2 条）");
    assert!(!r.summary.highlights.iter().chain(&r.summary.problems).any(|s| s.contains("预约")));
}

#[test]
fn conclusions_are_suggested_until_written() {
    let r = sample();
    assert!(r.conclusions_suggested);
    assert!(r.conclusions.starts_with("1. 优化医生排班"), "{}", r.conclusions);
    assert!(r.conclusions.contains("\n2. 对差评逐条回访"));
    let kpis = set(month("2026-10-01"), &[], &[], &[]);
    let written = assemble(Input {
        hospital: "示例医院",
        kpis: &kpis,
        trend: vec![],
        doctors: vec![],
        leaderboard: None,
        reviews: Reviews::default(),
        conclusions: Some("  下月重点：缩短响应时间。 "),
        generated_at: Instant::EPOCH,
    });
    assert_eq!((written.conclusions.as_str(), written.conclusions_suggested), ("下月重点：缩短响应时间。", false));
    assert!(written.summary.highlights.is_empty() && written.summary.problems.is_empty());
}

#[test]
fn numbers_match_the_kpi_api_format() {
    let r = sample();
    let n = numbers(&r);
    assert_eq!(n["kpis"]["consultation_revenue"]["value"], json!("1500.00"));
    assert_eq!(n["kpis"]["good_review_rate"]["previous"], json!(0.9));
    assert_eq!(n["kpis"]["good_review_rate"]["mom"]["good"], json!(false));
    assert_eq!(n["kpis"]["satisfaction_avg"]["value"], Json::Null);
    assert_eq!(n["kpis"]["consultations_paid_video"]["value"], Json::Null, "absent from this sample set");
    assert_eq!(n["period"]["end"], json!("2026-10-31"));
    assert_eq!(n["department_share"][0]["share"], json!(0.75));
    assert_eq!(n["reviews"]["bad"], json!(3));
}

#[test]
fn labels_and_trend_points() {
    assert_eq!(short_label(month("2026-10-15")), "10月");
    assert_eq!(short_label(month("2026-01-15")), "26年1月");
    assert_eq!(short_label(PeriodRange::containing(Period::Quarter, LocalDay::parse("2026-11-02").unwrap())), "2026Q4");
    assert_eq!(short_label(PeriodRange::containing(Period::Week, LocalDay::parse("2026-11-19").unwrap())), "第47周");
    assert_eq!(short_label(PeriodRange::containing(Period::Half, LocalDay::parse("2026-03-01").unwrap())), "2026上半年");
    let p = TrendPoint::from_kpis(
        month("2026-10-01"),
        &[
            ("consultations_created_video".into(), Value::Count(4)),
            ("consultations_created".into(), Value::Count(9)),
            ("consultation_revenue".into(), Value::Money(Money(990))),
        ],
    );
    assert_eq!((p.by_kind, p.created, p.revenue), ([0, 4, 0, 0], 9, Money(990)));
}

#[test]
fn subscribers_are_validated() {
    let ok = subscriber(&SubscriberDraft {
        name: " 王院长 ".into(),
        email: "Wang.YZ@Hospital.cn".into(),
        kinds: vec!["quarter".into(), "month".into(), "month".into()],
    })
    .unwrap();
    assert_eq!(ok, Subscriber { name: "王院长".into(), email: "wang.yz@hospital.cn".into(), kinds: vec![Period::Month, Period::Quarter] });
    assert_eq!(kinds_code(&ok.kinds), "month,quarter");
    assert_eq!(parse_kinds("month,quarter,bogus"), vec![Period::Month, Period::Quarter]);
    let e = subscriber(&SubscriberDraft { name: "".into(), email: "not-an-email".into(), kinds: vec!["decade".into()] }).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["name", "email", "kinds"]);
    for bad in ["a@b", "@b.cn", "a@@b.cn", "a b@c.cn", "a@b..cn", "a@.b.cn", "<a@b.cn>", "a@b.cn."] {
        assert!(!valid_email(bad), "{bad}");
    }
    assert!(valid_email("ops-team+reports@example.com.cn"));
}

#[test]
fn deliveries_wait_for_eight_in_the_morning() {
    let t = |s: &str| Instant::parse(s).unwrap();
    assert_eq!(delivery_time(t("2026-11-02 07:30:00")), t("2026-11-02 08:00:00"));
    assert_eq!(delivery_time(t("2026-11-02 08:00:00")), t("2026-11-03 08:00:00"));
    assert_eq!(delivery_time(t("2026-11-02 23:59:00")), t("2026-11-03 08:00:00"));
}
