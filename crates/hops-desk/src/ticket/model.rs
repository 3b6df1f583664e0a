//! Tickets: channels, priorities, who asks, the status flow and what a new ticket must say.
//! Pure: no I/O, no `now()`.

use hops_kernel::{Instant, Phone, coded};
use hops_platform::FieldError;
use hops_platform::flow::Flow;

use crate::sla::clock::{Stop, StopReason, Timeline};

coded! {
    /// Where a ticket came from.
    pub Channel {
        Hotline = "hotline", "400热线";
        Chat = "chat", "在线客服";
        WechatGroup = "wechat_group", "微信群";
        Email = "email", "电子邮件";
        Assistant = "assistant", "医助请求";
        WalkIn = "walk_in", "现场";
        System = "system", "系统故障";
        Bot = "bot", "智能客服转人工";
    }
}

coded! {
    pub Priority {
        Urgent = "urgent", "紧急";
        High = "high", "高";
        Normal = "normal", "普通";
        Low = "low", "低";
    }
}

coded! {
    /// Who asks: a patient, a doctor (e.g. 呼叫患者上线) or a member of staff.
    pub RequesterKind {
        Patient = "patient", "患者";
        Doctor = "doctor", "医生";
        Staff = "staff", "工作人员";
    }
}

coded! {
    /// new → open → pending ⇄ open → resolved → closed; resolved and closed may be reopened.
    pub Status {
        New = "new", "新建";
        Open = "open", "处理中";
        Pending = "pending", "待客户回复";
        Resolved = "resolved", "已解决";
        Closed = "closed", "已关闭";
    }
}

coded! {
    /// What an agent does to a ticket's status.
    pub Action {
        Start = "start", "开始处理";
        Pend = "pend", "等待客户回复";
        Resume = "resume", "继续处理";
        Resolve = "resolve", "标记已解决";
        Close = "close", "关闭";
        Reopen = "reopen", "重新打开";
        /// Not offered: a ticket is created (its first history row).
        Create = "create", "新建工单";
        /// Not offered: closing a duplicate merged into another ticket.
        Merge = "merge", "合并到其他工单";
    }
}

/// The ticket's status flow: new → open → pending ⇄ open → resolved → closed; resolved and
/// closed may be reopened; a merged duplicate is closed from any state but closed.
pub const FLOW: Flow<Status, Action> = Flow {
    kind: "desk_ticket",
    noun: "工单",
    states: &Status::ALL,
    actions: &Action::ALL,
    table: &[
        (Status::New, Action::Start, Status::Open),
        (Status::New, Action::Pend, Status::Pending),
        (Status::Open, Action::Pend, Status::Pending),
        (Status::Pending, Action::Resume, Status::Open),
        (Status::New, Action::Resolve, Status::Resolved),
        (Status::Open, Action::Resolve, Status::Resolved),
        (Status::Pending, Action::Resolve, Status::Resolved),
        (Status::Resolved, Action::Close, Status::Closed),
        (Status::Resolved, Action::Reopen, Status::Open),
        (Status::Closed, Action::Reopen, Status::Open),
        (Status::New, Action::Merge, Status::Closed),
        (Status::Open, Action::Merge, Status::Closed),
        (Status::Pending, Action::Merge, Status::Closed),
        (Status::Resolved, Action::Merge, Status::Closed),
    ],
};

impl Status {
    /// Still somebody's work (not resolved or closed).
    pub fn is_active(self) -> bool {
        matches!(self, Status::New | Status::Open | Status::Pending)
    }

    /// What the ticket's status does to the resolution clock.
    pub fn stop_reason(self) -> Option<StopReason> {
        match self {
            Status::New | Status::Open => None,
            Status::Pending => Some(StopReason::Pending),
            Status::Resolved | Status::Closed => Some(StopReason::Resolved),
        }
    }
}

/// The status after an agent's `action`, or why it is not allowed (merging is not an agent's
/// status action: it has its own operation).
pub fn transition(from: Status, action: Action) -> Result<Status, String> {
    match action {
        Action::Merge => Err(format!("工单当前为“{}”，不能{}", from.label_zh(), action.label_zh())),
        _ => FLOW.next(from, action),
    }
}

