//! Roles, the one permission table, password policy and lockout rules. Pure: no I/O.

use hops_kernel::Instant;

hops_kernel::coded! {
    /// Every role of SPEC §0. Stored by [`Role::code`].
    pub Role {
        PlatformAdmin = "platform_admin", "平台管理员";
        HospitalAdmin = "hospital_admin", "医院管理员";
        Operator = "operator", "运营专员";
        Agent = "agent", "客服/医助";
        ContentReviewer = "content_reviewer", "内容审核（宣传科）";
        Doctor = "doctor", "医生";
        Nurse = "nurse", "护士";
        Finance = "finance", "财务";
        Auditor = "auditor", "审计员";
    }
}

/// What a user may do. Checked by services, not by handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    DashboardView,
    MasterRead,
    MasterWrite,
    MasterImport,
    DataExport,
    /// See ID-card and mobile numbers in clear (every use is audited).
    PersonalUnmask,
    UserManage,
    AuditRead,
    JobsManage,
    HospitalManage,
    /// Load the internet hospital's activity data (consultations, payments …).
    ActivityIngest,
    /// See KPIs, dashboards and reports.
    AnalyticsRead,
    /// Publish reports and leaderboards, answer leaderboard feedback, run the monthly
    /// performance sheets (formula, generation, verification, lock).
    AnalyticsPublish,
    /// Change how hospital-wide figures are computed: leaderboard weights, the contract year
    /// and what counts as revenue R.
    AnalyticsConfigure,
    /// See and answer one's own performance sheets (a doctor whose username is their 工号).
    OwnPerformance,
    /// See the checkup catalogue, capacity and bookings.
    CheckupRead,
    /// Change the checkup catalogue, rules, employers and capacity.
    CheckupManage,
    /// Book, reschedule, cancel and refund checkups for customers, record payments, check in.
    CheckupBook,
    /// Work the service desk: tickets (reply, note, assign, resolve), follow-up call tasks,
    /// complaint cases, the bot's conversations.
    DeskWork,
    /// Configure the service desk: categories, teams, SLA policies and business calendars,
    /// canned replies, follow-up plans and questionnaires; import ticket history.
    DeskManage,
    /// Edit the knowledge base the FAQ bot answers from, and review unanswered questions.
    KbEdit,
    /// See the checkup catalogue, packages, settings and places left: what the public pages
    /// show (no bookings, no people).
    CheckupBrowse,
    /// A patient's own checkups: book for oneself, pay, cancel, refund, reschedule, request an
    /// invoice — only bookings whose person's stored phone is the phone the patient proved.
    CheckupSelfService,
    /// An employer contact books the listed people of the employers whose contact phone they
    /// proved.
    CheckupProxyBook,
    /// Ask the FAQ bot, and ask for a person (a ticket in the agents' queue).
    BotAsk,
    /// Work follow-up calls (回访): the tasks within one's data scope, their questionnaires and
    /// plans, recording calls and the satisfaction results.
    FollowupWork,
    /// Keep the hospital's business calendar: the public holidays and make-up workdays of each
    /// year (SLA clocks, schedules, quotas and rosters follow them).
    CalendarManage,
    /// Run the hospital's notifications: texts per topic and channel, quiet hours, opt-outs,
    /// and the delivery records (recipients masked).
    NotifyManage,
    /// Design the hospital's own questionnaires (forms): questions, conditions, scoring and
    /// versions; read and (with `DataExport`) export their answers hospital-wide.
    FormsManage,
}

use Permission::*;

