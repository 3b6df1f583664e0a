//! Table-driven tests of the questionnaire: recommendations for answers and people (merged
//! reasons, items chosen already, inactive and inapplicable items, restricted rules, unknown
//! sex or age), answer checks, and questionnaire checks.

use std::collections::BTreeSet;

use hops_kernel::{Money, Sex};

use super::model::*;
use crate::catalogue::model::{Applicability, Catalogue, Item, Marital, Rule};

fn item(code: &str, price: i64, who: Applicability) -> Item {
    Item {
        code: code.into(),
        name: format!("项目{code}"),
        category: "检验".into(),
        body_part: "血液".into(),
        meaning: String::new(),
        target_group: String::new(),
        price: Money(price),
        applicability: who,
        preparation: String::new(),
        resource: None,
        active: true,
    }
}

fn who(sex: Option<Sex>, min_age: Option<u32>, marital: Marital) -> Applicability {
    Applicability { sex, min_age, max_age: None, marital }
}

/// LDCT excludes DR; GAS needs INF4; MAMMO women 40+; BREAST women; PSA men 40+; TCT married
/// women; OLD inactive.
fn catalogue() -> Catalogue {
    let anyone = Applicability::anyone();
    let mut items = vec![
        item("LDCT", 260_00, anyone.clone()),
        item("DR", 80_00, anyone.clone()),
        item("GAS", 300_00, anyone.clone()),
        item("INF4", 90_00, anyone.clone()),
        item("LIVER", 60_00, anyone.clone()),
        item("US_ABD", 120_00, anyone.clone()),
        item("MAMMO", 260_00, who(Some(Sex::Female), Some(40), Marital::Any)),
        item("BREAST", 120_00, who(Some(Sex::Female), None, Marital::Any)),
        item("PSA", 60_00, who(Some(Sex::Male), Some(40), Marital::Any)),
        item("TCT", 180_00, who(Some(Sex::Female), None, Marital::Married)),
    ];
    items.push(Item { active: false, ..item("OLD", 10_00, anyone) });
    Catalogue {
        items: items.into_iter().map(|i| (i.code.clone(), i)).collect(),
        packages: Default::default(),
        rules: vec![Rule::Exclusive("LDCT".into(), "DR".into()), Rule::Requires("GAS".into(), "INF4".into())],
    }
}

fn question(code: &str, kind: QuestionKind, options: &str) -> Question {
    Question { code: code.into(), text: format!("问题{code}"), kind, options: split_options(options), active: true }
}

fn rule(q: &str, a: &str, item: &str, reason: &str) -> AdviceRule {
    AdviceRule { question: q.into(), answer: a.into(), item: item.into(), reason: reason.into(), sex: None, min_age: None, max_age: None }
}

fn questionnaire() -> Questionnaire {
    use QuestionKind::*;
    let mut inactive = question("old", Single, "是|否");
    inactive.active = false;
    Questionnaire {
        questions: vec![
            question("smoking", Single, "不吸烟\n已戒烟\n吸烟"),
            question("family", Multi, "胃肠肿瘤|高血压|无"),
            question("drink", Single, "从不|偶尔|经常"),
            question("breast", Single, "做过|没做过"),
            inactive,
        ],
        rules: vec![
            rule("smoking", "吸烟", "LDCT", "吸烟者肺癌风险高"),
            rule("smoking", "已戒烟", "LDCT", "戒烟未满 15 年仍属高危"),
            rule("smoking", "吸烟", "OLD", "停用的项目不推荐"),
            rule("family", "胃肠肿瘤", "GAS", "有胃肠肿瘤家族史"),
            rule("family", "胃肠肿瘤", "US_ABD", "家族史者宜查腹部"),
            rule("drink", "经常", "LIVER", "饮酒伤肝"),
            rule("drink", "经常", "US_ABD", "饮酒者脂肪肝多见"),
            rule("drink", "经常", "PSA", "项目只适用于 40 岁以上男性"),
            AdviceRule { sex: Some(Sex::Female), ..rule("breast", "没做过", "BREAST", "女性乳腺筛查") },
            AdviceRule {
                sex: Some(Sex::Female), min_age: Some(40), ..rule("breast", "没做过", "MAMMO", "40 岁以上女性宜加钼靶")
            },
            rule("breast", "没做过", "TCT", "只适用于已婚女性"),
            rule("old", "是", "LIVER", "停用的问题不推荐"),
        ],
    }
}

