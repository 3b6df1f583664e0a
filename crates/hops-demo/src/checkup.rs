//! The demo hospital's health checkups (体检), built through the checkup module's own services:
//! a 三甲 health-management centre's catalogue (items, packages, rules, scarce resources), which
//! must pass the configuration audit; employers with booking windows; capacity for the next
//! 60 days (Sundays and public holidays closed, Saturdays smaller; a weekday template applied in
//! bulk, see `templates`); and about 150 bookings of people whose sex, age and marital status
//! fit their packages, a few with items added, removed or swapped, a few cancelled or moved to
//! another date afterwards.
//!
//! The bookings are planned first ([`plan_bookings`], pure and deterministic) against the same
//! capacity the step sets, then made one by one; a refusal by the rules is a bug in the data here
//! and fails the step.

#[path = "checkup_advice.rs"]
mod advice;
#[path = "checkup_data.rs"]
mod data;
#[path = "checkup_groups.rs"]
mod groups;
#[path = "checkup_items.rs"]
mod items;
#[path = "checkup_templates.rs"]
mod templates;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::Context;
use hops_checkup::booking::service::{self as booking, BookingRequest, Refusal};
use hops_checkup::capacity::model::{Channel, DaySetting, PoolKey, pools_for};
use hops_checkup::catalogue::audit::Finding;
use hops_checkup::catalogue::model::{Catalogue, Item, Marital, Package, Profile, Rule, Selection, Violation, validate};
use hops_checkup::catalogue::service as catalogue;
use hops_checkup::group::{self, Employer};
use hops_checkup::payment::model::Method;
use hops_checkup::payment::service as payment;
use hops_kernel::{IdCardNumber, LocalDay, Money, Sex};
use hops_platform::Access;
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::activity::texts::{HOLIDAYS, MAKEUP_WORKDAYS, ymd};
use crate::synth;
use data::{CHANGES, EMPLOYERS, EmployerSpec, INDIVIDUAL_MIX, PACKAGES, PackageSpec, RESOURCES, RULES, RuleSpec, Tier};
use items::{ITEMS, ItemSpec};

const SEED: u64 = 20_261_124;
/// Days ahead (from today) that get capacity.
const DAYS: i32 = 60;
/// The special-pool package, with its own daily places.
const SPECIAL: &str = "GI_SPECIAL";

fn item(s: &ItemSpec) -> Item {
    Item {
        code: s.code.into(),
        name: s.name.into(),
        category: s.category.into(),
        body_part: s.body_part.into(),
        meaning: s.meaning.into(),
        target_group: s.target_group.into(),
        price: Money(s.yuan * 100),
        applicability: s.who.clone(),
        preparation: s.preparation.into(),
        resource: s.resource.map(str::to_string),
        active: true,
    }
}

fn package(s: &PackageSpec) -> Package {
    Package {
        code: s.code.into(),
        name: s.name.into(),
        target_group: s.target_group.into(),
        description: s.description.into(),
        price: Money(s.yuan * 100),
        applicability: s.who.clone(),
        items: s.items.iter().map(|c| c.to_string()).collect(),
        special_pool: s.special_pool,
        active: true,
    }
}

fn rule(s: &RuleSpec) -> (Rule, &'static str) {
    match *s {
        RuleSpec::Required(a, note) => (Rule::Required(a.into()), note),
        RuleSpec::Exclusive(a, b, note) => (Rule::Exclusive(a.into(), b.into()), note),
        RuleSpec::Requires(a, b, note) => (Rule::Requires(a.into(), b.into()), note),
    }
}

/// The catalogue as this file writes it (what the step saves).
#[cfg(test)]
fn demo_catalogue() -> Catalogue {
    Catalogue {
        items: ITEMS.iter().map(|s| (s.code.to_string(), item(s))).collect(),
        packages: PACKAGES.iter().map(|s| (s.code.to_string(), package(s))).collect(),
        rules: RULES.iter().map(|s| rule(s).0).collect(),
    }
}

