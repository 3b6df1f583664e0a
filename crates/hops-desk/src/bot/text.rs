//! Chinese text analysis for the FAQ bot: normalisation, word segmentation (jieba with a domain
//! user dictionary), colloquial forms, synonyms and stop words.
//!
//! The pipeline, applied to knowledge-base questions and patients' questions alike:
//!
//! 1. [`fold`]: full-width → half-width, lower case, a few traditional characters → simplified,
//!    punctuation and symbols (emoji included) → a space; a `.` between digits stays (`38.5`).
//! 2. Colloquial forms, typos and homophones (`data/colloquial.txt`): 咋 → 怎么, 咋整 → 怎么办,
//!    啥 → 什么, 能不能 → 可以, 登陆 → 登录, 视屏 → 视频, greetings such as 医生你好 deleted. The
//!    longest form wins at each position. Steps 1–2 are [`Analyzer::normalize`].
//! 3. Segmentation by jieba (default dictionary + `data/userdict.txt` + every synonym alias).
//! 4. Stop words dropped (`data/stopwords.txt`), synonyms mapped to their canonical term(s)
//!    (`data/synonyms.txt`: 约号, 预约 → 挂号; 退号 → 取消 挂号; 多少钱 → 费用).
//!
//! [`Analyzer::analyze`] returns the canonical terms (search-mode segmentation, so 预约挂号 also
//! yields 挂号), the character bigrams of the canonical sequence, which catch what segmentation
//! splits differently, and per term/bigram weights that count a long question's last clauses
//! double. [`Analyzer::terms`] is the terms alone. The dictionaries are embedded; jieba's
//! dictionary is loaded once per process by [`Analyzer::shared`]. [`Analyzer::plain_tokens`] is
//! the BM25 baseline's segmentation (jieba's default dictionary, nothing else).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use jieba_rs::Jieba;

const USER_DICT: &str = include_str!("../../data/userdict.txt");
const SYNONYMS: &str = include_str!("../../data/synonyms.txt");
const COLLOQUIAL: &str = include_str!("../../data/colloquial.txt");
const STOP_WORDS: &str = include_str!("../../data/stopwords.txt");

/// Traditional characters patients' input methods produce most in this domain, with their
/// simplified forms (pairs of characters).
const TRADITIONAL: &str = "醫医藥药號号約约診诊費费掛挂報报發发電电話话開开單单處处麼么嗎吗請请問问們们時时間间這这個个還还沒没錢钱幫帮預预檢检驗验\
務务帳账戶户碼码記记錄录認认證证療疗險险內内線线視视頻频圖图說说對对會会過过後后點点長长實实體体護护隊队給给換换銷销網网\
賬账聯联絡络機机態态種种條条據据轉转寫写紀纪傳传達达從从啟启為为誰谁樣样專专門门聽听讓让該该應应題题輸输撥拨關关閉闭價价\
錯错誤误傷伤熱热燒烧頭头喫吃兒儿孫孙媽妈爺爷愛爱壓压癢痒腫肿";

static SHARED: LazyLock<Analyzer> = LazyLock::new(Analyzer::build);
/// jieba with its default dictionary only, for the BM25 baseline.
static PLAIN: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static TRADITIONAL_MAP: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    let chars: Vec<char> = TRADITIONAL.chars().collect();
    chars.chunks_exact(2).map(|p| (p[0], p[1])).collect()
});

/// The result of analysing one text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// The normalised text (folded, colloquial forms rewritten).
    pub normalized: String,
    /// jieba's words of the normalised text, in order, before stop words and synonyms.
    pub words: Vec<String>,
    /// Distinct canonical terms (stop words dropped, synonyms mapped), in order of appearance.
    pub terms: Vec<String>,
    /// Distinct character bigrams of the canonical sequence, within each clause.
    pub bigrams: Vec<(char, char)>,
    /// Per term and per bigram: its weight multiplier as part of a question, `1 + FOCUS_BOOST`
    /// when it occurs in the question's last clauses (ending within the final [`FOCUS_CHARS`]
    /// characters), where long-winded questions usually ask what they ask; else 1.
    pub term_weights: Vec<f32>,
    pub bigram_weights: Vec<f32>,
}

