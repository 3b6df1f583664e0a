//! Complaint cases as pure rules: where a complaint came from, its status flow 登记 → 调查中 →
//! 整改中 → 已回复 → 已结案 and what each step needs, the default root-cause categories (the
//! seeds' 差评原因, aligned with the bad-review reason families of the analytics module's review analysis),
//! and the monthly trend of causes in China time.

use std::collections::BTreeMap;

use hops_kernel::{Instant, LocalDay, Period, PeriodRange, Phone};
use hops_platform::FieldError;
use hops_platform::flow::Flow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Registered,
    Investigating,
    Rectifying,
    Replied,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Registered, Status::Investigating, Status::Rectifying, Status::Replied, Status::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Investigating => "investigating",
            Status::Rectifying => "rectifying",
            Status::Replied => "replied",
            Status::Closed => "closed",
        }
    }

    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Registered => "已登记",
            Status::Investigating => "调查中",
            Status::Rectifying => "整改中",
            Status::Replied => "已回复",
            Status::Closed => "已结案",
        }
    }
}

hops_platform::coded_by_methods!(Status);

hops_kernel::coded! {
    /// What is done to a complaint: each step of its flow (and its registration).
    pub Action {
        /// Not a step: the complaint is registered (its first history row).
        Register = "register", "登记投诉";
        Investigate = "investigate", "开始调查";
        Rectify = "rectify", "登记调查结果与整改措施";
        Reply = "reply", "回复患者";
        Review = "review", "复核结案";
        ReviewReject = "review_reject", "复核退回整改";
    }
}

/// The complaint's flow: 已登记 → 调查中 → 整改中 → 已回复 → 已结案, and a review that is not
/// approved sends it back to 整改中.
pub const FLOW: Flow<Status, Action> = Flow {
    kind: "desk_complaint",
    noun: "投诉",
    states: &Status::ALL,
    actions: &Action::ALL,
    table: &[
        (Status::Registered, Action::Investigate, Status::Investigating),
        (Status::Investigating, Action::Rectify, Status::Rectifying),
        (Status::Rectifying, Action::Reply, Status::Replied),
        (Status::Replied, Action::Review, Status::Closed),
        (Status::Replied, Action::ReviewReject, Status::Rectifying),
    ],
};

/// Where a complaint came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Direct,
    Ticket,
    Review,
    Followup,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Direct, Source::Ticket, Source::Review, Source::Followup];

    pub fn code(self) -> &'static str {
        match self {
            Source::Direct => "direct",
            Source::Ticket => "ticket",
            Source::Review => "review",
            Source::Followup => "followup",
        }
    }

    pub fn from_code(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Source::Direct => "直接登记",
            Source::Ticket => "来自工单",
            Source::Review => "来自差评",
            Source::Followup => "来自回访",
        }
    }
}

/// What the investigation found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Founded,
    Partly,
    Unfounded,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Founded, Verdict::Partly, Verdict::Unfounded];

    pub fn code(self) -> &'static str {
        match self {
            Verdict::Founded => "founded",
            Verdict::Partly => "partly",
            Verdict::Unfounded => "unfounded",
        }
    }

    pub fn from_code(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Founded => "属实",
            Verdict::Partly => "部分属实",
            Verdict::Unfounded => "不属实",
        }
    }
}

/// How the patient was answered.
pub const REPLY_CHANNELS: &[(&str, &str)] =
    &[("phone", "电话"), ("sms", "短信"), ("wechat", "微信"), ("letter", "书面"), ("onsite", "当面")];

pub fn reply_channel_label(code: &str) -> &str {
    REPLY_CHANNELS.iter().find(|(c, _)| *c == code).map_or(code, |(_, l)| l)
}

/// A root-cause category.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub code: String,
    pub name: String,
    /// The bad-review reason family (`hops_analytics::activity::reviews::REASONS`, given to the desk as
    /// `hops_contracts::activity::Consultation::review_reasons`) it stands for.
    pub review_reason: String,
    pub active: bool,
}

/// The categories a hospital starts with: the bad-review reason families first, then causes
/// that only complaints show.
pub const DEFAULT_CAUSES: &[(&str, &str, &str)] = &[
    ("reply_slow", "回复不及时", "回复慢"),
    ("attitude", "服务态度", "态度"),
    ("explain", "医生解释不清", "解释不清"),
    ("waiting", "等待时间长", "等待"),
    ("delivery", "药品物流配送", "配送"),
    ("refund", "退款问题", "退款"),
    ("price", "价格费用", "价格"),
    ("system", "系统问题", "系统"),
    ("skill", "医生诊疗水平", ""),
    ("process", "流程不畅", ""),
    ("other", "其他", ""),
];

