//! Renders a report from made-up numbers to a PDF and an XLSX, to look at the layout without
//! a database: `cargo run -p hops-reports --example sample_report -- /tmp/sample.pdf`.

use hops_analytics::kpi::model::{self as kpi, Value};
use hops_analytics::kpi::service::{DepartmentShare, KpiSet};
use hops_kernel::{Instant, LocalDay, Money, Period, PeriodRange};
use hops_reports::model::{self, DoctorLine, Input, Reviews, TrendPoint};

fn values(scale: f64) -> Vec<(String, Value)> {
    let n = |x: f64| Value::Count((x * scale).round() as i64);
    let mut v = vec![
        ("registrations_new".to_string(), n(1830.0)),
        ("consultations_created".into(), n(12650.0)),
        ("consultations_paid".into(), n(11020.0)),
        ("consultations_completed".into(), n(10480.0)),
        ("consultations_refunded".into(), n(212.0)),
        ("conversion_rate".into(), Value::Rate(Some(0.8711 * scale.sqrt().min(1.05)))),
        ("acceptance_rate".into(), Value::Rate(Some(0.9634))),
        ("avg_first_reply_minutes".into(), Value::Average(Some(6.42 / scale))),
        ("active_doctors".into(), n(128.0)),
        ("doctor_activity_rate".into(), Value::Rate(Some(0.6432))),
        ("satisfaction_avg".into(), Value::Average(Some(4.61))),
        ("good_review_rate".into(), Value::Rate(Some(0.9123 / scale.sqrt()))),
        ("consultation_revenue".into(), Value::Money(Money((38_412_050.0 * scale) as i64))),
        ("appointments".into(), n(8320.0)),
        ("payments_total".into(), Value::Money(Money((152_300_000.0 * scale) as i64))),
        ("insurance_settlements".into(), n(2310.0)),
        ("insurance_amount".into(), Value::Money(Money((41_230_000.0 * scale) as i64))),
        ("prescriptions_issued".into(), n(5210.0)),
        ("prescriptions_delivered".into(), n(4980.0)),
        ("revisit_share".into(), Value::Rate(Some(0.3321))),
        ("returning_patient_rate".into(), Value::Rate(Some(0.4112))),
    ];
    for (code, share) in [("text", 0.55), ("video", 0.15), ("phone", 0.08), ("revisit", 0.22)] {
        for (w, f) in [("created", 1.0), ("paid", 0.87), ("completed", 0.83), ("refunded", 0.017)] {
            v.push((format!("consultations_{w}_{code}"), n(12650.0 * share * f)));
        }
    }
    v
}

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "/tmp/sample.pdf".into());
    let range = PeriodRange::containing(Period::Month, LocalDay::parse("2026-10-01").unwrap());
    let depts = [
        ("心血管内科", 2310),
        ("呼吸与危重症医学科", 1980),
        ("儿科", 1720),
        ("消化内科", 1250),
        ("内分泌科", 980),
        ("皮肤科", 870),
        ("妇产科", 760),
        ("神经内科", 510),
        ("中医科", 390),
        ("眼科", 250),
    ];
    let total: i64 = depts.iter().map(|d| d.1).sum();
    let set = KpiSet {
        range,
        // A finished period: compared whole.
        spans: hops_analytics::kpi::model::Spans::of(range, range.end_exclusive),
        current: values(1.0),
        previous: values(0.93),
        year_ago: values(0.71),
        department_share: depts
            .iter()
            .enumerate()
            .map(|(i, (name, n))| DepartmentShare {
                code: format!("D{i:02}"),
                name: name.to_string(),
                consultations: *n,
                share: Some(*n as f64 / total as f64),
            })
            .collect(),
    };
    let mut trend = Vec::new();
    let mut r = range;
    for i in 0..12 {
        let s = 1.0 - i as f64 * 0.035;
        trend.push(TrendPoint::from_kpis(r, &values(s)));
        r = r.previous();
    }
    trend.reverse();
    let names = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴刚"];
    let doctors = names
        .iter()
        .enumerate()
        .map(|(i, n)| DoctorLine {
            name: n.to_string(),
            department: depts[i % depts.len()].0.to_string(),
            title: ["主任医师", "副主任医师", "主治医师"][i % 3].to_string(),
            completed: 620 - i as i64 * 41,
            rated: 300 - i as i64 * 20,
            rating_avg: Some(4.9 - i as f64 * 0.05),
            good_rate: Some(0.97 - i as f64 * 0.01),
            reply_minutes: Some(3.5 + i as f64 * 0.7),
        })
        .collect();
    let texts = [
        "医生回复太慢了",
        "等了半天没人回",
        "态度不耐烦",
        "退款一直没到账",
        "快递送药太慢",
        "说不清楚病情",
        "价格太贵",
        "视频卡顿掉线",
        "回复慢，态度也一般",
        "还行吧",
    ];
    let reviews =
        Reviews { distribution: [41, 58, 310, 1420, 4100], reasons: model::tally_reasons(texts.iter().copied().cycle().take(99)) };
    let report = model::assemble(Input {
        hospital: "示例市第一人民医院",
        kpis: &set,
        trend,
        doctors,
        leaderboard: None,
        reviews,
        conclusions: None,
        generated_at: Instant::parse("2026-11-02 09:30:00").unwrap(),
    });
    let _ = kpi::KPIS;
    let started = std::time::Instant::now();
    let t = hops_reports::pdf::Typesetter::shared().unwrap_or_else(|e| panic!("{e}"));
    println!("fonts: {} ({} faces) in {:?}", t.family(), t.faces(), started.elapsed());
    let started = std::time::Instant::now();
    let pdf = t.pdf(&report).unwrap_or_else(|e| panic!("{e}"));
    println!("pdf: {} bytes in {:?}", pdf.len(), started.elapsed());
    std::fs::write(&out, &pdf).unwrap();
    let xlsx = hops_reports::xlsx::workbook(&report).unwrap();
    std::fs::write(out.replace(".pdf", ".xlsx"), xlsx).unwrap();
}
