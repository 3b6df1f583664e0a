//! Use cases of payment: pay a booking with WeChat Pay, take the payment callbacks (verified,
//! idempotent, safe in any order), record on-site and offline payments, refund, reconcile.

use std::sync::Arc;

use hops_kernel::{HospitalId, LocalDay};
use hops_platform::jobs::{self, BoxFuture, Enqueue, Job, JobRun};
use hops_platform::{Access, Core, Error, Permission, Result, Tx};
use serde::{Deserialize, Serialize};

use super::gateway::{self, Gateway, GatewayError};
use super::model::{self, Method, Mismatch, PayStatus, RefundStatus};
use super::store;
use super::wechat::{self, Amount, Notification, OrderRequest, RefundAmount, RefundRequest, SignedHeaders, Transaction};
use crate::booking::model::{Action, Status};
use crate::booking::store::{self as bookings, BookingRow};
use crate::capacity::service as capacity;

/// The job that asks WeChat Pay to refund (retried until it answers).
pub const REFUND_JOB: &str = "checkup.refund";

fn gateway_error(e: GatewayError) -> Error {
    tracing::warn!(error = %e, "wechat pay gateway");
    Error::client(502, "payment_gateway", format!("支付通道暂不可用，请稍后重试（{e}）"))
}

async fn booking(access: &Access, id: i64) -> Result<BookingRow> {
    let mut c = access.tenant().read().await?;
    bookings::booking(&mut c, id).await?.ok_or_else(|| Error::not_found("预约"))
}

/// Starts a WeChat Pay (H5) payment of an unpaid booking; returns the address to send the
/// payer to, who comes back to `return_path` (a path on this server). Refused (503) when online
/// payment is off.
pub async fn start_wechat(access: &Access, booking_id: i64, client_ip: &str, return_path: &str) -> Result<String> {
    crate::booking::service::authorize(access, booking_id, Permission::CheckupBook).await?;
    let core = access.core();
    let gw = gateway::for_server(core).ok_or_else(gateway::unavailable)?;
    if !gw.config().is_sandbox() && core.config.public_url.is_none() {
        tracing::error!("WeChat Pay is configured but HOPS_PUBLIC_URL is not: notifications could not reach this server");
        return Err(Error::client(
            503,
            "payment_unavailable",
            "在线支付配置不完整（未设置公网地址 HOPS_PUBLIC_URL），请到体检中心现场支付",
        ));
    }
    let b = booking(access, booking_id).await?;
    let now = access.now();
    if b.status != Status::PendingPayment || b.hold_until.is_some_and(|t| t <= now) {
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，不能支付", b.status.label_zh())));
    }
    if b.total.fen() <= 0 {
        return Err(Error::conflict("nothing_to_pay", "该预约无需支付"));
    }
    let mut tx = access.tenant().write().await?;
    let id = tx.next_id(access.engine()).await?;
    let out_trade_no = model::out_trade_no(access.hospital().0, id);
    store::insert_payment(
        &mut tx,
        id,
        b.id,
        Method::Wechat,
        &out_trade_no,
        b.total,
        PayStatus::Pending,
        "",
        access.actor().user_id.map(|u| u.0),
        now,
    )
    .await?;
    access
        .audit(&mut tx, "checkup.payment.start", &format!("checkup_booking:{}", b.id), &format!("{} 微信支付 {}", b.number, b.total))
        .await?;
    tx.commit().await?;
    let cfg = gw.config();
    let order = OrderRequest {
        appid: cfg.appid.clone(),
        mchid: cfg.mchid.clone(),
        description: format!("健康体检预约 {}", b.number),
        out_trade_no: out_trade_no.clone(),
        notify_url: gateway::notify_url(core, access.hospital().0),
        amount: Amount { total: b.total.fen(), currency: "CNY".into() },
        payer: None,
        scene_info: Some(serde_json::json!({ "payer_client_ip": client_ip, "h5_info": { "type": "Wap" } })),
        time_expire: b.hold_until.map(|t| t.to_shanghai().strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()),
    };
    match gw.h5_order(&cfg.api_base(core), &order, now.0 / 1_000_000).await {
        Ok(r) => {
            let url = r.h5_url.ok_or_else(|| gateway_error(GatewayError::Decode("应答缺少 h5_url".into())))?;
            let back = format!("{}{return_path}", core.public_url());
            Ok(format!("{url}&redirect_url={}", hops_platform::web::pages::url_encode(&back)))
        }
        Err(e) => {
            let mut tx = access.tenant().write().await?;
            store::close_payment(&mut tx, id, access.now()).await?;
            access.audit(&mut tx, "checkup.payment.failed", &format!("checkup_booking:{}", b.id), &b.number).await?;
            tx.commit().await?;
            Err(gateway_error(e))
        }
    }
}

