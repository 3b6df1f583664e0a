//! Employers and group cards as typed in (API bodies and console forms alike): text read into
//! the model, every problem at once as field errors. Pure.

use hops_kernel::{LocalDay, Money};
use hops_platform::FieldError;

use super::Employer;
use super::model::{CardKind, Payer, Plan};

/// An employer as typed in; empty text is "not given".
#[derive(Clone, Debug, Default)]
pub struct EmployerDraft {
    pub code: String,
    pub name: String,
    pub contact_name: String,
    pub window_from: String,
    pub window_to: String,
    /// Percent of an add-on's price the employee pays; 100 when empty.
    pub addon_pct: String,
}

fn number<T: std::str::FromStr>(out: &mut Vec<FieldError>, field: &str, text: &str, message: &str) -> Option<T> {
    text.trim().parse().map_err(|_| out.push(FieldError::new(field, message))).ok()
}

/// Reads an employer (its remaining checks are the service's).
pub fn employer(d: &EmployerDraft) -> Result<Employer, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut day = |field: &str, text: &str| {
        LocalDay::parse(text.trim()).map_err(|_| out.push(FieldError::new(field, "日期格式应为 YYYY-MM-DD"))).ok()
    };
    let window = match (d.window_from.trim(), d.window_to.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            out.push(FieldError::new("window_to", "预约开始与截止日期须同时填写"));
            None
        }
        (a, b) => day("window_from", a).zip(day("window_to", b)),
    };
    let addon_pct = match d.addon_pct.trim() {
        "" => Some(100),
        s => number(&mut out, "addon_pct", s, "加项自付比例须为 0–100 的整数"),
    };
    match addon_pct {
        Some(addon_pct) if out.is_empty() => Ok(Employer {
            code: d.code.trim().into(),
            name: d.name.trim().into(),
            contact_name: d.contact_name.trim().into(),
            contact_phone_masked: String::new(),
            window,
            addon_pct,
        }),
        _ => Err(out),
    }
}

/// A group card as typed in.
#[derive(Clone, Debug, Default)]
pub struct PlanDraft {
    pub code: String,
    pub name: String,
    /// fixed | amount | menu
    pub kind: String,
    pub package: String,
    /// Amount cards: yuan.
    pub budget: String,
    /// Menu cards: item codes.
    pub menu_items: Vec<String>,
    /// Menu cards: how many are covered; all when empty.
    pub menu_pick: String,
    /// employer (or empty) | person
    pub payer: String,
    /// Person-paid cards: percent; 100 when empty.
    pub person_pct: String,
}

/// Reads a group card of `employer` (its remaining checks are [`super::model::check_plan`]).
pub fn plan(employer: &str, d: &PlanDraft) -> Result<Plan, Vec<FieldError>> {
    let mut out = Vec::new();
    let kind = match d.kind.trim() {
        "fixed" => Some(CardKind::Fixed),
        "amount" => Money::parse(&d.budget)
            .map(|budget| CardKind::Amount { budget })
            .map_err(|_| out.push(FieldError::new("budget", "请填写金额卡额度（元）")))
            .ok(),
        "menu" => {
            let pick = match d.menu_pick.trim() {
                "" => Some(None),
                s => number(&mut out, "menu_pick", s, "可选数量须为正整数").map(Some),
            };
            let items = d.menu_items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(str::to_string).collect();
            pick.map(|pick| CardKind::Menu { items, pick })
        }
        _ => {
            out.push(FieldError::new("kind", "卡类型应为 fixed、amount 或 menu"));
            None
        }
    };
    let payer = match d.payer.trim() {
        "" | "employer" => Some(Payer::Employer),
        "person" => match d.person_pct.trim() {
            "" => Some(Payer::Person { pct: 100 }),
            s => number(&mut out, "person_pct", s, "自付比例须为 0–100 的整数").map(|pct| Payer::Person { pct }),
        },
        _ => {
            out.push(FieldError::new("payer", "付费方应为 employer 或 person"));
            None
        }
    };
    match (kind, payer) {
        (Some(kind), Some(payer)) if out.is_empty() => Ok(Plan {
            employer: employer.into(),
            code: d.code.trim().into(),
            name: d.name.trim().into(),
            kind,
            package: d.package.trim().into(),
            payer,
        }),
        _ => Err(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn employers_read_or_every_problem() {
        let d = EmployerDraft { code: "E".into(), name: "单位".into(), ..Default::default() };
        assert_eq!(employer(&d).unwrap().addon_pct, 100);
        let d = EmployerDraft { window_from: "2026-12-01".into(), window_to: "2026-12-31".into(), addon_pct: "80".into(), ..d };
        let e = employer(&d).unwrap();
        assert_eq!((e.window.map(|w| w.1.to_string()), e.addon_pct), (Some("2026-12-31".into()), 80));
        let bad = EmployerDraft { window_from: "2026-12-01".into(), window_to: String::new(), addon_pct: "八十".into(), ..d };
        let fields: Vec<String> = employer(&bad).unwrap_err().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["window_to", "addon_pct"]);
    }

    #[test]
    fn plans_read_or_every_problem() {
        let d = PlanDraft { code: "M".into(), name: "自选卡".into(), kind: "menu".into(), package: "P".into(), ..Default::default() };
        let menu = PlanDraft { menu_items: vec![" CT ".into(), "".into()], menu_pick: "1".into(), ..d.clone() };
        assert_eq!(plan("E", &menu).unwrap().kind, CardKind::Menu { items: vec!["CT".into()], pick: Some(1) });
        let family = PlanDraft { kind: "fixed".into(), payer: "person".into(), person_pct: "90".into(), ..d.clone() };
        assert_eq!(plan("E", &family).unwrap().payer, Payer::Person { pct: 90 });
        let bad = PlanDraft { kind: "amount".into(), budget: "很多".into(), payer: "boss".into(), ..d };
        let fields: Vec<String> = plan("E", &bad).unwrap_err().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["budget", "payer"]);
    }
}
