//! Pure rules of doctor performance: the month, the formula and its validation, the computation
//! of a sheet with its printed trace (exact, in fen), and the transitions of the verification
//! flow. No I/O, no clock.

use hops_kernel::{LocalDay, Money, Period, PeriodRange};
use hops_platform::FieldError;
use hops_platform::flow::Flow;

use crate::activity::model::ConsultationKind;

// ---- month ----

/// A calendar month in Asia/Shanghai time, written `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Month(PeriodRange);

impl Month {
    /// Reads `2026-10` (also `2026-1`); anything else is refused.
    pub fn parse(s: &str) -> Result<Month, String> {
        let t = s.trim();
        let bad = || format!("月份应为 YYYY-MM（如 2026-10），而不是“{t}”");
        let (y, m) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || !(1..=2).contains(&m.len()) || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let day = LocalDay::parse(&format!("{y}-{m}-01")).map_err(|_| bad())?;
        Ok(Month::containing(day))
    }

    /// The month `day` lies in.
    pub fn containing(day: LocalDay) -> Month {
        Month(PeriodRange::containing(Period::Month, day))
    }

    pub fn range(self) -> PeriodRange {
        self.0
    }

    /// `2026-10`, as stored.
    pub fn code(self) -> String {
        let d = self.0.start.to_date();
        format!("{:04}-{:02}", d.year(), d.month())
    }

    /// `2026年10月`.
    pub fn label_zh(self) -> String {
        self.0.label_zh()
    }

    pub fn previous(self) -> Month {
        Month(self.0.previous())
    }

    pub fn next(self) -> Month {
        Month(self.0.next())
    }
}

// ---- formula ----

/// The kinds in the order prices and counts are kept.
pub const KINDS: [ConsultationKind; 4] = ConsultationKind::ALL;

/// How a kind is named on sheets: 图文问诊, 视频问诊, 电话问诊, 复诊.
pub fn kind_name(k: ConsultationKind) -> &'static str {
    match k {
        ConsultationKind::Text => "图文问诊",
        ConsultationKind::Video => "视频问诊",
        ConsultationKind::Phone => "电话问诊",
        ConsultationKind::Revisit => "复诊",
    }
}

fn kind_index(k: ConsultationKind) -> usize {
    KINDS.iter().position(|x| *x == k).unwrap_or(0)
}

/// A hospital's monthly performance formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formula {
    /// Unit price per completed, not refunded consultation, by kind (order of [`KINDS`]).
    pub prices: [Money; 4],
    /// The doctor's share of consultation revenue, in basis points (1/100 of a percent), 0–10000.
    pub share_bp: i64,
    /// A first reply later than this many minutes after payment is a timeout.
    pub timeout_minutes: i64,
    /// Deducted per timeout.
    pub timeout_deduction: Money,
    /// Deducted per upheld complaint.
    pub complaint_deduction: Money,
}

impl Formula {
    pub fn price(&self, kind: ConsultationKind) -> Money {
        self.prices[kind_index(kind)]
    }

    /// The timeout threshold in microseconds (first reply − payment must exceed it).
    pub fn timeout_micros(&self) -> i64 {
        self.timeout_minutes.saturating_mul(60_000_000)
    }

    /// One line for the audit log: every value of the formula.
    pub fn describe(&self) -> String {
        let prices: Vec<String> = KINDS.iter().map(|k| format!("{} {}", k.label_zh(), self.price(*k).to_yuan_string())).collect();
        format!(
            "单价 {}；分成 {}；超时 {} 分钟扣 {}；投诉扣 {}",
            prices.join("、"),
            percent(self.share_bp),
            self.timeout_minutes,
            self.timeout_deduction.to_yuan_string(),
            self.complaint_deduction.to_yuan_string()
        )
    }
}

pub const MAX_PRICE: Money = Money(1_000_000); // ¥10,000.00 per consultation
pub const MAX_DEDUCTION: Money = Money(10_000_000); // ¥100,000.00 per timeout or complaint
pub const MAX_TIMEOUT_MINUTES: i64 = 7 * 24 * 60;

/// The settings form as typed: yuan amounts, a percentage and minutes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormulaDraft {
    pub price_text: String,
    pub price_video: String,
    pub price_phone: String,
    pub price_revisit: String,
    pub share_percent: String,
    pub timeout_minutes: String,
    pub timeout_deduction: String,
    pub complaint_deduction: String,
}

