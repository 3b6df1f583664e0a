//! The KPIs of SPEC §1, one definition each (documented in docs/kpis.md). Pure: the store
//! supplies raw sums for a period, this turns them into values.

use hops_kernel::Money;

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
}

const fn k(key: &'static str, label_zh: &'static str, unit: &'static str) -> Kpi {
    Kpi { key, label_zh, unit }
}

/// Every KPI, in display order. The per-kind splits (`consultations_created_text` …) follow.
pub const KPIS: &[Kpi] = &[
    k("registrations_new", "新注册患者", "人"),
    k("consultations_created", "问诊下单量", "单"),
    k("consultations_paid", "支付问诊量", "单"),
    k("consultations_completed", "完成问诊量", "单"),
    k("consultations_refunded", "退款问诊量", "单"),
    k("conversion_rate", "订单转化率", ""),
    k("acceptance_rate", "接诊率", ""),
    k("avg_first_reply_minutes", "平均首次响应时长", "分钟"),
    k("active_doctors", "活跃医生数", "人"),
    k("doctor_activity_rate", "医生活跃度", ""),
    k("satisfaction_avg", "平均评分", "分"),
    k("good_review_rate", "好评率", ""),
    k("consultation_revenue", "问诊收入", "元"),
    k("appointments", "预约挂号量", "单"),
    k("payments_total", "充值缴费金额", "元"),
    k("insurance_settlements", "线上医保结算笔数", "笔"),
    k("insurance_amount", "线上医保结算金额", "元"),
    k("prescriptions_issued", "开具处方数", "张"),
    k("prescriptions_delivered", "处方送达/取药数", "张"),
    k("revisit_share", "复诊占比", ""),
    k("returning_patient_rate", "复购（回头）患者率", ""),
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
    fn empty_period_has_no_rates() {
        let v = compute(&PeriodSums::default());
        assert_eq!(get(&v, "conversion_rate"), &Value::Rate(None));
        assert_eq!(get(&v, "satisfaction_avg"), &Value::Average(None));
        assert_eq!(get(&v, "consultations_created"), &Value::Count(0));
        assert_eq!(v.len(), KPIS.len() + 16);
    }
}