/// The actions offered for a ticket in `status`.
pub fn actions(status: Status) -> Vec<Action> {
    FLOW.actions(status).into_iter().filter(|a| *a != Action::Merge).collect()
}

/// Ticket numbers shown to people: `GD` and the id, zero-padded.
pub fn number(id: i64) -> String {
    format!("GD{id:08}")
}

pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const NAME_MAX: usize = 50;

/// A new ticket as typed or sent.
#[derive(Clone, Debug, Default)]
pub struct TicketInput {
    pub channel: String,
    pub category: String,
    pub priority: String,
    pub subject: String,
    pub description: String,
    pub requester_kind: String,
    pub requester_name: String,
    pub requester_phone: String,
    pub tags: String,
}

/// A new ticket, checked.
#[derive(Clone, Debug)]
pub struct TicketDraft {
    pub channel: Channel,
    pub category: String,
    pub priority: Priority,
    pub subject: String,
    pub description: String,
    pub requester_kind: RequesterKind,
    pub requester_name: String,
    pub requester_phone: Option<Phone>,
    pub tags: Vec<String>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Tags: comma/space/`、` separated, trimmed, deduplicated, at most 10 of ≤ 20 characters.
pub fn parse_tags(s: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split([',', '，', '、', ' ', ';', '；']).map(str::trim).filter(|t| !t.is_empty()) {
        if chars(t) > 20 {
            return Err(format!("标签“{t}”超过 20 个字"));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.len() > 10 {
        return Err("标签最多 10 个".into());
    }
    Ok(out)
}

impl TicketInput {
    /// Every problem at once; `categories` are the hospital's active category codes.
    pub fn check(&self, categories: &[String]) -> Result<TicketDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut err = |f: &str, m: String| errs.push(FieldError::new(f, m));
        let channel = Channel::parse(&self.channel);
        if channel.is_none() {
            err("channel", format!("请选择来源渠道（{}）", Channel::ALL.iter().map(|c| c.label_zh()).collect::<Vec<_>>().join("、")));
        }
        let category = self.category.trim().to_string();
        if category.is_empty() {
            err("category", "请选择工单分类".into());
        } else if !categories.contains(&category) {
            err("category", format!("没有分类“{category}”或该分类已停用"));
        }
        let priority = if self.priority.trim().is_empty() { Some(Priority::Normal) } else { Priority::parse(&self.priority) };
        if priority.is_none() {
            err("priority", "优先级应为 紧急、高、普通 或 低".into());
        }
        let subject = self.subject.trim().to_string();
        if subject.is_empty() {
            err("subject", "请填写主题".into());
        } else if chars(&subject) > SUBJECT_MAX {
            err("subject", format!("主题不能超过 {SUBJECT_MAX} 个字"));
        }
        let description = self.description.trim().to_string();
        if chars(&description) > BODY_MAX {
            err("description", format!("描述不能超过 {BODY_MAX} 个字"));
        }
        let requester_kind =
            if self.requester_kind.trim().is_empty() { Some(RequesterKind::Patient) } else { RequesterKind::parse(&self.requester_kind) };
        if requester_kind.is_none() {
            err("requester_kind", "请求人类型应为 患者、医生 或 工作人员".into());
        }
        let requester_name = self.requester_name.trim().to_string();
        if chars(&requester_name) > NAME_MAX {
            err("requester_name", format!("请求人姓名不能超过 {NAME_MAX} 个字"));
        }
        let requester_phone = match self.requester_phone.trim() {
            "" => None,
            p => match Phone::parse(p) {
                Ok(p) => Some(p),
                Err(e) => {
                    err("requester_phone", e.to_string());
                    None
                }
            },
        };
        let tags = parse_tags(&self.tags).unwrap_or_else(|m| {
            err("tags", m);
            Vec::new()
        });
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(TicketDraft {
            channel: channel.unwrap_or(Channel::Chat),
            category,
            priority: priority.unwrap_or(Priority::Normal),
            subject,
            description,
            requester_kind: requester_kind.unwrap_or(RequesterKind::Patient),
            requester_name,
            requester_phone,
            tags,
        })
    }
}

/// A public reply or an internal note.
pub fn check_body(body: &str) -> Result<String, FieldError> {
    let b = body.trim();
    if b.is_empty() {
        return Err(FieldError::new("body", "内容不能为空"));
    }
    if chars(b) > BODY_MAX {
        return Err(FieldError::new("body", format!("内容不能超过 {BODY_MAX} 个字")));
    }
    Ok(b.to_string())
}

/// The resolution clock's stops from the ticket's status changes, in time order: pending pauses
/// it, resolved/closed stops it, going back to new/open runs it again.
pub fn timeline(created_at: Instant, first_response_at: Option<Instant>, changes: &[(Instant, Status)]) -> Timeline {
    let mut stops: Vec<Stop> = Vec::new();
    for &(at, status) in changes {
        let current = stops.last().filter(|s| s.to.is_none()).map(|s| s.reason);
        let wanted = status.stop_reason();
        if current == wanted {
            continue;
        }
        if let Some(open) = stops.last_mut().filter(|s| s.to.is_none()) {
            open.to = Some(at);
        }
        if let Some(reason) = wanted {
            stops.push(Stop { from: at, to: None, reason });
        }
    }
    Timeline { created_at, first_response_at, stops }
}

/// Attachments: what may be uploaded and how big.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The content type of an allowed attachment, judged by its first bytes and its name (never by
/// what the browser claims).
pub fn attachment_type(file_name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err("文件为空".into());
    }
    if bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err(format!("文件超过 {} MB", ATTACHMENT_MAX_BYTES / 1024 / 1024));
    }
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let t = match ext.as_str() {
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => "image/png",
        "jpg" | "jpeg" if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => "image/jpeg",
        "pdf" if bytes.starts_with(b"%PDF-") => "application/pdf",
        "xlsx" | "docx" if bytes.starts_with(b"PK\x03\x04") => {
            if ext == "xlsx" {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            } else {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
        "txt" | "csv" if std::str::from_utf8(bytes).is_ok() => "text/plain; charset=utf-8",
        "png" | "jpg" | "jpeg" | "pdf" | "xlsx" | "docx" | "txt" | "csv" => return Err(format!("文件内容与扩展名 .{ext} 不符")),
        _ => return Err("只能上传 PNG、JPG、PDF、XLSX、DOCX、TXT、CSV 文件".into()),
    };
    Ok(t)
}

/// File names as stored and offered for download: no path, no control characters, ≤ 100 chars.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let s: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':')).take(100).collect();
    if s.is_empty() { "附件".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_flow_table() {
        use Action as A;
        use Status as S;
        let cases = [
            (S::New, A::Start, Some(S::Open)),
            (S::New, A::Pend, Some(S::Pending)),
            (S::New, A::Resolve, Some(S::Resolved)),
            (S::New, A::Close, None),
            (S::New, A::Reopen, None),
            (S::Open, A::Start, None),
            (S::Open, A::Pend, Some(S::Pending)),
            (S::Open, A::Resolve, Some(S::Resolved)),
            (S::Pending, A::Resume, Some(S::Open)),
            (S::Pending, A::Pend, None),
            (S::Pending, A::Resolve, Some(S::Resolved)),
            (S::Resolved, A::Close, Some(S::Closed)),
            (S::Resolved, A::Reopen, Some(S::Open)),
            (S::Resolved, A::Resolve, None),
            (S::Closed, A::Reopen, Some(S::Open)),
            (S::Closed, A::Resolve, None),
        ];
        for (from, action, want) in cases {
            assert_eq!(transition(from, action).ok(), want, "{from:?} {action:?}");
        }
        assert_eq!(actions(Status::Resolved), vec![Action::Close, Action::Reopen]);
        assert!(transition(Status::Closed, Action::Close).unwrap_err().contains("已关闭"));
    }

    #[test]
    fn every_refusal_is_named_and_actions_are_exactly_the_allowed_ones() {
        use Action as A;
        use Status as S;
        let offered: &[(Status, &[Action])] = &[
            (S::New, &[A::Start, A::Pend, A::Resolve, A::Merge]),
            (S::Open, &[A::Pend, A::Resolve, A::Merge]),
            (S::Pending, &[A::Resume, A::Resolve, A::Merge]),
            (S::Resolved, &[A::Close, A::Reopen, A::Merge]),
            (S::Closed, &[A::Reopen]),
        ];
        assert_eq!(FLOW.offers_exactly(offered), Ok(()));
        // Agents are offered all but merging (an operation of its own), refused in the same words.
        for (from, want) in offered {
            assert_eq!(actions(*from), want.iter().copied().filter(|a| *a != A::Merge).collect::<Vec<_>>());
        }
        assert_eq!(transition(S::Open, A::Merge), Err("工单当前为“处理中”，不能合并到其他工单".to_string()));
    }

    #[test]
    fn codes_and_labels_parse() {
        assert_eq!(Channel::parse("400热线"), Some(Channel::Hotline));
        assert_eq!(Channel::parse(" HOTLINE "), Some(Channel::Hotline));
        assert_eq!(Priority::parse("紧急"), Some(Priority::Urgent));
        assert_eq!(Status::parse("待客户回复"), Some(Status::Pending));
        assert_eq!(Channel::parse("fax"), None);
        assert_eq!(number(42), "GD00000042");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let input = TicketInput {
            channel: "fax".into(),
            category: "nope".into(),
            priority: "max".into(),
            subject: " ".into(),
            requester_kind: "robot".into(),
            requester_phone: "123".into(),
            tags: (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>().join(","),
            ..Default::default()
        };
        let errs = input.check(&["consult".to_string()]).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["channel", "category", "priority", "subject", "requester_kind", "requester_phone", "tags"]);
        let ok = TicketInput {
            channel: "chat".into(),
            category: "consult".into(),
            subject: " 无法登录 ".into(),
            requester_phone: "13800138000".into(),
            tags: "登录, 登录、App".into(),
            ..Default::default()
        }
        .check(&["consult".to_string()])
        .unwrap();
        assert_eq!(ok.subject, "无法登录");
        assert_eq!(ok.priority, Priority::Normal);
        assert_eq!(ok.tags, ["登录", "App"]);
    }

    #[test]
    fn timeline_from_status_changes() {
        let t = |m: i64| Instant(m * 60_000_000);
        let changes = [
            (t(10), Status::Open),
            (t(20), Status::Pending),
            (t(30), Status::Open),
            (t(40), Status::Resolved),
            (t(45), Status::Closed),
            (t(50), Status::Open),
            (t(60), Status::Resolved),
        ];
        let tl = timeline(t(0), Some(t(5)), &changes);
        let stops: Vec<(Instant, Option<Instant>, StopReason)> = tl.stops.iter().map(|s| (s.from, s.to, s.reason)).collect();
        assert_eq!(
            stops,
            [(t(20), Some(t(30)), StopReason::Pending), (t(40), Some(t(50)), StopReason::Resolved), (t(60), None, StopReason::Resolved)]
        );
    }

    #[test]
    fn attachments_are_judged_by_content() {
        assert_eq!(attachment_type("a.png", b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert!(attachment_type("a.png", b"GIF89a").unwrap_err().contains("不符"));
        assert!(attachment_type("a.exe", b"MZ").unwrap_err().contains("只能上传"));
        assert!(attachment_type("a.pdf", b"").unwrap_err().contains("为空"));
        assert!(attachment_type("a.txt", &vec![b'a'; ATTACHMENT_MAX_BYTES + 1]).unwrap_err().contains("MB"));
        assert_eq!(clean_file_name("C:\\x\\..\\报告<1>.pdf"), "报告1.pdf");
        assert_eq!(clean_file_name("/"), "附件");
    }
}
