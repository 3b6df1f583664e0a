//! Twelve months of synthetic activity of the demo hospital — consultations with their whole
//! lifecycle, appointments, payments, prescriptions and deliveries — as rows of text in the
//! analytics ingest's documented columns.
//!
//! Pure: no database, no clock (`now` is given). Each day is generated from its own RNG seeded
//! by (seed, day), so days can be generated in any order and in parallel, and the same inputs
//! always give the same rows (for a given `rand` version). Rows belong to the day their
//! consultation, appointment or payment was *created*; later lifecycle steps (a reply after
//! midnight, a delivery three days later) stay in that row and may fall on later days. Nothing
//! after `now` appears: rows created later are left out and later steps are left empty.
//!
//! The shape: ≈ 100,000 consultations per unit of `scale` over the twelve months; weekends ≈ 60%
//! of a weekday, public holidays lower (春节 ≈ 35%, 国庆 ≈ 50%), a winter peak in respiratory,
//! paediatric and infectious-disease departments, ≈ +3% growth a month, peaks at 9–11 and 19–22
//! o'clock; big departments and very active doctors (Zipf-like); busy returning patients.

#[path = "activity_texts.rs"]
pub(crate) mod texts;

use hops_kernel::{Instant, LocalDay, Money};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::synth::pick_weighted;
use texts::{
    CLINIC_HOURS, Cause, DEPARTMENT_WEIGHTS, HOURS, KINDS, Kind, RESPIRATORY_SEASON, calendar_factor, cumulative, hash_str, lognormal,
    mix64, month, pick_cumulative, poisson, unit, ymd,
};

/// Column names, in this order, of each kind's rows (the ingest's documented columns).
#[rustfmt::skip]
pub const CONSULTATION_COLUMNS: &[&str] = &["external_id", "patient_external_id", "department_code", "doctor_code", "kind", "created_at",
    "paid_at", "accepted_at", "first_reply_at", "completed_at", "cancelled_at", "refunded_at", "amount", "rating", "review"];
#[rustfmt::skip]
pub const APPOINTMENT_COLUMNS: &[&str] = &["external_id", "patient_external_id", "department_code", "doctor_code", "booked_at", "visit_date", "status"];
pub const PAYMENT_COLUMNS: &[&str] = &["external_id", "patient_external_id", "kind", "amount", "paid_at", "insurance_amount"];
#[rustfmt::skip]
pub const PRESCRIPTION_COLUMNS: &[&str] = &["external_id", "consultation_external_id", "issued_at", "reviewed_at", "dispensed_at", "delivery",
    "shipped_at", "delivered_at", "amount"];

/// A department of the master data and its doctors' codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub code: String,
    /// The name decides the department's volume and season (呼吸, 儿科, 感染 peak in winter).
    pub name: String,
    /// Doctor codes; a department without doctors gets no activity.
    pub doctors: Vec<String>,
}

/// A patient of the master data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    pub external_id: String,
    pub registered: LocalDay,
}

/// The activity generator: what the hospital looks like and how much to make.
#[derive(Debug, Clone, Copy)]
pub struct Activity<'a> {
    pub departments: &'a [Department],
    /// Sorted by `registered` ascending.
    pub patients: &'a [Patient],
    /// Nothing generated happens after `now`.
    pub now: Instant,
    /// 1.0 ≈ 100,000 consultations over 12 months.
    pub scale: f64,
    pub seed: u64,
}

/// Rows of one day, each `Vec<String>` in the order of the `*_COLUMNS` above; all values as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayRows {
    pub consultations: Vec<Vec<String>>,
    pub appointments: Vec<Vec<String>>,
    pub payments: Vec<Vec<String>>,
    pub prescriptions: Vec<Vec<String>>,
}

const CONSULTATIONS_PER_SCALE: f64 = 100_000.0;
/// Other activity per consultation.
const APPOINTMENT_RATE: f64 = 0.6;
const OUTPATIENT_RATE: f64 = 0.45;
const RECHARGE_RATE: f64 = 0.08;
const OTHER_PAYMENT_RATE: f64 = 0.03;

