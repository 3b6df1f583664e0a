//! Use cases of the KPIs: a period's KPI set (current, previous, year-ago, department share),
//! remembered for seconds, and the dashboard's figures.

use std::collections::HashMap;

use hops_kernel::{DaySpan, DepartmentId, PeriodRange};
use hops_platform::{Access, Permission, Result};

use super::model::{self as kpi, ConsultationSums, OtherSums, PeriodSums, Spans, Value};
use crate::activity::rollup::{self, Sums};
use crate::activity::store::{self, rollups};

/// A department's share of paid consultations.
#[derive(Clone)]
pub struct DepartmentShare {
    pub code: String,
    pub name: String,
    pub consultations: i64,
    pub share: Option<f64>,
}

/// The KPI set of a period with its previous period (环比) and the same period a year earlier
/// (同比) — while the period is under way, the same first days of each ([`Spans`]).
#[derive(Clone)]
pub struct KpiSet {
    pub range: PeriodRange,
    pub spans: Spans,
    pub current: Vec<(String, Value)>,
    pub previous: Vec<(String, Value)>,
    pub year_ago: Vec<(String, Value)>,
    pub department_share: Vec<DepartmentShare>,
}

/// The consultation roll-up's figures of some days: a whole period reads the period roll-up,
/// a part of one sums the same cells by day (one definition either way: the roll-up is the sum
/// of the days).
struct Figures {
    by_kind: Vec<(String, Sums)>,
    by_department: Vec<(i64, Sums)>,
    patients: (i64, i64),
    active_doctors: i64,
}

/// The days of a KPI column and how they are read: a whole period from its roll-up, any other
/// days by day.
#[derive(Clone, Copy)]
enum Days {
    Period(PeriodRange),
    Part(DaySpan),
}

impl Days {
    fn of(range: PeriodRange, span: DaySpan) -> Days {
        if span == range.span() { Days::Period(range) } else { Days::Part(span) }
    }

    fn span(self) -> DaySpan {
        match self {
            Days::Period(r) => r.span(),
            Days::Part(s) => s,
        }
    }
}

async fn figures(access: &Access, days: Days) -> Result<Figures> {
    let mut c = access.tenant().read().await?;
    let span = match days {
        Days::Part(span) => span,
        Days::Period(range) => {
            return Ok(Figures {
                by_kind: rollups::period_sums_by(&mut c, range, "kind").await?,
                by_department: rollups::period_sums_by(&mut c, range, "department_id").await?,
                patients: rollups::period_patients(&mut c, range).await?,
                active_doctors: rollups::active_doctors(&mut c, range).await?,
            });
        }
    };
    let (from, to) = (span.start, span.end_exclusive);
    Ok(Figures {
        by_kind: rollups::span_sums_by(&mut c, from, to, "kind").await?,
        by_department: rollups::span_sums_by(&mut c, from, to, "department_id").await?,
        patients: rollups::span_patients(&mut c, from, to).await?,
        active_doctors: rollups::span_active_doctors(&mut c, from, to).await?,
    })
}

async fn sums(access: &Access, f: &Figures, span: DaySpan, doctors: i64) -> Result<PeriodSums> {
    let registrations = hops_master::service::registrations_between(access, span.start, span.end_exclusive).await?;
    let other = {
        let mut c = access.tenant().read().await?;
        rollups::activity_sums(&mut c, span.start, span.end_exclusive).await?
    };
    let kinds = &f.by_kind;
    let mut total: Sums = [0; 11];
    for (_, s) in kinds {
        for (t, v) in total.iter_mut().zip(s) {
            *t += v;
        }
    }
    let (patients, returning_patients) = f.patients;
    let metric = |k: &str| other.get(k).copied().unwrap_or(0);
    let g = |name: &str| total[rollup::col(name)];
    Ok(PeriodSums {
        consultations: ConsultationSums {
            created: g("created"),
            paid: g("paid"),
            completed: g("completed"),
            refunded: g("refunded"),
            accepted: g("accepted"),
            reply_count: g("reply_count"),
            reply_micros: g("reply_micros"),
            rated: g("rated"),
            rating_sum: g("rating_sum"),
            good: g("good"),
            revenue_fen: g("revenue_fen"),
            revisit: kinds.iter().filter(|(k, _)| k == "revisit").map(|(_, s)| s[rollup::col("created")]).sum(),
            active_doctors: f.active_doctors,
            patients,
        },
        by_kind: kinds.iter().map(|(k, s)| (k.clone(), ["created", "paid", "completed", "refunded"].map(|c| s[rollup::col(c)]))).collect(),
        returning_patients,
        other: OtherSums {
            appointments: metric("appointments"),
            payments_fen: metric("payments_fen"),
            insurance_settlements: metric("insurance_settlements"),
            insurance_fen: metric("insurance_fen"),
            prescriptions_issued: metric("prescriptions_issued"),
            prescriptions_delivered: metric("prescriptions_delivered"),
        },
        registrations,
        doctors,
    })
}

