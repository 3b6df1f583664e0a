//! Payments and refunds as pure data: methods, statuses, merchant order numbers, and the
//! daily reconciliation of payments against bookings.

use hops_kernel::Money;

use crate::booking::model::Status as BookingStatus;

hops_kernel::coded! {
    /// How a booking was paid.
    pub Method {
        /// WeChat Pay (online, API v3).
        Wechat = "wechat", "微信支付";
        /// Paid at the checkup centre's counter (检中支付).
        Onsite = "onsite", "检中支付";
        /// Paid outside the system (bank transfer, employer settlement), recorded by staff.
        Offline = "offline", "线下支付";
    }
}

hops_kernel::coded! {
    /// A payment's state.
    pub PayStatus {
        /// Ordered with WeChat Pay, not paid yet.
        Pending = "pending", "待支付";
        Paid = "paid", "已支付";
        /// Ordered but abandoned or failed.
        Closed = "closed", "已关闭";
    }
}

hops_kernel::coded! {
    /// A refund's state.
    pub RefundStatus {
        Processing = "processing", "退款中";
        Success = "success", "已退款";
        /// Refused by the channel; needs a person.
        Abnormal = "abnormal", "退款异常";
    }
}

/// The merchant order number of a payment (6–32 characters, unique per merchant).
pub fn out_trade_no(hospital: i64, payment_id: i64) -> String {
    format!("TJP{hospital}X{payment_id}")
}

pub fn out_refund_no(hospital: i64, refund_id: i64) -> String {
    format!("TJR{hospital}X{refund_id}")
}

/// What reconciliation sees of one booking on the day: its status and total, the sum of its
/// paid payments, and of its successful refunds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    pub booking_number: String,
    pub status: BookingStatus,
    pub total: Money,
    pub paid: Money,
    pub refunded: Money,
    pub refund_processing: bool,
}

/// A mismatch between money and bookings, with a Chinese explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub booking_number: String,
    pub kind: &'static str,
    pub message: String,
}

/// The mismatches of a set of bookings: a paid booking without the money, money on a booking
/// that is not paid (and not being refunded), amounts that differ, refunds that did not add up.
pub fn reconcile(ledgers: &[Ledger]) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for l in ledgers {
        let net = l.paid.fen() - l.refunded.fen();
        let m = |kind, message: String| Mismatch { booking_number: l.booking_number.clone(), kind, message };
        let paid_status = matches!(l.status, BookingStatus::Paid | BookingStatus::CheckedIn | BookingStatus::Completed);
        if paid_status && l.paid.fen() == 0 && l.total.fen() > 0 {
            out.push(m("paid_without_payment", format!("预约为“{}”，但没有收款记录", l.status.label_zh())));
        } else if paid_status && net != l.total.fen() {
            out.push(m("amount_differs", format!("应收 {}，实收 {}", l.total, Money(net))));
        } else if !paid_status && net != 0 && !l.refund_processing {
            out.push(m("money_not_returned", format!("预约为“{}”，仍有 {} 未退", l.status.label_zh(), Money(net))));
        }
        if l.refunded.fen() > l.paid.fen() {
            out.push(m("over_refunded", format!("退款 {} 超过收款 {}", l.refunded, l.paid)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(status: BookingStatus, total: i64, paid: i64, refunded: i64, processing: bool) -> Ledger {
        Ledger {
            booking_number: "TJ1".into(),
            status,
            total: Money(total),
            paid: Money(paid),
            refunded: Money(refunded),
            refund_processing: processing,
        }
    }

    #[test]
    fn reconciliation_table() {
        use BookingStatus::*;
        let cases = [
            (ledger(Paid, 100, 100, 0, false), vec![]),
            (ledger(Completed, 100, 100, 0, false), vec![]),
            // A group booking the employer covers whole: nothing to collect.
            (ledger(Paid, 0, 0, 0, false), vec![]),
            (ledger(Paid, 100, 0, 0, false), vec!["paid_without_payment"]),
            (ledger(CheckedIn, 100, 90, 0, false), vec!["amount_differs"]),
            (ledger(Refunded, 100, 100, 100, false), vec![]),
            (ledger(Refunded, 100, 100, 0, true), vec![]),
            (ledger(Refunded, 100, 100, 0, false), vec!["money_not_returned"]),
            (ledger(Expired, 100, 100, 0, false), vec!["money_not_returned"]),
            (ledger(Cancelled, 100, 0, 0, false), vec![]),
            (ledger(PendingPayment, 100, 0, 0, false), vec![]),
            (ledger(Refunded, 100, 100, 150, false), vec!["money_not_returned", "over_refunded"]),
        ];
        for (l, expected) in cases {
            let kinds: Vec<&str> = reconcile(std::slice::from_ref(&l)).iter().map(|m| m.kind).collect();
            assert_eq!(kinds, expected, "{l:?}");
        }
        assert_eq!(reconcile(&[ledger(CheckedIn, 100_00, 90_00, 0, false)])[0].message, "应收 ¥100.00，实收 ¥90.00");
        assert_eq!(out_trade_no(7, 42), "TJP7X42");
    }
}
