//! Notifications, the pure part: topics and their variables, channels, delivery states,
//! templates with `${variable}` placeholders (checked when saved, rendered when queued), quiet
//! hours in Shanghai time, and the addresses messages go to (normalised and masked). No I/O.

use std::collections::BTreeMap;

use hops_kernel::{Instant, Phone, UserId};

use crate::error::FieldError;

hops_kernel::coded! {
    /// How a message reaches its recipient.
    #[derive(PartialOrd, Ord)]
    pub Channel {
        Sms = "sms", "短信";
        Wechat = "wechat", "微信消息";
        Email = "email", "电子邮件";
        InApp = "in_app", "站内消息";
    }
}

impl Channel {
    /// What the template's first line is called on this channel (none for SMS and WeChat).
    pub fn subject_label(self) -> Option<&'static str> {
        match self {
            Channel::Email => Some("邮件主题"),
            Channel::InApp => Some("标题"),
            Channel::Sms | Channel::Wechat => None,
        }
    }
}

hops_kernel::coded! {
    /// Where a delivery stands.
    pub Status {
        /// Waiting for its job (or for a retry after a failed attempt).
        Queued = "queued", "待发送";
        /// Due inside the hospital's quiet hours: waits until they end.
        Deferred = "deferred", "免打扰延后";
        Sent = "sent", "已发送";
        /// Refused by the provider for good, or still failing after the last retry.
        Failed = "failed", "发送失败";
        /// Not sent: the recipient opted out of the topic.
        Skipped = "skipped", "已退订未发";
    }
}

impl Status {
    /// The badge class of the console's design system.
    pub fn badge(self) -> &'static str {
        match self {
            Status::Queued => "badge-info",
            Status::Deferred => "badge-warn",
            Status::Sent => "badge-ok",
            Status::Failed => "badge-bad",
            Status::Skipped => "badge-muted",
        }
    }

    /// Whether a send job may still act on a delivery in this state (a dead job requeued by a
    /// person retries a failed delivery; a sent or skipped one is never sent again).
    pub fn open(self) -> bool {
        matches!(self, Status::Queued | Status::Deferred | Status::Failed)
    }
}

/// A variable a topic's templates may use.
#[derive(Debug)]
pub struct Var {
    pub name: &'static str,
    pub label: &'static str,
}

/// The default text of a topic on one channel (see [`Template`] for what the parts mean).
#[derive(Debug)]
pub struct Text {
    pub channel: Channel,
    pub subject: &'static str,
    pub body: &'static str,
}

/// What a message is about (团检预约提醒, 工单超时升级 …): declared in code by the module that
/// sends it, with its variables, its default text per channel, and whether it may wait for
/// the end of quiet hours and whether recipients may opt out of it.
#[derive(Debug)]
pub struct Topic {
    /// `checkup.group_reminder`.
    pub code: &'static str,
    pub label: &'static str,
    /// Names the provider templates in the configuration: `HOPS_SMS_TEMPLATE_{key}`,
    /// `HOPS_WECHAT_TEMPLATE_{key}` (e.g. `GROUP_REMINDER`).
    pub key: &'static str,
    pub vars: &'static [Var],
    /// Urgent messages go out at once, quiet hours or not.
    pub urgent: bool,
    /// Whether recipients may opt out (verification codes: no).
    pub opt_out: bool,
    /// The channels it may go through, each with its default text.
    pub texts: &'static [Text],
}

impl Topic {
    pub fn channels(&self) -> impl Iterator<Item = Channel> + '_ {
        self.texts.iter().map(|t| t.channel)
    }

    pub fn default_text(&self, channel: Channel) -> Option<&'static Text> {
        self.texts.iter().find(|t| t.channel == channel)
    }

    pub fn has_var(&self, name: &str) -> bool {
        self.vars.iter().any(|v| v.name == name)
    }

    /// The default template of a channel (enabled, no provider template of its own).
    pub fn default_template(&self, channel: Channel) -> Option<Template> {
        self.default_text(channel).map(|t| Template {
            subject: t.subject.into(),
            body: t.body.into(),
            provider_template: String::new(),
            enabled: true,
            custom: false,
        })
    }
}