/// The form field of each kind's price.
pub fn price_field(kind: ConsultationKind) -> &'static str {
    match kind {
        ConsultationKind::Text => "price_text",
        ConsultationKind::Video => "price_video",
        ConsultationKind::Phone => "price_phone",
        ConsultationKind::Revisit => "price_revisit",
    }
}

impl FormulaDraft {
    pub fn from_formula(f: &Formula) -> FormulaDraft {
        let p = |k| f.price(k).to_yuan_string();
        FormulaDraft {
            price_text: p(ConsultationKind::Text),
            price_video: p(ConsultationKind::Video),
            price_phone: p(ConsultationKind::Phone),
            price_revisit: p(ConsultationKind::Revisit),
            share_percent: percent_number(f.share_bp),
            timeout_minutes: f.timeout_minutes.to_string(),
            timeout_deduction: f.timeout_deduction.to_yuan_string(),
            complaint_deduction: f.complaint_deduction.to_yuan_string(),
        }
    }

    pub fn price(&self, kind: ConsultationKind) -> &str {
        match kind {
            ConsultationKind::Text => &self.price_text,
            ConsultationKind::Video => &self.price_video,
            ConsultationKind::Phone => &self.price_phone,
            ConsultationKind::Revisit => &self.price_revisit,
        }
    }

    /// Validates every field at once.
    pub fn parse(&self) -> Result<Formula, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut prices = [Money::ZERO; 4];
        for k in KINDS {
            let label = format!("{}单价", k.label_zh());
            prices[kind_index(k)] = amount(price_field(k), &label, self.price(k), MAX_PRICE, &mut errors);
        }
        let share_bp = match parse_percent(&self.share_percent) {
            Ok(bp) => bp,
            Err(m) => {
                errors.push(FieldError::new("share_percent", m));
                0
            }
        };
        let timeout_minutes = match self.timeout_minutes.trim() {
            "" => {
                errors.push(FieldError::new("timeout_minutes", "超时时限不能为空"));
                0
            }
            t => match t.parse::<i64>() {
                Ok(n) if (1..=MAX_TIMEOUT_MINUTES).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new("timeout_minutes", format!("超时时限应为 1–{MAX_TIMEOUT_MINUTES} 的整数分钟")));
                    0
                }
            },
        };
        let timeout_deduction = amount("timeout_deduction", "每次超时扣款", &self.timeout_deduction, MAX_DEDUCTION, &mut errors);
        let complaint_deduction = amount("complaint_deduction", "每次投诉扣款", &self.complaint_deduction, MAX_DEDUCTION, &mut errors);
        if errors.is_empty() {
            Ok(Formula { prices, share_bp, timeout_minutes, timeout_deduction, complaint_deduction })
        } else {
            Err(errors)
        }
    }
}

/// A non-negative yuan amount up to `max`.
fn amount(field: &str, label: &str, value: &str, max: Money, errors: &mut Vec<FieldError>) -> Money {
    match Money::parse(value) {
        Ok(m) if m.is_negative() => {
            errors.push(FieldError::new(field, format!("{label}不能为负数（扣款填正数）")));
            Money::ZERO
        }
        Ok(m) if m > max => {
            errors.push(FieldError::new(field, format!("{label}不能超过 {max}")));
            Money::ZERO
        }
        Ok(m) => m,
        Err(e) => {
            errors.push(FieldError::new(field, format!("{label}：{e}")));
            Money::ZERO
        }
    }
}

/// `30`, `12.5`, `12.55%` → basis points; 0–100 with at most two decimals.
pub fn parse_percent(s: &str) -> Result<i64, String> {
    let t = s.trim().trim_end_matches(['%', '％']).trim_end();
    if t.is_empty() {
        return Err("分成比例不能为空".into());
    }
    let bad = || format!("分成比例应为 0–100 之间、最多两位小数的数字，而不是“{}”", s.trim());
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 3 || !digits(int) || !digits(frac) || frac.len() > 2 || (t.contains('.') && frac.is_empty()) {
        return Err(bad());
    }
    let bp = int.parse::<i64>().map_err(|_| bad())? * 100 + format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?;
    if bp > 10_000 {
        return Err(bad());
    }
    Ok(bp)
}

/// Basis points as a number for a form: `30`, `12.5`, `12.55`.
pub fn percent_number(bp: i64) -> String {
    let (int, frac) = (bp / 100, bp % 100);
    match frac {
        0 => int.to_string(),
        f if f % 10 == 0 => format!("{int}.{}", f / 10),
        f => format!("{int}.{f:02}"),
    }
}

/// Basis points for people: `30%`, `12.5%`.
pub fn percent(bp: i64) -> String {
    format!("{}%", percent_number(bp))
}

