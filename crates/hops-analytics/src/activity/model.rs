//! Activity records and their rules: parsing one row of text (from a file or a JSON batch)
//! into a validated record, with every problem named by column. Pure: no I/O.
//! References (patient, department, doctor, consultation) stay as codes here; the service
//! resolves them against master data.

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::FieldError;
use hops_platform::tabular::Column;

/// The kinds of activity this module stores (master-data kinds go to the master module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Consultations,
    Appointments,
    Payments,
    Prescriptions,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Consultations, Kind::Appointments, Kind::Payments, Kind::Prescriptions];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Consultations => "consultations",
            Kind::Appointments => "appointments",
            Kind::Payments => "payments",
            Kind::Prescriptions => "prescriptions",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Consultations => "问诊",
            Kind::Appointments => "预约挂号",
            Kind::Payments => "充值缴费",
            Kind::Prescriptions => "处方流转",
        }
    }
    pub fn from_slug(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == s)
    }
    pub fn columns(self) -> &'static [Column] {
        match self {
            Kind::Consultations => CONSULTATION_COLUMNS,
            Kind::Appointments => APPOINTMENT_COLUMNS,
            Kind::Payments => PAYMENT_COLUMNS,
            Kind::Prescriptions => PRESCRIPTION_COLUMNS,
        }
    }
}

const fn col(key: &'static str, label: &'static str, required: bool, note: &'static str, example: &'static str) -> Column {
    Column { key, label, required, note, example }
}

const TS: &str = "ISO 8601 时间，如 2026-10-08 09:30:00（无时区即北京时间）；空表示未发生";

pub const CONSULTATION_COLUMNS: &[Column] = &[
    col("external_id", "问诊单号", true, "互联网医院平台中的唯一编号；重复导入时据此更新", "C20261008000001"),
    col("patient_external_id", "患者编号", true, "患者的外部编号（须已导入）", "P00000001"),
    col("department_code", "科室编码", true, "须为已存在的科室", "CARD"),
    col("doctor_code", "医生工号", true, "须为已存在的医生", "D0001"),
    col("kind", "问诊类型", true, "text 图文 / video 视频 / phone 电话 / revisit 复诊", "图文"),
    col("created_at", "下单时间", true, TS, "2026-10-08 09:30:00"),
    col("paid_at", "支付时间", false, TS, "2026-10-08 09:31:10"),
    col("accepted_at", "接诊时间", false, TS, "2026-10-08 09:35:00"),
    col("first_reply_at", "首次回复时间", false, TS, "2026-10-08 09:36:00"),
    col("completed_at", "完成时间", false, TS, "2026-10-08 10:20:00"),
    col("cancelled_at", "取消时间", false, TS, ""),
    col("refunded_at", "退款时间", false, TS, ""),
    col("amount", "金额（元）", true, "最多两位小数", "35.00"),
    col("rating", "评分", false, "1–5，空表示未评价", "5"),
    col("review", "评价内容", false, "不超过 2000 字", "医生很耐心"),
];

pub const APPOINTMENT_COLUMNS: &[Column] = &[
    col("external_id", "预约单号", true, "唯一编号", "A20261008000001"),
    col("patient_external_id", "患者编号", true, "须已导入", "P00000001"),
    col("department_code", "科室编码", true, "须为已存在的科室", "CARD"),
    col("doctor_code", "医生工号", false, "可空；填写时须为已存在的医生", "D0001"),
    col("booked_at", "预约时间", true, TS, "2026-10-08 09:30:00"),
    col("visit_date", "就诊日期", true, "YYYY-MM-DD，不早于预约日", "2026-10-10"),
    col("status", "状态", true, "booked 已预约 / visited 已就诊 / cancelled 已取消 / no_show 爽约", "booked"),
];

pub const PAYMENT_COLUMNS: &[Column] = &[
    col("external_id", "缴费单号", true, "唯一编号", "Y20261008000001"),
    col("patient_external_id", "患者编号", true, "须已导入", "P00000001"),
    col("kind", "类型", true, "recharge 充值 / outpatient 门诊缴费 / consultation 问诊 / prescription 处方 / other 其他", "outpatient"),
    col("amount", "金额（元）", true, "最多两位小数", "128.50"),
    col("paid_at", "缴费时间", true, TS, "2026-10-08 09:30:00"),
    col("insurance_amount", "医保结算金额（元）", false, "线上医保结算部分，0 或空表示无", "60.00"),
];

