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
mod texts;

use hops_kernel::{Instant, LocalDay, Money};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};

use crate::synth::pick_weighted;
use texts::{CLINIC_HOURS, Cause, DEPARTMENT_WEIGHTS, HOLIDAYS, HOURS, MAKEUP_WORKDAYS, RESPIRATORY_SEASON, SPRING_SHOULDERS};

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

impl DayRows {
    /// Rows of all kinds.
    pub fn len(&self) -> usize {
        self.consultations.len() + self.appointments.len() + self.payments.len() + self.prescriptions.len()
    }

    /// No rows at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

const CONSULTATIONS_PER_SCALE: f64 = 100_000.0;
/// Other activity per consultation.
const APPOINTMENT_RATE: f64 = 0.6;
const OUTPATIENT_RATE: f64 = 0.45;
const RECHARGE_RATE: f64 = 0.08;
const OTHER_PAYMENT_RATE: f64 = 0.03;

/// A consultation kind: code, share, price range in yuan, median minutes from payment to the
/// first reply and its spread (lognormal sigma), live (video, phone) or not.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Kind {
    code: &'static str,
    prices: (i64, i64),
    reply: (f64, f64),
    live: bool,
}

#[rustfmt::skip]
const KINDS: &[(Kind, u32)] = &[
    (Kind { code: "text", prices: (20, 80), reply: (8.0, 1.0), live: false }, 55),
    (Kind { code: "video", prices: (50, 150), reply: (3.5, 0.75), live: true }, 10),
    (Kind { code: "phone", prices: (40, 120), reply: (3.5, 0.75), live: true }, 10),
    (Kind { code: "revisit", prices: (10, 30), reply: (10.0, 1.0), live: false }, 25),
];

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
            if !g.dept_cum.is_empty() {
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

fn ymd(day: LocalDay) -> u32 {
    let d = day.to_date();
    (d.year().max(0) as u32) * 10_000 + (d.month() as u32) * 100 + d.day() as u32
}

fn month(day: LocalDay) -> usize {
    (day.to_date().month() - 1) as usize
}

/// A day's volume relative to a working day: weekends, holidays, 调休, the 春节 travel days.
fn calendar_factor(day: LocalDay) -> f64 {
    let key = ymd(day);
    let within = |&&(a, b, _): &&(u32, u32, f64)| (a..=b).contains(&key);
    let base = if let Some(&(_, _, f)) = HOLIDAYS.iter().find(within) {
        f
    } else if MAKEUP_WORKDAYS.contains(&key) {
        0.9
    } else if day.weekday().to_monday_zero_offset() >= 5 {
        0.6
    } else {
        1.0
    };
    base * SPRING_SHOULDERS.iter().find(within).map_or(1.0, |s| s.2)
}

/// A well-mixed 64-bit hash (splitmix64 finaliser).
fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stable hash of a text (FNV-1a, then mixed with the seed).
fn hash_str(seed: u64, s: &str) -> u64 {
    let h = s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3));
    mix64(h ^ mix64(seed))
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn lognormal<R: Rng + ?Sized>(rng: &mut R, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> usize {
    if mean <= 0.0 {
        0
    } else if mean < 30.0 {
        let (limit, mut p, mut k) = ((-mean).exp(), 1.0, 0);
        loop {
            p *= rng.random::<f64>();
            if p <= limit {
                return k;
            }
            k += 1;
        }
    } else {
        (mean + mean.sqrt() * normal(rng)).round().max(0.0) as usize
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
    dept_cum: Vec<(f64, usize)>,
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
        let mut dept_cum = Vec::new();
        let mut total = 0.0;
        for (i, w) in act.department_weights(month(day)).enumerate() {
            if w > 0.0 {
                total += w;
                dept_cum.push((total, i));
            }
        }
        // Doctors by a stable random rank: weight 1/rank^1.1, a few busy, many quiet.
        let doc_cum = act
            .departments
            .iter()
            .map(|d| {
                let mut ranked: Vec<(u64, usize)> = d.doctors.iter().enumerate().map(|(i, c)| (hash_str(act.seed, c), i)).collect();
                ranked.sort_unstable();
                let mut w = vec![0.0; d.doctors.len()];
                for (rank, &(_, i)) in ranked.iter().enumerate() {
                    w[i] = 1.0 / (rank as f64 + 1.0).powf(1.1);
                }
                w.iter()
                    .scan(0.0, |s, x| {
                        *s += x;
                        Some(*s)
                    })
                    .collect()
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

    fn time_of_day(&mut self, hours: &[(i64, u32)]) -> Instant {
        let hour = *pick_weighted(&mut self.rng, hours);
        self.day.start().plus_seconds(hour * 3600 + self.rng.random_range(0..3600))
    }

    /// Sorted times of the day of a Poisson number of events with this mean.
    fn times(&mut self, mean: f64, hours: &[(i64, u32)]) -> Vec<Instant> {
        let n = poisson(&mut self.rng, mean);
        let mut t: Vec<Instant> = (0..n).map(|_| self.time_of_day(hours)).collect();
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
        let total = self.dept_cum.last().map_or(0.0, |c| c.0);
        let x = self.rng.random::<f64>() * total;
        let d = self.dept_cum[self.dept_cum.partition_point(|c| c.0 <= x).min(self.dept_cum.len() - 1)].1;
        let cum = &self.doc_cum[d];
        let y = self.rng.random::<f64>() * cum.last().copied().unwrap_or(0.0);
        (d, cum.partition_point(|&c| c <= y).min(cum.len() - 1))
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
            let tier = match mix64(self.act.seed ^ 0x5A7_1E47 ^ i as u64) % 100 {
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
                    if r < 0.55 {
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

    struct Hospital {
        departments: Vec<Department>,
        patients: Vec<Patient>,
        now: Instant,
    }

    impl Hospital {
        fn new(patients: u64) -> Hospital {
            let now = Instant::parse("2026-11-22 15:30:00").unwrap();
            let mut n = 0;
            let departments = DEPARTMENTS
                .iter()
                .map(|d| Department {
                    code: d.code.into(),
                    name: d.name.into(),
                    doctors: (0..d.doctors).map(|_| (n += 1, format!("D{n:04}")).1).collect(),
                })
                .collect();
            // Registered over the past three years, as the demo's patients are.
            let today = now.local_day();
            let mut patients: Vec<Patient> = (0..patients)
                .map(|i| Patient { external_id: format!("P{i:08}"), registered: today.plus_days(-((mix64(i) % 1095) as i32)) })
                .collect();
            patients.sort_by_key(|p| p.registered);
            Hospital { departments, patients, now }
        }

        fn activity(&self, scale: f64, seed: u64) -> Activity<'_> {
            Activity { departments: &self.departments, patients: &self.patients, now: self.now, scale, seed }
        }
    }

    fn col(columns: &[&str], name: &str) -> usize {
        columns.iter().position(|c| *c == name).unwrap()
    }

    /// The 30 days up to and including `now`'s day.
    fn month(a: &Activity) -> Vec<(LocalDay, DayRows)> {
        let today = a.now.local_day();
        (0..30).map(|i| today.plus_days(i - 29)).map(|d| (d, a.day(d))).collect()
    }

    fn times(row: &[String], columns: &[&str], names: &[&str]) -> Vec<Instant> {
        names.iter().map(|n| &row[col(columns, n)]).filter(|t| !t.is_empty()).map(|t| Instant::parse(t).unwrap()).collect()
    }

    #[test]
    fn activity_first_day_is_twelve_months_back() {
        let h = Hospital::new(10);
        assert_eq!(h.activity(1.0, 1).first_day().to_string(), "2025-11-23");
        let leap = Activity { now: Instant::parse("2028-02-29 12:00").unwrap(), ..h.activity(1.0, 1) };
        assert_eq!(leap.first_day().to_string(), "2027-03-01");
    }

    #[test]
    fn activity_is_deterministic_and_days_are_independent() {
        let h = Hospital::new(5_000);
        let a = h.activity(1.0, 7);
        let days: Vec<LocalDay> = (0..6).map(|i| a.now.local_day().plus_days(-3 * i)).collect();
        let forward: Vec<DayRows> = days.iter().map(|&d| a.day(d)).collect();
        let parallel: Vec<DayRows> = std::thread::scope(|s| {
            days.iter().rev().map(|&d| s.spawn(move || a.day(d))).collect::<Vec<_>>().into_iter().map(|j| j.join().unwrap()).collect()
        });
        assert!(forward.iter().eq(parallel.iter().rev()));
        assert!(!forward[1].consultations.is_empty());
        assert_ne!(forward[1], h.activity(1.0, 8).day(days[1]));
    }

    #[test]
    fn activity_rows_are_well_formed() {
        let h = Hospital::new(20_000);
        let a = h.activity(1.0, 42);
        let mut ids = HashSet::new();
        let (mut consultations, mut paid, mut payments) = (HashMap::new(), HashMap::new(), HashSet::new());
        for (day, rows) in month(&a) {
            for (rows, columns) in [
                (&rows.consultations, CONSULTATION_COLUMNS),
                (&rows.appointments, APPOINTMENT_COLUMNS),
                (&rows.payments, PAYMENT_COLUMNS),
                (&rows.prescriptions, PRESCRIPTION_COLUMNS),
            ] {
                for row in rows {
                    assert_eq!(row.len(), columns.len(), "{row:?}");
                    assert!(ids.insert(row[0].clone()), "duplicate id {}", row[0]);
                    assert!(row[0][1..].starts_with(&ymd(day).to_string()), "{} on {day}", row[0]);
                    let ts: Vec<&&str> = columns.iter().filter(|c| c.ends_with("_at")).collect();
                    for c in ts {
                        let t = &row[col(columns, c)];
                        if !t.is_empty() {
                            assert!(Instant::parse(t).unwrap() <= a.now, "{c} {t} after now");
                            assert_eq!(t.len(), 19);
                        }
                    }
                    for c in ["amount", "insurance_amount"].into_iter().filter(|c| columns.contains(c)) {
                        assert!(!Money::parse(&row[col(columns, c)]).unwrap().is_negative());
                    }
                }
            }
            let cols = CONSULTATION_COLUMNS;
            let steps = ["created_at", "paid_at", "accepted_at", "first_reply_at", "completed_at", "cancelled_at", "refunded_at"];
            for row in &rows.consultations {
                let t = times(row, cols, &steps);
                assert!(t.windows(2).all(|w| w[0] < w[1]), "out of order: {row:?}");
                assert_eq!(t[0].local_day(), day);
                assert!(["text", "video", "phone", "revisit"].contains(&row[col(cols, "kind")].as_str()));
                let (rating, review) = (&row[col(cols, "rating")], &row[col(cols, "review")]);
                assert!(rating.is_empty() || (1..=5).contains(&rating.parse::<u8>().unwrap()));
                assert!(rating.is_empty() || !row[col(cols, "completed_at")].is_empty());
                assert!(review.is_empty() || !rating.is_empty());
                let paid_at = &row[col(cols, "paid_at")];
                if !paid_at.is_empty() {
                    paid.insert((row[1].clone(), row[col(cols, "amount")].clone(), paid_at.clone()), ());
                }
                consultations.insert(row[0].clone(), row[col(cols, "first_reply_at")].clone());
            }
            for row in &rows.payments {
                let (fen, insured) = (Money::parse(&row[3]).unwrap(), Money::parse(&row[5]).unwrap());
                assert!(insured <= fen);
                assert!(insured == Money::ZERO || ["outpatient", "prescription"].contains(&row[2].as_str()));
                if row[2] == "consultation" {
                    payments.insert((row[1].clone(), row[3].clone(), row[4].clone()));
                }
            }
            let steps = ["issued_at", "reviewed_at", "dispensed_at", "shipped_at", "delivered_at"];
            for row in &rows.prescriptions {
                let t = times(row, PRESCRIPTION_COLUMNS, &steps);
                assert!(t.windows(2).all(|w| w[0] < w[1]), "out of order: {row:?}");
                let reply = &consultations[&row[1]];
                assert!(Instant::parse(reply).unwrap() < t[0]);
                assert!(row[5] == "courier" || row[6].is_empty());
            }
            for row in &rows.appointments {
                let visit = LocalDay::parse(&row[5]).unwrap();
                assert!((0..=14).contains(&visit.days_since(day)));
                let booked = visit > a.now.local_day();
                assert_eq!(row[6] == "booked", booked, "{row:?}");
                assert!(["booked", "visited", "no_show", "cancelled"].contains(&row[6].as_str()));
            }
        }
        assert_eq!(paid.into_keys().collect::<HashSet<_>>(), payments, "a payment for every paid consultation");
    }

    #[test]
    fn activity_stops_at_now() {
        let h = Hospital::new(5_000);
        let a = h.activity(1.0, 3);
        let today = a.day(a.now.local_day());
        let created = |r: &Vec<String>| Instant::parse(&r[5]).unwrap();
        assert!(today.consultations.iter().all(|r| created(r) <= a.now));
        assert!(today.consultations.iter().any(|r| created(r) > a.now.plus_minutes(-120)));
        assert!(today.consultations.iter().any(|r| r[col(CONSULTATION_COLUMNS, "completed_at")].is_empty() && !r[6].is_empty()));
        assert!(a.day(a.now.local_day().plus_days(1)).is_empty());
    }

    #[test]
    fn activity_volume_shape_and_shares() {
        let h = Hospital::new(30_000);
        let a = h.activity(1.0, 11);
        let rows = month(&a);
        let expected: f64 = rows.iter().map(|(d, _)| a.daily_mean(*d)).sum();
        let made = rows.iter().map(|(_, r)| r.consultations.len()).sum::<usize>() as f64;
        // The last day is cut at 15:30.
        assert!((made / expected - 0.98).abs() < 0.25, "made {made}, expected {expected}");
        let year: f64 = (0..=a.now.local_day().days_since(a.first_day())).map(|i| a.daily_mean(a.first_day().plus_days(i))).sum();
        assert!((year - a.expected_consultations() as f64).abs() < 1.0);
        let appointments = rows.iter().map(|(_, r)| r.appointments.len()).sum::<usize>() as f64;
        assert!((appointments / made - 0.6).abs() < 0.08, "{appointments}");

        let all: Vec<&Vec<String>> = rows.iter().flat_map(|(_, r)| &r.consultations).collect();
        let share = |f: &dyn Fn(&Vec<String>) -> bool| all.iter().filter(|r| f(r)).count() as f64 / all.len() as f64;
        for (kind, want) in [("text", 0.55), ("video", 0.10), ("phone", 0.10), ("revisit", 0.25)] {
            let got = share(&|r| r[4] == kind);
            assert!((got - want).abs() < 0.03, "{kind}: {got}");
        }
        let c = |n: &str| col(CONSULTATION_COLUMNS, n);
        let paid = share(&|r| !r[c("paid_at")].is_empty());
        assert!((0.8..0.9).contains(&paid), "paid {paid}");
        let refunded = share(&|r| !r[c("refunded_at")].is_empty()) / paid;
        assert!((0.015..0.05).contains(&refunded), "refunded {refunded}");
        let rated = share(&|r| !r[c("rating")].is_empty()) / share(&|r| !r[c("completed_at")].is_empty());
        assert!((0.38..0.52).contains(&rated), "rated {rated}");
        let five = share(&|r| r[c("rating")] == "5") / share(&|r| !r[c("rating")].is_empty());
        assert!((0.65..0.9).contains(&five), "five {five}");

        // Bad ratings follow slow replies.
        let mean_rating = |slow: bool| {
            let r: Vec<f64> = all
                .iter()
                .filter(|r| !r[c("rating")].is_empty())
                .filter(|r| {
                    let t = times(r, CONSULTATION_COLUMNS, &["paid_at", "first_reply_at"]);
                    (t[1].seconds_since(t[0]) > 3600) == slow
                })
                .map(|r| r[c("rating")].parse::<f64>().unwrap())
                .collect();
            r.iter().sum::<f64>() / r.len() as f64
        };
        assert!(mean_rating(true) + 0.5 < mean_rating(false), "{} vs {}", mean_rating(true), mean_rating(false));

        // Some patients come back again and again; most patients come once.
        let mut per_patient: HashMap<&str, usize> = HashMap::new();
        for r in &all {
            *per_patient.entry(&r[1]).or_default() += 1;
        }
        let once = per_patient.values().filter(|&&n| n == 1).count() as f64 / per_patient.len() as f64;
        assert!(once > 0.5 && per_patient.values().any(|&n| n >= 6), "once {once}");

        // A few doctors carry much of the work.
        let mut per_doctor: HashMap<&str, usize> = HashMap::new();
        for r in &all {
            *per_doctor.entry(&r[3]).or_default() += 1;
        }
        let mut counts: Vec<usize> = per_doctor.into_values().collect();
        counts.sort_unstable_by(|x, y| y.cmp(x));
        assert!(counts[..30].iter().sum::<usize>() * 3 > all.len(), "top 10% of doctors");
    }

    #[test]
    fn activity_calendar_and_seasons() {
        let h = Hospital::new(100);
        let a = h.activity(1.0, 1);
        let first = a.first_day();
        let days: Vec<LocalDay> = (0..365).map(|i| first.plus_days(i)).filter(|d| calendar_factor(*d) >= 0.6).collect();
        let avg = |weekend: bool| {
            let m: Vec<f64> =
                days.iter().filter(|d| (d.weekday().to_monday_zero_offset() >= 5) == weekend).map(|d| a.daily_mean(*d)).collect();
            m.iter().sum::<f64>() / m.len() as f64
        };
        let ratio = avg(true) / avg(false);
        assert!((0.5..0.7).contains(&ratio), "weekend {ratio}");
        let day = |s: &str| a.daily_mean(LocalDay::parse(s).unwrap());
        assert!(day("2026-02-18") < 0.45 * day("2026-03-04"), "春节");
        assert!(day("2026-10-05") < 0.6 * day("2026-10-14"), "国庆");
        assert!(day("2026-11-18") > 1.15 * day("2025-11-26"), "growth");
        let respiratory = |m: usize| {
            let w: Vec<f64> = a.department_weights(m).collect();
            (w[1] + w[15]) / w.iter().sum::<f64>()
        };
        assert!(respiratory(0) > 1.5 * respiratory(6));
        // Real rows: a holiday is quieter than an ordinary weekday.
        let rows = |s: &str| a.day(LocalDay::parse(s).unwrap()).consultations.len();
        assert!(rows("2026-02-18") * 2 < rows("2026-03-04"));
    }

    #[test]
    fn activity_reviews_name_real_causes() {
        let h = Hospital::new(20_000);
        let a = h.activity(1.0, 5);
        let reviews: Vec<(String, String)> = month(&a)
            .into_iter()
            .flat_map(|(_, r)| r.consultations)
            .filter(|r| !r[14].is_empty())
            .map(|r| (r[13].clone(), r[14].clone()))
            .collect();
        let bad: HashSet<&str> = reviews.iter().filter(|(r, _)| r.as_str() <= "2").map(|(_, t)| t.as_str()).collect();
        let good: HashSet<&str> = reviews.iter().filter(|(r, _)| r == "5").map(|(_, t)| t.as_str()).collect();
        assert!(bad.len() > 30 && good.len() > 300, "{} bad, {} good", bad.len(), good.len());
        for word in ["慢", "退款", "态度"] {
            assert!(bad.iter().any(|t| t.contains(word)), "{word}");
        }
    }

    #[test]
    #[ignore]
    fn activity_peek() {
        let h = Hospital::new(50_000);
        let a = h.activity(1.0, 9);
        let d = a.day(LocalDay::parse("2026-01-13").unwrap());
        for r in d.consultations.iter().take(12) {
            println!("{}", r.join(" | "));
        }
        for r in d.consultations.iter().filter(|r| !r[14].is_empty()).take(40) {
            println!("{} {}", r[13], r[14]);
        }
        for r in d.appointments.iter().take(5) {
            println!("{}", r.join(" | "));
        }
        for r in d.payments.iter().take(12) {
            println!("{}", r.join(" | "));
        }
        for r in d.prescriptions.iter().take(8) {
            println!("{}", r.join(" | "));
        }
        println!("{} {} {} {}", d.consultations.len(), d.appointments.len(), d.payments.len(), d.prescriptions.len());
        let mut kinds = std::collections::BTreeMap::new();
        for r in &d.payments {
            *kinds.entry(r[2].clone()).or_insert(0) += 1;
        }
        println!("{kinds:?}");
    }

    /// `cargo test --release -p hops-demo activity_speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn activity_speed() {
        let h = Hospital::new(50_000);
        let a = h.activity(1.0, 2026);
        let start = std::time::Instant::now();
        let first = a.first_day();
        let (mut rows, mut consultations) = (0, 0);
        for i in 0..=a.now.local_day().days_since(first) {
            let d = a.day(first.plus_days(i));
            consultations += d.consultations.len();
            rows += d.consultations.len() + d.appointments.len() + d.payments.len() + d.prescriptions.len();
        }
        let secs = start.elapsed().as_secs_f64();
        println!("{consultations} consultations, {rows} rows in {secs:.2} s: {:.0} rows/s on one thread", rows as f64 / secs);
    }
}