pub fn default_causes() -> Vec<Cause> {
    DEFAULT_CAUSES
        .iter()
        .map(|(code, name, reason)| Cause {
            code: code.to_string(),
            name: name.to_string(),
            review_reason: reason.to_string(),
            active: true,
        })
        .collect()
}

/// One row of the console's category form: the code (kept for saved categories, empty for a
/// new row), the name, the bad-review reason family it stands for, and whether it is in use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CauseRow {
    pub code: String,
    pub name: String,
    pub review_reason: String,
    pub active: bool,
}

/// Reads the form's rows into categories: blank new rows are left out, a new row gets the next
/// free code (`custom_1`, …: codes are the system's, people name categories). Problems are given
/// per row (field `cause_<row>`, rows counted from 0).
pub fn causes_from_rows(rows: &[CauseRow]) -> Result<Vec<Cause>, Vec<FieldError>> {
    let mut out: Vec<Cause> = Vec::new();
    let mut errors = Vec::new();
    let mut next = 1;
    for (i, r) in rows.iter().enumerate() {
        let name = r.name.trim();
        if r.code.trim().is_empty() && name.is_empty() {
            continue;
        }
        let code = match r.code.trim() {
            "" => loop {
                let c = format!("custom_{next}");
                next += 1;
                if !rows.iter().any(|r| r.code.trim() == c) {
                    break c;
                }
            },
            c => c.to_string(),
        };
        let cause = Cause { code, name: name.to_string(), review_reason: r.review_reason.trim().to_string(), active: r.active };
        errors.extend(check_cause(&cause, &out).into_iter().map(|m| FieldError::new(format!("cause_{i}"), m)));
        out.push(cause);
    }
    if !out.iter().any(|c| c.active) {
        errors.push(FieldError::new("causes", "至少要有 1 个启用的原因分类"));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Problems of one category, given those before it.
pub fn check_cause(c: &Cause, before: &[Cause]) -> Vec<String> {
    let mut out = Vec::new();
    if c.code.is_empty() || c.code.len() > 32 || !c.code.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-') {
        out.push("编码应为 1–32 位字母、数字、- 或 _".to_string());
    } else if before.iter().any(|b| b.code == c.code) {
        out.push(format!("编码「{}」重复", c.code));
    }
    let n = c.name.chars().count();
    if n == 0 || n > 20 {
        out.push("名称应为 1–20 个字".to_string());
    } else if before.iter().any(|b| b.name == c.name) {
        out.push(format!("名称「{}」重复", c.name));
    }
    if c.review_reason.chars().count() > 20 {
        out.push("对应的差评原因不能超过 20 个字".to_string());
    }
    out
}

/// A complaint as registered.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub complainant: String,
    /// Optional mobile number.
    pub phone: String,
    pub subject: String,
    pub description: String,
    pub department_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub cause_code: String,
    /// When the complaint was received, if earlier than its registration (a letter, a call
    /// noted on paper): `2026-03-01 14:30`; empty for now.
    pub received_at: String,
}

/// How far back a complaint may be registered as received.
pub const MAX_BACKDATE_DAYS: i64 = 366;

/// When a complaint was received: `now` when not given; never in the future, at most
/// [`MAX_BACKDATE_DAYS`] before `now`.
pub fn check_received(text: &str, now: Instant) -> Result<Instant, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(now);
    }
    let at = Instant::parse(t).map_err(|_| FieldError::new("received_at", "收到时间格式应为 YYYY-MM-DD HH:MM"))?;
    if at > now {
        Err(FieldError::new("received_at", "收到时间不能晚于现在"))
    } else if now.seconds_since(at) > MAX_BACKDATE_DAYS * 86_400 {
        Err(FieldError::new("received_at", format!("收到时间不能早于 {MAX_BACKDATE_DAYS} 天前")))
    } else {
        Ok(at)
    }
}

/// Checks the text fields of a registration; the phone parsed when given.
pub fn check_draft(d: &Draft) -> Result<Option<Phone>, Vec<FieldError>> {
    let mut out = Vec::new();
    let n = d.complainant.trim().chars().count();
    if n == 0 || n > 30 {
        out.push(FieldError::new("complainant", "请填写投诉人（不超过 30 个字）"));
    }
    let phone = match d.phone.trim() {
        "" => None,
        p => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(_) => {
                out.push(FieldError::new("phone", "请填写正确的 11 位手机号，或留空"));
                None
            }
        },
    };
    let n = d.subject.trim().chars().count();
    if n == 0 || n > 60 {
        out.push(FieldError::new("subject", "请填写投诉事由（不超过 60 个字）"));
    }
    let n = d.description.trim().chars().count();
    if n == 0 || n > 2000 {
        out.push(FieldError::new("description", "请填写投诉内容（不超过 2000 个字）"));
    }
    if out.is_empty() { Ok(phone) } else { Err(out) }
}

