//! The KPIs of SPEC §1, one definition each (documented in docs/kpis.md). Pure: the store
//! supplies raw sums for a period, this turns them into values.

use hops_kernel::{DaySpan, LocalDay, Money, Period, PeriodRange};

/// Raw sums over consultations created in a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConsultationSums {
    pub created: i64,
    pub paid: i64,
    pub completed: i64,
    pub refunded: i64,
    pub accepted: i64,
    /// Paid consultations with a first reply, and the sum of (first reply − paid) in µs.
    pub reply_count: i64,
    pub reply_micros: i64,
    pub rated: i64,
    pub rating_sum: i64,
    /// Ratings ≥ 4.
    pub good: i64,
    /// Amount of paid, not refunded consultations.
    pub revenue_fen: i64,
    pub revisit: i64,
    /// Distinct doctors with a completed consultation.
    pub active_doctors: i64,
    /// Distinct patients with a consultation.
    pub patients: i64,
}

/// Raw sums over the other activity of a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OtherSums {
    pub appointments: i64,
    pub payments_fen: i64,
    pub insurance_settlements: i64,
    pub insurance_fen: i64,
    pub prescriptions_issued: i64,
    pub prescriptions_delivered: i64,
}

/// Everything one period's KPI set is computed from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodSums {
    pub consultations: ConsultationSums,
    /// Per consultation kind code: created, paid, completed, refunded.
    pub by_kind: Vec<(String, [i64; 4])>,
    pub returning_patients: i64,
    pub other: OtherSums,
    pub registrations: i64,
    /// Doctors in master data (the denominator of the activity rate).
    pub doctors: i64,
}

/// The days each column of a KPI set covers. A finished period is compared with the whole
/// previous period (环比) and the same period a year earlier (同比); a period under way covers
/// its days so far and is compared with the same first days of those periods (本月至今 vs 上月同期).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Spans {
    pub current: DaySpan,
    pub previous: DaySpan,
    pub year_ago: DaySpan,
    /// Whether the period is under way (its days so far against the same first days).
    pub partial: bool,
    kind: Period,
}

impl Spans {
    /// The spans of `range` as seen on `today`.
    pub fn of(range: PeriodRange, today: LocalDay) -> Spans {
        match range.elapsed_on(today) {
            Some(n) => Spans {
                current: range.first_days(n),
                previous: range.same_part_of(range.previous(), today),
                year_ago: range.same_part_of(range.year_ago(), today),
                partial: true,
                kind: range.kind,
            },
            None => Spans {
                current: range.span(),
                previous: range.previous().span(),
                year_ago: range.year_ago().span(),
                partial: false,
                kind: range.kind,
            },
        }
    }

    fn unit(&self) -> &'static str {
        match self.kind {
            Period::Week => "周",
            Period::Month => "月",
            Period::Quarter => "季度",
            Period::Half => "半年",
            Period::Year => "年",
        }
    }

    /// The current column's name: `本月至今`, or `本期` for a finished period.
    pub fn current_name(&self) -> String {
        if self.partial { format!("本{}至今", self.unit()) } else { "本期".into() }
    }

    /// The previous column's name: `上月同期`, or `上期` for a finished period.
    pub fn previous_name(&self) -> String {
        if self.partial { format!("上{}同期", self.unit()) } else { "上期".into() }
    }

    /// The year-ago column's name (the same words either way: the same days of last year).
    pub fn year_ago_name(&self) -> &'static str {
        "去年同期"
    }

    /// What a change against the previous column is called: `较上月同期` or `环比`.
    pub fn previous_change(&self) -> String {
        if self.partial { format!("较{}", self.previous_name()) } else { "环比".into() }
    }

    /// What a change against the year-ago column is called: `较去年同期` or `同比`.
    pub fn year_ago_change(&self) -> &'static str {
        if self.partial { "较去年同期" } else { "同比" }
    }

    /// One line saying what is compared with what, e.g. `本月至今（2026年12月1日–7日）对比上月同期
    /// （2026年11月1日–7日）与去年同期（2025年12月1日–7日）`.
    pub fn explain(&self) -> String {
        format!(
            "{}（{}）对比{}（{}）与{}（{}）",
            self.current_name(),
            self.current.label_zh(),
            self.previous_name(),
            self.previous.label_zh(),
            self.year_ago_name(),
            self.year_ago.label_zh()
        )
    }
}

/// Which way a KPI should move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
    /// Neither direction is good or bad in itself (e.g. the share of revisits).
    Neutral,
}

/// The good direction of a KPI (per-kind splits follow their totals): the one judgement the KPI
/// page, the dashboard and the reports colour their changes by.
pub fn better(key: &str) -> Better {
    match key {
        "avg_first_reply_minutes" => Better::Lower,
        k if k.starts_with("consultations_refunded") => Better::Lower,
        "revisit_share" => Better::Neutral,
        _ => Better::Higher,
    }
}

/// A KPI value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Count(i64),
    /// A fraction (0.8312), rounded to 4 decimals; `None` when the denominator is 0.
    Rate(Option<f64>),
    /// An average, rounded to 2 decimals; `None` when there is nothing to average.
    Average(Option<f64>),
    Money(Money),
}

