//! The evaluation behind `hops kb eval <kb-file> <queries-file>`: the bot and the BM25 baseline
//! on the same index, the same queries, in the same run.
//!
//! * Knowledge base: the import format, CSV (UTF-8, header) with columns `question, variants,
//!   answer, category`, variants separated by `|`; article ids are the row numbers (1, 2, …).
//! * Queries: CSV with columns `query, expected` (the expected article's standard question,
//!   empty when no article fits), or JSONL (`.jsonl`) with the same fields per line.
//!
//! Figures per system: top-1 accuracy and MRR@10 on the answerable queries (ranking alone);
//! answered-correctly, wrong-answer (answered with another article) rates on the answerable and
//! false-answer rate (answered at all) on the unanswerable queries; latency p50/p99 per question.
//! The bot answers at its fixed [`THRESHOLD`]. BM25's scores have no fixed scale, so it gets its
//! best case: the lowest threshold that keeps its false answers at or below 10 % on this very
//! query file. Latency: each system answers every query once untimed (warm-up), then once timed
//! (`std::time::Instant`). With `pad_to`, the index is padded with distinct synthetic articles
//! (who × condition × question, e.g. 孩子高血压能线上开药吗？) and the queries are run again
//! for latency (and, for information, top-1) at that size.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::bm25::Bm25;
use super::matcher::{Entry, Index, THRESHOLD};
use super::text::Analyzer;
use super::triage::needs_doctor;

/// The largest false-answer rate the BM25 threshold may give.
pub const BASELINE_FALSE_ANSWER_LIMIT: f64 = 0.10;

/// Evaluation options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Pad the index to this many articles and measure again.
    pub pad_to: Option<usize>,
    /// List the bot's wrong and false answers.
    pub show_misses: bool,
}

/// One knowledge-base article as imported.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub article_id: i64,
    pub question: String,
    pub variants: Vec<String>,
    pub answer: String,
    pub category: String,
}

impl Article {
    pub fn entry(&self) -> Entry {
        Entry { article_id: self.article_id, question: self.question.clone(), variants: self.variants.clone() }
    }
}

/// One evaluation question.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub text: String,
    /// The expected standard question; `None` when no article fits.
    pub expected: Option<String>,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Figures of one system on one query file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub top1: f64,
    pub mrr10: f64,
    /// Answered with the expected article, over the answerable queries.
    pub answered_correct: f64,
    /// Answered with another article, over the answerable queries.
    pub wrong_answer: f64,
    /// Answered at all, over the unanswerable queries.
    pub false_answer: f64,
    pub threshold: f64,
    pub latency: Latency,
    /// Index build time in milliseconds.
    pub build_ms: f64,
}

/// Figures at the padded size.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Padded {
    pub articles: usize,
    pub bot: Figures,
    pub bm25: Figures,
}

/// A wrong or false answer of the bot.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub query: String,
    pub expected: Option<String>,
    pub answered: String,
    pub confidence: f64,
}

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub kb: String,
    pub queries: String,
    pub articles: usize,
    pub phrasings: usize,
    pub answerable: usize,
    pub unanswerable: usize,
    pub bot: Figures,
    pub bm25: Figures,
    pub padded: Option<Padded>,
    /// Queries `needs_doctor` routes to a doctor: (answerable, unanswerable).
    pub needs_doctor: (usize, usize),
    pub misses: Option<Vec<Miss>>,
}

/// Reads a knowledge base in the import format.
pub fn load_kb(path: &Path) -> anyhow::Result<Vec<Article>> {
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).from_path(path).with_context(|| format!("无法读取知识库文件 {}", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: 无法读取表头", path.display()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == name);
    let Some(question) = column("question") else {
        bail!("{}: 表头缺少 question 列（应为 question,variants,answer,category）", path.display())
    };
    let (variants, answer, category) = (column("variants"), column("answer"), column("category"));
    let mut articles = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: 第 {} 行无法解析", path.display(), i + 2))?;
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim().to_string();
        let q = get(Some(question));
        if q.is_empty() {
            bail!("{}: 第 {} 行的 question 为空", path.display(), i + 2);
        }
        articles.push(Article {
            article_id: i as i64 + 1,
            question: q,
            variants: get(variants).split('|').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect(),
            answer: get(answer),
            category: get(category),
        });
    }
    Ok(articles)
}

