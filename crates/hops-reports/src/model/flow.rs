//! Publishing a report as a status flow: a period's report is 未发布 until it is published —
//! directly, or, where the hospital switched approval on, submitted (待审批) and published when
//! someone else with the publishing permission approves (a rejection sends it back).

use hops_kernel::{LocalDay, Period, PeriodRange};
use hops_platform::flow::Flow;

hops_kernel::coded! {
    /// Where a period's report is.
    pub Status {
        Draft = "draft", "未发布";
        Submitted = "submitted", "待审批";
        Published = "published", "已发布";
    }
}

hops_kernel::coded! {
    pub Action {
        Publish = "publish", "发布";
        Submit = "submit", "提交发布";
        Approve = "approve", "审批通过并发布";
        Reject = "reject", "驳回";
    }
}

pub const FLOW: Flow<Status, Action> = Flow {
    kind: "report",
    noun: "报告",
    states: &Status::ALL,
    actions: &Action::ALL,
    table: &[
        (Status::Draft, Action::Publish, Status::Published),
        (Status::Draft, Action::Submit, Status::Submitted),
        (Status::Submitted, Action::Approve, Status::Published),
        (Status::Submitted, Action::Reject, Status::Draft),
    ],
};

const KIND_FACTOR: i64 = 1_000_000;

/// A period as a history subject id: its kind (week 1 … year 5) × 1,000,000 + its first day
/// (migration 0041 computes the same).
pub fn subject_id(range: PeriodRange) -> i64 {
    let kind = Period::ALL.iter().position(|p| *p == range.kind).unwrap_or(0) as i64 + 1;
    kind * KIND_FACTOR + i64::from(range.start.0)
}

/// The period of a subject id.
pub fn period_of(id: i64) -> Option<PeriodRange> {
    let kind = *Period::ALL.get(usize::try_from(id / KIND_FACTOR - 1).ok()?)?;
    let start = LocalDay(i32::try_from(id % KIND_FACTOR).ok()?);
    let range = PeriodRange::containing(kind, start);
    (range.start == start).then_some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_refusals() {
        let offered: &[(Status, &[Action])] = &[
            (Status::Draft, &[Action::Publish, Action::Submit]),
            (Status::Submitted, &[Action::Approve, Action::Reject]),
            (Status::Published, &[]),
        ];
        assert_eq!(FLOW.offers_exactly(offered), Ok(()));
        assert_eq!(FLOW.next(Status::Published, Action::Publish), Err("报告当前为“已发布”，不能发布".to_string()));
    }

    #[test]
    fn periods_round_trip_as_subject_ids() {
        for kind in Period::ALL {
            let r = PeriodRange::containing(kind, LocalDay::parse("2025-01-15").unwrap());
            assert_eq!(period_of(subject_id(r)), Some(r), "{kind:?}");
        }
        let january = PeriodRange::containing(Period::Month, LocalDay::parse("2025-01-15").unwrap());
        assert_eq!(subject_id(january), 2_000_000 + i64::from(january.start.0));
        assert_eq!(period_of(9_000_001), None);
        assert_eq!(period_of(2_000_000 + i64::from(january.start.0) + 1), None, "not the first day of a month");
    }
}
