//! Demo master data through the master module's own import path.

use hops_master::import::{self, Kind, Mode};
use hops_platform::accounts::service::{self as accounts, UserUpdate};
use hops_platform::tabular::Table;
use hops_platform::{Access, Role};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::synth;

const SEED: u64 = 20_261_122;
const CHUNK: u32 = 5_000;

fn table(kind: Kind, rows: Vec<Vec<String>>) -> Table {
    Table { headers: kind.columns().iter().map(|c| c.key.to_string()).collect(), rows }
}

async fn run(access: &Access, kind: Kind, rows: Vec<Vec<String>>) -> anyhow::Result<()> {
    let report = import::import(access, kind, &table(kind, rows), Mode::AllOrNothing).await?;
    if !report.committed {
        let first = report.rejected.first().map(|e| format!("第 {} 行 {}: {}", e.row, e.column, e.message)).unwrap_or_default();
        anyhow::bail!("演示{}数据未通过校验（{} 处问题），例如 {first}", kind.label_zh(), report.rejected.len());
    }
    Ok(())
}

fn category(name: &str) -> &'static str {
    if name.contains("外科") || name.contains("骨科") {
        "外科"
    } else if ["放射", "检验", "病理", "超声", "麻醉"].iter().any(|k| name.contains(k)) {
        "医技"
    } else if ["妇", "产", "儿"].iter().any(|k| name.contains(k)) {
        "妇儿"
    } else if name.contains("健康管理") {
        "健康管理"
    } else {
        "内科"
    }
}

const SPECIALTIES: &[&str] =
    &["常见病、多发病的诊治", "慢病管理与随访", "疑难危重症诊治", "微创治疗", "术后康复指导", "健康体检结果解读", "用药咨询与调整"];

pub async fn departments_and_doctors(access: &Access) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let departments = synth::DEPARTMENTS
        .iter()
        .map(|d| vec![d.code.into(), d.name.into(), category(d.name).into(), if category(d.name) == "医技" { "否" } else { "是" }.into()])
        .collect();
    run(access, Kind::Departments, departments).await?;
    let mut doctors = Vec::new();
    let mut n = 0;
    for d in synth::DEPARTMENTS {
        for _ in 0..d.doctors {
            n += 1;
            let title = *synth::pick_weighted(&mut rng, synth::TITLES);
            let online = rng.random_bool(0.8);
            let specialty = format!("{}{}", d.name, SPECIALTIES[rng.random_range(0..SPECIALTIES.len())]);
            doctors.push(vec![
                format!("D{n:04}"),
                synth::doctor_name(&mut rng),
                d.code.into(),
                title.into(),
                specialty,
                if online { "是" } else { "否" }.into(),
            ]);
        }
    }
    run(access, Kind::Doctors, doctors).await
}

/// The staff accounts as their people are: the doctor account (username = 工号) takes its
/// doctor's name; the nurse works the first department's follow-up calls (her care team).
pub async fn link_accounts(access: &Access) -> anyhow::Result<()> {
    let doctors = hops_master::service::doctor_ids(access).await?;
    let first_department = hops_master::service::department_choices(access).await?.into_iter().next().map(|(code, _, _)| code);
    for user in accounts::directory(access).await? {
        let update = match user.role {
            Role::Doctor => match doctors.get(&user.username) {
                Some((id, _)) => {
                    let name = hops_master::service::doctor(access, *id).await?.name;
                    Some((name, String::new()))
                }
                None => None,
            },
            Role::Nurse => first_department.clone().map(|d| (user.display_name.clone(), d)),
            _ => None,
        };
        if let Some((name, departments)) = update {
            let u = UserUpdate { display_name: &name, role: user.role, disabled: false, departments: &departments };
            accounts::update_user(access, user.id, u).await?;
        }
    }
    Ok(())
}

/// Patients registered over the past three years, more recently (growth), with acquisition
/// channels; checksum-valid ID numbers and valid mobile numbers.
pub async fn patients(access: &Access, total: u32, weight: u64, bar: &ProgressBar) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(SEED + 1);
    let today = access.now().local_day();
    let now = access.now();
    let mut seen_ids = std::collections::HashSet::new();
    let mut seen_phones = std::collections::HashSet::new();
    let mut made = 0u32;
    let mut serial = 0u32;
    while made < total {
        let n = CHUNK.min(total - made);
        let mut rows = Vec::with_capacity(n as usize);
        while rows.len() < n as usize {
            let p = synth::person(&mut rng, today, 0..=90);
            if !seen_ids.insert(p.id_number.as_str().to_string()) || !seen_phones.insert(p.phone.as_str().to_string()) {
                continue;
            }
            serial += 1;
            // Growth: registrations skew towards the recent past (square root of a uniform draw).
            let age_days = (1095.0 * (1.0 - rng.random::<f64>().sqrt())) as i64;
            let minute = rng.random_range(7 * 60..23 * 60);
            let registered = now.plus_seconds(-age_days * 86_400).local_day().start().plus_minutes(minute).min(now);
            let channel = *synth::pick_weighted(&mut rng, synth::CHANNELS);
            rows.push(vec![
                format!("P{serial:08}"),
                p.name,
                String::new(),
                String::new(),
                p.id_number.as_str().to_string(),
                p.phone.as_str().to_string(),
                channel.to_string(),
                registered.to_string(),
            ]);
        }
        run(access, hops_master::import::Kind::Patients, rows).await?;
        made += n;
        bar.inc(weight * u64::from(n) / u64::from(total.max(1)));
    }
    Ok(())
}
