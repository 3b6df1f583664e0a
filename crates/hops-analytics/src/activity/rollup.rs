//! Roll-ups of activity to reporting periods, kept up to date by deltas on ingest so that a
//! KPI set reads a few hundred rows whatever the length of the history. Pure: the store reads
//! the rows before and after a change, this turns them into what to add to each period.
//!
//! Two roll-ups live here:
//! - consultation cells: `consultation_daily` (day × department × doctor × kind) summed per
//!   period of every kind;
//! - period patients: per period, the distinct patients with a consultation in it and how many
//!   of them had one before it (the returning-patient KPI). Distinct counts do not add up across
//!   days, so they are maintained per patient: a change to a patient's consultations removes the
//!   patient's old contribution and adds the new one.

use std::collections::HashMap;

use hops_kernel::{LocalDay, Period, PeriodRange};

/// The additive columns of `consultation_daily` and `consultation_period`, in this order.
pub const SUM_COLUMNS: [&str; 11] =
    ["created", "paid", "completed", "refunded", "accepted", "reply_count", "reply_micros", "rated", "rating_sum", "good", "revenue_fen"];

/// Values of [`SUM_COLUMNS`].
pub type Sums = [i64; 11];

/// Index of a column in [`Sums`].
pub fn col(name: &str) -> usize {
    SUM_COLUMNS.iter().position(|c| *c == name).expect("known sum column")
}

/// One row of `consultation_daily`.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyCell {
    pub day: LocalDay,
    pub department: i64,
    pub doctor: i64,
    pub kind: String,
    pub sums: Sums,
}

/// Key of one row of `consultation_period`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub period: Period,
    pub start: LocalDay,
    pub department: i64,
    pub doctor: i64,
    pub kind: String,
}

/// What to add to each period row.
pub type CellDelta = HashMap<CellKey, Sums>;

/// Adds `sign` × each daily cell to every period (of each kind) containing its day.
pub fn roll_up(acc: &mut CellDelta, cells: &[DailyCell], sign: i64) {
    for c in cells {
        for period in Period::ALL {
            let start = PeriodRange::containing(period, c.day).start;
            let key = CellKey { period, start, department: c.department, doctor: c.doctor, kind: c.kind.clone() };
            let e = acc.entry(key).or_insert([0; 11]);
            for (a, b) in e.iter_mut().zip(c.sums) {
                *a += sign * b;
            }
        }
    }
}

/// Per period: (patients, returning patients) to add.
pub type PatientDelta = HashMap<(Period, LocalDay), (i64, i64)>;

/// Adds `sign` × one patient's contribution: for each period (of each kind) with one of the
/// patient's consultation days, one patient — and one returning patient when the patient's
/// first consultation day is before the period.
pub fn add_patient(acc: &mut PatientDelta, days: &[LocalDay], sign: i64) {
    let Some(first) = days.iter().min().copied() else { return };
    for period in Period::ALL {
        let mut starts: Vec<LocalDay> = days.iter().map(|d| PeriodRange::containing(period, *d).start).collect();
        starts.sort_unstable();
        starts.dedup();
        for start in starts {
            let e = acc.entry((period, start)).or_insert((0, 0));
            e.0 += sign;
            e.1 += sign * i64::from(first < start);
        }
    }
}

/// The difference a change makes for a set of patients: their consultation days before and
/// after (patients missing from a map have none).
pub fn patient_delta(before: &HashMap<i64, Vec<LocalDay>>, after: &HashMap<i64, Vec<LocalDay>>) -> PatientDelta {
    let mut acc = PatientDelta::new();
    for (patient, days) in before {
        if after.get(patient) != Some(days) {
            add_patient(&mut acc, days, -1);
        }
    }
    for (patient, days) in after {
        if before.get(patient) != Some(days) {
            add_patient(&mut acc, days, 1);
        }
    }
    acc.retain(|_, v| *v != (0, 0));
    acc
}

/// The difference between the daily cells of some days before and after a change.
pub fn cell_delta(before: &[DailyCell], after: &[DailyCell]) -> CellDelta {
    let mut acc = CellDelta::new();
    roll_up(&mut acc, before, -1);
    roll_up(&mut acc, after, 1);
    acc.retain(|_, v| v.iter().any(|x| *x != 0));
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> LocalDay {
        LocalDay::parse(s).unwrap()
    }

    #[test]
    fn a_patient_counts_once_per_period_and_returns_after_the_first_visit() {
        let mut acc = PatientDelta::new();
        // Monday 2026-03-30 and Tuesday 2026-03-31 (same week, same month), then 2026-04-02.
        add_patient(&mut acc, &[day("2026-03-31"), day("2026-03-30"), day("2026-04-02")], 1);
        assert_eq!(acc[&(Period::Week, day("2026-03-30"))], (1, 0), "first week: new patient");
        assert_eq!(acc[&(Period::Month, day("2026-03-01"))], (1, 0));
        assert_eq!(acc[&(Period::Month, day("2026-04-01"))], (1, 1), "April: came back");
        assert_eq!(acc[&(Period::Quarter, day("2026-01-01"))], (1, 0));
        assert_eq!(acc[&(Period::Quarter, day("2026-04-01"))], (1, 1));
        assert_eq!(acc[&(Period::Half, day("2026-01-01"))], (1, 0));
        assert_eq!(acc[&(Period::Year, day("2026-01-01"))], (1, 0));
        assert_eq!(acc.len(), 7, "1 week + 2 months + 2 quarters + 1 half + 1 year");
        add_patient(&mut acc, &[], 1);
        assert_eq!(acc.len(), 7, "a patient without consultations adds nothing");
    }

    #[test]
    fn moving_a_visit_moves_the_patient_between_periods() {
        let before = HashMap::from([(7, vec![day("2026-01-15"), day("2026-02-10")])]);
        let after = HashMap::from([(7, vec![day("2026-01-15"), day("2026-03-10")]), (8, vec![day("2026-02-11")])]);
        let d = patient_delta(&before, &after);
        assert_eq!(d[&(Period::Month, day("2026-02-01"))], (0, -1), "patient 7 leaves February, patient 8 (new) arrives");
        assert_eq!(d[&(Period::Month, day("2026-03-01"))], (1, 1));
        assert!(!d.contains_key(&(Period::Month, day("2026-01-01"))), "January unchanged");
        assert_eq!(d[&(Period::Year, day("2026-01-01"))], (1, 0), "one more distinct patient in the year");
        assert!(patient_delta(&before, &before).is_empty(), "no change, no delta");
    }

    #[test]
    fn cells_roll_up_to_every_period_and_cancel_out() {
        let cell = |d: &str, n: i64| DailyCell { day: day(d), department: 1, doctor: 2, kind: "text".into(), sums: [n; 11] };
        let before = vec![cell("2025-12-31", 2)];
        let after = vec![cell("2025-12-31", 2), cell("2026-01-01", 3)];
        let d = cell_delta(&before, &after);
        let key = |p, s: &str| CellKey { period: p, start: day(s), department: 1, doctor: 2, kind: "text".into() };
        assert_eq!(d[&key(Period::Year, "2026-01-01")], [3; 11]);
        assert_eq!(d[&key(Period::Week, "2025-12-29")], [3; 11], "2026-01-01 is in the week of Monday 2025-12-29");
        assert!(!d.contains_key(&key(Period::Year, "2025-01-01")), "2025 unchanged");
        assert!(cell_delta(&after, &after).is_empty());
        assert_eq!(col("good"), 9);
    }
}