/// The error of a catalogue that fails the configuration audit: every finding, one a line.
fn audit_failure(findings: &[Finding]) -> anyhow::Error {
    let lines: Vec<String> = findings.iter().map(|f| format!("  - {}：{}", f.kind_label(), f.message)).collect();
    anyhow::anyhow!("演示体检目录未通过配置审核（{} 处问题）：\n{}", findings.len(), lines.join("\n"))
}

fn violations(what: &str, v: &[Violation]) -> anyhow::Error {
    let lines: Vec<&str> = v.iter().map(|v| v.message.as_str()).collect();
    anyhow::anyhow!("演示体检预约不符合套餐规则（{what}）：{}", lines.join("；"))
}

/// Whether the centre opens on `day`: not on Sundays (unless a 调休 working day) nor on public
/// holidays.
fn is_open(day: LocalDay) -> bool {
    let key = ymd(day);
    if HOLIDAYS.iter().any(|&(a, b, _)| (a..=b).contains(&key)) {
        return false;
    }
    day.weekday().to_monday_zero_offset() != 6 || MAKEUP_WORKDAYS.contains(&key)
}

/// Capacity of each open day of the next [`DAYS`]: busiest on Mondays, about half on Saturdays;
/// employers' pools inside their windows (the school mainly on Saturdays).
fn capacity_plan(today: LocalDay) -> Vec<(LocalDay, DaySetting)> {
    let mut out = Vec::new();
    for d in 0..DAYS {
        let day = today.plus_days(d);
        if !is_open(day) {
            continue;
        }
        let weekday = day.weekday().to_monday_zero_offset();
        let short = weekday >= 5 && !MAKEUP_WORKDAYS.contains(&ymd(day));
        let (individual, vip) = match weekday {
            _ if short => (40, 6),
            0 => (100, 10),
            4 => (70, 8),
            _ => (80, 10),
        };
        let groups = EMPLOYERS
            .iter()
            .filter(|e| (e.window.0..=e.window.1).contains(&d))
            .map(|e| {
                (
                    e.code.to_string(),
                    if e.saturdays == short {
                        20
                    } else if e.saturdays {
                        5
                    } else {
                        0
                    },
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        let half = |n: i64| if short { n / 2 } else { n };
        let specials = BTreeMap::from([(SPECIAL.to_string(), half(12))]);
        let resources = BTreeMap::from([("gastroscope".into(), half(30)), ("mri".into(), half(12)), ("ct".into(), half(60))]);
        out.push((day, DaySetting { individual, vip, groups, specials, resources }));
    }
    out
}

fn employer(e: &EmployerSpec, today: LocalDay) -> Employer {
    Employer {
        code: e.code.into(),
        name: e.name.into(),
        contact_name: e.contact.into(),
        contact_phone_masked: String::new(),
        window: Some((today.plus_days(e.window.0), today.plus_days(e.window.1))),
        addon_pct: 80,
    }
}

/// What happens to a booking after it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    Keep,
    Cancel,
    Reschedule(LocalDay),
}

/// A booking to make.
#[derive(Debug)]
struct Planned {
    request: BookingRequest,
    day: LocalDay,
    pools: Vec<PoolKey>,
    then: Then,
}

/// Plans the bookings against the capacity of `days`, never overfilling a pool.
struct Planner<'a> {
    cat: &'a Catalogue,
    today: LocalDay,
    rng: StdRng,
    left: BTreeMap<(LocalDay, PoolKey), i64>,
    open: Vec<LocalDay>,
    ids: HashSet<String>,
    phones: HashSet<String>,
}

/// Who a booking is for.
struct Person {
    name: String,
    id: IdCardNumber,
    phone: String,
    married: Option<bool>,
}

impl Planner<'_> {
    /// A new person of `sex` (any when `None`) aged within `ages` today, with unique numbers.
    fn person(&mut self, sex: Option<Sex>, ages: (u32, u32), marital: Marital) -> Person {
        loop {
            let p = synth::person(&mut self.rng, self.today, ages.0..=ages.1);
            if sex.is_some_and(|s| s != p.sex) || self.ids.contains(p.id_number.as_str()) || self.phones.contains(p.phone.as_str()) {
                continue;
            }
            self.ids.insert(p.id_number.as_str().into());
            self.phones.insert(p.phone.as_str().into());
            let age = p.id_number.age_on(self.today);
            let married = match marital {
                Marital::Married => Some(true),
                Marital::Unmarried => Some(false),
                // Women are asked (their packages depend on it); some men leave it open.
                Marital::Any if p.sex == Sex::Male && self.rng.random_bool(0.3) => None,
                Marital::Any => Some(self.rng.random_bool(married_share(age))),
            };
            return Person { name: p.name, id: p.id_number, phone: p.phone.as_str().into(), married };
        }
    }

    /// The package's selection, sometimes with one of [`CHANGES`] that suits the package and
    /// the person.
    fn selection(&mut self, package: &str, profile: &Profile) -> Selection {
        let plain = Selection { package: package.into(), add: vec![], remove: vec![] };
        if !self.rng.random_bool(0.3) {
            return plain;
        }
        let start = self.rng.random_range(0..CHANGES.len());
        let in_package: BTreeSet<&String> = self.cat.packages[package].items.iter().collect();
        for k in 0..CHANGES.len() {
            let (add, remove) = CHANGES[(start + k) % CHANGES.len()];
            let add: BTreeSet<String> = add.iter().flat_map(|a| self.cat.closure(a)).filter(|c| !in_package.contains(c)).collect();
            if add.is_empty() && remove.is_empty() {
                continue;
            }
            let sel = Selection {
                package: package.into(),
                add: add.into_iter().collect(),
                remove: remove.iter().map(|c| c.to_string()).collect(),
            };
            if validate(self.cat, &sel, Some(profile)).is_ok() {
                return sel;
            }
        }
        plain
    }

    fn has_room(&self, day: LocalDay, pools: &[PoolKey]) -> bool {
        pools.iter().all(|k| self.left.get(&(day, k.clone())).is_some_and(|n| *n > 0))
    }

    fn take(&mut self, day: LocalDay, pools: &[PoolKey], n: i64) {
        for k in pools {
            *self.left.entry((day, k.clone())).or_default() -= n;
        }
    }

    /// Books `person` on one of `days` (weighted towards the near future) where every pool has
    /// room; `package` chosen per day (age may change with the day).
    fn book(
        &mut self,
        person: &Person,
        days: &[LocalDay],
        channel: &Channel,
        package: impl Fn(u32) -> &'static str,
    ) -> anyhow::Result<Planned> {
        let weighted: Vec<(LocalDay, u32)> = days.iter().map(|d| (*d, (DAYS + 5 - d.days_since(self.today)).max(1) as u32)).collect();
        for _ in 0..50 {
            let day = *synth::pick_weighted(&mut self.rng, &weighted);
            let profile = Profile { sex: person.id.sex(), age: person.id.age_on(day), married: person.married };
            let code = package(profile.age);
            let sel = self.selection(code, &profile);
            let priced = validate(self.cat, &sel, Some(&profile)).map_err(|v| violations(&format!("{} {}", code, person.name), &v))?;
            let special = self.cat.packages[code].special_pool;
            let pools = pools_for(channel, code, special, &priced.resources);
            if !self.has_room(day, &pools) {
                continue;
            }
            self.take(day, &pools, 1);
            let (pool, employer) = match channel {
                Channel::Individual => ("individual", None),
                Channel::Vip => ("vip", None),
                Channel::Group(e) => ("group", Some(e.clone())),
            };
            let request = BookingRequest {
                package: code.into(),
                add_items: sel.add,
                remove_items: sel.remove,
                date: day.to_string(),
                pool: pool.into(),
                employer,
                name: person.name.clone(),
                id_number: person.id.as_str().into(),
                phone: person.phone.clone(),
                married: person.married,
                idempotency_key: None,
                ..Default::default()
            };
            return Ok(Planned { request, day, pools, then: Then::Keep });
        }
        anyhow::bail!("演示体检预约找不到有余号的日期（{}）", person.name)
    }
}

