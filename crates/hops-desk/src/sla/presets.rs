//! Presets from the procurement documents (seeds 000 and 003): the standard calendars, the SLA
//! targets the hospitals asked for. The public holidays are the platform's
//! (`hops_platform::calendar::holidays`).
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

use super::clock::Targets;
use hops_platform::calendar::{Calendar, Interval};

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

#[cfg(test)]
mod tests {
    use super::*;
    use hops_kernel::Instant;

    fn t(s: &str) -> Instant {
        Instant::parse(s).unwrap()
    }

    fn m(n: i64) -> i64 {
        n * hops_platform::calendar::MICROS_PER_MINUTE
    }

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
