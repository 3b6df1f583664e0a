//! The FAQ bot's matcher: finds the knowledge-base article a patient's question asks for, and
//! answers only when confident.
//!
//! ```ignore
//! let index = Index::build(entries);       // once per hospital (10,000 articles: ~0.2 s); Send + Sync
//! let answer = index.ask("咋取消预约啊");     // from any thread; well under a millisecond
//! if answer.answered { /* answer with answer.best */ } else { /* say so; offer answer.alternatives */ }
//! ```
//!
//! Every phrasing of an article (the standard question and each variant) is analysed by
//! [`Analyzer`] into canonical terms and character bigrams, kept in two inverted indexes and
//! weighted by inverse document frequency over articles. A question is compared with each
//! phrasing sharing a term or a bigram with it by four coverages: the share of the phrasing's
//! weight found in the question, and the share of the question's weight found in the phrasing,
//! for terms and for bigrams (the question's last clauses count double, see
//! [`super::text::FOCUS_BOOST`]). The score is the mean over terms and bigrams of the geometric
//! mean of the two coverages (0..1); an article scores with its best phrasing, reported as
//! `matched_question`.
//!
//! Confidence is a logistic function of the candidate's lead over the best other article and of
//! its mean coverages ([`confidence`]), fitted once on the operations FAQ and medical-dialogue
//! evaluation sets together (`bench/README.md`) and not refitted per knowledge base: coverages
//! are ratios, so they mean the same with 80 articles or 10,000. One fixed [`THRESHOLD`] keeps
//! false answers to unanswerable questions at or below 10 % on every evaluation set.
//!
//! Whether a question needs a doctor instead of an FAQ answer is decided separately, by
//! [`super::triage::needs_doctor`].

use std::collections::HashMap;
use std::hash::Hash;

use super::text::{Analysis, Analyzer};

/// A question is answered when the best article's confidence is at least this.
pub const THRESHOLD: f64 = 0.55;

/// How many alternatives an answer offers at most.
pub const ALTERNATIVES: usize = 3;

/// A knowledge-base article as the matcher sees it (answers are not matched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub article_id: i64,
    /// The standard question.
    pub question: String,
    /// Other phrasings of the same question.
    pub variants: Vec<String>,
}

/// An article matched to a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub article_id: i64,
    /// The standard question or the variant that matched best.
    pub matched_question: String,
    /// Estimated probability, 0..1, that this article answers the question.
    pub confidence: f64,
}

/// The bot's answer to one question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    /// Whether `best` is confident enough to be given as the answer.
    pub answered: bool,
    /// The best article, if any shares a word with the question (also when not answered).
    pub best: Option<Hit>,
    /// Up to [`ALTERNATIVES`] next-best articles, best first.
    pub alternatives: Vec<Hit>,
}

/// How one phrasing of an article compares with a question (all shares 0..1).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// Share of the phrasing's term weight that the question contains.
    pub phrasing_words: f64,
    /// Share of the question's term weight that the phrasing contains.
    pub question_words: f64,
    /// Same for character bigrams.
    pub phrasing_bigrams: f64,
    pub question_bigrams: f64,
}

impl Features {
    /// The ranking score, 0..1: the mean over words and bigrams of the geometric mean of the
    /// two coverages.
    pub fn score(&self) -> f64 {
        0.5 * ((self.phrasing_words * self.question_words).sqrt() + (self.phrasing_bigrams * self.question_bigrams).sqrt())
    }
}

/// Confidence of a candidate, 0..1: logistic regression on its lead over the best other
/// candidate (score difference; negative for all but the first) and its mean phrasing and
/// question coverage. Fitted once on the operations and medical-dialogue evaluation sets
/// together (`bench/README.md`); not refitted per knowledge base.
pub fn confidence(features: &Features, lead: f64) -> f64 {
    let phrasing = (features.phrasing_words + features.phrasing_bigrams) / 2.0;
    let question = (features.question_words + features.question_bigrams) / 2.0;
    let z = -3.2 + 5.9 * lead + 2.5 * phrasing + 4.2 * question;
    1.0 / (1.0 + (-z).exp())
}

/// A ranked candidate article.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    pub article: usize,
    pub phrasing: usize,
    pub features: Features,
    pub score: f64,
}

struct Phrasing {
    article: u32,
    text: String,
    word_weight: f32,
    bigram_weight: f32,
}

struct Article {
    id: i64,
}

/// An inverted index from keys (terms or bigrams) to phrasings, with idf over articles.
struct Postings<K> {
    ids: HashMap<K, u32>,
    idf: Vec<f32>,
    lists: Vec<Vec<u32>>,
    /// idf of a key no article has.
    unseen_idf: f32,
}

