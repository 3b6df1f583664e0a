//! The demo hospital: a realistic synthetic tenant built through the modules' own services and
//! import paths, exactly as a hospital's data would arrive. Each module contributes a step
//! (see [`steps`]); later modules add theirs.

pub mod activity;
mod analytics;
mod checkup;
mod desk;
mod desk_followup;
mod master;
pub mod synth;

pub use analytics::performance;

use std::sync::Arc;

use hops_kernel::HospitalId;
use hops_platform::accounts::service::{self as accounts, NewHospital, NewUserInput};
use hops_platform::{Access, Core, Role};
use indicatif::{ProgressBar, ProgressStyle};

pub const HOSPITAL_CODE: &str = "demo";
pub const HOSPITAL_NAME: &str = "浙江省示范人民医院（演示）";
/// The password of every demo account. A demo, not a deployment: printed at start.
pub const DEMO_PASSWORD: &str = "Hops-Demo-2026";

/// A demo account printed at start.
pub struct DemoAccount {
    pub role_label: &'static str,
    pub username: String,
    pub password: String,
}

/// What `ensure_demo` did.
pub struct DemoInfo {
    pub hospital_code: String,
    pub hospital_name: String,
    pub accounts: Vec<DemoAccount>,
    /// False when the demo hospital already existed and was left as it was.
    pub created: bool,
}

const ACCOUNTS: &[(Role, &str, &str)] = &[
    (Role::HospitalAdmin, "admin", "周明华"),
    (Role::Operator, "operator", "陈思远"),
    (Role::Agent, "agent", "林晓燕"),
    (Role::ContentReviewer, "reviewer", "宋雅琴"),
    // A doctor signs in with their 工号 as username, which links the account to the doctor; the
    // account takes the doctor's name once the doctors are loaded (see `master::link_accounts`).
    (Role::Doctor, "D0001", "演示医生"),
    (Role::Nurse, "nurse", "刘芳"),
    (Role::Finance, "finance", "赵丽娟"),
    (Role::Auditor, "auditor", "钱志强"),
];

fn accounts_info() -> Vec<DemoAccount> {
    ACCOUNTS
        .iter()
        .map(|(r, u, _)| DemoAccount { role_label: r.label_zh(), username: u.to_string(), password: DEMO_PASSWORD.into() })
        .collect()
}

/// One part of the demo data, contributed by one module.
pub struct Step {
    pub label: &'static str,
    /// Relative amount of work, for the progress bar.
    pub weight: u64,
}

/// Patients at scale 1.
pub const PATIENTS_PER_SCALE: u32 = 50_000;

/// The steps in order. A module adding demo data adds its step here and a `run_step` arm.
pub fn steps(patients: u32) -> Vec<Step> {
    vec![
        Step { label: "科室与医生", weight: 10 },
        Step { label: "患者", weight: 10 + u64::from(patients) / 500 },
        Step { label: "12 个月运营数据", weight: 10 + u64::from(patients) / 100 },
        Step { label: "体检套餐与预约", weight: 10 },
    ]
}

/// Activity volume per 50,000 patients: 1.0 ≈ 100,000 consultations a year.
fn activity_scale(patients: u32) -> f64 {
    f64::from(patients) / f64::from(PATIENTS_PER_SCALE)
}

/// Creates the demo hospital on first run (with `scale` × the base volume of data), showing a
/// progress bar on the terminal; later runs leave it alone and return its accounts.
pub async fn ensure_demo(core: &Arc<Core>, scale: u32) -> anyhow::Result<DemoInfo> {
    if !(1..=1000).contains(&scale) {
        anyhow::bail!("--scale 应在 1 到 1000 之间");
    }
    ensure_demo_with_patients(core, scale * PATIENTS_PER_SCALE).await
}

/// Same as [`ensure_demo`] with an exact number of patients (tests use a small one).
pub async fn ensure_demo_with_patients(core: &Arc<Core>, patients: u32) -> anyhow::Result<DemoInfo> {
    if let Some(h) = accounts::hospital_by_code(core, HOSPITAL_CODE).await? {
        return Ok(DemoInfo { hospital_code: h.code, hospital_name: h.name, accounts: accounts_info(), created: false });
    }
    let hospital =
        accounts::create_hospital(core, NewHospital { code: HOSPITAL_CODE, name: HOSPITAL_NAME, grade: "三级甲等", is_platform: false })
            .await?;
    let access = core.act_as_system(hospital);
    for (role, username, name) in ACCOUNTS {
        accounts::create_user(&access, NewUserInput { username, display_name: name, role: *role, password: DEMO_PASSWORD }).await?;
    }
    let steps = steps(patients);
    let total: u64 = steps.iter().map(|s| s.weight).sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} 生成演示医院 [{bar:40.cyan/blue}] {percent:>3}% {msg} ({elapsed})")?.progress_chars("=> "),
    );
    for step in &steps {
        bar.set_message(step.label);
        run_step(&access, hospital, step, patients, &bar).await?;
    }
    bar.finish_with_message("完成");
    Ok(DemoInfo { hospital_code: HOSPITAL_CODE.into(), hospital_name: HOSPITAL_NAME.into(), accounts: accounts_info(), created: true })
}

async fn run_step(access: &Access, _hospital: HospitalId, step: &Step, patients: u32, bar: &ProgressBar) -> anyhow::Result<()> {
    match step.label {
        "科室与医生" => {
            master::departments_and_doctors(access).await?;
            master::link_accounts(access).await?;
            bar.inc(step.weight);
        }
        "患者" => master::patients(access, patients, step.weight, bar).await?,
        "12 个月运营数据" => {
            analytics::activity(access, activity_scale(patients), step.weight, bar).await?;
            let last_month = hops_analytics::performance::model::Month::containing(access.now().local_day()).previous();
            analytics::performance(access, last_month).await?;
        }
        "体检套餐与预约" => {
            checkup::checkup(access, step.weight, bar).await?;
            desk::desk(access).await?; // 工单、知识库与智能客服 (hops-desk)
            desk_followup::followup(access).await?; // 回访与投诉 (hops-desk)
        }
        other => anyhow::bail!("unknown demo step {other}"),
    }
    Ok(())
}
