//! The demo employers' group side (团检): a fixed card per package each pays for, a family card
//! the family member pays at 80 %, a 20 % discount on add-ons, the contact's phone; and each
//! list — everyone the demo books for the employer, as many again who have not booked yet, and
//! the spouse of some employees.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use anyhow::Context;
use hops_checkup::group::model::{CardKind, Payer, Plan};
use hops_checkup::group::service as group;
use hops_kernel::{LocalDay, Sex};
use hops_platform::Access;
use hops_platform::tabular::Table;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::data::EMPLOYERS;
use super::{Planned, employer_package};
use crate::synth;

const DEPARTMENTS: [&str; 8] = ["综合办公室", "财务部", "人力资源部", "市场部", "研发中心", "生产部", "后勤保障部", "信息中心"];
/// The family card: the basic package for married women, paid by the family member at 80 %.
const FAMILY_PLAN: &str = "FAMILY_F";
const FAMILY_PACKAGE: &str = "F_BASIC_M";

/// The contact phone of the `n`th demo employer.
pub(super) fn contact_phone(n: usize) -> String {
    format!("1380571{:04}", 1001 + n)
}

/// Cards, discounts and lists of the demo employers (after [`super::plan_bookings`], whose
/// group bookings name the people listed here).
pub(super) async fn groups(access: &Access, today: LocalDay, planned: &[Planned]) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(20_261_125);
    let mut taken: HashSet<String> = planned.iter().map(|p| p.request.id_number.clone()).collect();
    let header = ["name", "id_number", "phone", "department", "plan", "relation", "employee_id_number"].map(String::from).to_vec();
    for e in EMPLOYERS {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let dept = |rng: &mut StdRng| DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())].to_string();
        for p in planned.iter().filter(|p| p.request.employer.as_deref() == Some(e.code)) {
            let r = &p.request;
            rows.push(vec![
                r.name.clone(),
                r.id_number.clone(),
                r.phone.clone(),
                dept(&mut rng),
                r.package.clone(),
                String::new(),
                String::new(),
            ]);
        }
        let mut spouses = Vec::new();
        for k in 0..e.bookings {
            let p = loop {
                let p = synth::person(&mut rng, today, 24..=56);
                if taken.insert(p.id_number.as_str().to_string()) {
                    break p;
                }
            };
            let age = p.id_number.age_on(today);
            let married = rng.random_bool(0.7);
            let package = employer_package(e.tier, p.sex, age, Some(married));
            let row = vec![
                p.name.clone(),
                p.id_number.as_str().into(),
                p.phone.as_str().into(),
                dept(&mut rng),
                package.into(),
                String::new(),
                String::new(),
            ];
            if k % 4 == 0 && married && p.sex == Sex::Male {
                let s = loop {
                    let s = synth::person(&mut rng, today, 24..=56);
                    if s.sex == Sex::Female && taken.insert(s.id_number.as_str().to_string()) {
                        break s;
                    }
                };
                spouses.push(vec![
                    s.name,
                    s.id_number.as_str().into(),
                    s.phone.as_str().into(),
                    String::new(),
                    FAMILY_PLAN.into(),
                    "配偶".into(),
                    p.id_number.as_str().into(),
                ]);
            }
            rows.push(row);
        }
        rows.extend(spouses);
        let packages: BTreeSet<&str> = rows.iter().filter(|r| r[4] != FAMILY_PLAN).map(|r| r[4].as_str()).collect();
        let catalogue = hops_checkup::catalogue::service::catalogue(access).await?;
        let names = &catalogue.packages;
        for package in packages {
            let name = names.get(package).map_or(package, |p| p.name.as_str());
            let plan = Plan {
                employer: e.code.into(),
                code: package.into(),
                name: format!("{name}卡"),
                kind: CardKind::Fixed,
                package: package.into(),
                payer: Payer::Employer,
            };
            group::save_plan(access, &plan).await.with_context(|| format!("{} 的团检卡 {package}", e.name))?;
        }
        let family = Plan {
            employer: e.code.into(),
            code: FAMILY_PLAN.into(),
            name: "家属卡（女）".into(),
            kind: CardKind::Fixed,
            package: FAMILY_PACKAGE.into(),
            payer: Payer::Person { pct: 80 },
        };
        group::save_plan(access, &family).await.with_context(|| format!("{} 的家属卡", e.name))?;
        // Imaging add-ons at half price for the bank's staff.
        if e.code == "SFYH" {
            let per_item: BTreeMap<String, u32> = [("LDCT".to_string(), 50), ("US_THYROID".to_string(), 50)].into();
            group::set_discounts(access, e.code, &per_item).await?;
        }
        let report = group::import_roster(access, e.code, &Table { headers: header.clone(), rows }).await?;
        if !report.committed {
            let problems: Vec<String> = report.rejected.iter().map(|p| format!("第 {} 行 {}：{}", p.row, p.column, p.message)).collect();
            anyhow::bail!("{} 的团检名单未能导入：{}", e.name, problems.join("；"));
        }
    }
    Ok(())
}
