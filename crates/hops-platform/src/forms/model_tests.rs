//! Table-driven tests of the forms engine: conditions, answers (choices, scales, number ranges,
//! dates, required and conditional questions), scoring with bands, the version rule, checks of
//! a definition, and the editor's text form.

use hops_kernel::LocalDay;

use super::lines::{from_lines, to_lines};
use super::model::*;

fn day(s: &str) -> LocalDay {
    LocalDay::parse(s).unwrap()
}

const TODAY: &str = "2026-11-20";

const TEXT: &str = "# 吸烟\n单选|smoking|您是否吸烟？|不吸烟=0；已戒烟=1；吸烟=3\n数值|cigarettes|每天吸烟多少支？|范围：1-100|单位：支|条件：smoking = 吸烟\n\
多选|symptoms|近一月有无以下症状？|咳嗽=1；胸闷=2；无=0|选填\n评分|health|您如何评价自己的健康？|范围：1-5\n单选|sex|性别|男；女|停用\n\
# 女性 | 条件：sex = 女\n日期|lmp|末次月经|范围：2020-01-01~今天|选填\n\
# 其他\n数值|weight|体重|范围：30-250|单位：kg|小数：1|选填|说明：空腹称重\n文本|note|其他|选填|条件：health <= 2 或 symptoms = 胸闷";

fn definition() -> Definition {
    let base = Definition { scoring: Scoring { method: Method::Sum, bands: vec![] }, ..Definition::default() };
    from_lines(TEXT, &base).unwrap()
}

fn raw(list: &[(&str, &[&str])]) -> RawAnswers {
    list.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
}

fn fields(r: Result<Vec<Answer>, Vec<crate::FieldError>>) -> Vec<(String, String)> {
    r.err().unwrap_or_default().into_iter().map(|e| (e.field, e.message)).collect()
}

#[test]
fn the_text_form_reads_and_round_trips() {
    let d = definition();
    assert!(check_definition(&d).is_empty(), "{:?}", check_definition(&d));
    assert_eq!(d.sections.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(), ["吸烟", "女性", "其他"]);
    assert_eq!(d.questions.len(), 8);
    let w = d.question("weight").unwrap();
    assert_eq!((w.min, w.max, w.unit.as_str(), w.decimals, w.required, w.section), (Some(30.0), Some(250.0), "kg", 1, false, 2));
    let lmp = d.question("lmp").unwrap();
    assert_eq!((lmp.earliest, lmp.latest), (Some(DayLimit::Day(day("2020-01-01"))), Some(DayLimit::Today)));
    assert_eq!(d.question("smoking").unwrap().choices[2], Choice::new("吸烟", Some(3)));
    assert_eq!(d.question("note").unwrap().condition.any.len(), 2);
    assert_eq!(from_lines(&to_lines(&d), &d).unwrap(), d);
    // Problems name their line.
    let msgs = |t: &str| from_lines(t, &Definition::default()).unwrap_err().into_iter().map(|e| e.message).collect::<Vec<_>>();
    assert_eq!(
        msgs("评分|a|打分\n问答|b|x"),
        ["第 2 行：题型应为 单选、多选、评分、数值、文本 或 日期，格式如「评分|q1|请为本次服务打分|范围：1-5」"]
    );
    assert_eq!(msgs("数值|w|体重|范围：重"), ["第 1 行：范围「重」应写成 1-5 或 30-250"]);
    assert_eq!(msgs("单选|a|x|是=很;否"), ["第 1 行：选项「是」的分值应为整数"]);
    assert_eq!(
        msgs("文本|a|x|条件：a"),
        ["第 1 行：条件「a」应写成「问题编码 比较符 值」，如「smoking = 吸烟」「age >= 40」「weight 已填」"]
    );
    assert_eq!(from_lines("数值|t|体温|范围：-5-42", &Definition::default()).unwrap().questions[0].min, Some(-5.0));
}