impl<K: Hash + Eq + Clone> Postings<K> {
    fn build(per_phrasing: &[Vec<K>], article_of: &[u32], articles: usize) -> Postings<K> {
        let mut ids: HashMap<K, u32> = HashMap::new();
        let mut lists: Vec<Vec<u32>> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut last_article: Vec<u32> = Vec::new();
        for (p, keys) in per_phrasing.iter().enumerate() {
            for key in keys {
                let next = ids.len() as u32;
                let id = *ids.entry(key.clone()).or_insert(next) as usize;
                if id == lists.len() {
                    lists.push(Vec::new());
                    df.push(0);
                    last_article.push(u32::MAX);
                }
                lists[id].push(p as u32);
                if last_article[id] != article_of[p] {
                    last_article[id] = article_of[p];
                    df[id] += 1;
                }
            }
        }
        let n = articles as f32;
        let idf = df.iter().map(|&d| (1.0 + (n - d as f32 + 0.5) / (d as f32 + 0.5)).ln()).collect();
        let unseen_idf = (1.0 + (n + 0.5) / 0.5).ln();
        Postings { ids, idf, lists, unseen_idf }
    }

    fn weight(&self, key: &K) -> f32 {
        self.ids.get(key).map_or(self.unseen_idf, |&id| self.idf[id as usize])
    }

    fn weight_of_all<'a>(&self, keys: impl IntoIterator<Item = &'a K>) -> f32
    where
        K: 'a,
    {
        keys.into_iter().map(|k| self.weight(k)).sum()
    }

    /// A question's weight, each key's idf times its multiplier.
    fn question_weight(&self, keys: &[K], multipliers: &[f32]) -> f32 {
        keys.iter().zip(multipliers).map(|(k, m)| self.weight(k) * m).sum()
    }

    /// Adds each key's weight to the phrasings that contain it: plain in `acc[p][slot]`, times
    /// the question's multiplier in `acc[p][slot + 2]`.
    fn accumulate(&self, keys: &[K], multipliers: &[f32], slot: usize, acc: &mut [[f32; 4]], touched: &mut Vec<u32>) {
        for (key, &m) in keys.iter().zip(multipliers) {
            let Some(&id) = self.ids.get(key) else { continue };
            let w = self.idf[id as usize];
            for &p in &self.lists[id as usize] {
                let cell = &mut acc[p as usize];
                if cell[0] == 0.0 && cell[1] == 0.0 {
                    touched.push(p);
                }
                cell[slot] += w;
                cell[slot + 2] += w * m;
            }
        }
    }
}

/// The matcher's in-memory index over one hospital's knowledge base.
pub struct Index {
    articles: Vec<Article>,
    phrasings: Vec<Phrasing>,
    words: Postings<String>,
    bigrams: Postings<(char, char)>,
}

impl Index {
    /// Indexes the articles (questions and variants; empty phrasings are skipped).
    pub fn build(entries: Vec<Entry>) -> Index {
        let analyzer = Analyzer::shared();
        let mut articles = Vec::with_capacity(entries.len());
        let mut texts = Vec::new();
        let mut article_of = Vec::new();
        let mut word_keys = Vec::new();
        let mut bigram_keys = Vec::new();
        for entry in entries {
            let a = articles.len() as u32;
            articles.push(Article { id: entry.article_id });
            for text in std::iter::once(entry.question).chain(entry.variants) {
                let analysis = analyzer.analyze(&text);
                if analysis.terms.is_empty() && analysis.bigrams.is_empty() {
                    continue;
                }
                texts.push(text);
                article_of.push(a);
                word_keys.push(analysis.terms);
                bigram_keys.push(analysis.bigrams);
            }
        }
        let words = Postings::build(&word_keys, &article_of, articles.len());
        let bigrams = Postings::build(&bigram_keys, &article_of, articles.len());
        let phrasings = texts
            .into_iter()
            .enumerate()
            .map(|(p, text)| Phrasing {
                article: article_of[p],
                text,
                word_weight: words.weight_of_all(&word_keys[p]),
                bigram_weight: bigrams.weight_of_all(&bigram_keys[p]),
            })
            .collect();
        Index { articles, phrasings, words, bigrams }
    }

    /// Number of indexed articles.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// Whether no article is indexed.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// Number of indexed phrasings (standard questions and variants).
    pub fn phrasings(&self) -> usize {
        self.phrasings.len()
    }