/// Reads evaluation questions from CSV (`query,expected`) or JSONL (`.jsonl`).
pub fn load_queries(path: &Path) -> anyhow::Result<Vec<Query>> {
    let is_jsonl = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    let mut queries = Vec::new();
    if is_jsonl {
        let text = std::fs::read_to_string(path).with_context(|| format!("无法读取查询文件 {}", path.display()))?;
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let value: serde_json::Value =
                serde_json::from_str(line).with_context(|| format!("{}: 第 {} 行不是 JSON", path.display(), i + 1))?;
            let Some(text) = value.get("query").and_then(|v| v.as_str()) else {
                bail!("{}: 第 {} 行缺少 query", path.display(), i + 1)
            };
            let expected = value.get("expected").and_then(|v| v.as_str()).map(str::trim).filter(|e| !e.is_empty()).map(str::to_string);
            queries.push(Query { text: text.trim().to_string(), expected });
        }
    } else {
        let mut reader =
            csv::ReaderBuilder::new().flexible(true).from_path(path).with_context(|| format!("无法读取查询文件 {}", path.display()))?;
        let headers = reader.headers()?.clone();
        let column = |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == name);
        let (Some(query), expected) = (column("query"), column("expected")) else {
            bail!("{}: 表头缺少 query 列（应为 query,expected）", path.display())
        };
        for (i, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("{}: 第 {} 行无法解析", path.display(), i + 2))?;
            let text = record.get(query).unwrap_or("").trim().to_string();
            let expected = expected.and_then(|c| record.get(c)).map(str::trim).filter(|e| !e.is_empty()).map(str::to_string);
            queries.push(Query { text, expected });
        }
    }
    queries.retain(|q| !q.text.is_empty());
    Ok(queries)
}

/// Evaluates the bot and the BM25 baseline on a knowledge base and a query file.
pub fn run(kb: &Path, queries: &Path, opts: &Options) -> anyhow::Result<Report> {
    let articles = load_kb(kb)?;
    let questions = load_queries(queries)?;
    let mut report = evaluate(&articles, &questions, opts).with_context(|| format!("{} × {}", kb.display(), queries.display()))?;
    report.kb = kb.display().to_string();
    report.queries = queries.display().to_string();
    Ok(report)
}

/// Expected article id per query (`None` = unanswerable); the expected text must be an
/// article's standard question (compared after normalisation).
fn expected_ids(articles: &[Article], queries: &[Query]) -> anyhow::Result<Vec<Option<i64>>> {
    let analyzer = Analyzer::shared();
    let key = |s: &str| analyzer.normalize(s).replace(' ', "");
    let mut by_question: HashMap<String, i64> = HashMap::new();
    for a in articles {
        by_question.entry(a.question.clone()).or_insert(a.article_id);
        by_question.entry(key(&a.question)).or_insert(a.article_id);
    }
    queries
        .iter()
        .enumerate()
        .map(|(i, q)| match &q.expected {
            None => Ok(None),
            Some(e) => match by_question.get(e).or_else(|| by_question.get(&key(e))) {
                Some(&id) => Ok(Some(id)),
                None => bail!("查询第 {} 条的 expected “{e}” 不是知识库中任何文章的标准问题", i + 1),
            },
        })
        .collect()
}