/// The share of people married at `age`.
fn married_share(age: u32) -> f64 {
    match age {
        0..=21 => 0.02,
        22..=25 => 0.2,
        26..=29 => 0.5,
        30..=34 => 0.75,
        _ => 0.9,
    }
}

/// The package an employer pays for, for someone of this sex, age and marital status.
fn employer_package(tier: Tier, sex: Sex, age: u32, married: Option<bool>) -> &'static str {
    let full = tier != Tier::Basic && age >= 40;
    match (sex, married == Some(true)) {
        _ if tier == Tier::Young && age <= 38 => "YOUTH",
        (Sex::Male, _) if full => "M_ADV",
        (Sex::Male, _) => "M_BASIC",
        (Sex::Female, true) if full => "F_ADV_M",
        (Sex::Female, true) => "F_BASIC_M",
        (Sex::Female, false) if tier == Tier::Full => "F_ADV_U",
        (Sex::Female, false) => "F_BASIC_U",
    }
}

/// Plans the demo's bookings: individual and VIP ones after [`INDIVIDUAL_MIX`], then each
/// employer's staff in its window; some individual bookings are later cancelled or moved.
fn plan_bookings(cat: &Catalogue, today: LocalDay, days: &[(LocalDay, DaySetting)]) -> anyhow::Result<Vec<Planned>> {
    let mut p = Planner {
        cat,
        today,
        rng: StdRng::seed_from_u64(SEED),
        left: days.iter().flat_map(|(d, s)| s.pools().into_iter().map(move |(k, n)| ((*d, k), n))).collect(),
        open: days.iter().map(|(d, _)| *d).filter(|d| *d > today).collect(),
        ids: HashSet::new(),
        phones: HashSet::new(),
    };
    let mut out = Vec::new();
    let mut mix: Vec<&data::MixSpec> = INDIVIDUAL_MIX.iter().flat_map(|m| std::iter::repeat_n(m, m.count)).collect();
    for i in (1..mix.len()).rev() {
        mix.swap(i, p.rng.random_range(0..=i));
    }
    for m in mix {
        let who = &cat.packages[m.package].applicability;
        let person = p.person(who.sex, m.ages, who.marital);
        // VIP places go to the individual pool a day ahead: VIP bookings from the third day.
        let (channel, from) = if m.vip { (Channel::Vip, 3) } else { (Channel::Individual, 1) };
        let days: Vec<LocalDay> = p.open.iter().copied().filter(|d| d.days_since(today) >= from).collect();
        out.push(p.book(&person, &days, &channel, |_| m.package)?);
    }
    for (n, planned) in out.iter_mut().enumerate() {
        if planned.request.pool != "individual" {
            continue;
        }
        if n % 13 == 5 {
            planned.then = Then::Cancel;
        } else if n % 21 == 10 {
            let candidates: Vec<LocalDay> =
                p.open.iter().copied().filter(|d| *d != planned.day && p.has_room(*d, &planned.pools)).collect();
            let id = IdCardNumber::parse(&planned.request.id_number, today).context("planned identity number")?;
            let fits = |d: &LocalDay| {
                let profile = Profile { sex: id.sex(), age: id.age_on(*d), married: planned.request.married };
                let sel = Selection {
                    package: planned.request.package.clone(),
                    add: planned.request.add_items.clone(),
                    remove: planned.request.remove_items.clone(),
                };
                validate(cat, &sel, Some(&profile)).is_ok()
            };
            let candidates: Vec<LocalDay> = candidates.into_iter().filter(fits).collect();
            if !candidates.is_empty() {
                let to = candidates[p.rng.random_range(0..candidates.len())];
                p.take(planned.day, &planned.pools, -1);
                p.take(to, &planned.pools, 1);
                planned.then = Then::Reschedule(to);
            }
        }
    }
    for e in EMPLOYERS {
        let days: Vec<LocalDay> = p.open.iter().copied().filter(|d| (e.window.0..=e.window.1).contains(&d.days_since(today))).collect();
        let channel = Channel::Group(e.code.into());
        for _ in 0..e.bookings {
            let person = p.person(None, (22, 58), Marital::Any);
            let (sex, married) = (person.id.sex(), person.married);
            out.push(p.book(&person, &days, &channel, |age| employer_package(e.tier, sex, age, married))?);
        }
    }
    Ok(out)
}

