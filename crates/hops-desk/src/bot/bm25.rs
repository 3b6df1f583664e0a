//! Plain BM25 over jieba-segmented text: the baseline the bot is measured against.
//!
//! One document per article: its standard question and variants together. Tokens are jieba's
//! words of the lower-cased text with jieba's default dictionary ([`Analyzer::plain_tokens`]; the
//! bot's domain dictionary made BM25 worse): no width folding, colloquial forms, synonyms or
//! stop words.
//! Score of document `d` for the distinct query tokens `t`:
//!
//! ```text
//! Σ idf(t) · tf(t,d) · (k1 + 1) / (tf(t,d) + k1 · (1 − b + b · |d| / avgdl))
//! idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))          k1 = 1.2, b = 0.75
//! ```
//!
//! Scores are unbounded, so a threshold for "answered" depends on the knowledge base; the
//! evaluation gives BM25 its best threshold per query file.

use std::collections::HashMap;

use super::matcher::Entry;
use super::text::Analyzer;

/// Term-frequency saturation.
pub const K1: f64 = 1.2;
/// Length normalisation.
pub const B: f64 = 0.75;

/// An in-memory BM25 index (inverted lists of (document, term frequency)).
pub struct Bm25 {
    ids: Vec<i64>,
    lengths: Vec<f64>,
    average_length: f64,
    terms: HashMap<String, usize>,
    postings: Vec<Vec<(u32, u32)>>,
}

impl Bm25 {
    /// Indexes the articles with the shared analyser's plain tokens.
    pub fn build(entries: &[Entry]) -> Bm25 {
        let analyzer = Analyzer::shared();
        Bm25::build_with(entries, |text| analyzer.plain_tokens(text))
    }

    /// Indexes the articles with the given tokenizer (used on both documents and queries).
    fn build_with(entries: &[Entry], tokenize: impl Fn(&str) -> Vec<String>) -> Bm25 {
        let mut terms: HashMap<String, usize> = HashMap::new();
        let mut postings: Vec<Vec<(u32, u32)>> = Vec::new();
        let mut lengths = Vec::with_capacity(entries.len());
        for (doc, entry) in entries.iter().enumerate() {
            let mut counts: HashMap<String, u32> = HashMap::new();
            let mut length = 0usize;
            for text in std::iter::once(&entry.question).chain(&entry.variants) {
                for token in tokenize(text) {
                    length += 1;
                    *counts.entry(token).or_default() += 1;
                }
            }
            lengths.push(length as f64);
            let mut counts: Vec<_> = counts.into_iter().collect();
            counts.sort();
            for (token, tf) in counts {
                let next = terms.len();
                let id = *terms.entry(token).or_insert(next);
                if id == postings.len() {
                    postings.push(Vec::new());
                }
                postings[id].push((doc as u32, tf));
            }
        }
        let average_length = if lengths.is_empty() { 0.0 } else { lengths.iter().sum::<f64>() / lengths.len() as f64 };
        Bm25 { ids: entries.iter().map(|e| e.article_id).collect(), lengths, average_length, terms, postings }
    }

    /// Number of indexed articles.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no article is indexed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `k` best articles with their scores, best first (ties by article order); articles
    /// sharing no token with the query are not returned.
    pub fn top(&self, query: &str, k: usize) -> Vec<(i64, f64)> {
        let tokens = Analyzer::shared().plain_tokens(query);
        self.top_tokens(tokens, k)
    }

    fn top_tokens(&self, mut tokens: Vec<String>, k: usize) -> Vec<(i64, f64)> {
        tokens.sort();
        tokens.dedup();
        let n = self.ids.len() as f64;
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for token in &tokens {
            let Some(&id) = self.terms.get(token) else { continue };
            let list = &self.postings[id];
            let df = list.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(doc, tf) in list {
                let tf = f64::from(tf);
                let norm = K1 * (1.0 - B + B * self.lengths[doc as usize] / self.average_length);
                *scores.entry(doc).or_default() += idf * tf * (K1 + 1.0) / (tf + norm);
            }
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked.into_iter().map(|(doc, score)| (self.ids[doc as usize], score)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, question: &str) -> Entry {
        Entry { article_id: id, question: question.into(), variants: vec![] }
    }

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn score_matches_a_hand_computation() {
        // Three documents: "a b" (|d|=2), "a c c" (3), "d" (1); avgdl = 2.
        let docs = [entry(1, "a b"), entry(2, "a c c"), entry(3, "d")];
        let index = Bm25::build_with(&docs, words);
        // Query "c": only doc 2, df = 1, tf = 2.
        // idf = ln(1 + (3 - 1 + 0.5) / 1.5) = ln(8/3) = 0.980829…
        // norm = 1.2 · (0.25 + 0.75 · 3/2) = 1.65; score = idf · 2 · 2.2 / (2 + 1.65) = 1.182369…
        let top = index.top_tokens(words("c"), 10);
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].0, 2);
        assert!((top[0].1 - 1.182_369).abs() < 1e-5, "{}", top[0].1);
        // Query "a b": doc 1 gets idf(a) + idf(b) with |d| = avgdl (norm = k1):
        // idf(a) = ln(1 + 1.5/2.5) = 0.470004, idf(b) = 0.980829; each · 2.2 / 2.2.
        let top = index.top_tokens(words("a b"), 10);
        assert_eq!(top[0].0, 1);
        assert!((top[0].1 - (0.470_004 + 0.980_829)).abs() < 1e-5, "{}", top[0].1);
        // Doc 2 only shares "a": 0.470004 · 2.2 / (1 + 1.65).
        assert_eq!(top[1].0, 2);
        assert!((top[1].1 - 0.470_004 * 2.2 / 2.65).abs() < 1e-5, "{}", top[1].1);
        assert_eq!(top.len(), 2, "doc 3 shares nothing");
        assert_eq!(index.top_tokens(words("a b"), 1).len(), 1);
    }

    #[test]
    fn chinese_text_is_segmented_by_jieba() {
        let docs = [entry(7, "如何取消预约挂号？"), entry(8, "电子发票在哪里下载？")];
        let index = Bm25::build(&docs);
        assert_eq!(index.len(), 2);
        assert_eq!(index.top("发票怎么下载", 3)[0].0, 8);
        assert_eq!(index.top("取消挂号", 3)[0].0, 7);
        assert!(index.top("今天天气", 3).is_empty());
    }
}