#[test]
fn conditions_decide_what_is_asked() {
    let d = definition();
    let today = day(TODAY);
    // Not a smoker: the number of cigarettes is not asked and an answer to it is dropped.
    let a = check_answers(&d, &raw(&[("smoking", &["不吸烟"]), ("cigarettes", &["20"]), ("health", &["4"])]), today).unwrap();
    assert_eq!(a.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), ["smoking", "health"]);
    // A smoker must say how many (required once its condition holds).
    assert_eq!(
        fields(check_answers(&d, &raw(&[("smoking", &["吸烟"]), ("health", &["4"])]), today)),
        [("cigarettes".to_string(), "第 2 题为必答题：每天吸烟多少支？".to_string())]
    );
    // 或: the note applies for poor health or chest tightness; otherwise it is dropped.
    let with_note = |h: &str, s: &[&str]| {
        let r = raw(&[("smoking", &["不吸烟"]), ("health", &[h]), ("symptoms", s), ("note", &["说明"])]);
        check_answers(&d, &r, today).unwrap().iter().any(|x| x.code == "note")
    };
    assert!(with_note("2", &[]));
    assert!(with_note("5", &["咳嗽", "胸闷"]));
    assert!(!with_note("3", &["咳嗽"]));
    // The 女性 section depends on an inactive question, never answered: it is never asked.
    let a = check_answers(&d, &raw(&[("smoking", &["不吸烟"]), ("health", &["3"]), ("lmp", &["2026-11-01"])]), today).unwrap();
    assert!(!a.iter().any(|x| x.code == "lmp"));
    assert_eq!(
        fields(check_answers(&d, &raw(&[("sex", &["女"])]), today))[0],
        ("sex".to_string(), "问卷中没有问题 sex".to_string()),
        "an inactive question is not asked"
    );
    // Clauses by hand.
    let c = Condition::parse("age >= 40 且 sex = 女 或 lmp 已填").unwrap();
    let holds = |l: &[(&str, &[&str])]| c.holds(&raw(l));
    assert!(holds(&[("age", &["40"]), ("sex", &["女"])]));
    assert!(!holds(&[("age", &["39.5"]), ("sex", &["女"])]));
    assert!(!holds(&[("sex", &["女"])]), "an unanswered number compares false");
    assert!(holds(&[("lmp", &["2026-01-01"])]));
    assert!(Condition::parse("x != 是").unwrap().holds(&raw(&[])), "!= holds when unanswered");
    assert!(Condition::parse("d < 2026-02-01").unwrap().holds(&raw(&[("d", &["2026-01-31"])])), "days compare");
    assert_eq!(c.to_text(), "age >= 40 且 sex = 女 或 lmp 已填");
}

#[test]
fn answers_are_checked_by_kind() {
    let d = definition();
    let today = day(TODAY);
    let one = |code: &str, v: &[&str]| {
        let mut r = raw(&[("smoking", &["吸烟"]), ("cigarettes", &["10"]), ("health", &["3"])]);
        r.insert(code.to_string(), v.iter().map(|s| s.to_string()).collect());
        fields(check_answers(&d, &r, today)).into_iter().map(|(_, m)| m).collect::<Vec<_>>()
    };
    let none: Vec<String> = Vec::new();
    // Numbers: range, decimals, digits.
    assert_eq!(one("weight", &["72.5"]), none);
    assert_eq!(one("weight", &["250"]), none);
    assert_eq!(one("weight", &["250.1"]), ["「体重」应在 30–250 kg 之间"]);
    assert_eq!(one("weight", &["29"]), ["「体重」应在 30–250 kg 之间"]);
    assert_eq!(one("weight", &["72.55"]), ["「体重」最多 1 位小数"]);
    assert_eq!(one("weight", &["七十"]), ["「体重」应填写数字"]);
    assert_eq!(one("cigarettes", &["2.5"]), ["「每天吸烟多少支？」应为整数"]);
    assert_eq!(one("weight", &["70", "71"]), ["「体重」只能填一个答案"]);
    // Scales: whole points of the range.
    assert_eq!(one("health", &["6"]), ["「您如何评价自己的健康？」请选择 1–5 分"]);
    assert_eq!(one("health", &["2.5"]), ["「您如何评价自己的健康？」请选择 1–5 分"]);
    // Choices: options only; one for a single choice; repeats and spaces are forgiven.
    assert_eq!(one("smoking", &["吸烟", "不吸烟"]), ["「您是否吸烟？」只能选一项"]);
    assert_eq!(one("symptoms", &["头痛", "咳嗽"]), ["「近一月有无以下症状？」没有选项「头痛」"]);
    assert_eq!(one("symptoms", &[" 咳嗽 ", "咳嗽"]), none);
    assert_eq!(one("note", &[&"字".repeat(501)]), none, "dropped: its condition does not hold");
    assert_eq!(one("ghost", &["x"]), ["问卷中没有问题 ghost"]);
    // Text length applies where it is asked.
    let long = raw(&[("smoking", &["不吸烟"]), ("health", &["1"]), ("note", &[&"字".repeat(501)])]);
    assert_eq!(fields(check_answers(&d, &long, today))[0].1, "「其他」的回答不能超过 500 个字");
}

