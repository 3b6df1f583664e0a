//! What a report says: its content assembled from a period's KPI set, trend, rankings and
//! reviews — comparisons with arrows, the generated summary, bad-review reasons and suggested
//! measures. Pure: no I/O, no clock (the generation time is passed in). The PDF, the XLSX,
//! the console preview and the stored numbers all render this one [`Report`].

use hops_analytics::kpi::model::{self as kpi, Spans, Value};
use hops_analytics::kpi::service::KpiSet;
use hops_kernel::{Instant, Money, Period, PeriodRange};
use serde_json::{Value as Json, json};

/// The document title of a period kind: 《互联网医院运营月报》 etc.
pub fn title(kind: Period) -> &'static str {
    match kind {
        Period::Week => "互联网医院运营周报",
        Period::Month => "互联网医院运营月报",
        Period::Quarter => "互联网医院运营季报",
        Period::Half => "互联网医院运营半年报",
        Period::Year => "互联网医院运营年报",
    }
}

/// "本月", "本周" …, for sentences.
pub fn this_period(kind: Period) -> &'static str {
    match kind {
        Period::Week => "本周",
        Period::Month => "本月",
        Period::Quarter => "本季度",
        Period::Half => "本半年",
        Period::Year => "本年度",
    }
}

/// How many periods the trend chart shows, ending with the report's own.
pub fn trend_length(kind: Period) -> usize {
    match kind {
        Period::Week | Period::Month => 12,
        Period::Quarter => 8,
        Period::Half | Period::Year => 6,
    }
}

/// A short label for a chart axis: `10月`, `第47周`, `2026Q4`, `2026上半年`, `2026年`.
pub fn short_label(r: PeriodRange) -> String {
    let date = r.start.to_date();
    match r.kind {
        Period::Week => {
            let iso = date.iso_week_date();
            format!("第{}周", iso.week())
        }
        Period::Month if date.month() == 1 => format!("{}年1月", date.year() % 100),
        Period::Month => format!("{}月", date.month()),
        Period::Quarter => format!("{}Q{}", date.year(), (date.month() - 1) / 3 + 1),
        Period::Half if date.month() <= 6 => format!("{}上半年", date.year()),
        Period::Half => format!("{}下半年", date.year()),
        Period::Year => format!("{}年", date.year()),
    }
}

// ---- comparisons ----

pub use hops_analytics::kpi::model::{Better, better};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Flat,
}

/// A value against a comparison value (环比 or 同比).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `+12.3%`, `-4.0%`, `+1.2 个百分点` (rates), `持平`, or `—` when not comparable.
    pub text: String,
    pub direction: Option<Direction>,
    /// Whether the move is good news; `None` when flat, not comparable or neutral.
    pub good: Option<bool>,
    /// Relative change (0.123 = +12.3%); for rates the change in points as a fraction
    /// (0.012 = +1.2 个百分点). `None` when not comparable.
    pub amount: Option<f64>,
}

impl Change {
    /// ▲ up, ▼ down, ＝ flat, nothing when not comparable.
    pub fn arrow(&self) -> &'static str {
        match self.direction {
            Some(Direction::Up) => "▲",
            Some(Direction::Down) => "▼",
            Some(Direction::Flat) => "＝",
            None => "",
        }
    }
    /// `good`, `bad` or `neutral`, for colouring.
    pub fn tone(&self) -> &'static str {
        match self.good {
            Some(true) => "good",
            Some(false) => "bad",
            None => "neutral",
        }
    }
}

/// A value as a number (money in fen), if it has one.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Count(n) => Some(*n as f64),
        Value::Rate(r) | Value::Average(r) => *r,
        Value::Money(m) => Some(m.0 as f64),
    }
}

