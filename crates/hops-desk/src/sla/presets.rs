//! Presets from the procurement documents (seeds 000 and 003): the standard calendars, the SLA
//! targets the hospitals asked for, and the official China public-holiday arrangement.
//!
//! Readings taken (documented here because the documents leave them open):
//!
//! * Seed 000 and seed 003 both ask for 7×24 support, so every preset runs on the 7×24 calendar;
//!   holidays do not stop a 7×24 clock (the preset calendar has none).
//! * "一周内解决" (seed 003, reports and templates) is 7 calendar days = 10 080 minutes on 7×24,
//!   the simplest honest reading; a hospital that means 5 working days can pick the office-hours
//!   calendar and 5 × 8 h = 2 400 minutes instead.
//! * "2 小时内到达现场" (seed 003, on-site service) is measured by the second clock: for that
//!   preset the "resolution" clock ends when the engineer arrives, not when the problem is fixed.
//! * The office-hours calendar (Mon–Fri 08:00–12:00, 13:30–17:30) is not in the seeds: it is the
//!   usual hospital administration day, offered for hospitals whose desk works office hours.

use std::collections::BTreeSet;

use hops_kernel::LocalDay;

use super::calendar::{Calendar, Interval};
use super::clock::Targets;

/// Warn when 80 % of a target has elapsed.
pub const DEFAULT_WARN_AT_PERCENT: u8 = 80;

/// A standard calendar.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CalendarPreset {
    /// Stable code, stored with a hospital's settings.
    pub code: &'static str,
    /// zh-CN name for the console.
    pub name: &'static str,
}

impl CalendarPreset {
    /// The calendar itself (without holidays; add them with [`Calendar::with_days`]).
    pub fn calendar(&self) -> Calendar {
        match self.code {
            "7x12" => seven_by_12(),
            "office" => office_hours(),
            _ => seven_by_24(),
        }
    }
}

/// The standard calendars: 7×24, 7×12 08:00–20:00, weekday office hours.
pub const CALENDARS: [CalendarPreset; 3] = [
    CalendarPreset { code: "7x24", name: "7×24 小时" },
    CalendarPreset { code: "7x12", name: "7×12 小时（每天 08:00-20:00）" },
    CalendarPreset { code: "office", name: "工作日（周一至周五 08:00-12:00、13:30-17:30）" },
];

/// The calendar preset with this code.
pub fn calendar_preset(code: &str) -> Option<&'static CalendarPreset> {
    CALENDARS.iter().find(|c| c.code == code)
}

/// Open around the clock (`7x24`).
pub fn seven_by_24() -> Calendar {
    Calendar::always()
}

/// Every day 08:00–20:00 (`daily 08:00-20:00`).
pub fn seven_by_12() -> Calendar {
    Calendar::from_week_unchecked(std::array::from_fn(|_| vec![Interval::new_unchecked(8 * 60, 20 * 60)]))
}

/// Monday to Friday 08:00–12:00 and 13:30–17:30, weekends closed
/// (`mon-fri 08:00-12:00,13:30-17:30`).
pub fn office_hours() -> Calendar {
    let day = vec![Interval::new_unchecked(8 * 60, 12 * 60), Interval::new_unchecked(13 * 60 + 30, 17 * 60 + 30)];
    Calendar::from_week_unchecked(std::array::from_fn(|i| if i < 5 { day.clone() } else { Vec::new() }))
}

/// A named SLA preset.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SlaPreset {
    /// Stable code.
    pub code: &'static str,
    /// zh-CN name for the console.
    pub name: &'static str,
    /// Code of the [`CalendarPreset`] the targets are counted on.
    pub calendar: &'static str,
    pub targets: Targets,
    /// Where the figures come from, quoted (zh-CN, shown as a hint).
    pub basis: &'static str,
}

const fn targets(first_response: u32, resolution: u32) -> Targets {
    Targets { first_response: Some(first_response), resolution: Some(resolution), warn_at_percent: Some(DEFAULT_WARN_AT_PERCENT) }
}

/// The seeds' targets.
pub const SLA_PRESETS: [SlaPreset; 4] = [
    SlaPreset {
        code: "fault",
        name: "系统故障：0.5 小时内响应，2 小时内处置（7×24）",
        calendar: "7x24",
        targets: targets(30, 2 * 60),
        basis: "须提供7×24小时全天候运维保障……须0.5小时内完成故障响应、问题反馈，除特殊情况外，2小时内完成故障处置。",
    },
    SlaPreset {
        code: "common",
        name: "常见问题：10 分钟内首次回复，4 小时内解决（7×24）",
        calendar: "7x24",
        targets: targets(10, 4 * 60),
        basis: "日常系统维护响应 ≤10 分钟（运维群发出问题到服务人员第一回复）；常见问题 4 小时内解决。",
    },
    SlaPreset {
        code: "report",
        name: "报表、模板需求：10 分钟内首次回复，一周内解决（7×24）",
        calendar: "7x24",
        targets: targets(10, 7 * 24 * 60),
        basis: "日常系统维护响应 ≤10 分钟；报表、模板类需求一周内解决（按 7 个自然日计）。",
    },
    SlaPreset {
        code: "onsite",
        name: "现场服务：30 分钟内响应，2 小时内到达现场（7×24）",
        calendar: "7x24",
        targets: targets(30, 2 * 60),
        basis: "7×24 小时支持维护服务并在 30 分钟内响应……收到现场服务通知后，2 小时内到达现场（第二个时钟记到场时间）。",
    },
];

