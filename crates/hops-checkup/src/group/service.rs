//! Use cases of group checkups: employers and their contacts, group cards (plans) and add-on
//! discounts, employee lists, the terms a listed person books under, progress per employer
//! with its export, and reminders to those who have not booked (through the platform's
//! notifications: SMS to the listed phone; WeChat and e-mail when a person has them).

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::{IdCardNumber, Phone};
use hops_platform::crypto::Field;
use hops_platform::db::{Conn, Scoped};
use hops_platform::notify::{self, Address, Channel, Message, Text, Topic, Var};
use hops_platform::tabular::{self, ImportReport, Table};
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::model::{Discounts, Plan, Progress, Relation, check_plan};
use super::store::{self, Listed, NewListed};
use super::{Employer, roster};
use crate::booking::service::{ID_CONTEXT, PHONE_CONTEXT};
use crate::catalogue::drafts::check_code;

/// The reminder to listed people who have not booked (团检预约提醒): not urgent (it waits for
/// the end of quiet hours), and a person may opt out of it.
pub const REMINDER: Topic = Topic {
    code: "checkup.group_reminder",
    label: "团检预约提醒",
    key: "GROUP_REMINDER",
    vars: &[
        Var { name: "name", label: "姓名" },
        Var { name: "employer", label: "单位" },
        Var { name: "window", label: "预约时段" },
        Var { name: "card", label: "体检卡号" },
    ],
    urgent: false,
    opt_out: true,
    texts: &[
        Text {
            channel: Channel::Sms,
            subject: "",
            body: "${name}您好，${employer}为您安排了团体体检，请于${window}预约，体检卡号${card}。",
        },
        Text {
            channel: Channel::Wechat,
            subject: "",
            body: "thing1=${name}\nthing2=${employer}\ntime3=${window}\ncharacter_string4=${card}",
        },
        Text {
            channel: Channel::Email,
            subject: "${employer}团体体检预约提醒",
            body: "${name}您好：\n\n${employer}为您安排了团体体检，请于${window}预约。体检卡号：${card}。\n\n如已预约，请忽略本消息。",
        },
    ],
};

pub async fn employers(access: &Access) -> Result<Vec<Employer>> {
    access.require(Permission::CheckupRead)?;
    list(access).await
}

pub(crate) async fn list(access: &Access) -> Result<Vec<Employer>> {
    let mut c = access.tenant().read().await?;
    Ok(store::employers(&mut c).await?)
}

pub async fn employer(access: &Access, code: &str) -> Result<Employer> {
    access.require(Permission::CheckupRead)?;
    find(&mut access.tenant().read().await?, code).await
}

async fn find<C: Conn>(c: &mut Scoped<C>, code: &str) -> Result<Employer> {
    store::employers(c).await?.into_iter().find(|e| e.code == code).ok_or_else(|| Error::not_found("团检单位"))
}

/// A listed person's identity number: encrypted for their row on the list, blind-indexed as a
/// person's (so a booking finds them), masked.
pub const EMPLOYEE_ID_NUMBER: Field = Field::new("checkup_employees", "id_number_enc", ID_CONTEXT);
/// A listed person's phone, likewise.
pub const EMPLOYEE_PHONE: Field = Field::new("checkup_employees", "phone_enc", PHONE_CONTEXT);
/// An employer contact's phone: encrypted for the employer's row (keyed by its code),
/// blind-indexed as a person's phone (so the contact's proven phone finds it), masked.
pub const EMPLOYER_CONTACT_PHONE: Field = Field::new("checkup_employers", "contact_phone_enc", PHONE_CONTEXT);