impl Permission {
    /// Every permission that some role or visitor holds, each once, in the grant tables' order.
    pub fn all() -> Vec<Permission> {
        let mut out: Vec<Permission> = Vec::new();
        let granted = GRANTS.iter().flat_map(|(_, ps)| ps.iter()).chain(VISITOR_GRANTS.iter().flat_map(|(_, ps)| ps.iter()));
        for p in granted {
            if !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }

    /// A stable name for storage (e.g. the permission an approval needs): the variant's name.
    pub fn code(self) -> String {
        format!("{self:?}")
    }

    /// The permission stored as [`Permission::code`].
    pub fn from_code(code: &str) -> Option<Permission> {
        Permission::all().into_iter().find(|p| p.code() == code)
    }
}

/// The permission table: the single place that says which role may do what.
pub const GRANTS: &[(Role, &[Permission])] = &[
    (
        Role::PlatformAdmin,
        &[
            DashboardView,
            MasterRead,
            MasterWrite,
            MasterImport,
            DataExport,
            PersonalUnmask,
            UserManage,
            AuditRead,
            JobsManage,
            HospitalManage,
            ActivityIngest,
            AnalyticsRead,
            AnalyticsPublish,
            AnalyticsConfigure,
            CheckupRead,
            CheckupBrowse,
            CheckupManage,
            CheckupBook,
            DeskWork,
            BotAsk,
            FollowupWork,
            DeskManage,
            KbEdit,
            CalendarManage,
            NotifyManage,
            FormsManage,
        ],
    ),
    (
        Role::HospitalAdmin,
        &[
            DashboardView,
            MasterRead,
            MasterWrite,
            MasterImport,
            DataExport,
            PersonalUnmask,
            UserManage,
            AuditRead,
            JobsManage,
            ActivityIngest,
            AnalyticsRead,
            AnalyticsPublish,
            AnalyticsConfigure,
            CheckupRead,
            CheckupBrowse,
            CheckupManage,
            CheckupBook,
            DeskWork,
            BotAsk,
            FollowupWork,
            DeskManage,
            KbEdit,
            CalendarManage,
            NotifyManage,
            FormsManage,
        ],
    ),
    (
        Role::Operator,
        &[
            DashboardView,
            MasterRead,
            MasterWrite,
            MasterImport,
            DataExport,
            ActivityIngest,
            AnalyticsRead,
            AnalyticsPublish,
            CheckupRead,
            CheckupBrowse,
            CheckupManage,
            CheckupBook,
            DeskWork,
            BotAsk,
            FollowupWork,
            DeskManage,
            KbEdit,
            CalendarManage,
            NotifyManage,
            FormsManage,
        ],
    ),
    (Role::Agent, &[DashboardView, MasterRead, PersonalUnmask, CheckupRead, CheckupBrowse, CheckupBook, DeskWork, BotAsk, FollowupWork]),
    (Role::ContentReviewer, &[DashboardView, KbEdit]),
    (Role::Doctor, &[DashboardView, MasterRead, OwnPerformance]),
    (Role::Nurse, &[DashboardView, MasterRead, FollowupWork, BotAsk]),
    (Role::Finance, &[DashboardView, MasterRead, DataExport, AnalyticsRead, CheckupRead, CheckupBrowse]),
    (Role::Auditor, &[DashboardView, MasterRead, AuditRead, AnalyticsRead]),
];

/// Which people's data a role sees, following RuoYi's data scopes: everyone of the hospital,
/// those of the user's department(s), or only the user's own. Enforced where the data is read
/// (e.g. the patient register filters by it), like tenancy; routes declare which they apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataScope {
    All,
    /// A doctor: the patients of their department (which includes those they served); a nurse:
    /// those of the departments of their care teams (the user's `departments`).
    Department,
    /// Only one's own (a patient on the public pages: the bookings of the phone they proved).
    Own,
}

impl DataScope {
    pub fn label_zh(self) -> &'static str {
        match self {
            DataScope::All => "全院数据",
            DataScope::Department => "本科室数据",
            DataScope::Own => "仅本人数据",
        }
    }
}

/// Who may be on a hospital's public pages, by what they proved (see `core::Visitor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VisitorKind {
    Anonymous,
    Patient,
    Contact,
}

/// What visitors may do: the public pages' half of the permission table. Nothing here reaches
/// another person's data; ownership (the proven phone) is checked by the services.
pub const VISITOR_GRANTS: &[(VisitorKind, &[Permission])] = &[
    (VisitorKind::Anonymous, &[CheckupBrowse, BotAsk]),
    (VisitorKind::Patient, &[CheckupBrowse, CheckupSelfService, BotAsk]),
    (VisitorKind::Contact, &[CheckupBrowse, CheckupProxyBook]),
];

impl VisitorKind {
    pub fn code(self) -> &'static str {
        match self {
            VisitorKind::Anonymous => "visitor",
            VisitorKind::Patient => "patient",
            VisitorKind::Contact => "group_contact",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            VisitorKind::Anonymous => "访客",
            VisitorKind::Patient => "患者",
            VisitorKind::Contact => "团检单位联系人",
        }
    }

    pub fn can(self, p: Permission) -> bool {
        VISITOR_GRANTS.iter().find(|(k, _)| *k == self).is_some_and(|(_, ps)| ps.contains(&p))
    }
}

impl Role {
    /// The short title shown after a person's name in lists and assignments: 王建国 医生.
    pub fn title_zh(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "平台管理员",
            Role::HospitalAdmin => "医院管理员",
            Role::Operator => "运营",
            Role::Agent => "客服",
            Role::ContentReviewer => "宣传科",
            Role::Doctor => "医生",
            Role::Nurse => "护士",
            Role::Finance => "财务",
            Role::Auditor => "审计",
        }
    }

    /// The role's data scope: clinical staff see their department's patients, the operations
    /// and service staff (whose work is hospital-wide) everyone's.
    pub fn data_scope(self) -> DataScope {
        match self {
            Role::Doctor | Role::Nurse => DataScope::Department,
            _ => DataScope::All,
        }
    }

    pub fn can(self, p: Permission) -> bool {
        GRANTS.iter().find(|(r, _)| *r == self).is_some_and(|(_, ps)| ps.contains(&p))
    }

    /// Admin roles must sign in with a second factor (TOTP).
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::PlatformAdmin | Role::HospitalAdmin)
    }
}

pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCKOUT_SECONDS: i64 = 15 * 60;

/// Password complexity (等保 2.0): at least 10 characters, three of four character classes,
/// not containing the username.
pub fn check_password(password: &str, username: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < 10 {
        return Err("密码至少 10 位".into());
    }
    if len > 128 {
        return Err("密码不能超过 128 位".into());
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、符号中的至少三类".into());
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err("密码不能包含用户名".into());
    }
    Ok(())
}

/// Usernames: 3–32 characters of letters, digits, `.`, `_`, `-`.
pub fn check_username(username: &str) -> Result<(), String> {
    let ok = (3..=32).contains(&username.len()) && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok { Ok(()) } else { Err("用户名须为 3–32 位字母、数字或 . _ -".into()) }
}

/// What a failed password does to the account: the new failure count and lock.
pub fn after_failure(failed_before: i32, now: Instant) -> (i32, Option<Instant>) {
    let failed = failed_before + 1;
    if failed >= MAX_FAILED_LOGINS { (0, Some(now.plus_seconds(LOCKOUT_SECONDS))) } else { (failed, None) }
}

/// Whether a lock is in force at `now`.
pub fn is_locked(locked_until: Option<Instant>, now: Instant) -> bool {
    locked_until.is_some_and(|t| t > now)
}

/// Whether a session last seen at `last_seen` is still alive at `now`.
pub fn session_alive(last_seen: Instant, expires_at: Instant, idle_minutes: i64, now: Instant) -> bool {
    now < expires_at && now.seconds_since(last_seen) < idle_minutes * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_in_the_table_once() {
        for r in Role::ALL {
            assert_eq!(GRANTS.iter().filter(|(g, _)| *g == r).count(), 1, "{r:?}");
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn visitors_reach_no_console_permission() {
        for (kind, ps) in VISITOR_GRANTS {
            for p in *ps {
                assert!(
                    matches!(p, CheckupBrowse | CheckupSelfService | CheckupProxyBook | BotAsk),
                    "{kind:?} must not hold the staff permission {p:?}"
                );
            }
        }
        assert!(!VisitorKind::Anonymous.can(CheckupSelfService));
        assert!(!VisitorKind::Contact.can(CheckupSelfService) && !VisitorKind::Patient.can(CheckupProxyBook));
        // Staff never act as patients either.
        assert!(Role::ALL.iter().all(|r| !r.can(CheckupSelfService) && !r.can(CheckupProxyBook)));
    }

    #[test]
    fn least_privilege() {
        assert!(Role::HospitalAdmin.can(UserManage));
        assert!(!Role::HospitalAdmin.can(HospitalManage));
        assert!(!Role::Auditor.can(MasterWrite));
        assert!(Role::Auditor.can(AuditRead));
        assert!(!Role::Operator.can(PersonalUnmask));
        assert!(!Role::Doctor.can(DataExport));
        assert!(Role::PlatformAdmin.requires_totp() && !Role::Operator.requires_totp());
        assert!(Role::Operator.can(NotifyManage) && !Role::Agent.can(NotifyManage) && !Role::Doctor.can(NotifyManage));
        assert!(Role::Operator.can(FormsManage) && !Role::Agent.can(FormsManage) && !Role::Nurse.can(FormsManage));
    }

    #[test]
    fn password_policy() {
        let cases = [
            ("Short1!", false),
            ("alllowercaseletters", false),
            ("lowerUPPER123", true),
            ("lower-case-123", true),
            ("Zhang.San-2026", true),
            ("zhangsan-Pass1", false), // contains the username
        ];
        for (pw, ok) in cases {
            assert_eq!(check_password(pw, "zhangsan").is_ok(), ok, "{pw}");
        }
    }

    #[test]
    fn lockout_after_five_failures_for_fifteen_minutes() {
        let now = Instant(1_000_000_000);
        let mut failed = 0;
        for _ in 0..4 {
            let (f, lock) = after_failure(failed, now);
            assert!(lock.is_none());
            failed = f;
        }
        let (failed, lock) = after_failure(failed, now);
        assert_eq!(failed, 0);
        assert!(is_locked(lock, now.plus_seconds(14 * 60 + 59)));
        assert!(!is_locked(lock, now.plus_seconds(15 * 60)));
    }

    #[test]
    fn idle_timeout() {
        let t = Instant(0);
        let far = Instant(i64::MAX);
        assert!(session_alive(t, far, 30, t.plus_seconds(29 * 60)));
        assert!(!session_alive(t, far, 30, t.plus_seconds(30 * 60)));
        assert!(!session_alive(t, t.plus_seconds(10), 30, t.plus_seconds(11)));
    }

    #[test]
    fn usernames() {
        assert!(check_username("zhang.san").is_ok());
        assert!(check_username("张三").is_err());
        assert!(check_username("ab").is_err());
    }
}
