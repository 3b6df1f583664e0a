//! Status flows as data: a transition table per flow, `(from, action, to)`, declared as a
//! `const` in the module's `model` ([`Flow`]); [`next`] says where an action leads or why it is
//! refused (in Chinese, naming the current state and the refused action), [`actions`] what may
//! be done from a state. States and actions are [`Coded`] (`code()` for storage and the API,
//! `label_zh()` for people; `hops_kernel::coded!` writes both). Approvals have a [`Decision`].
//! Pure: no I/O, no `now()`.

pub use hops_kernel::coded::Coded;

/// [`Coded`] for an enum that already has inherent `code()` and `label_zh()`.
#[macro_export]
macro_rules! coded_by_methods {
    ($t:ty) => {
        impl $crate::flow::Coded for $t {
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
            fn label_zh(self) -> &'static str {
                <$t>::label_zh(self)
            }
        }
    };
}

/// The transitions of a flow: from a state, an action leads to a state.
pub type Table<S, A> = &'static [(S, A, S)];

/// Where `action` leads from `from`, or why it may not be done there: "{noun}当前为“{from}”，
/// 不能{action}".
pub fn next<S: Coded, A: Coded>(noun: &str, table: Table<S, A>, from: S, action: A) -> Result<S, String> {
    table
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| format!("{noun}当前为“{}”，不能{}", from.label_zh(), action.label_zh()))
}

/// The actions that may be done from `from`, in table order, each once.
pub fn actions<S: Coded, A: Coded>(table: Table<S, A>, from: S) -> Vec<A> {
    let mut out: Vec<A> = Vec::new();
    for (_, a, _) in table.iter().filter(|(f, _, _)| *f == from) {
        if !out.contains(a) {
            out.push(*a);
        }
    }
    out
}

/// A status flow: what its subjects are called (the `subject_kind` of their history rows and
/// approvals, and the noun of its messages), its states and actions (every one, for labels),
/// and its transition table.
pub struct Flow<S: 'static, A: 'static> {
    /// Stored with every history row and approval, e.g. `checkup_booking`. Never changes.
    pub kind: &'static str,
    /// What a subject is called in messages, e.g. 预约.
    pub noun: &'static str,
    pub states: &'static [S],
    pub actions: &'static [A],
    pub table: Table<S, A>,
}

impl<S: Coded, A: Coded> Flow<S, A> {
    /// [`next`] on this flow's table.
    pub fn next(&self, from: S, action: A) -> Result<S, String> {
        next(self.noun, self.table, from, action)
    }
    /// [`actions`] on this flow's table.
    pub fn actions(&self, from: S) -> Vec<A> {
        actions(self.table, from)
    }
    /// Subject `id` of this flow.
    pub fn subject(&self, id: i64) -> Subject {
        Subject { kind: self.kind, id }
    }
    /// For table tests: from each state in `offered`, exactly those actions are allowed, and
    /// every other action is refused with [`next`]'s message. The first difference, if any.
    pub fn offers_exactly(&self, offered: &[(S, &[A])]) -> Result<(), String> {
        for (from, want) in offered {
            let got = self.actions(*from);
            if got != *want {
                let codes = |v: &[A]| v.iter().map(|a| a.code()).collect::<Vec<_>>().join(",");
                return Err(format!("{}: from {} offers [{}], not [{}]", self.kind, from.code(), codes(&got), codes(want)));
            }
            for a in self.actions.iter().filter(|a| !want.contains(a)) {
                let expected = format!("{}当前为“{}”，不能{}", self.noun, from.label_zh(), a.label_zh());
                match self.next(*from, *a) {
                    Err(m) if m == expected => {}
                    other => {
                        let got = other.map(|to| to.code());
                        return Err(format!("{}: {} {} gave {got:?}, not the refusal {expected}", self.kind, from.code(), a.code()));
                    }
                }
            }
        }
        Ok(())
    }

    /// The Chinese label of a stored state code (never the raw code: 未知状态 when unknown).
    pub fn state_label(&self, code: &str) -> &'static str {
        self.states.iter().find(|s| s.code() == code).map_or("未知状态", |s| s.label_zh())
    }
    /// The Chinese label of a stored action code; empty for none, 变更 when unknown.
    pub fn action_label(&self, code: &str) -> &'static str {
        match code {
            "" => "",
            _ => self.actions.iter().find(|a| a.code() == code).map_or("变更", |a| a.label_zh()),
        }
    }
}

/// What a history row or approval is about: a subject of a flow, by kind and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subject {
    pub kind: &'static str,
    pub id: i64,
}

hops_kernel::coded! {
    /// The decision of an approval.
    pub Decision {
        Pending = "pending", "待审批";
        Approved = "approved", "已通过";
        Rejected = "rejected", "已驳回";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    hops_kernel::coded! {
        Light { Red = "red", "红灯"; Green = "green", "绿灯"; Off = "off", "关闭"; }
    }
    hops_kernel::coded! {
        Switch { Go = "go", "放行"; Stop = "stop", "拦停"; Cut = "cut", "断电"; }
    }
    const FLOW: Flow<Light, Switch> = Flow {
        kind: "light",
        noun: "信号灯",
        states: &Light::ALL,
        actions: &Switch::ALL,
        table: &[(Light::Red, Switch::Go, Light::Green), (Light::Green, Switch::Stop, Light::Red), (Light::Red, Switch::Cut, Light::Off)],
    };

    #[test]
    fn next_follows_the_table_and_names_a_refusal() {
        assert_eq!(FLOW.next(Light::Red, Switch::Go), Ok(Light::Green));
        assert_eq!(FLOW.next(Light::Green, Switch::Go), Err("信号灯当前为“绿灯”，不能放行".to_string()));
        assert_eq!(FLOW.actions(Light::Red), vec![Switch::Go, Switch::Cut]);
        assert!(FLOW.actions(Light::Off).is_empty());
        let all = [(Light::Red, &[Switch::Go, Switch::Cut][..]), (Light::Green, &[Switch::Stop][..]), (Light::Off, &[][..])];
        assert_eq!(FLOW.offers_exactly(&all), Ok(()));
        assert!(FLOW.offers_exactly(&[(Light::Red, &[Switch::Go][..])]).unwrap_err().contains("offers [go,cut], not [go]"));
        assert_eq!(FLOW.subject(7), Subject { kind: "light", id: 7 });
        assert_eq!((Light::parse(" RED "), Switch::parse("断电"), Light::parse("蓝灯")), (Some(Light::Red), Some(Switch::Cut), None));
    }

    #[test]
    fn labels_of_stored_codes_are_never_raw() {
        assert_eq!(FLOW.state_label("green"), "绿灯");
        assert_eq!(FLOW.state_label("purple"), "未知状态");
        assert_eq!(FLOW.action_label("cut"), "断电");
        assert_eq!(FLOW.action_label(""), "");
        assert_eq!(FLOW.action_label("fly"), "变更");
        assert_eq!(Decision::parse("已驳回"), Some(Decision::Rejected));
        assert_eq!(Decision::ALL.iter().map(|d| d.code()).collect::<Vec<_>>(), ["pending", "approved", "rejected"]);
    }
}