fn evaluate(articles: &[Article], queries: &[Query], opts: &Options) -> anyhow::Result<Report> {
    if articles.is_empty() {
        bail!("知识库为空");
    }
    let expected = expected_ids(articles, queries)?;
    let entries: Vec<Entry> = articles.iter().map(Article::entry).collect();
    let analyzer = Analyzer::shared();
    // Load both segmenters' dictionaries before anything is timed.
    analyzer.analyze("挂号");
    analyzer.plain_tokens("挂号");

    let mut report = Report {
        articles: articles.len(),
        answerable: expected.iter().filter(|e| e.is_some()).count(),
        unanswerable: expected.iter().filter(|e| e.is_none()).count(),
        ..Report::default()
    };
    let (index, bot_build) = timed(|| Index::build(entries.clone()));
    let (bm25, bm25_build) = timed(|| Bm25::build(&entries));
    report.phrasings = index.phrasings();

    let bot_runs = run_bot(&index, queries);
    let bm25_runs = run_bm25(&bm25, queries);
    report.bot = figures(&bot_runs, &expected, Some(THRESHOLD), bot_build);
    report.bm25 = figures(&bm25_runs, &expected, None, bm25_build);

    for (q, e) in queries.iter().zip(&expected) {
        if needs_doctor(analyzer, &q.text) {
            if e.is_some() {
                report.needs_doctor.0 += 1;
            } else {
                report.needs_doctor.1 += 1;
            }
        }
    }
    if opts.show_misses {
        let question_of: HashMap<i64, &str> = articles.iter().map(|a| (a.article_id, a.question.as_str())).collect();
        let mut misses = Vec::new();
        for ((q, e), r) in queries.iter().zip(&expected).zip(&bot_runs) {
            if let Some(&(id, confidence)) = r.ranked.first()
                && confidence >= THRESHOLD
                && Some(id) != *e
            {
                misses.push(Miss {
                    query: q.text.clone(),
                    expected: q.expected.clone(),
                    answered: question_of[&id].to_string(),
                    confidence,
                });
            }
        }
        report.misses = Some(misses);
    }

    if let Some(target) = opts.pad_to.filter(|&n| n > articles.len()) {
        let mut padded_entries = entries;
        padded_entries.extend(filler(articles, target - articles.len()));
        let (index, bot_build) = timed(|| Index::build(padded_entries.clone()));
        let (bm25, bm25_build) = timed(|| Bm25::build(&padded_entries));
        let bot = figures(&run_bot(&index, queries), &expected, Some(THRESHOLD), bot_build);
        let bm25 = figures(&run_bm25(&bm25, queries), &expected, None, bm25_build);
        report.padded = Some(Padded { articles: padded_entries.len(), bot, bm25 });
    }
    Ok(report)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed().as_secs_f64() * 1000.0)
}

/// One system's ranking of one query: (article id, confidence or score), best first.
struct Run {
    ranked: Vec<(i64, f64)>,
    elapsed: Duration,
}

/// Runs every query once untimed (warm-up), then once timed.
fn run_bot(index: &Index, queries: &[Query]) -> Vec<Run> {
    for q in queries {
        index.ask_ranked(&q.text, 10);
    }
    queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            let ranked = index.ask_ranked(&q.text, 10);
            Run { elapsed: start.elapsed(), ranked }
        })
        .collect()
}

fn run_bm25(bm25: &Bm25, queries: &[Query]) -> Vec<Run> {
    for q in queries {
        bm25.top(&q.text, 10);
    }
    queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            let ranked = bm25.top(&q.text, 10);
            Run { elapsed: start.elapsed(), ranked }
        })
        .collect()
}

/// The lowest threshold (answer when the top score is above it) with at most the allowed
/// share of unanswerable queries answered.
fn baseline_threshold(runs: &[Run], expected: &[Option<i64>]) -> f64 {
    let mut top: Vec<f64> =
        runs.iter().zip(expected).filter(|(_, e)| e.is_none()).map(|(r, _)| r.ranked.first().map_or(0.0, |t| t.1)).collect();
    if top.is_empty() {
        return 0.0;
    }
    top.sort_by(|a, b| b.total_cmp(a));
    let allowed = (BASELINE_FALSE_ANSWER_LIMIT * top.len() as f64 + 1e-9).floor() as usize;
    top.get(allowed).copied().unwrap_or(0.0)
}