/// Compares `now` with `then` for KPI `key`.
pub fn change(key: &str, now: &Value, then: &Value) -> Change {
    let none = Change { text: "—".into(), direction: None, good: None, amount: None };
    let (Some(a), Some(b)) = (number(now), number(then)) else { return none };
    let is_rate = matches!(now, Value::Rate(_));
    let direction = if (a - b).abs() < 1e-9 {
        Direction::Flat
    } else if a > b {
        Direction::Up
    } else {
        Direction::Down
    };
    let good = match (better(key), direction) {
        (_, Direction::Flat) | (Better::Neutral, _) => None,
        (Better::Higher, d) => Some(d == Direction::Up),
        (Better::Lower, d) => Some(d == Direction::Down),
    };
    if is_rate {
        let pp = a - b;
        let text = if direction == Direction::Flat { "持平".into() } else { format!("{:+.1} 个百分点", pp * 100.0) };
        return Change { text, direction: Some(direction), good, amount: Some(pp) };
    }
    if b == 0.0 {
        // From nothing: a rise without a meaningful percentage.
        return match direction {
            Direction::Flat => Change { text: "持平".into(), direction: Some(direction), good, amount: Some(0.0) },
            _ => Change { text: "新增".into(), direction: Some(direction), good, amount: None },
        };
    }
    let rel = (a - b) / b.abs();
    let text = if direction == Direction::Flat { "持平".into() } else { format!("{:+.1}%", rel * 100.0) };
    Change { text, direction: Some(direction), good, amount: Some(rel) }
}

/// A value for people: counts with separators, rates as percentages, money as ¥, `—` for none.
pub fn show(v: &Value) -> String {
    match v {
        Value::Count(n) => group_digits(*n),
        Value::Rate(Some(r)) => format!("{:.1}%", r * 100.0),
        Value::Average(Some(a)) => format!("{a:.2}"),
        Value::Rate(None) | Value::Average(None) => "—".into(),
        Value::Money(m) => m.to_string(),
    }
}

/// `12,345`.
pub fn group_digits(v: i64) -> String {
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// The value as the KPI API writes it: numbers, fractions, money as a yuan string, null.
pub fn api_value(v: &Value) -> Json {
    match v {
        Value::Count(n) => Json::from(*n),
        Value::Rate(r) | Value::Average(r) => r.map(Json::from).unwrap_or(Json::Null),
        Value::Money(m) => Json::from(m.to_yuan_string()),
    }
}

fn find<'a>(set: &'a [(String, Value)], key: &str) -> &'a Value {
    set.iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or(&Value::Rate(None))
}

// ---- bad-review reasons: one list, in hops_analytics::activity::reviews ----

pub use hops_analytics::activity::reviews::{REASONS as REASON_FAMILIES, reasons as review_reasons, tally as tally_reasons};

// ---- content ----

/// One row of the KPI table.
#[derive(Clone, Debug)]
pub struct KpiLine {
    pub key: String,
    pub label: String,
    pub unit: &'static str,
    pub value: Value,
    pub previous: Value,
    pub year_ago: Value,
    pub mom: Change,
    pub yoy: Change,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DepartmentLine {
    pub code: String,
    pub name: String,
    pub consultations: i64,
    pub share: Option<f64>,
}

/// A doctor's completed consultations in the period and how patients rated them.
#[derive(Clone, Debug, PartialEq)]
pub struct DoctorLine {
    pub name: String,
    pub department: String,
    pub title: String,
    pub completed: i64,
    pub rated: i64,
    pub rating_avg: Option<f64>,
    pub good_rate: Option<f64>,
    pub reply_minutes: Option<f64>,
}

/// One line of the month's official leaderboard (the analytics module's composite ranking).
#[derive(Clone, Debug, PartialEq)]
pub struct LeaderEntry {
    pub rank: usize,
    pub name: String,
    pub department: String,
    pub title: String,
    /// Completed consultations.
    pub volume: i64,
    pub rating_mean: Option<f64>,
    /// Bayesian (small-sample corrected) rating.
    pub satisfaction: Option<f64>,
    pub reply_minutes: Option<f64>,
    pub revisit_rate: Option<f64>,
    pub score: f64,
}

/// The month's doctor leaderboard with its method in words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Leaderboard {
    pub method: Vec<String>,
    /// The best ranked, at most ten.
    pub entries: Vec<LeaderEntry>,
    /// Doctors below the minimum sample (listed on the rankings page, not ranked).
    pub unranked: usize,
    pub min_sample: i64,
}

