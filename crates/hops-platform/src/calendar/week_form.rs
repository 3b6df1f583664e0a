//! The weekly hours as people edit them: a row per weekday — 休息, 全天 or 营业时段 with its
//! intervals as `HH:MM` fields — read back into a [`Calendar`] with each problem at its row. The
//! one form for weekly hours (the text form, [`Calendar::parse`], is for files and the API).

use super::model::{Calendar, Interval, MINUTES_PER_DAY};
use crate::FieldError;

const LABELS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
/// Interval fields a row shows at least (more when a saved day has more).
pub const MIN_SLOTS: usize = 2;

/// What a weekday is.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum DayMode {
    #[default]
    Closed,
    AllDay,
    Hours,
}

impl DayMode {
    pub const ALL: [DayMode; 3] = [DayMode::Hours, DayMode::AllDay, DayMode::Closed];

    pub fn code(self) -> &'static str {
        match self {
            DayMode::Closed => "closed",
            DayMode::AllDay => "all",
            DayMode::Hours => "hours",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DayMode::Closed => "休息",
            DayMode::AllDay => "全天 24 小时",
            DayMode::Hours => "营业时段",
        }
    }

    fn from_code(s: &str) -> DayMode {
        DayMode::ALL.into_iter().find(|m| m.code() == s).unwrap_or_default()
    }
}

/// One weekday's row: its mode, its intervals as typed (`("08:00", "12:00")`), its problem.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayRow {
    pub label: &'static str,
    pub mode: DayMode,
    pub slots: Vec<(String, String)>,
    pub error: String,
}

/// The week's rows, Monday first. Fields: `wd{i}_mode`, then `wd{i}_from` / `wd{i}_to` once per
/// interval, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeekForm {
    pub rows: Vec<DayRow>,
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn padded(mut slots: Vec<(String, String)>) -> Vec<(String, String)> {
    while slots.len() < MIN_SLOTS {
        slots.push(Default::default());
    }
    slots
}

impl WeekForm {
    /// What a day can be, in the order the form offers.
    pub fn modes(&self) -> [DayMode; 3] {
        DayMode::ALL
    }

    /// The rows of a calendar's weekly hours.
    pub fn of(cal: &Calendar) -> WeekForm {
        let rows = cal
            .week()
            .iter()
            .zip(LABELS)
            .map(|(day, label)| {
                let mode = match day.as_slice() {
                    [] => DayMode::Closed,
                    [Interval::ALL_DAY] => DayMode::AllDay,
                    _ => DayMode::Hours,
                };
                let slots = if mode == DayMode::Hours { day.iter().map(|iv| (hhmm(iv.start()), hhmm(iv.end()))).collect() } else { vec![] };
                DayRow { label, mode, slots: padded(slots), error: String::new() }
            })
            .collect();
        WeekForm { rows }
    }

    /// Reads the posted fields (in their order; other fields are ignored).
    pub fn from_pairs(pairs: &[(String, String)]) -> WeekForm {
        let mut rows: Vec<DayRow> = LABELS.iter().map(|label| DayRow { label, ..Default::default() }).collect();
        for (k, v) in pairs {
            let Some(rest) = k.strip_prefix("wd") else { continue };
            let Some((i, field)) = rest.split_once('_') else { continue };
            let Some(row) = i.parse::<usize>().ok().and_then(|i| rows.get_mut(i)) else { continue };
            match field {
                "mode" => row.mode = DayMode::from_code(v),
                "from" => row.slots.push((v.trim().to_string(), String::new())),
                "to" => match row.slots.last_mut() {
                    Some(last) if last.1.is_empty() => last.1 = v.trim().to_string(),
                    _ => row.slots.push((String::new(), v.trim().to_string())),
                },
                _ => {}
            }
        }
        for row in &mut rows {
            row.slots = padded(std::mem::take(&mut row.slots));
        }
        WeekForm { rows }
    }