fn answers(list: &[(&str, &[&str])]) -> Answers {
    list.iter().map(|(q, a)| (q.to_string(), a.iter().map(|s| s.to_string()).collect())).collect()
}

fn person(sex: Option<Sex>, age: Option<u32>, married: Option<bool>) -> Respondent {
    Respondent { sex, age, married }
}

/// Item, reasons, requires, replaces.
type Row = (String, Vec<String>, Vec<String>, Vec<String>);

const MAN_50: Respondent = Respondent { sex: Some(Sex::Male), age: Some(50), married: None };

#[test]
fn recommendations_table() {
    let cat = catalogue();
    let q = questionnaire();
    let woman = |age| person(Some(Sex::Female), Some(age), Some(false));
    // (answers, person, selected, expected: (item, reasons, requires, replaces))
    type Expected = &'static [(&'static str, &'static [&'static str], &'static [&'static str], &'static [&'static str])];
    let cases: Vec<(Answers, Respondent, &[&str], Expected)> = vec![
        (answers(&[]), MAN_50, &[], &[]),
        (answers(&[("smoking", &["不吸烟"])]), MAN_50, &[], &[]),
        // The CT replaces the chosen chest X-ray; the inactive item is left out.
        (answers(&[("smoking", &["吸烟"])]), MAN_50, &["DR"], &[("LDCT", &["吸烟者肺癌风险高"], &[], &["DR"])]),
        (answers(&[("smoking", &["已戒烟"])]), person(None, None, None), &[], &[("LDCT", &["戒烟未满 15 年仍属高危"], &[], &[])]),
        // Chosen already: nothing to recommend.
        (answers(&[("smoking", &["吸烟"])]), MAN_50, &["LDCT"], &[]),
        // Two answers recommend the abdomen ultrasound: one entry, both reasons, in question order.
        (
            answers(&[("drink", &["经常"]), ("family", &["胃肠肿瘤", "高血压"])]),
            MAN_50,
            &[],
            &[
                ("GAS", &["有胃肠肿瘤家族史"], &["INF4"], &[]),
                ("US_ABD", &["家族史者宜查腹部", "饮酒者脂肪肝多见"], &[], &[]),
                ("LIVER", &["饮酒伤肝"], &[], &[]),
                ("PSA", &["项目只适用于 40 岁以上男性"], &[], &[]),
            ],
        ),
        // The dependency chosen already is not listed; PSA does not fit a woman, nor a man of 30.
        (
            answers(&[("drink", &["经常"]), ("family", &["胃肠肿瘤"])]),
            woman(50),
            &["INF4", "LIVER"],
            &[("GAS", &["有胃肠肿瘤家族史"], &[], &[]), ("US_ABD", &["家族史者宜查腹部", "饮酒者脂肪肝多见"], &[], &[])],
        ),
        (
            answers(&[("drink", &["经常"])]),
            person(Some(Sex::Male), Some(30), None),
            &[],
            &[("LIVER", &["饮酒伤肝"], &[], &[]), ("US_ABD", &["饮酒者脂肪肝多见"], &[], &[])],
        ),
        // Rules for women, one from 40; the item for married women needs a known marital status.
        (
            answers(&[("breast", &["没做过"])]),
            woman(45),
            &[],
            &[("BREAST", &["女性乳腺筛查"], &[], &[]), ("MAMMO", &["40 岁以上女性宜加钼靶"], &[], &[])],
        ),
        (answers(&[("breast", &["没做过"])]), woman(35), &[], &[("BREAST", &["女性乳腺筛查"], &[], &[])]),
        (
            answers(&[("breast", &["没做过"])]),
            person(Some(Sex::Female), Some(35), Some(true)),
            &[],
            &[("BREAST", &["女性乳腺筛查"], &[], &[]), ("TCT", &["只适用于已婚女性"], &[], &[])],
        ),
        (answers(&[("breast", &["没做过"])]), MAN_50, &[], &[]),
        // Sex known, age not: the rule from 40 is left out.
        (answers(&[("breast", &["没做过"])]), person(Some(Sex::Female), None, None), &[], &[("BREAST", &["女性乳腺筛查"], &[], &[])]),
        (answers(&[("breast", &["没做过"])]), person(None, None, None), &[], &[]),
        // Empty answers and spaces around an answer.
        (answers(&[("family", &[]), ("smoking", &[" 吸烟 "])]), MAN_50, &[], &[("LDCT", &["吸烟者肺癌风险高"], &[], &[])]),
    ];
    for (n, (a, p, selected, expected)) in cases.into_iter().enumerate() {
        let selected: BTreeSet<String> = selected.iter().map(|s| s.to_string()).collect();
        let got = recommend(&q.questions, &q.rules, &a, &p, &selected, &cat).unwrap_or_else(|e| panic!("case {n}: {e:?}"));
        let got: Vec<Row> = got.into_iter().map(|r| (r.item_code, r.reasons, r.requires, r.replaces)).collect();
        let want: Vec<Row> = expected
            .iter()
            .map(|(c, r, q, x)| {
                let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
                (c.to_string(), v(r), v(q), v(x))
            })
            .collect();
        assert_eq!(got, want, "case {n}");
    }
    let r = recommend(&q.questions, &q.rules, &answers(&[("smoking", &["吸烟"])]), &MAN_50, &BTreeSet::new(), &cat).unwrap();
    assert_eq!((r[0].item_name.as_str(), r[0].price), ("项目LDCT", Money(260_00)));
}