// ---- computation ----

/// What one doctor did in one month (consultations counted by `created_at`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    /// Completed and not refunded, by kind (order of [`KINDS`]).
    pub completed: [i64; 4],
    /// Paid and not refunded.
    pub paid: i64,
    /// Sum of the amounts of paid, not refunded consultations.
    pub revenue: Money,
    /// Paid consultations whose first reply came more than the formula's minutes after payment.
    pub timeouts: i64,
}

impl Activity {
    /// Whether there is nothing to pay or deduct for (no sheet is made for it).
    pub fn is_empty(&self) -> bool {
        self.completed.iter().all(|n| *n == 0) && self.paid == 0 && self.timeouts == 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentKind {
    /// An upheld complaint, deducted by the formula's per-complaint amount.
    Complaint,
    /// A signed amount set by an operator.
    Manual,
}

impl AdjustmentKind {
    pub fn code(self) -> &'static str {
        match self {
            AdjustmentKind::Complaint => "complaint",
            AdjustmentKind::Manual => "manual",
        }
    }
    pub fn parse(s: &str) -> Option<AdjustmentKind> {
        match s.trim() {
            "complaint" => Some(AdjustmentKind::Complaint),
            "manual" => Some(AdjustmentKind::Manual),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            AdjustmentKind::Complaint => "投诉成立",
            AdjustmentKind::Manual => "人工调整",
        }
    }
}

/// An adjustment of a sheet: an upheld complaint or a manual amount, with its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    /// The signed amount of a manual adjustment; zero for complaints (the formula prices them).
    pub amount: Money,
    pub reason: String,
}

/// What a trace line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Consultations(ConsultationKind),
    RevenueShare,
    Timeouts,
    Complaints,
    Manual,
}

impl LineKind {
    /// `text` … `revisit`, `revenue_share`, `timeouts`, `complaints`, `manual`.
    pub fn code(self) -> &'static str {
        match self {
            LineKind::Consultations(k) => k.code(),
            LineKind::RevenueShare => "revenue_share",
            LineKind::Timeouts => "timeouts",
            LineKind::Complaints => "complaints",
            LineKind::Manual => "manual",
        }
    }
    /// Whether the line is a deduction by the formula (timeouts, complaints).
    pub fn is_deduction(self) -> bool {
        matches!(self, LineKind::Timeouts | LineKind::Complaints)
    }
}

/// One line of a sheet's trace: what, how many, at what unit, for how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: LineKind,
    pub item: String,
    pub count: i64,
    pub unit: String,
    pub amount: Money,
}

/// A computed sheet: the trace and its total (the sum of the lines' amounts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Computed {
    pub lines: Vec<Line>,
    pub total: Money,
}

impl Computed {
    /// The sum of the lines matching `which` (for summaries; saturates instead of overflowing).
    pub fn sum(&self, which: impl Fn(LineKind) -> bool) -> Money {
        let s: i128 = self.lines.iter().filter(|l| which(l.kind)).map(|l| i128::from(l.amount.0)).sum();
        Money(i64::try_from(s).unwrap_or(if s > 0 { i64::MAX } else { i64::MIN }))
    }
}

/// An amount too large for the ledger (beyond ±92 trillion yuan): only absurd input gets here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

fn fen(v: i128) -> Result<Money, Overflow> {
    i64::try_from(v).map(Money).map_err(|_| Overflow)
}

/// `revenue × bp / 10000`, rounded to the fen, halves away from zero.
pub fn share_of(revenue: Money, bp: i64) -> Result<Money, Overflow> {
    let p = i128::from(revenue.0) * i128::from(bp);
    let (q, r) = (p / 10_000, p % 10_000);
    fen(if r.abs() * 2 >= 10_000 { q + p.signum() } else { q })
}