/// One KPI's definition.
pub struct Kpi {
    pub key: &'static str,
    pub label_zh: &'static str,
    pub unit: &'static str,
    /// How it is counted, for people (口径; the same words as docs/kpis.md).
    pub definition_zh: &'static str,
}

const fn k(key: &'static str, label_zh: &'static str, unit: &'static str, definition_zh: &'static str) -> Kpi {
    Kpi { key, label_zh, unit, definition_zh }
}

/// Every KPI, in display order. The per-kind splits (`consultations_created_text` …) follow.
pub const KPIS: &[Kpi] = &[
    k("registrations_new", "新注册患者", "人", "注册时间在本期的患者数"),
    k("consultations_created", "问诊下单量", "单", "本期下单的问诊数"),
    k("consultations_paid", "支付问诊量", "单", "本期下单的问诊中已支付（有支付时间）的数量"),
    k("consultations_completed", "完成问诊量", "单", "本期下单的问诊中已完成的数量"),
    k("consultations_refunded", "退款问诊量", "单", "本期下单的问诊中已退款的数量"),
    k("conversion_rate", "订单转化率", "", "支付数 ÷ 下单数"),
    k("acceptance_rate", "接诊率", "", "已接诊数 ÷ 支付数"),
    k("avg_first_reply_minutes", "平均首次响应时长", "分钟", "已支付且有首次回复的问诊，首次回复时间减支付时间的平均分钟数"),
    k("active_doctors", "活跃医生数", "人", "本期有已完成问诊的医生数（去重）"),
    k("doctor_activity_rate", "医生活跃度", "", "活跃医生数 ÷ 基础数据中的医生总数"),
    k("satisfaction_avg", "平均评分", "分", "本期已评价问诊的平均评分（1–5）"),
    k("good_review_rate", "好评率", "", "本期已评价问诊中评分 ≥ 4 的占比"),
    k("consultation_revenue", "问诊收入", "元", "已支付且未退款问诊的金额合计"),
    k("appointments", "预约挂号量", "单", "预约时间在本期的预约数"),
    k("payments_total", "充值缴费金额", "元", "缴费时间在本期的缴费金额合计"),
    k("insurance_settlements", "线上医保结算笔数", "笔", "本期医保结算金额大于 0 的缴费笔数"),
    k("insurance_amount", "线上医保结算金额", "元", "本期医保结算金额合计"),
    k("prescriptions_issued", "开具处方数", "张", "开具时间在本期的处方数"),
    k("prescriptions_delivered", "处方送达/取药数", "张", "送达（或自取）时间在本期的处方数"),
    k("revisit_share", "复诊占比", "", "复诊问诊 ÷ 下单数"),
    k("returning_patient_rate", "复购（回头）患者率", "", "本期有问诊、且本期之前也有过问诊的患者 ÷ 本期有问诊的患者（去重）"),
];

pub const KINDS: &[(&str, &str)] = &[("text", "图文"), ("video", "视频"), ("phone", "电话"), ("revisit", "复诊")];

