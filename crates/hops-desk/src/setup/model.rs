//! Service-desk settings: teams, ticket categories, business calendars, SLA policies and canned
//! replies — what a hospital configures, checked, and the presets from the seeds. Pure.

use hops_kernel::LocalDay;
use hops_platform::FieldError;

use crate::ticket::model::Priority;
use hops_platform::calendar::{Calendar, CalendarError, PublicDays};

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Codes of teams, categories, calendars and canned replies: 1–32 of `a-z 0-9 _ -`.
pub fn check_code(field: &str, code: &str, errs: &mut Vec<FieldError>) -> String {
    let c = code.trim().to_ascii_lowercase();
    if c.is_empty() || c.len() > 32 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-') {
        errs.push(FieldError::new(field, "编码须为 1–32 位小写字母、数字、_ 或 -"));
    }
    c
}

pub fn check_name(field: &str, name: &str, max: usize, errs: &mut Vec<FieldError>) -> String {
    let n = name.trim().to_string();
    if n.is_empty() {
        errs.push(FieldError::new(field, "名称不能为空"));
    } else if chars(&n) > max {
        errs.push(FieldError::new(field, format!("名称不能超过 {max} 个字")));
    }
    n
}

/// A team of agents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub code: String,
    pub name: String,
    pub lead_user_id: Option<i64>,
    pub members: Vec<i64>,
}

/// A ticket category and the team its tickets go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub team_code: Option<String>,
    pub active: bool,
    pub position: i64,
}

/// A business calendar as stored: the hours in `Calendar`'s text form, its own extra days off
/// and make-up workdays, and whether the hospital's public holidays apply too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarDef {
    pub code: String,
    pub name: String,
    pub hours: String,
    pub holidays: Vec<LocalDay>,
    pub workdays: Vec<LocalDay>,
    /// Closed on the public holidays and open on the make-up workdays of the platform's
    /// business calendar (系统设置 → 节假日).
    pub public_holidays: bool,
}

impl CalendarDef {
    /// The calendar the clocks run on, given the hospital's public days.
    pub fn calendar(&self, public: &PublicDays) -> Result<Calendar, String> {
        let join = |errs: Vec<CalendarError>| errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("；");
        let base = Calendar::parse(&self.hours).map_err(join)?;
        let mut holidays = base.holidays().clone();
        holidays.extend(self.holidays.iter().copied());
        let mut workdays = base.workdays().clone();
        workdays.extend(self.workdays.iter().copied());
        let own = base.with_days(holidays, workdays).map_err(join)?;
        if self.public_holidays { public.apply(own).map_err(join) } else { Ok(own) }
    }
}

/// Dates typed one per line or separated by commas/spaces, and inclusive ranges such as
/// `2026-10-01..2026-10-08`; every bad one named.
pub fn parse_dates(field: &str, text: &str, errs: &mut Vec<FieldError>) -> Vec<LocalDay> {
    hops_platform::calendar::holidays::parse_days(field, text, errs).into_iter().collect()
}

pub fn format_dates(days: &[LocalDay]) -> String {
    days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Checks a calendar form: code, name, hours that parse, dates.
pub fn check_calendar(
    code: &str,
    name: &str,
    hours: &str,
    holidays: &str,
    workdays: &str,
    public_holidays: bool,
) -> Result<CalendarDef, Vec<FieldError>> {
    let mut errs = Vec::new();
    let code = check_code("code", code, &mut errs);
    let name = check_name("name", name, 30, &mut errs);
    let hours_text = hours.trim().to_string();
    let parsed = Calendar::parse(&hours_text);
    if let Err(e) = &parsed {
        errs.extend(e.iter().map(|e| FieldError::new("hours", e.to_string())));
    }
    let holidays = parse_dates("holidays", holidays, &mut errs);
    let workdays = parse_dates("workdays", workdays, &mut errs);
    if let Some(d) = holidays.iter().find(|d| workdays.contains(d)) {
        errs.push(FieldError::new("workdays", format!("{d} 不能既是节假日又是调休上班日")));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    // Stored in the calendar's own canonical text form.
    let hours = parsed.map(|c| c.to_string()).unwrap_or(hours_text);
    Ok(CalendarDef { code, name, hours, holidays, workdays, public_holidays })
}

/// SLA targets for a category and priority (empty = any), in business minutes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub category_code: String,
    pub priority: Option<Priority>,
    pub name: String,
    pub calendar_code: String,
    pub first_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub warn_pct: i64,
}

/// Longest target accepted: 90 days of business time.
pub const MAX_TARGET_MINUTES: i64 = 90 * 24 * 60;

fn minutes(field: &str, text: &str, errs: &mut Vec<FieldError>) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(m) if (1..=MAX_TARGET_MINUTES).contains(&m) => Some(m),
        _ => {
            errs.push(FieldError::new(field, format!("应为 1–{MAX_TARGET_MINUTES} 之间的分钟数，留空表示不考核")));
            None
        }
    }
}

