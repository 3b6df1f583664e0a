//! Use cases of the service-desk settings. A hospital starts with the seeds' presets (three
//! calendars, the usual categories, SLA policies and canned replies), made on first use and
//! then theirs to change.

use hops_platform::{Access, Error, Permission, Result};

use super::defaults as presets;
use super::model::{self, CalendarDef, Canned, Category, Policy, Team};
use super::store;
use crate::ticket::model::Priority;
use hops_platform::calendar::{Calendar, PublicDays};

/// Everything configured, read at once (a few dozen rows).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub teams: Vec<Team>,
    pub categories: Vec<Category>,
    pub calendars: Vec<CalendarDef>,
    /// The hospital's public holidays and make-up workdays (the platform's business calendar).
    pub public: PublicDays,
    pub policies: Vec<Policy>,
    pub canned: Vec<Canned>,
}

impl Settings {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn category_name(&self, code: &str) -> String {
        self.category(code).map_or_else(|| code.to_string(), |c| c.name.clone())
    }

    pub fn active_category_codes(&self) -> Vec<String> {
        self.categories.iter().filter(|c| c.active).map(|c| c.code.clone()).collect()
    }

    pub fn calendar(&self, code: &str) -> Option<Calendar> {
        self.calendars.iter().find(|c| c.code == code).and_then(|c| c.calendar(&self.public).ok())
    }

    pub fn team(&self, code: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.code == code)
    }

    /// The teams `user` belongs to or leads.
    pub fn teams_of(&self, user: i64) -> Vec<String> {
        self.teams.iter().filter(|t| t.members.contains(&user) || t.lead_user_id == Some(user)).map(|t| t.code.clone()).collect()
    }

    /// The teams `user` leads.
    pub fn led_by(&self, user: i64) -> Vec<String> {
        self.teams.iter().filter(|t| t.lead_user_id == Some(user)).map(|t| t.code.clone()).collect()
    }

    pub fn policy_for(&self, category: &str, priority: Priority) -> Option<&Policy> {
        model::policy_for(&self.policies, category, priority)
    }
}

/// The settings, with the presets made first if the hospital has none yet.
pub async fn load(access: &Access) -> Result<Settings> {
    let s = read(access).await?;
    if !s.calendars.is_empty() {
        return Ok(s);
    }
    ensure_defaults(access).await?;
    read(access).await
}

async fn read(access: &Access) -> Result<Settings> {
    let mut c = access.tenant().read().await?;
    Ok(Settings {
        teams: store::teams(&mut c).await?,
        categories: store::categories(&mut c).await?,
        calendars: store::calendars(&mut c).await?,
        public: hops_platform::calendar::service::public_days(access).await?,
        policies: store::policies(&mut c).await?,
        canned: store::canned(&mut c).await?,
    })
}

/// Makes the presets once (idempotent: a hospital with any calendar is left alone).
pub async fn ensure_defaults(access: &Access) -> Result<()> {
    let mut tx = access.tenant().write().await?;
    if !store::calendars(&mut tx).await?.is_empty() {
        return Ok(());
    }
    let now = access.now();
    for c in presets::default_calendars() {
        store::upsert_calendar(&mut tx, &c, now).await?;
    }
    for t in presets::default_teams() {
        store::upsert_team(&mut tx, &t).await?;
    }
    for c in presets::default_categories() {
        store::upsert_category(&mut tx, &c).await?;
    }
    for p in presets::default_policies() {
        store::upsert_policy(&mut tx, &p).await?;
    }
    for c in presets::default_canned() {
        store::upsert_canned(&mut tx, &c).await?;
    }
    access.audit(&mut tx, "desk.setup.defaults", "desk_settings", "载入默认服务日历、分类、SLA 策略和快捷回复").await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_calendar(access: &Access, def: &CalendarDef) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let mut tx = access.tenant().write().await?;
    store::upsert_calendar(&mut tx, def, access.now()).await?;
    let detail =
        format!("{}（{}）：{}；节假日 {} 天，调休上班 {} 天", def.name, def.code, def.hours, def.holidays.len(), def.workdays.len());
    access.audit(&mut tx, "desk.calendar.save", &format!("desk_calendar:{}", def.code), &detail).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_category(access: &Access, c: &Category) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let s = load(access).await?;
    if let Some(t) = &c.team_code
        && s.team(t).is_none()
    {
        return Err(Error::invalid_field("team", format!("没有班组“{t}”")));
    }
    let mut tx = access.tenant().write().await?;
    store::upsert_category(&mut tx, c).await?;
    let detail = format!("{}（{}）{}", c.name, c.code, if c.active { "" } else { "，已停用" });
    access.audit(&mut tx, "desk.category.save", &format!("desk_category:{}", c.code), &detail).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_team(access: &Access, t: &Team) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let mut tx = access.tenant().write().await?;
    store::upsert_team(&mut tx, t).await?;
    let detail = format!("{}（{}），{} 名成员", t.name, t.code, t.members.len());
    access.audit(&mut tx, "desk.team.save", &format!("desk_team:{}", t.code), &detail).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_policy(access: &Access, p: &Policy) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let mut tx = access.tenant().write().await?;
    store::upsert_policy(&mut tx, p).await?;
    let fmt = |m: Option<i64>| m.map_or("不考核".to_string(), |m| format!("{m} 分钟"));
    let detail = format!(
        "{}：分类 {}，优先级 {}，日历 {}，首次响应 {}，解决 {}",
        p.name,
        if p.category_code.is_empty() { "全部" } else { &p.category_code },
        p.priority.map_or("全部", Priority::label_zh),
        p.calendar_code,
        fmt(p.first_response_minutes),
        fmt(p.resolution_minutes)
    );
    access
        .audit(&mut tx, "desk.sla.save", &format!("desk_sla:{}:{}", p.category_code, p.priority.map_or("", Priority::code)), &detail)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_policy(access: &Access, category: &str, priority: &str) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let mut tx = access.tenant().write().await?;
    if store::delete_policy(&mut tx, category, priority).await? == 0 {
        return Err(Error::not_found("SLA 策略"));
    }
    access.audit(&mut tx, "desk.sla.delete", &format!("desk_sla:{category}:{priority}"), "删除 SLA 策略").await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_canned(access: &Access, c: &Canned) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let mut tx = access.tenant().write().await?;
    store::upsert_canned(&mut tx, c).await?;
    access.audit(&mut tx, "desk.canned.save", &format!("desk_canned:{}", c.code), &c.title).await?;
    tx.commit().await?;
    Ok(())
}
