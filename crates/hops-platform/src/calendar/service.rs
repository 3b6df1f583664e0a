//! The hospital's business calendar: the public holidays and make-up workdays of each year —
//! the hospital's own version where it entered one, else the arrangement hops ships.

use std::collections::BTreeSet;

use hops_kernel::{Instant, LocalDay};

use super::holidays::{self, HolidayArrangement};
use super::model::{Calendar, CalendarError};
use super::store;
use crate::{Access, Error, Permission, Result};

/// A year as the hospital sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Year {
    pub arrangement: HolidayArrangement,
    /// The hospital's own version (entered or corrected in the console), not the shipped one.
    pub own: bool,
    /// A shipped arrangement exists for this year (so removing the hospital's version falls
    /// back to it).
    pub shipped: bool,
    pub updated_at: Option<Instant>,
}

/// Every year known to the hospital, its own versions first over the shipped ones, by year.
pub async fn years(access: &Access) -> Result<Vec<Year>> {
    let mut c = access.tenant().read().await?;
    let rows = store::years(&mut c).await?;
    let mut out: Vec<Year> = Vec::new();
    for r in rows {
        let mut errs = Vec::new();
        let h = holidays::parse_days("holidays", &r.holidays, &mut errs);
        let w = holidays::parse_days("workdays", &r.workdays, &mut errs);
        if !errs.is_empty() {
            return Err(Error::Internal(anyhow::anyhow!("business_years {} holds dates that do not parse", r.year)));
        }
        out.push(Year {
            arrangement: HolidayArrangement { year: r.year, holidays: h, workdays: w, source: r.source },
            own: true,
            shipped: holidays::shipped(r.year).is_some(),
            updated_at: Some(r.updated_at),
        });
    }
    for y in holidays::SHIPPED_YEARS {
        if !out.iter().any(|o| o.arrangement.year == y)
            && let Some(a) = holidays::shipped(y)
        {
            out.push(Year { arrangement: a, own: false, shipped: true, updated_at: None });
        }
    }
    out.sort_by_key(|y| y.arrangement.year);
    Ok(out)
}

/// One year, if known.
pub async fn year(access: &Access, year: i16) -> Result<Option<Year>> {
    Ok(years(access).await?.into_iter().find(|y| y.arrangement.year == year))
}

/// All public holidays and make-up workdays the hospital knows, over every year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicDays {
    pub holidays: BTreeSet<LocalDay>,
    pub workdays: BTreeSet<LocalDay>,
    /// The years these come from.
    pub years: Vec<i16>,
}

impl PublicDays {
    /// `hours` closed on the public holidays and open (with its workday hours) on the make-up
    /// workdays, on top of the days `hours` already has.
    pub fn apply(&self, hours: Calendar) -> std::result::Result<Calendar, Vec<CalendarError>> {
        let mut h = hours.holidays().clone();
        h.extend(self.holidays.iter().copied());
        let mut w = hours.workdays().clone();
        w.extend(self.workdays.iter().copied());
        hours.with_days(h, w)
    }

    /// Whether `day` is a working day: a make-up workday, or Monday to Friday and no holiday.
    pub fn is_workday(&self, day: LocalDay) -> bool {
        self.workdays.contains(&day) || (day.weekday().to_monday_zero_offset() < 5 && !self.holidays.contains(&day))
    }

    /// Whether `day` falls in a year the calendar knows (outside, `is_workday` only knows
    /// weekends).
    pub fn knows(&self, day: LocalDay) -> bool {
        self.years.contains(&day.to_date().year())
    }
}

/// The public days of every known year.
pub async fn public_days(access: &Access) -> Result<PublicDays> {
    let mut out = PublicDays::default();
    for y in years(access).await? {
        out.holidays.extend(y.arrangement.holidays);
        out.workdays.extend(y.arrangement.workdays);
        out.years.push(y.arrangement.year);
    }
    Ok(out)
}

/// Saves the hospital's version of a year, as typed (validated field by field), audited.
pub async fn save_year(access: &Access, year: i16, holidays_text: &str, workdays_text: &str, source: &str) -> Result<Year> {
    access.require(Permission::CalendarManage)?;
    let a = holidays::check_year(year, holidays_text, workdays_text, source).map_err(Error::invalid)?;
    let source = if a.source.is_empty() { format!("{}录入", access.actor().display_name) } else { a.source.clone() };
    let (h, w) = (holidays::format_days(&a.holidays), holidays::format_days(&a.workdays));
    let mut tx = access.tenant().write().await?;
    store::upsert(&mut tx, year, &h, &w, &source, access.now()).await?;
    let detail = format!("{year} 年：放假 {} 天，调休上班 {} 天", a.holidays.len(), a.workdays.len());
    access.audit(&mut tx, "calendar.year.save", &format!("business_year:{year}"), &detail).await?;
    tx.commit().await?;
    Ok(Year {
        arrangement: HolidayArrangement { source, ..a },
        own: true,
        shipped: holidays::shipped(year).is_some(),
        updated_at: Some(access.now()),
    })
}

/// Removes the hospital's version of a year (the shipped one, if any, applies again), audited.
pub async fn reset_year(access: &Access, year: i16) -> Result<()> {
    access.require(Permission::CalendarManage)?;
    let mut tx = access.tenant().write().await?;
    if !store::delete(&mut tx, year).await? {
        return Err(Error::not_found("该年份的本院节假日安排"));
    }
    access.audit(&mut tx, "calendar.year.reset", &format!("business_year:{year}"), &format!("{year} 年恢复为系统内置安排")).await?;
    tx.commit().await?;
    Ok(())
}