/// A topic's text on one channel, the hospital's own or the default:
/// - SMS: `body` is the text of the provider's approved template — its variables are sent by
///   name to Alibaba Cloud and in order of first appearance to Tencent Cloud;
/// - WeChat: `body` has one line per data field of the subscribe/template message,
///   `thing1=${employer}`, and optionally `page=…` (the mini-program page opened);
/// - e-mail: `subject` and `body`; in-app: `subject` is the title.
///
/// `provider_template` names the provider's template (Alibaba `SMS_…`, Tencent's id, WeChat's
/// template id) when the hospital has its own; empty means the server's configured one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub subject: String,
    pub body: String,
    pub provider_template: String,
    pub enabled: bool,
    /// The hospital's own text rather than the default.
    pub custom: bool,
}

/// The names in a text's `${…}` placeholders, in order of first appearance; an error names a
/// `${` without its `}` or a placeholder that is not a variable name.
pub fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else { return Err("「${」缺少配对的「}」".into()) };
        let name = &after[..end];
        let ok = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            return Err(format!("「${{{name}}}」不是有效的变量写法（变量名为小写字母、数字和下划线）"));
        }
        if !names.contains(&name) {
            names.push(name);
        }
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Replaces every `${name}` by its value (unknown names by nothing: texts are checked first).
pub fn render(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..at]);
        out.push_str(vars.get(&after[..end]).map_or("", String::as_str));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn check_vars(topic: &Topic, field: &str, text: &str, errors: &mut Vec<FieldError>) {
    match placeholders(text) {
        Err(e) => errors.push(FieldError::new(field, e)),
        Ok(names) => {
            let unknown: Vec<String> = names.iter().filter(|n| !topic.has_var(n)).map(|n| format!("${{{n}}}")).collect();
            if !unknown.is_empty() {
                let known: Vec<String> = topic.vars.iter().map(|v| format!("${{{}}}（{}）", v.name, v.label)).collect();
                errors.push(FieldError::new(
                    field,
                    format!("未知变量 {}；「{}」可用的变量：{}", unknown.join("、"), topic.label, known.join("、")),
                ));
            }
        }
    }
}

fn check_length(field: &str, label: &str, text: &str, max: usize, errors: &mut Vec<FieldError>) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    } else if text.chars().count() > max {
        errors.push(FieldError::new(field, format!("{label}最多 {max} 个字")));
    }
}

/// `(key, text)` pairs: WeChat data fields, SMS parameters.
pub type Pairs = Vec<(String, String)>;

/// The data fields of a WeChat template body: `key=text` per line, plus an optional
/// `page=…`. Keys are the template's (`thing1`, `time2`, `keyword1` …).
pub fn wechat_fields(body: &str) -> Result<(Pairs, Option<String>), String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut page = None;
    for (n, line) in body.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let Some((key, text)) = line.split_once('=') else {
            return Err(format!("第 {n} 行应写成「字段名=内容」，如 thing1=${{name}}"));
        };
        let key = key.trim();
        if !(1..=32).contains(&key.len()) || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("第 {n} 行的字段名「{key}」无效（应为模板中的字段名，如 thing1）"));
        }
        if key == "page" {
            page = Some(text.trim().to_string());
        } else if fields.iter().any(|(k, _)| k == key) {
            return Err(format!("字段 {key} 写了两次"));
        } else {
            fields.push((key.to_string(), text.trim().to_string()));
        }
    }
    if fields.is_empty() {
        return Err("请至少填写一个字段，如 thing1=${name}".into());
    }
    Ok((fields, page))
}

