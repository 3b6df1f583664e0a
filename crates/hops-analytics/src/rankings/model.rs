//! The rules of the monthly leaderboards (seed 002 十一). Pure: no I/O, no clock.
//!
//! For every doctor (or department) with consultations created in the month we have [`Sums`];
//! from them four indicators, each normalised to 0–100 across the ranked set, and a composite:
//!
//! * volume `V` = completed consultations (created in the month, `completed_at` set);
//! * satisfaction, corrected for small samples by a Bayesian average
//!   `S = (m·μ + Σr) / (m + n)` — `n` ratings summing to `Σr`, `μ` the hospital's mean rating in
//!   the month (over all rated consultations), `m` the prior weight. A doctor with few ratings
//!   is pulled towards the hospital mean; with many, `S` approaches the doctor's own mean;
//! * first reply `T` = mean minutes from `paid_at` to `first_reply_at` (lower is better);
//! * revisit rate `R` = consultations of kind `revisit` / consultations created.
//!
//! Normalisation over the ranked set: `100·(x − min)/(max − min)`, inverted for `T`
//! (`100·(max − x)/(max − min)`); equal values everywhere score 100; a missing value (no reply
//! recorded, no ratings in the hospital) scores the mean of the others' scores. Composite
//! `C = Σ wₖ·scoreₖ` with per-hospital weights summing to 1; only subjects with at least the
//! minimum sample of completed consultations are ranked.

use hops_kernel::{LocalDay, Period, PeriodRange, Phone};
use hops_platform::FieldError;

hops_kernel::coded! {
    /// Whose ranking.
    pub RankKind {
        Doctor = "doctor", "医生";
        Department = "department", "科室";
    }
}

// ---- months ----

/// A month written `YYYY-MM` (exactly; `2026-1` or `2026-13` are not months).
pub fn parse_month(s: &str) -> Option<PeriodRange> {
    let b = s.as_bytes();
    let ok = b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit);
    if !ok {
        return None;
    }
    let month: u8 = s[5..].parse().ok()?;
    if !(1..=12).contains(&month) || &s[..4] < "1971" {
        return None;
    }
    LocalDay::parse(&format!("{s}-01")).ok().map(|d| PeriodRange::containing(Period::Month, d))
}

/// `2026-10`.
pub fn month_code(m: PeriodRange) -> String {
    let d = m.start.to_date();
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The month that contains `day`.
pub fn month_of(day: LocalDay) -> PeriodRange {
    PeriodRange::containing(Period::Month, day)
}

/// Whether the month is over on `today` (only finished months are published).
pub fn has_ended(m: PeriodRange, today: LocalDay) -> bool {
    m.end_exclusive <= today
}

// ---- settings ----

/// Weights of the four indicators in the composite; non-negative, summing to 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub volume: f64,
    pub satisfaction: f64,
    pub reply: f64,
    pub revisit: f64,
}

impl Weights {
    pub fn sum(&self) -> f64 {
        self.volume + self.satisfaction + self.reply + self.revisit
    }
}

/// A hospital's ranking method.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub weights: Weights,
    /// `m` of the Bayesian average: how many "hospital-average" ratings every subject starts with.
    pub prior_weight: i64,
    /// Completed consultations in the month needed to be ranked.
    pub min_sample: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { weights: Weights { volume: 0.4, satisfaction: 0.3, reply: 0.2, revisit: 0.1 }, prior_weight: 10, min_sample: 5 }
    }
}

/// Allowed deviation of the weights' sum from 1.
pub const WEIGHT_TOLERANCE: f64 = 0.001;
pub const MAX_PRIOR_WEIGHT: i64 = 1000;
pub const MAX_MIN_SAMPLE: i64 = 100_000;

/// The settings form as typed.
#[derive(Clone, Debug, Default)]
pub struct SettingsDraft {
    pub weight_volume: String,
    pub weight_satisfaction: String,
    pub weight_reply: String,
    pub weight_revisit: String,
    pub prior_weight: String,
    pub min_sample: String,
}