/// Makes the demo's checkup data; see the module documentation.
pub async fn checkup(access: &Access, weight: u64, bar: &ProgressBar) -> anyhow::Result<()> {
    for (code, name) in RESOURCES {
        catalogue::save_resource(access, code, name).await.with_context(|| format!("稀缺资源 {code}"))?;
    }
    for s in ITEMS {
        catalogue::save_item(access, &item(s)).await.with_context(|| format!("体检项目 {} {}", s.code, s.name))?;
    }
    for s in PACKAGES {
        catalogue::save_package(access, &package(s)).await.with_context(|| format!("体检套餐 {} {}", s.code, s.name))?;
    }
    for s in RULES {
        let (r, note) = rule(s);
        catalogue::add_rule(access, &r, note).await.with_context(|| format!("规则 {r:?}"))?;
    }
    let findings = catalogue::audit(access).await?;
    if !findings.is_empty() {
        return Err(audit_failure(&findings));
    }
    advice::seed_questionnaire(access).await?;
    let centre = hops_checkup::centre::model::Centre {
        name: "示范人民医院健康管理中心".into(),
        address: "浙江省杭州市上城区示范路 88 号 门诊楼 3 层".into(),
        phone: "0571-8700 1234".into(),
        arrival: "07:30–10:00 空腹到检（周六 07:30–09:30）".into(),
        directions: "地铁 1 号线示范站 C 口步行约 300 米；院内停车场入口在北门，车位紧张，建议公共交通出行。".into(),
    };
    hops_checkup::centre::service::save(access, &centre).await.context("体检中心信息")?;
    bar.inc(weight * 3 / 10);

    let today = access.now().local_day();
    for (n, e) in EMPLOYERS.iter().enumerate() {
        group::service::save(access, &employer(e, today), Some(&groups::contact_phone(n)))
            .await
            .with_context(|| format!("团检单位 {}", e.name))?;
    }
    let days = capacity_plan(today);
    templates::seed(access, today, &days).await?;
    bar.inc(weight * 3 / 10);

    let cat = catalogue::catalogue(access).await?;
    let planned = plan_bookings(&cat, today, &days)?;
    groups::groups(access, today, &planned).await?;
    for (n, p) in planned.iter().enumerate() {
        let booked = match booking::book(access, &p.request).await.with_context(|| format!("{} 的体检预约", p.request.name))? {
            Ok(b) => b,
            Err(Refusal::Rules(v)) => return Err(violations(&format!("{} {}", p.request.package, p.request.name), &v)),
        };
        match p.then {
            Then::Keep => {}
            Then::Cancel => {
                booking::cancel(access, booked.booking.id).await?;
                continue;
            }
            Then::Reschedule(to) => {
                booking::reschedule(access, booked.booking.id, &to.to_string()).await?;
            }
        }
        // Group bookings their card covers whole are booked paid. Of the rest most are paid
        // (recorded offline: the demo has no payer to go through the WeChat Pay sandbox);
        // every eighth stays unpaid and lets its places go when its hold runs out.
        if n % 8 != 7 && booked.booking.status == hops_checkup::booking::model::Status::PendingPayment {
            let (method, note) =
                if p.request.pool == "group" { (Method::Offline, "员工自费加项") } else { (Method::Onsite, "演示数据") };
            payment::record_offline(access, booked.booking.id, method, note).await?;
        }
    }
    advice::seed_invoices(access).await?;
    bar.inc(weight.saturating_sub(weight * 3 / 10 * 2));
    Ok(())
}

#[cfg(test)]
#[path = "checkup_tests.rs"]
mod tests;