/// Checks a template before it is saved: every problem at once, every unknown variable named
/// with the variables the topic has.
pub fn check_template(topic: &Topic, channel: Channel, t: &Template) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if topic.default_text(channel).is_none() {
        errors.push(FieldError::new("channel", format!("「{}」不通过{}发送", topic.label, channel.label_zh())));
        return Err(errors);
    }
    if let Some(label) = channel.subject_label() {
        check_length("subject", label, &t.subject, if channel == Channel::Email { 200 } else { 100 }, &mut errors);
        check_vars(topic, "subject", &t.subject, &mut errors);
    }
    let max = match channel {
        Channel::Sms => 500,
        Channel::Wechat => 2_000,
        Channel::Email => 10_000,
        Channel::InApp => 1_000,
    };
    check_length("body", "内容", &t.body, max, &mut errors);
    check_vars(topic, "body", &t.body, &mut errors);
    if channel == Channel::Wechat
        && !t.body.trim().is_empty()
        && let Err(e) = wechat_fields(&t.body)
    {
        errors.push(FieldError::new("body", e));
    }
    let code = t.provider_template.trim();
    if code.chars().count() > 64 || code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(FieldError::new("provider_template", "服务商模板编号最多 64 个字符，不能含空格"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A message rendered for one channel: what is sent (and kept encrypted with the delivery).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Content {
    /// E-mail subject or in-app title.
    pub subject: String,
    /// The text (SMS: as the approved template reads; e-mail and in-app: the message).
    pub body: String,
    /// SMS: the variables the text uses, in order of first appearance.
    pub params: Vec<(String, String)>,
    /// WeChat: the data fields, rendered.
    pub fields: Vec<(String, String)>,
    /// WeChat: the mini-program page; in-app: the console link.
    pub link: String,
    /// The hospital's own provider template, if any.
    pub provider_template: String,
}

/// Renders `t` with `vars` for `channel`.
pub fn render_content(channel: Channel, t: &Template, vars: &BTreeMap<String, String>, link: &str) -> Content {
    let value = |name: &str| vars.get(name).cloned().unwrap_or_default();
    let mut c = Content { provider_template: t.provider_template.trim().to_string(), link: link.to_string(), ..Content::default() };
    match channel {
        Channel::Sms => {
            c.body = render(&t.body, vars);
            c.params = placeholders(&t.body).unwrap_or_default().into_iter().map(|n| (n.to_string(), value(n))).collect();
        }
        Channel::Wechat => {
            let (fields, page) = wechat_fields(&t.body).unwrap_or_default();
            c.fields = fields.into_iter().map(|(k, text)| (k, render(&text, vars))).collect();
            c.body = c.fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n");
            if let Some(p) = page {
                c.link = render(&p, vars);
            }
        }
        Channel::Email | Channel::InApp => {
            c.subject = render(&t.subject, vars);
            c.body = render(&t.body, vars);
        }
    }
    c
}

/// Quiet hours (免打扰时段) of a hospital, in Shanghai time: messages that are not urgent and
/// fall due inside them wait until they end. `start == end` means none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuietHours {
    pub enabled: bool,
    /// Minutes after local midnight.
    pub start: u16,
    pub end: u16,
}

impl Default for QuietHours {
    /// 21:00 to 08:00, the night hours in which patients are not to be disturbed.
    fn default() -> Self {
        QuietHours { enabled: true, start: 21 * 60, end: 8 * 60 }
    }
}

impl QuietHours {
    /// `"22:00"` → 1320; `None` for anything else than `H:MM`/`HH:MM` within the day.
    pub fn parse_time(s: &str) -> Option<u16> {
        let (h, m) = s.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    }

    pub fn format_time(minutes: u16) -> String {
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// When a message due at `now` may go out: `None` when now is outside quiet hours, else
    /// their end.
    pub fn release(&self, now: Instant) -> Option<Instant> {
        if !self.enabled || self.start == self.end {
            return None;
        }
        let day = now.local_day();
        let minute = (now.seconds_since(day.start()) / 60) as u16;
        let inside =
            if self.start < self.end { (self.start..self.end).contains(&minute) } else { minute >= self.start || minute < self.end };
        if !inside {
            return None;
        }
        let end_day = if minute < self.end { day } else { day.plus_days(1) };
        Some(end_day.start().plus_minutes(i64::from(self.end)))
    }

    pub fn describe(&self) -> String {
        if !self.enabled || self.start == self.end {
            "未设置".into()
        } else {
            let overnight = if self.start > self.end { "次日" } else { "" };
            format!("{} 至{overnight} {}", Self::format_time(self.start), Self::format_time(self.end))
        }
    }
}

/// Checks the quiet-hours form: every problem at once.
pub fn parse_quiet_hours(enabled: bool, start: &str, end: &str) -> Result<QuietHours, Vec<FieldError>> {
    let mut errors = Vec::new();
    let s = QuietHours::parse_time(start);
    let e = QuietHours::parse_time(end);
    if s.is_none() {
        errors.push(FieldError::new("quiet_start", "开始时间应为 时:分，如 21:00"));
    }
    if e.is_none() {
        errors.push(FieldError::new("quiet_end", "结束时间应为 时:分，如 08:00"));
    }
    match (s, e) {
        (Some(s), Some(e)) if enabled && s == e => {
            errors.push(FieldError::new("quiet_end", "结束时间不能与开始时间相同"));
            Err(errors)
        }
        (Some(start), Some(end)) if errors.is_empty() => Ok(QuietHours { enabled, start, end }),
        _ => Err(errors),
    }
}

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    Phone(Phone),
    /// Lower-case, checked by [`valid_email`].
    Email(String),
    /// A WeChat user of the configured app (mini program or official account).
    OpenId(String),
    /// A console user: the in-app inbox, and the phone and e-mail they gave for notifications.
    Staff(UserId),
}

impl Address {
    /// The text the recipient's opt-out key is computed from (see `service::recipient_key`).
    pub fn normalized(&self) -> String {
        match self {
            Address::Phone(p) => format!("phone:{}", p.as_str()),
            Address::Email(e) => format!("email:{e}"),
            Address::OpenId(o) => format!("openid:{o}"),
            Address::Staff(u) => format!("user:{}", u.0),
        }
    }

    /// The address itself (what a provider is sent), never shown or logged.
    pub fn value(&self) -> String {
        match self {
            Address::Phone(p) => p.as_str().to_string(),
            Address::Email(e) | Address::OpenId(e) => e.clone(),
            Address::Staff(u) => u.0.to_string(),
        }
    }

    /// Reads back what [`Address::value`] gave for a channel.
    pub fn from_value(channel: Channel, value: &str) -> Option<Address> {
        match channel {
            Channel::Sms => Phone::parse(value).ok().map(Address::Phone),
            Channel::Email => Some(Address::Email(value.to_string())),
            Channel::Wechat => Some(Address::OpenId(value.to_string())),
            Channel::InApp => value.parse().ok().map(|id| Address::Staff(UserId(id))),
        }
    }

    /// For lists and logs: `138****5678`, `z***@example.cn`, `oUpF****Hn0M`, `用户 #12`.
    pub fn masked(&self) -> String {
        match self {
            Address::Phone(p) => p.masked(),
            Address::Email(e) => mask_email(e),
            Address::OpenId(o) => mask_openid(o),
            Address::Staff(u) => format!("用户 #{}", u.0),
        }
    }

    /// `text` (a provider's error, which may echo the recipient) with the address masked.
    pub fn scrub(&self, text: &str) -> String {
        let value = self.value();
        if value.is_empty() { text.to_string() } else { text.replace(&value, &self.masked()) }
    }

    /// The channel a direct address is reached on (`None` for staff, who have several).
    pub fn channel(&self) -> Option<Channel> {
        match self {
            Address::Phone(_) => Some(Channel::Sms),
            Address::Email(_) => Some(Channel::Email),
            Address::OpenId(_) => Some(Channel::Wechat),
            Address::Staff(_) => None,
        }
    }

    /// Reads what a person typed: a mobile number, an e-mail address or a WeChat openid.
    pub fn parse(text: &str) -> Result<Address, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("请填写手机号、电子邮箱或微信 openid".into());
        }
        if t.contains('@') {
            let e = t.to_lowercase();
            return if valid_email(&e) { Ok(Address::Email(e)) } else { Err(format!("“{t}”不是有效的电子邮箱地址")) };
        }
        if t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-')) {
            return Phone::parse(t).map(Address::Phone).map_err(|e| e.to_string());
        }
        if valid_openid(t) { Ok(Address::OpenId(t.to_string())) } else { Err(format!("“{t}”不是有效的微信 openid")) }
    }
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces
/// or angle brackets, at most 254 characters.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\'))
}