fn figures(runs: &[Run], expected: &[Option<i64>], fixed: Option<f64>, build_ms: f64) -> Figures {
    // The bot answers at confidence ≥ its threshold; BM25 above the computed one.
    let (threshold, answers): (f64, Box<dyn Fn(f64) -> bool>) = match fixed {
        Some(t) => (t, Box::new(move |c| c >= t)),
        None => {
            let t = baseline_threshold(runs, expected);
            (t, Box::new(move |s| s > t))
        }
    };
    let mut f = Figures { threshold, build_ms, ..Figures::default() };
    let (mut answerable, mut unanswerable) = (0usize, 0usize);
    for (run, e) in runs.iter().zip(expected) {
        let answered = run.ranked.first().filter(|t| answers(t.1)).map(|t| t.0);
        match e {
            Some(id) => {
                answerable += 1;
                if let Some(rank) = run.ranked.iter().take(10).position(|t| t.0 == *id) {
                    f.mrr10 += 1.0 / (rank + 1) as f64;
                    if rank == 0 {
                        f.top1 += 1.0;
                    }
                }
                match answered {
                    Some(a) if a == *id => f.answered_correct += 1.0,
                    Some(_) => f.wrong_answer += 1.0,
                    None => {}
                }
            }
            None => {
                unanswerable += 1;
                if answered.is_some() {
                    f.false_answer += 1.0;
                }
            }
        }
    }
    let per = |x: f64, n: usize| if n == 0 { 0.0 } else { x / n as f64 };
    f.top1 = per(f.top1, answerable);
    f.mrr10 = per(f.mrr10, answerable);
    f.answered_correct = per(f.answered_correct, answerable);
    f.wrong_answer = per(f.wrong_answer, answerable);
    f.false_answer = per(f.false_answer, unanswerable);
    let mut times: Vec<f64> = runs.iter().map(|r| r.elapsed.as_secs_f64() * 1000.0).collect();
    times.sort_by(f64::total_cmp);
    f.latency = Latency { p50_ms: percentile(&times, 0.50), p99_ms: percentile(&times, 0.99) };
    f
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

const FILLER_WHO: [&str; 10] = ["", "孩子", "老人", "孕妇", "我妈", "我爸", "宝宝", "老公", "家里老人", "青少年"];
const FILLER_TOPICS: [&str; 80] = [
    "高血压",
    "糖尿病",
    "甲状腺结节",
    "乳腺增生",
    "颈椎病",
    "腰椎间盘突出",
    "慢性胃炎",
    "幽门螺杆菌感染",
    "脂肪肝",
    "痛风",
    "哮喘",
    "过敏性鼻炎",
    "湿疹",
    "荨麻疹",
    "失眠",
    "偏头痛",
    "冠心病",
    "心律不齐",
    "贫血",
    "骨质疏松",
    "类风湿关节炎",
    "肾结石",
    "胆结石",
    "前列腺增生",
    "尿路感染",
    "便秘",
    "痔疮",
    "近视",
    "白内障",
    "青光眼",
    "中耳炎",
    "扁桃体炎",
    "慢性咽炎",
    "支气管炎",
    "肺结节",
    "带状疱疹",
    "痤疮",
    "脱发",
    "抑郁症",
    "焦虑症",
    "癫痫",
    "帕金森病",
    "阿尔茨海默病",
    "乙肝",
    "肝硬化",
    "胰腺炎",
    "溃疡性结肠炎",
    "月经不调",
    "多囊卵巢综合征",
    "子宫肌瘤",
    "宫颈炎",
    "不孕症",
    "新生儿黄疸",
    "手足口病",
    "水痘",
    "腮腺炎",
    "龋齿",
    "牙周炎",
    "口腔溃疡",
    "鼻窦炎",
    "腱鞘炎",
    "肩周炎",
    "下肢静脉曲张",
    "深静脉血栓",
    "高血脂",
    "低血糖",
    "甲亢",
    "甲减",
    "肥胖症",
    "营养不良",
    "缺铁性贫血",
    "红斑狼疮",
    "银屑病",
    "白癜风",
    "足癣",
    "慢性肾炎",
    "心力衰竭",
    "脑梗塞",
    "慢阻肺",
    "睡眠呼吸暂停",
];
const FILLER_ASKS: [&str; 30] = [
    "应该挂什么科",
    "能在线复诊吗",
    "需要做哪些检查",
    "检查前要空腹吗",
    "多久复查一次",
    "看病能用医保吗",
    "专家什么时候出诊",
    "手术要住院几天",
    "住院费用大概多少",
    "能线上开药吗",
    "检查报告多久出",
    "可以视频问诊吗",
    "要提前预约吗",
    "有专科门诊吗",
    "饮食要注意什么",
    "会遗传吗",
    "能根治吗",
    "平时怎么护理",
    "可以运动吗",
    "会传染吗",
    "需要手术吗",
    "有哪些症状",
    "药要吃多久",
    "能做微创手术吗",
    "术后多久复查",
    "门诊在几楼",
    "可以开长期处方吗",
    "开的药能快递吗",
    "找哪位医生看",
    "需要家属陪同吗",
];

/// `n` distinct synthetic articles (who × condition × question, in a fixed scattered order),
/// none equal to a phrasing of the knowledge base, each with two variants.
fn filler(articles: &[Article], n: usize) -> Vec<Entry> {
    let analyzer = Analyzer::shared();
    let key = |s: &str| analyzer.normalize(s).replace(' ', "");
    let existing: std::collections::HashSet<String> =
        articles.iter().flat_map(|a| std::iter::once(&a.question).chain(&a.variants)).map(|s| key(s)).collect();
    let next_id = articles.iter().map(|a| a.article_id).max().unwrap_or(0) + 1;
    let total = FILLER_WHO.len() * FILLER_TOPICS.len() * FILLER_ASKS.len();
    // 7919 is prime and does not divide `total`, so i · 7919 mod total visits every combination.
    let mut out = Vec::with_capacity(n);
    for i in 0..total {
        if out.len() == n {
            break;
        }
        let c = i * 7919 % total;
        let (who, rest) = (c % FILLER_WHO.len(), c / FILLER_WHO.len());
        let (topic, ask) = (rest % FILLER_TOPICS.len(), rest / FILLER_TOPICS.len());
        let (who, topic, ask) = (FILLER_WHO[who], FILLER_TOPICS[topic], FILLER_ASKS[ask]);
        let question = format!("{who}{topic}{ask}？");
        if existing.contains(&key(&question)) {
            continue;
        }
        let variants = vec![format!("请问{who}得了{topic}{ask}"), format!("{who}{topic}的话{ask}呢")];
        out.push(Entry { article_id: next_id + out.len() as i64, question, variants });
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LABEL: usize = 40;
        const VALUE: usize = 18;
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        let ms = |x: f64| format!("{x:.3} ms");
        let fa = |x: f64| if self.unanswerable == 0 { "—".to_string() } else { pct(x) };
        let row = |f: &mut fmt::Formatter<'_>, label: &str, bot: String, bm25: String| {
            writeln!(f, "{}{}{}", pad(label, LABEL), rpad(&bot, VALUE), rpad(&bm25, VALUE))
        };
        writeln!(f, "知识库 (KB): {} — {} 篇文章，{} 个问法 (phrasings)", self.kb, self.articles, self.phrasings)?;
        writeln!(
            f,
            "查询 (queries): {} — 可答 (answerable) {} 条，不可答 (unanswerable) {} 条",
            self.queries, self.answerable, self.unanswerable
        )?;
        writeln!(f)?;
        row(f, "指标 (metric)", "机器人 (bot)".into(), "BM25 基线".into())?;
        row(f, "top-1 准确率 (accuracy, 可答)", format!("{:.3}", self.bot.top1), format!("{:.3}", self.bm25.top1))?;
        row(f, "MRR@10 (可答)", format!("{:.3}", self.bot.mrr10), format!("{:.3}", self.bm25.mrr10))?;
        row(f, "作答且正确 (answered correctly, 可答)", pct(self.bot.answered_correct), pct(self.bm25.answered_correct))?;
        row(f, "错答率 (wrong-answer rate, 可答)", pct(self.bot.wrong_answer), pct(self.bm25.wrong_answer))?;
        row(f, "误答率 (false-answer rate, 不可答)", fa(self.bot.false_answer), fa(self.bm25.false_answer))?;
        row(f, "作答阈值 (threshold)", format!("{:.2}（固定）", self.bot.threshold), format!("{:.3} *", self.bm25.threshold))?;
        row(f, "延迟 p50 (latency per question)", ms(self.bot.latency.p50_ms), ms(self.bm25.latency.p50_ms))?;
        row(f, "延迟 p99", ms(self.bot.latency.p99_ms), ms(self.bm25.latency.p99_ms))?;
        row(f, "建索引 (index build)", ms(self.bot.build_ms), ms(self.bm25.build_ms))?;
        writeln!(
            f,
            "* BM25 的阈值是本次运行中按本查询文件求得的最佳情形：不可答问题误答率 ≤ {:.0} % 的最低阈值（得分高于阈值才作答）。\n  机器人的阈值 {THRESHOLD} 固定写在代码中，不按数据集调整。",
            BASELINE_FALSE_ANSWER_LIMIT * 100.0
        )?;
        writeln!(
            f,
            "需转医生 (needs_doctor)：可答查询中 {} 条，不可答查询中 {} 条（另行判定，不影响上表）",
            self.needs_doctor.0, self.needs_doctor.1
        )?;
        if let Some(p) = &self.padded {
            writeln!(f)?;
            writeln!(f, "补足到 {} 篇文章 (padded with distinct synthetic articles)，同样的查询再跑一遍：", p.articles)?;
            row(f, "延迟 p50", ms(p.bot.latency.p50_ms), ms(p.bm25.latency.p50_ms))?;
            row(f, "延迟 p99", ms(p.bot.latency.p99_ms), ms(p.bm25.latency.p99_ms))?;
            row(f, "建索引 (index build)", ms(p.bot.build_ms), ms(p.bm25.build_ms))?;
            row(f, "top-1 准确率（仅供参考）", format!("{:.3}", p.bot.top1), format!("{:.3}", p.bm25.top1))?;
        }
        if let Some(misses) = &self.misses {
            writeln!(f)?;
            writeln!(f, "机器人的错答与误答 (misses)：{} 条", misses.len())?;
            for m in misses {
                let expected = m.expected.as_deref().unwrap_or("（不可答）");
                writeln!(f, "  [{:.2}] {} → {}（应为 {expected}）", m.confidence, m.query, m.answered)?;
            }
        }
        Ok(())
    }
}