/// Creates or updates an employer (by code). `contact_phone`: the contact's phone, which
/// lets them book for their employees after an SMS code; unchanged when `None`.
pub async fn save(access: &Access, e: &Employer, contact_phone: Option<&str>) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut fields = Vec::new();
    if let Err(m) = check_code(&e.code) {
        fields.push(FieldError::new("code", m));
    }
    if e.name.trim().is_empty() || e.name.chars().count() > 60 {
        fields.push(FieldError::new("name", "请填写单位名称（不超过 60 个字）"));
    }
    if e.contact_name.chars().count() > 30 {
        fields.push(FieldError::new("contact_name", "联系人不能超过 30 个字"));
    }
    if let Some((from, to)) = e.window
        && to < from
    {
        fields.push(FieldError::new("window_to", "预约截止日期早于开始日期"));
    }
    if e.addon_pct > 100 {
        fields.push(FieldError::new("addon_pct", "加项自付比例须在 0–100 之间"));
    }
    let phone = match contact_phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Phone::parse(p).map_err(|err| fields.push(FieldError::new("contact_phone", err.to_string()))).ok(),
        None => None,
    };
    if !fields.is_empty() {
        return Err(Error::invalid(fields));
    }
    let sealed = phone.map(|p| access.seal(EMPLOYER_CONTACT_PHONE, e.code.as_str(), p.as_str(), p.masked()));
    let mut tx = access.tenant().write().await?;
    store::upsert(&mut tx, e, sealed.as_ref(), access.now()).await?;
    access.audit(&mut tx, "checkup.employer.save", &format!("checkup_employer:{}", e.code), &e.name).await?;
    tx.commit().await?;
    Ok(())
}

/// An employer's group cards.
pub async fn plans(access: &Access, employer: &str) -> Result<Vec<Plan>> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    find(&mut c, employer).await?;
    Ok(store::plans(&mut c, employer).await?)
}

/// Creates or updates a group card of an employer (by code).
pub async fn save_plan(access: &Access, plan: &Plan) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut tx = access.tenant().write().await?;
    find(&mut tx, &plan.employer).await?;
    let cat = crate::catalogue::store::catalogue(&mut tx).await?;
    let mut fields: Vec<FieldError> = check_plan(plan, &cat).into_iter().map(|(f, m)| FieldError::new(f, m)).collect();
    if let Err(m) = check_code(&plan.code) {
        fields.push(FieldError::new("code", m));
    }
    if !fields.is_empty() {
        return Err(Error::invalid(fields));
    }
    store::upsert_plan(&mut tx, plan, access.now()).await?;
    let detail = format!("{} {}（{}）", plan.employer, plan.name, plan.kind.label_zh());
    access.audit(&mut tx, "checkup.group_plan.save", &format!("checkup_group_plan:{}:{}", plan.employer, plan.code), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// An employer's add-on discounts.
pub async fn discounts(access: &Access, employer: &str) -> Result<Discounts> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    let e = find(&mut c, employer).await?;
    Ok(store::discounts(&mut c, &e).await?)
}

/// Replaces an employer's per-item add-on discounts (percent of list price the employee pays).
pub async fn set_discounts(access: &Access, employer: &str, per_item: &BTreeMap<String, u32>) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut tx = access.tenant().write().await?;
    find(&mut tx, employer).await?;
    let cat = crate::catalogue::store::catalogue(&mut tx).await?;
    let mut fields = Vec::new();
    for (item, pct) in per_item {
        if !cat.items.contains_key(item) {
            fields.push(FieldError::new(format!("items.{item}"), format!("项目 {item} 不存在")));
        }
        if *pct > 100 {
            fields.push(FieldError::new(format!("items.{item}"), "折扣比例须在 0–100 之间"));
        }
    }
    if !fields.is_empty() {
        return Err(Error::invalid(fields));
    }
    store::set_discounts(&mut tx, employer, per_item).await?;
    access
        .audit(&mut tx, "checkup.group_discounts.set", &format!("checkup_employer:{employer}"), &format!("{} 个项目折扣", per_item.len()))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Imports an employee list all or nothing: people are added or updated by identity number;