/// A WeChat openid: 20–64 characters of letters, digits, `-` and `_`.
pub fn valid_openid(s: &str) -> bool {
    (20..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// `zhang.san@example.cn` → `z***@example.cn`.
pub fn mask_email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".into(),
    }
}

/// `oUpF8uMuAJO_M2pxb1Q9zNjWeS6o` → `oUpF****eS6o`.
pub fn mask_openid(o: &str) -> String {
    if o.len() < 12 { "****".into() } else { format!("{}****{}", &o[..4], &o[o.len() - 4..]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMINDER: Topic = Topic {
        code: "test.reminder",
        label: "测试提醒",
        key: "TEST_REMINDER",
        vars: &[Var { name: "name", label: "姓名" }, Var { name: "day", label: "日期" }],
        urgent: false,
        opt_out: true,
        texts: &[
            Text { channel: Channel::Sms, subject: "", body: "${name}您好，请于${day}前预约。${name}" },
            Text { channel: Channel::Email, subject: "预约提醒", body: "${name}您好" },
            Text { channel: Channel::Wechat, subject: "", body: "thing1=${name}\ntime2=${day}\npage=pages/index?d=${day}" },
        ],
    };

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn template(subject: &str, body: &str) -> Template {
        Template { subject: subject.into(), body: body.into(), provider_template: String::new(), enabled: true, custom: true }
    }

    #[test]
    fn placeholders_in_order_and_malformed() {
        assert_eq!(placeholders("${b}和${a}，再${b}").unwrap(), ["b", "a"]);
        assert_eq!(placeholders("费用 $5，无变量").unwrap(), Vec::<&str>::new());
        assert!(placeholders("${name").unwrap_err().contains("缺少配对"));
        assert!(placeholders("${Name}").unwrap_err().contains("不是有效的变量写法"));
        assert!(placeholders("${}").is_err());
        assert!(placeholders("${1a}").is_err());
    }

    #[test]
    fn rendering() {
        let v = vars(&[("name", "张三"), ("day", "2026-12-01")]);
        assert_eq!(render("${name}您好，${day}见；${name}", &v), "张三您好，2026-12-01见；张三");
        assert_eq!(render("￥${missing}元", &v), "￥元");
        let t = REMINDER.default_template(Channel::Sms).unwrap();
        let c = render_content(Channel::Sms, &t, &v, "");
        assert_eq!(c.params, [("name".to_string(), "张三".to_string()), ("day".to_string(), "2026-12-01".to_string())]);
        assert_eq!(c.body, "张三您好，请于2026-12-01前预约。张三");
        let c = render_content(Channel::Wechat, &REMINDER.default_template(Channel::Wechat).unwrap(), &v, "");
        assert_eq!(c.fields, [("thing1".to_string(), "张三".to_string()), ("time2".to_string(), "2026-12-01".to_string())]);
        assert_eq!(c.link, "pages/index?d=2026-12-01");
    }

    #[test]
    fn unknown_variables_are_refused_with_the_known_ones() {
        let e = check_template(&REMINDER, Channel::Email, &template("提醒 ${nmae}", "${name}，${card}")).unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].field, "subject");
        assert!(e[0].message.contains("未知变量 ${nmae}"), "{}", e[0].message);
        assert!(e[0].message.contains("${name}（姓名）、${day}（日期）"), "{}", e[0].message);
        assert!(e[1].message.contains("${card}"));
        let e = check_template(&REMINDER, Channel::Email, &template("", "")).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["subject", "body"]);
        assert!(check_template(&REMINDER, Channel::InApp, &template("a", "b")).unwrap_err()[0].message.contains("不通过站内消息"));
        assert!(check_template(&REMINDER, Channel::Wechat, &template("", "thing1 ${name}")).unwrap_err()[0].message.contains("第 1 行"));
        for t in REMINDER.texts {
            let d = REMINDER.default_template(t.channel).unwrap();
            assert_eq!(check_template(&REMINDER, t.channel, &d), Ok(()), "{:?}", t.channel);
        }
    }

    #[test]
    fn quiet_hours_overnight_and_daytime() {
        let at = |s: &str| Instant::parse(s).unwrap();
        let night = QuietHours { enabled: true, start: 21 * 60, end: 8 * 60 };
        assert_eq!(night.release(at("2026-11-22 20:59")), None);
        assert_eq!(night.release(at("2026-11-22 21:00")), Some(at("2026-11-23 08:00")));
        assert_eq!(night.release(at("2026-11-22 23:59:59")), Some(at("2026-11-23 08:00")));
        assert_eq!(night.release(at("2026-11-23 00:00")), Some(at("2026-11-23 08:00")));
        assert_eq!(night.release(at("2026-11-23 07:59:59")), Some(at("2026-11-23 08:00")));
        assert_eq!(night.release(at("2026-11-23 08:00")), None);
        // Across a year's end.
        assert_eq!(night.release(at("2026-12-31 23:00")), Some(at("2027-01-01 08:00")));
        let lunch = QuietHours { enabled: true, start: 12 * 60, end: 13 * 60 + 30 };
        assert_eq!(lunch.release(at("2026-11-22 12:10")), Some(at("2026-11-22 13:30")));
        assert_eq!(lunch.release(at("2026-11-22 13:30")), None);
        assert_eq!(lunch.release(at("2026-11-22 23:00")), None);
        assert_eq!(QuietHours { enabled: false, ..night }.release(at("2026-11-22 23:00")), None);
        assert_eq!(night.describe(), "21:00 至次日 08:00");
    }

    #[test]
    fn quiet_hours_form() {
        assert_eq!(parse_quiet_hours(true, "22:00", "7:30"), Ok(QuietHours { enabled: true, start: 1320, end: 450 }));
        let e = parse_quiet_hours(true, "25:00", "8点").unwrap_err();
        assert_eq!(e.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["quiet_start", "quiet_end"]);
        assert_eq!(parse_quiet_hours(true, "08:00", "08:00").unwrap_err()[0].message, "结束时间不能与开始时间相同");
        for bad in ["", "8", "08:0", "24:00", "12:60", "-1:00", "123:00"] {
            assert_eq!(QuietHours::parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn addresses_parse_normalise_and_mask() {
        let p = Address::parse(" 138-1234-5678 ").unwrap();
        assert_eq!((p.normalized(), p.masked()), ("phone:13812345678".to_string(), "138****5678".to_string()));
        let e = Address::parse("Zhang.San@Example.CN").unwrap();
        assert_eq!((e.normalized(), e.masked()), ("email:zhang.san@example.cn".to_string(), "z***@example.cn".to_string()));
        let o = Address::parse("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").unwrap();
        assert_eq!(o.masked(), "oUpF****eS6o");
        assert_eq!(o.channel(), Some(Channel::Wechat));
        assert!(Address::parse("12345").unwrap_err().contains("手机号"));
        assert!(Address::parse("a@b").unwrap_err().contains("电子邮箱"));
        assert!(Address::parse("短").unwrap_err().contains("openid"));
        assert!(Address::parse("").is_err());
        assert_eq!(p.scrub("rejected +8613812345678: limit"), "rejected +86138****5678: limit");
        assert_eq!(e.scrub("550 <zhang.san@example.cn>: unknown"), "550 <z***@example.cn>: unknown");
        assert_eq!(Address::from_value(Channel::Sms, "13812345678"), Some(p));
    }

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
        }
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }
}
