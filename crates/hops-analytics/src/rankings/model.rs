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

/// Whose ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RankKind {
    Doctor,
    Department,
}

impl RankKind {
    pub const ALL: [RankKind; 2] = [RankKind::Doctor, RankKind::Department];

    pub fn code(self) -> &'static str {
        match self {
            RankKind::Doctor => "doctor",
            RankKind::Department => "department",
        }
    }
    pub fn parse(s: &str) -> Option<RankKind> {
        RankKind::ALL.into_iter().find(|k| k.code() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            RankKind::Doctor => "医生",
            RankKind::Department => "科室",
        }
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
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn sums(consultations: i64, completed: i64, ratings: &[i64], reply_minutes: &[i64], revisits: i64) -> Sums {
        Sums {
            consultations,
            completed,
            rated: ratings.len() as i64,
            rating_sum: ratings.iter().sum(),
            replies: reply_minutes.len() as i64,
            reply_micros: reply_minutes.iter().sum::<i64>() * 60_000_000,
            revisits,
        }
    }

    fn subject(code: &str, s: Sums) -> Subject {
        Subject { id: 0, code: code.into(), name: code.into(), department: String::new(), title: String::new(), sums: s }
    }

    #[test]
    fn bayesian_average() {
        // (prior mean, m, sum, n, expected)
        type Case = (Option<f64>, i64, i64, i64, Option<f64>);
        let cases: &[Case] = &[
            (Some(4.0), 10, 5, 1, Some(45.0 / 11.0)),
            (Some(4.0), 10, 240, 50, Some(280.0 / 60.0)),
            (Some(4.0), 0, 5, 1, Some(5.0)),
            (Some(4.2), 10, 0, 0, Some(4.2)),
            (Some(4.0), 0, 0, 0, None),
            (None, 10, 0, 0, None),
            (None, 10, 9, 2, Some(4.5)),
            (Some(3.0), -5, 8, 2, Some(4.0)),
        ];
        for (mu, m, sum, n, want) in cases {
            let got = bayesian(*mu, *m, *sum, *n);
            match (got, want) {
                (Some(g), Some(w)) => assert!(close(g, *w), "{mu:?} {m} {sum}/{n}: {g} ≠ {w}"),
                (g, w) => assert_eq!(g, *w, "{mu:?} {m} {sum}/{n}"),
            }
        }
    }

    #[test]
    fn normalisation() {
        let h = Better::Higher;
        let l = Better::Lower;
        let cases: Vec<(Vec<Option<f64>>, Better, Vec<f64>)> = vec![
            (vec![Some(10.0), Some(20.0), Some(15.0)], h, vec![0.0, 100.0, 50.0]),
            (vec![Some(10.0), Some(20.0), Some(15.0)], l, vec![100.0, 0.0, 50.0]),
            (vec![Some(3.0), Some(3.0)], h, vec![100.0, 100.0]),
            (vec![Some(3.0)], l, vec![100.0]),
            // Missing: the mean of the others' scores.
            (vec![Some(2.0), None, Some(6.0)], l, vec![100.0, 50.0, 0.0]),
            (vec![None, None], h, vec![0.0, 0.0]),
            (vec![], h, vec![]),
        ];
        for (values, better, want) in cases {
            let got = normalise(&values, better);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(close(*g, *w), "{values:?} {better:?}: {got:?} ≠ {want:?}");
            }
        }
    }

    #[test]
    fn indicator_values() {
        let mu = Some(4.5);
        // (sums, m, volume, mean, satisfaction, reply minutes, revisit rate)
        type Case = (Sums, i64, i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>);
        let cases: Vec<Case> = vec![
            (sums(10, 8, &[5, 4], &[3, 5], 2), 10, 8, Some(4.5), Some(4.5), Some(4.0), Some(0.2)),
            (sums(4, 4, &[5], &[], 0), 2, 4, Some(5.0), Some(14.0 / 3.0), None, Some(0.0)),
            (sums(0, 0, &[], &[], 0), 10, 0, None, Some(4.5), None, None),
        ];
        for (s, m, volume, mean, sat, reply, revisit) in cases {
            let i = indicators(&s, mu, m);
            assert_eq!(i.volume, volume);
            for (g, w) in [(i.rating_mean, mean), (i.satisfaction, sat), (i.reply_minutes, reply), (i.revisit_rate, revisit)] {
                match (g, w) {
                    (Some(g), Some(w)) => assert!(close(g, w), "{s:?}: {g} ≠ {w}"),
                    (g, w) => assert_eq!(g, w, "{s:?}"),
                }
            }
        }
    }

    /// One 5-star rating must not beat fifty ratings averaging 4.8 once corrected, although its
    /// plain mean is higher.
    #[test]
    fn small_samples_do_not_win_on_satisfaction() {
        let one = subject("ONE", sums(5, 5, &[5], &[10; 5], 0));
        let fifty = subject("FIFTY", sums(50, 50, &[[5, 5, 5, 5, 4]; 10].concat(), &[10; 50], 0));
        let low = subject("LOW", sums(20, 20, &[4; 20], &[10; 20], 0));
        let satisfaction_only =
            Settings { weights: Weights { volume: 0.0, satisfaction: 1.0, reply: 0.0, revisit: 0.0 }, prior_weight: 10, min_sample: 5 };
        let b = board(satisfaction_only, vec![one.clone(), fifty.clone(), low.clone()]);
        // μ = (5 + 240 + 80) / 71; ONE: (10μ + 5) / 11; FIFTY: (10μ + 240) / 60.
        let mu = 325.0 / 71.0;
        assert!(close(b.prior_mean.unwrap(), mu));
        let order: Vec<&str> = b.ranked.iter().map(|e| e.subject.code.as_str()).collect();
        assert_eq!(order, ["FIFTY", "ONE", "LOW"]);
        let sat = |code: &str| b.ranked.iter().find(|e| e.subject.code == code).unwrap().indicators.satisfaction.unwrap();
        assert!(close(sat("ONE"), (10.0 * mu + 5.0) / 11.0));
        assert!(close(sat("FIFTY"), (10.0 * mu + 240.0) / 60.0));
        // Without the correction (m = 0) the single rating wins.
        let plain = Settings { prior_weight: 0, ..satisfaction_only };
        let b = board(plain, vec![one, fifty, low]);
        assert_eq!(b.ranked[0].subject.code, "ONE");
    }

    #[test]
    fn composite_ranks_and_min_sample() {
        // A: high volume, slow replies. B: low volume, fast replies. C: below the minimum sample.
        let a = subject("A", sums(20, 20, &[], &[30; 20], 0));
        let b = subject("B", sums(10, 10, &[], &[6; 10], 5));
        let c = subject("C", sums(4, 4, &[], &[1; 4], 4));
        let s = Settings::default();
        let board = board(s, vec![a, b, c]);
        assert_eq!(board.unranked.len(), 1);
        assert_eq!(board.unranked[0].subject.code, "C");
        assert_eq!(board.unranked[0].rank, None);
        // No ratings: satisfaction scores 0 for both. A: 0.4·100 + 0 + 0.2·0 + 0.1·0 = 40;
        // B: 0.4·0 + 0 + 0.2·100 + 0.1·100 = 30.
        let got: Vec<(&str, f64, Option<usize>)> =
            board.ranked.iter().map(|e| (e.subject.code.as_str(), e.composite.unwrap(), e.rank)).collect();
        assert_eq!(got, [("A", 40.0, Some(1)), ("B", 30.0, Some(2))]);
    }

    #[test]
    fn equal_composites_share_a_rank() {
        let x = subject("X", sums(5, 5, &[], &[], 0));
        let y = subject("Y", sums(5, 5, &[], &[], 0));
        let z = subject("Z", sums(6, 6, &[], &[], 0));
        let w = Settings { weights: Weights { volume: 0.0, satisfaction: 0.0, reply: 0.0, revisit: 1.0 }, ..Settings::default() };
        let b = board(w, vec![x, y, z]);
        let ranks: Vec<(&str, Option<usize>)> = b.ranked.iter().map(|e| (e.subject.code.as_str(), e.rank)).collect();
        // All revisit rates 0 → everyone 100; ties broken for display by volume then code.
        assert_eq!(ranks, [("Z", Some(1)), ("X", Some(1)), ("Y", Some(1))]);
    }

    fn draft(v: &str, s: &str, r: &str, t: &str, m: &str, n: &str) -> SettingsDraft {
        SettingsDraft {
            weight_volume: v.into(),
            weight_satisfaction: s.into(),
            weight_reply: r.into(),
            weight_revisit: t.into(),
            prior_weight: m.into(),
            min_sample: n.into(),
        }
    }

    #[test]
    fn settings_validation() {
        // (draft, fields with errors)
        let cases: Vec<(SettingsDraft, &[&str])> = vec![
            (draft("0.4", "0.3", "0.2", "0.1", "10", "5"), &[]),
            (draft("40%", "30%", "20％", "10%", "0", "1"), &[]),
            (draft("0.3333", "0.3333", "0.3334", "0", "10", "5"), &[]),
            (draft("0.4", "0.3", "0.2", "0.1009", "10", "5"), &[]),
            (draft("0.4", "0.3", "0.2", "0.2", "10", "5"), &["weights"]),
            (draft("0.4", "0.3", "0.2", "0.098", "10", "5"), &["weights"]),
            (draft("-0.1", "0.5", "0.5", "0.1", "10", "5"), &["weight_volume"]),
            (draft("abc", "", "1.5", "NaN", "10", "5"), &["weight_volume", "weight_satisfaction", "weight_reply", "weight_revisit"]),
            (draft("0.4", "0.3", "0.2", "0.1", "-1", "0"), &["prior_weight", "min_sample"]),
            (draft("0.4", "0.3", "0.2", "0.1", "2.5", "x"), &["prior_weight", "min_sample"]),
        ];
        for (d, want) in cases {
            let got: Vec<String> = match settings(&d) {
                Ok(_) => Vec::new(),
                Err(e) => e.into_iter().map(|f| f.field).collect(),
            };
            assert_eq!(got, want, "{d:?}");
        }
        let s = settings(&draft("40%", "0.3", "0.2", "0.1", "10", "5")).unwrap();
        assert!(close(s.weights.volume, 0.4));
        let e = settings(&draft("0.5", "0.3", "0.2", "0.1", "10", "5")).unwrap_err();
        assert_eq!(e[0].message, "四项权重之和须为 1（允许误差 ±0.001），当前为 1.1");
        assert_eq!(SettingsDraft::from_settings(&Settings::default()).weight_volume, "0.4");
    }

    #[test]
    fn months() {
        // (text, parsed first day)
        let cases: &[(&str, Option<&str>)] = &[
            ("2026-10", Some("2026-10-01")),
            ("2024-02", Some("2024-02-01")),
            ("2026-13", None),
            ("2026-00", None),
            ("2026-1", None),
            ("2026/10", None),
            ("abcd-ef", None),
            ("", None),
            ("0000-01", None),
            ("２０２６-10", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_month(s).map(|m| m.start.to_string()), want.map(String::from), "{s}");
        }
        let m = parse_month("2026-12").unwrap();
        assert_eq!(month_code(m), "2026-12");
        assert_eq!(m.end_exclusive.to_string(), "2027-01-01");
        assert!(has_ended(m, LocalDay::parse("2027-01-01").unwrap()));
        assert!(!has_ended(m, LocalDay::parse("2026-12-31").unwrap()));
    }

    #[test]
    fn feedback_validation() {
        let d = |n: &str, c: &str, m: &str| FeedbackDraft { name: n.into(), contact: c.into(), message: m.into() };
        // (draft, fields with errors)
        let long = "很".repeat(501);
        let cases: Vec<(FeedbackDraft, &[&str])> = vec![
            (d("", "", "排名很有参考价值"), &[]),
            (d("张女士", "138 1234 5678", "希望增加儿科"), &[]),
            (d("", "", "   "), &["message"]),
            (d("", "", "\0\u{7}"), &["message"]),
            (d("", "", &long), &["message"]),
            (d(&"名".repeat(31), &"1".repeat(65), "ok"), &["name", "contact"]),
        ];
        for (draft, want) in cases {
            let got: Vec<String> = match feedback(&draft) {
                Ok(_) => Vec::new(),
                Err(e) => e.into_iter().map(|f| f.field).collect(),
            };
            assert_eq!(got, want, "{draft:?}");
        }
        let f = feedback(&d(" 张女士 ", "138-1234-5678", "第一行\r\n第二行\0")).unwrap();
        assert_eq!(f.message, "第一行\n第二行");
        assert_eq!(f.name, "张女士");
        assert_eq!(f.contact.as_deref().map(mask_contact).as_deref(), Some("138****5678"));
        assert!(feedback(&d("", "", &"很".repeat(500))).is_ok());
    }

    #[test]
    fn masking() {
        let cases = [
            ("13812345678", "138****5678"),
            ("zhang@example.com", "z***@example.com"),
            ("wechat_id_99", "we***99"),
            ("abc", "a***"),
            ("", ""),
        ];
        for (c, want) in cases {
            assert_eq!(mask_contact(c), want, "{c}");
        }
        assert_eq!(mask_name("张女士"), "张**");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn method_text_shows_weights_and_prior() {
        let subjects = vec![subject("A", sums(5, 5, &[4, 5], &[], 0))];
        let b = board(Settings::default(), subjects);
        let text = method_text(&b, RankKind::Doctor).join("\n");
        for needle in ["问诊量 × 40%", "满意度 × 30%", "首次响应 × 20%", "复诊率 × 10%", "m = 10", "μ = 4.50", "不少于 5 例"]
        {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
    }

    #[test]
    fn hospital_codes() {
        for (c, ok) in [("demo", true), ("h-1_b", true), ("\0", false), ("a", false), ("abc/def", false), ("医院", false)] {
            assert_eq!(plausible_hospital_code(c), ok, "{c:?}");
        }
    }
}