/// The KPI values of some days, and the roll-up figures they came from.
async fn values(access: &Access, days: Days, doctors: i64) -> Result<(Vec<(String, Value)>, Figures)> {
    let f = figures(access, days).await?;
    Ok((kpi::compute(&sums(access, &f, days.span(), doctors).await?), f))
}

/// The KPI values of some days summed day by day, whatever they are: what a period's roll-up
/// must equal (the test of one definition holds the two side by side).
pub async fn values_by_day(access: &Access, span: DaySpan) -> Result<Vec<(String, Value)>> {
    access.require(Permission::AnalyticsRead)?;
    let doctors = hops_master::service::doctor_count(access).await?;
    Ok(values(access, Days::Part(span), doctors).await?.0)
}

/// The KPI set of a period, as remembered for a few seconds ([`hops_platform::memo`]: cleared by
/// every change of the hospital); [`compute_kpis`] always computes.
pub async fn kpis(access: &Access, range: PeriodRange) -> Result<KpiSet> {
    access.require(Permission::AnalyticsRead)?;
    let spans = Spans::of(range, access.now().local_day());
    let key = format!("kpis:{}:{}:{}", range.kind.code(), range.start, spans.current.end_exclusive);
    let memo = &access.core().memo;
    if let Some(set) = memo.get::<KpiSet>(access.hospital(), &key) {
        return Ok((*set).clone());
    }
    let set = compute_kpis(access, range).await?;
    memo.put(access.hospital(), &key, std::sync::Arc::new(set.clone()));
    Ok(set)
}

/// Computes the KPI set of a period from the roll-ups: while the period is under way, its days
/// so far against the same days of the previous period and of a year earlier ([`Spans`]).
pub async fn compute_kpis(access: &Access, range: PeriodRange) -> Result<KpiSet> {
    access.require(Permission::AnalyticsRead)?;
    let spans = Spans::of(range, access.now().local_day());
    let doctors = hops_master::service::doctor_count(access).await?;
    let (current, f) = values(access, Days::of(range, spans.current), doctors).await?;
    let previous = values(access, Days::of(range.previous(), spans.previous), doctors).await?.0;
    let year_ago = values(access, Days::of(range.year_ago(), spans.year_ago), doctors).await?.0;
    let names: HashMap<DepartmentId, (String, String)> =
        hops_master::service::department_choices(access).await?.into_iter().map(|(code, id, name)| (id, (code, name))).collect();
    let paid: Vec<(DepartmentId, i64)> =
        f.by_department.into_iter().map(|(id, s)| (DepartmentId(id), s[rollup::col("paid")])).filter(|(_, n)| *n > 0).collect();
    let total: i64 = paid.iter().map(|(_, n)| n).sum();
    let mut department_share: Vec<DepartmentShare> = paid
        .into_iter()
        .map(|(id, n)| {
            let (code, name) = names.get(&id).cloned().unwrap_or_default();
            DepartmentShare {
                code,
                name,
                consultations: n,
                share: (total > 0).then(|| (n as f64 / total as f64 * 10_000.0).round() / 10_000.0),
            }
        })
        .collect();
    department_share.sort_by(|a, b| b.consultations.cmp(&a.consultations).then(a.code.cmp(&b.code)));
    Ok(KpiSet { range, spans, current, previous, year_ago, department_share })
}