/// Why a callback was refused (WeChat Pay retries refused callbacks).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("签名无效")]
    BadSignature,
    #[error("通知内容无效：{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(#[from] Error),
}

/// Takes a WeChat Pay callback for `hospital`: checks its signature, decrypts it and applies it
/// once (a repeated notification changes nothing). A payment for a booking that expired or
/// was cancelled meanwhile is kept and refunded.
pub async fn notify(
    core: &Arc<Core>,
    gw: &Gateway,
    hospital: i64,
    headers: SignedHeaders<'_>,
    body: &str,
) -> std::result::Result<(), NotifyError> {
    let cfg = gw.config();
    wechat::verify_signed(&cfg.platform_key, &cfg.platform_serial, &headers, body, core.now().0 / 1_000_000)
        .map_err(|_| NotifyError::BadSignature)?;
    let n: Notification = serde_json::from_str(body).map_err(|e| NotifyError::Invalid(e.to_string()))?;
    let plain = cfg.api_v3_key.decrypt(&n.resource).map_err(|e| NotifyError::Invalid(e.to_string()))?;
    let access = core.act_as_system(HospitalId(hospital));
    match n.event_type.as_str() {
        "TRANSACTION.SUCCESS" => {
            let t: Transaction = serde_json::from_str(&plain).map_err(|e| NotifyError::Invalid(e.to_string()))?;
            if t.mchid != cfg.mchid || t.appid != cfg.appid || t.trade_state != "SUCCESS" {
                return Err(NotifyError::Invalid("商户号、应用或交易状态不符".into()));
            }
            paid(&access, &n.id, &t).await
        }
        e if e.starts_with("REFUND.") => {
            let r: wechat::Refund = serde_json::from_str(&plain).map_err(|e| NotifyError::Invalid(e.to_string()))?;
            refunded(&access, &n.id, &r).await
        }
        other => Err(NotifyError::Invalid(format!("未知的通知类型 {other}"))),
    }
}