/// Checks a policy form. `categories` and `calendars` are the hospital's codes.
#[allow(clippy::too_many_arguments)]
pub fn check_policy(
    category: &str,
    priority: &str,
    name: &str,
    calendar: &str,
    first_response: &str,
    resolution: &str,
    warn_pct: &str,
    categories: &[String],
    calendars: &[String],
) -> Result<Policy, Vec<FieldError>> {
    let mut errs = Vec::new();
    let category_code = category.trim().to_string();
    if !category_code.is_empty() && !categories.contains(&category_code) {
        errs.push(FieldError::new("category", format!("没有分类“{category_code}”")));
    }
    let priority = match priority.trim() {
        "" => None,
        p => {
            let v = Priority::parse(p);
            if v.is_none() {
                errs.push(FieldError::new("priority", "优先级应为 紧急、高、普通、低 或留空（全部）"));
            }
            v
        }
    };
    let name = check_name("name", name, 40, &mut errs);
    let calendar_code = calendar.trim().to_string();
    if !calendars.contains(&calendar_code) {
        errs.push(FieldError::new("calendar", "请选择服务日历"));
    }
    let first_response_minutes = minutes("first_response_minutes", first_response, &mut errs);
    let resolution_minutes = minutes("resolution_minutes", resolution, &mut errs);
    if let (Some(f), Some(r)) = (first_response_minutes, resolution_minutes)
        && f > r
    {
        errs.push(FieldError::new("resolution_minutes", "解决时限不能短于首次响应时限"));
    }
    let warn_pct = match warn_pct.trim() {
        "" => 80,
        w => match w.parse::<i64>() {
            Ok(p) if (1..=99).contains(&p) => p,
            _ => {
                errs.push(FieldError::new("warn_pct", "预警比例应为 1–99 的整数（已用时限的百分比）"));
                80
            }
        },
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Policy { category_code, priority, name, calendar_code, first_response_minutes, resolution_minutes, warn_pct })
}

/// The policy for a ticket: the most specific match — category and priority, category, priority,
/// then the default (neither).
pub fn policy_for<'a>(policies: &'a [Policy], category: &str, priority: Priority) -> Option<&'a Policy> {
    let rank = |p: &Policy| -> Option<u8> {
        let cat = if p.category_code == category {
            2
        } else if p.category_code.is_empty() {
            0
        } else {
            return None;
        };
        let pri = match p.priority {
            Some(x) if x == priority => 1,
            None => 0,
            Some(_) => return None,
        };
        Some(cat + pri)
    };
    policies.iter().filter_map(|p| rank(p).map(|r| (r, p))).max_by_key(|(r, _)| *r).map(|(_, p)| p)
}

/// A canned reply agents insert with one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canned {
    pub code: String,
    pub title: String,
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(cat: &str, pri: Option<Priority>, name: &str) -> Policy {
        Policy {
            category_code: cat.into(),
            priority: pri,
            name: name.into(),
            calendar_code: "7x24".into(),
            first_response_minutes: Some(10),
            resolution_minutes: Some(240),
            warn_pct: 80,
        }
    }

    #[test]
    fn most_specific_policy_wins() {
        let ps = [
            policy("", None, "默认"),
            policy("", Some(Priority::Urgent), "紧急"),
            policy("fault", None, "故障"),
            policy("fault", Some(Priority::Urgent), "紧急故障"),
        ];
        let cases = [
            ("fault", Priority::Urgent, "紧急故障"),
            ("fault", Priority::Low, "故障"),
            ("consult", Priority::Urgent, "紧急"),
            ("consult", Priority::Normal, "默认"),
        ];
        for (cat, pri, want) in cases {
            assert_eq!(policy_for(&ps, cat, pri).map(|p| p.name.as_str()), Some(want), "{cat} {pri:?}");
        }
        assert_eq!(policy_for(&ps[2..3], "consult", Priority::Normal), None);
    }

    #[test]
    fn policy_form_names_every_problem() {
        let cats = ["fault".to_string()];
        let cals = ["7x24".to_string()];
        let errs = check_policy("nope", "max", "", "x", "0", "abc", "100", &cats, &cals).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["category", "priority", "name", "calendar", "first_response_minutes", "resolution_minutes", "warn_pct"]);
        let errs = check_policy("fault", "", "故障", "7x24", "120", "30", "", &cats, &cals).unwrap_err();
        assert_eq!(errs[0].field, "resolution_minutes");
        let ok = check_policy("fault", "紧急", "故障", "7x24", "30", "120", "", &cats, &cals).unwrap();
        assert_eq!(
            (ok.priority, ok.first_response_minutes, ok.resolution_minutes, ok.warn_pct),
            (Some(Priority::Urgent), Some(30), Some(120), 80)
        );
    }

    #[test]
    fn dates_are_read_and_checked() {
        let mut errs = Vec::new();
        let d = parse_dates(
            "holidays",
            "2026-10-01, 2026-10-02\n2026-10-01 2026-02-30 2026-12-31..2027-01-01 2026-05-02..2026-05-01",
            &mut errs,
        );
        assert_eq!(format_dates(&d), "2026-10-01, 2026-10-02, 2026-12-31, 2027-01-01");
        assert_eq!(errs.len(), 2);
        let e = check_calendar("Office", "办公时间", "mon-fri 08:00-12:00", "2026-10-01", "2026-10-01", true).unwrap_err();
        assert_eq!(e[0].field, "workdays");
    }
}