impl Activity<'_> {
    /// The first day generated: 12 months before `now`'s day (same day-of-month, previous year,
    /// +1 day; from 29 February, 1 March of the previous year).
    pub fn first_day(&self) -> LocalDay {
        let today = self.now.local_day();
        let d = today.to_date();
        let day = |dd: i8| LocalDay::parse(&format!("{:04}-{:02}-{:02}", i32::from(d.year()) - 1, d.month(), dd));
        day(d.day()).or_else(|_| day(d.day() - 1)).map_or(today.plus_days(-364), |d| d.plus_days(1))
    }

    /// Everything that happened on `day` (deterministic for a given seed and day, independent of
    /// other days, so callers can stream day by day and in parallel).
    pub fn day(&self, day: LocalDay) -> DayRows {
        let mut g = Gen::new(self, day);
        if g.eligible > 0 {
            let mean = self.daily_mean(day);
            if g.dept_cum.last().is_some_and(|&t| t > 0.0) {
                g.consultations(mean);
                g.appointments(mean * APPOINTMENT_RATE);
            }
            g.other_payments(mean);
        }
        g.finish()
    }

    /// Expected consultations over the whole range (for progress bars), approximately.
    pub fn expected_consultations(&self) -> u64 {
        (CONSULTATIONS_PER_SCALE * self.scale).round().max(0.0) as u64
    }

    /// Each department's weight in `month` (0–11); 0 without doctors.
    fn department_weights(&self, month: usize) -> impl Iterator<Item = f64> + '_ {
        self.departments.iter().map(move |d| {
            let (w, winter) = DEPARTMENT_WEIGHTS.iter().find(|(k, _, _)| d.name.contains(k)).map_or((2.0, false), |&(_, w, s)| (w, s));
            if d.doctors.is_empty() { 0.0 } else { w * if winter { RESPIRATORY_SEASON[month] } else { 1.0 } }
        })
    }

    /// Expected consultations created on `day`.
    fn daily_mean(&self, day: LocalDay) -> f64 {
        let base: f64 = self.department_weights(6).sum::<f64>().max(1e-9);
        let mix: Vec<f64> = (0..12).map(|m| self.department_weights(m).sum::<f64>() / base).collect();
        let first = self.first_day();
        let factor = |d: LocalDay| {
            let growth = 1.03f64.powf(f64::from(d.days_since(first)) / 30.44);
            calendar_factor(d) * growth * mix[month(d)]
        };
        let total: f64 = (0..=self.now.local_day().days_since(first)).map(|i| factor(first.plus_days(i))).sum();
        CONSULTATIONS_PER_SCALE * self.scale.max(0.0) * factor(day) / total.max(1e-9)
    }
}

/// Seconds since local midnight.
fn second_of_day(t: Instant) -> i64 {
    t.seconds_since(t.local_day().start())
}

fn money(fen: i64) -> String {
    Money(fen).to_yuan_string()
}

/// One day being generated.
struct Gen<'a, 'b> {
    act: &'b Activity<'a>,
    rng: StdRng,
    day: LocalDay,
    /// `20260312`, the date in ids.
    key: u32,
    now: Instant,
    /// Cumulative department weights (over `act.departments`) and doctors' (per department).
    dept_cum: Vec<f64>,
    doc_cum: Vec<Vec<f64>>,
    /// Patients registered on or before the day; from `recent` on, in the last three days.
    eligible: usize,
    recent: usize,
    /// Payments of the day with their time, ids given when sorted.
    payments: Vec<(Instant, [String; 5])>,
    prescriptions: u32,
    rows: DayRows,
}

impl<'a, 'b> Gen<'a, 'b> {
    fn new(act: &'b Activity<'a>, day: LocalDay) -> Self {
        let rng = StdRng::seed_from_u64(mix64(act.seed ^ mix64(0xAC71_0000 ^ i64::from(day.0) as u64)));
        let dept_cum = cumulative(act.department_weights(month(day)));
        // Doctors by a stable random rank: weight 1/rank^1.1, a few busy, many quiet.
        let doc_cum = act
            .departments
            .iter()
            .map(|d| {
                let mut ranked: Vec<(u64, usize)> = d.doctors.iter().enumerate().map(|(i, c)| (hash_str(act.seed, c), i)).collect();
                ranked.sort_unstable();
                let mut w = vec![0.0; d.doctors.len()];
                ranked.iter().enumerate().for_each(|(rank, &(_, i))| w[i] = 1.0 / (rank as f64 + 1.0).powf(1.1));
                cumulative(w.into_iter())
            })
            .collect();
        let eligible = act.patients.partition_point(|p| p.registered <= day);
        let recent = act.patients[..eligible].partition_point(|p| p.registered < day.plus_days(-2));
        Gen {
            act,
            rng,
            day,
            key: ymd(day),
            now: act.now,
            dept_cum,
            doc_cum,
            eligible,
            recent,
            payments: Vec::new(),
            prescriptions: 0,
            rows: DayRows::default(),
        }
    }