/// The SLA preset with this code.
pub fn sla_preset(code: &str) -> Option<&'static SlaPreset> {
    SLA_PRESETS.iter().find(|p| p.code == code)
}

/// A year's official public holidays and make-up workdays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayArrangement {
    pub year: i16,
    /// Days off (放假), weekends inside a holiday run included.
    pub holidays: BTreeSet<LocalDay>,
    /// Make-up workdays (调休上班).
    pub workdays: BTreeSet<LocalDay>,
}

/// 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04):
///
/// * 元旦 1月1日–3日放假，1月4日（周日）上班；
/// * 春节 2月15日–23日放假，2月14日（周六）、2月28日（周六）上班；
/// * 清明节 4月4日–6日；
/// * 劳动节 5月1日–5日放假，5月9日（周六）上班；
/// * 端午节 6月19日–21日；
/// * 中秋节 9月25日–27日；
/// * 国庆节 10月1日–7日放假，9月20日（周日）、10月10日（周六）上班。
pub fn china_2026() -> HolidayArrangement {
    const RUNS: [(&str, &str); 7] = [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ];
    const WORKDAYS: [&str; 6] = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"];
    // Constant, valid dates (the tests count them: 33 holidays, 6 workdays).
    let mut holidays = BTreeSet::new();
    for (from, to) in RUNS {
        if let (Ok(mut d), Ok(to)) = (LocalDay::parse(from), LocalDay::parse(to)) {
            while d <= to {
                holidays.insert(d);
                d = d.plus_days(1);
            }
        }
    }
    let workdays = WORKDAYS.into_iter().filter_map(|d| LocalDay::parse(d).ok()).collect();
    HolidayArrangement { year: 2026, holidays, workdays }
}

/// The office-hours calendar with the 2026 holidays and make-up workdays.
pub fn office_hours_2026() -> Calendar {
    let arrangement = china_2026();
    // The 2026 sets are disjoint (tested), so this cannot fail; fall back to no holidays.
    office_hours().with_days(arrangement.holidays, arrangement.workdays).unwrap_or_else(|_| office_hours())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::calendar::tests::{day, m, t};

    #[test]
    fn calendars_match_their_text_form() {
        let rows = [("7x24", "7x24"), ("7x12", "daily 08:00-20:00"), ("office", "mon-fri 08:00-12:00,13:30-17:30")];
        for (code, text) in rows {
            let preset = calendar_preset(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!(preset.calendar(), Calendar::parse(text).unwrap(), "{code}");
            assert_eq!(preset.calendar().to_string(), text, "{code}");
        }
        assert_eq!(CALENDARS.len(), 3);
        assert!(calendar_preset("8x5").is_none());
    }

    #[test]
    fn china_2026_arrangement() {
        let a = china_2026();
        assert_eq!((a.year, a.holidays.len(), a.workdays.len()), (2026, 33, 6));
        assert!(a.holidays.is_disjoint(&a.workdays));
        let rows: &[(&str, bool, bool)] = &[
            ("2026-01-01", true, false),
            ("2026-01-03", true, false),
            ("2026-01-04", false, true),
            ("2026-02-14", false, true),
            ("2026-02-15", true, false),
            ("2026-02-23", true, false),
            ("2026-02-24", false, false),
            ("2026-02-28", false, true),
            ("2026-04-06", true, false),
            ("2026-05-05", true, false),
            ("2026-05-09", false, true),
            ("2026-06-19", true, false),
            ("2026-09-20", false, true),
            ("2026-09-25", true, false),
            ("2026-10-07", true, false),
            ("2026-10-08", false, false),
            ("2026-10-10", false, true),
        ];
        for (d, holiday, workday) in rows {
            assert_eq!(a.holidays.contains(&day(d)), *holiday, "{d} holiday");
            assert_eq!(a.workdays.contains(&day(d)), *workday, "{d} workday");
        }
        // Every make-up workday is a weekend day.
        assert!(a.workdays.iter().all(|d| d.weekday().to_monday_zero_offset() >= 5));
        assert_eq!(office_hours_2026().holidays(), &a.holidays);
    }

    #[test]
    fn sla_presets() {
        let rows: &[(&str, u32, u32)] = &[("fault", 30, 120), ("common", 10, 240), ("report", 10, 10_080), ("onsite", 30, 120)];
        for (code, first, resolution) in rows {
            let p = sla_preset(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!((p.targets.first_response, p.targets.resolution), (Some(*first), Some(*resolution)), "{code}");
            assert_eq!(p.targets.warn_at_percent, Some(DEFAULT_WARN_AT_PERCENT));
            assert!(calendar_preset(p.calendar).is_some(), "{code}: calendar");
        }
        assert_eq!(SLA_PRESETS.len(), rows.len());
        // "一周" on 7×24 is seven calendar days.
        let report = sla_preset("report").unwrap();
        let cal = calendar_preset(report.calendar).unwrap().calendar();
        let due = cal.add(t("2026-11-23 10:00"), m(i64::from(report.targets.resolution.unwrap())));
        assert_eq!(due, Some(t("2026-11-30 10:00")));
    }
}