impl SettingsDraft {
    pub fn from_settings(s: &Settings) -> SettingsDraft {
        SettingsDraft {
            weight_volume: decimal(s.weights.volume),
            weight_satisfaction: decimal(s.weights.satisfaction),
            weight_reply: decimal(s.weights.reply),
            weight_revisit: decimal(s.weights.revisit),
            prior_weight: s.prior_weight.to_string(),
            min_sample: s.min_sample.to_string(),
        }
    }
}

/// A number without trailing zeros, at most 4 decimals: `0.4`, `0.125`, `1`.
pub fn decimal(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn weight(field: &str, label: &str, text: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}权重（0–1 之间的小数，如 0.3）")));
        return None;
    }
    let (number, scale) = match t.strip_suffix('%').or_else(|| t.strip_suffix('％')) {
        Some(p) => (p.trim(), 100.0),
        None => (t, 1.0),
    };
    match number.parse::<f64>() {
        Ok(v) if v.is_finite() => {
            let v = v / scale;
            if v < 0.0 {
                errors.push(FieldError::new(field, format!("{label}权重不能为负数")));
                None
            } else if v > 1.0 {
                errors.push(FieldError::new(field, format!("{label}权重不能大于 1（100%）")));
                None
            } else {
                Some(v)
            }
        }
        _ => {
            errors.push(FieldError::new(field, format!("{label}权重“{t}”不是数字，应为 0–1 之间的小数（如 0.3）或百分数（如 30%）")));
            None
        }
    }
}

fn integer(field: &str, text: &str, range: std::ops::RangeInclusive<i64>, message: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match text.trim().parse::<i64>() {
        Ok(v) if range.contains(&v) => Some(v),
        _ => {
            errors.push(FieldError::new(field, message));
            None
        }
    }
}

/// Validates the settings form; every problem at once. The weights' sum is reported on the
/// field `weights`.
pub fn settings(d: &SettingsDraft) -> Result<Settings, Vec<FieldError>> {
    let mut errors = Vec::new();
    let volume = weight("weight_volume", "问诊量", &d.weight_volume, &mut errors);
    let satisfaction = weight("weight_satisfaction", "满意度", &d.weight_satisfaction, &mut errors);
    let reply = weight("weight_reply", "首次响应", &d.weight_reply, &mut errors);
    let revisit = weight("weight_revisit", "复诊率", &d.weight_revisit, &mut errors);
    let prior = integer(
        "prior_weight",
        &d.prior_weight,
        0..=MAX_PRIOR_WEIGHT,
        &format!("先验权重 m 须为 0–{MAX_PRIOR_WEIGHT} 的整数（0 表示不做小样本修正）"),
        &mut errors,
    );
    let min_sample =
        integer("min_sample", &d.min_sample, 1..=MAX_MIN_SAMPLE, &format!("最低样本量须为 1–{MAX_MIN_SAMPLE} 的整数"), &mut errors);
    if let (Some(volume), Some(satisfaction), Some(reply), Some(revisit)) = (volume, satisfaction, reply, revisit) {
        let w = Weights { volume, satisfaction, reply, revisit };
        let sum = w.sum();
        if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
            errors.push(FieldError::new("weights", format!("四项权重之和须为 1（允许误差 ±0.001），当前为 {}", decimal(sum))));
        }
        if errors.is_empty() {
            return Ok(Settings { weights: w, prior_weight: prior.unwrap_or(0), min_sample: min_sample.unwrap_or(1) });
        }
    }
    Err(errors)
}

// ---- indicators ----

/// What the database sums per subject for the month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    /// Consultations created in the month.
    pub consultations: i64,
    /// … of which completed.
    pub completed: i64,
    /// … of which rated, and the sum of those ratings.
    pub rated: i64,
    pub rating_sum: i64,
    /// … of which paid and replied to, and the sum of (first reply − paid) in µs.
    pub replies: i64,
    pub reply_micros: i64,
    /// … of which of kind `revisit`.
    pub revisits: i64,
}

/// A doctor or department and its sums.
#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The doctor's department (empty for departments).
    pub department: String,
    /// The doctor's title (empty for departments).
    pub title: String,
    pub sums: Sums,
}