/// nobody is removed. Problems of rows come back in the report with `committed` false.
pub async fn import_roster(access: &Access, employer: &str, table: &Table) -> Result<ImportReport> {
    access.require(Permission::CheckupManage)?;
    let today = access.now().local_day();
    let mut tx = access.tenant().write().await?;
    let e = find(&mut tx, employer).await?;
    let plans: BTreeSet<String> = store::plans(&mut tx, employer).await?.into_iter().map(|p| p.code).collect();
    let listed_employees = store::employee_id_indexes(&mut tx, employer).await?;
    let mut report = ImportReport { total: table.rows.len(), ..Default::default() };
    let rows = match roster::read(table, &plans, |id| listed_employees.contains(&access.blind_index(ID_CONTEXT, id.as_str())), today) {
        Ok(rows) => rows,
        Err(errors) => {
            report.rejected = errors;
            return Ok(report);
        }
    };
    // Employees first, so that their family rows find them.
    let (employees, family): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.relation == Relation::Employee);
    let ids = tx.next_ids(access.engine(), employees.len() + family.len()).await?;
    let now = access.now();
    for (r, id) in employees.iter().chain(family.iter()).zip(ids) {
        // The row first (listed already, by identity number, or new): the numbers are
        // encrypted for it.
        let id_bidx = access.blind_index(ID_CONTEXT, r.id_number.as_str());
        let existing = store::listed_id(&mut tx, employer, &id_bidx).await?;
        let row = existing.unwrap_or(id);
        let p = NewListed {
            name: r.name.clone(),
            department: r.department.clone(),
            id_number: access.seal(EMPLOYEE_ID_NUMBER, row, r.id_number.as_str(), r.id_number.masked()),
            phone: access.seal(EMPLOYEE_PHONE, row, r.phone.as_str(), r.phone.masked()),
            relation: r.relation,
            of_employee_bidx: r.employee.as_ref().map(|e: &IdCardNumber| access.blind_index(ID_CONTEXT, e.as_str())),
            plan: r.plan.clone(),
        };
        report.count(store::upsert_listed(&mut tx, row, existing.is_some(), employer, &p, now).await?);
    }
    let detail = format!("{} 名单：新增 {}，更新 {}", e.name, report.inserted, report.updated);
    access.audit(&mut tx, "checkup.roster.import", &format!("checkup_employer:{employer}"), &detail).await?;
    tx.commit().await?;
    report.committed = true;
    Ok(report)
}

/// A listed person with where they stand.
#[derive(Clone, Debug)]
pub struct Tracked {
    pub person: Listed,
    pub progress: Progress,
}

/// Everyone an employer lists with their progress, and the count per progress.
pub async fn roster(access: &Access, employer: &str) -> Result<(Employer, Vec<Tracked>, BTreeMap<Progress, usize>)> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    tracked(&mut c, employer).await
}

pub(crate) async fn tracked<C: Conn>(c: &mut Scoped<C>, employer: &str) -> Result<(Employer, Vec<Tracked>, BTreeMap<Progress, usize>)> {
    let e = find(c, employer).await?;
    let mut statuses: BTreeMap<i64, Vec<crate::booking::model::Status>> = BTreeMap::new();
    for (id, s) in crate::booking::store::statuses_by_employee(c, employer).await? {
        statuses.entry(id).or_default().push(s);
    }
    let people: Vec<Tracked> = store::listed(c, employer)
        .await?
        .into_iter()
        .map(|p| {
            let progress = Progress::of(statuses.get(&p.id).map_or(&[][..], Vec::as_slice));
            Tracked { person: p, progress }
        })
        .collect();
    let mut counts: BTreeMap<Progress, usize> = Progress::ALL.into_iter().map(|p| (p, 0)).collect();
    for t in &people {
        *counts.entry(t.progress).or_default() += 1;
    }
    Ok((e, people, counts))
}

/// Progress of every employer: (employer, count per progress, listed in all).
pub async fn progress(access: &Access) -> Result<Vec<(Employer, BTreeMap<Progress, usize>, usize)>> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    let mut out = Vec::new();
    for e in store::employers(&mut c).await? {
        let (e, people, counts) = tracked(&mut c, &e.code).await?;
        out.push((e, counts, people.len()));
    }
    Ok(out)
}

/// The progress list of an employer as a workbook (numbers masked).
pub async fn export_progress(access: &Access, employer: &str) -> Result<Vec<u8>> {
    let (e, people, counts) = roster(access, employer).await?;
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|t| {
            let p = &t.person;
            vec![
                p.name.clone(),
                p.id_number_masked.clone(),
                p.phone_masked.clone(),
                p.department.clone(),
                p.relation.label_zh().to_string(),
                p.plan.clone(),
                p.card_number.clone(),
                t.progress.label_zh().to_string(),
            ]
        })
        .collect();
    let summary = Progress::ALL.map(|p| format!("{} {}", p.label_zh(), counts[&p])).join("，");
    let mut tx = access.tenant().write().await?;
    access.audit(&mut tx, "checkup.roster.export", &format!("checkup_employer:{employer}"), &format!("{}：{summary}", e.name)).await?;
    tx.commit().await?;
    tabular::write_xlsx("团检进度", &["姓名", "身份证号", "手机号", "部门", "关系", "体检卡", "卡号", "进度"], &rows)
}

