//! The rules of revenue R per contract year (seed 000: the operation service fees are paid by
//! the 累计收入 R of the internet hospital, in 万元, against 1800 万 / 3000 万 / 5000 万). Pure: no
//! I/O, no clock — "today" is always given.
//!
//! * **Contract year**: from the contract start date to its first anniversary, then from
//!   anniversary to anniversary. A start on 29 February has its anniversary on 28 February in
//!   years without a leap day. Before the contract starts, the contract year is the first one.
//! * **Components**: R is the sum of the chosen daily metrics over the contract year up to and
//!   including today (Asia/Shanghai days): paid, not refunded consultations by created day,
//!   and payments of the chosen kinds by paid day.
//! * **Defaults** when a hospital saved nothing: the calendar year (start 1 January), the base
//!   target of 1800 万元, and consultations + outpatient, prescription and other payments.
//!   Recharges are deposits into a patient's account; spending them produces outpatient,
//!   prescription or other payments, so counting them would count the same money twice (and
//!   would count a balance never spent as revenue). Payments of kind `consultation` are the
//!   payment records of consultations, whose paid, not refunded amounts already count as
//!   consultation revenue — so they are left out as well (a hospital that sends payment records
//!   but no consultations may choose them instead).

use std::collections::HashMap;

use hops_kernel::{LocalDay, Money, Period, PeriodRange};
use hops_platform::FieldError;

// ---- components ----

/// The kinds of payments (`payments.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentKind {
    Recharge,
    Outpatient,
    Consultation,
    Prescription,
    Other,
}

/// One source of revenue R.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Component {
    /// Paid, not refunded consultations, by the day they were created (the KPI 问诊收入).
    Consultations,
    /// Payments of one kind, by the day they were paid.
    Payments(PaymentKind),
}

impl Component {
    /// Every component, in the order of forms, tables and the API.
    pub const ALL: [Component; 6] = [
        Component::Consultations,
        Component::Payments(PaymentKind::Recharge),
        Component::Payments(PaymentKind::Outpatient),
        Component::Payments(PaymentKind::Consultation),
        Component::Payments(PaymentKind::Prescription),
        Component::Payments(PaymentKind::Other),
    ];

    /// What counts when a hospital has saved nothing (see the module documentation).
    pub const DEFAULT: [Component; 4] = [
        Component::Consultations,
        Component::Payments(PaymentKind::Outpatient),
        Component::Payments(PaymentKind::Prescription),
        Component::Payments(PaymentKind::Other),
    ];

    pub fn code(self) -> &'static str {
        match self {
            Component::Consultations => "consultations",
            Component::Payments(PaymentKind::Recharge) => "payments_recharge",
            Component::Payments(PaymentKind::Outpatient) => "payments_outpatient",
            Component::Payments(PaymentKind::Consultation) => "payments_consultation",
            Component::Payments(PaymentKind::Prescription) => "payments_prescription",
            Component::Payments(PaymentKind::Other) => "payments_other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Component::Consultations => "问诊收入",
            Component::Payments(PaymentKind::Recharge) => "充值",
            Component::Payments(PaymentKind::Outpatient) => "门诊缴费",
            Component::Payments(PaymentKind::Consultation) => "问诊缴费",
            Component::Payments(PaymentKind::Prescription) => "处方缴费",
            Component::Payments(PaymentKind::Other) => "其他缴费",
        }
    }

    /// What it is, for the settings form.
    pub fn help_zh(self) -> &'static str {
        match self {
            Component::Consultations => "已支付且未退款问诊的金额，按下单日计入",
            Component::Payments(PaymentKind::Recharge) => "预存款，消费时另有门诊、处方等缴费记录；默认不计，以免重复",
            Component::Payments(PaymentKind::Outpatient) => "缴费记录中类型为门诊缴费的金额，按缴费日计入",
            Component::Payments(PaymentKind::Consultation) => "问诊的缴费记录；与“问诊收入”是同一笔钱，默认不计",
            Component::Payments(PaymentKind::Prescription) => "缴费记录中类型为处方缴费的金额，按缴费日计入",
            Component::Payments(PaymentKind::Other) => "缴费记录中类型为其他的金额，按缴费日计入",
        }
    }

    /// The daily metric (`activity_daily.metric`) summed for this component, in fen.
    pub fn metric(self) -> &'static str {
        match self {
            Component::Consultations => "consultation_revenue_fen",
            Component::Payments(PaymentKind::Recharge) => "payments_fen_recharge",
            Component::Payments(PaymentKind::Outpatient) => "payments_fen_outpatient",
            Component::Payments(PaymentKind::Consultation) => "payments_fen_consultation",
            Component::Payments(PaymentKind::Prescription) => "payments_fen_prescription",
            Component::Payments(PaymentKind::Other) => "payments_fen_other",
        }
    }

    pub fn parse(code: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// Stored form: codes joined by commas, in [`Component::ALL`] order.
pub fn components_text(components: &[Component]) -> String {
    components.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
}

/// Reads the stored form; unknown codes are skipped.
pub fn parse_components(text: &str) -> Vec<Component> {
    let codes: Vec<Component> = text.split(',').filter_map(Component::parse).collect();
    Component::ALL.into_iter().filter(|c| codes.contains(c)).collect()
}

// ---- settings ----

/// The base target of seed 000: 1800 万元.
pub const DEFAULT_TARGET: Money = Money(1_800 * FEN_PER_WAN);
/// 1 万元 in fen.
pub const FEN_PER_WAN: i64 = 1_000_000;
/// The largest target accepted: 100 亿元.
pub const MAX_TARGET_WAN: i64 = 1_000_000;
/// Contract start dates accepted by the form.
pub const FIRST_YEAR: i16 = 2000;
pub const LAST_YEAR: i16 = 2099;

/// A hospital's definition of revenue R.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// First day of the first contract year.
    pub contract_start: LocalDay,
    pub target: Money,
    /// At least one, in [`Component::ALL`] order.
    pub components: Vec<Component>,
}