    /// Sorted times of the day of a Poisson number of events with this mean.
    fn times(&mut self, mean: f64, hours: &[(i64, u32)]) -> Vec<Instant> {
        let n = poisson(&mut self.rng, mean);
        let start = self.day.start();
        let mut t: Vec<Instant> =
            (0..n).map(|_| start.plus_seconds(pick_weighted(&mut self.rng, hours) * 3600 + self.rng.random_range(0..3600))).collect();
        t.sort_unstable();
        t
    }

    fn secs(&mut self, range: std::ops::Range<i64>) -> i64 {
        self.rng.random_range(range)
    }

    /// Some seconds `after` `from`, moved to a little after the next opening if it falls outside
    /// `open..close` o'clock.
    fn daytime(&mut self, from: Instant, after: std::ops::Range<i64>, open: i64, close: i64) -> Instant {
        let t = from.plus_seconds(self.secs(after));
        let at = second_of_day(t);
        if (open * 3600..close * 3600).contains(&at) {
            return t;
        }
        let day = t.local_day().plus_days(i32::from(at >= close * 3600));
        day.start().plus_seconds(open * 3600 + self.secs(0..3 * 3600))
    }

    /// (department index, doctor index).
    fn pick_doctor(&mut self) -> (usize, usize) {
        let d = pick_cumulative(&mut self.rng, &self.dept_cum);
        (d, pick_cumulative(&mut self.rng, &self.doc_cum[d]))
    }