// ---- dashboard ----

/// Consultations per day over the `days` days up to today, oldest first (days without any: 0).
pub async fn daily_consultations(access: &Access, days: i32) -> Result<Vec<(hops_kernel::LocalDay, i64)>> {
    access.require(Permission::AnalyticsRead)?;
    let today = access.now().local_day();
    let first = today.plus_days(1 - days);
    let counts: HashMap<hops_kernel::LocalDay, i64> = {
        let mut c = access.tenant().read().await?;
        rollups::metric_by_day(&mut c, "consultations_created", first, today.plus_days(1)).await?.into_iter().collect()
    };
    Ok((0..days).map(|i| first.plus_days(i)).map(|d| (d, counts.get(&d).copied().unwrap_or(0))).collect())
}

/// The doctors with the most completed consultations in a period: (name, department, count).
pub async fn top_doctors(access: &Access, range: PeriodRange, limit: i64) -> Result<Vec<(String, String, i64)>> {
    access.require(Permission::AnalyticsRead)?;
    let top: Vec<(hops_kernel::DoctorId, i64)> =
        doctor_stats(access, range, limit).await?.into_iter().map(|d| (d.doctor, d.completed)).collect();
    let mut out = Vec::with_capacity(top.len());
    for (id, n) in top {
        let d = hops_master::service::doctor(access, id).await?;
        out.push((d.name, d.department_name, n));
    }
    Ok(out)
}

/// Bad-review reasons in a period, largest first.
pub async fn bad_review_reasons(access: &Access, range: PeriodRange) -> Result<Vec<(&'static str, i64)>> {
    access.require(Permission::AnalyticsRead)?;
    let counts = {
        let mut c = access.tenant().read().await?;
        rollups::review_reasons(&mut c, range.start, range.end_exclusive).await?
    };
    Ok(crate::activity::reviews::order(counts))
}

/// One doctor's figures in a period.
pub struct DoctorStats {
    pub doctor: hops_kernel::DoctorId,
    pub completed: i64,
    pub rated: i64,
    pub rating_sum: i64,
    pub good: i64,
    pub replies: i64,
    pub reply_micros: i64,
}

/// The `limit` doctors with the most completed consultations in a period, most first.
pub async fn doctor_stats(access: &Access, range: PeriodRange, limit: i64) -> Result<Vec<DoctorStats>> {
    access.require(Permission::AnalyticsRead)?;
    let mut rows: Vec<(i64, Sums)> = {
        let mut c = access.tenant().read().await?;
        rollups::period_sums_by(&mut c, range, "doctor_id").await?
    };
    let completed = rollup::col("completed");
    rows.retain(|(_, s)| s[completed] > 0);
    rows.sort_by(|a, b| b.1[completed].cmp(&a.1[completed]).then(a.0.cmp(&b.0)));
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let g = |s: &Sums, name: &str| s[rollup::col(name)];
    Ok(rows
        .into_iter()
        .map(|(doctor, s)| DoctorStats {
            doctor: hops_kernel::DoctorId(doctor),
            completed: g(&s, "completed"),
            rated: g(&s, "rated"),
            rating_sum: g(&s, "rating_sum"),
            good: g(&s, "good"),
            replies: g(&s, "reply_count"),
            reply_micros: g(&s, "reply_micros"),
        })
        .collect())
}

/// Bad reviews of a period: its consultations rated 1 or 2 (one per review, whatever the
/// number of reasons its text names) — the figure the home page and the report both show.
pub async fn bad_reviews(access: &Access, range: PeriodRange) -> Result<i64> {
    let d = rating_distribution(access, range).await?;
    Ok(d[0] + d[1])
}

/// How many consultations of a period got 1, 2, 3, 4 and 5 stars.
pub async fn rating_distribution(access: &Access, range: PeriodRange) -> Result<[i64; 5]> {
    access.require(Permission::AnalyticsRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::rating_distribution(&mut c, range.start.start(), range.end_exclusive.start()).await?)
}