/// One period of the trend.
#[derive(Clone, Debug)]
pub struct TrendPoint {
    pub range: PeriodRange,
    pub label: String,
    /// Consultations created per kind, in [`kpi::KINDS`] order.
    pub by_kind: [i64; 4],
    pub created: i64,
    pub paid: i64,
    pub revenue: Money,
    pub satisfaction: Option<f64>,
    pub good_rate: Option<f64>,
}

impl TrendPoint {
    pub fn from_kpis(range: PeriodRange, set: &[(String, Value)]) -> TrendPoint {
        let count = |k: &str| match find(set, k) {
            Value::Count(n) => *n,
            _ => 0,
        };
        let mut by_kind = [0; 4];
        for (i, (code, _)) in kpi::KINDS.iter().enumerate() {
            by_kind[i] = count(&format!("consultations_created_{code}"));
        }
        let opt = |k: &str| match find(set, k) {
            Value::Rate(r) | Value::Average(r) => *r,
            _ => None,
        };
        TrendPoint {
            range,
            label: short_label(range),
            by_kind,
            created: count("consultations_created"),
            paid: count("consultations_paid"),
            revenue: match find(set, "consultation_revenue") {
                Value::Money(m) => *m,
                _ => Money::ZERO,
            },
            satisfaction: opt("satisfaction_avg"),
            good_rate: opt("good_review_rate"),
        }
    }
}

/// Ratings and bad reviews of the period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reviews {
    /// Ratings 1 … 5.
    pub distribution: [i64; 5],
    /// Reason families of the texts of ratings ≤ 2, largest first.
    pub reasons: Vec<(&'static str, i64)>,
}

impl Reviews {
    pub fn bad(&self) -> i64 {
        self.distribution[0] + self.distribution[1]
    }
    pub fn rated(&self) -> i64 {
        self.distribution.iter().sum()
    }
}

/// The generated summary: an overview sentence, what went well, what needs attention.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub overview: String,
    pub highlights: Vec<String>,
    pub problems: Vec<String>,
}

/// Everything one report shows.
#[derive(Clone, Debug)]
pub struct Report {
    pub hospital: String,
    pub range: PeriodRange,
    pub title: &'static str,
    pub label: String,
    pub generated_at: Instant,
    /// The days each comparison covers: whole periods, or — for a period under way — its days
    /// so far and the same days of the previous period and a year earlier.
    pub spans: Spans,
    pub kpis: Vec<KpiLine>,
    /// Per consultation kind: created, paid, completed, refunded (KPI lines of the splits).
    pub kinds: Vec<KpiLine>,
    pub departments: Vec<DepartmentLine>,
    pub doctors: Vec<DoctorLine>,
    /// Monthly reports: the official leaderboard of the month.
    pub leaderboard: Option<Leaderboard>,
    pub trend: Vec<TrendPoint>,
    pub reviews: Reviews,
    pub summary: Summary,
    /// 结论与措施: the operator's text, or the suggestion when none was written.
    pub conclusions: String,
    pub conclusions_suggested: bool,
}

/// What a report is made of.
pub struct Input<'a> {
    pub hospital: &'a str,
    pub kpis: &'a KpiSet,
    pub trend: Vec<TrendPoint>,
    pub doctors: Vec<DoctorLine>,
    pub leaderboard: Option<Leaderboard>,
    pub reviews: Reviews,
    /// The operator's 结论与措施, if written.
    pub conclusions: Option<&'a str>,
    pub generated_at: Instant,
}

fn line(set: &KpiSet, key: &str) -> KpiLine {
    let (v, p, y) = (find(&set.current, key), find(&set.previous, key), find(&set.year_ago, key));
    KpiLine {
        key: key.to_string(),
        label: kpi::label_zh(key),
        unit: kpi::KPIS.iter().find(|k| k.key == key).map(|k| k.unit).unwrap_or("单"),
        value: v.clone(),
        previous: p.clone(),
        year_ago: y.clone(),
        mom: change(key, v, p),
        yoy: change(key, v, y),
    }
}