/// The raw indicator values of a subject.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indicators {
    /// Completed consultations.
    pub volume: i64,
    /// Plain mean rating (shown for comparison, not used in the score).
    pub rating_mean: Option<f64>,
    /// Bayesian average rating `(m·μ + Σr) / (m + n)`.
    pub satisfaction: Option<f64>,
    /// Mean minutes from payment to first reply.
    pub reply_minutes: Option<f64>,
    /// Share of revisits among consultations created.
    pub revisit_rate: Option<f64>,
}

/// The Bayesian average `(m·μ + Σr) / (m + n)`; `None` when there is nothing to average
/// (no ratings and no prior).
pub fn bayesian(prior_mean: Option<f64>, m: i64, rating_sum: i64, n: i64) -> Option<f64> {
    let m = m.max(0);
    match prior_mean {
        Some(mu) if m + n > 0 => Some((m as f64 * mu + rating_sum as f64) / (m + n) as f64),
        None if n > 0 => Some(rating_sum as f64 / n as f64),
        _ => None,
    }
}

/// The hospital's mean rating μ over all subjects' ratings.
pub fn prior_mean(subjects: &[Subject]) -> Option<f64> {
    let (sum, n) = subjects.iter().fold((0i64, 0i64), |(s, n), x| (s + x.sums.rating_sum, n + x.sums.rated));
    (n > 0).then(|| sum as f64 / n as f64)
}

pub fn indicators(s: &Sums, prior_mean: Option<f64>, prior_weight: i64) -> Indicators {
    Indicators {
        volume: s.completed,
        rating_mean: (s.rated > 0).then(|| s.rating_sum as f64 / s.rated as f64),
        satisfaction: bayesian(prior_mean, prior_weight, s.rating_sum, s.rated),
        reply_minutes: (s.replies > 0).then(|| s.reply_micros as f64 / s.replies as f64 / 60_000_000.0),
        revisit_rate: (s.consultations > 0).then(|| s.revisits as f64 / s.consultations as f64),
    }
}

/// Whether higher raw values are better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// Min–max normalisation to 0–100 across `values`. Equal values everywhere score 100; a
/// missing value scores the mean of the present scores (0 when none is present).
pub fn normalise(values: &[Option<f64>], better: Better) -> Vec<f64> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    if present.is_empty() {
        return vec![0.0; values.len()];
    }
    let min = present.iter().copied().fold(f64::INFINITY, f64::min);
    let max = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let score = |x: f64| {
        if max - min <= f64::EPSILON * max.abs().max(1.0) {
            100.0
        } else {
            match better {
                Better::Higher => 100.0 * (x - min) / (max - min),
                Better::Lower => 100.0 * (max - x) / (max - min),
            }
        }
    };
    let mean = present.iter().map(|x| score(*x)).sum::<f64>() / present.len() as f64;
    values.iter().map(|v| v.map(score).unwrap_or(mean)).collect()
}

/// Normalised scores (0–100) of a ranked subject.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scores {
    pub volume: f64,
    pub satisfaction: f64,
    pub reply: f64,
    pub revisit: f64,
}

impl Scores {
    /// `Σ wₖ·scoreₖ`, rounded to 2 decimals.
    pub fn composite(&self, w: &Weights) -> f64 {
        round2(w.volume * self.volume + w.satisfaction * self.satisfaction + w.reply * self.reply + w.revisit * self.revisit)
    }
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One line of a leaderboard.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub subject: Subject,
    pub indicators: Indicators,
    /// `None` for subjects below the minimum sample.
    pub scores: Option<Scores>,
    pub composite: Option<f64>,
    /// 1-based; equal composites share a rank (1, 2, 2, 4).
    pub rank: Option<usize>,
}

/// A month's leaderboard of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Board {
    pub settings: Settings,
    /// μ, the hospital's mean rating in the month.
    pub prior_mean: Option<f64>,
    /// Ratings behind μ.
    pub ratings: i64,
    pub ranked: Vec<Entry>,
    /// Below the minimum sample: listed, not ranked.
    pub unranked: Vec<Entry>,
}

