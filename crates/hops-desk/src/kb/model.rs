//! Knowledge-base articles: a standard question, variant phrasings, the answer, a category and a
//! status; the import columns; the answer's small safe markup. Pure.

use hops_platform::FieldError;
use hops_platform::tabular::Column;

hops_kernel::coded! {
    /// An article's status: only published articles answer patients.
    pub ArticleStatus {
        Draft = "draft", "草稿";
        Published = "published", "已发布";
        Archived = "archived", "已停用";
    }
}

pub const QUESTION_MAX: usize = 200;
pub const ANSWER_MAX: usize = 5_000;
pub const VARIANTS_MAX: usize = 50;
pub const CATEGORY_MAX: usize = 30;

/// An article as typed or imported.
#[derive(Clone, Debug, Default)]
pub struct ArticleInput {
    pub question: String,
    /// Separated by `|` or new lines.
    pub variants: String,
    pub answer: String,
    pub category: String,
    /// Empty = published.
    pub status: String,
}

/// An article, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleDraft {
    pub question: String,
    pub variants: Vec<String>,
    pub answer: String,
    pub category: String,
    pub status: ArticleStatus,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Variants: split on `|` and new lines, trimmed, without blanks, duplicates or the question.
pub fn split_variants(text: &str, question: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in text.split(['|', '\n', '\r']).map(str::trim).filter(|v| !v.is_empty()) {
        if v != question && !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

impl ArticleInput {
    /// Every problem at once (fields named as in the import columns).
    pub fn check(&self) -> Result<ArticleDraft, Vec<FieldError>> {
        let mut errs = Vec::new();
        let question = self.question.trim().to_string();
        if question.is_empty() {
            errs.push(FieldError::new("question", "标准问题不能为空"));
        } else if chars(&question) > QUESTION_MAX {
            errs.push(FieldError::new("question", format!("标准问题不能超过 {QUESTION_MAX} 个字")));
        }
        let variants = split_variants(&self.variants, &question);
        if variants.len() > VARIANTS_MAX {
            errs.push(FieldError::new("variants", format!("相似问法最多 {VARIANTS_MAX} 条")));
        }
        if let Some(v) = variants.iter().find(|v| chars(v) > QUESTION_MAX) {
            errs.push(FieldError::new(
                "variants",
                format!("相似问法“{}…”超过 {QUESTION_MAX} 个字", v.chars().take(10).collect::<String>()),
            ));
        }
        let answer = self.answer.trim().replace("\r\n", "\n");
        if answer.is_empty() {
            errs.push(FieldError::new("answer", "答案不能为空"));
        } else if chars(&answer) > ANSWER_MAX {
            errs.push(FieldError::new("answer", format!("答案不能超过 {ANSWER_MAX} 个字")));
        }
        let category = self.category.trim().to_string();
        if chars(&category) > CATEGORY_MAX {
            errs.push(FieldError::new("category", format!("分类不能超过 {CATEGORY_MAX} 个字")));
        }
        let status = if self.status.trim().is_empty() { Some(ArticleStatus::Published) } else { ArticleStatus::parse(&self.status) };
        if status.is_none() {
            errs.push(FieldError::new("status", "状态应为 草稿、已发布 或 已停用"));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(ArticleDraft { question, variants, answer, category, status: status.unwrap_or(ArticleStatus::Published) })
    }
}

/// The columns of `hops kb import` and the console import (variants separated by `|`).
pub const COLUMNS: &[Column] = &[
    Column { key: "question", label: "标准问题", required: true, note: "患者最常用的问法", example: "怎么预约挂号？" },
    Column { key: "variants", label: "相似问法", required: false, note: "多个用 | 分隔", example: "如何挂号|在哪里约号" },
    Column {
        key: "answer",
        label: "答案",
        required: true,
        note: "可用 **加粗**、以 - 开头的列表和网址",
        example: "您好，请在首页点击“预约挂号”…",
    },
    Column { key: "category", label: "分类", required: false, note: "如 挂号预约、药品配送", example: "挂号预约" },
    Column { key: "status", label: "状态", required: false, note: "草稿、已发布（默认）或已停用", example: "已发布" },
];

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One line of an answer: escaped, `**bold**`, and `http(s)://` addresses as links. An
/// unpaired `**` stays as typed.
fn inline(line: &str) -> String {
    let parts: Vec<&str> = line.split("**").collect();
    let paired = if parts.len() % 2 == 1 { parts.len() } else { parts.len() - 1 };
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i >= paired {
            out.push_str("**");
            out.push_str(&link(part));
        } else if i % 2 == 1 {
            out.push_str(&format!("<strong>{}</strong>", link(part)));
        } else {
            out.push_str(&link(part));
        }
    }
    out
}

fn link(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(pos) = rest.find("https://").or_else(|| rest.find("http://")) {
        out.push_str(&escape(&rest[..pos]));
        let url_len = rest[pos..]
            .find(|c: char| c.is_whitespace() || !c.is_ascii() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(rest.len() - pos);
        let url = &rest[pos..pos + url_len];
        out.push_str(&format!("<a href=\"{0}\" rel=\"noopener noreferrer\" target=\"_blank\">{0}</a>", escape(url)));
        rest = &rest[pos + url_len..];
    }
    out.push_str(&escape(rest));
    out
}

/// The answer as safe HTML: paragraphs, `- ` lists, `**bold**`, links; everything else escaped.
pub fn answer_html(answer: &str) -> String {
    let mut out = String::new();
    let mut in_list = false;
    for line in answer.lines() {
        let t = line.trim();
        if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("• ")) {
            if !in_list {
                out.push_str("<ul>");
                in_list = true;
            }
            out.push_str(&format!("<li>{}</li>", inline(item)));
            continue;
        }
        if in_list {
            out.push_str("</ul>");
            in_list = false;
        }
        if !t.is_empty() {
            out.push_str(&format!("<p>{}</p>", inline(t)));
        }
    }
    if in_list {
        out.push_str("</ul>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_are_checked_whole() {
        let errs = ArticleInput { question: " ".into(), answer: "".into(), status: "x".into(), ..Default::default() }.check().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["question", "answer", "status"]);
        let ok = ArticleInput {
            question: " 怎么挂号 ".into(),
            variants: "如何挂号| 怎么挂号 |如何挂号\n在哪约号".into(),
            answer: "点首页".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.question, "怎么挂号");
        assert_eq!(ok.variants, ["如何挂号", "在哪约号"]);
        assert_eq!(ok.status, ArticleStatus::Published);
    }

    #[test]
    fn answers_render_safely() {
        let cases = [
            ("您好<script>alert(1)</script>", "<p>您好&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
            ("请点 **预约挂号** 按钮", "<p>请点 <strong>预约挂号</strong> 按钮</p>"),
            ("步骤：\n- 打开首页\n- 点挂号", "<p>步骤：</p><ul><li>打开首页</li><li>点挂号</li></ul>"),
            (
                "见 https://h.example/a?b=1&c=2 。",
                "<p>见 <a href=\"https://h.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer\" target=\"_blank\">https://h.example/a?b=1&amp;c=2</a> 。</p>",
            ),
            ("javascript:alert(1) \" onmouseover=x", "<p>javascript:alert(1) &quot; onmouseover=x</p>"),
            ("单个 ** 星号", "<p>单个 ** 星号</p>"),
        ];
        for (src, want) in cases {
            assert_eq!(answer_html(src), want, "{src}");
        }
    }
}