/// Assembles the report.
pub fn assemble(input: Input<'_>) -> Report {
    let set = input.kpis;
    let kpis: Vec<KpiLine> = kpi::KPIS.iter().map(|k| line(set, k.key)).collect();
    let kinds = kpi::KINDS
        .iter()
        .flat_map(|(code, _)| ["created", "paid", "completed", "refunded"].map(|w| format!("consultations_{w}_{code}")))
        .map(|k| line(set, &k))
        .collect();
    let departments = set
        .department_share
        .iter()
        .map(|d| DepartmentLine { code: d.code.clone(), name: d.name.clone(), consultations: d.consultations, share: d.share })
        .collect();
    let summary = summarise(set.range, &set.spans, &kpis, &input.reviews);
    let (conclusions, conclusions_suggested) = match input.conclusions.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => (t.to_string(), false),
        None => (suggested_measures(&kpis, &input.reviews), true),
    };
    Report {
        hospital: input.hospital.to_string(),
        range: set.range,
        title: title(set.range.kind),
        label: set.range.label_zh(),
        generated_at: input.generated_at,
        spans: set.spans,
        kpis,
        kinds,
        departments,
        doctors: input.doctors,
        leaderboard: input.leaderboard,
        trend: input.trend,
        reviews: input.reviews,
        summary,
        conclusions,
        conclusions_suggested,
    }
}

impl Report {
    pub fn kpi(&self, key: &str) -> Option<&KpiLine> {
        self.kpis.iter().find(|k| k.key == key)
    }

    /// The headings of a KPI table's value and comparison columns: 本期, 上期, 环比, 去年同期,
    /// 同比 — or 本月至今, 上月同期, 较上月同期, 去年同期, 较去年同期 for a period under way.
    pub fn columns(&self) -> [String; 5] {
        let s = &self.spans;
        [s.current_name(), s.previous_name(), s.previous_change(), s.year_ago_name().into(), s.year_ago_change().into()]
    }
}

/// KPIs considered for highlights and problems (the others are parts of these).
const NOTABLE: &[&str] = &[
    "registrations_new",
    "consultations_created",
    "consultations_paid",
    "consultations_completed",
    "consultations_refunded",
    "conversion_rate",
    "acceptance_rate",
    "avg_first_reply_minutes",
    "active_doctors",
    "satisfaction_avg",
    "good_review_rate",
    "consultation_revenue",
    "appointments",
    "payments_total",
    "insurance_amount",
    "prescriptions_issued",
    "prescriptions_delivered",
    "returning_patient_rate",
];

/// A move worth a sentence: at least 3% for counts, money and averages, at least
/// 1 percentage point for rates. Its weight ranks moves of different kinds (1 point ≈ 5%).
fn weight(l: &KpiLine, c: &Change) -> Option<f64> {
    let a = c.amount?.abs();
    match l.value {
        Value::Rate(_) if a >= 0.01 => Some(a * 5.0),
        Value::Rate(_) => None,
        _ if a >= 0.03 => Some(a),
        _ => None,
    }
}

fn sentence(l: &KpiLine, c: &Change, basis: &str, then: &Value) -> String {
    let verb = match (&l.value, c.direction, l.key.as_str()) {
        (_, Some(Direction::Up), "avg_first_reply_minutes") => "延长",
        (_, Some(Direction::Down), "avg_first_reply_minutes") => "缩短",
        (Value::Rate(_) | Value::Average(_), Some(Direction::Up), _) => "提升",
        (Value::Rate(_) | Value::Average(_), _, _) => "下降",
        (_, Some(Direction::Up), _) => "增长",
        _ => "下降",
    };
    let amount = match (&l.value, c.amount) {
        (Value::Rate(_), Some(a)) => format!("{:.1} 个百分点", a.abs() * 100.0),
        (_, Some(a)) => format!("{:.1}%", a.abs() * 100.0),
        _ => String::new(),
    };
    let unit = if matches!(l.value, Value::Average(_)) && !l.unit.is_empty() { format!(" {}", l.unit) } else { String::new() };
    format!("{}{basis}{verb} {amount}（{} → {}{unit}）", l.label, show(then), show(&l.value))
}