    /// Answers a patient's question.
    pub fn ask(&self, question: &str) -> Answer {
        let mut hits = self.hits(question, ALTERNATIVES + 1).into_iter();
        let best = hits.next();
        Answer { answered: best.as_ref().is_some_and(|b| b.confidence >= THRESHOLD), best, alternatives: hits.collect() }
    }

    /// The `k` best articles with their confidence, best first (for the evaluation's MRR@10).
    pub(crate) fn ask_ranked(&self, question: &str, k: usize) -> Vec<(i64, f64)> {
        self.hits(question, k).into_iter().map(|h| (h.article_id, h.confidence)).collect()
    }

    /// The `k` best articles as hits. A candidate's confidence depends on its score and on its
    /// lead over the best other candidate (negative for all but the first), so the order by
    /// confidence is the order by score.
    fn hits(&self, question: &str, k: usize) -> Vec<Hit> {
        let ranked = self.rank(&Analyzer::shared().analyze(question), k.max(2));
        let lead = |i: usize| {
            let other = if i == 0 { ranked.get(1) } else { ranked.first() };
            ranked[i].score - other.map_or(0.0, |c| c.score)
        };
        (0..ranked.len().min(k))
            .map(|i| {
                let c = &ranked[i];
                Hit {
                    article_id: self.articles[c.article].id,
                    matched_question: self.phrasings[c.phrasing].text.clone(),
                    confidence: confidence(&c.features, lead(i)),
                }
            })
            .collect()
    }

    /// The `k` best articles for an analysed question, best first (ties by article order):
    /// every phrasing sharing a term or a bigram with the question is compared, and each
    /// article keeps its best phrasing.
    fn rank(&self, q: &Analysis, k: usize) -> Vec<Candidate> {
        let question_words = self.words.question_weight(&q.terms, &q.term_weights);
        let question_bigrams = self.bigrams.question_weight(&q.bigrams, &q.bigram_weights);
        let mut acc = vec![[0f32; 4]; self.phrasings.len()];
        let mut touched = Vec::new();
        self.words.accumulate(&q.terms, &q.term_weights, 0, &mut acc, &mut touched);
        self.bigrams.accumulate(&q.bigrams, &q.bigram_weights, 1, &mut acc, &mut touched);

        // Position in `candidates` of each article's best phrasing so far.
        let mut slot = vec![u32::MAX; self.articles.len()];
        let mut candidates: Vec<Candidate> = Vec::new();
        for p in touched {
            let phrasing = &self.phrasings[p as usize];
            let [w, b, wf, bf] = acc[p as usize];
            let features = Features {
                phrasing_words: ratio(w, phrasing.word_weight),
                question_words: ratio(wf, question_words),
                phrasing_bigrams: ratio(b, phrasing.bigram_weight),
                question_bigrams: ratio(bf, question_bigrams),
            };
            let candidate = Candidate { article: phrasing.article as usize, phrasing: p as usize, features, score: features.score() };
            match slot[candidate.article] {
                u32::MAX => {
                    slot[candidate.article] = candidates.len() as u32;
                    candidates.push(candidate);
                }
                i if candidate.score > candidates[i as usize].score => candidates[i as usize] = candidate,
                _ => {}
            }
        }
        candidates.retain(|c| c.score > 0.0);
        let order = |a: &Candidate, b: &Candidate| b.score.total_cmp(&a.score).then(a.article.cmp(&b.article));
        if candidates.len() > k {
            candidates.select_nth_unstable_by(k, order);
            candidates.truncate(k);
        }
        candidates.sort_by(order);
        candidates
    }
}