/// The sheet of one doctor for one month, exactly in fen:
///
/// * per kind: completed, not refunded consultations × the kind's unit price;
/// * the doctor's share of the revenue of paid, not refunded consultations (rounded once, on the
///   month's revenue, to the fen, halves up);
/// * minus timeouts × the per-timeout deduction;
/// * minus upheld complaints × the per-complaint deduction;
/// * plus or minus each manual adjustment.
///
/// The total may be negative when deductions exceed earnings.
pub fn compute(f: &Formula, a: &Activity, adjustments: &[Adjustment]) -> Result<Computed, Overflow> {
    let mut lines = Vec::new();
    for k in KINDS {
        let n = a.completed[kind_index(k)];
        let price = f.price(k);
        lines.push(Line {
            kind: LineKind::Consultations(k),
            item: format!("{}（已完成、未退款）", kind_name(k)),
            count: n,
            unit: format!("{price}/单"),
            amount: fen(i128::from(price.0) * i128::from(n))?,
        });
    }
    lines.push(Line {
        kind: LineKind::RevenueShare,
        item: format!("问诊收入分成（已支付、未退款，收入 {}）", a.revenue),
        count: a.paid,
        unit: format!("{} × {}", a.revenue, percent(f.share_bp)),
        amount: share_of(a.revenue, f.share_bp)?,
    });
    lines.push(Line {
        kind: LineKind::Timeouts,
        item: format!("超时扣款（首次回复晚于支付后 {} 分钟）", f.timeout_minutes),
        count: a.timeouts,
        unit: format!("{}/次", Money(-f.timeout_deduction.0)),
        amount: fen(-i128::from(f.timeout_deduction.0) * i128::from(a.timeouts))?,
    });
    let complaints = adjustments.iter().filter(|x| x.kind == AdjustmentKind::Complaint).count() as i64;
    lines.push(Line {
        kind: LineKind::Complaints,
        item: "投诉扣款（投诉成立）".into(),
        count: complaints,
        unit: format!("{}/次", Money(-f.complaint_deduction.0)),
        amount: fen(-i128::from(f.complaint_deduction.0) * i128::from(complaints))?,
    });
    for m in adjustments.iter().filter(|x| x.kind == AdjustmentKind::Manual) {
        lines.push(Line {
            kind: LineKind::Manual,
            item: format!("人工调整：{}", m.reason),
            count: 1,
            unit: m.amount.to_string(),
            amount: m.amount,
        });
    }
    let total = fen(lines.iter().map(|l| i128::from(l.amount.0)).sum())?;
    Ok(Computed { lines, total })
}

// ---- verification flow ----

/// Where a sheet is in its verification. Whether its month is locked is kept on the month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Generated, waiting for the doctor.
    Draft,
    /// The doctor agreed.
    Confirmed,
    /// The doctor disagreed (with a comment); waiting for an operator.
    Disputed,
    /// An operator answered the dispute (and possibly adjusted the sheet).
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Draft, Status::Confirmed, Status::Disputed, Status::Resolved];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Confirmed => "confirmed",
            Status::Disputed => "disputed",
            Status::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Draft => "待医生确认",
            Status::Confirmed => "已确认",
            Status::Disputed => "有异议",
            Status::Resolved => "异议已处理",
        }
    }
    /// The badge class of the design system.
    pub fn badge(self) -> &'static str {
        match self {
            Status::Draft => "badge-info",
            Status::Confirmed => "badge-ok",
            Status::Disputed => "badge-bad",
            Status::Resolved => "badge-warn",
        }
    }
}

/// The doctor's answer to a sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Confirm,
    Dispute,
}

/// The status after the doctor's answer, or why it is not possible now.
pub fn answer(status: Status, a: Answer) -> Result<Status, &'static str> {
    match (status, a) {
        (Status::Confirmed, _) => Err("这张绩效单已经确认，不能再次确认或提出异议；如有问题请联系运营人员"),
        (Status::Disputed, Answer::Dispute) => Err("这张绩效单已有异议在处理中"),
        (_, Answer::Confirm) => Ok(Status::Confirmed),
        (_, Answer::Dispute) => Ok(Status::Disputed),
    }
}

/// The status after an operator resolves a dispute.
pub fn resolve(status: Status) -> Result<Status, &'static str> {
    match status {
        Status::Disputed => Ok(Status::Resolved),
        _ => Err("只有“有异议”的绩效单需要处理"),
    }
}

/// The status after the figures of a sheet were recomputed (regeneration, adjustment): a
/// confirmation was of the old figures, so a changed total goes back to the doctor.
pub fn after_change(status: Status, old_total: Money, new_total: Money) -> Status {
    if status == Status::Confirmed && old_total != new_total { Status::Draft } else { status }
}

hops_platform::coded_by_methods!(Status);

hops_kernel::coded! {
    /// What changes a sheet's status (codes as the sheet's records have always named them).
    pub Action {
        Confirm = "confirmed", "医生确认";
        Dispute = "disputed", "医生提出异议";
        ConfirmOnBehalf = "confirmed_on_behalf", "代医生确认";
        DisputeOnBehalf = "disputed_on_behalf", "代医生提出异议";
        Resolve = "resolved", "处理异议";
        /// The total of a confirmed sheet changed (regeneration, adjustment): back to the doctor.
        Reset = "reset", "金额变化，退回医生确认";
    }
}

