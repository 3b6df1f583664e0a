//! The checkup module's API and jobs.

mod api;
mod api_advice;
mod api_booking;
mod api_capacity;
mod api_group;
mod api_invoice;
mod api_pay;
mod h5;
mod h5_advice;
mod h5_group;
mod pages;
mod pages_advice;
mod pages_capacity;
mod pages_catalogue;
mod pages_group;
mod pages_invoice;
mod pages_reconcile;
mod sandbox;
mod transfer;

use std::sync::Arc;

use hops_platform::Permission;
use hops_platform::jobs::{BoxFuture, JobHandler, JobRun};
use hops_platform::reencrypt::{Column, Key};
use hops_platform::web::{Module, NavItem, Routes, Section};

use crate::booking::service::{self as booking, EXPIRE_HOLD_JOB};
use crate::capacity::service::{self as capacity, RELEASE_VIP_JOB};
use crate::payment::service::{self as pay, REFUND_JOB};

/// The health-checkup module.
pub struct CheckupModule;

impl Module for CheckupModule {
    fn name(&self) -> &'static str {
        "checkup"
    }

    fn nav(&self) -> Vec<NavItem> {
        let item = |label, href| NavItem { section: Section::Checkup, label, href, permission: Permission::CheckupRead };
        vec![
            item("体检预约", "/checkup/bookings"),
            item("号源监控", "/checkup/capacity"),
            item("体检目录", "/checkup/items"),
            item("团检单位", "/checkup/groups"),
            item("签到台", "/checkup/desk"),
            item("体检对账", "/checkup/reconciliation"),
            item("健康问卷", "/checkup/questionnaire"),
            item("发票申请", "/checkup/invoices"),
        ]
    }

    fn topics(&self) -> Vec<&'static hops_platform::notify::Topic> {
        vec![&crate::group::service::REMINDER]
    }

    fn encrypted_columns(&self) -> Vec<Column> {
        use crate::group::service as group;
        vec![
            Column::new(booking::PERSON_ID_NUMBER).indexed_by("id_number_bidx"),
            Column::new(booking::PERSON_PHONE).indexed_by("phone_bidx"),
            Column::new(group::EMPLOYEE_ID_NUMBER).indexed_by("id_number_bidx"),
            Column::new(group::EMPLOYEE_PHONE).indexed_by("phone_bidx"),
            Column::new(group::EMPLOYER_CONTACT_PHONE).keyed_by(Key::Text("code")).indexed_by("contact_phone_bidx"),
            Column::new(crate::h5::SESSION_PHONE).keyed_by(Key::Text("token_hash")).indexed_by("phone_bidx"),
            Column::new(crate::h5::group::SESSION_PHONE).keyed_by(Key::Text("token_hash")).indexed_by("phone_bidx"),
        ]
    }

    fn routes(&self) -> Routes {
        match crate::payment::gateway::live() {
            Some(g) => tracing::info!(config = ?g.config(), "checkup payments"),
            None => tracing::info!("checkup payments: no WeChat Pay merchant configured (online payment off unless the sandbox is on)"),
        }
        api::routes()
            .merge(api_booking::routes())
            .merge(api_pay::routes())
            .merge(api_group::routes())
            .merge(transfer::routes())
            .merge(pages::routes())
            .merge(pages_group::routes())
            .merge(api_capacity::routes())
            .merge(pages_capacity::routes())
            .merge(pages_catalogue::routes())
            .merge(pages_reconcile::routes())
            .merge(sandbox::routes())
            .merge(h5::routes())
            .merge(api_advice::routes())
            .merge(api_invoice::routes())
            .merge(pages_advice::routes())
            .merge(pages_invoice::routes())
            .merge(h5_advice::routes())
            .merge(h5_group::routes())
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(ExpireHold), Arc::new(ReleaseVip), Arc::new(SendRefund)]
    }
}

fn payload_i64(job: &JobRun, key: &str) -> anyhow::Result<i64> {
    job.payload.get(key).and_then(|v| v.as_i64()).ok_or_else(|| anyhow::anyhow!("payload lacks {key}"))
}

/// Lets an unpaid booking's places go when its hold runs out.
struct ExpireHold;

impl JobHandler for ExpireHold {
    fn kind(&self) -> &'static str {
        EXPIRE_HOLD_JOB
    }
    fn run<'a>(&'a self, job: &'a JobRun) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            // Idempotent: a booking paid, cancelled or already expired is left alone.
            booking::expire(&job.access, payload_i64(job, "booking")?).await?;
            let mut tx = job.access.tenant().write().await?;
            job.complete_in(&mut tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// Moves a date's unused VIP places to the individual pool at the cut-off.
struct ReleaseVip;

impl JobHandler for ReleaseVip {
    fn kind(&self) -> &'static str {
        RELEASE_VIP_JOB
    }
    fn run<'a>(&'a self, job: &'a JobRun) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let day = hops_kernel::LocalDay(i32::try_from(payload_i64(job, "day")?)?);
            let cutoff = capacity::get_settings(&job.access).await?.vip_cutoff_hours;
            // Idempotent: a date released already (by a booking after the cut-off) stays as is.
            capacity::release_vip_if_due(&job.access, day, cutoff).await?;
            let mut tx = job.access.tenant().write().await?;
            job.complete_in(&mut tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// Sends a refund to WeChat Pay; retried by the queue until WeChat Pay answers.
struct SendRefund;

impl JobHandler for SendRefund {
    fn kind(&self) -> &'static str {
        REFUND_JOB
    }
    fn run<'a>(&'a self, job: &'a JobRun) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            pay::send_refund(&job.access, payload_i64(job, "refund")?).await?;
            let mut tx = job.access.tenant().write().await?;
            job.complete_in(&mut tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