pub const PRESCRIPTION_COLUMNS: &[Column] = &[
    col("external_id", "处方号", true, "唯一编号", "R20261008000001"),
    col("consultation_external_id", "问诊单号", true, "开具处方的问诊（须已导入）", "C20261008000001"),
    col("issued_at", "开具时间", true, TS, "2026-10-08 10:00:00"),
    col("reviewed_at", "审方时间", false, TS, "2026-10-08 10:12:00"),
    col("dispensed_at", "调配时间", false, TS, "2026-10-08 12:00:00"),
    col("delivery", "取药方式", true, "pickup 自取 / courier 配送", "courier"),
    col("shipped_at", "发货时间", false, TS, "2026-10-08 16:00:00"),
    col("delivered_at", "送达/取药时间", false, TS, "2026-10-09 15:00:00"),
    col("amount", "金额（元）", true, "最多两位小数", "86.00"),
];

/// A row's cells by column key.
pub trait Cells {
    fn get(&self, key: &str) -> &str;
}

struct Check<'a, C: Cells> {
    cells: &'a C,
    errors: Vec<FieldError>,
}

impl<C: Cells> Check<'_, C> {
    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }
    fn text(&mut self, key: &str, label: &str, required: bool, max: usize) -> String {
        let v = self.cells.get(key).trim();
        if required && v.is_empty() {
            self.err(key, format!("{label}不能为空"));
        } else if v.chars().count() > max {
            self.err(key, format!("{label}不能超过 {max} 个字"));
        }
        v.to_string()
    }
    fn instant(&mut self, key: &str, required: bool) -> Option<Instant> {
        match self.cells.get(key).trim() {
            "" => {
                if required {
                    self.err(key, "时间不能为空");
                }
                None
            }
            s => match Instant::parse(s) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.err(key, e.to_string());
                    None
                }
            },
        }
    }
    fn money(&mut self, key: &str, required: bool) -> Money {
        match self.cells.get(key).trim() {
            "" if !required => Money(0),
            "" => {
                self.err(key, "金额不能为空");
                Money(0)
            }
            s => match Money::parse(s) {
                Ok(m) if m.is_negative() => {
                    self.err(key, "金额不能为负");
                    m
                }
                Ok(m) => m,
                Err(e) => {
                    self.err(key, e.to_string());
                    Money(0)
                }
            },
        }
    }
    /// `later` must not be before `earlier` (both present).
    fn order(&mut self, earlier: (&str, Option<Instant>), later: (&str, Option<Instant>), message: &str) {
        if let (Some(a), Some(b)) = (earlier.1, later.1)
            && b < a
        {
            self.err(later.0, message);
        }
    }
    fn requires(&mut self, field: (&str, Option<Instant>), needed: (&str, Option<Instant>), message: &str) {
        if field.1.is_some() && needed.1.is_none() {
            self.err(field.0, message);
        }
    }
    fn finish<T>(self, v: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() { Ok(v) } else { Err(self.errors) }
    }
}

hops_kernel::coded! {
    pub ConsultationKind {
        Text = "text", "图文";
        Video = "video", "视频";
        Phone = "phone", "电话";
        Revisit = "revisit", "复诊";
    }
}

#[derive(Clone, Debug)]
pub struct Consultation {
    pub external_id: String,
    pub patient: String,
    pub department: String,
    pub doctor: String,
    pub kind: ConsultationKind,
    pub created_at: Instant,
    pub paid_at: Option<Instant>,
    pub accepted_at: Option<Instant>,
    pub first_reply_at: Option<Instant>,
    pub completed_at: Option<Instant>,
    pub cancelled_at: Option<Instant>,
    pub refunded_at: Option<Instant>,
    pub amount: Money,
    pub rating: Option<i16>,
    pub review: String,
}