#[test]
fn invalid_answers_are_refused_whole() {
    let cat = catalogue();
    let q = questionnaire();
    let cases: Vec<(Answers, Vec<(&str, &str)>)> = vec![
        (answers(&[("ghost", &["是"])]), vec![("answers.ghost", "问卷中没有问题 ghost")]),
        (answers(&[("old", &["是"])]), vec![("answers.old", "问卷中没有问题 old")]),
        (answers(&[("smoking", &["偶尔"])]), vec![("answers.smoking", "「问题smoking」没有选项「偶尔」")]),
        (answers(&[("smoking", &["吸烟", "不吸烟"])]), vec![("answers.smoking", "「问题smoking」只能选一项")]),
        (answers(&[("smoking", &["吸烟", "吸烟"])]), vec![]),
        (
            answers(&[("family", &["胃肠肿瘤", "肺癌"]), ("drink", &["每天", "经常"])]),
            vec![
                ("answers.drink", "「问题drink」只能选一项"),
                ("answers.drink", "「问题drink」没有选项「每天」"),
                ("answers.family", "「问题family」没有选项「肺癌」"),
            ],
        ),
    ];
    for (n, (a, expected)) in cases.into_iter().enumerate() {
        let got = check_answers(&q.questions, &a);
        let got: Vec<(&str, &str)> = got.iter().map(|f| (f.field.as_str(), f.message.as_str())).collect();
        assert_eq!(got, expected, "case {n}");
        let result = recommend(&q.questions, &q.rules, &a, &MAN_50, &BTreeSet::new(), &cat);
        assert_eq!(result.is_err(), !expected.is_empty(), "case {n}");
    }
}