impl Settings {
    /// What applies when nothing is saved: the calendar year of `today`, 1800 万元, the default
    /// components.
    pub fn defaults(today: LocalDay) -> Settings {
        let start = ymd(i32::from(today.to_date().year()), 1, 1).unwrap_or(today);
        Settings { contract_start: start, target: DEFAULT_TARGET, components: Component::DEFAULT.to_vec() }
    }
}

/// The settings form as typed.
#[derive(Clone, Debug, Default)]
pub struct SettingsDraft {
    /// `YYYY-MM-DD`.
    pub contract_start: String,
    /// In 万元, e.g. `1800` or `1800.5`.
    pub target_wan: String,
    /// Component codes of the ticked boxes.
    pub components: Vec<String>,
}

impl SettingsDraft {
    pub fn from_settings(s: &Settings) -> SettingsDraft {
        SettingsDraft {
            contract_start: s.contract_start.to_string(),
            target_wan: wan(s.target),
            components: s.components.iter().map(|c| c.code().to_string()).collect(),
        }
    }
}

/// An amount in 万元 without trailing zeros: `1800`, `1800.5`, `0.000001`.
pub fn wan(m: Money) -> String {
    let sign = if m.0 < 0 { "-" } else { "" };
    let abs = m.0.unsigned_abs();
    let (whole, frac) = (abs / FEN_PER_WAN as u64, abs % FEN_PER_WAN as u64);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:06}");
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// Reads an amount in 万元 (up to 6 decimals, i.e. to the fen; a trailing 万 or 万元 and
/// thousands separators are allowed) as fen.
pub fn parse_wan(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')).unwrap_or(t).trim().replace(',', "");
    let (int_part, frac_part) = t.split_once('.').unwrap_or((t.as_str(), ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || int_part.len() > 12 || !digits(int_part) || !digits(frac_part) || frac_part.len() > 6 {
        return None;
    }
    if t.contains('.') && frac_part.is_empty() {
        return None;
    }
    let whole: i64 = int_part.parse().ok()?;
    let frac: i64 = if frac_part.is_empty() { 0 } else { format!("{frac_part:0<6}").parse().ok()? };
    whole.checked_mul(FEN_PER_WAN)?.checked_add(frac)
}

/// Validates the settings form; every problem at once.
pub fn settings(d: &SettingsDraft) -> Result<Settings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let start = d.contract_start.trim();
    let contract_start = if start.is_empty() {
        errors.push(FieldError::new("contract_start", "请填写合同起始日（YYYY-MM-DD，如 2026-03-01）"));
        None
    } else {
        match LocalDay::parse(start) {
            Ok(day) if (FIRST_YEAR..=LAST_YEAR).contains(&day.to_date().year()) => Some(day),
            Ok(_) => {
                errors.push(FieldError::new("contract_start", format!("合同起始日应在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间")));
                None
            }
            Err(_) => {
                errors
                    .push(FieldError::new("contract_start", format!("合同起始日“{start}”不是有效日期，应为 YYYY-MM-DD（如 2026-03-01）")));
                None
            }
        }
    };
    let target_text = d.target_wan.trim();
    let target = if target_text.is_empty() {
        errors.push(FieldError::new("target_wan", "请填写年度目标（万元，如 1800）"));
        None
    } else {
        match parse_wan(target_text) {
            Some(0) => {
                errors.push(FieldError::new("target_wan", "年度目标须大于 0"));
                None
            }
            Some(fen) if fen > MAX_TARGET_WAN * FEN_PER_WAN => {
                errors.push(FieldError::new("target_wan", format!("年度目标不能超过 {MAX_TARGET_WAN} 万元")));
                None
            }
            Some(fen) => Some(Money(fen)),
            None if target_text.starts_with('-') => {
                errors.push(FieldError::new("target_wan", "年度目标须大于 0"));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "target_wan",
                    format!("年度目标“{target_text}”不是有效金额，应为以万元为单位的数字（如 1800 或 1800.5，最多 6 位小数）"),
                ));
                None
            }
        }
    };
    let mut chosen = Vec::new();
    for code in d.components.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match Component::parse(code) {
            Some(c) => chosen.push(c),
            None => errors.push(FieldError::new("components", format!("未知的收入构成“{code}”"))),
        }
    }
    let components: Vec<Component> = Component::ALL.into_iter().filter(|c| chosen.contains(c)).collect();
    if components.is_empty() && !errors.iter().any(|e| e.field == "components") {
        errors.push(FieldError::new("components", "请至少选择一项计入累计收入的收入构成"));
    }
    match (contract_start, target) {
        (Some(contract_start), Some(target)) if errors.is_empty() => Ok(Settings { contract_start, target, components }),
        _ => Err(errors),
    }
}

