//! The agent workspace's queues: which active tickets each list holds for the signed-in agent,
//! and how many wait for them (their own — past a clock's due time or due today by the SLA
//! clock —, the unassigned, the escalated to a team they lead) for 我的待办.

use hops_platform::{Access, Permission, Result};

use super::service::phone_index;
use super::store::{self, Filter};
use crate::setup::service as setup;

/// The lists of the agent workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    /// Active tickets I own.
    Mine,
    /// Active tickets of my teams (anyone's or nobody's).
    Team,
    /// Active tickets nobody has taken.
    Unassigned,
    /// Active tickets escalated to a team I lead.
    Escalated,
    /// Everything, any status.
    All,
}

impl Queue {
    pub const ALL: [Queue; 5] = [Queue::Mine, Queue::Team, Queue::Unassigned, Queue::Escalated, Queue::All];

    pub fn code(self) -> &'static str {
        match self {
            Queue::Mine => "mine",
            Queue::Team => "team",
            Queue::Unassigned => "unassigned",
            Queue::Escalated => "escalated",
            Queue::All => "all",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Queue::Mine => "我的工单",
            Queue::Team => "班组工单",
            Queue::Unassigned => "待领取",
            Queue::Escalated => "升级给我",
            Queue::All => "全部工单",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.code() == s.trim())
    }
}

/// The filter of a queue for the signed-in agent, narrowed by a search box: a ticket number, a
/// mobile number (exact, by blind index) or any text.
pub async fn filter_for(access: &Access, queue: Queue, search: &str) -> Result<Filter> {
    let settings = setup::load(access).await?;
    let me = access.actor().user_id.map_or(-1, |u| u.0);
    let mut f = Filter { active: queue != Queue::All, ..Default::default() };
    match queue {
        Queue::Mine => f.owner = Some(me),
        Queue::Team => f.teams = Some(settings.teams_of(me)),
        Queue::Unassigned => f.unassigned = true,
        Queue::Escalated => {
            f.teams = Some(settings.led_by(me));
            f.escalated = true;
        }
        Queue::All => {}
    }
    let s = search.trim();
    if !s.is_empty() {
        let number = s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("gd")) && s.len() >= 3 && s[2..].chars().all(|c| c.is_ascii_digit());
        if number {
            f.number = Some(s.to_ascii_uppercase());
        } else if let Ok(p) = hops_kernel::Phone::parse(s) {
            f.phone_bidx = Some(phone_index(access, &p));
        } else {
            f.text = Some(s.to_string());
        }
    }
    Ok(f)
}

/// What waits for the signed-in agent among the active tickets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TicketsWaiting {
    /// Their own (queue 我的工单).
    pub mine: i64,
    /// Of their own, a clock (first response, resolution) past its due time.
    pub mine_overdue: i64,
    /// Of their own, not overdue and the clock that matters now due before today ends.
    pub mine_due_today: i64,
    /// Nobody's yet (queue 待领取).
    pub unassigned: i64,
    /// Escalated to a team they lead (queue 升级给我).
    pub escalated: i64,
}

/// What waits for the signed-in agent; `None` for those who do not work the desk. Due times are
/// the SLA clocks' own, kept with the ticket at every change (paused clocks have none).
pub async fn waiting(access: &Access) -> Result<Option<TicketsWaiting>> {
    if !access.can(Permission::DeskWork) {
        return Ok(None);
    }
    let me = access.actor().user_id.map_or(-1, |u| u.0);
    let now = access.now();
    let day_end = now.local_day().plus_days(1).start();
    let mut c = access.tenant().read().await?;
    let [mine, mine_overdue, mine_due_today, unassigned, escalated] = store::waiting(&mut c, me, now, day_end).await?;
    Ok(Some(TicketsWaiting { mine, mine_overdue, mine_due_today, unassigned, escalated }))
}
