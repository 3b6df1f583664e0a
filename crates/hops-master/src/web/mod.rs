//! Pages and API of master data.

mod api;
mod departments;
mod doctors;
mod imports;
mod patients;

use hops_platform::charts::BarChart;
use hops_platform::reencrypt::Column;
use hops_platform::web::{BoxFuture, ChartPanel, Module, NavItem, Routes, Section, Tile, group_digits};
use hops_platform::{Access, Permission, Result};

use crate::service;

/// The master-data module.
pub struct MasterModule;

impl Module for MasterModule {
    fn audit_actions(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("department.create", "新建科室"),
            ("department.update", "修改科室"),
            ("department.import", "导入科室"),
            ("doctor.create", "新建医生"),
            ("doctor.update", "修改医生"),
            ("doctor.import", "导入医生"),
            ("patient.create", "新建患者"),
            ("patient.update", "修改患者"),
            ("patient.import", "导入患者"),
        ]
    }

    fn name(&self) -> &'static str {
        "master"
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem { section: Section::MasterData, label: "科室", href: "/departments", permission: Permission::MasterRead },
            NavItem { section: Section::MasterData, label: "医生", href: "/doctors", permission: Permission::MasterRead },
            NavItem { section: Section::MasterData, label: "患者", href: "/patients", permission: Permission::MasterRead },
        ]
    }

    fn routes(&self) -> Routes {
        departments::routes().merge(doctors::routes()).merge(patients::routes()).merge(imports::routes()).merge(api::routes())
    }

    fn encrypted_columns(&self) -> Vec<Column> {
        // Patients' own numbers, until they became their person's (`people`, a platform column).
        let dropped = hops_platform::people::adopt::DROPS_ROLE_COLUMNS;
        vec![
            Column::new(service::ID_NUMBER).indexed_by("id_number_bidx").dropped_by(dropped),
            Column::new(service::PHONE).indexed_by("phone_bidx").dropped_by(dropped),
        ]
    }

    fn person_roles(&self) -> Vec<hops_platform::people::adopt::Role> {
        vec![hops_platform::people::adopt::Role { table: "patients", id_number: service::ID_NUMBER, phone: service::PHONE }]
    }

    fn tiles<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<Tile>>> {
        Box::pin(async move {
            let Some([departments, doctors, online, patients, new_patients]) = service::headline(access).await? else {
                return Ok(Vec::new());
            };
            let n = |v: i64| group_digits(v);
            Ok(vec![
                Tile {
                    label: "注册患者".into(),
                    value: n(patients),
                    sub: format!("本月新增 {}", n(new_patients)),
                    href: "/patients".into(),
                },
                Tile {
                    label: "医生".into(), value: n(doctors), sub: format!("开通线上门诊 {}", n(online)), href: "/doctors".into()
                },
                Tile { label: "科室".into(), value: n(departments), sub: "含医技与健康管理".into(), href: "/departments".into() },
            ])
        })
    }

    fn charts<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<ChartPanel>>> {
        Box::pin(async move {
            if !access.can(Permission::MasterRead) {
                return Ok(Vec::new());
            }
            let monthly = service::monthly_registrations(access).await?;
            let (labels, values): (Vec<String>, Vec<i64>) = monthly.into_iter().unzip();
            let total: i64 = values.iter().sum();
            let channels = service::patients_by_channel(access).await?;
            let (clabels, cvalues): (Vec<String>, Vec<i64>) = channels.into_iter().take(8).unzip();
            Ok(vec![
                ChartPanel {
                    title: "新注册患者（近 12 个月）".into(),
                    subtitle: format!("合计 {}", group_digits(total)),
                    svg: BarChart { labels: &labels, values: &values, unit: "人" }.svg(),
                    href: "/patients".into(),
                },
                ChartPanel {
                    title: "患者来源渠道".into(),
                    subtitle: "按注册渠道统计".into(),
                    svg: BarChart { labels: &clabels, values: &cvalues, unit: "人" }.svg(),
                    href: "/patients".into(),
                },
            ])
        })
    }
}

pub use hops_platform::web::FormErrors;