async fn paid(access: &Access, notification: &str, t: &Transaction) -> std::result::Result<(), NotifyError> {
    let mut tx = access.tenant().write().await.map_err(Error::from)?;
    let Some(p) = store::payment_by_trade_no(&mut tx, &t.out_trade_no).await.map_err(Error::from)? else {
        return Err(NotifyError::Invalid(format!("未知的商户订单号 {}", t.out_trade_no)));
    };
    if t.amount.total != p.amount.fen() {
        return Err(NotifyError::Invalid(format!("金额不符：通知 {} 分，订单 {} 分", t.amount.total, p.amount.fen())));
    }
    if !store::first_notification(&mut tx, notification, "TRANSACTION.SUCCESS", access.now()).await.map_err(Error::from)? {
        return Ok(());
    }
    let now = access.now();
    if store::mark_paid(&mut tx, p.id, t.transaction_id.as_deref().unwrap_or(""), now, now).await.map_err(Error::from)? {
        let b = bookings::booking(&mut tx, p.booking_id).await.map_err(Error::from)?.ok_or_else(|| Error::not_found("预约"))?;
        let target = format!("checkup_booking:{}", b.id);
        if b.status == Status::PendingPayment
            && crate::booking::history::change(access, &mut tx, b.id, Status::PendingPayment, Action::Pay, "微信支付").await?
        {
            access.audit(&mut tx, "checkup.payment.paid", &target, &format!("{} 微信支付 {}", b.number, p.amount)).await?;
            crate::booking::service::publish_paid(access, &mut tx, &b, p.amount).await?;
        } else {
            // Paid after the hold ran out or the booking was cancelled: the money goes back.
            let reason = format!("预约已{}，自动退款", b.status.label_zh().trim_start_matches('已'));
            refund_payment(access, &mut tx, &p, &reason).await?;
            access
                .audit(&mut tx, "checkup.payment.late", &target, &format!("{} 支付时预约为“{}”，已发起退款", b.number, b.status.label_zh()))
                .await?;
        }
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

async fn refunded(access: &Access, notification: &str, r: &wechat::Refund) -> std::result::Result<(), NotifyError> {
    let mut tx = access.tenant().write().await.map_err(Error::from)?;
    let Some(row) = store::refund_by_no(&mut tx, &r.out_refund_no).await.map_err(Error::from)? else {
        return Err(NotifyError::Invalid(format!("未知的退款单号 {}", r.out_refund_no)));
    };
    if !store::first_notification(&mut tx, notification, "REFUND", access.now()).await.map_err(Error::from)? {
        return Ok(());
    }
    let status = if r.status == "SUCCESS" { RefundStatus::Success } else { RefundStatus::Abnormal };
    if store::finish_refund(&mut tx, row.id, status, r.refund_id.as_deref(), access.now()).await.map_err(Error::from)? {
        access
            .audit(
                &mut tx,
                "checkup.refund.done",
                &format!("checkup_booking:{}", row.booking_id),
                &format!("{} {}", row.out_refund_no, status.label_zh()),
            )
            .await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(())
}

/// Creates the refund of a paid payment: WeChat Pay refunds go out through the job queue
/// (retried until WeChat Pay answers); money taken at the counter or offline is recorded as
/// returned.
async fn refund_payment(access: &Access, tx: &mut Tx, p: &store::PaymentRow, reason: &str) -> Result<()> {
    let id = tx.next_id(access.engine()).await?;
    let no = model::out_refund_no(access.hospital().0, id);
    let status = if p.method == Method::Wechat { RefundStatus::Processing } else { RefundStatus::Success };
    store::insert_refund(tx, id, p.booking_id, p.id, &no, p.amount, status, reason, access.now()).await?;
    if p.method == Method::Wechat {
        jobs::enqueue(access, tx, Enqueue::job::<SendRefund>(&RefundRef { refund: id })).await?;
    }
    Ok(())
}

/// Records a payment taken at the counter or outside the system; the booking becomes paid.
pub async fn record_offline(access: &Access, booking_id: i64, method: Method, note: &str) -> Result<()> {
    access.require(Permission::CheckupBook)?;
    if method == Method::Wechat {
        return Err(Error::invalid_field("method", "微信支付由支付通知确认，不能手工登记"));
    }
    if note.chars().count() > 200 {
        return Err(Error::invalid_field("note", "备注不能超过 200 个字"));
    }
    let mut tx = access.tenant().write().await?;
    let b = bookings::booking(&mut tx, booking_id).await?.ok_or_else(|| Error::not_found("预约"))?;
    let now = access.now();
    if b.status != Status::PendingPayment
        || !crate::booking::history::change(access, &mut tx, b.id, Status::PendingPayment, Action::Pay, method.label_zh()).await?
    {
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，不能登记收款", b.status.label_zh())));
    }
    let id = tx.next_id(access.engine()).await?;
    let no = model::out_trade_no(access.hospital().0, id);
    store::insert_payment(&mut tx, id, b.id, method, &no, b.total, PayStatus::Paid, note.trim(), access.actor().user_id.map(|u| u.0), now)
        .await?;
    access
        .audit(
            &mut tx,
            "checkup.payment.record",
            &format!("checkup_booking:{}", b.id),
            &format!("{} {} {}", b.number, method.label_zh(), b.total),
        )
        .await?;
    crate::booking::service::publish_paid(access, &mut tx, &b, b.total).await?;
    tx.commit().await?;
    Ok(())
}

/// Refunds a paid booking: its places are given back at once and each payment is refunded.
pub async fn refund(access: &Access, booking_id: i64, reason: &str) -> Result<BookingRow> {
    crate::booking::service::authorize(access, booking_id, Permission::CheckupBook).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::invalid_field("reason", "请填写退款原因（不超过 200 个字）"));
    }
    let mut tx = access.tenant().write().await?;
    let b = bookings::booking(&mut tx, booking_id).await?.ok_or_else(|| Error::not_found("预约"))?;
    if !b.can_refund() || !crate::booking::history::change(access, &mut tx, b.id, b.status, Action::Refund, reason).await? {
        let hint = if b.can_cancel() { "，未付款的预约请直接取消" } else { "" };
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，不能退款{hint}", b.status.label_zh())));
    }
    let pools = bookings::pools_of(&mut tx, b.id).await?;
    capacity::give_back_all(access, &mut tx, b.day, &pools).await?;
    for p in store::payments_of(&mut tx, b.id).await?.iter().filter(|p| p.status == PayStatus::Paid) {
        refund_payment(access, &mut tx, p, reason).await?;
    }
    access
        .audit(&mut tx, "checkup.booking.refund", &format!("checkup_booking:{}", b.id), &format!("{} {}：{reason}", b.number, b.total))
        .await?;
    tx.commit().await?;
    Ok(BookingRow { status: Status::Refunded, ..b })
}

/// The refund a job is about.
#[derive(Serialize, Deserialize)]
pub struct RefundRef {
    refund: i64,
}

/// Sends a refund to WeChat Pay and records its answer; retried by the queue until WeChat Pay
/// answers. A refund no longer being processed (answered meanwhile) is left alone; sending
/// the same refund twice is safe (WeChat Pay keys it by its refund number).
pub struct SendRefund;

impl Job for SendRefund {
    const KIND: &'static str = REFUND_JOB;
    const LABEL: &'static str = "微信支付退款";
    type Payload = RefundRef;
    fn run<'a>(&'a self, job: &'a mut JobRun, p: RefundRef) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let access = &job.access.clone();
            let (r, p) = {
                let mut c = access.tenant().read().await?;
                let Some(r) = store::refund(&mut c, p.refund).await? else { return Ok(()) };
                let payments = store::payments_of(&mut c, r.booking_id).await?;
                let Some(p) = payments.into_iter().find(|p| p.id == r.payment_id) else { return Ok(()) };
                (r, p)
            };
            if r.status != RefundStatus::Processing {
                return Ok(());
            }
            let core = access.core();
            let gw = gateway::for_server(core).ok_or_else(|| anyhow::anyhow!("在线支付未开通（未配置微信支付商户），不能发起退款"))?;
            let cfg = gw.config();
            let request = RefundRequest {
                out_trade_no: p.out_trade_no.clone(),
                out_refund_no: r.out_refund_no.clone(),
                reason: "体检预约退款".into(),
                notify_url: gateway::notify_url(core, access.hospital().0),
                amount: RefundAmount { refund: r.amount.fen(), total: p.amount.fen(), currency: "CNY".into() },
            };
            // The call first, the record after it in the job's transaction.
            match gw.refund(&cfg.api_base(core), &request, access.now().0 / 1_000_000).await {
                Ok(answer) => {
                    if answer.status == "SUCCESS" || answer.status == "ABNORMAL" || answer.status == "CLOSED" {
                        let status = if answer.status == "SUCCESS" { RefundStatus::Success } else { RefundStatus::Abnormal };
                        let (access, tx) = job.tx().await?;
                        store::finish_refund(tx, r.id, status, answer.refund_id.as_deref(), access.now()).await?;
                    }
                    Ok(())
                }
                Err(GatewayError::Refused { code, message, .. }) => {
                    let (access, tx) = job.tx().await?;
                    store::finish_refund(tx, r.id, RefundStatus::Abnormal, None, access.now()).await?;
                    let target = format!("checkup_booking:{}", r.booking_id);
                    access.audit(tx, "checkup.refund.refused", &target, &format!("{code}：{message}")).await?;
                    Ok(())
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        })
    }
}

/// A booking's payments and refunds.
pub async fn money_of(access: &Access, booking_id: i64) -> Result<(Vec<store::PaymentRow>, Vec<store::RefundRow>)> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    if bookings::booking(&mut c, booking_id).await?.is_none() {
        return Err(Error::not_found("预约"));
    }
    Ok((store::payments_of(&mut c, booking_id).await?, store::refunds_of(&mut c, booking_id).await?))
}

/// The day's reconciliation: every mismatch between money and bookings (how many bookings
/// were checked, and the mismatches); [`super::reconcile::day`] adds the summary.
pub async fn reconcile(access: &Access, day: LocalDay) -> Result<(usize, Vec<Mismatch>)> {
    let r = super::reconcile::day(access, day).await?;
    Ok((r.bookings, r.mismatches))
}