/// Reminds everyone of an employer's list who has not booked (by SMS to their listed phone;
/// refused when text messages are off or the reminder has no SMS template); returns how many
/// will be reached (those who opted out are recorded skipped, not counted).
pub async fn remind(access: &Access, employer: &str) -> Result<usize> {
    access.require(Permission::CheckupManage)?;
    notify::ready(access, &REMINDER, Channel::Sms).await?;
    let mut tx = access.tenant().write().await?;
    let (e, people, _) = tracked(&mut tx, employer).await?;
    let window = e.window.map_or_else(|| "近期".to_string(), |(from, to)| format!("{from} 至 {to}"));
    let mut sent = 0;
    for t in people.iter().filter(|t| t.progress == Progress::NotBooked) {
        let Some((_, phone_enc)) = store::sealed_numbers(&mut tx, t.person.id).await? else { continue };
        let phone =
            Phone::parse(&access.reveal(EMPLOYEE_PHONE, t.person.id, &phone_enc)?).map_err(|e| anyhow::anyhow!("stored phone: {e}"))?;
        let vars = [
            ("name", t.person.name.clone()),
            ("employer", e.name.clone()),
            ("window", window.clone()),
            ("card", t.person.card_number.clone()),
        ];
        let message = Message::new(&REMINDER, format!("checkup_employer:{employer}"), &vars, vec![Address::Phone(phone)]);
        if notify::enqueue(access, &mut tx, &message).await?.reached() {
            sent += 1;
        }
    }
    access
        .audit(&mut tx, "checkup.roster.remind", &format!("checkup_employer:{employer}"), &format!("{}：提醒 {sent} 人预约", e.name))
        .await?;
    tx.commit().await?;
    Ok(sent)
}

/// What a listed person books under: their employer, their entry on its list, their card and
/// the employer's discounts.
pub struct Terms {
    pub employer: Employer,
    pub listed: Listed,
    pub plan: Plan,
    pub discounts: Discounts,
}

/// The terms of a group booking (防替检: only for listed people, the card's own holder).
/// `employer` or `card` names the list; `id_bidx` and `name` are the person's.
pub(crate) async fn terms<C: Conn>(c: &mut Scoped<C>, employer: &str, card: Option<&str>, id_bidx: &str, name: &str) -> Result<Terms> {
    let not_listed = |m: String| Error::client(422, "not_listed", m);
    let listed = match card {
        Some(card) => {
            let Some((l, bidx)) = store::listed_by_card(c, card).await? else {
                return Err(Error::invalid_field("group_card", format!("团检卡 {card} 不存在")));
            };
            if !employer.is_empty() && l.employer != employer {
                return Err(Error::invalid_field("group_card", format!("团检卡 {card} 不属于单位 {employer}")));
            }
            if bidx != id_bidx {
                return Err(not_listed("该团检卡不属于此受检人，请核对身份证号".into()));
            }
            l
        }
        None => {
            let e = find(c, employer).await.map_err(|_| Error::invalid_field("employer", format!("团检单位 {employer} 不存在")))?;
            match store::listed_by_id_number(c, employer, id_bidx).await? {
                Some(l) => l,
                None => return Err(not_listed(format!("受检人不在{}的体检名单中，请联系单位", e.name))),
            }
        }
    };
    if listed.name != name {
        return Err(not_listed("姓名与团检名单不一致，请核对".into()));
    }
    let employer = find(c, &listed.employer).await?;
    let plan = store::plans(c, &listed.employer)
        .await?
        .into_iter()
        .find(|p| p.code == listed.plan)
        .ok_or_else(|| anyhow::anyhow!("listed person {} has no plan {}", listed.id, listed.plan))?;
    let discounts = store::discounts(c, &employer).await?;
    Ok(Terms { employer, listed, plan, discounts })
}