/// How many characters at the end of a question make its focus.
pub const FOCUS_CHARS: usize = 24;
/// Extra weight of a question's focus.
pub const FOCUS_BOOST: f32 = 1.0;

/// Segmenter and dictionaries; built once per process ([`Analyzer::shared`]).
pub struct Analyzer {
    jieba: Jieba,
    /// First character → (form, replacement), longest form first.
    rewrites: HashMap<char, Vec<(Vec<char>, String)>>,
    synonyms: HashMap<String, Vec<String>>,
    stop: HashSet<String>,
}

impl Analyzer {
    /// The process-wide analyser (loads jieba's dictionary on first use, ~0.5 s).
    pub fn shared() -> &'static Analyzer {
        &SHARED
    }

    fn build() -> Analyzer {
        let mut jieba = Jieba::new();
        jieba
            .load_dict(&mut USER_DICT.lines().filter(|l| !is_comment(l)).collect::<Vec<_>>().join("\n").as_bytes())
            .expect("data/userdict.txt is a valid jieba dictionary");

        let mut synonyms = HashMap::new();
        for line in SYNONYMS.lines().filter(|l| !is_comment(l)) {
            let Some((canonical, aliases)) = line.split_once('=') else { continue };
            let canonical: Vec<String> = canonical.split_whitespace().map(str::to_string).collect();
            for alias in aliases.split([',', '，']).map(str::trim).filter(|a| !a.is_empty()) {
                synonyms.insert(alias.to_string(), canonical.clone());
                if alias.chars().count() >= 2 && !jieba.has_word(alias) {
                    // Aliases must come out of segmentation whole to be recognised.
                    let freq = jieba.suggest_freq(alias).max(500);
                    jieba.add_word(alias, Some(freq), None);
                }
            }
        }

        let mut rewrites: HashMap<char, Vec<(Vec<char>, String)>> = HashMap::new();
        for line in COLLOQUIAL.lines().filter(|l| !is_comment(l)) {
            let Some((from, to)) = line.split_once('\t') else { continue };
            let from: Vec<char> = from.chars().collect();
            let Some(&first) = from.first() else { continue };
            rewrites.entry(first).or_default().push((from, to.trim().to_string()));
        }
        for forms in rewrites.values_mut() {
            forms.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        }

        let stop = STOP_WORDS.lines().filter(|l| !is_comment(l)).flat_map(str::split_whitespace).map(str::to_string).collect();
        Analyzer { jieba, rewrites, synonyms, stop }
    }

    /// Folds the text (see [`fold`]) and rewrites colloquial forms, typos and homophones.
    pub fn normalize(&self, text: &str) -> String {
        let folded: Vec<char> = fold(text).chars().collect();
        let mut out = String::with_capacity(folded.len() * 3);
        let mut i = 0;
        'outer: while i < folded.len() {
            if let Some(forms) = self.rewrites.get(&folded[i]) {
                for (from, to) in forms {
                    if folded[i..].starts_with(from) {
                        out.push_str(if to.is_empty() { " " } else { to });
                        i += from.len();
                        continue 'outer;
                    }
                }
            }
            out.push(folded[i]);
            i += 1;
        }
        out
    }

    /// Segments already normalised text with jieba (HMM on), without spaces.
    pub fn segment<'a>(&self, normalized: &'a str) -> Vec<&'a str> {
        self.jieba.cut(normalized, true).into_iter().map(|t| t.word).filter(|w| !w.trim().is_empty()).collect()
    }

    /// Plain segmentation for the BM25 baseline: lower case and jieba with its default
    /// dictionary (loaded on first use) — no domain dictionary, width folding, colloquial forms,
    /// synonyms or stop words; punctuation tokens dropped.
    pub fn plain_tokens(&self, text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        PLAIN.cut(&lower, true).into_iter().map(|t| t.word).filter(|w| w.chars().any(char::is_alphanumeric)).map(str::to_string).collect()
    }

    /// Whether a word is a stop word.
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.stop.contains(word)
    }

    /// The canonical term(s) of a segmented word: none for a stop word, the synonym's canonical
    /// terms, or the word itself.
    pub fn canonical(&self, word: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.canonical_into(word, &mut out);
        out
    }

    fn canonical_into(&self, word: &str, out: &mut Vec<String>) {
        if self.stop.contains(word) {
            return;
        }
        match self.synonyms.get(word) {
            Some(canonical) => out.extend(canonical.iter().cloned()),
            None => out.push(word.to_string()),
        }
    }

    /// Normalises, segments and maps the text to canonical terms and bigrams.
    pub fn analyze(&self, text: &str) -> Analysis {
        let normalized = self.normalize(text);
        let total = normalized.chars().count();
        let mut a = Analysis { normalized: String::new(), ..Analysis::default() };
        // Per distinct term / bigram: whether it occurs in the focus.
        let mut term_index: HashMap<String, usize> = HashMap::new();
        let mut bigram_index: HashMap<(char, char), usize> = HashMap::new();
        let mut term_focus: Vec<bool> = Vec::new();
        let mut bigram_focus: Vec<bool> = Vec::new();
        let mut canonical = Vec::new();
        let mut offset = 0;
        for clause in normalized.split(' ') {
            let start = offset;
            offset += clause.chars().count() + 1;
            if clause.is_empty() {
                continue;
            }
            let focus = start + clause.chars().count() + FOCUS_CHARS >= total;
            // The clause's canonical sequence, for bigrams.
            let mut sequence: Vec<char> = Vec::new();
            for token in self.jieba.cut(clause, true) {
                a.words.push(token.word.to_string());
                canonical.clear();
                self.canonical_into(token.word, &mut canonical);
                for term in &canonical {
                    sequence.extend(term.chars());
                }
            }
            for pair in sequence.windows(2) {
                let i = *bigram_index.entry((pair[0], pair[1])).or_insert_with(|| {
                    a.bigrams.push((pair[0], pair[1]));
                    bigram_focus.push(false);
                    a.bigrams.len() - 1
                });
                bigram_focus[i] |= focus;
            }
            // Search mode adds the dictionary words inside long words (预约挂号 → 预约, 挂号).
            for token in self.jieba.cut_for_search(clause, true) {
                canonical.clear();
                self.canonical_into(token.word, &mut canonical);
                for term in canonical.drain(..) {
                    let i = *term_index.entry(term.clone()).or_insert_with(|| {
                        a.terms.push(term);
                        term_focus.push(false);
                        a.terms.len() - 1
                    });
                    term_focus[i] |= focus;
                }
            }
        }
        let weight = |&focus: &bool| if focus { 1.0 + FOCUS_BOOST } else { 1.0 };
        a.term_weights = term_focus.iter().map(weight).collect();
        a.bigram_weights = bigram_focus.iter().map(weight).collect();
        a.normalized = normalized;
        a
    }

    /// The distinct canonical terms of a text.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.analyze(text).terms
    }
}