/// Checks a required text of a step (1–2000 characters).
pub fn check_text(out: &mut Vec<FieldError>, field: &str, label: &str, text: &str) {
    let n = text.trim().chars().count();
    if n == 0 {
        out.push(FieldError::new(field, format!("请填写{label}")));
    } else if n > 2000 {
        out.push(FieldError::new(field, format!("{label}不能超过 2000 个字")));
    }
}

/// The status a step needs, and the one it leads to (a review that approves), from [`FLOW`].
pub fn step_statuses(step: &str) -> Option<(Status, Status)> {
    let action = Action::parse(step).filter(|a| !matches!(a, Action::Register | Action::ReviewReject))?;
    FLOW.table.iter().find(|(_, a, _)| *a == action).map(|(from, _, to)| (*from, *to))
}

/// The number of a complaint: `TS` + the day received + a 3-digit sequence of that day.
pub fn number(day: LocalDay, seq: i64) -> String {
    format!("TS{}{seq:03}", day.to_string().replace('-', ""))
}

/// The months `[from, to]` (any days within them), as their ranges.
pub fn months(from: LocalDay, to: LocalDay) -> Vec<PeriodRange> {
    let mut out = Vec::new();
    let mut m = PeriodRange::containing(Period::Month, from);
    while m.start <= to {
        out.push(m);
        m = m.next();
    }
    out
}

/// `2026-03`.
pub fn month_label(m: &PeriodRange) -> String {
    m.start.to_string()[..7].to_string()
}

/// Complaints per cause and month: rows in `causes` order (then 未归类 when any complaint has
/// no cause), a count per month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trend {
    pub months: Vec<String>,
    pub rows: Vec<(String, Vec<i64>)>,
    pub totals: Vec<i64>,
}

pub const UNCLASSIFIED: &str = "未归类";

