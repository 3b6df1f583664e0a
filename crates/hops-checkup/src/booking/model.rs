//! Bookings as pure data: statuses and what may happen in each, the person a booking is bound
//! to, and the hold on unpaid bookings.

use hops_kernel::{IdCardNumber, Instant, LocalDay, Money, Phone};

use hops_platform::flow::Flow;

use crate::catalogue::model::Profile;

/// How long an unpaid booking holds its places unless the hospital says otherwise.
pub const DEFAULT_HOLD_MINUTES: i64 = 15;

/// How far ahead a date may be booked.
pub const MAX_DAYS_AHEAD: i32 = 180;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Places held until `hold_until`; not yet paid.
    PendingPayment,
    Paid,
    CheckedIn,
    Completed,
    Cancelled,
    /// The hold ran out before payment.
    Expired,
    Refunded,
}

impl Status {
    pub const ALL: [Status; 7] =
        [Status::PendingPayment, Status::Paid, Status::CheckedIn, Status::Completed, Status::Cancelled, Status::Expired, Status::Refunded];

    pub fn code(self) -> &'static str {
        match self {
            Status::PendingPayment => "pending_payment",
            Status::Paid => "paid",
            Status::CheckedIn => "checked_in",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
            Status::Refunded => "refunded",
        }
    }

    pub fn from_code(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Status::PendingPayment => "待支付",
            Status::Paid => "已支付",
            Status::CheckedIn => "已签到",
            Status::Completed => "已完成",
            Status::Cancelled => "已取消",
            Status::Expired => "已超时",
            Status::Refunded => "已退款",
        }
    }

    /// Whether the booking occupies places (and blocks another booking of the person that day).
    pub fn holds_places(self) -> bool {
        matches!(self, Status::PendingPayment | Status::Paid | Status::CheckedIn | Status::Completed)
    }

    /// Cancel without refund: only before payment.
    pub fn can_cancel(self) -> bool {
        self == Status::PendingPayment
    }

    /// Move to another date: before check-in.
    pub fn can_reschedule(self) -> bool {
        matches!(self, Status::PendingPayment | Status::Paid)
    }

    /// Refund (and give the places back): paid, not yet checked in.
    pub fn can_refund(self) -> bool {
        self == Status::Paid
    }

    pub fn can_check_in(self) -> bool {
        self == Status::Paid
    }
}

/// Whether a booking may be cancelled (places back, nothing to refund): before payment, or when
/// the person paid nothing (a group card covered it all).
pub fn can_cancel(status: Status, person_paid: Money) -> bool {
    status.can_cancel() || (status == Status::Paid && person_paid.fen() == 0)
}

/// Whether a booking may be refunded: paid, not yet checked in, and the person paid something.
pub fn can_refund(status: Status, person_paid: Money) -> bool {
    status.can_refund() && person_paid.fen() > 0
}

/// The person a booking is for, verified: the identity number gives sex and birth date.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub id_number: IdCardNumber,
    pub phone: Phone,
    pub married: Option<bool>,
}

impl Person {
    /// Sex and age on the checkup day, marital status as stated.
    pub fn profile(&self, day: LocalDay) -> Profile {
        Profile { sex: self.id_number.sex(), age: self.id_number.age_on(day), married: self.married }
    }
}

/// Checks a person's name: 2–30 characters, no digits or angle brackets.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    let n = name.chars().count();
    if !(2..=30).contains(&n) {
        return Err("姓名须为 2–30 个字".into());
    }
    if name.chars().any(|c| c.is_ascii_digit() || matches!(c, '<' | '>' | '&' | '"')) {
        return Err("姓名不能包含数字或特殊符号".into());
    }
    Ok(name.to_string())
}

/// Checks that `day` can be booked on `today`: not in the past, within [`MAX_DAYS_AHEAD`].
pub fn check_day(day: LocalDay, today: LocalDay) -> Result<(), String> {
    if day < today {
        return Err(format!("{day} 已过，请选择今天或以后的日期"));
    }
    if day.days_since(today) > MAX_DAYS_AHEAD {
        return Err(format!("最多可预约 {MAX_DAYS_AHEAD} 天内的日期"));
    }
    Ok(())
}

/// When an unpaid booking made at `now` lets its places go.
pub fn hold_until(now: Instant, hold_minutes: i64) -> Instant {
    now.plus_minutes(hold_minutes)
}