    /// A patient: 30% newly registered (last three days), else by a stable activity tier (5%
    /// very busy, 20% regular, 75% occasional) so some patients consult many times.
    fn pick_patient(&mut self) -> &'a str {
        let patients: &'a [Patient] = self.act.patients;
        if self.recent < self.eligible && self.rng.random_bool(0.3) {
            return &patients[self.rng.random_range(self.recent..self.eligible)].external_id;
        }
        loop {
            let i = self.rng.random_range(0..self.eligible);
            let tier = match hash_str(self.act.seed ^ 0x5A7_1E47, &patients[i].external_id) % 100 {
                0..5 => 25.0,
                5..25 => 5.0,
                _ => 1.0,
            };
            if self.rng.random::<f64>() * 25.0 < tier {
                return &patients[i].external_id;
            }
        }
    }

    fn payment(&mut self, at: Instant, patient: &str, kind: &str, fen: i64, insured: bool) {
        let insurance = if insured && self.rng.random_bool(0.35) { fen * self.rng.random_range(30..=70) / 100 } else { 0 };
        self.payments.push((at, [patient.to_string(), kind.to_string(), money(fen), at.format_second(), money(insurance)]));
    }

    /// `t` as text if it happened by `now`.
    fn ts(&self, t: Option<Instant>) -> String {
        t.filter(|t| *t <= self.now).map(Instant::format_second).unwrap_or_default()
    }

    fn consultations(&mut self, mean: f64) {
        for (seq, created) in self.times(mean, HOURS).into_iter().enumerate() {
            self.consultation(seq + 1, created);
        }
    }

    fn consultation(&mut self, seq: usize, created: Instant) {
        let (d, doc) = self.pick_doctor();
        let (dept, doctor) = (&self.act.departments[d].code, &self.act.departments[d].doctors[doc]);
        let patient = self.pick_patient();
        let kind = *pick_weighted(&mut self.rng, KINDS);
        // Each doctor has one price per kind; some revisits are free.
        let (lo, hi) = kind.prices;
        let level = unit(hash_str(self.act.seed ^ kind.prices.0 as u64, doctor));
        let fen = if kind.code == "revisit" && self.rng.random_bool(0.15) {
            0
        } else {
            (lo + 5 * (level * ((hi - lo) / 5 + 1) as f64) as i64) * 100
        };
        let id = format!("C{}{seq:06}", self.key);

        let [mut paid, mut accepted, mut first_reply, mut completed, mut cancelled, mut refunded] = [None::<Instant>; 6];
        let (mut rating, mut review) = (None, String::new());
        if !self.rng.random_bool(if fen == 0 { 0.97 } else { 0.85 }) {
            if self.rng.random_bool(0.8) {
                // Given up after a few minutes, or closed by the system after 30 minutes unpaid.
                let after = if self.rng.random_bool(0.4) { 1800 + self.secs(0..60) } else { self.secs(40..900) };
                cancelled = Some(created.plus_seconds(after));
            }
        } else {
            let p = created.plus_seconds(20 + lognormal(&mut self.rng, 60.0, 0.8) as i64);
            paid = Some(p);
            if !self.rng.random_bool(0.96) {
                // Never accepted: closed after a timeout, mostly refunded (some refunds still pending).
                let r = self.rng.random::<f64>();
                if r < 0.8 {
                    let c = p.plus_seconds(self.secs(600..86_400));
                    cancelled = Some(c);
                    if r < 0.45 {
                        refunded = Some(c.plus_seconds(self.secs(60..3 * 86_400)));
                    }
                }
            } else {
                let delay = self.reply_delay(kind, p);
                // The doctor accepts shortly before the first reply.
                let gap = ((delay as f64 * self.rng.random_range(0.1..0.6)) as i64).min(self.secs(60..600));
                let a = p.plus_seconds((delay - gap).max(1));
                let f = p.plus_seconds(delay).max(a.plus_seconds(1));
                (accepted, first_reply) = (Some(a), Some(f));
                if !self.rng.random_bool(0.92) {
                    let c = f.plus_seconds(self.secs(1800..86_400));
                    cancelled = Some(c);
                    if self.rng.random_bool(0.08) {
                        refunded = Some(c.plus_seconds(self.secs(600..2 * 86_400)));
                    }
                } else {
                    let duration = match kind.code {
                        "text" => (lognormal(&mut self.rng, 90.0, 0.9) * 60.0) as i64,
                        "revisit" => (lognormal(&mut self.rng, 45.0, 0.9) * 60.0) as i64,
                        _ => self.secs(15 * 60..30 * 60),
                    };
                    let c = f.plus_seconds(duration.clamp(120, 47 * 3600));
                    completed = Some(c);
                    let delivery = self.prescription(&id, patient, kind, f, c);
                    let outcome = texts::experience(&mut self.rng, kind.live, delay, delivery);
                    if outcome.refunded {
                        refunded = Some(c.plus_seconds(self.secs(3600..3 * 86_400)));
                    }
                    (rating, review) = (outcome.rating, outcome.review);
                }
            }
        }
        if let Some(p) = paid {
            self.payment(p, patient, "consultation", fen, false);
        }
        refunded = refunded.filter(|_| fen > 0);
        let shown = completed.is_some_and(|c| c <= self.now);
        let row = vec![
            id,
            patient.to_string(),
            dept.clone(),
            doctor.clone(),
            kind.code.to_string(),
            self.ts(Some(created)),
            self.ts(paid),
            self.ts(accepted),
            self.ts(first_reply),
            self.ts(completed),
            self.ts(cancelled),
            self.ts(refunded),
            money(fen),
            rating.filter(|_| shown).map(|r: u8| r.to_string()).unwrap_or_default(),
            if shown { review } else { String::new() },
        ];
        if created <= self.now {
            self.rows.consultations.push(row);
        }
    }

    /// Seconds from payment to the first reply: lognormal by kind; text questions sent at night
    /// mostly wait for the morning.
    fn reply_delay(&mut self, kind: Kind, paid: Instant) -> i64 {
        let (median, sigma) = kind.reply;
        let mut secs = (lognormal(&mut self.rng, median, sigma) * 60.0) as i64 + 5;
        let at = second_of_day(paid);
        if !kind.live && !(7 * 3600..23 * 3600).contains(&at) && self.rng.random_bool(0.6) {
            let morning = if at < 7 * 3600 { 7 * 3600 } else { 31 * 3600 } + 1800 + self.secs(0..5400);
            secs = secs.max(morning - at);
        }
        secs
    }

    /// Maybe a prescription for a completed text or revisit consultation (issued between the
    /// first reply and the completion); returns how its delivery went.
    fn prescription(&mut self, consultation: &str, patient: &str, kind: Kind, reply: Instant, done: Instant) -> Option<Cause> {
        let share = match kind.code {
            "text" => 0.3,
            "revisit" => 0.6,
            _ => 0.0,
        };
        let window = done.seconds_since(reply);
        if window < 120 || !self.rng.random_bool(share) {
            return None;
        }
        self.prescriptions += 1;
        let id = format!("R{}{:06}", self.key, self.prescriptions);
        let issued = reply.plus_seconds(1 + (window as f64 * self.rng.random_range(0.2..0.9)) as i64);
        let reviewed = issued.plus_seconds(self.secs(300..1800));
        let dispensed = self.daytime(reviewed, 3600..4 * 3600, 8, 20);
        let fen = (lognormal(&mut self.rng, 120.0, 0.7).clamp(30.0, 600.0) * 10.0).round() as i64 * 10;
        let mut trouble = None;
        let (delivery, shipped, delivered) = if self.rng.random_bool(0.7) {
            let shipped = self.daytime(dispensed, 2 * 3600..8 * 3600, 9, 20);
            let slow = self.rng.random_bool(0.08);
            if slow {
                trouble = Some(Cause::SlowDelivery);
            } else if self.rng.random_bool(0.03) {
                trouble = Some(Cause::WrongDelivery);
            }
            let days = if slow { 3 * 86_400..7 * 86_400 } else { 86_400..3 * 86_400 };
            ("courier", Some(shipped), self.daytime(shipped, days, 8, 21))
        } else {
            ("pickup", None, self.daytime(dispensed, 3600..2 * 86_400, 8, 18))
        };
        let paid = reviewed.plus_seconds(self.secs(60..1200));
        self.payment(paid, patient, "prescription", fen, true);
        if issued <= self.now {
            let row = vec![
                id,
                consultation.to_string(),
                self.ts(Some(issued)),
                self.ts(Some(reviewed)),
                self.ts(Some(dispensed)),
                delivery.to_string(),
                self.ts(shipped),
                self.ts(Some(delivered)),
                money(fen),
            ];
            self.rows.prescriptions.push(row);
        }
        trouble
    }

    fn appointments(&mut self, mean: f64) {
        #[rustfmt::skip]
        const OFFSETS: &[(i32, u32)] =
            &[(0, 10), (1, 22), (2, 15), (3, 11), (4, 8), (5, 7), (6, 6), (7, 6), (8, 4), (9, 3), (10, 3), (11, 2), (12, 1), (13, 1), (14, 1)];
        const OUTCOMES: &[(&str, u32)] = &[("visited", 80), ("no_show", 8), ("cancelled", 12)];
        for (seq, booked) in self.times(mean, HOURS).into_iter().enumerate() {
            let (d, doc) = self.pick_doctor();
            let patient = self.pick_patient();
            let visit = self.day.plus_days(*pick_weighted(&mut self.rng, OFFSETS));
            let outcome = *pick_weighted(&mut self.rng, OUTCOMES);
            if booked > self.now {
                continue;
            }
            let status = if visit > self.now.local_day() { "booked" } else { outcome };
            let dept = &self.act.departments[d];
            self.rows.appointments.push(vec![
                format!("A{}{:06}", self.key, seq + 1),
                patient.to_string(),
                dept.code.clone(),
                dept.doctors[doc].clone(),
                booked.format_second(),
                visit.to_string(),
                status.to_string(),
            ]);
        }
    }

    /// Outpatient bills, recharges of the patient account and other payments.
    fn other_payments(&mut self, mean: f64) {
        for at in self.times(mean * OUTPATIENT_RATE, CLINIC_HOURS) {
            let patient = self.pick_patient();
            let fen = (lognormal(&mut self.rng, 180.0, 0.7).clamp(50.0, 800.0) * 100.0).round() as i64;
            self.payment(at, patient, "outpatient", fen, true);
        }
        for at in self.times(mean * RECHARGE_RATE, HOURS) {
            let patient = self.pick_patient();
            let yuan = *pick_weighted(&mut self.rng, &[(100, 50), (200, 35), (500, 15)]);
            self.payment(at, patient, "recharge", yuan * 100, false);
        }
        for at in self.times(mean * OTHER_PAYMENT_RATE, CLINIC_HOURS) {
            let patient = self.pick_patient();
            let fen = self.rng.random_range(5..=200) * 100;
            self.payment(at, patient, "other", fen, false);
        }
    }

    fn finish(mut self) -> DayRows {
        self.payments.sort_by_key(|p| p.0);
        for (seq, (at, [patient, kind, amount, paid, insurance])) in self.payments.into_iter().enumerate() {
            if at <= self.now {
                self.rows.payments.push(vec![format!("Y{}{:06}", self.key, seq + 1), patient, kind, amount, paid, insurance]);
            }
        }
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::synth::DEPARTMENTS;

    struct Hospital(Vec<Department>, Vec<Patient>);

    /// The demo's departments and `n` patients registered over the past three years.
    fn hospital(n: u64) -> Hospital {
        let mut k = 0;
        let departments = DEPARTMENTS
            .iter()
            .map(|d| Department {
                code: d.code.into(),
                name: d.name.into(),
                doctors: (0..d.doctors).map(|_| (k += 1, format!("D{k:04}")).1).collect(),
            })
            .collect();
        let today = now().local_day();
        let mut patients: Vec<Patient> =
            (0..n).map(|i| Patient { external_id: format!("P{i:08}"), registered: today.plus_days(-((mix64(i) % 1095) as i32)) }).collect();
        patients.sort_by_key(|p| p.registered);
        Hospital(departments, patients)
    }

    fn now() -> Instant {
        Instant::parse("2026-11-22 15:30:00").unwrap()
    }

    fn activity(h: &Hospital, seed: u64) -> Activity<'_> {
        Activity { departments: &h.0, patients: &h.1, now: now(), scale: 1.0, seed }
    }

    /// The 30 days up to and including `now`'s day.
    fn month_rows(a: &Activity) -> Vec<(LocalDay, DayRows)> {
        (0..30).map(|i| a.now.local_day().plus_days(i - 29)).map(|d| (d, a.day(d))).collect()
    }

    fn at(row: &[String], columns: &[&str], name: &str) -> Option<Instant> {
        let t = &row[columns.iter().position(|c| *c == name).unwrap()];
        (!t.is_empty()).then(|| Instant::parse(t).unwrap())
    }

    fn ordered(row: &[String], columns: &[&str], names: &[&str]) -> Vec<Instant> {
        let t: Vec<Instant> = names.iter().filter_map(|n| at(row, columns, n)).collect();
        assert!(t.windows(2).all(|w| w[0] < w[1]), "out of order: {row:?}");
        t
    }

    #[test]
    fn activity_first_day_is_twelve_months_back() {
        let h = hospital(10);
        assert_eq!(activity(&h, 1).first_day().to_string(), "2025-11-23");
        let leap = Activity { now: Instant::parse("2028-02-29 12:00").unwrap(), ..activity(&h, 1) };
        assert_eq!(leap.first_day().to_string(), "2027-03-01");
    }

    #[test]
    fn activity_is_deterministic_and_days_are_independent() {
        let h = hospital(5_000);
        let a = activity(&h, 7);
        let days: Vec<LocalDay> = (0..6).map(|i| a.now.local_day().plus_days(-3 * i)).collect();
        let forward: Vec<DayRows> = days.iter().map(|&d| a.day(d)).collect();
        let parallel: Vec<DayRows> = std::thread::scope(|s| {
            let jobs: Vec<_> = days.iter().rev().map(|&d| s.spawn(move || a.day(d))).collect();
            jobs.into_iter().map(|j| j.join().unwrap()).collect()
        });
        assert!(forward.iter().eq(parallel.iter().rev()));
        assert!(forward[1].consultations.len() > 100);
        assert_ne!(forward[1], activity(&h, 8).day(days[1]));
    }

    #[test]
    fn activity_rows_are_well_formed() {
        let h = hospital(20_000);
        let a = activity(&h, 42);
        let (mut ids, mut replies, mut paid, mut payments) = (HashSet::new(), HashMap::new(), HashSet::new(), HashSet::new());
        let month = month_rows(&a);
        for &(day, ref rows) in &month {
            let kinds = [
                (&rows.consultations, CONSULTATION_COLUMNS),
                (&rows.appointments, APPOINTMENT_COLUMNS),
                (&rows.payments, PAYMENT_COLUMNS),
                (&rows.prescriptions, PRESCRIPTION_COLUMNS),
            ];
            for (rows, columns) in kinds {
                for row in rows {
                    assert_eq!(row.len(), columns.len(), "{row:?}");
                    assert!(ids.insert(row[0].clone()), "duplicate id {}", row[0]);
                    assert!(row[0][1..].starts_with(&ymd(day).to_string()), "{} on {day}", row[0]);
                    for c in columns.iter().filter(|c| c.ends_with("_at")) {
                        assert!(at(row, columns, c).is_none_or(|t| t <= a.now), "{c} after now: {row:?}");
                    }
                    for c in columns.iter().filter(|c| c.ends_with("amount")) {
                        assert!(!Money::parse(&row[columns.iter().position(|x| x == c).unwrap()]).unwrap().is_negative());
                    }
                }
            }
            let steps = ["created_at", "paid_at", "accepted_at", "first_reply_at", "completed_at", "cancelled_at", "refunded_at"];
            for r in &rows.consultations {
                assert_eq!(ordered(r, CONSULTATION_COLUMNS, &steps)[0].local_day(), day);
                assert!(["text", "video", "phone", "revisit"].contains(&r[4].as_str()));
                assert!(r[13].is_empty() || (1..=5).contains(&r[13].parse::<u8>().unwrap()));
                assert!(r[13].is_empty() || !r[9].is_empty(), "rated before completion");
                assert!(r[14].is_empty() || !r[13].is_empty(), "review without rating");
                if !r[6].is_empty() {
                    paid.insert((r[1].clone(), r[12].clone(), r[6].clone()));
                }
                replies.insert(r[0].clone(), at(r, CONSULTATION_COLUMNS, "first_reply_at"));
            }
            for r in &rows.payments {
                let (amount, insured) = (Money::parse(&r[3]).unwrap(), Money::parse(&r[5]).unwrap());
                assert!(insured <= amount && (insured == Money::ZERO || ["outpatient", "prescription"].contains(&r[2].as_str())));
                if r[2] == "consultation" {
                    payments.insert((r[1].clone(), r[3].clone(), r[4].clone()));
                }
            }
            for r in &rows.prescriptions {
                let t = ordered(r, PRESCRIPTION_COLUMNS, &["issued_at", "reviewed_at", "dispensed_at", "shipped_at", "delivered_at"]);
                assert!(replies[&r[1]].unwrap() < t[0], "issued before the first reply");
                assert!(r[5] == "courier" || (r[5] == "pickup" && r[6].is_empty()));
            }
            for r in &rows.appointments {
                let visit = LocalDay::parse(&r[5]).unwrap();
                assert!((0..=14).contains(&visit.days_since(day)));
                assert_eq!(r[6] == "booked", visit > a.now.local_day(), "{r:?}");
                assert!(["booked", "visited", "no_show", "cancelled"].contains(&r[6].as_str()));
            }
        }
        assert_eq!(paid, payments, "a payment for every paid consultation");
        // The last day stops at `now`, with consultations still open; the next day is empty.
        let today = &month[29].1.consultations;
        assert!(today.iter().any(|r| at(r, CONSULTATION_COLUMNS, "created_at").unwrap() > a.now.plus_minutes(-60)));
        assert!(today.iter().any(|r| r[9].is_empty() && !r[8].is_empty()), "some still open");
        assert_eq!(a.day(a.now.local_day().plus_days(1)), DayRows::default());
    }

    #[test]
    fn activity_volume_and_shares() {
        let h = hospital(30_000);
        let a = activity(&h, 11);
        let rows = month_rows(&a);
        let expected: f64 = rows.iter().map(|(d, _)| a.daily_mean(*d)).sum();
        let all: Vec<&Vec<String>> = rows.iter().flat_map(|(_, r)| &r.consultations).collect();
        let made = all.len() as f64;
        assert!((made / expected - 1.0).abs() < 0.25, "made {made}, expected {expected}");
        let days = a.now.local_day().days_since(a.first_day());
        let year: f64 = (0..=days).map(|i| a.daily_mean(a.first_day().plus_days(i))).sum();
        assert!((year - a.expected_consultations() as f64).abs() < 1.0);
        let appointments = rows.iter().map(|(_, r)| r.appointments.len()).sum::<usize>() as f64;
        assert!((appointments / made - 0.6).abs() < 0.08, "{appointments}");

        let share = |f: &dyn Fn(&Vec<String>) -> bool| all.iter().filter(|r| f(r)).count() as f64 / made;
        for (kind, want) in [("text", 0.55), ("video", 0.10), ("phone", 0.10), ("revisit", 0.25)] {
            let got = share(&|r| r[4] == kind);
            assert!((got - want).abs() < 0.03, "{kind}: {got}");
        }
        let paid = share(&|r| !r[6].is_empty());
        let refunded = share(&|r| !r[11].is_empty()) / paid;
        let rated = share(&|r| !r[13].is_empty()) / share(&|r| !r[9].is_empty());
        let five = share(&|r| r[13] == "5") / share(&|r| !r[13].is_empty());
        assert!((0.8..0.9).contains(&paid) && (0.015..0.05).contains(&refunded), "paid {paid}, refunded {refunded}");
        assert!((0.38..0.52).contains(&rated) && (0.65..0.9).contains(&five), "rated {rated}, five {five}");

        // Bad ratings follow slow first replies.
        let mean_rating = |slow: bool| {
            let r: Vec<f64> = all
                .iter()
                .filter(|r| !r[13].is_empty())
                .filter(|r| {
                    let reply = at(r, CONSULTATION_COLUMNS, "first_reply_at").unwrap();
                    (reply.seconds_since(at(r, CONSULTATION_COLUMNS, "paid_at").unwrap()) > 3600) == slow
                })
                .map(|r| r[13].parse::<f64>().unwrap())
                .collect();
            r.iter().sum::<f64>() / r.len() as f64
        };
        assert!(mean_rating(true) + 0.5 < mean_rating(false), "{} vs {}", mean_rating(true), mean_rating(false));

        // Some patients come back again and again, most come once; a few doctors do much of the work.
        let count = |col: usize| {
            let mut n: HashMap<&str, usize> = HashMap::new();
            all.iter().for_each(|r| *n.entry(&r[col]).or_default() += 1);
            let mut v: Vec<usize> = n.into_values().collect();
            v.sort_unstable_by(|x, y| y.cmp(x));
            v
        };
        let patients = count(1);
        let once = patients.iter().filter(|&&n| n == 1).count() as f64 / patients.len() as f64;
        assert!(once > 0.5 && patients[0] >= 6, "once {once}, most {}", patients[0]);
        assert!(count(3)[..30].iter().sum::<usize>() * 3 > all.len(), "the busiest 10% of doctors");
    }

    #[test]
    fn activity_calendar_and_seasons() {
        let h = hospital(2_000);
        let a = activity(&h, 1);
        let days: Vec<LocalDay> = (0..365).map(|i| a.first_day().plus_days(i)).filter(|d| calendar_factor(*d) >= 0.6).collect();
        let avg = |weekend: bool| {
            let m: Vec<f64> =
                days.iter().filter(|d| (d.weekday().to_monday_zero_offset() >= 5) == weekend).map(|d| a.daily_mean(*d)).collect();
            m.iter().sum::<f64>() / m.len() as f64
        };
        assert!((0.5..0.7).contains(&(avg(true) / avg(false))), "weekends");
        let mean = |s: &str| a.daily_mean(LocalDay::parse(s).unwrap());
        assert!(mean("2026-02-18") < 0.45 * mean("2026-03-04"), "春节");
        assert!(mean("2026-10-05") < 0.6 * mean("2026-10-14"), "国庆");
        assert!(mean("2026-11-18") > 1.15 * mean("2025-11-26"), "growth");
        let respiratory = |m: usize| {
            let w: Vec<f64> = a.department_weights(m).collect();
            (w[1] + w[15]) / w.iter().sum::<f64>()
        };
        assert!(respiratory(0) > 1.5 * respiratory(6), "winter");
        let rows = |s: &str| a.day(LocalDay::parse(s).unwrap()).consultations.len();
        assert!(rows("2026-02-18") * 2 < rows("2026-03-04"));
        let week: Vec<usize> = (0..7).map(|i| a.day(LocalDay::parse("2026-11-09").unwrap().plus_days(i)).consultations.len()).collect();
        assert!(week[5] + week[6] < week[0] + week[1], "{week:?}");
    }

    #[test]
    fn activity_reviews_name_real_causes() {
        let h = hospital(20_000);
        let rows = month_rows(&activity(&h, 5));
        let reviews: Vec<(&str, &str)> = rows
            .iter()
            .flat_map(|(_, r)| &r.consultations)
            .filter(|r| !r[14].is_empty())
            .map(|r| (r[13].as_str(), r[14].as_str()))
            .collect();
        let bad: HashSet<&str> = reviews.iter().filter(|(r, _)| *r <= "2").map(|p| p.1).collect();
        let good: HashSet<&str> = reviews.iter().filter(|(r, _)| *r == "5").map(|p| p.1).collect();
        assert!(bad.len() > 30 && good.len() > 300, "{} bad, {} good", bad.len(), good.len());
        for word in ["慢", "退款", "态度", "药"] {
            assert!(bad.iter().any(|t| t.contains(word)), "{word}");
        }
    }

    /// `cargo test --release -p hops-demo activity_speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn activity_speed() {
        let h = hospital(50_000);
        let a = activity(&h, 2026);
        let start = std::time::Instant::now();
        let days = a.now.local_day().days_since(a.first_day());
        let year: Vec<DayRows> = (0..=days).map(|i| a.day(a.first_day().plus_days(i))).collect();
        let secs = start.elapsed().as_secs_f64();
        let rows: usize =
            year.iter().map(|d| d.consultations.len() + d.appointments.len() + d.payments.len() + d.prescriptions.len()).sum();
        let consultations: usize = year.iter().map(|d| d.consultations.len()).sum();
        println!("{consultations} consultations, {rows} rows in {secs:.2} s: {:.0} rows/s on one thread", rows as f64 / secs);
    }
}