/// Counts complaints (received day, cause code) per month of `months` and per cause.
pub fn trend(months: &[PeriodRange], causes: &[Cause], complaints: &[(LocalDay, Option<String>)]) -> Trend {
    let mut counts: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    let other = causes.len();
    for (day, cause) in complaints {
        let Some(m) = months.iter().position(|m| m.contains(*day)) else { continue };
        let row = cause.as_ref().and_then(|c| causes.iter().position(|x| &x.code == c)).unwrap_or(other);
        *counts.entry((row, m)).or_default() += 1;
    }
    let row_of = |r: usize| (0..months.len()).map(|m| counts.get(&(r, m)).copied().unwrap_or(0)).collect::<Vec<_>>();
    let mut rows: Vec<(String, Vec<i64>)> = causes
        .iter()
        .enumerate()
        .filter(|(i, c)| c.active || row_of(*i).iter().any(|v| *v > 0))
        .map(|(i, c)| (c.name.clone(), row_of(i)))
        .collect();
    if row_of(other).iter().any(|v| *v > 0) {
        rows.push((UNCLASSIFIED.to_string(), row_of(other)));
    }
    let totals = (0..months.len()).map(|m| rows.iter().map(|r| r.1[m]).sum()).collect();
    Trend { months: months.iter().map(month_label).collect(), rows, totals }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_from_form_rows() {
        let row = |code: &str, name: &str, reason: &str, active: bool| CauseRow {
            code: code.into(),
            name: name.into(),
            review_reason: reason.into(),
            active,
        };
        let d = default_causes();
        let rows: Vec<CauseRow> = d.iter().map(|c| row(&c.code, &c.name, &c.review_reason, c.active)).collect();
        assert_eq!(causes_from_rows(&rows).unwrap(), d, "saved as shown");
        // Blank rows are left out; new rows get codes of their own; a stopped one stays, stopped.
        let got = causes_from_rows(&[
            row("old", "旧分类", "", false),
            row("", "新分类", "态度", true),
            row("", " ", "", true),
            row("custom_1", "甲", "", true),
        ])
        .unwrap();
        let codes: Vec<(&str, bool)> = got.iter().map(|c| (c.code.as_str(), c.active)).collect();
        assert_eq!(codes, [("old", false), ("custom_2", true), ("custom_1", true)]);
        let errors = |rows: &[CauseRow]| causes_from_rows(rows).unwrap_err().into_iter().map(|e| (e.field, e.message)).collect::<Vec<_>>();
        assert_eq!(errors(&[row("a", "甲", "", true), row("", "甲", "", true)]), [("cause_1".to_string(), "名称「甲」重复".to_string())]);
        assert_eq!(errors(&[row("a", "", "", true)]), [("cause_0".to_string(), "名称应为 1–20 个字".to_string())]);
        assert_eq!(errors(&[row("a b", "甲", "", true)]), [("cause_0".to_string(), "编码应为 1–32 位字母、数字、- 或 _".to_string())]);
        assert_eq!(errors(&[row("a", "甲", "", false)]), [("causes".to_string(), "至少要有 1 个启用的原因分类".to_string())]);
    }

    #[test]
    fn drafts_table() {
        let ok = Draft {
            complainant: "张女士".into(),
            phone: "138 1234 5678".into(),
            subject: "医生回复太慢".into(),
            description: "等了两个小时没有回复".into(),
            ..Default::default()
        };
        assert_eq!(check_draft(&ok).unwrap().unwrap().masked(), "138****5678");
        assert_eq!(check_draft(&Draft { phone: String::new(), ..ok.clone() }).unwrap(), None);
        let bad = Draft { complainant: " ".into(), phone: "123".into(), subject: String::new(), description: String::new(), ..ok };
        let fields: Vec<String> = check_draft(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["complainant", "phone", "subject", "description"]);
    }

    #[test]
    fn received_times() {
        let now = Instant::parse("2026-03-10 10:00").unwrap();
        assert_eq!(check_received("", now), Ok(now));
        assert_eq!(check_received("2026-03-01 08:00", now), Ok(Instant::parse("2026-03-01 08:00").unwrap()));
        for bad in ["2026-03-10 10:01", "2025-03-01", "昨天"] {
            assert_eq!(check_received(bad, now).unwrap_err().field, "received_at", "{bad}");
        }
    }

    #[test]
    fn flow_table_refuses_with_its_message_and_offers_exactly_the_allowed() {
        let offered: &[(Status, &[Action])] = &[
            (Status::Registered, &[Action::Investigate]),
            (Status::Investigating, &[Action::Rectify]),
            (Status::Rectifying, &[Action::Reply]),
            (Status::Replied, &[Action::Review, Action::ReviewReject]),
            (Status::Closed, &[]),
        ];
        assert_eq!(FLOW.offers_exactly(offered), Ok(()));
        assert_eq!(FLOW.next(Status::Replied, Action::ReviewReject), Ok(Status::Rectifying));
        assert_eq!(step_statuses("register"), None);
        assert_eq!(step_statuses("nope"), None);
    }

    #[test]
    fn steps_and_numbers() {
        assert_eq!(step_statuses("investigate"), Some((Status::Registered, Status::Investigating)));
        assert_eq!(step_statuses("review"), Some((Status::Replied, Status::Closed)));
        assert_eq!(step_statuses("close"), None);
        assert_eq!(number(LocalDay::parse("2026-03-01").unwrap(), 7), "TS20260301007");
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        for s in Source::ALL {
            assert_eq!(Source::from_code(s.code()), Some(s));
        }
        for v in Verdict::ALL {
            assert_eq!(Verdict::from_code(v.code()), Some(v));
        }
    }

    #[test]
    fn monthly_trend_across_a_boundary() {
        let d = |s: &str| LocalDay::parse(s).unwrap();
        let ms = months(d("2026-01-31"), d("2026-03-01"));
        assert_eq!(ms.iter().map(month_label).collect::<Vec<_>>(), ["2026-01", "2026-02", "2026-03"]);
        let mut causes = default_causes();
        causes.truncate(2);
        causes.push(Cause { code: "old".into(), name: "旧分类".into(), review_reason: String::new(), active: false });
        let c = |day: &str, cause: Option<&str>| (d(day), cause.map(str::to_string));
        let rows = [
            c("2026-01-31", Some("reply_slow")),
            c("2026-02-01", Some("reply_slow")),
            c("2026-02-28", Some("attitude")),
            c("2026-03-01", None),
            c("2025-12-31", Some("attitude")),
        ];
        let t = trend(&ms, &causes, &rows);
        assert_eq!(
            t.rows,
            vec![
                ("回复不及时".to_string(), vec![1, 1, 0]),
                ("服务态度".to_string(), vec![0, 1, 0]),
                (UNCLASSIFIED.to_string(), vec![0, 0, 1])
            ]
        );
        assert_eq!(t.totals, [1, 2, 1]);
    }
}