pub fn consultation(cells: &impl Cells) -> Result<Consultation, Vec<FieldError>> {
    let mut c = Check { cells, errors: Vec::new() };
    let external_id = c.text("external_id", "问诊单号", true, 64);
    let patient = c.text("patient_external_id", "患者编号", true, 64);
    let department = c.text("department_code", "科室编码", true, 32);
    let doctor = c.text("doctor_code", "医生工号", true, 32);
    let kind_text = cells.get("kind").trim().to_string();
    let kind = ConsultationKind::parse(&kind_text);
    if kind.is_none() {
        c.err("kind", format!("问诊类型“{kind_text}”无效，应为 text/video/phone/revisit 或 图文/视频/电话/复诊"));
    }
    let created = c.instant("created_at", true);
    let paid = c.instant("paid_at", false);
    let accepted = c.instant("accepted_at", false);
    let first_reply = c.instant("first_reply_at", false);
    let completed = c.instant("completed_at", false);
    let cancelled = c.instant("cancelled_at", false);
    let refunded = c.instant("refunded_at", false);
    for (key, t) in [
        ("paid_at", paid),
        ("accepted_at", accepted),
        ("first_reply_at", first_reply),
        ("completed_at", completed),
        ("cancelled_at", cancelled),
        ("refunded_at", refunded),
    ] {
        c.order(("created_at", created), (key, t), "不能早于下单时间");
    }
    c.order(("paid_at", paid), ("accepted_at", accepted), "接诊时间不能早于支付时间");
    c.order(("paid_at", paid), ("first_reply_at", first_reply), "首次回复不能早于支付时间");
    c.order(("accepted_at", accepted), ("completed_at", completed), "完成时间不能早于接诊时间");
    c.order(("paid_at", paid), ("refunded_at", refunded), "退款时间不能早于支付时间");
    c.requires(("refunded_at", refunded), ("paid_at", paid), "未支付的问诊不能有退款时间");
    if completed.is_some() && cancelled.is_some() {
        c.err("cancelled_at", "已完成的问诊不能同时有取消时间");
    }
    let amount = c.money("amount", true);
    let rating = match cells.get("rating").trim() {
        "" => None,
        s => match s.parse::<i16>() {
            Ok(r) if (1..=5).contains(&r) => Some(r),
            _ => {
                c.err("rating", format!("评分应为 1–5 的整数或空，而不是“{s}”"));
                None
            }
        },
    };
    let review = c.text("review", "评价内容", false, 2000);
    match (kind, created) {
        (Some(kind), Some(created_at)) => c.finish(Consultation {
            external_id,
            patient,
            department,
            doctor,
            kind,
            created_at,
            paid_at: paid,
            accepted_at: accepted,
            first_reply_at: first_reply,
            completed_at: completed,
            cancelled_at: cancelled,
            refunded_at: refunded,
            amount,
            rating,
            review,
        }),
        _ => Err(c.errors),
    }
}

pub const APPOINTMENT_STATUSES: &[(&str, &str)] =
    &[("booked", "已预约"), ("visited", "已就诊"), ("cancelled", "已取消"), ("no_show", "爽约")];

#[derive(Clone, Debug)]
pub struct Appointment {
    pub external_id: String,
    pub patient: String,
    pub department: String,
    pub doctor: Option<String>,
    pub booked_at: Instant,
    pub visit_date: LocalDay,
    pub status: &'static str,
}

