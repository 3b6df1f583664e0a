//! Conditions of questions and sections (pure): a question or section is asked only when its
//! condition holds on the earlier answers — any of the groups, each all of its clauses —, with
//! their text form (`smoking = 吸烟 且 age >= 40 或 weight 已填`). Re-exported by `model`.

use std::collections::BTreeMap;

/// How a condition compares an earlier answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// The answer is (or, for a multiple choice, includes) the value.
    Eq,
    /// The answer is not (does not include) the value; true when unanswered.
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// The question was answered at all.
    Answered,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Answered => "已填",
        }
    }

    pub(crate) fn is_order(self) -> bool {
        matches!(self, Op::Gt | Op::Ge | Op::Lt | Op::Le)
    }
}

/// One comparison: `smoking = 吸烟`, `age >= 40`, `weight 已填`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub code: String,
    pub op: Op,
    pub value: String,
}

/// When a question or section applies: any of the groups, each group all of its clauses
/// (`a = 1 且 b = 2 或 c 已填`). An empty condition always holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Condition {
    pub any: Vec<Vec<Clause>>,
}

impl Condition {
    pub fn is_empty(&self) -> bool {
        self.any.is_empty()
    }

    /// Whether it holds for the answers given so far (by code; absent = unanswered).
    pub fn holds(&self, answers: &BTreeMap<String, Vec<String>>) -> bool {
        self.is_empty() || self.any.iter().any(|group| group.iter().all(|c| c.holds(answers.get(&c.code))))
    }

    /// Every code it refers to.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.any.iter().flatten().map(|c| c.code.as_str())
    }

    /// The text form: `a = 1 且 b = 2 或 c 已填`.
    pub fn to_text(&self) -> String {
        self.any
            .iter()
            .map(|g| {
                g.iter()
                    .map(|c| {
                        if c.op == Op::Answered {
                            format!("{} 已填", c.code)
                        } else {
                            format!("{} {} {}", c.code, c.op.symbol(), c.value)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" 且 ")
            })
            .collect::<Vec<_>>()
            .join(" 或 ")
    }

    /// Reads the text form (see [`Condition::to_text`]); `&&`/`||` work too.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Condition::default());
        }
        let mut any = Vec::new();
        for group in text.split(" 或 ").flat_map(|g| g.split("||")) {
            let mut all = Vec::new();
            for clause in group.split(" 且 ").flat_map(|c| c.split("&&")) {
                all.push(Clause::parse(clause)?);
            }
            any.push(all);
        }
        Ok(Condition { any })
    }
}

impl Clause {
    fn parse(text: &str) -> Result<Clause, String> {
        let t = text.trim();
        if let Some(code) = t.strip_suffix("已填") {
            return Ok(Clause { code: code.trim().to_string(), op: Op::Answered, value: String::new() });
        }
        // Longest symbols first, so `>=` is not read as `>`.
        const OPS: [(&str, Op); 10] = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            ("≥", Op::Ge),
            ("≤", Op::Le),
            ("≠", Op::Ne),
            ("=", Op::Eq),
            ("＝", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
        ];
        for (symbol, op) in OPS {
            if let Some((code, value)) = t.split_once(symbol) {
                let (code, value) = (code.trim(), value.trim());
                if code.is_empty() || value.is_empty() {
                    break;
                }
                return Ok(Clause { code: code.to_string(), op, value: value.to_string() });
            }
        }
        Err(format!("条件「{t}」应写成「问题编码 比较符 值」，如「smoking = 吸烟」「age >= 40」「weight 已填」"))
    }

    fn holds(&self, answer: Option<&Vec<String>>) -> bool {
        let values: &[String] = answer.map_or(&[], Vec::as_slice);
        match self.op {
            Op::Answered => !values.is_empty(),
            Op::Eq => values.contains(&self.value),
            Op::Ne => !values.contains(&self.value),
            op => match values.first() {
                None => false,
                Some(v) => {
                    let ord = match (v.parse::<f64>(), self.value.parse::<f64>()) {
                        (Ok(a), Ok(b)) => a.partial_cmp(&b),
                        // Days (YYYY-MM-DD) compare as text.
                        _ => Some(v.as_str().cmp(self.value.as_str())),
                    };
                    ord.is_some_and(|o| match op {
                        Op::Gt => o.is_gt(),
                        Op::Ge => o.is_ge(),
                        Op::Lt => o.is_lt(),
                        _ => o.is_le(),
                    })
                }
            },
        }
    }
}
