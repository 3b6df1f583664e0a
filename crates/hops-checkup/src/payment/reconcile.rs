//! The daily reconciliation as staff read it: a summary (bookings checked, money received and
//! returned on them, how many match) with the mismatch list, and the list as XLSX.

use hops_kernel::{LocalDay, Money};
use hops_platform::{Access, Permission, Result, tabular};

use super::model::{self, Ledger, Mismatch};
use super::store;
use crate::booking::model::Status;

/// "金额不符" for `amount_differs`, the kind's code otherwise.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        "paid_without_payment" => "已支付无收款",
        "amount_differs" => "金额不符",
        "money_not_returned" => "款项未退",
        "over_refunded" => "超额退款",
        other => other,
    }
}

/// One day's reconciliation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciliation {
    pub day: LocalDay,
    /// Bookings checked: those of the day, and those that received or returned money that day.
    pub bookings: usize,
    /// Checked bookings without any mismatch.
    pub matched: usize,
    /// Paid payments of the checked bookings.
    pub paid: Money,
    /// Successful refunds of the checked bookings.
    pub refunded: Money,
    pub mismatches: Vec<Mismatch>,
    /// Every checked booking with its money and what it came to, by booking number.
    pub rows: Vec<Checked>,
}

/// A checked booking: what was due, received and returned, and its result — 相符, or the
/// labels of its mismatches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub booking_number: String,
    pub status: Status,
    pub total: Money,
    pub paid: Money,
    pub refunded: Money,
    pub matched: bool,
    pub result: String,
    /// The mismatches' explanations, joined.
    pub message: String,
}

/// The summary of the ledgers of a day and their mismatches.
pub fn summarize(day: LocalDay, ledgers: &[Ledger]) -> Reconciliation {
    let mismatches = model::reconcile(ledgers);
    let wrong: std::collections::BTreeSet<&str> = mismatches.iter().map(|m| m.booking_number.as_str()).collect();
    Reconciliation {
        day,
        bookings: ledgers.len(),
        matched: ledgers.iter().filter(|l| !wrong.contains(l.booking_number.as_str())).count(),
        paid: ledgers.iter().map(|l| l.paid).sum(),
        refunded: ledgers.iter().map(|l| l.refunded).sum(),
        rows: ledgers
            .iter()
            .map(|l| {
                let own: Vec<&Mismatch> = mismatches.iter().filter(|m| m.booking_number == l.booking_number).collect();
                Checked {
                    booking_number: l.booking_number.clone(),
                    status: l.status,
                    total: l.total,
                    paid: l.paid,
                    refunded: l.refunded,
                    matched: own.is_empty(),
                    result: if own.is_empty() {
                        "相符".into()
                    } else {
                        own.iter().map(|m| kind_label(m.kind)).collect::<Vec<_>>().join("、")
                    },
                    message: own.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join("；"),
                }
            })
            .collect(),
        mismatches,
    }
}

/// The day's reconciliation (as `service::reconcile`, with the summary).
pub async fn day(access: &Access, day: LocalDay) -> Result<Reconciliation> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    let ledgers: Vec<Ledger> = store::ledgers(&mut c, day)
        .await?
        .into_iter()
        .filter_map(|(number, status, total, paid, refunded, processing)| {
            Some(Ledger {
                booking_number: number,
                status: Status::from_code(&status)?,
                total: Money(total),
                paid: Money(paid),
                refunded: Money(refunded),
                refund_processing: processing > 0,
            })
        })
        .collect();
    Ok(summarize(day, &ledgers))
}

pub const EXPORT_HEADERS: [&str; 4] = ["对账日期", "预约号", "差异类型", "说明"];
/// The columns of the export of every checked booking.
pub const EXPORT_ALL_HEADERS: [&str; 8] = ["对账日期", "预约号", "预约状态", "应收（元）", "已收（元）", "已退（元）", "结果", "说明"];

/// The day's mismatches — or, with `all`, every checked booking with its money and result —
/// as an XLSX sheet (audited as an export).
pub async fn export(access: &Access, day: LocalDay, all: bool) -> Result<Vec<u8>> {
    access.require(Permission::DataExport)?;
    let r = self::day(access, day).await?;
    let (bytes, what, n) = if all {
        let rows: Vec<Vec<String>> = r
            .rows
            .iter()
            .map(|c| {
                vec![
                    day.to_string(),
                    c.booking_number.clone(),
                    c.status.label_zh().to_string(),
                    c.total.to_yuan_string(),
                    c.paid.to_yuan_string(),
                    c.refunded.to_yuan_string(),
                    c.result.clone(),
                    c.message.clone(),
                ]
            })
            .collect();
        (tabular::write_xlsx("逐单核对", &EXPORT_ALL_HEADERS, &rows)?, "逐单核对", rows.len())
    } else {
        let rows: Vec<Vec<String>> = r
            .mismatches
            .iter()
            .map(|m| vec![day.to_string(), m.booking_number.clone(), kind_label(m.kind).to_string(), m.message.clone()])
            .collect();
        (tabular::write_xlsx("对账差异", &EXPORT_HEADERS, &rows)?, "差异", rows.len())
    };
    let detail = format!("导出 {day} 体检对账{what} {n} 条（核对预约 {} 个）", r.bookings);
    access.audit_read("export", &format!("checkup_reconciliation:{day}"), &detail).await?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(number: &str, status: Status, total: i64, paid: i64, refunded: i64) -> Ledger {
        Ledger {
            booking_number: number.into(),
            status,
            total: Money(total),
            paid: Money(paid),
            refunded: Money(refunded),
            refund_processing: false,
        }
    }

    #[test]
    fn summary_counts_bookings_money_and_matches() {
        let day = LocalDay::parse("2026-11-23").unwrap();
        let ledgers = [
            ledger("TJ1", Status::Paid, 100_00, 100_00, 0),
            ledger("TJ2", Status::Paid, 100_00, 90_00, 0),
            ledger("TJ3", Status::Refunded, 50_00, 50_00, 80_00),
            ledger("TJ4", Status::PendingPayment, 30_00, 0, 0),
        ];
        let r = summarize(day, &ledgers);
        assert_eq!((r.bookings, r.matched, r.paid, r.refunded), (4, 2, Money(240_00), Money(80_00)));
        let kinds: Vec<(&str, &str)> = r.mismatches.iter().map(|m| (m.booking_number.as_str(), kind_label(m.kind))).collect();
        assert_eq!(kinds, [("TJ2", "金额不符"), ("TJ3", "款项未退"), ("TJ3", "超额退款")]);
        let results: Vec<(&str, &str)> = r.rows.iter().map(|c| (c.booking_number.as_str(), c.result.as_str())).collect();
        assert_eq!(results, [("TJ1", "相符"), ("TJ2", "金额不符"), ("TJ3", "款项未退、超额退款"), ("TJ4", "相符")]);
        let empty = summarize(day, &[]);
        assert_eq!((empty.bookings, empty.matched, empty.paid, empty.mismatches.len()), (0, 0, Money(0), 0));
    }
}