    /// The calendar of these rows (no holidays), or every problem at its row (field `wd{i}`;
    /// the row's `error` is set too, for the form shown again).
    pub fn calendar(&mut self) -> Result<Calendar, Vec<FieldError>> {
        let mut week: [Vec<Interval>; 7] = Default::default();
        let mut errors = Vec::new();
        for (i, row) in self.rows.iter_mut().enumerate().take(7) {
            let mut problems: Vec<String> = Vec::new();
            match row.mode {
                DayMode::Closed => {}
                DayMode::AllDay => week[i] = vec![Interval::ALL_DAY],
                DayMode::Hours => {
                    for (n, (from, to)) in row.slots.iter().enumerate().filter(|(_, (a, b))| !a.is_empty() || !b.is_empty()) {
                        match (minute(from), minute(to)) {
                            (Some(a), Some(b)) => match Interval::new(a, if b == 0 { MINUTES_PER_DAY } else { b }) {
                                Ok(iv) => week[i].push(iv),
                                Err(_) => problems.push(format!("第 {} 段的开始时间须早于结束时间", n + 1)),
                            },
                            _ => problems.push(format!("第 {} 段须填写开始和结束时间（如 08:00 至 12:00）", n + 1)),
                        }
                    }
                    week[i].sort();
                    if problems.is_empty() && week[i].is_empty() {
                        problems.push("选了营业时段，请至少填写一段时间，或改为休息".into());
                    }
                    if problems.is_empty() && week[i].windows(2).any(|w| w[0].end() > w[1].start()) {
                        problems.push("时间段重叠".into());
                    }
                }
            }
            if !problems.is_empty() {
                row.error = format!("{}：{}", row.label, problems.join("；"));
                errors.push(FieldError::new(format!("wd{i}"), row.error.clone()));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Calendar::new(week).map_err(|e| e.into_iter().map(|e| FieldError::new("week", e.to_string())).collect())
    }
}

/// `HH:MM` (as `<input type="time">` posts it) → minutes of the day.
fn minute(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.get(..2)?.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn rows_round_trip_a_calendar() {
        let cal = Calendar::parse("mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00; sun 00:00-24:00").unwrap();
        let form = WeekForm::of(&cal);
        assert_eq!(form.rows[0].slots, [("08:00".into(), "12:00".into()), ("13:30".into(), "17:30".into())]);
        assert_eq!((form.rows[5].mode, form.rows[6].mode), (DayMode::Hours, DayMode::AllDay));
        let mut posted = Vec::new();
        for (i, r) in form.rows.iter().enumerate() {
            posted.push((format!("wd{i}_mode"), r.mode.code().to_string()));
            for (a, b) in &r.slots {
                posted.push((format!("wd{i}_from"), a.clone()));
                posted.push((format!("wd{i}_to"), b.clone()));
            }
        }
        assert_eq!(WeekForm::from_pairs(&posted).calendar().unwrap(), cal);
        // A day ending at midnight: 24:00 is posted as 00:00 by a time field.
        let mut f = WeekForm::from_pairs(&pairs(&[("wd0_mode", "hours"), ("wd0_from", "20:00"), ("wd0_to", "00:00")]));
        assert_eq!(f.calendar().unwrap().week()[0], [Interval::new(1200, 1440).unwrap()]);
    }

    #[test]
    fn each_problem_is_at_its_row() {
        let mut f = WeekForm::from_pairs(&pairs(&[
            ("wd0_mode", "hours"),
            ("wd0_from", "12:00"),
            ("wd0_to", "08:00"),
            ("wd1_mode", "hours"),
            ("wd1_from", "08:00"),
            ("wd1_to", ""),
            ("wd2_mode", "hours"),
            ("wd3_mode", "hours"),
            ("wd3_from", "08:00"),
            ("wd3_to", "12:00"),
            ("wd3_from", "11:00"),
            ("wd3_to", "13:00"),
            ("wd4_mode", "all"),
        ]));
        let errors: Vec<(String, String)> = f.calendar().unwrap_err().into_iter().map(|e| (e.field, e.message)).collect();
        assert_eq!(
            errors,
            [
                ("wd0".to_string(), "周一：第 1 段的开始时间须早于结束时间".to_string()),
                ("wd1".to_string(), "周二：第 1 段须填写开始和结束时间（如 08:00 至 12:00）".to_string()),
                ("wd2".to_string(), "周三：选了营业时段，请至少填写一段时间，或改为休息".to_string()),
                ("wd3".to_string(), "周四：时间段重叠".to_string()),
            ]
        );
        assert_eq!(f.rows[1].slots[0], ("08:00".to_string(), String::new()), "what was typed is kept");
        let mut closed = WeekForm::from_pairs(&pairs(&[("wd0_mode", "closed")]));
        let e = closed.calendar().unwrap_err();
        assert_eq!(e[0].message, "每周没有任何营业时间，SLA 无法计时");
    }
}