fn rate(n: i64, d: i64) -> Value {
    Value::Rate((d > 0).then(|| round(n as f64 / d as f64, 4)))
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The KPI set of one period, keyed as in [`KPIS`] plus per-kind splits.
pub fn compute(s: &PeriodSums) -> Vec<(String, Value)> {
    let c = &s.consultations;
    let o = &s.other;
    let mut out: Vec<(String, Value)> = vec![
        ("registrations_new".into(), Value::Count(s.registrations)),
        ("consultations_created".into(), Value::Count(c.created)),
        ("consultations_paid".into(), Value::Count(c.paid)),
        ("consultations_completed".into(), Value::Count(c.completed)),
        ("consultations_refunded".into(), Value::Count(c.refunded)),
        ("conversion_rate".into(), rate(c.paid, c.created)),
        ("acceptance_rate".into(), rate(c.accepted, c.paid)),
        (
            "avg_first_reply_minutes".into(),
            Value::Average((c.reply_count > 0).then(|| round(c.reply_micros as f64 / c.reply_count as f64 / 60e6, 2))),
        ),
        ("active_doctors".into(), Value::Count(c.active_doctors)),
        ("doctor_activity_rate".into(), rate(c.active_doctors, s.doctors)),
        ("satisfaction_avg".into(), Value::Average((c.rated > 0).then(|| round(c.rating_sum as f64 / c.rated as f64, 2)))),
        ("good_review_rate".into(), rate(c.good, c.rated)),
        ("consultation_revenue".into(), Value::Money(Money(c.revenue_fen))),
        ("appointments".into(), Value::Count(o.appointments)),
        ("payments_total".into(), Value::Money(Money(o.payments_fen))),
        ("insurance_settlements".into(), Value::Count(o.insurance_settlements)),
        ("insurance_amount".into(), Value::Money(Money(o.insurance_fen))),
        ("prescriptions_issued".into(), Value::Count(o.prescriptions_issued)),
        ("prescriptions_delivered".into(), Value::Count(o.prescriptions_delivered)),
        ("revisit_share".into(), rate(c.revisit, c.created)),
        ("returning_patient_rate".into(), rate(s.returning_patients, c.patients)),
    ];
    for (code, _) in KINDS {
        let v = s.by_kind.iter().find(|(k, _)| k == code).map(|(_, v)| *v).unwrap_or_default();
        for (i, what) in ["created", "paid", "completed", "refunded"].iter().enumerate() {
            out.push((format!("consultations_{what}_{code}"), Value::Count(v[i])));
        }
    }
    out
}

/// Label of any key, including per-kind splits.
pub fn label_zh(key: &str) -> String {
    if let Some(k) = KPIS.iter().find(|k| k.key == key) {
        return k.label_zh.to_string();
    }
    for (code, kind) in KINDS {
        for (what, zh) in [("created", "下单"), ("paid", "支付"), ("completed", "完成"), ("refunded", "退款")] {
            if key == format!("consultations_{what}_{code}") {
                return format!("{kind}问诊{zh}量");
            }
        }
    }
    key.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(v: &'a [(String, Value)], key: &str) -> &'a Value {
        &v.iter().find(|(k, _)| k == key).unwrap().1
    }

    #[test]
    fn formulas() {
        let s = PeriodSums {
            consultations: ConsultationSums {
                created: 8,
                paid: 6,
                completed: 5,
                refunded: 1,
                accepted: 5,
                reply_count: 3,
                reply_micros: 3 * 60_000_000 + 30_000_000,
                rated: 3,
                rating_sum: 13,
                good: 2,
                revenue_fen: 12_345,
                revisit: 2,
                active_doctors: 2,
                patients: 4,
            },
            by_kind: vec![("text".into(), [5, 4, 3, 1])],
            returning_patients: 1,
            other: OtherSums::default(),
            registrations: 3,
            doctors: 10,
        };
        let v = compute(&s);
        assert_eq!(get(&v, "conversion_rate"), &Value::Rate(Some(0.75)));
        assert_eq!(get(&v, "acceptance_rate"), &Value::Rate(Some(0.8333)));
        assert_eq!(get(&v, "avg_first_reply_minutes"), &Value::Average(Some(1.17)));
        assert_eq!(get(&v, "satisfaction_avg"), &Value::Average(Some(4.33)));
        assert_eq!(get(&v, "good_review_rate"), &Value::Rate(Some(0.6667)));
        assert_eq!(get(&v, "doctor_activity_rate"), &Value::Rate(Some(0.2)));
        assert_eq!(get(&v, "consultation_revenue"), &Value::Money(Money(12_345)));
        assert_eq!(get(&v, "returning_patient_rate"), &Value::Rate(Some(0.25)));
        assert_eq!(get(&v, "consultations_paid_text"), &Value::Count(4));
        assert_eq!(get(&v, "consultations_paid_video"), &Value::Count(0));
        assert_eq!(label_zh("consultations_paid_video"), "视频问诊支付量");
    }

    #[test]
    fn a_period_under_way_is_compared_with_the_same_days() {
        let day = |s: &str| LocalDay::parse(s).unwrap();
        let dec = PeriodRange::containing(Period::Month, day("2026-12-01"));
        let s = Spans::of(dec, day("2026-12-07"));
        assert!(s.partial);
        assert_eq!((s.current.start, s.current.last_day()), (day("2026-12-01"), day("2026-12-07")));
        assert_eq!((s.previous.start, s.previous.last_day()), (day("2026-11-01"), day("2026-11-07")));
        assert_eq!((s.year_ago.start, s.year_ago.last_day()), (day("2025-12-01"), day("2025-12-07")));
        assert_eq!(s.previous_change(), "较上月同期");
        assert_eq!(s.explain(), "本月至今（2026年12月1日–7日）对比上月同期（2026年11月1日–7日）与去年同期（2025年12月1日–7日）");
        let done = Spans::of(dec.previous(), day("2026-12-07"));
        assert!(!done.partial);
        assert_eq!(done.previous, PeriodRange::containing(Period::Month, day("2026-10-01")).span());
        assert_eq!((done.previous_change(), done.year_ago_change()), ("环比".to_string(), "同比"));
        // The 31st of a month against a 30-day month: all of it, not a day of the next.
        let s = Spans::of(dec, day("2026-12-31"));
        assert_eq!(s.previous, dec.previous().span());
        let q = Spans::of(PeriodRange::containing(Period::Quarter, day("2026-12-07")), day("2026-12-07"));
        assert_eq!((q.current_name(), q.previous.last_day()), ("本季度至今".to_string(), day("2026-09-07")));
    }

    #[test]
    fn empty_period_has_no_rates() {
        let v = compute(&PeriodSums::default());
        assert_eq!(get(&v, "conversion_rate"), &Value::Rate(None));
        assert_eq!(get(&v, "satisfaction_avg"), &Value::Average(None));
        assert_eq!(get(&v, "consultations_created"), &Value::Count(0));
        assert_eq!(v.len(), KPIS.len() + 16);
    }
}