impl Action {
    /// The action of an answer, given by the doctor or recorded on their behalf.
    pub fn of_answer(a: Answer, own: bool) -> Action {
        match (a, own) {
            (Answer::Confirm, true) => Action::Confirm,
            (Answer::Dispute, true) => Action::Dispute,
            (Answer::Confirm, false) => Action::ConfirmOnBehalf,
            (Answer::Dispute, false) => Action::DisputeOnBehalf,
        }
    }
}

/// A sheet's verification flow ([`answer`], [`resolve`] and [`after_change`] say why a step is
/// refused in the sheet's own words; the table is what is recorded).
pub const FLOW: Flow<Status, Action> = Flow {
    kind: "performance_sheet",
    noun: "绩效单",
    states: &Status::ALL,
    actions: &Action::ALL,
    table: &[
        (Status::Draft, Action::Confirm, Status::Confirmed),
        (Status::Draft, Action::Dispute, Status::Disputed),
        (Status::Draft, Action::ConfirmOnBehalf, Status::Confirmed),
        (Status::Draft, Action::DisputeOnBehalf, Status::Disputed),
        (Status::Disputed, Action::Confirm, Status::Confirmed),
        (Status::Disputed, Action::ConfirmOnBehalf, Status::Confirmed),
        (Status::Disputed, Action::Resolve, Status::Resolved),
        (Status::Resolved, Action::Confirm, Status::Confirmed),
        (Status::Resolved, Action::Dispute, Status::Disputed),
        (Status::Resolved, Action::ConfirmOnBehalf, Status::Confirmed),
        (Status::Resolved, Action::DisputeOnBehalf, Status::Disputed),
        (Status::Confirmed, Action::Reset, Status::Draft),
    ],
};

hops_kernel::coded! {
    /// A month of sheets: open for changes, or locked.
    pub MonthStatus {
        Open = "open", "未锁定";
        Locked = "locked", "已锁定";
    }
}

hops_kernel::coded! {
    pub MonthAction {
        Lock = "lock", "锁定";
    }
}

/// A month's flow: locked once, never unlocked.
pub const MONTH_FLOW: Flow<MonthStatus, MonthAction> = Flow {
    kind: "performance_month",
    noun: "绩效月份",
    states: &MonthStatus::ALL,
    actions: &MonthAction::ALL,
    table: &[(MonthStatus::Open, MonthAction::Lock, MonthStatus::Locked)],
};

impl Month {
    /// The month as a history subject id: `YYYYMM`.
    pub fn subject_id(self) -> i64 {
        self.code().replace('-', "").parse().unwrap_or_default()
    }
}

pub const MAX_COMMENT: usize = 500;

/// A trimmed comment of at most [`MAX_COMMENT`] characters, required or not.
pub fn comment(field: &str, label: &str, value: &str, required: bool) -> Result<String, FieldError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(FieldError::new(field, format!("请填写{label}")));
    }
    if v.chars().count() > MAX_COMMENT {
        return Err(FieldError::new(field, format!("{label}不能超过 {MAX_COMMENT} 个字")));
    }
    Ok(v.to_string())
}

pub const MAX_ADJUSTMENT: Money = Money(100_000_000); // ¥1,000,000.00

/// An adjustment as typed: kind (`complaint` or `manual`), amount (manual only, signed yuan)
/// and reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdjustmentDraft {
    pub kind: String,
    pub amount: String,
    pub reason: String,
}

impl AdjustmentDraft {
    pub fn parse(&self) -> Result<Adjustment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = AdjustmentKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择调整类型：投诉成立或人工调整"));
        }
        let amount = match kind {
            Some(AdjustmentKind::Manual) => match Money::parse(&self.amount) {
                Ok(m) if m == Money::ZERO => {
                    errors.push(FieldError::new("amount", "调整金额不能为 0"));
                    m
                }
                Ok(m) if m.0.unsigned_abs() > MAX_ADJUSTMENT.0.unsigned_abs() => {
                    errors.push(FieldError::new("amount", format!("调整金额不能超过 ±{MAX_ADJUSTMENT}")));
                    m
                }
                Ok(m) => m,
                Err(e) => {
                    errors.push(FieldError::new("amount", format!("调整金额：{e}（扣减填负数，如 -20.00）")));
                    Money::ZERO
                }
            },
            _ => Money::ZERO,
        };
        let reason = comment("reason", "原因", &self.reason, true).unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        });
        match kind {
            Some(kind) if errors.is_empty() => Ok(Adjustment { kind, amount, reason }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