/// Display width, counting CJK and other wide characters as two columns.
fn width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() || c == '—' { 1 } else { 2 }).sum()
}

/// Pads to a display width, left-aligned.
fn pad(label: &str, columns: usize) -> String {
    format!("{label}{}", " ".repeat(columns.saturating_sub(width(label))))
}

/// Pads to a display width, right-aligned.
fn rpad(value: &str, columns: usize) -> String {
    format!("{}{value}", " ".repeat(columns.saturating_sub(width(value))))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("hops-desk-eval-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, text).expect("write");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const KB: &str = "\u{feff}question,variants,answer,category\n\
        如何取消预约挂号？,怎么退号|预约了去不了怎么取消,在“我的预约”中取消。,挂号预约\n\
        退款多久到账？,退的钱什么时候到|退款一直没收到,1–3 个工作日。,退款\n\
        电子发票在哪里下载？,怎么下载发票,在“电子发票”中下载。,发票\n\
        药品可以送到家吗？,药能快递吗|可以邮寄药品吗,可以。,配送物流\n\
        收不到验证码怎么办？,短信收不到,请稍后重试。,账号登录\n";

    const QUERIES: &str = "query,expected\n\
        咋取消约好的号,如何取消预约挂号？\n\
        退的钱几天能到账,退款多久到账？\n\
        发票从哪下载,电子发票在哪里下载？\n\
        能不能把药快递到家里,药品可以送到家吗？\n\
        验证码一直不来,收不到验证码怎么办？\n\
        今天天气怎么样,\n\
        给我讲个笑话,\n\
        股票怎么买,\n\
        你们卖保健品吗,\n";

    #[test]
    fn evaluates_bot_and_baseline_on_csv_files() {
        let dir = TempDir::new("csv");
        let kb = dir.write("kb.csv", KB);
        let queries = dir.write("queries.csv", QUERIES);
        let report = run(&kb, &queries, &Options::default()).expect("evaluation");
        assert_eq!((report.articles, report.phrasings), (5, 13));
        assert_eq!((report.answerable, report.unanswerable), (5, 4));
        assert_eq!(report.bot.top1, 1.0, "{report}");
        assert_eq!(report.bot.mrr10, 1.0);
        assert_eq!(report.bot.answered_correct, 1.0, "{report}");
        assert_eq!((report.bot.wrong_answer, report.bot.false_answer), (0.0, 0.0));
        assert_eq!(report.bot.threshold, THRESHOLD);
        // BM25's threshold allows at most 10 % of the 4 unanswerable: none.
        assert_eq!(report.bm25.false_answer, 0.0);
        assert!(report.bm25.top1 <= 1.0 && report.bot.latency.p99_ms >= report.bot.latency.p50_ms);
        assert!(report.padded.is_none() && report.misses.is_none());
        let text = report.to_string();
        for label in ["top-1 准确率", "MRR@10", "误答率", "错答率", "BM25 基线", "p99", "最佳情形"] {
            assert!(text.contains(label), "{label} missing in:\n{text}");
        }
    }

    #[test]
    fn jsonl_queries_give_the_same_figures() {
        let dir = TempDir::new("jsonl");
        let kb = dir.write("kb.csv", KB);
        let csv_queries = dir.write("queries.csv", QUERIES);
        let jsonl: String = load_queries(&csv_queries)
            .expect("csv")
            .iter()
            .map(|q| serde_json::json!({ "query": q.text, "expected": q.expected.clone().unwrap_or_default() }).to_string() + "\n")
            .collect();
        let jsonl_queries = dir.write("queries.jsonl", &jsonl);
        let a = run(&kb, &csv_queries, &Options::default()).expect("csv run");
        let b = run(&kb, &jsonl_queries, &Options::default()).expect("jsonl run");
        assert_eq!((a.bot.top1, a.bot.false_answer, a.bm25.top1), (b.bot.top1, b.bot.false_answer, b.bm25.top1));
        assert_eq!((b.answerable, b.unanswerable), (5, 4));
    }

    #[test]
    fn misses_and_bad_files_are_reported() {
        let dir = TempDir::new("bad");
        let kb = dir.write("kb.csv", KB);
        // Expected text that is no article's standard question.
        let queries = dir.write("queries.csv", "query,expected\n怎么退号,怎么退号呀\n");
        let err = run(&kb, &queries, &Options::default()).expect_err("unknown expected");
        assert!(format!("{err:#}").contains("不是知识库中任何文章的标准问题"), "{err:#}");
        // No question column.
        let bad_kb = dir.write("bad.csv", "title,answer\n挂号,好\n");
        assert!(format!("{:#}", run(&bad_kb, &queries, &Options::default()).expect_err("no question column")).contains("question"));
        // A query answered with the wrong article is listed.
        let queries = dir.write("wrong.csv", "query,expected\n退的钱什么时候到,如何取消预约挂号？\n");
        let report = run(&kb, &queries, &Options { show_misses: true, ..Options::default() }).expect("run");
        assert_eq!(report.bot.wrong_answer, 1.0);
        let misses = report.misses.expect("misses");
        assert_eq!(misses.len(), 1);
        assert_eq!(misses[0].answered, "退款多久到账？");
    }

    #[test]
    fn padding_adds_distinct_filler_articles() {
        let dir = TempDir::new("pad");
        let kb = dir.write("kb.csv", KB);
        let queries = dir.write("queries.csv", QUERIES);
        let report = run(&kb, &queries, &Options { pad_to: Some(600), ..Options::default() }).expect("run");
        let padded = report.padded.expect("padded figures");
        assert_eq!(padded.articles, 600);
        assert!(padded.bot.latency.p99_ms > 0.0);
        let articles = load_kb(&kb).expect("kb");
        let filler = filler(&articles, 10_000);
        assert_eq!(filler.len(), 10_000);
        let mut questions: Vec<&str> = filler.iter().map(|e| e.question.as_str()).collect();
        questions.sort();
        questions.dedup();
        assert_eq!(questions.len(), 10_000, "filler questions are distinct");
        assert!(filler.iter().all(|e| e.article_id > 5 && e.variants.len() == 2));
    }

    #[test]
    fn baseline_threshold_and_percentiles() {
        let run = |score: f64| Run { ranked: vec![(1, score)], elapsed: Duration::ZERO };
        let scores = [5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.4, 0.3, 0.2, 0.1];
        let runs: Vec<Run> = scores.iter().map(|&s| run(s)).collect();
        let expected = vec![None; 10];
        // 10 % of 10 is one false answer: answer above the second-highest score.
        assert_eq!(baseline_threshold(&runs, &expected), 4.0);
        let f = figures(&runs, &expected, None, 0.0);
        assert!((f.false_answer - 0.1).abs() < 1e-12);
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!((percentile(&sorted, 0.5), percentile(&sorted, 0.99)), (50.0, 99.0));
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn display_widths() {
        assert_eq!(width("top-1 准确率"), 12);
        assert_eq!(pad("误答率", 8), "误答率  ");
        assert_eq!(rpad("5.7 %", 7), "  5.7 %");
    }

    #[test]
    fn the_demo_faq_is_the_ops_knowledge_base() {
        let demo = include_str!("../../data/faq-demo.csv");
        assert_eq!(demo, include_str!("../../../../bench/kb/ops-kb.csv"), "bench/kb/ops-kb.csv is a copy of data/faq-demo.csv");
        let dir = TempDir::new("demo");
        let articles = load_kb(&dir.write("faq.csv", demo)).expect("demo kb");
        assert!(articles.len() >= 80, "{}", articles.len());
        for a in &articles {
            assert!((2..=4).contains(&a.variants.len()), "{}: {:?}", a.question, a.variants);
            assert!(!a.answer.is_empty() && !a.category.is_empty(), "{}", a.question);
        }
    }
}