#[test]
fn dates_within_their_limits() {
    let mut q = Question::new("visit", Kind::Date, "就诊日期");
    (q.earliest, q.latest) = (Some(DayLimit::Day(day("2026-01-01"))), Some(DayLimit::Today));
    let d = Definition::of(vec![q]);
    let check = |v: &str, today: &str| {
        fields(check_answers(&d, &raw(&[("visit", &[v])]), day(today))).into_iter().map(|(_, m)| m).collect::<Vec<_>>()
    };
    assert!(check("2026-11-20", TODAY).is_empty());
    assert!(check("2026-01-01", TODAY).is_empty());
    assert_eq!(check("2025-12-31", TODAY), ["「就诊日期」不能早于 2026-01-01"]);
    assert_eq!(check("2026-11-21", TODAY), ["「就诊日期」不能晚于 2026-11-20（今天）"]);
    assert!(check("2026-11-21", "2026-11-21").is_empty(), "today moves with the day of answering");
    assert_eq!(check("11月1日", TODAY), ["「就诊日期」日期格式应为 YYYY-MM-DD"]);
    assert_eq!(check("2026-02-30", TODAY), ["「就诊日期」日期格式应为 YYYY-MM-DD"]);
}

#[test]
fn scores_sum_or_mean_with_bands() {
    let d = definition();
    let r = raw(&[("smoking", &["吸烟"]), ("cigarettes", &["10"]), ("symptoms", &["咳嗽", "胸闷"]), ("health", &["4"])]);
    let a = check_answers(&d, &r, day(TODAY)).unwrap();
    // 吸烟 3 + (咳嗽 1 + 胸闷 2) + 4 = 10; the number earns nothing.
    assert_eq!(a.iter().map(|x| x.score).collect::<Vec<_>>(), [Some(3), None, Some(3), Some(4)]);
    assert_eq!(a[2].values, ["咳嗽", "胸闷"], "chosen options in the question's order");
    let bands =
        vec![Band { from: 0.0, label: "低".into() }, Band { from: 8.0, label: "中".into() }, Band { from: 12.0, label: "高".into() }];
    let sum = score(&Scoring { method: Method::Sum, bands: bands.clone() }, &a).unwrap();
    assert_eq!((sum.sum, sum.scored, sum.value, sum.band.as_deref()), (10, 3, 10.0, Some("中")));
    let mean = score(&Scoring { method: Method::Mean, bands: vec![] }, &a).unwrap();
    assert!((mean.value - 10.0 / 3.0).abs() < 1e-9);
    assert_eq!(score(&Scoring::default(), &a), None, "not scored");
    assert_eq!(score_of(&Scoring { method: Method::Sum, bands }, 0, 0), None, "no scored answer");
    // 不清楚 (no score) does not count.
    let q = Question {
        choices: vec![Choice::new("满意", Some(4)), Choice::new("不清楚", None)],
        ..Question::new("q1", Kind::Single, "满意吗")
    };
    let a = check_answers(&Definition::of(vec![q]), &raw(&[("q1", &["不清楚"])]), day(TODAY)).unwrap();
    assert_eq!(score(&Scoring { method: Method::Mean, bands: vec![] }, &a), None);
}

#[test]
fn the_version_rule() {
    use VersionStep::*;
    let cases = [
        ((0, true, false), New(1)),
        ((1, false, true), Keep(1)),
        ((1, false, false), Keep(1)),
        ((1, true, false), Replace(1)),
        ((1, true, true), New(2)),
        ((4, true, true), New(5)),
    ];
    for ((current, changed, answered), want) in cases {
        assert_eq!(next_version(current, changed, answered), want, "{current} {changed} {answered}");
    }
}