#[test]
fn questionnaire_checks_table() {
    let cat = catalogue();
    assert_eq!(check_questionnaire(&questionnaire(), &cat), vec![], "the test questionnaire is valid");
    type Change = fn(&mut Questionnaire);
    let cases: Vec<(Change, Vec<(&str, &str)>)> = vec![
        // A code twice; the rules of the renamed question lose it.
        (
            |q| q.questions[1].code = "smoking".into(),
            vec![
                ("questions[1].code", "问题编码 smoking 重复"),
                ("rules[3].question", "推荐规则指向不存在的问题 family"),
                ("rules[4].question", "推荐规则指向不存在的问题 family"),
            ],
        ),
        (
            |q| q.questions[4].code = "吸 烟".into(),
            vec![
                ("questions[4].code", "问题编码 吸 烟：编码须为 1–32 位字母、数字、- 或 _"),
                ("rules[11].question", "推荐规则指向不存在的问题 old"),
            ],
        ),
        (|q| q.questions[0].text = " ".into(), vec![("questions[0].text", "请填写问题")]),
        (
            |q| q.questions[1].options = vec![],
            vec![
                ("questions[1].options", "问题「问题family」没有选项"),
                ("rules[3].answer", "问题「问题family」没有选项「胃肠肿瘤」，推荐规则无法生效"),
                ("rules[4].answer", "问题「问题family」没有选项「胃肠肿瘤」，推荐规则无法生效"),
            ],
        ),
        (
            |q| q.questions[0].options = vec!["吸烟".into()],
            vec![
                ("questions[0].options", "单选题「问题smoking」至少要有两个选项"),
                ("rules[1].answer", "问题「问题smoking」没有选项「已戒烟」，推荐规则无法生效"),
            ],
        ),
        (|q| q.questions[2].options.push("经常".into()), vec![("questions[2].options", "选项「经常」重复")]),
        (|q| q.questions[2].options.push("a|b".into()), vec![("questions[2].options", "选项「a|b」须为 1–30 个字，且不含 | 或换行")]),
        // Removing an option some rules answer to breaks those rules.
        (
            |q| q.questions[0].options = vec!["不吸烟".into(), "已戒烟".into()],
            vec![
                ("rules[0].answer", "问题「问题smoking」没有选项「吸烟」，推荐规则无法生效"),
                ("rules[2].answer", "问题「问题smoking」没有选项「吸烟」，推荐规则无法生效"),
            ],
        ),
        (|q| q.rules[0].question = "ghost".into(), vec![("rules[0].question", "推荐规则指向不存在的问题 ghost")]),
        (|q| q.rules[0].item = "NOPE".into(), vec![("rules[0].item", "项目 NOPE 不存在")]),
        (|q| q.rules[1].answer = "吸烟".into(), vec![("rules[1].item", "问题 smoking 的答案「吸烟」重复推荐「项目LDCT」")]),
        (|q| q.rules[0].reason = String::new(), vec![("rules[0].reason", "请填写推荐理由")]),
        (
            |q| (q.rules[0].min_age, q.rules[0].max_age) = (Some(130), Some(60)),
            vec![("rules[0].min_age", "年龄须在 0–120 岁之间"), ("rules[0].max_age", "最大年龄 60 小于最小年龄 130")],
        ),
        (
            |q| q.rules[9].sex = Some(Sex::Male),
            vec![("rules[9].item", "「项目MAMMO」仅适用于女性、40 岁及以上，与这条规则的适用人群没有交集")],
        ),
    ];
    for (n, (change, expected)) in cases.into_iter().enumerate() {
        let mut q = questionnaire();
        change(&mut q);
        let got = check_questionnaire(&q, &cat);
        let got: Vec<(&str, &str)> = got.iter().map(|f| (f.field.as_str(), f.message.as_str())).collect();
        assert_eq!(got, expected, "case {n}");
    }
}

#[test]
fn options_and_kinds() {
    assert_eq!(split_options(" 是 |否\n\n 不清楚 \r\n"), ["是", "否", "不清楚"]);
    assert_eq!(split_options(""), Vec::<String>::new());
    for k in [QuestionKind::Single, QuestionKind::Multi] {
        assert_eq!(QuestionKind::from_code(k.code()), Some(k));
        assert_eq!(QuestionKind::from_code(k.label_zh()), Some(k));
    }
    assert_eq!(QuestionKind::from_code("both"), None);
    let q =
        Questionnaire { questions: vec![question(" a ", QuestionKind::Single, "x|y")], rules: vec![rule(" a", " x ", " LDCT ", " r ")] };
    let t = q.trimmed();
    assert_eq!((t.questions[0].code.as_str(), t.rules[0].answer.as_str(), t.rules[0].item.as_str()), ("a", "x", "LDCT"));
}