/// Picks up to `n` moves of one tone, one per KPI, the largest first.
/// A move from nothing (a count, amount or rate of 0 before) is no highlight nor problem: the
/// earlier period had no data to compare with (a first month has no returning patients).
fn moves(spans: &Spans, kpis: &[KpiLine], good: bool, n: usize) -> Vec<String> {
    let mut found: Vec<(f64, String)> = Vec::new();
    let (mom, yoy) = (spans.previous_change(), spans.year_ago_change());
    for l in kpis.iter().filter(|l| NOTABLE.contains(&l.key.as_str())) {
        let best = [(&l.mom, mom.as_str(), &l.previous), (&l.yoy, yoy, &l.year_ago)]
            .into_iter()
            .filter(|(c, _, _)| c.good == Some(good))
            .filter(|(_, _, then)| number(then).is_some_and(|b| b != 0.0))
            .filter_map(|(c, basis, then)| weight(l, c).map(|w| (w, sentence(l, c, basis, then))))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(b) = best {
            found.push(b);
        }
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().take(n).map(|(_, s)| s).collect()
}

/// The summary: an overview from the headline numbers, then the biggest good and bad moves
/// (环比 or 同比) and the main reason of bad reviews.
pub fn summarise(range: PeriodRange, spans: &Spans, kpis: &[KpiLine], reviews: &Reviews) -> Summary {
    let get = |k: &str| kpis.iter().find(|l| l.key == k);
    let val = |k: &str| get(k).map(|l| show(&l.value)).unwrap_or_else(|| "—".into());
    let (mom, yoy) = (spans.previous_change(), spans.year_ago_change());
    let cmp = |k: &str| {
        let (m, y) = get(k).map(|l| (l.mom.text.as_str(), l.yoy.text.as_str())).unwrap_or(("—", "—"));
        format!("{mom} {m}，{yoy} {y}")
    };
    let through = if spans.partial { "，截至今天" } else { "" };
    let overview = format!(
        "{}（{} 至 {}{through}），互联网医院共收到问诊订单 {} 单（{}），其中支付 {} 单、完成 {} 单，订单转化率 {}；\
         实现问诊收入 {}（{}）。新注册患者 {} 人，活跃医生 {} 人，平均首次响应时长 {} 分钟，患者平均评分 {} 分，好评率 {}。",
        range.label_zh(),
        spans.current.start,
        spans.current.last_day(),
        val("consultations_created"),
        cmp("consultations_created"),
        val("consultations_paid"),
        val("consultations_completed"),
        val("conversion_rate"),
        val("consultation_revenue"),
        cmp("consultation_revenue"),
        val("registrations_new"),
        val("active_doctors"),
        val("avg_first_reply_minutes"),
        val("satisfaction_avg"),
        val("good_review_rate"),
    );
    let highlights = moves(spans, kpis, true, 4);
    let mut problems = moves(spans, kpis, false, 4);
    if let Some((reason, n)) = reviews.reasons.iter().find(|(r, _)| *r != "其他" && *r != "未填写评价") {
        problems.push(format!("差评（1–2 分）共 {} 条，主要原因为「{reason}」（{n} 条）", reviews.bad()));
    } else if reviews.bad() > 0 {
        problems.push(format!("差评（1–2 分）共 {} 条", reviews.bad()));
    }
    Summary { overview, highlights, problems }
}

/// A starting text for 结论与措施 when the operator has not written one: a measure for each
/// problem area the numbers show (a KPI noticeably worse, or a main reason of bad reviews).
pub fn suggested_measures(kpis: &[KpiLine], reviews: &Reviews) -> String {
    // A KPI that got noticeably worse (the same thresholds as the summary's problems).
    let worse = |k: &str| {
        kpis.iter().find(|l| l.key == k).is_some_and(|l| [&l.mom, &l.yoy].iter().any(|c| c.good == Some(false) && weight(l, c).is_some()))
    };
    // One of the three main reasons of bad reviews, with at least a tenth of them.
    let main_reasons: Vec<&str> = reviews
        .reasons
        .iter()
        .filter(|(r, n)| *r != "其他" && *r != "未填写评价" && *n * 10 >= reviews.bad())
        .take(3)
        .map(|(r, _)| *r)
        .collect();
    let reason = |r: &str| main_reasons.contains(&r);
    let mut out: Vec<&str> = Vec::new();
    if worse("avg_first_reply_minutes") || reason("回复慢") || reason("等待") {
        out.push("优化医生排班与新消息提醒，高峰时段增加在线医生，缩短患者首次等待时间。");
    }
    if worse("good_review_rate") || worse("satisfaction_avg") || reason("态度") || reason("解释不清") {
        out.push("对差评逐条回访并分析原因，开展医患沟通培训，将满意度纳入医生绩效考核。");
    }
    if worse("conversion_rate") || worse("consultations_paid") {
        out.push("排查下单至支付环节的流失原因（价格、支付流程、医生可约时段），优化转化。");
    }
    if worse("consultations_refunded") || reason("退款") {
        out.push("复核退款原因，规范退款流程与时限，减少因未接诊导致的退款。");
    }
    if reason("配送") || worse("prescriptions_delivered") {
        out.push("与药房及物流方核对处方配送时效，对超时订单主动告知患者。");
    }
    if worse("consultations_created") || worse("registrations_new") {
        out.push("加强线上服务推广（公众号、院内二维码、出院随访引导），提升问诊量。");
    }
    if reason("系统") {
        out.push("联系平台厂商排查系统卡顿、闪退等问题，并跟踪修复进度。");
    }
    if out.is_empty() {
        out.push("各项指标运行平稳，保持现有服务水平，持续监测核心指标变化。");
    }
    out.iter().enumerate().map(|(i, s)| format!("{}. {s}", i + 1)).collect::<Vec<_>>().join("\n")
}

// ---- numbers ----

fn change_json(c: &Change) -> Json {
    json!({ "text": c.text, "direction": c.direction.map(|d| match d { Direction::Up => "up", Direction::Down => "down", Direction::Flat => "flat" }), "good": c.good })
}

fn kpi_json(l: &KpiLine) -> Json {
    json!({
        "label": l.label,
        "value": api_value(&l.value),
        "previous": api_value(&l.previous),
        "year_ago": api_value(&l.year_ago),
        "mom": change_json(&l.mom),
        "yoy": change_json(&l.yoy),
    })
}

/// The report's numbers as stored with a published report and returned by the preview API;
/// KPI values are written exactly as `GET /api/v1/kpis` writes them.
pub fn numbers(r: &Report) -> Json {
    let mut kpis = serde_json::Map::new();
    for l in r.kpis.iter().chain(&r.kinds) {
        kpis.insert(l.key.clone(), kpi_json(l));
    }
    json!({
        "title": r.title,
        "hospital": r.hospital,
        "period": {
            "kind": r.range.kind.code(),
            "start": r.range.start.to_string(),
            "end": r.range.last_day().to_string(),
            "label": r.label,
        },
        "generated_at": r.generated_at.format_minute(),
        "kpis": kpis,
        "department_share": r.departments.iter().map(|d| json!({
            "department_code": d.code, "department_name": d.name, "consultations": d.consultations, "share": d.share,
        })).collect::<Vec<_>>(),
        "doctors": r.doctors.iter().map(|d| json!({
            "name": d.name, "department": d.department, "title": d.title, "completed": d.completed, "rated": d.rated,
            "rating_avg": d.rating_avg, "good_rate": d.good_rate, "reply_minutes": d.reply_minutes,
        })).collect::<Vec<_>>(),
        "leaderboard": r.leaderboard.as_ref().map(|l| json!({
            "method": l.method, "unranked": l.unranked, "min_sample": l.min_sample,
            "entries": l.entries.iter().map(|e| json!({
                "rank": e.rank, "name": e.name, "department": e.department, "title": e.title, "volume": e.volume,
                "rating_mean": e.rating_mean, "satisfaction": e.satisfaction, "reply_minutes": e.reply_minutes,
                "revisit_rate": e.revisit_rate, "score": e.score,
            })).collect::<Vec<_>>(),
        })),
        "trend": r.trend.iter().map(|t| json!({
            "start": t.range.start.to_string(), "label": t.label, "created": t.created, "paid": t.paid,
            "by_kind": kpi::KINDS.iter().zip(t.by_kind).map(|((code, _), n)| (code.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "revenue": t.revenue.to_yuan_string(), "satisfaction_avg": t.satisfaction, "good_review_rate": t.good_rate,
        })).collect::<Vec<_>>(),
        "reviews": {
            "distribution": r.reviews.distribution,
            "bad": r.reviews.bad(),
            "reasons": r.reviews.reasons.iter().map(|(k, n)| json!({"reason": k, "count": n})).collect::<Vec<_>>(),
        },
        "summary": { "overview": r.summary.overview, "highlights": r.summary.highlights, "problems": r.summary.problems },
        "conclusions": r.conclusions,
        "conclusions_suggested": r.conclusions_suggested,
    })
}

// ---- subscribers ----

/// A subscriber as entered, before validation.
#[derive(Clone, Debug, Default)]
pub struct SubscriberDraft {
    pub name: String,
    pub email: String,
    /// Period codes (`week`, `month`, …).
    pub kinds: Vec<String>,
}

/// A valid subscriber.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscriber {
    pub name: String,
    pub email: String,
    pub kinds: Vec<Period>,
}

pub use hops_platform::notify::model::valid_email;

/// Validates a subscriber; every problem at once.
pub fn subscriber(d: &SubscriberDraft) -> Result<Subscriber, Vec<hops_platform::FieldError>> {
    use hops_platform::FieldError;
    let mut errors = Vec::new();
    let name = d.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "请填写姓名"));
    } else if name.chars().count() > 50 {
        errors.push(FieldError::new("name", "姓名最多 50 个字"));
    }
    let email = d.email.trim().to_lowercase();
    if email.is_empty() {
        errors.push(FieldError::new("email", "请填写电子邮箱"));
    } else if !valid_email(&email) {
        errors.push(FieldError::new("email", format!("“{}”不是有效的电子邮箱地址", d.email.trim())));
    }
    let mut kinds = Vec::new();
    for k in &d.kinds {
        match Period::parse(k) {
            Ok(p) if !kinds.contains(&p) => kinds.push(p),
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new("kinds", format!("未知的报告类型 {k}"))),
        }
    }
    if d.kinds.is_empty() {
        errors.push(FieldError::new("kinds", "请至少选择一种报告（周报、月报……）"));
    }
    kinds.sort();
    if errors.is_empty() { Ok(Subscriber { name: name.to_string(), email, kinds }) } else { Err(errors) }
}

/// Stored form of the kinds: `month,quarter`.
pub fn kinds_code(kinds: &[Period]) -> String {
    kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
}

pub fn parse_kinds(code: &str) -> Vec<Period> {
    code.split(',').filter_map(|k| Period::parse(k).ok()).collect()
}

/// The report name of a period kind: 周报, 月报 …
pub fn kind_name(kind: Period) -> &'static str {
    match kind {
        Period::Week => "周报",
        Period::Month => "月报",
        Period::Quarter => "季报",
        Period::Half => "半年报",
        Period::Year => "年报",
    }
}

/// When a published report is e-mailed: the next 08:00 Shanghai time after publication, so
/// it is waiting at the start of the working day.
pub fn delivery_time(published: Instant) -> Instant {
    let day = published.local_day();
    let eight = day.start().plus_seconds(8 * 3600);
    if eight > published { eight } else { day.plus_days(1).start().plus_seconds(8 * 3600) }
}

pub mod flow;

#[cfg(test)]
mod tests;