#[test]
fn definition_checks_table() {
    type Change = fn(&mut Definition);
    let cases: Vec<(Change, Vec<(&str, &str)>)> = vec![
        (|d| d.questions[1].code = "smoking".into(), vec![("questions[1].code", "问题编码 smoking 重复")]),
        (
            |d| d.questions[0].code = "吸 烟".into(),
            vec![
                ("questions[0].code", "问题编码 吸 烟：编码须为 1–32 位字母、数字、- 或 _"),
                ("questions[1].condition", "条件中的问题 smoking 不存在或不在此题之前"),
            ],
        ),
        (|d| d.questions[0].text = " ".into(), vec![("questions[0].text", "请填写问题")]),
        (
            |d| d.questions[0].choices.truncate(1),
            vec![
                ("questions[0].options", "单选题「您是否吸烟？」至少要有两个选项"),
                ("questions[1].condition", "条件中的「吸烟」不是问题 smoking 的选项"),
            ],
        ),
        (
            |d| d.questions[2].choices.push(Choice::new("a=1", None)),
            vec![("questions[2].options", "选项「a=1」不能含有等号（等号用于写分值）")],
        ),
        (|d| d.questions[2].choices.push(Choice::new("咳嗽", None)), vec![("questions[2].options", "选项「咳嗽」重复")]),
        (
            |d| d.questions[3].max = Some(30.0),
            vec![("questions[3].range", "评分题「您如何评价自己的健康？」应有整数分值范围（最多 21 档），如 1–5 或 0–10")],
        ),
        (|d| d.questions[6].min = Some(300.0), vec![("questions[6].range", "数值题「体重」的下限 300 大于上限 250")]),
        (|d| d.questions[5].earliest = Some(DayLimit::Day(LocalDay::parse("2030-01-01").unwrap())), vec![]),
        (
            |d| d.questions[1].condition = Condition::parse("note 已填").unwrap(),
            vec![("questions[1].condition", "条件中的问题 note 不存在或不在此题之前")],
        ),
        (
            |d| d.questions[7].condition = Condition::parse("smoking > 1").unwrap(),
            vec![("questions[7].condition", "问题 smoking 是单选题，条件不能比较大小")],
        ),
        (|d| d.questions[7].condition = Condition::parse("weight > 重").unwrap(), vec![("questions[7].condition", "条件中的「重」应为数")]),
        (|d| d.questions[7].section = 0, vec![("questions[7].section", "问题所属部分无效（部分须按顺序排列）")]),
        (|d| d.sections[2].title = String::new(), vec![("sections[2].title", "请填写部分标题（不超过 40 个字）")]),
        (
            |d| d.scoring.bands = vec![Band { from: 5.0, label: "a".into() }, Band { from: 1.0, label: "b".into() }],
            vec![("scoring", "结果分级应按分数从低到高排列，每级写明名称（不超过 20 个字），如「0=无；5=轻度；10=中度」")],
        ),
        (|d| d.questions[5].choices.push(Choice::new("x", None)), vec![("questions[5].options", "日期题不需要选项")]),
    ];
    for (n, (change, want)) in cases.into_iter().enumerate() {
        let mut d = definition();
        change(&mut d);
        let got = check_definition(&d);
        let got: Vec<(&str, &str)> = got.iter().map(|f| (f.field.as_str(), f.message.as_str())).collect();
        if n == 8 {
            // A date question's earliest after its latest (today) is only known on the day: allowed.
            assert!(got.is_empty(), "{got:?}");
            continue;
        }
        assert_eq!(got, want, "case {n}");
    }
}

#[test]
fn codes_and_subjects() {
    for k in Kind::ALL {
        assert_eq!(Kind::from_code(k.code()), Some(k));
        assert_eq!(Kind::from_code(k.label_zh()), Some(k));
    }
    assert_eq!((Kind::from_code("multi"), Kind::from_code("rating")), (Some(Kind::Multiple), Some(Kind::Scale)));
    for m in Method::ALL {
        assert_eq!(Method::from_code(m.code()), Some(m));
    }
    assert_eq!(Subject::parse("person:12"), Some(Subject::Person(12)));
    assert_eq!(Subject::Person(12).label_zh(), "人员 #12");
    assert_eq!(Subject::parse("patient:12"), Some(Subject::Patient(12)));
    assert_eq!(Subject::parse("checkup-person:7").map(Subject::code).as_deref(), Some("checkup_person:7"));
    assert_eq!((Subject::parse("patient:x"), Subject::parse("doctor:1"), Subject::parse("patient:0")), (None, None, None));
    assert_eq!(Subject::CheckupPerson(7).label_zh(), "体检人 #7");
}