fn ratio(part: f32, whole: f32) -> f64 {
    if whole <= 0.0 { 0.0 } else { f64::from(part / whole).min(1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> Vec<Entry> {
        let rows: &[(i64, &str, &[&str])] = &[
            (1, "如何取消预约挂号？", &["怎么退号", "预约了去不了怎么取消"]),
            (2, "如何在线预约挂号？", &["网上怎么挂号", "手机上可以预约挂号吗"]),
            (3, "退款多久到账？", &["退的钱什么时候到", "退款一直没收到"]),
            (4, "电子发票在哪里下载？", &["怎么下载发票"]),
            (5, "药品可以送到家吗？", &["药能快递吗", "可以邮寄药品吗"]),
            (6, "收不到验证码怎么办？", &["短信收不到"]),
            (7, "怎么添加就诊人？", &["如何添加家人", "就诊人怎么绑定"]),
            (8, "视频问诊没有声音怎么办？", &["视频连不上", "听不到医生说话"]),
            (9, "线上问诊可以用医保吗？", &["网上看病能报销吗"]),
            (10, "医生什么时候出诊？", &["医生几点上线", "专家哪天坐诊"]),
        ];
        rows.iter()
            .map(|(id, q, v)| Entry { article_id: *id, question: q.to_string(), variants: v.iter().map(|s| s.to_string()).collect() })
            .collect()
    }

    fn index() -> &'static Index {
        static INDEX: std::sync::LazyLock<Index> = std::sync::LazyLock::new(|| Index::build(kb()));
        &INDEX
    }

    #[test]
    fn paraphrases_find_their_article() {
        let cases: &[(&str, i64)] = &[
            ("咋取消约好的号", 1),
            ("约的号不去了能取消不", 1),
            ("手机上咋约号", 2),
            ("退的钱几天能到账", 3),
            ("发票从哪下载", 4),
            ("能不能把药快递到家里", 5),
            ("验证码一直不来", 6),
            ("怎么把我爸加成就诊人", 7),
            ("跟医生视频听不见声音", 8),
            ("网上看病能刷医保卡吗", 9),
            ("王大夫几点坐诊", 10),
        ];
        let mut wrong = Vec::new();
        for &(question, expected) in cases {
            let answer = index().ask(question);
            let best = answer.best.as_ref().map(|b| (b.article_id, b.confidence));
            if !answer.answered || best.map(|b| b.0) != Some(expected) {
                wrong.push((question, expected, answer.answered, best));
            }
        }
        assert!(wrong.is_empty(), "(question, expected, answered, best): {wrong:?}");
    }

    #[test]
    fn unanswerable_questions_are_refused() {
        for question in ["今天天气怎么样", "给我讲个笑话", "股票怎么买", "你们卖保健品吗", "附近有什么好吃的", "", "？？？", "。"]
        {
            let answer = index().ask(question);
            assert!(!answer.answered, "{question}: {answer:?}");
        }
    }

    #[test]
    fn answers_are_well_formed() {
        let answer = index().ask("退的钱什么时候到啊");
        let best = answer.best.expect("a best hit");
        assert_eq!(best.article_id, 3);
        // The variant that matched, not the standard question.
        assert_eq!(best.matched_question, "退的钱什么时候到");
        assert!(best.confidence > THRESHOLD && best.confidence <= 1.0, "{}", best.confidence);
        assert!(answer.alternatives.len() <= ALTERNATIVES);
        let mut ids: Vec<i64> = answer.alternatives.iter().map(|h| h.article_id).collect();
        ids.push(best.article_id);
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "alternatives are other articles");
        for alt in &answer.alternatives {
            assert!(alt.confidence >= 0.0 && alt.confidence < best.confidence, "{alt:?}");
        }
        // A question sharing a word with many articles offers alternatives.
        assert!(!index().ask("怎么挂号 退款 发票").alternatives.is_empty());
    }

    #[test]
    fn empty_index_and_empty_question() {
        let empty = Index::build(vec![]);
        assert!(empty.is_empty());
        assert_eq!(empty.ask("怎么挂号"), Answer::default());
        assert_eq!(index().ask("   "), Answer::default());
        assert_eq!(index().len(), 10);
        assert_eq!(index().phrasings(), 27);
    }

    #[test]
    fn confidence_grows_with_lead_and_coverage() {
        let weak = Features { phrasing_words: 0.5, question_words: 0.3, phrasing_bigrams: 0.4, question_bigrams: 0.2 };
        let strong = Features { phrasing_words: 1.0, question_words: 0.9, phrasing_bigrams: 1.0, question_bigrams: 0.8 };
        assert!(confidence(&weak, 0.0) < THRESHOLD);
        assert!(confidence(&strong, 0.3) > THRESHOLD);
        assert!(confidence(&strong, 0.0) < confidence(&strong, 0.2));
        assert!(confidence(&weak, 0.1) < confidence(&strong, 0.1));
        assert!((strong.score() - 0.5 * ((0.9f64).sqrt() + (0.8f64).sqrt())).abs() < 1e-12);
    }

    #[test]
    fn the_index_is_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Index>();
        let index = index();
        std::thread::scope(|s| {
            let handles: Vec<_> = ["咋取消约好的号", "验证码一直不来"]
                .into_iter()
                .map(|q| s.spawn(move || index.ask(q).best.map(|b| b.article_id)))
                .collect();
            let ids: Vec<_> = handles.into_iter().map(|h| h.join().expect("no panic")).collect();
            assert_eq!(ids, vec![Some(1), Some(6)]);
        });
    }
}