/// Ranks `subjects` (every doctor or department with consultations in the month).
pub fn board(settings: Settings, subjects: Vec<Subject>) -> Board {
    let mu = prior_mean(&subjects);
    let ratings = subjects.iter().map(|s| s.sums.rated).sum();
    let (ranked, unranked): (Vec<Subject>, Vec<Subject>) =
        subjects.into_iter().partition(|s| s.sums.completed >= settings.min_sample.max(1));
    let entry = |s: Subject| {
        let indicators = indicators(&s.sums, mu, settings.prior_weight);
        Entry { subject: s, indicators, scores: None, composite: None, rank: None }
    };
    let mut ranked: Vec<Entry> = ranked.into_iter().map(entry).collect();
    let column =
        |f: fn(&Indicators) -> Option<f64>, better| normalise(&ranked.iter().map(|e| f(&e.indicators)).collect::<Vec<_>>(), better);
    let volume = column(|i| Some(i.volume as f64), Better::Higher);
    let satisfaction = column(|i| i.satisfaction, Better::Higher);
    let reply = column(|i| i.reply_minutes, Better::Lower);
    let revisit = column(|i| i.revisit_rate, Better::Higher);
    for (i, e) in ranked.iter_mut().enumerate() {
        let s = Scores { volume: volume[i], satisfaction: satisfaction[i], reply: reply[i], revisit: revisit[i] };
        e.composite = Some(s.composite(&settings.weights));
        e.scores = Some(s);
    }
    let key = |e: &Entry| e.composite.unwrap_or(0.0);
    ranked.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then(b.indicators.volume.cmp(&a.indicators.volume))
            .then(b.indicators.satisfaction.unwrap_or(0.0).total_cmp(&a.indicators.satisfaction.unwrap_or(0.0)))
            .then(a.subject.code.cmp(&b.subject.code))
    });
    let mut previous: Option<(f64, usize)> = None;
    for (i, e) in ranked.iter_mut().enumerate() {
        let c = key(e);
        let rank = match previous {
            Some((pc, pr)) if pc == c => pr,
            _ => i + 1,
        };
        e.rank = Some(rank);
        previous = Some((c, rank));
    }
    let mut unranked: Vec<Entry> = unranked.into_iter().map(entry).collect();
    unranked.sort_by(|a, b| b.indicators.volume.cmp(&a.indicators.volume).then(a.subject.code.cmp(&b.subject.code)));
    Board { settings, prior_mean: mu, ratings, ranked, unranked }
}

/// The method in words, shown beside every ranking (console, public page, API).
pub fn method_text(board: &Board, kind: RankKind) -> Vec<String> {
    let s = &board.settings;
    let w = &s.weights;
    let pct = |x: f64| format!("{}%", decimal(x * 100.0));
    let who = kind.label_zh();
    let mu = match board.prior_mean {
        Some(mu) => format!("本院本月平均评分 μ = {mu:.2}（{} 条评价）", board.ratings),
        None => "本月暂无评价，满意度不参与区分".into(),
    };
    vec![
        format!(
            "综合得分 = 问诊量 × {} + 满意度 × {} + 首次响应 × {} + 复诊率 × {}（各项先换算为 0–100 分）。",
            pct(w.volume),
            pct(w.satisfaction),
            pct(w.reply),
            pct(w.revisit)
        ),
        "问诊量：本月下单且已完成的问诊数。首次响应：从支付到医生首次回复的平均分钟数，越短越好。复诊率：复诊问诊占本月问诊的比例。问诊按下单时间（北京时间）计入月份。".into(),
        format!(
            "满意度（小样本修正，贝叶斯平均）= (m × μ + 评分总和) ÷ (m + 评分条数)，其中 m = {}，{mu}。评价少的{who}向全院平均靠拢，避免一两条好评即排在前列。",
            s.prior_weight
        ),
        format!(
            "换算：在参与排名的{who}之间按 100 ×（数值 − 最小值）÷（最大值 − 最小值）计分，首次响应取 100 ×（最大值 − 数值）÷（最大值 − 最小值）；数值全部相同时均计 100 分；缺少该项数据时按其他{who}该项的平均分计。"
        ),
        format!("最低样本量：本月完成问诊不少于 {} 例的{who}方参与排名，其余单独列出。综合得分相同者名次并列。", s.min_sample),
    ]
}