hops_platform::coded_by_methods!(Status);

hops_kernel::coded! {
    /// What happens to a booking's status.
    pub Action {
        Pay = "pay", "支付";
        CheckIn = "check_in", "签到";
        Complete = "complete", "完成体检";
        Cancel = "cancel", "取消";
        Expire = "expire", "超时释放";
        Refund = "refund", "退款";
    }
}

/// The booking's status flow. A paid booking is cancelled (not refunded) only when the person
/// paid nothing (a group card covered it): [`can_cancel`] says when.
pub const FLOW: Flow<Status, Action> = Flow {
    kind: "checkup_booking",
    noun: "预约",
    states: &Status::ALL,
    actions: &Action::ALL,
    table: &[
        (Status::PendingPayment, Action::Pay, Status::Paid),
        (Status::PendingPayment, Action::Cancel, Status::Cancelled),
        (Status::PendingPayment, Action::Expire, Status::Expired),
        (Status::Paid, Action::CheckIn, Status::CheckedIn),
        (Status::Paid, Action::Cancel, Status::Cancelled),
        (Status::Paid, Action::Refund, Status::Refunded),
        (Status::CheckedIn, Action::Complete, Status::Completed),
    ],
};

/// The order number shown to people: `TJ` and the booking id.
pub fn number(id: i64) -> String {
    format!("TJ{id:010}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_or_refund_depends_on_what_was_paid() {
        let (nothing, some) = (Money(0), Money(100));
        assert!(can_cancel(Status::PendingPayment, some));
        assert!(can_cancel(Status::Paid, nothing), "covered by a group card: cancelled, not refunded");
        assert!(!can_cancel(Status::Paid, some));
        assert!(!can_cancel(Status::CheckedIn, nothing));
        assert!(can_refund(Status::Paid, some));
        assert!(!can_refund(Status::Paid, nothing));
        assert!(!can_refund(Status::PendingPayment, some));
    }

    #[test]
    fn status_table() {
        // (status, holds places, cancel, reschedule, refund, check in)
        let cases = [
            (Status::PendingPayment, true, true, true, false, false),
            (Status::Paid, true, false, true, true, true),
            (Status::CheckedIn, true, false, false, false, false),
            (Status::Completed, true, false, false, false, false),
            (Status::Cancelled, false, false, false, false, false),
            (Status::Expired, false, false, false, false, false),
            (Status::Refunded, false, false, false, false, false),
        ];
        for (s, holds, cancel, resched, refund, check_in) in cases {
            assert_eq!(
                (s.holds_places(), s.can_cancel(), s.can_reschedule(), s.can_refund(), s.can_check_in()),
                (holds, cancel, resched, refund, check_in),
                "{s:?}"
            );
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn flow_table() {
        use Action as A;
        let offered: &[(Status, &[Action])] = &[
            (Status::PendingPayment, &[A::Pay, A::Cancel, A::Expire]),
            (Status::Paid, &[A::CheckIn, A::Cancel, A::Refund]),
            (Status::CheckedIn, &[A::Complete]),
            (Status::Completed, &[]),
            (Status::Cancelled, &[]),
            (Status::Expired, &[]),
            (Status::Refunded, &[]),
        ];
        assert_eq!(FLOW.offers_exactly(offered), Ok(()));
        // The table agrees with what each status allows.
        for s in Status::ALL {
            assert_eq!(FLOW.next(s, A::CheckIn).is_ok(), s.can_check_in(), "{s:?}");
            assert_eq!(FLOW.next(s, A::Refund).is_ok(), s.can_refund(), "{s:?}");
            assert_eq!(FLOW.next(s, A::Cancel).is_ok(), can_cancel(s, Money(0)), "{s:?}");
        }
    }

    #[test]
    fn names_and_days() {
        assert_eq!(check_name(" 张三 "), Ok("张三".to_string()));
        assert!(check_name("张").is_err());
        assert!(check_name("张3").is_err());
        assert!(check_name("<b>").is_err());
        let today = LocalDay::parse("2026-11-22").unwrap();
        assert!(check_day(today, today).is_ok());
        assert!(check_day(today.plus_days(-1), today).is_err());
        assert!(check_day(today.plus_days(MAX_DAYS_AHEAD), today).is_ok());
        assert!(check_day(today.plus_days(MAX_DAYS_AHEAD + 1), today).is_err());
        assert_eq!(number(42), "TJ0000000042");
    }
}