fn code_of(table: &'static [(&'static str, &'static str)], s: &str) -> Option<&'static str> {
    let s = s.trim();
    table.iter().find(|(code, label)| code.eq_ignore_ascii_case(s) || *label == s).map(|(code, _)| *code)
}

pub fn appointment(cells: &impl Cells) -> Result<Appointment, Vec<FieldError>> {
    let mut c = Check { cells, errors: Vec::new() };
    let external_id = c.text("external_id", "预约单号", true, 64);
    let patient = c.text("patient_external_id", "患者编号", true, 64);
    let department = c.text("department_code", "科室编码", true, 32);
    let doctor = c.text("doctor_code", "医生工号", false, 32);
    let booked = c.instant("booked_at", true);
    let visit = match LocalDay::parse(cells.get("visit_date").trim()) {
        Ok(d) => Some(d),
        Err(e) => {
            c.err("visit_date", e.to_string());
            None
        }
    };
    if let (Some(b), Some(v)) = (booked, visit)
        && v < b.local_day()
    {
        c.err("visit_date", "就诊日期不能早于预约日期");
    }
    let status = code_of(APPOINTMENT_STATUSES, cells.get("status"));
    if status.is_none() {
        c.err("status", "状态应为 booked/visited/cancelled/no_show");
    }
    match (booked, visit, status) {
        (Some(booked_at), Some(visit_date), Some(status)) => c.finish(Appointment {
            external_id,
            patient,
            department,
            doctor: (!doctor.is_empty()).then_some(doctor),
            booked_at,
            visit_date,
            status,
        }),
        _ => Err(c.errors),
    }
}

pub const PAYMENT_KINDS: &[(&str, &str)] =
    &[("recharge", "充值"), ("outpatient", "门诊缴费"), ("consultation", "问诊"), ("prescription", "处方"), ("other", "其他")];

#[derive(Clone, Debug)]
pub struct Payment {
    pub external_id: String,
    pub patient: String,
    pub kind: &'static str,
    pub amount: Money,
    pub paid_at: Instant,
    pub insurance: Money,
}

pub fn payment(cells: &impl Cells) -> Result<Payment, Vec<FieldError>> {
    let mut c = Check { cells, errors: Vec::new() };
    let external_id = c.text("external_id", "缴费单号", true, 64);
    let patient = c.text("patient_external_id", "患者编号", true, 64);
    let kind = code_of(PAYMENT_KINDS, cells.get("kind"));
    if kind.is_none() {
        c.err("kind", "类型应为 recharge/outpatient/consultation/prescription/other");
    }
    let amount = c.money("amount", true);
    let paid = c.instant("paid_at", true);
    let insurance = c.money("insurance_amount", false);
    if insurance.0 > amount.0 {
        c.err("insurance_amount", "医保结算金额不能大于缴费金额");
    }
    match (kind, paid) {
        (Some(kind), Some(paid_at)) => c.finish(Payment { external_id, patient, kind, amount, paid_at, insurance }),
        _ => Err(c.errors),
    }
}

#[derive(Clone, Debug)]
pub struct Prescription {
    pub external_id: String,
    pub consultation: String,
    pub issued_at: Instant,
    pub reviewed_at: Option<Instant>,
    pub dispensed_at: Option<Instant>,
    pub delivery: &'static str,
    pub shipped_at: Option<Instant>,
    pub delivered_at: Option<Instant>,
    pub amount: Money,
}

pub const DELIVERIES: &[(&str, &str)] = &[("pickup", "自取"), ("courier", "配送")];

pub fn prescription(cells: &impl Cells) -> Result<Prescription, Vec<FieldError>> {
    let mut c = Check { cells, errors: Vec::new() };
    let external_id = c.text("external_id", "处方号", true, 64);
    let consultation = c.text("consultation_external_id", "问诊单号", true, 64);
    let issued = c.instant("issued_at", true);
    let reviewed = c.instant("reviewed_at", false);
    let dispensed = c.instant("dispensed_at", false);
    let shipped = c.instant("shipped_at", false);
    let delivered = c.instant("delivered_at", false);
    c.order(("issued_at", issued), ("reviewed_at", reviewed), "审方时间不能早于开具时间");
    c.order(("reviewed_at", reviewed), ("dispensed_at", dispensed), "调配时间不能早于审方时间");
    c.order(("issued_at", issued), ("dispensed_at", dispensed), "调配时间不能早于开具时间");
    c.order(("dispensed_at", dispensed), ("shipped_at", shipped), "发货时间不能早于调配时间");
    c.order(("shipped_at", shipped), ("delivered_at", delivered), "送达时间不能早于发货时间");
    c.order(("issued_at", issued), ("delivered_at", delivered), "送达时间不能早于开具时间");
    let delivery = code_of(DELIVERIES, cells.get("delivery"));
    match delivery {
        None => c.err("delivery", "取药方式应为 pickup（自取）或 courier（配送）"),
        Some("pickup") if shipped.is_some() => c.err("shipped_at", "自取的处方不应有发货时间"),
        _ => {}
    }
    let amount = c.money("amount", true);
    match (issued, delivery) {
        (Some(issued_at), Some(delivery)) => c.finish(Prescription {
            external_id,
            consultation,
            issued_at,
            reviewed_at: reviewed,
            dispensed_at: dispensed,
            delivery,
            shipped_at: shipped,
            delivered_at: delivered,
            amount,
        }),
        _ => Err(c.errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Row(HashMap<&'static str, &'static str>);
    impl Cells for Row {
        fn get(&self, key: &str) -> &str {
            self.0.get(key).copied().unwrap_or("")
        }
    }

    fn good() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("external_id", "C1"),
            ("patient_external_id", "P1"),
            ("department_code", "CARD"),
            ("doctor_code", "D1"),
            ("kind", "图文"),
            ("created_at", "2026-10-08 09:30:00"),
            ("paid_at", "2026-10-08 09:31:00"),
            ("accepted_at", "2026-10-08 09:35:00"),
            ("first_reply_at", "2026-10-08 09:36:00"),
            ("completed_at", "2026-10-08 10:20:00"),
            ("amount", "35.5"),
            ("rating", "5"),
        ])
    }

    fn fields(r: Result<Consultation, Vec<FieldError>>) -> Vec<String> {
        let mut v: Vec<String> = r.err().unwrap_or_default().into_iter().map(|e| e.field).collect();
        v.sort();
        v
    }

    #[test]
    fn consultation_rules() {
        let c = consultation(&Row(good())).unwrap();
        assert_eq!(c.kind, ConsultationKind::Text);
        assert_eq!(c.amount, Money(3550));
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            (&[("paid_at", "2026-10-08 09:00:00")], &["paid_at"]),
            (&[("accepted_at", "2026-10-08 09:31:30"), ("paid_at", "2026-10-08 09:32:00")], &["accepted_at"]),
            (&[("rating", "7")], &["rating"]),
            (&[("kind", "门诊")], &["kind"]),
            (&[("amount", "1.234")], &["amount"]),
            (&[("amount", "-1")], &["amount"]),
            (&[("created_at", "昨天")], &["created_at"]),
            (&[("cancelled_at", "2026-10-08 10:30:00")], &["cancelled_at"]),
            (
                &[
                    ("paid_at", ""),
                    ("accepted_at", ""),
                    ("first_reply_at", ""),
                    ("completed_at", ""),
                    ("refunded_at", "2026-10-09 00:00:00"),
                ],
                &["refunded_at"],
            ),
            (&[("external_id", "")], &["external_id"]),
        ];
        for (changes, expected) in cases {
            let mut row = good();
            for (k, v) in *changes {
                row.insert(k, v);
            }
            assert_eq!(fields(consultation(&Row(row))), expected.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{changes:?}");
        }
    }

    #[test]
    fn other_kinds() {
        let a = Row(HashMap::from([
            ("external_id", "A1"),
            ("patient_external_id", "P1"),
            ("department_code", "CARD"),
            ("booked_at", "2026-10-08 09:30:00"),
            ("visit_date", "2026-10-07"),
            ("status", "爽约"),
        ]));
        let e = appointment(&a).unwrap_err();
        assert_eq!(e[0].field, "visit_date");
        let p = Row(HashMap::from([
            ("external_id", "Y1"),
            ("patient_external_id", "P1"),
            ("kind", "门诊缴费"),
            ("amount", "10"),
            ("paid_at", "2026-10-08 09:30:00"),
            ("insurance_amount", "20"),
        ]));
        assert_eq!(payment(&p).unwrap_err()[0].field, "insurance_amount");
        let r = Row(HashMap::from([
            ("external_id", "R1"),
            ("consultation_external_id", "C1"),
            ("issued_at", "2026-10-08 10:00:00"),
            ("delivery", "自取"),
            ("shipped_at", "2026-10-08 12:00:00"),
            ("amount", "10"),
        ]));
        assert_eq!(prescription(&r).unwrap_err()[0].field, "shipped_at");
    }
}