fn is_comment(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with('#')
}

/// Width, case, traditional characters and punctuation (step 1 of the pipeline).
pub fn fold(text: &str) -> String {
    let traditional = &*TRADITIONAL_MAP;
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => *traditional.get(&c).unwrap_or(&c),
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let digit_dot = c == '.' && i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || digit_dot {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_table() {
        let analyzer = Analyzer::shared();
        let cases: &[(&str, &str)] = &[
            // Width, case, spaces, punctuation.
            ("ＡＢＣ１２３", "abc123"),
            ("APP打不开", "app打不开"),
            ("怎么挂号？！", "怎么挂号"),
            ("挂号，，，怎么挂。。。", "挂号 怎么挂"),
            ("挂号\u{3000}\u{3000}怎么挂", "挂号 怎么挂"),
            ("体温38.5度", "体温38.5度"),
            ("付款失败😭😭", "付款失败"),
            ("【急】退款！！", "急 退款"),
            // Traditional characters.
            ("掛號費多少錢", "挂号费多少钱"),
            // Colloquial forms, typos, greetings.
            ("咋挂号", "怎么挂号"),
            ("挂不上号咋整", "挂不上号怎么办"),
            ("啥时候能退", "什么时候能退"),
            ("为啥退不了", "为什么退不了"),
            ("能不能开发票", "可以开发票"),
            ("可不可以视频", "可以视频"),
            ("登陆不上", "登录不上"),
            ("视屏没声音", "视频没声音"),
            ("帐号注销", "账号注销"),
            ("医生你好 我想约个号", "我想约号"),
        ];
        let wrong: Vec<_> = cases
            .iter()
            .map(|(input, want)| (input, analyzer.normalize(input), want))
            .filter(|(_, got, want)| got.trim() != **want)
            .collect();
        assert!(wrong.is_empty(), "(input, got, want): {wrong:?}");
    }

    #[test]
    fn synonyms_and_stop_words_give_canonical_terms() {
        let analyzer = Analyzer::shared();
        let has = |text: &str, term: &str| analyzer.terms(text).iter().any(|t| t == term);
        // 挂号/预约/约号 are one concept.
        for text in ["怎么预约", "约号", "预约挂号", "在线挂号", "咋约个号"] {
            assert!(has(text, "挂号"), "{text}: {:?}", analyzer.terms(text));
        }
        assert!(has("退号", "取消") && has("退号", "挂号"), "{:?}", analyzer.terms("退号"));
        assert!(has("多少钱", "费用"));
        assert!(has("退钱", "退款"));
        assert!(has("登陆不了", "登录"));
        assert!(has("宝宝", "孩子"));
        // Stop words disappear, content stays.
        let terms = analyzer.terms("请问我的发票在哪里呢");
        assert!(!terms.iter().any(|t| t == "我" || t == "的" || t == "呢" || t == "请问"), "{terms:?}");
        assert!(terms.iter().any(|t| t == "发票") && terms.iter().any(|t| t == "哪里"), "{terms:?}");
        // Terms are distinct.
        let terms = analyzer.terms("挂号挂号 预约");
        assert_eq!(terms.iter().filter(|t| *t == "挂号").count(), 1, "{terms:?}");
    }

    #[test]
    fn bigrams_follow_the_canonical_sequence() {
        let a = Analyzer::shared().analyze("约号");
        assert!(a.bigrams.contains(&('挂', '号')), "{:?}", a.bigrams);
        assert!(Analyzer::shared().analyze("好").bigrams.is_empty());
    }

    #[test]
    fn the_end_of_a_long_question_is_its_focus() {
        let a = Analyzer::shared()
            .analyze("我妈妈今年七十多岁了一直在老家住着最近来城里看我，她平时身体还可以就是腿脚不太方便，想给她在网上预约挂号");
        let weight = |term: &str| a.terms.iter().position(|t| t == term).map(|i| a.term_weights[i]);
        assert_eq!(weight("挂号"), Some(1.0 + FOCUS_BOOST), "{:?}", a.terms);
        assert_eq!(weight("老家"), Some(1.0), "{:?}", a.terms);
        assert_eq!(a.term_weights.len(), a.terms.len());
        assert_eq!(a.bigram_weights.len(), a.bigrams.len());
        // A short question is all focus.
        assert!(Analyzer::shared().analyze("怎么退款").term_weights.iter().all(|&w| w == 1.0 + FOCUS_BOOST));
    }

    #[test]
    fn the_analyzer_is_built_once() {
        assert!(std::ptr::eq(Analyzer::shared(), Analyzer::shared()));
        fn shareable<T: Send + Sync>(_: &T) {}
        shareable(Analyzer::shared());
    }

    #[test]
    fn plain_tokens_only_segment() {
        let tokens = Analyzer::shared().plain_tokens("咋取消预约？");
        assert!(tokens.iter().any(|t| t == "咋"), "{tokens:?}");
        assert!(!tokens.iter().any(|t| t == "？"), "{tokens:?}");
    }
}