// ---- public feedback ----

pub const FEEDBACK_MESSAGE_MAX: usize = 500;
pub const FEEDBACK_NAME_MAX: usize = 30;
pub const FEEDBACK_CONTACT_MAX: usize = 64;
pub const FEEDBACK_REPLY_MAX: usize = 500;
/// Soft rate limit of the public form: at most this many messages per hospital per window.
pub const FEEDBACK_PER_WINDOW: i64 = 30;
pub const FEEDBACK_WINDOW_SECONDS: i64 = 600;

#[derive(Clone, Debug, Default)]
pub struct FeedbackDraft {
    pub name: String,
    pub contact: String,
    pub message: String,
}

/// A validated piece of public feedback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    pub name: String,
    /// Phone numbers normalised; stored encrypted, shown masked.
    pub contact: Option<String>,
    pub message: String,
}

/// Removes control characters (NUL and the like, which PostgreSQL text refuses); keeps line
/// breaks and tabs when `multiline`.
pub fn clean(s: &str, multiline: bool) -> String {
    s.chars().filter(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\t'))).collect::<String>().trim().to_string()
}

pub fn feedback(d: &FeedbackDraft) -> Result<Feedback, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = clean(&d.name.replace(['\r', '\n'], " "), false);
    let contact = clean(&d.contact.replace(['\r', '\n'], " "), false);
    let message = clean(&d.message.replace("\r\n", "\n"), true);
    if name.chars().count() > FEEDBACK_NAME_MAX {
        errors.push(FieldError::new("name", format!("称呼不能超过 {FEEDBACK_NAME_MAX} 字")));
    }
    if contact.chars().count() > FEEDBACK_CONTACT_MAX {
        errors.push(FieldError::new("contact", format!("联系方式不能超过 {FEEDBACK_CONTACT_MAX} 个字符")));
    }
    let n = message.chars().count();
    if n == 0 {
        errors.push(FieldError::new("message", "请填写反馈内容"));
    } else if n > FEEDBACK_MESSAGE_MAX {
        errors.push(FieldError::new("message", format!("反馈内容不能超过 {FEEDBACK_MESSAGE_MAX} 字（当前 {n} 字）")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let contact = match contact.as_str() {
        "" => None,
        c => Some(Phone::parse(c).map(|p| p.as_str().to_string()).unwrap_or_else(|_| c.to_string())),
    };
    Ok(Feedback { name, contact, message })
}

/// A contact for lists: `138****5678`, `z***@example.com`, `ab***yz`.
pub fn mask_contact(c: &str) -> String {
    if let Ok(p) = Phone::parse(c) {
        return p.masked();
    }
    let chars: Vec<char> = c.chars().collect();
    if let Some(at) = c.find('@') {
        let first: String = c[..at].chars().take(1).collect();
        return format!("{first}***{}", &c[at..]);
    }
    match chars.len() {
        0 => String::new(),
        1..=4 => format!("{}***", chars[0]),
        n => format!("{}***{}", chars[..2].iter().collect::<String>(), chars[n - 2..].iter().collect::<String>()),
    }
}

/// A name for lists: the first character, the rest starred (`张**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
    }
}

/// The reply an operator records when handling feedback.
pub fn handling_note(text: &str) -> Result<String, Vec<FieldError>> {
    let t = clean(&text.replace("\r\n", "\n"), true);
    let n = t.chars().count();
    if n == 0 {
        Err(vec![FieldError::new("reply", "请填写处理说明")])
    } else if n > FEEDBACK_REPLY_MAX {
        Err(vec![FieldError::new("reply", format!("处理说明不能超过 {FEEDBACK_REPLY_MAX} 字（当前 {n} 字）"))])
    } else {
        Ok(t)
    }
}

/// Hospital codes as the platform allows them (checked before any lookup, so a path like
/// `/p/%00/…` never reaches the database).
pub fn plausible_hospital_code(code: &str) -> bool {
    (2..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