/// Whether consultation revenue and consultation payments are both counted (the same money,
/// unless the hospital sends only one of them).
pub fn double_counts(components: &[Component]) -> bool {
    components.contains(&Component::Consultations) && components.contains(&Component::Payments(PaymentKind::Consultation))
}

/// The settings in words, for the audit log.
pub fn describe(s: &Settings) -> String {
    format!(
        "合同起始日 {}；年度目标 {} 万元；收入构成 {}",
        s.contract_start,
        wan(s.target),
        s.components.iter().map(|c| c.label_zh()).collect::<Vec<_>>().join("、")
    )
}

// ---- contract years ----

/// The day `y-m-d`, for any year (the Gregorian calendar repeats every 400 years, 146 097
/// days); `None` when the day does not exist.
fn ymd(y: i32, m: i8, d: i8) -> Option<LocalDay> {
    const CYCLE_YEARS: i32 = 400;
    const CYCLE_DAYS: i32 = 146_097;
    if y > 9999 {
        return ymd(y - CYCLE_YEARS, m, d).map(|x| x.plus_days(CYCLE_DAYS));
    }
    if y < 1000 {
        return ymd(y + CYCLE_YEARS, m, d).map(|x| x.plus_days(-CYCLE_DAYS));
    }
    LocalDay::parse(&format!("{y:04}-{m:02}-{d:02}")).ok()
}

/// The `n`-th anniversary of `start` (0: `start` itself); 29 February falls on 28 February in
/// years without it.
pub fn anniversary(start: LocalDay, n: i32) -> LocalDay {
    let s = start.to_date();
    let y = i32::from(s.year()).saturating_add(n);
    ymd(y, s.month(), s.day()).or_else(|| ymd(y, s.month(), s.day() - 1)).unwrap_or(start)
}

/// The contract year containing `today`: `(first day, day after the last day)`. Before the
/// contract starts, the first contract year.
pub fn contract_year(start: LocalDay, today: LocalDay) -> (LocalDay, LocalDay) {
    let mut n = i32::from(today.to_date().year()) - i32::from(start.to_date().year());
    if anniversary(start, n) > today {
        n -= 1;
    }
    let n = n.max(0);
    (anniversary(start, n), anniversary(start, n + 1))
}

/// `[from, to)` cut at calendar-month boundaries: `(first day, day after the last day)` of
/// each piece, in order (a contract year starting mid-month has 13 pieces).
pub fn month_pieces(from: LocalDay, to: LocalDay) -> Vec<(LocalDay, LocalDay)> {
    let mut out = Vec::new();
    let mut day = from;
    while day < to {
        let end = PeriodRange::containing(Period::Month, day).end_exclusive.min(to);
        out.push((day, end));
        day = end;
    }
    out
}

/// `2026年3月`.
pub fn month_label(day: LocalDay) -> String {
    let d = day.to_date();
    format!("{}年{}月", d.year(), d.month())
}

// ---- amounts ----

/// The amount of one component in a set of summed daily metrics.
pub fn amount(c: Component, sums: &HashMap<String, i64>) -> Money {
    Money(sums.get(c.metric()).copied().unwrap_or(0))
}

/// One month piece of a contract year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthAmount {
    /// First day counted.
    pub start: LocalDay,
    /// Revenue R of the piece.
    pub amount: Money,
    /// Revenue R from the start of the contract year to the end of the piece.
    pub cumulative: Money,
}

/// Revenue R of a contract year from its month pieces' summed metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub total: Money,
    /// Per chosen component, in order.
    pub parts: Vec<(Component, Money)>,
    pub months: Vec<MonthAmount>,
}

/// Sums the chosen components over the pieces (saturating instead of overflowing).
pub fn tally(components: &[Component], pieces: &[(LocalDay, HashMap<String, i64>)]) -> Tally {
    let mut parts: Vec<(Component, Money)> = components.iter().map(|c| (*c, Money::ZERO)).collect();
    let mut months = Vec::with_capacity(pieces.len());
    let mut total = 0i64;
    for (start, sums) in pieces {
        let mut month = 0i64;
        for (c, sum) in &mut parts {
            let a = amount(*c, sums).0;
            sum.0 = sum.0.saturating_add(a);
            month = month.saturating_add(a);
        }
        total = total.saturating_add(month);
        months.push(MonthAmount { start: *start, amount: Money(month), cumulative: Money(total) });
    }
    Tally { total: Money(total), parts, months }
}

/// Share of the target reached (1.0 = reached); `None` without a positive target.
pub fn progress(total: Money, target: Money) -> Option<f64> {
    (target.0 > 0).then(|| total.0 as f64 / target.0 as f64)
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
